//! One position: notional, value, cost basis and unrealized PnL.
//!
//! A position is `(base, cost_basis)`: `base` in base lots (1e9 = one unit, negative
//! short) and `cost_basis` in quote native units, signed like `base` (what was paid for
//! a long, minus what was received for a short). Then
//! `unrealized_pnl = base × price / 1e12 − cost_basis` for both sides.

use crate::checked::{self, Rounding};
use crate::constants::{NOTIONAL_DIVISOR, PPM};
use crate::error::MathResult;

/// `|base| × price / 1e12` in quote native units.
///
/// Rounding is the caller's: requirements derived from it round up, amounts paid out
/// from it round down.
pub fn notional(base: i64, price: u64, rounding: Rounding) -> MathResult<u64> {
    const OP: &str = "notional";
    let n = checked::mul_div(i128::from(base.unsigned_abs()), i128::from(price), NOTIONAL_DIVISOR, rounding, OP)?;
    checked::to_u64(n, OP)
}

/// Signed value `base × price / 1e12`, rounded toward minus infinity: a long's asset is
/// valued down, a short's liability up. This is the protocol's side for both.
pub fn signed_value(base: i64, price: u64) -> MathResult<i128> {
    checked::mul_div(i128::from(base), i128::from(price), NOTIONAL_DIVISOR, Rounding::Floor, "position value")
}

/// Cost basis of `base` filled at `price`: `base × price / 1e12` rounded up, so a long
/// pays the extra unit and a short receives one unit less.
pub fn cost_basis_at(base: i64, price: u64) -> MathResult<i64> {
    const OP: &str = "cost basis";
    let c = checked::mul_div(i128::from(base), i128::from(price), NOTIONAL_DIVISOR, Rounding::Ceil, OP)?;
    checked::to_i64(c, OP)
}

/// Unrealized PnL at `price` (value rounded in the protocol's favour).
pub fn unrealized_pnl(base: i64, cost_basis: i64, price: u64) -> MathResult<i128> {
    checked::sub(signed_value(base, price)?, i128::from(cost_basis), "unrealized pnl")
}

/// Positive PnL counts at `weight_ppm` (rounded down); losses always count in full.
pub fn weighted_pnl(pnl: i128, weight_ppm: u32) -> MathResult<i128> {
    if pnl <= 0 {
        return Ok(pnl);
    }
    checked::mul_div(pnl, i128::from(weight_ppm), PPM, Rounding::Floor, "weighted pnl")
}

/// Entry price implied by a position: `|cost_basis| × 1e12 / |base|`, rounded down.
/// `None` for a flat position.
pub fn entry_price(base: i64, cost_basis: i64) -> MathResult<Option<u64>> {
    const OP: &str = "entry price";
    if base == 0 {
        return Ok(None);
    }
    let p =
        checked::mul_div(i128::from(cost_basis.unsigned_abs()), NOTIONAL_DIVISOR, i128::from(base.unsigned_abs()), Rounding::Floor, OP)?;
    Ok(Some(checked::to_u64(p, OP)?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::constants::BASE_PRECISION;

    const ONE: i64 = BASE_PRECISION as i64;
    const USD: u64 = 1_000_000_000; // $1 in the price scale (6-decimal collateral)

    #[test]
    fn notional_of_ten_thousand_dollars() {
        // 2 units at $5,000 = $10,000 = 10_000_000_000 quote native.
        assert_eq!(notional(2 * ONE, 5_000 * USD, Rounding::Floor), Ok(10_000_000_000));
        assert_eq!(notional(-2 * ONE, 5_000 * USD, Rounding::Floor), Ok(10_000_000_000));
    }

    #[test]
    fn fractional_notional_rounds_as_asked() {
        // 1 lot (1e-9 unit) at $1: 1e-9 dollars = 0.001 quote native.
        assert_eq!(notional(1, USD, Rounding::Floor), Ok(0));
        assert_eq!(notional(1, USD, Rounding::Ceil), Ok(1));
    }

    #[test]
    fn pnl_for_long_and_short_has_the_protocols_rounding() {
        let long_cb = cost_basis_at(ONE, 100 * USD).unwrap();
        assert_eq!(long_cb, 100_000_000);
        assert_eq!(unrealized_pnl(ONE, long_cb, 110 * USD), Ok(10_000_000));
        let short_cb = cost_basis_at(-ONE, 100 * USD).unwrap();
        assert_eq!(short_cb, -100_000_000);
        assert_eq!(unrealized_pnl(-ONE, short_cb, 110 * USD), Ok(-10_000_000));
        // One lot long at $1 pays 1 unit of quote for 0.001 of value: pnl is -1 at once.
        assert_eq!(cost_basis_at(1, USD), Ok(1));
        assert_eq!(unrealized_pnl(1, 1, USD), Ok(-1));
        // One lot short receives nothing (ceil of -0.001 is 0) and owes 0.001 → -1 valued.
        assert_eq!(cost_basis_at(-1, USD), Ok(0));
        assert_eq!(unrealized_pnl(-1, 0, USD), Ok(-1));
    }

    #[test]
    fn weight_scales_profit_only() {
        assert_eq!(weighted_pnl(1_000, 500_000), Ok(500));
        assert_eq!(weighted_pnl(1_001, 500_000), Ok(500));
        assert_eq!(weighted_pnl(1_000, 0), Ok(0));
        assert_eq!(weighted_pnl(-1_000, 0), Ok(-1_000));
    }

    #[test]
    fn entry_price_round_trips() {
        let cb = cost_basis_at(3 * ONE, 1_234 * USD).unwrap();
        assert_eq!(entry_price(3 * ONE, cb), Ok(Some(1_234 * USD)));
        assert_eq!(entry_price(0, 0), Ok(None));
    }
}
