//! Properties of the margin math over its documented input bounds (docs/MATH.md):
//! |base| ≤ 1e18 lots, price ≤ 1e16 (> $10M), position notional ≤ 4e18 quote native
//! (the i64 cost basis bound, $4 trillion at 6 decimals), collateral ≤ 1e15 ($1bn),
//! leverage 1..=1000, up to 4 tiers with thresholds ≤ 1e15.
#![allow(
    clippy::arithmetic_side_effects,
    clippy::integer_division,
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    clippy::cast_possible_wrap
)]

use ballast_math::checked::Rounding;
use ballast_math::constants::{NOTIONAL_DIVISOR, PPM_PRODUCT_BOUND};
use ballast_math::margin::{liquidation_price, DomainHealth, PositionRisk};
use ballast_math::oracle::{classify, OracleValidity};
use ballast_math::position::{cost_basis_at, notional, signed_value, unrealized_pnl, weighted_pnl};
use ballast_math::tiers::{initial_margin, maintenance_margin, max_leverage_at, transfer_floor, validate_tiers, Maintenance, Tier};
use ballast_math::{BaseLots, Price};
use proptest::prelude::*;

const MAX_BASE: i64 = 1_000_000_000_000_000_000; // 1e9 units
const MAX_PRICE: u64 = 10_000_000_000_000_000; // $10M per unit
const MAX_NOTIONAL_E12: i128 = 4_000_000_000_000_000_000 * 1_000_000_000_000; // 4e18 quote × 1e12
const MAX_COLLATERAL: i64 = 1_000_000_000_000_000; // $1bn

/// A valid tier table: thresholds strictly increasing from 0, leverage non-increasing.
fn tiers_strategy() -> impl Strategy<Value = Vec<Tier>> {
    (1usize..=4, prop::collection::vec(1u64..=1_000_000_000_000, 3), prop::collection::vec(1u16..=1000, 4)).prop_map(|(n, gaps, levs)| {
        let mut levs = levs;
        levs.sort_unstable_by(|a, b| b.cmp(a));
        let mut t = vec![Tier { notional_threshold: 0, max_leverage: levs[0] }];
        let mut threshold = 0u64;
        for i in 1..n {
            threshold += gaps[i - 1];
            t.push(Tier { notional_threshold: threshold, max_leverage: levs[i] });
        }
        assert_eq!(validate_tiers(&t), Ok(()));
        t
    })
}

/// A size and a price whose notional stays within the documented bound.
fn base_and_price() -> impl Strategy<Value = (i64, u64)> {
    (-MAX_BASE..=MAX_BASE).prop_flat_map(|base| {
        let cap = (MAX_NOTIONAL_E12 / i128::from(base.unsigned_abs()).max(1)).min(i128::from(MAX_PRICE)) as u64;
        (Just(base), 0u64..=cap)
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2_000, ..ProptestConfig::default() })]

    #[test]
    fn initial_margin_is_at_least_maintenance_at_any_allowed_leverage(
        tiers in tiers_strategy(), n in 0u64..=1_000_000_000_000_000, pick in 0u16..=u16::MAX,
    ) {
        let max = max_leverage_at(&tiers, n);
        let lev = 1 + pick % max;
        let im = initial_margin(n, lev).unwrap();
        let mm = maintenance_margin(&tiers, n).unwrap();
        prop_assert!(im >= mm, "im {im} < mm {mm} at n {n} lev {lev}");
    }

    #[test]
    fn maintenance_is_monotone_and_continuous_in_notional(tiers in tiers_strategy(), n in 0u64..=1_000_000_000_000_000, step in 1u64..=1_000_000) {
        let a = maintenance_margin(&tiers, n).unwrap();
        let b = maintenance_margin(&tiers, n + step).unwrap();
        prop_assert!(b >= a);
        // The word-sized evaluation equals the formula in 128-bit signed arithmetic.
        let (rate, deduction) = ballast_math::tiers::rate_and_deduction(&tiers, ballast_math::tiers::tier_index(&tiers, n)).unwrap();
        let scaled = i128::from(n) * rate - deduction;
        prop_assert_eq!(i128::from(a), scaled / 1_000_000 + i128::from(scaled % 1_000_000 != 0));
        // Rates are at most 50%, so `step` more notional adds at most ceil(step/2) + 1 (rounding).
        prop_assert!(b - a <= step / 2 + 2, "jump {a} → {b} over {step}");
    }

    #[test]
    fn word_paths_equal_the_exact_formulas_on_both_sides_of_the_ppm_product_bound(
        tiers in tiers_strategy(),
        below in 0u64..=PPM_PRODUCT_BOUND,
        above in PPM_PRODUCT_BOUND..=4_000_000_000_000_000_000,
        floor in 0u32..=1_000_000,
        small in (1i64..=PPM_PRODUCT_BOUND as i64, 0u64..=PPM_PRODUCT_BOUND),
        large in (1i64..=i64::MAX, 0u64..=u64::MAX),
        max_conf in 0u32..=2_000_000,
    ) {
        for n in [below, above, PPM_PRODUCT_BOUND, PPM_PRODUCT_BOUND + 1] {
            let (rate, deduction) = ballast_math::tiers::rate_and_deduction(&tiers, ballast_math::tiers::tier_index(&tiers, n)).unwrap();
            let scaled = i128::from(n) * rate - deduction;
            prop_assert_eq!(i128::from(maintenance_margin(&tiers, n).unwrap()), scaled / 1_000_000 + i128::from(scaled % 1_000_000 != 0));
            prop_assert_eq!(u128::from(transfer_floor(n, floor).unwrap()), (u128::from(n) * u128::from(floor)).div_ceil(1_000_000));
        }
        for (price, conf) in [small, large] {
            let too_wide = u128::from(conf) * 1_000_000 > u128::from(max_conf) * u128::from(price.unsigned_abs());
            let expected = if too_wide { OracleValidity::TooUncertain } else { OracleValidity::Valid };
            prop_assert_eq!(classify(price, conf, 100, 100, 60, max_conf), expected);
        }
    }

    #[test]
    fn requirements_are_monotone_in_leverage_and_size(n in 0u64..=1_000_000_000_000_000, l1 in 1u16..=1000, l2 in 1u16..=1000, extra in 0u64..=1_000_000_000) {
        let (lo, hi) = if l1 <= l2 { (l1, l2) } else { (l2, l1) };
        prop_assert!(initial_margin(n, lo).unwrap() >= initial_margin(n, hi).unwrap());
        prop_assert!(initial_margin(n + extra, lo).unwrap() >= initial_margin(n, lo).unwrap());
        prop_assert!(transfer_floor(n + extra, 100_000).unwrap() >= transfer_floor(n, 100_000).unwrap());
    }

    #[test]
    fn rounding_never_favours_the_user((base, price) in base_and_price(), n in 0u64..=u64::MAX / 2, lev in 1u16..=1000) {
        let exact = i128::from(base) * i128::from(price); // × 1e12
        // Value of what the trader holds is never overstated…
        prop_assert!(signed_value(BaseLots(base), Price(price)).unwrap() * NOTIONAL_DIVISOR <= exact);
        // …and what the trader pays (cost basis) is never understated.
        prop_assert!(i128::from(cost_basis_at(BaseLots(base), Price(price)).unwrap()) * NOTIONAL_DIVISOR >= exact);
        // Requirements round up.
        prop_assert!(u128::from(initial_margin(n, lev).unwrap()) * u128::from(lev) >= u128::from(n));
        prop_assert!(i128::from(notional(BaseLots(base), Price(price), Rounding::Ceil).unwrap()) * NOTIONAL_DIVISOR >= exact.abs());
        prop_assert!(i128::from(notional(BaseLots(base), Price(price), Rounding::Floor).unwrap()) * NOTIONAL_DIVISOR <= exact.abs());
        // The one-product form used by position health is the same pair of roundings.
        prop_assert_eq!(
            ballast_math::position::notional_and_value(BaseLots(base), Price(price)).unwrap(),
            (notional(BaseLots(base), Price(price), Rounding::Ceil).unwrap(), signed_value(BaseLots(base), Price(price)).unwrap())
        );
        // A trader who opens and is valued at the same price never shows a profit.
        let cb = cost_basis_at(BaseLots(base), Price(price)).unwrap();
        prop_assert!(unrealized_pnl(BaseLots(base), cb, Price(price)).unwrap() <= 0);
    }

    #[test]
    fn transferring_the_transferable_amount_leaves_the_transfer_lock_met(
        tiers in tiers_strategy(), base in -1_000_000_000_000i64..=1_000_000_000_000, entry in 1u64..=1_000_000_000_000_000,
        price in 1u64..=1_000_000_000_000_000, conf_ppm in 0u64..=20_000, collateral in -MAX_COLLATERAL..=MAX_COLLATERAL,
        weight in 0u32..=1_000_000, floor in 0u32..=1_000_000, pick in 0u16..=u16::MAX, funding in -1_000_000i64..=1_000_000,
        unsettled in 0i64..=MAX_COLLATERAL, buffer in 0u32..=1_000_000,
    ) {
        let cb = cost_basis_at(BaseLots(base), Price(entry)).unwrap();
        let n = notional(BaseLots(base), Price(price), Rounding::Ceil).unwrap();
        // Any setting: a price move may have carried the position into a tier whose
        // maximum is below it (initial margin then uses the tier's maximum).
        let lev = 1 + pick % 1_000;
        let conf = price / 1_000_000 * conf_ppm;
        let risk = PositionRisk {
            base, cost_basis: cb, pending_funding: funding, unsettled_pnl: unsettled, leverage: lev, price, conf,
            tiers: &tiers, ramp_from: None, pnl_weight_ppm: weight, transfer_floor_ppm: floor, leverage_scale_ppm: 1_000_000,
        };
        let h = risk.health().unwrap();
        prop_assert!(h.effective_leverage_setting <= max_leverage_at(&tiers, n.max(h.notional_conservative)));
        let mut d = DomainHealth::new(collateral);
        d.add(&h).unwrap();
        let t = i128::from(d.transferable(buffer));
        prop_assert!(t >= 0);
        // After moving `t` out, the domain still holds max(initial, floor, MM × (1 + buffer))…
        prop_assert!(t == 0 || d.with_collateral_change(-t).unwrap().meets_transfer_lock(buffer));
        // …and at or above initial margin, and well above maintenance.
        if t > 0 {
            prop_assert!(d.meets_initial());
            prop_assert!(!d.with_collateral_change(-t).unwrap().is_liquidatable());
        }
        // Only collateral and full-weight profit can leave.
        prop_assert!(t <= i128::from(collateral.max(0)) + d.realisable_pnl);
        if weight < 1_000_000 {
            prop_assert_eq!(d.realisable_pnl, 0);
        }
        // Positive PnL in the initial view never exceeds the plain, unweighted PnL.
        prop_assert!(h.initial_pnl <= h.pnl.max(0));
        // A leverage change is exactly a revaluation at the new setting.
        for other in [1, lev, max_leverage_at(&tiers, n)] {
            prop_assert_eq!(h.with_leverage(other).unwrap(), PositionRisk { leverage: other, ..risk }.health().unwrap());
        }
    }

    /// Realising full-weight profit into collateral (the cost basis moves by the same
    /// amount) leaves the initial view unchanged, so transferring what is reported again
    /// and again never frees more than the first report (the audit's M-3).
    #[test]
    fn realising_profit_never_raises_what_may_leave(
        base in -1_000_000_000_000i64..=1_000_000_000_000, entry in 1u64..=1_000_000_000_000_000,
        price in 1u64..=1_000_000_000_000_000, collateral in 0i64..=MAX_COLLATERAL, take_ppm in 0u32..=1_000_000,
    ) {
        let tiers = [Tier { notional_threshold: 0, max_leverage: 20 }];
        let cb = cost_basis_at(BaseLots(base), Price(entry)).unwrap();
        let risk = PositionRisk {
            base, cost_basis: cb, pending_funding: 0, unsettled_pnl: 0, leverage: 20, price, conf: 0,
            tiers: &tiers, ramp_from: None, pnl_weight_ppm: 1_000_000, transfer_floor_ppm: 0, leverage_scale_ppm: 1_000_000,
        };
        let mut before = DomainHealth::new(collateral);
        before.add(&risk.health().unwrap()).unwrap();
        let take = (before.realisable_pnl * i128::from(take_ppm) / 1_000_000) as i64;
        let Some(moved_cb) = cb.checked_add(take) else { return Ok(()) };
        let mut after = DomainHealth::new(collateral + take);
        after.add(&PositionRisk { cost_basis: moved_cb, ..risk }.health().unwrap()).unwrap();
        prop_assert_eq!(after.initial_equity, before.initial_equity);
        prop_assert!(after.transferable(0) <= before.transferable(0));
    }

    /// A position whose price is not valid is never valued better than at that price.
    #[test]
    fn an_adverse_valuation_is_never_better_than_the_plain_one(
        tiers in tiers_strategy(), (base, price) in base_and_price(), entry in 1u64..=1_000_000_000_000_000,
        conf_ppm in 0u64..=100_000, haircut in 0u32..=500_000, collateral in -MAX_COLLATERAL..=MAX_COLLATERAL,
    ) {
        let Ok(cb) = cost_basis_at(BaseLots(base), Price(entry)) else { return Ok(()) };
        let conf = price / 1_000_000 * conf_ppm;
        let risk = PositionRisk {
            base, cost_basis: cb, pending_funding: 0, unsettled_pnl: 0, leverage: 1, price, conf,
            tiers: &tiers, ramp_from: None, pnl_weight_ppm: 1_000_000, transfer_floor_ppm: 0, leverage_scale_ppm: 1_000_000,
        };
        let (Ok(plain), Ok(adverse)) = (risk.health(), risk.adverse_health(haircut)) else { return Ok(()) };
        prop_assert!(adverse.pnl <= plain.pnl.min(0));
        prop_assert!(adverse.maintenance >= plain.maintenance);
        let (mut p, mut a) = (DomainHealth::new(collateral), DomainHealth::new(collateral));
        p.add(&plain).unwrap();
        a.add(&adverse).unwrap();
        prop_assert!(a.maintenance_equity - a.maintenance <= p.maintenance_equity - p.maintenance);
        prop_assert_eq!(a.transferable(0), 0);
    }

    /// During a maintenance ramp the margin lies between the two tables' margins and stays
    /// monotone in notional; the ramp's start is the old table, its end the new one.
    #[test]
    fn a_maintenance_ramp_stays_between_its_two_tables(
        old in tiers_strategy(), new in tiers_strategy(), n in 0u64..=1_000_000_000_000_000, step in 1u64..=1_000_000, f in 0u32..=1_000_000,
    ) {
        let m = Maintenance { tiers: &new, ramp_from: Some((&old, f)) };
        let (a, b) = (maintenance_margin(&old, n).unwrap(), maintenance_margin(&new, n).unwrap());
        let x = m.margin(n).unwrap();
        prop_assert!(x >= a.min(b) && x <= a.max(b), "{x} outside [{a}, {b}]");
        prop_assert!(m.margin(n + step).unwrap() >= x);
        prop_assert_eq!(Maintenance { tiers: &new, ramp_from: Some((&old, 0)) }.margin(n).unwrap(), a);
        prop_assert_eq!(Maintenance { tiers: &new, ramp_from: Some((&old, 1_000_000)) }.margin(n).unwrap(), b);
    }

    #[test]
    fn liquidation_price_separates_healthy_from_liquidatable(
        tiers in tiers_strategy(), units in 1i64..=1_000, long in any::<bool>(), entry_usd in 1u64..=100_000, collateral_bps in 1i64..=5_000,
    ) {
        let base = if long { units * 1_000_000_000 } else { -units * 1_000_000_000 };
        let entry = entry_usd * 1_000_000_000;
        let cb = cost_basis_at(BaseLots(base), Price(entry)).unwrap();
        // Collateral is a fraction of entry notional.
        let collateral = (cb.abs() as i128 * i128::from(collateral_bps) / 10_000) as i64;
        let lp = liquidation_price(BaseLots(base), cb, &Maintenance::of(&tiers), i128::from(collateral)).unwrap().map(Price::get);
        let health_at = |price: u64| {
            let r = PositionRisk { base, cost_basis: cb, pending_funding: 0, unsettled_pnl: 0, leverage: 1, price, conf: 0, tiers: &tiers, ramp_from: None, pnl_weight_ppm: 1_000_000, transfer_floor_ppm: 0, leverage_scale_ppm: 1_000_000 };
            let mut d = DomainHealth::new(collateral);
            d.add(&r.health().unwrap()).unwrap();
            d
        };
        if let Some(p) = lp {
            // A step of 1e-4 of the price on the unsafe side is liquidatable, on the safe side not.
            let step = (p / 10_000).max(2_000);
            if long {
                prop_assert!(health_at(p.saturating_sub(step)).is_liquidatable() || p <= step);
                prop_assert!(!health_at(p + step).is_liquidatable());
            } else if p > step {
                prop_assert!(health_at(p + step).is_liquidatable());
                prop_assert!(!health_at(p - step).is_liquidatable());
            }
        } else {
            prop_assert!(long, "a short always has a liquidation price");
            prop_assert!(!health_at(1).is_liquidatable());
        }
    }

    /// Volatility scaling touches initial margin only: maintenance, PnL and equity are the
    /// same at every scale, and a lower scale never lowers the initial margin.
    #[test]
    fn the_volatility_scale_never_changes_maintenance(
        base in -1_000_000_000_000i64..1_000_000_000_000, price in 1_000_000u64..100_000_000_000_000, lev in 1u16..=20,
        scale in 0u32..=1_000_000,
    ) {
        let tiers = [Tier { notional_threshold: 0, max_leverage: 20 }, Tier { notional_threshold: 1 << 40, max_leverage: 5 }];
        let cb = ballast_math::position::cost_basis_at(BaseLots(base), Price(price)).unwrap();
        let risk = |s: u32| PositionRisk {
            base, cost_basis: cb, pending_funding: 0, unsettled_pnl: 0, leverage: lev, price, conf: 0, tiers: &tiers,
            ramp_from: None, pnl_weight_ppm: 1_000_000, transfer_floor_ppm: 0, leverage_scale_ppm: s,
        };
        let (full, scaled) = (risk(1_000_000).health().unwrap(), risk(scale).health().unwrap());
        prop_assert_eq!((full.maintenance, full.pnl, full.notional), (scaled.maintenance, scaled.pnl, scaled.notional));
        prop_assert!(scaled.initial >= full.initial);
        prop_assert!(scaled.tier_max_leverage <= full.tier_max_leverage && scaled.tier_max_leverage >= 1);
    }

    #[test]
    fn no_input_panics(base in any::<i64>(), cb in any::<i64>(), price in any::<u64>(), conf in any::<u64>(), lev in any::<u16>(),
                       weight in any::<u32>(), floor in any::<u32>(), collateral in any::<i64>(), funding in any::<i64>(), rest in any::<i64>()) {
        let tiers = [Tier { notional_threshold: 0, max_leverage: 20 }, Tier { notional_threshold: 1 << 40, max_leverage: 5 }];
        let _ = notional(BaseLots(base), Price(price), Rounding::Ceil);
        let _ = signed_value(BaseLots(base), Price(price));
        let _ = cost_basis_at(BaseLots(base), Price(price));
        let _ = unrealized_pnl(BaseLots(base), cb, Price(price));
        let _ = weighted_pnl(i128::from(cb), weight);
        let _ = initial_margin(price, lev);
        let _ = maintenance_margin(&tiers, price);
        let _ = transfer_floor(price, floor);
        let _ = liquidation_price(BaseLots(base), cb, &Maintenance::of(&tiers), i128::from(rest));
        let r = PositionRisk { base, cost_basis: cb, pending_funding: funding, unsettled_pnl: 0, leverage: lev, price, conf, tiers: &tiers, ramp_from: None, pnl_weight_ppm: weight, transfer_floor_ppm: floor, leverage_scale_ppm: 1_000_000 };
        if let Ok(h) = r.health() {
            let mut d = DomainHealth::new(collateral);
            if d.add(&h).is_ok() {
                let _ = d.transferable(100_000);
                let _ = d.effective_leverage();
                let _ = d.maintenance_ratio_ppm();
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1_000, ..ProptestConfig::default() })]

    /// The liquidation size is the smallest lot multiple that restores maintenance plus
    /// buffer, or the whole position; it never exceeds the position.
    #[test]
    fn liquidation_closes_the_smallest_restoring_size(
        tiers in tiers_strategy(), lots in 1u64..=100_000, lot_exp in 0u32..=6, price in 1_000_000u64..=100_000_000_000_000,
        equity_bps in -2_000i64..=20_000, penalty_permille in 0u32..1_000, buffer in 0u32..=500_000, dust in 0u64..=1_000_000,
        long in any::<bool>(), other_mm in 0i64..=1_000_000_000,
    ) {
        use ballast_math::liquidation::LiquidationInput;
        let lot = 10u64.pow(lot_exp);
        let abs = lots * lot;
        let base = if long { abs as i64 } else { -(abs as i64) };
        let n = notional(BaseLots(base), Price(price), Rounding::Ceil).unwrap();
        let mm_pos = i128::from(maintenance_margin(&tiers, n).unwrap());
        // The penalty stays below the smallest maintenance rate, as market validation requires.
        let min_rate = ballast_math::tiers::maintenance_rate_ppm(tiers[0].max_leverage).unwrap();
        let penalty = (min_rate * i128::from(penalty_permille) / 1_000) as u32;
        let equity = i128::from(n) * i128::from(equity_bps) / 10_000;
        let input = LiquidationInput {
            base, price, tiers: &tiers, ramp_from: None, equity, maintenance: mm_pos + i128::from(other_mm),
            penalty_ppm: penalty, buffer_ppm: buffer, lot_size: lot, dust_notional: dust,
        };
        let q = input.close_size().unwrap();
        prop_assert!(q >= 1 && q <= abs);
        if q < abs {
            prop_assert!(input.restores(q).unwrap(), "partial size must restore");
            prop_assert!(q.is_multiple_of(lot));
            if q > lot {
                prop_assert!(!input.restores(q - lot).unwrap(), "one lot less would have done");
            }
        }
    }
}

proptest! {
    /// The hand-rolled checked multiplication agrees with the standard library's.
    #[test]
    fn checked_multiplication_agrees_with_the_standard_library(a in any::<i128>(), b in any::<i128>(), sa in 0u32..127, sb in 0u32..127) {
        use ballast_math::checked::mul;
        prop_assert_eq!(mul(a, b, "m").ok(), a.checked_mul(b));
        let (x, y) = (a >> sa, b >> sb);
        prop_assert_eq!(mul(x, y, "m").ok(), x.checked_mul(y));
    }
}

proptest! {
    /// The libcall-free division agrees with the standard library, and `div` rounds as asked.
    #[test]
    fn long_division_agrees_with_the_standard_library(n in any::<u128>(), d in any::<u128>(), sn in 0u32..128, sd in 0u32..128, a in any::<i128>(), b in any::<i128>()) {
        use ballast_math::checked::{div, udivrem};
        for (n, d) in [(n, d), (n >> sn, d >> sd), (n >> sn, (d >> sd).max(1))] {
            let expect = n.checked_div(d).map(|q| (q, n % d));
            prop_assert_eq!(udivrem(n, d), expect);
        }
        let b = if b == 0 { 1 } else { b };
        if !(a == i128::MIN && b == -1) {
            let exact_floor = { let q = a / b; if (a % b != 0) && ((a < 0) != (b < 0)) { q - 1 } else { q } };
            let exact_ceil = { let q = a / b; if (a % b != 0) && ((a < 0) == (b < 0)) { q + 1 } else { q } };
            prop_assert_eq!(div(a, b, Rounding::Floor, "d").ok(), Some(exact_floor));
            prop_assert_eq!(div(a, b, Rounding::Ceil, "d").ok(), Some(exact_ceil));
        }
    }
}

proptest! {
    /// Oracle conversion equals exact 128-bit arithmetic, with the asked rounding.
    #[test]
    fn oracle_conversion_is_exact_with_the_asked_rounding(mantissa in any::<u64>(), exponent in -30i32..=12, decimals in 0u8..=12, up in any::<bool>()) {
        use ballast_math::oracle::to_price;
        let rounding = if up { Rounding::Ceil } else { Rounding::Floor };
        let shift = exponent + i32::from(decimals) + 3;
        let expect = if shift >= 0 {
            10u128.checked_pow(shift as u32).and_then(|p| u128::from(mantissa).checked_mul(p))
        } else {
            let p = 10u128.pow((-shift) as u32);
            let (q, r) = (u128::from(mantissa) / p, u128::from(mantissa) % p);
            Some(if up && r != 0 { q + 1 } else { q })
        }
        .and_then(|v| u64::try_from(v).ok());
        prop_assert_eq!(to_price(mantissa, exponent, decimals, rounding).ok(), expect);
    }
}

proptest! {
    /// `mul_div` is the exact quotient rounded as asked, for any signs and magnitudes
    /// (both the word-sized fast path and the general path).
    #[test]
    fn mul_div_rounds_the_exact_quotient(a in any::<i128>(), b in any::<i128>(), c in any::<i128>(), sa in 0u32..127, sb in 0u32..127, sc in 0u32..127, up in any::<bool>()) {
        use ballast_math::checked::mul_div;
        let rounding = if up { Rounding::Ceil } else { Rounding::Floor };
        let wide = (u64::MAX as i128, -(u64::MAX as i128), 3);
        for (a, b, c) in [(a >> sa, b >> sb, c >> sc), (a >> 64.max(sa), b >> 64.max(sb), c >> 64.max(sc)), (a >> 100.max(sa), b, c >> 90.max(sc)), wide] {
            let words = a.unsigned_abs() < 1 << 64 && b.unsigned_abs() < 1 << 64 && c.unsigned_abs() < 1 << 64;
            let expect = if c == 0 {
                None
            } else if words {
                // Word-sized operands: the quotient of the exact (up to 128-bit) product.
                let (p, d) = (a.unsigned_abs() * b.unsigned_abs(), c.unsigned_abs());
                let (q, r) = (p / d, p % d);
                let negative = ((a < 0) != (b < 0)) != (c < 0) && p != 0;
                let q = if r != 0 && up != negative { q + 1 } else { q };
                i128::try_from(q).ok().map(|q| if negative { -q } else { q })
            } else {
                a.checked_mul(b).and_then(|p| {
                    if p == i128::MIN && c == -1 { return None; }
                    let (q, r) = (p / c, p % c);
                    let exact_negative = (p < 0) != (c < 0);
                    Some(if r != 0 && up && !exact_negative { q + 1 } else if r != 0 && !up && exact_negative { q - 1 } else { q })
                })
            };
            prop_assert_eq!(mul_div(a, b, c, rounding, "t").ok(), expect, "{} × {} / {}", a, b, c);
        }
    }

}

proptest! {
    // Cheap cases, and the rounding edges they look for are rare: many of them.
    #![proptest_config(ProptestConfig { cases: 20_000, ..ProptestConfig::default() })]

    /// The liquidation price equals the plain solution: every piece of the curve solved in
    /// exact integer arithmetic, the first root rounded against the trader that lands in its
    /// own piece. Sizes span one lot to a billion units, tier gaps can be a few native units,
    /// and most cases put the root within a few price units of a tier boundary (where
    /// pieces are passed over without dividing and rounding decides the piece).
    #[test]
    fn liquidation_price_is_the_first_root_inside_its_piece(
        tiers in tiers_strategy(), narrow in prop::collection::vec(1u64..=64, 3), use_narrow in any::<bool>(),
        units in 1u64..=1_000_000_000_000_000_000, shift in 0u32..60, long in any::<bool>(), entry in 1u64..=MAX_PRICE,
        boundary in 0usize..4, price_jitter in -3i128..=3, equity_jitter in -3i128..=3, near in 0u8..6,
        far_rest in -(1i128 << 70)..(1i128 << 70), ramp in prop::option::of((tiers_strategy(), 0u32..1_000_000)),
    ) {
        let tiers = if use_narrow {
            // Tiers a few units of notional apart.
            let mut t = tiers.clone();
            let mut threshold = 0u64;
            for (i, tier) in t.iter_mut().enumerate().skip(1) {
                threshold += narrow[i - 1];
                tier.notional_threshold = threshold;
            }
            t
        } else {
            tiers
        };
        let magnitude = (units >> shift).max(1) as i64;
        let base = if long { magnitude } else { -magnitude };
        let cb = cost_basis_at(BaseLots(base), Price(entry)).unwrap_or(0);
        let m = match &ramp {
            Some((old, f)) => Maintenance { tiers: &tiers, ramp_from: Some((old, *f)) },
            None => Maintenance::of(&tiers),
        };
        let rest = if near == 0 {
            far_rest
        } else {
            // Equity equal to maintenance (give or take a few units) at a price a few units
            // from where the notional crosses a tier threshold.
            let threshold = tiers[boundary % tiers.len()].notional_threshold.max(1);
            let abs = i128::from(magnitude);
            let at = (i128::from(threshold) * NOTIONAL_DIVISOR / abs + price_jitter).max(1);
            let n = u64::try_from(abs * at / NOTIONAL_DIVISOR).unwrap_or(u64::MAX);
            let value = i128::from(base) * at / NOTIONAL_DIVISOR;
            i128::from(cb) - value + i128::from(m.margin(n).unwrap_or(0)) + if near > 3 { 0 } else { equity_jitter }
        };
        prop_assert_eq!(liquidation_price(BaseLots(base), cb, &m, rest).ok(), plain_liquidation_price(base, cb, &m, rest));
    }
}

proptest! {
    /// The entry price is `|cost_basis|·1e12 / |base|` rounded down, exactly; a quotient
    /// past a word is an overflow.
    #[test]
    fn entry_price_is_the_exact_floor(base in any::<i64>(), cb in any::<i64>(), shift in 0u32..63) {
        use ballast_math::position::entry_price;
        let base = base >> shift;
        let expect = if base == 0 {
            Some(None)
        } else {
            let q = u128::from(cb.unsigned_abs()) * 1_000_000_000_000 / u128::from(base.unsigned_abs());
            u64::try_from(q).ok().map(|q| Some(Price(q)))
        };
        prop_assert_eq!(entry_price(BaseLots(base), cb).ok(), expect);
    }
}

/// Every piece solved in turn: `p = ((cost_basis − rest)·1e18 − D·1e12) / (base·1e6 −
/// |base|·r)`, rounded up for a long and down for a short, kept when its notional
/// (rounded down) lies in the piece; `None` (the outer) when any step overflows.
fn plain_liquidation_price(base: i64, cb: i64, m: &Maintenance, rest: i128) -> Option<Option<Price>> {
    let (pieces, count) = m.pieces().ok()?;
    let floor_div = |a: i128, b: i128| -> i128 {
        let q = a / b;
        if (a % b != 0) && ((a < 0) != (b < 0)) {
            q - 1
        } else {
            q
        }
    };
    for piece in &pieces[..count] {
        let numerator =
            (i128::from(cb) - rest).checked_mul(1_000_000_000_000_000_000)?.checked_sub(piece.deduction.checked_mul(NOTIONAL_DIVISOR)?)?;
        let denominator = i128::from(base) * 1_000_000 - i128::from(base.unsigned_abs()) * piece.rate;
        if denominator == 0 {
            return None;
        }
        let p = if base > 0 { -floor_div(-numerator, denominator) } else { floor_div(numerator, denominator) };
        if p <= 0 {
            return Some(if base > 0 { None } else { Some(Price(0)) });
        }
        let Ok(price) = u64::try_from(p) else { continue };
        let n = i128::from(base.unsigned_abs()) * i128::from(price) / NOTIONAL_DIVISOR;
        let Ok(n) = u64::try_from(n) else { continue };
        if n >= piece.from && piece.to.is_none_or(|h| n < h) {
            return Some(Some(Price(price)));
        }
    }
    Some(None)
}
