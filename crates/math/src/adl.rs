//! Auto-deleveraging: when the pool cannot pay what it owes, the most profitable and most
//! levered positions give part of their profit back (docs/MATH.md, "Pool equity and
//! auto-deleveraging").
//!
//! The pool is the counterparty of every position, so its equity is its cash, minus what
//! it owes beyond its cash (the deficit), plus its side of every open position at the
//! oracle price:
//!
//! ```text
//! pool equity = cash − deficit − Σ_markets (longs' open PnL + shorts' open PnL)
//! ```
//!
//! A negative pool equity is a *shortfall*: claims the pool could never pay if every
//! position closed now. `auto_deleverage` closes a profitable position at the oracle price
//! and takes back from its realised profit `min(realised profit, shortfall)`: the
//! position's owner bears the loss the pool cannot, in the ranking keepers follow (the
//! [`adl_score_ppm`], as the venues rank: profit % × effective leverage).

use crate::checked::{self, Rounding};
use crate::constants::PPM;
use crate::error::{MathError, MathResult};
use crate::pool::SideTotals;

/// What the pool gains or loses on one market's open positions at `price`:
/// `−(longs' open PnL + shorts' open PnL)`. Longs' value is rounded up and shorts'
/// liability down, so the traders' profit is over-stated and the pool's side under-stated.
pub fn pool_side_pnl(t: &SideTotals, price: u64) -> MathResult<i128> {
    const OP: &str = "pool side pnl";
    let v = t.values(price)?;
    checked::neg(checked::add(v.long_pnl, v.short_pnl, OP)?, OP)
}

/// `cash − deficit + Σ pool side PnL` (see the module docs).
pub fn pool_equity(cash: u64, deficit: u64, side_pnl: i128) -> MathResult<i128> {
    const OP: &str = "pool equity";
    checked::add(checked::sub(i128::from(cash), i128::from(deficit), OP)?, side_pnl, OP)
}

/// What a deleveraged position gives back from the profit it realised:
/// `min(max(realised, 0), max(−pool equity, 0))`.
pub fn haircut(realised_pnl: i64, pool_equity: i128) -> u64 {
    let profit = u64::try_from(realised_pnl.max(0)).unwrap_or(0);
    let shortfall = u64::try_from(pool_equity.min(0).unsigned_abs()).unwrap_or(u64::MAX);
    profit.min(shortfall)
}

/// Lots of a position of `abs_base` lots with unrealised profit `profit` (> 0) that cover
/// `shortfall` if closed: `⌈abs_base × shortfall / profit⌉`, rounded up to a whole lot and
/// capped at the position. A deleveraging closes no more than the pool needs.
pub fn deleverage_size(abs_base: u64, profit: i128, shortfall: u128, lot_size: u64) -> MathResult<u64> {
    const OP: &str = "deleverage size";
    if profit <= 0 {
        return Err(MathError::invalid(OP));
    }
    let shortfall = i128::try_from(shortfall).map_err(|_| MathError::overflow(OP))?;
    let need = checked::mul_div(i128::from(abs_base), shortfall, profit, Rounding::Ceil, OP)?;
    let need = u64::try_from(need.min(i128::from(abs_base))).map_err(|_| MathError::overflow(OP))?;
    let lot = lot_size.max(1);
    let rem = need.checked_rem(lot).ok_or(MathError::overflow(OP))?;
    let up = if rem == 0 {
        need
    } else {
        need.checked_add(lot.checked_sub(rem).ok_or(MathError::overflow(OP))?).ok_or(MathError::overflow(OP))?
    };
    Ok(up.min(abs_base))
}

/// The ranking score: profit % × effective leverage, in ppm of 1×100%:
///
/// ```text
/// score = pnl / |cost basis| × notional / equity × 1e6
/// ```
///
/// rounded down; 0 for a position without profit; `u64::MAX` when the domain's equity is
/// not positive (a profitable position in a bankrupt domain ranks first).
pub fn adl_score_ppm(pnl: i128, cost_basis: i64, notional: u64, equity: i128) -> MathResult<u64> {
    const OP: &str = "adl score";
    if pnl <= 0 {
        return Ok(0);
    }
    if equity <= 0 || cost_basis == 0 {
        return Ok(u64::MAX);
    }
    let num = checked::mul(pnl, i128::from(notional), OP)?;
    let den = checked::mul(i128::from(cost_basis.unsigned_abs()), equity, OP)?;
    let score = checked::mul_div(num, PPM, den, Rounding::Floor, OP)?;
    Ok(u64::try_from(score).unwrap_or(u64::MAX))
}

/// Score thresholds of the ADL lights 2 to 5 (ppm: 0.5, 1, 2, 5).
pub const ADL_LIGHT_THRESHOLDS: [u64; 4] = [500_000, 1_000_000, 2_000_000, 5_000_000];

/// The ADL indicator a trader sees, from its [`adl_score_ppm`]: 0 without profit (never
/// deleveraged), then 1 to 5 as the score crosses [`ADL_LIGHT_THRESHOLDS`]. Keepers rank
/// by the score itself; the light is its coarse, account-local summary.
pub fn adl_light(score_ppm: u64) -> u8 {
    if score_ppm == 0 {
        return 0;
    }
    let above = ADL_LIGHT_THRESHOLDS.iter().filter(|&&t| score_ppm >= t).count();
    u8::try_from(above).unwrap_or(4).saturating_add(1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const UNIT: u64 = 1_000_000_000;
    const USD: u64 = 1_000_000_000;
    const Q: i128 = 1_000_000;

    #[test]
    fn the_pool_owns_the_other_side_of_every_position() {
        // 2 BTC long bought for $100,000, 1 BTC short sold for $50,000; at $40,000 the
        // longs lose $20,000 and the shorts gain $10,000: the pool is up $10,000.
        let t = SideTotals {
            open_interest_long: 2 * UNIT,
            open_interest_short: UNIT,
            cost_basis_long: 100_000 * Q,
            cost_basis_short: -50_000 * Q,
        };
        assert_eq!(pool_side_pnl(&t, 40_000 * USD), Ok(10_000 * Q));
        assert_eq!(pool_side_pnl(&SideTotals::default(), 40_000 * USD), Ok(0));
        // $1,000 of cash, a $25,000 deficit: −$14,000.
        assert_eq!(pool_equity(1_000 * Q as u64, 25_000 * Q as u64, 10_000 * Q), Ok(-14_000 * Q));
    }

    #[test]
    fn rounding_overstates_the_traders_profit() {
        // One lot long bought for 0 at a price where its value is 0.5 native: the pool
        // counts the long as worth a whole unit.
        let t = SideTotals { open_interest_long: 1, open_interest_short: 1, cost_basis_long: 0, cost_basis_short: 0 };
        // long value ⌈1 × 5e11 / 1e12⌉ = 1; short liability ⌊0.5⌋ = 0.
        assert_eq!(pool_side_pnl(&t, 500_000_000_000), Ok(-1));
    }

    #[test]
    fn the_haircut_is_the_profit_or_the_shortfall_whichever_is_smaller() {
        assert_eq!(haircut(5_000, -3_000), 3_000);
        assert_eq!(haircut(5_000, -8_000), 5_000);
        assert_eq!(haircut(5_000, 0), 0);
        assert_eq!(haircut(5_000, 1), 0);
        assert_eq!(haircut(-5_000, -8_000), 0);
    }

    #[test]
    fn a_deleveraging_closes_what_covers_the_shortfall_in_whole_lots() {
        // 10 units up $1,000: $250 needs 2.5 units, 3 with a 1-unit lot.
        assert_eq!(deleverage_size(10 * UNIT, 1_000 * Q, 250 * Q as u128, UNIT), Ok(3 * UNIT));
        assert_eq!(deleverage_size(10 * UNIT, 1_000 * Q, 250 * Q as u128, UNIT / 2), Ok(5 * UNIT / 2));
        // More than the whole profit: the whole position.
        assert_eq!(deleverage_size(10 * UNIT, 1_000 * Q, 5_000 * Q as u128, UNIT), Ok(10 * UNIT));
        assert!(deleverage_size(10 * UNIT, 0, 1, UNIT).is_err());
    }

    #[test]
    fn the_score_is_profit_percent_times_effective_leverage() {
        // +20% on a $10,000 position in a domain of $2,000 equity (5x): 1.0 = 1e6.
        assert_eq!(adl_score_ppm(2_000 * Q, 10_000 * Q as i64, 12_000 * Q as u64, 12_000 * Q / 5), Ok(1_000_000));
        assert_eq!(adl_score_ppm(2_000 * Q, -10_000 * Q as i64, 12_000 * Q as u64, 2_400 * Q), Ok(1_000_000));
        assert_eq!(adl_score_ppm(0, 10_000, 12_000, 2_400), Ok(0));
        assert_eq!(adl_score_ppm(-5, 10_000, 12_000, 2_400), Ok(0));
        assert_eq!(adl_score_ppm(5, 10_000, 12_000, 0), Ok(u64::MAX));
    }

    #[test]
    fn lights_step_at_the_thresholds() {
        assert_eq!(adl_light(0), 0);
        assert_eq!(adl_light(1), 1);
        assert_eq!(adl_light(499_999), 1);
        assert_eq!(adl_light(500_000), 2);
        assert_eq!(adl_light(1_000_000), 3);
        assert_eq!(adl_light(2_000_000), 4);
        assert_eq!(adl_light(4_999_999), 4);
        assert_eq!(adl_light(5_000_000), 5);
        assert_eq!(adl_light(u64::MAX), 5);
    }

    proptest! {
        #[test]
        fn a_deleveraging_never_closes_less_than_needed_or_more_than_a_lot_extra(
            abs_lots in 1u64..1_000_000, lot in 1u64..1_000, profit in 1i128..1_000_000_000_000, shortfall in 1u128..1_000_000_000_000,
        ) {
            let abs = abs_lots * lot;
            let q = deleverage_size(abs, profit, shortfall, lot).unwrap();
            prop_assert!(q <= abs && (q.is_multiple_of(lot) || q == abs));
            // Closing q realises q/abs of the profit (exact fractions): it covers the
            // shortfall unless the whole position is closed.
            if q < abs {
                prop_assert!(i128::from(q) * profit >= i128::try_from(shortfall).unwrap() * i128::from(abs));
                // One lot fewer would not.
                prop_assert!(i128::from(q - lot) * profit < i128::try_from(shortfall).unwrap() * i128::from(abs));
            }
        }

        #[test]
        fn the_haircut_never_exceeds_either_bound(r in any::<i64>(), e in any::<i64>()) {
            let h = haircut(r, i128::from(e));
            prop_assert!(i128::from(h) <= i128::from(r.max(0)));
            prop_assert!(i128::from(h) <= i128::from(e.min(0)).abs());
        }
    }
}
