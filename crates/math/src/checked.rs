//! Checked i128 arithmetic with explicit rounding. Every function takes the name of
//! the operation it serves so that a failure says where it happened.
//!
//! All divisions in the crate go through [`div`], which forces the caller to say
//! which way the quotient rounds. `Floor` and `Ceil` are toward minus and plus
//! infinity, also for negative numerators, so "in the protocol's favour" has one
//! meaning whatever the sign.

use crate::error::{MathError, MathResult};

/// Direction of rounding for a division.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rounding {
    /// Toward minus infinity.
    Floor,
    /// Toward plus infinity.
    Ceil,
}

impl Rounding {
    /// The opposite direction (used when a quantity is negated around a division).
    pub const fn flip(self) -> Self {
        match self {
            Rounding::Floor => Rounding::Ceil,
            Rounding::Ceil => Rounding::Floor,
        }
    }
}

#[inline]
pub fn add(a: i128, b: i128, op: &'static str) -> MathResult<i128> {
    a.checked_add(b).ok_or(MathError::overflow(op))
}

#[inline]
pub fn sub(a: i128, b: i128, op: &'static str) -> MathResult<i128> {
    a.checked_sub(b).ok_or(MathError::overflow(op))
}

/// `a × b`, checked.
///
/// Not `i128::checked_mul`: that lowers to the `__muloti4` libcall, an i128-returning
/// builtin that the offline SBF toolchain's return-convention patch does not cover (it
/// wraps `__multi3` and the divisions). The magnitudes are multiplied as u128 instead
/// (`__multi3`), with an explicit overflow test that only divides when the operands are
/// large enough to overflow. Property-tested equal to `checked_mul`.
#[inline]
pub fn mul(a: i128, b: i128, op: &'static str) -> MathResult<i128> {
    let negative = (a < 0) != (b < 0);
    let (x, y) = (a.unsigned_abs(), b.unsigned_abs());
    let bits = u128::BITS.saturating_sub(x.leading_zeros()).saturating_add(u128::BITS.saturating_sub(y.leading_zeros()));
    let product = x.wrapping_mul(y);
    // bits(x) + bits(y) ≤ 127 guarantees x·y < 2^127; otherwise check by division.
    if bits > 127 && x != 0 && udivrem(product, x).map(|(q, _)| q) != Some(y) {
        return Err(MathError::overflow(op));
    }
    if negative {
        if product == i128::MIN.unsigned_abs() {
            return Ok(i128::MIN);
        }
        i128::try_from(product).ok().and_then(i128::checked_neg).ok_or(MathError::overflow(op))
    } else {
        i128::try_from(product).map_err(|_| MathError::overflow(op))
    }
}

#[inline]
pub fn neg(a: i128, op: &'static str) -> MathResult<i128> {
    a.checked_neg().ok_or(MathError::overflow(op))
}

/// Unsigned 128-bit division and remainder, `None` for a zero divisor.
///
/// Done on 64-bit words: rustc lowers `u128`/`i128` division to compiler-builtins
/// libcalls (`__udivti3`, `__divti3`, …) whose 128-bit arguments the offline SBF
/// toolchain passes in a way the builtins do not expect (a quotient of a numerator above
/// 2^64 faults on chain), so this crate never divides 128-bit integers with `/` or `%`.
/// A numerator and divisor below 2^64 use one native 64-bit division; otherwise a
/// shift-subtract long division runs over the quotient's bits (≤ 128 steps).
#[allow(clippy::arithmetic_side_effects, clippy::integer_division, clippy::cast_possible_truncation)]
pub fn udivrem(n: u128, d: u128) -> Option<(u128, u128)> {
    let split = |v: u128| ((v >> 64) as u64, v as u64);
    let join = |h: u64, l: u64| (u128::from(h) << 64) | u128::from(l);
    let ((nh, nl), (dh, dl)) = (split(n), split(d));
    if dh == 0 && dl == 0 {
        return None;
    }
    if nh == 0 && dh == 0 {
        return Some((u128::from(nl / dl), u128::from(nl % dl)));
    }
    if (nh, nl) < (dh, dl) {
        return Some((0, n));
    }
    // Align the divisor's top bit with the numerator's, then shift-subtract.
    let lz = |h: u64, l: u64| if h == 0 { 64 + l.leading_zeros() } else { h.leading_zeros() };
    let shift = lz(dh, dl) - lz(nh, nl);
    let shl = |h: u64, l: u64, s: u32| -> (u64, u64) {
        match s {
            0 => (h, l),
            1..=63 => ((h << s) | (l >> (64 - s)), l << s),
            _ => (l << (s - 64), 0),
        }
    };
    let (mut sh, mut sl) = shl(dh, dl, shift);
    let (mut rh, mut rl) = (nh, nl);
    let (mut qh, mut ql) = (0u64, 0u64);
    for _ in 0..=shift {
        // q <<= 1
        qh = (qh << 1) | (ql >> 63);
        ql <<= 1;
        if (rh, rl) >= (sh, sl) {
            let (low, borrow) = rl.overflowing_sub(sl);
            rl = low;
            rh = rh - sh - u64::from(borrow);
            ql |= 1;
        }
        // divisor >>= 1
        sl = (sl >> 1) | (sh << 63);
        sh >>= 1;
    }
    Some((join(qh, ql), join(rh, rl)))
}

/// `a / b` rounded as asked. `b` may have either sign; zero is an error.
#[inline]
pub fn div(a: i128, b: i128, rounding: Rounding, op: &'static str) -> MathResult<i128> {
    let (q, r) = udivrem(a.unsigned_abs(), b.unsigned_abs()).ok_or(MathError::div_by_zero(op))?;
    let inexact = u128::from(r != 0);
    let negative = (a < 0) != (b < 0);
    // |a|/|b| = q + r/|b|. Positive: floor q, ceil q + inexact. Negative: −q − r/|b|:
    // floor −(q + inexact), ceil −q.
    let magnitude = match (negative, rounding) {
        (false, Rounding::Floor) | (true, Rounding::Ceil) => q,
        (false, Rounding::Ceil) | (true, Rounding::Floor) => q.checked_add(inexact).ok_or(MathError::overflow(op))?,
    };
    if negative {
        if magnitude == i128::MIN.unsigned_abs() {
            return Ok(i128::MIN);
        }
        i128::try_from(magnitude).ok().and_then(i128::checked_neg).ok_or(MathError::overflow(op))
    } else {
        i128::try_from(magnitude).map_err(|_| MathError::overflow(op))
    }
}

/// `a * b / c` with one rounding at the end.
#[inline]
pub fn mul_div(a: i128, b: i128, c: i128, rounding: Rounding, op: &'static str) -> MathResult<i128> {
    div(mul(a, b, op)?, c, rounding, op)
}

/// Narrow to `u64`; negative or too large is an overflow of `op`.
#[inline]
pub fn to_u64(v: i128, op: &'static str) -> MathResult<u64> {
    u64::try_from(v).map_err(|_| MathError::overflow(op))
}

/// Narrow to `i64`.
#[inline]
pub fn to_i64(v: i128, op: &'static str) -> MathResult<i64> {
    i64::try_from(v).map_err(|_| MathError::overflow(op))
}

const POW10: [i128; 39] = {
    let mut t = [1i128; 39];
    let mut i = 1;
    while i < 39 {
        t[i] = t[i - 1] * 10;
        i += 1;
    }
    t
};

/// `10^exp` as i128 (exp ≤ 38), from a table (no multiplication at run time).
#[inline]
pub fn pow10(exp: u32, op: &'static str) -> MathResult<i128> {
    POW10.get(exp as usize).copied().ok_or(MathError::overflow(op))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floor_and_ceil_round_toward_the_infinities_for_both_signs() {
        assert_eq!(div(7, 2, Rounding::Floor, "t"), Ok(3));
        assert_eq!(div(7, 2, Rounding::Ceil, "t"), Ok(4));
        assert_eq!(div(-7, 2, Rounding::Floor, "t"), Ok(-4));
        assert_eq!(div(-7, 2, Rounding::Ceil, "t"), Ok(-3));
        assert_eq!(div(7, -2, Rounding::Floor, "t"), Ok(-4));
        assert_eq!(div(-7, -2, Rounding::Ceil, "t"), Ok(4));
        assert_eq!(div(6, 3, Rounding::Ceil, "t"), Ok(2));
        assert_eq!(div(-6, 3, Rounding::Floor, "t"), Ok(-2));
    }

    #[test]
    fn multiplication_matches_i128_checked_mul_at_the_edges() {
        let edges = [
            0,
            1,
            -1,
            2,
            -2,
            3,
            10,
            i128::from(u64::MAX),
            -i128::from(u64::MAX),
            1 << 63,
            1 << 64,
            -(1 << 64),
            (1 << 126) - 1,
            1 << 126,
            -(1 << 126),
            i128::MAX,
            i128::MIN,
            i128::MAX / 3,
            i128::MIN / 7,
        ];
        for &a in &edges {
            for &b in &edges {
                assert_eq!(mul(a, b, "m").ok(), a.checked_mul(b), "{a} × {b}");
            }
        }
        for e in 0..=38u32 {
            assert_eq!(pow10(e, "p"), Ok(10i128.pow(e)));
        }
        assert!(pow10(39, "p").is_err());
    }

    #[test]
    fn long_division_matches_the_standard_library() {
        let edges = [
            0u128,
            1,
            2,
            3,
            7,
            10,
            u128::from(u32::MAX),
            u128::from(u64::MAX),
            1 << 64,
            (1 << 64) + 1,
            1_000_000_000_000,
            50_005_000_000_000_000_000_000,
            (1 << 127) - 1,
            1 << 127,
            u128::MAX - 1,
            u128::MAX,
        ];
        for &n in &edges {
            for &d in &edges {
                let expect = n.checked_div(d).map(|q| (q, n % d));
                assert_eq!(udivrem(n, d), expect, "{n} / {d}");
            }
        }
        assert_eq!(div(i128::MIN, 1, Rounding::Floor, "t"), Ok(i128::MIN));
        assert_eq!(div(i128::MIN, -1, Rounding::Floor, "t"), Err(MathError::overflow("t")));
        assert_eq!(div(-50_005_000_000_000_000_000_001, 1_000_000_000_000, Rounding::Floor, "t"), Ok(-50_005_000_001));
    }

    #[test]
    fn failures_name_the_operation() {
        assert_eq!(div(1, 0, Rounding::Floor, "ratio"), Err(MathError::div_by_zero("ratio")));
        assert_eq!(mul(i128::MAX, 2, "notional"), Err(MathError::overflow("notional")));
        assert_eq!(div(i128::MIN, -1, Rounding::Floor, "q"), Err(MathError::overflow("q")));
        assert_eq!(to_u64(-1, "amount"), Err(MathError::overflow("amount")));
    }
}
