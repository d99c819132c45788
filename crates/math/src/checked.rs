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
    if bits > 127 && x != 0 && product.checked_div(x) != Some(y) {
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

/// `a / b` rounded as asked. `b` may have either sign; zero is an error.
#[inline]
pub fn div(a: i128, b: i128, rounding: Rounding, op: &'static str) -> MathResult<i128> {
    if b == 0 {
        return Err(MathError::div_by_zero(op));
    }
    // Normalise to a positive divisor so that Euclidean division is floor division.
    let (a, b) = if b < 0 { (neg(a, op)?, neg(b, op)?) } else { (a, b) };
    let q = a.checked_div_euclid(b).ok_or(MathError::overflow(op))?;
    let r = a.checked_rem_euclid(b).ok_or(MathError::overflow(op))?;
    match rounding {
        Rounding::Floor => Ok(q),
        Rounding::Ceil if r == 0 => Ok(q),
        Rounding::Ceil => add(q, 1, op),
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
    fn failures_name_the_operation() {
        assert_eq!(div(1, 0, Rounding::Floor, "ratio"), Err(MathError::div_by_zero("ratio")));
        assert_eq!(mul(i128::MAX, 2, "notional"), Err(MathError::overflow("notional")));
        assert_eq!(div(i128::MIN, -1, Rounding::Floor, "q"), Err(MathError::overflow("q")));
        assert_eq!(to_u64(-1, "amount"), Err(MathError::overflow("amount")));
    }
}
