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

#[inline]
pub fn mul(a: i128, b: i128, op: &'static str) -> MathResult<i128> {
    a.checked_mul(b).ok_or(MathError::overflow(op))
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

/// `10^exp` as i128 (exp ≤ 38).
#[inline]
pub fn pow10(exp: u32, op: &'static str) -> MathResult<i128> {
    10i128.checked_pow(exp).ok_or(MathError::overflow(op))
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
    fn failures_name_the_operation() {
        assert_eq!(div(1, 0, Rounding::Floor, "ratio"), Err(MathError::div_by_zero("ratio")));
        assert_eq!(mul(i128::MAX, 2, "notional"), Err(MathError::overflow("notional")));
        assert_eq!(div(i128::MIN, -1, Rounding::Floor, "q"), Err(MathError::overflow("q")));
        assert_eq!(to_u64(-1, "amount"), Err(MathError::overflow("amount")));
    }
}
