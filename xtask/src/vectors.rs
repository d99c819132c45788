//! `cargo run -p xtask -- vectors [--check]`: test vectors for the TypeScript SDK's math
//! (`app/sdk/test/vectors.json`), computed by the real `ballast-math` crate.
//!
//! Each vector is `{ "fn": name, "in": {…}, "out": … }` or `{ "fn", "in", "err": kind }`
//! where kind is the `MathErrorKind` (`Overflow`, `DivisionByZero`, `InvalidInput`).
//! Every integer is a decimal string (i128 and u64 do not fit JavaScript numbers); an
//! absent `Option` is `null`. Hand-picked edge cases come first, then random cases from an
//! inline splitmix64 with a fixed seed, so the file is reproducible byte for byte.

use ballast_math::adl;
use ballast_math::checked::{self, Rounding};
use ballast_math::liquidation::{self, LiquidationInput};
use ballast_math::pool::SideTotals;
use ballast_math::tiers::{self, Maintenance, Tier};
use ballast_math::volatility;
use ballast_math::{funding, margin, oracle, position, DomainHealth, MathError, MathErrorKind, PositionHealth, PositionRisk};
use ballast_math::{BaseLots, Price};
use serde_json::{json, Value};

/// splitmix64: tiny, deterministic, good enough to spread test inputs.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            0
        } else {
            self.next() % n
        }
    }
    fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.below(hi - lo + 1)
    }
    /// Log-uniform in [0, 10^max_digits): small, medium and large magnitudes alike.
    fn mag(&mut self, max_digits: u32) -> u64 {
        let d = self.below(u64::from(max_digits) + 1) as u32;
        if d == 0 {
            return self.below(2);
        }
        let hi = 10u128.pow(d).min(u128::from(u64::MAX)) as u64;
        self.below(hi)
    }
    fn signed(&mut self, max_digits: u32) -> i64 {
        let m = self.mag(max_digits.min(18)) as i64;
        if self.next() & 1 == 0 {
            m
        } else {
            -m
        }
    }
    fn bool(&mut self) -> bool {
        self.next() & 1 == 1
    }
    fn pick<T: Copy>(&mut self, xs: &[T]) -> T {
        xs[self.below(xs.len() as u64) as usize]
    }
    fn tiers(&mut self) -> Vec<Tier> {
        let n = self.range(1, 4) as usize;
        let mut lev = self.pick(&[1000u64, 200, 100, 50, 40, 25, 20, 10, 5, 3, 2]);
        let mut threshold = 0u64;
        let mut out = vec![];
        for i in 0..n {
            if i > 0 {
                let digits = self.range(3, 14) as u32;
                threshold += self.range(1, 10u64.pow(digits));
                lev = self.range(1, lev);
            }
            out.push(Tier { notional_threshold: threshold, max_leverage: lev as u16 });
        }
        out
    }
}

fn s<T: ToString>(v: T) -> Value {
    Value::String(v.to_string())
}

fn kind(e: MathError) -> &'static str {
    match e.kind {
        MathErrorKind::Overflow => "Overflow",
        MathErrorKind::DivisionByZero => "DivisionByZero",
        MathErrorKind::InvalidInput => "InvalidInput",
    }
}

fn rounding_name(r: Rounding) -> &'static str {
    match r {
        Rounding::Floor => "floor",
        Rounding::Ceil => "ceil",
    }
}

fn tiers_json(t: &[Tier]) -> Value {
    Value::Array(t.iter().map(|t| json!([s(t.notional_threshold), t.max_leverage])).collect())
}

fn ramp_json(r: Option<(&[Tier], u32)>) -> Value {
    match r {
        None => Value::Null,
        Some((t, f)) => json!({ "tiers": tiers_json(t), "f": f }),
    }
}

fn opt<T: ToString>(v: Option<T>) -> Value {
    v.map_or(Value::Null, s)
}

struct Out(Vec<Value>);

impl Out {
    fn push<T>(&mut self, name: &str, input: Value, r: Result<T, MathError>, f: impl FnOnce(T) -> Value) {
        let v = match r {
            Ok(x) => json!({ "fn": name, "in": input, "out": f(x) }),
            Err(e) => json!({ "fn": name, "in": input, "err": kind(e) }),
        };
        self.0.push(v);
    }
}

fn health_json(h: &PositionHealth) -> Value {
    json!({
        "notional": s(h.notional), "pnl": s(h.pnl), "maintenance": s(h.maintenance), "initial_pnl": s(h.initial_pnl),
        "notional_conservative": s(h.notional_conservative), "initial": s(h.initial), "transfer_floor": s(h.transfer_floor),
        "pending_funding": s(h.pending_funding), "unsettled": s(h.unsettled), "unsettled_weighted": s(h.unsettled_weighted),
        "realisable": s(h.realisable), "tier_max_leverage": h.tier_max_leverage,
        "effective_leverage_setting": h.effective_leverage_setting, "adverse": h.adverse,
    })
}

fn domain_json(d: &DomainHealth, buffer: u32) -> Value {
    json!({
        "collateral": s(d.collateral), "notional": s(d.notional), "maintenance_equity": s(d.maintenance_equity),
        "maintenance": s(d.maintenance), "initial_equity": s(d.initial_equity), "initial": s(d.initial),
        "transfer_floor": s(d.transfer_floor), "realisable_pnl": s(d.realisable_pnl), "adverse_positions": d.adverse_positions,
        "is_liquidatable": d.is_liquidatable(), "meets_initial": d.meets_initial(),
        "buffered_maintenance": d.buffered_maintenance(buffer).map_or(Value::Null, s),
        "transfer_lock": d.transfer_lock(buffer).map_or(Value::Null, s),
        "transferable": s(d.transferable(buffer)),
        "release_on_reduction": s(d.release_on_reduction(buffer)),
        "effective_leverage": d.effective_leverage().map_or(json!("err"), opt),
        "maintenance_ratio_ppm": d.maintenance_ratio_ppm().map_or(json!("err"), opt),
        "restored": d.restored(buffer),
    })
}

#[derive(Clone)]
struct Risk {
    base: i64,
    cost_basis: i64,
    pending_funding: i64,
    unsettled_pnl: i64,
    leverage: u16,
    price: u64,
    conf: u64,
    tiers: Vec<Tier>,
    ramp: Ramp,
    pnl_weight_ppm: u32,
    transfer_floor_ppm: u32,
    leverage_scale_ppm: u32,
    /// `Some(haircut)`: valued adversely.
    adverse: Option<u32>,
}

impl Risk {
    fn as_math(&self) -> PositionRisk<'_> {
        PositionRisk {
            base: self.base,
            cost_basis: self.cost_basis,
            pending_funding: self.pending_funding,
            unsettled_pnl: self.unsettled_pnl,
            leverage: self.leverage,
            price: self.price,
            conf: self.conf,
            tiers: &self.tiers,
            ramp_from: self.ramp.as_ref().map(|(t, f)| (&t[..], *f)),
            pnl_weight_ppm: self.pnl_weight_ppm,
            transfer_floor_ppm: self.transfer_floor_ppm,
            leverage_scale_ppm: self.leverage_scale_ppm,
        }
    }
    fn health(&self) -> Result<PositionHealth, MathError> {
        match self.adverse {
            None => self.as_math().health(),
            Some(h) => self.as_math().adverse_health(h),
        }
    }
    fn json(&self) -> Value {
        json!({
            "base": s(self.base), "cost_basis": s(self.cost_basis), "pending_funding": s(self.pending_funding),
            "unsettled_pnl": s(self.unsettled_pnl), "leverage": self.leverage, "price": s(self.price), "conf": s(self.conf),
            "tiers": tiers_json(&self.tiers), "ramp_from": ramp_json(self.ramp.as_ref().map(|(t, f)| (&t[..], *f))),
            "pnl_weight_ppm": self.pnl_weight_ppm, "transfer_floor_ppm": self.transfer_floor_ppm,
            "leverage_scale_ppm": self.leverage_scale_ppm, "adverse_haircut_ppm": self.adverse,
        })
    }
    fn random(r: &mut Rng) -> Self {
        let tiers = r.tiers();
        let price = r.mag(13).max(1);
        let base = r.signed(13);
        // Cost basis near the value at a nearby price, sometimes anything.
        let entry = (price as u128 * r.range(500, 1500) as u128 / 1000) as u64;
        let cost_basis = if r.below(8) == 0 { r.signed(15) } else { position::cost_basis_at(BaseLots(base), Price(entry)).unwrap_or(0) };
        let ramp = if r.below(4) == 0 { Some((r.tiers(), r.range(0, 1_000_000) as u32)) } else { None };
        let max_lev = tiers[0].max_leverage;
        Risk {
            base,
            cost_basis,
            pending_funding: if r.bool() { r.signed(8) } else { 0 },
            unsettled_pnl: if r.below(4) == 0 { r.mag(9) as i64 } else { 0 },
            leverage: r.range(1, u64::from(max_lev)) as u16,
            price,
            conf: if r.bool() { price / r.range(100, 100_000) } else { 0 },
            tiers,
            ramp,
            pnl_weight_ppm: r.pick(&[1_000_000, 1_000_000, 500_000, 800_000, 0, 999_999]),
            transfer_floor_ppm: r.pick(&[100_000, 50_000, 0, 200_000]),
            leverage_scale_ppm: r.pick(&[1_000_000, 1_000_000, 1_000_000, 500_000, 250_000, 1, 999_999]),
            adverse: if r.below(6) == 0 { Some(r.pick(&[0, 10_000, 50_000])) } else { None },
        }
    }
}

fn btc_tiers() -> Vec<Tier> {
    vec![
        Tier { notional_threshold: 0, max_leverage: 50 },
        Tier { notional_threshold: 150_000_000_000, max_leverage: 40 },
        Tier { notional_threshold: 1_000_000_000_000, max_leverage: 10 },
    ]
}

const Q: u64 = 1_000_000;

/// An old tier table and the ramp's progress (ppm), when a maintenance ramp runs.
type Ramp = Option<(Vec<Tier>, u32)>;
/// `(base, price, tiers, ramp, equity, maintenance, penalty ppm, buffer ppm, lot, dust)`.
type LiquidationCase = (i64, u64, Vec<Tier>, Ramp, i128, i128, u32, u32, u64, u64);

pub fn generate() -> String {
    let mut o = Out(vec![]);
    let mut r = Rng(0x0BA1_1A57_5EED_2026);
    let btc = btc_tiers();
    let m20 = vec![Tier { notional_threshold: 0, max_leverage: 20 }, Tier { notional_threshold: 100_000 * Q, max_leverage: 2 }];

    // ---- checked primitives -------------------------------------------------------
    let edges: [i128; 12] =
        [0, 1, -1, 7, -7, i128::from(u64::MAX), -i128::from(u64::MAX), i128::MAX, i128::MIN, 1 << 64, -(1 << 64), 1_000_000_000_000];
    for &a in &edges {
        for &b in &edges {
            for rd in [Rounding::Floor, Rounding::Ceil] {
                o.push("div", json!({"a": s(a), "b": s(b), "rounding": rounding_name(rd)}), checked::div(a, b, rd, "t"), s);
                o.push(
                    "mul_div",
                    json!({"a": s(a), "b": s(b), "c": "3", "rounding": rounding_name(rd)}),
                    checked::mul_div(a, b, 3, rd, "t"),
                    s,
                );
            }
            o.push("mul", json!({"a": s(a), "b": s(b)}), checked::mul(a, b, "t"), s);
        }
    }
    for _ in 0..300 {
        let w = |r: &mut Rng| -> i128 {
            let m = match r.below(3) {
                0 => i128::from(r.next()),
                1 => (i128::from(r.next()) << 64 | i128::from(r.next())) >> r.below(64),
                _ => i128::from(r.mag(12)),
            };
            if r.bool() {
                -m
            } else {
                m
            }
        };
        let (a, b, c) = (w(&mut r), w(&mut r), w(&mut r));
        let rd = if r.bool() { Rounding::Floor } else { Rounding::Ceil };
        o.push("mul_div", json!({"a": s(a), "b": s(b), "c": s(c), "rounding": rounding_name(rd)}), checked::mul_div(a, b, c, rd, "t"), s);
        o.push("div", json!({"a": s(a), "b": s(c), "rounding": rounding_name(rd)}), checked::div(a, c, rd, "t"), s);
    }

    // ---- tiers ------------------------------------------------------------------
    for (n, l) in [(0u64, 1u16), (10, 3), (10, 0), (u64::MAX, 1), (u64::MAX, 1000), (10_000 * Q, 10), (10_000 * Q, 20), (1, 1000)] {
        o.push("initial_margin", json!({"notional": s(n), "leverage": l}), tiers::initial_margin(n, l), s);
    }
    for (n, f) in
        [(0u64, 100_000u32), (11, 100_000), (10_000 * Q, 100_000), (u64::MAX, 1_000_000), (u64::MAX, 2_000_000), (u64::MAX, u32::MAX)]
    {
        o.push("transfer_floor", json!({"notional": s(n), "floor_ppm": f}), tiers::transfer_floor(n, f), s);
    }
    for l in [1u16, 2, 3, 7, 20, 50, 333, 1000, 0] {
        o.push("maintenance_rate_ppm", json!({"max_leverage": l}), tiers::maintenance_rate_ppm(l), s);
    }
    let mut tier_cases: Vec<(Vec<Tier>, u64)> = vec![];
    for t in [&btc, &m20] {
        for tier in t.iter() {
            let b = tier.notional_threshold;
            for n in [b.saturating_sub(1), b, b + 1] {
                tier_cases.push((t.clone(), n));
            }
        }
        tier_cases.push((t.clone(), u64::MAX));
        tier_cases.push((t.clone(), 0));
    }
    tier_cases.push((vec![Tier { notional_threshold: 0, max_leverage: 3 }], 7));
    for _ in 0..250 {
        let t = r.tiers();
        let n = if r.below(3) == 0 {
            let b = t[r.below(t.len() as u64) as usize].notional_threshold;
            b.saturating_add(r.range(0, 2)).saturating_sub(1)
        } else {
            r.mag(19)
        };
        tier_cases.push((t, n));
    }
    for (t, n) in &tier_cases {
        o.push("maintenance_margin", json!({"tiers": tiers_json(t), "notional": s(n)}), tiers::maintenance_margin(t, *n), s);
        o.push("max_leverage_at", json!({"tiers": tiers_json(t), "notional": s(n)}), Ok(tiers::max_leverage_at(t, *n)), |v| json!(v));
        o.push("tier_index", json!({"tiers": tiers_json(t), "notional": s(n)}), Ok(tiers::tier_index(t, *n)), |v| json!(v));
    }
    // The ramp blend.
    let old = vec![Tier { notional_threshold: 0, max_leverage: 20 }];
    let new = vec![Tier { notional_threshold: 0, max_leverage: 10 }];
    let mut ramp_cases: Vec<(Vec<Tier>, Ramp, u64)> = vec![];
    for f in [0u32, 1, 500_000, 999_999, 1_000_000, 2_000_000] {
        ramp_cases.push((new.clone(), Some((old.clone(), f)), 49_200 * Q));
        ramp_cases.push((btc.clone(), Some((m20.clone(), f)), 120_000 * Q));
    }
    ramp_cases.push((btc.clone(), None, 150_000 * Q));
    ramp_cases.push((btc.clone(), Some((m20.clone(), 5)), u64::MAX));
    for _ in 0..250 {
        let ramp = if r.below(5) == 0 { None } else { Some((r.tiers(), r.range(0, 1_000_000) as u32)) };
        ramp_cases.push((r.tiers(), ramp, r.mag(19)));
    }
    for (t, ramp, n) in &ramp_cases {
        let m = Maintenance { tiers: t, ramp_from: ramp.as_ref().map(|(t, f)| (&t[..], *f)) };
        let input = json!({"tiers": tiers_json(t), "ramp_from": ramp_json(m.ramp_from), "notional": s(n)});
        o.push("maintenance", input.clone(), m.margin(*n), s);
        o.push("maintenance_pieces", json!({"tiers": tiers_json(t), "ramp_from": ramp_json(m.ramp_from)}), m.pieces(), |(p, c)| {
            Value::Array(
                p[..c]
                    .iter()
                    .map(|p| json!({"rate": s(p.rate), "deduction": s(p.deduction), "from": s(p.from), "to": opt(p.to)}))
                    .collect(),
            )
        });
    }
    for (a, b, now) in [(100i64, 200i64, 150i64), (100, 200, 99), (100, 200, 200), (0, 0, 5), (0, 86_400, 1), (i64::MIN, i64::MAX, 0)] {
        o.push("ramp_progress_ppm", json!({"start": s(a), "end": s(b), "now": s(now)}), Ok(tiers::ramp_progress_ppm(a, b, now)), opt);
    }

    // ---- position -----------------------------------------------------------------
    let mut pos_cases: Vec<(i64, u64)> = vec![
        (0, 0),
        (1, 1),
        (-1, 1),
        (1_000_000_000, 50_000 * Q * 1000),
        (-2_500_000_000, 1_000_000_000),
        (i64::MAX, u64::MAX),
        (i64::MIN, u64::MAX),
        (i64::MIN, 1),
        (1_000_000_000_000_000_000, 10_000_000_000_000_000),
        (-999_999_999, 1_000_000_001),
    ];
    for _ in 0..300 {
        let bd = if r.below(10) == 0 { 19 } else { 13 };
        let pd = if r.below(10) == 0 { 19 } else { 14 };
        pos_cases.push((r.signed(bd), r.mag(pd)));
    }
    for &(b, p) in &pos_cases {
        let input = json!({"base": s(b), "price": s(p)});
        for rd in [Rounding::Floor, Rounding::Ceil] {
            o.push(
                "notional",
                json!({"base": s(b), "price": s(p), "rounding": rounding_name(rd)}),
                position::notional(BaseLots(b), Price(p), rd),
                s,
            );
        }
        o.push("signed_value", input.clone(), position::signed_value(BaseLots(b), Price(p)), s);
        o.push("cost_basis_at", input.clone(), position::cost_basis_at(BaseLots(b), Price(p)), s);
        o.push("notional_and_value", input.clone(), position::notional_and_value(BaseLots(b), Price(p)), |(n, v)| json!([s(n), s(v)]));
        let cb = r.signed(15);
        o.push(
            "unrealized_pnl",
            json!({"base": s(b), "cost_basis": s(cb), "price": s(p)}),
            position::unrealized_pnl(BaseLots(b), cb, Price(p)),
            s,
        );
        o.push("entry_price", json!({"base": s(b), "cost_basis": s(cb)}), position::entry_price(BaseLots(b), cb), opt);
        let conf = if r.bool() { p / r.range(10, 100_000) } else { r.mag(19) };
        let spread = r.pick(&[0u32, 100, 500, 999_999, 1_000_000, 2_000_000]);
        for buy in [true, false] {
            o.push(
                "fill_price",
                json!({"oracle_price": s(p), "conf": s(conf), "spread_ppm": spread, "is_buy": buy}),
                position::fill_price(Price(p), Price(conf), spread, buy),
                s,
            );
            o.push(
                "conservative_price",
                json!({"price": s(p), "conf": s(conf), "is_long": buy}),
                oracle::conservative_price(Price(p), Price(conf), buy),
                s,
            );
        }
        let rate = r.pick(&[0u32, 500, 750, 1_000_000, u32::MAX]);
        for rd in [Rounding::Floor, Rounding::Ceil] {
            o.push("ppm_of", json!({"amount": s(p), "rate_ppm": rate, "rounding": rounding_name(rd)}), position::ppm_of(p, rate, rd), s);
        }
        let delta = if r.below(3) == 0 { b.saturating_neg() / i64::from(r.range(1, 3) as u8) } else { r.signed(13) };
        o.push("apply_fill", json!({"base": s(b), "cost_basis": s(cb), "delta": s(delta), "price": s(p)}), position::apply_fill(BaseLots(b), cb, BaseLots(delta), Price(p)), |f| {
            json!({"base": s(f.base), "cost_basis": s(f.cost_basis), "realised_pnl": s(f.realised_pnl), "closed": s(f.closed), "opened": s(f.opened)})
        });
    }
    for (pnl, w) in [(0i128, 500_000u32), (-5, 0), (7, 500_000), (i128::MAX, 1_000_000), (1_000_001, 999_999)] {
        o.push("weighted_pnl", json!({"pnl": s(pnl), "weight_ppm": w}), position::weighted_pnl(pnl, w), s);
    }
    for _ in 0..100 {
        let (pnl, w) = (i128::from(r.signed(18)), r.range(0, 1_000_000) as u32);
        o.push("weighted_pnl", json!({"pnl": s(pnl), "weight_ppm": w}), position::weighted_pnl(pnl, w), s);
    }

    // ---- oracle -----------------------------------------------------------------------
    let mut oc: Vec<(u64, i32, u8)> = vec![
        (5_000_000_000_000, -8, 6),
        (1, -30, 6),
        (u64::MAX, 10, 6),
        (u64::MAX, 0, 6),
        (123, -9, 0),
        (7, 100, 6),
        (7, i32::MAX, 6),
        (7, i32::MIN, 6),
    ];
    for _ in 0..150 {
        oc.push((r.mag(19), r.range(0, 40) as i32 - 30, r.range(0, 9) as u8));
    }
    for (m, e, d) in oc {
        for rd in [Rounding::Floor, Rounding::Ceil] {
            o.push(
                "to_price",
                json!({"mantissa": s(m), "exponent": e, "quote_decimals": d, "rounding": rounding_name(rd)}),
                oracle::to_price(m, e, d, rd),
                s,
            );
        }
    }
    for _ in 0..150 {
        let p = r.signed(12);
        let c = if r.bool() { p.unsigned_abs() / r.range(1, 1000) } else { r.mag(10) };
        let (pt, now) = (r.range(0, 2000) as i64, r.range(0, 2000) as i64);
        let (age, conf_ppm) = (r.range(0, 600) as u32, r.pick(&[0u32, 1000, 20_000, 1_000_000]));
        let v = oracle::classify(p, c, pt, now, age, conf_ppm);
        o.push(
            "classify",
            json!({"price": s(p), "conf": s(c), "publish_time": s(pt), "now": s(now), "max_age_secs": age, "max_conf_ppm": conf_ppm}),
            Ok(format!("{v:?}")),
            |v| json!(v),
        );
    }

    // ---- funding ------------------------------------------------------------------
    let mut fc: Vec<(i64, i128, i128)> = vec![
        (1_000_000_000, 500_000_000_000, 0),
        (-2_000_000_000, 500_000_000_000, 0),
        (1, -1, 0),
        (1, 1, 0),
        (0, 1000, 0),
        (i64::MIN, i128::MAX, -1),
        (i64::MAX, i128::MAX, 0),
    ];
    for _ in 0..200 {
        fc.push((r.signed(13), i128::from(r.signed(16)), i128::from(r.signed(16))));
    }
    for (b, now, snap) in fc {
        o.push(
            "pending_funding",
            json!({"base": s(b), "index_now": s(now), "snapshot": s(snap)}),
            funding::pending_funding(b, now, snap),
            s,
        );
    }
    for _ in 0..200 {
        let (l, sh) = (r.mag(14), r.mag(14));
        let (k, mx, fl) = (r.pick(&[0u32, 100, 1000, 50_000]), r.pick(&[0u32, 100, 1000, 10_000]), r.mag(14));
        o.push(
            "funding_rate_ppm",
            json!({"long_oi": s(l), "short_oi": s(sh), "k_ppm": k, "max_rate_ppm": mx, "oi_floor": s(fl)}),
            funding::funding_rate_ppm(l, sh, k, mx, fl),
            s,
        );
        let (p, rate, dt) = (r.mag(16), r.signed(5), r.signed(7));
        o.push(
            "index_deltas",
            json!({"price": s(p), "rate_ppm": s(rate), "dt_secs": s(dt)}),
            funding::index_deltas(p, rate, dt),
            |(a, b)| json!([s(a), s(b)]),
        );
        let st = funding::FundingState {
            long_index: i128::from(r.signed(18)),
            short_index: i128::from(r.signed(18)),
            open_interest_long: l,
            open_interest_short: sh,
            k_ppm: k,
            max_rate_ppm: mx,
            oi_floor: fl,
        };
        let input = json!({"long_index": s(st.long_index), "short_index": s(st.short_index), "open_interest_long": s(l), "open_interest_short": s(sh), "k_ppm": k, "max_rate_ppm": mx, "oi_floor": s(fl), "price": s(p), "dt_secs": s(dt)});
        o.push("accrue", input, funding::accrue(&st, p, dt), |(a, b, c)| json!([s(a), s(b), s(c)]));
    }

    // ---- position and domain health -------------------------------------------------
    let mut risks: Vec<Risk> = vec![];
    let plain = |base: i64, cb: i64, lev: u16, price: u64, conf: u64, tiers: Vec<Tier>, floor: u32| Risk {
        base,
        cost_basis: cb,
        pending_funding: 0,
        unsettled_pnl: 0,
        leverage: lev,
        price,
        conf,
        tiers,
        ramp: None,
        pnl_weight_ppm: 1_000_000,
        transfer_floor_ppm: floor,
        leverage_scale_ppm: 1_000_000,
        adverse: None,
    };
    // $10,000 at 10x/20x; the audit's M-1 (1.9 BTC at $60,000 with tiers 20x / 2x).
    let single20 = vec![Tier { notional_threshold: 0, max_leverage: 20 }];
    risks.push(plain(200_000_000_000, 10_000 * Q as i64, 20, 50 * Q * 1000 / 1000, 0, single20.clone(), 50_000));
    risks.push(plain(1_900_000_000, 95_000 * Q as i64, 20, 60_000 * Q * 1000, 0, m20.clone(), 0));
    risks.push(plain(-1_000_000_000, -50_000 * Q as i64, 10, 50_000 * Q * 1000, 5 * Q * 1000, btc.clone(), 100_000));
    risks.push(plain(0, 0, 10, 50_000 * Q * 1000, 0, btc.clone(), 100_000));
    for _ in 0..400 {
        risks.push(Risk::random(&mut r));
    }
    for k in &risks {
        o.push("position_health", k.json(), k.health(), |h| health_json(&h));
        let l = r.range(1, 1000) as u16;
        o.push("with_leverage", json!({"risk": k.json(), "leverage": l}), k.health().and_then(|h| h.with_leverage(l)), |h| health_json(&h));
    }
    // Domains: collateral plus 0..=4 positions.
    let mut domains: Vec<(i64, Vec<Risk>, u32)> = vec![
        (1_000 * Q as i64, vec![risks[0].clone()], 100_000),
        (5_000 * Q as i64, vec![risks[1].clone()], 0),
        (1_000 * Q as i64 + 1, vec![], 0),
        (-5 * Q as i64, vec![], 100_000),
        (0, vec![], 0),
    ];
    for _ in 0..300 {
        let n = r.range(0, 4) as usize;
        let ps: Vec<Risk> = (0..n).map(|_| Risk::random(&mut r)).collect();
        domains.push((r.signed(12), ps, r.pick(&[0u32, 100_000, 250_000])));
    }
    for (c, ps, buffer) in &domains {
        let input = json!({"collateral": s(c), "buffer_ppm": buffer, "positions": Value::Array(ps.iter().map(Risk::json).collect())});
        let d = (|| {
            let mut d = DomainHealth::new(*c);
            for p in ps {
                d.add(&p.health()?)?;
            }
            Ok(d)
        })();
        o.push("domain_health", input, d, |d| domain_json(&d, *buffer));
        if let Ok(d) = d {
            let delta = i128::from(r.signed(12));
            o.push(
                "with_collateral_change",
                json!({"domain": domain_json(&d, *buffer), "delta": s(delta), "buffer_ppm": buffer}),
                d.with_collateral_change(delta),
                |d| domain_json(&d, *buffer),
            );
        }
    }

    // ---- liquidation price ---------------------------------------------------------
    let mut lp: Vec<(i64, i64, Vec<Tier>, Ramp, i128)> = vec![
        (1_000_000_000, 50_000 * Q as i64, btc.clone(), None, 2_600 * Q as i128),
        (-1_000_000_000, -50_000 * Q as i64, btc.clone(), None, 2_600 * Q as i128),
        (1_000_000_000, 50_000 * Q as i64, btc.clone(), None, 60_000 * Q as i128),
        (0, 0, btc.clone(), None, 0),
        (1_000_000_000, 50_000 * Q as i64, new.clone(), Some((old.clone(), 500_000)), 2_600 * Q as i128),
        (i64::MAX, i64::MAX, btc.clone(), None, i128::MIN),
        (-20_000_000_000, -1_000_000 * Q as i64, btc.clone(), None, 10 * Q as i128),
    ];
    for _ in 0..400 {
        let k = Risk::random(&mut r);
        let rest = i128::from(r.signed(12)) + if r.bool() { 0 } else { i128::from(k.cost_basis.abs() / 10) };
        lp.push((k.base, k.cost_basis, k.tiers, k.ramp, rest));
    }
    for (b, cb, t, ramp, rest) in &lp {
        let m = Maintenance { tiers: t, ramp_from: ramp.as_ref().map(|(t, f)| (&t[..], *f)) };
        o.push(
            "liquidation_price",
            json!({"base": s(b), "cost_basis": s(cb), "tiers": tiers_json(t), "ramp_from": ramp_json(m.ramp_from), "rest_equity": s(rest)}),
            margin::liquidation_price(BaseLots(*b), *cb, &m, *rest),
            opt,
        );
    }

    // ---- liquidation size and penalties ----------------------------------------------
    let mut lq: Vec<LiquidationCase> = vec![
        // MATH.md: 1 BTC long with $2,600 at $48,600 (equity 1,200), 20x single tier, f = 0.75%, buffer 10%.
        (1_000_000_000, 48_600 * Q * 1000, single20.clone(), None, 1_200 * Q as i128, 1_215 * Q as i128, 7_500, 100_000, 1_000_000, 0),
        (0, 1, btc.clone(), None, 0, 0, 7_500, 100_000, 1, 0),
        (-5_000_000_000, 10 * Q * 1000, btc.clone(), None, -(Q as i128), Q as i128, 5_000, 0, 1_000, 10 * Q),
        (
            1_000_000_000,
            48_600 * Q * 1000,
            vec![Tier { notional_threshold: 0, max_leverage: 100 }],
            None,
            0,
            243 * Q as i128,
            6_000,
            100_000,
            1,
            0,
        ),
    ];
    for _ in 0..250 {
        let tiers = r.tiers();
        let price = r.mag(12).max(1);
        let base = r.signed(12);
        let n = position::notional(BaseLots(base), Price(price), Rounding::Ceil).unwrap_or(0);
        let mm = i128::from(tiers::maintenance_margin(&tiers, n).unwrap_or(0));
        let other = if r.bool() { i128::from(r.mag(9)) } else { 0 };
        let equity = (mm + other) * i128::from(r.range(0, 120)) / 100 - i128::from(r.mag(6));
        let ramp = if r.below(5) == 0 { Some((r.tiers(), r.range(0, 1_000_000) as u32)) } else { None };
        let min_rate = 1_000_000 / (2 * u32::from(tiers.last().unwrap().max_leverage));
        let penalty = r.range(0, u64::from(min_rate.saturating_sub(1))) as u32;
        lq.push((
            base,
            price,
            tiers,
            ramp,
            equity,
            mm + other,
            penalty,
            r.pick(&[0u32, 100_000, 250_000]),
            r.pick(&[1u64, 1000, 1_000_000, 10_000_000]),
            r.pick(&[0u64, Q, 10 * Q]),
        ));
    }
    for (b, p, t, ramp, e, mm, pen, buf, lot, dust) in &lq {
        let li = LiquidationInput {
            base: *b,
            price: *p,
            tiers: t,
            ramp_from: ramp.as_ref().map(|(t, f)| (&t[..], *f)),
            equity: *e,
            maintenance: *mm,
            penalty_ppm: *pen,
            buffer_ppm: *buf,
            lot_size: *lot,
            dust_notional: *dust,
        };
        let input = json!({"base": s(b), "price": s(p), "tiers": tiers_json(t), "ramp_from": ramp_json(li.ramp_from), "equity": s(e), "maintenance": s(mm), "penalty_ppm": pen, "buffer_ppm": buf, "lot_size": s(lot), "dust_notional": s(dust)});
        o.push("close_size", input.clone(), li.close_size(), s);
        let q = r.range(0, b.unsigned_abs());
        o.push("restores", json!({"input": input, "q": s(q)}), li.restores(q), |v| json!(v));
    }
    for _ in 0..100 {
        let (n, rw, ins, av) = (r.mag(15), r.range(0, 20_000) as u32, r.range(0, 20_000) as u32, i128::from(r.signed(12)));
        o.push(
            "penalties",
            json!({"closed_notional": s(n), "reward_ppm": rw, "insurance_ppm": ins, "available": s(av)}),
            liquidation::penalties(n, rw, ins, av),
            |(a, b)| json!([s(a), s(b)]),
        );
        let (tip, top) = (r.mag(8), r.mag(12));
        o.push("guard_tip", json!({"fixed_tip": s(tip), "top_up": s(top)}), liquidation::guard_tip(tip, top), s);
    }

    // ---- pool equity and auto-deleveraging ------------------------------------------------
    for i in 0..200 {
        let t = SideTotals {
            open_interest_long: r.mag(13),
            open_interest_short: r.mag(13),
            cost_basis_long: i128::from(r.mag(14)),
            cost_basis_short: -i128::from(r.mag(14)),
        };
        let p = if i == 0 { 0 } else { r.mag(16) };
        let tj = json!({"open_interest_long": s(t.open_interest_long), "open_interest_short": s(t.open_interest_short), "cost_basis_long": s(t.cost_basis_long), "cost_basis_short": s(t.cost_basis_short)});
        o.push("pool_side_pnl", json!({"totals": tj, "price": s(p)}), adl::pool_side_pnl(&t, p), s);
        let (cash, deficit, side) = (r.mag(13), r.mag(13), i128::from(r.signed(14)));
        o.push("pool_equity", json!({"cash": s(cash), "deficit": s(deficit), "side": s(side)}), adl::pool_equity(cash, deficit, side), s);
        let (rp, e) = (r.signed(12), i128::from(r.signed(12)));
        o.push("haircut", json!({"realised": s(rp), "equity": s(e)}), Ok::<u64, MathError>(adl::haircut(rp, e)), s);
        let lot = r.pick(&[1u64, 1_000, 1_000_000, 10_000_000]);
        let abs = r.range(1, 1_000_000) * lot;
        let (profit, shortfall) = (if i == 1 { 0 } else { i128::from(r.signed(12)) }, u128::from(r.mag(12)));
        o.push(
            "deleverage_size",
            json!({"abs_base": s(abs), "profit": s(profit), "shortfall": s(shortfall), "lot_size": s(lot)}),
            adl::deleverage_size(abs, profit, shortfall, lot),
            s,
        );
        let (pnl, cb, n, eq) = (i128::from(r.signed(12)), r.signed(13), r.mag(13), i128::from(r.signed(12)));
        o.push(
            "adl_score_ppm",
            json!({"pnl": s(pnl), "cost_basis": s(cb), "notional": s(n), "equity": s(eq)}),
            adl::adl_score_ppm(pnl, cb, n, eq),
            s,
        );
        let score = if r.bool() { r.mag(7) } else { r.next() };
        o.push("adl_light", json!({"score": s(score)}), Ok::<u8, MathError>(adl::adl_light(score)), |v| json!(v));
    }

    // ---- volatility-scaled leverage --------------------------------------------------------
    for i in 0..200 {
        let st = volatility::VolState {
            variance: if i % 5 == 0 { 0 } else { r.mag(14) },
            last_price: if i == 0 { 0 } else { r.mag(16) },
            last_ts: r.range(0, 1_000_000) as i64,
        };
        let price = if i == 1 { 0 } else { r.mag(16) };
        let now = st.last_ts + r.range(0, 100_000) as i64;
        let hl = r.pick(&[0u32, 60, 3_600, 86_400, 2_592_000]);
        let sj = json!({"variance": s(st.variance), "last_price": s(st.last_price), "last_ts": s(st.last_ts)});
        o.push(
            "vol_sample",
            json!({"state": sj, "price": s(price), "now": s(now), "half_life_secs": hl}),
            st.sample(price, now, hl),
            |n| json!({"variance": s(n.variance), "last_price": s(n.last_price), "last_ts": s(n.last_ts)}),
        );
        let v = if r.bool() { r.mag(12) } else { r.next() };
        o.push("hourly_vol_ppm", json!({"variance": s(v)}), volatility::hourly_vol_ppm(v), s);
        let (target, floor) = (r.pick(&[0u32, 1, 20_000, 50_000, 1_000_000]), r.pick(&[0u32, 1, 100_000, 500_000, 1_000_000]));
        o.push(
            "leverage_scale_ppm",
            json!({"variance": s(v), "target_ppm": target, "floor_ppm": floor}),
            volatility::leverage_scale_ppm(v, target, floor),
            |x| json!(x),
        );
        let (tmax, scale) = (r.range(1, 1_000) as u16, r.range(0, 1_000_000) as u32);
        o.push(
            "scaled_max_leverage",
            json!({"tier_max": tmax, "scale_ppm": scale}),
            Ok::<u16, MathError>(volatility::scaled_max_leverage(tmax, scale)),
            |x| json!(x),
        );
    }

    let mut text = String::from("{\n  \"generator\": \"cargo run -p xtask -- vectors (crates/math)\",\n  \"vectors\": [\n");
    let n = o.0.len();
    for (i, v) in o.0.iter().enumerate() {
        text.push_str("    ");
        text.push_str(&serde_json::to_string(v).expect("json"));
        text.push_str(if i + 1 < n { ",\n" } else { "\n" });
    }
    text.push_str("  ]\n}\n");
    text
}
