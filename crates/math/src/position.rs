//! One position: notional, value, cost basis and unrealized PnL.
//!
//! A position is `(base, cost_basis)`: `base` in base lots (1e9 = one unit, negative
//! short) and `cost_basis` in quote native units, signed like `base` (what was paid for
//! a long, minus what was received for a short). Then
//! `unrealized_pnl = base × price / 1e12 − cost_basis` for both sides.

use crate::checked::{self, Rounding};
use crate::constants::{NOTIONAL_DIVISOR, PPM};
use crate::error::{MathError, MathResult};
use crate::units::{BaseLots, Price};

/// `|base| × price / 1e12` in quote native units.
///
/// Rounding is the caller's: requirements derived from it round up, amounts paid out
/// from it round down.
pub fn notional(base: BaseLots, price: Price, rounding: Rounding) -> MathResult<u64> {
    const OP: &str = "notional";
    let n = checked::mul_div(i128::from(base.unsigned_abs()), i128::from(price.get()), NOTIONAL_DIVISOR, rounding, OP)?;
    checked::to_u64(n, OP)
}

/// Signed value `base × price / 1e12`, rounded toward minus infinity: a long's asset is
/// valued down, a short's liability up. This is the protocol's side for both.
pub fn signed_value(base: BaseLots, price: Price) -> MathResult<i128> {
    checked::mul_div(i128::from(base.get()), i128::from(price.get()), NOTIONAL_DIVISOR, Rounding::Floor, "position value")
}

/// Cost basis of `base` filled at `price`: `base × price / 1e12` rounded up, so a long
/// pays the extra unit and a short receives one unit less.
pub fn cost_basis_at(base: BaseLots, price: Price) -> MathResult<i64> {
    const OP: &str = "cost basis";
    let c = checked::mul_div(i128::from(base.get()), i128::from(price.get()), NOTIONAL_DIVISOR, Rounding::Ceil, OP)?;
    checked::to_i64(c, OP)
}

/// `(notional, signed_value)` of `base` at `price` from one product and one division:
/// the notional rounded up (a requirement) and the value rounded toward minus infinity,
/// exactly [`notional`] with `Ceil` and [`signed_value`].
pub fn notional_and_value(base: BaseLots, price: Price) -> MathResult<(u64, i128)> {
    const OP: &str = "notional";
    let product = checked::mul_wide(base.unsigned_abs(), price.get());
    let (q, inexact) = checked::div_by_notional_divisor(product);
    let up = q.checked_add(u128::from(inexact)).ok_or(MathError::overflow(OP))?;
    let notional = u64::try_from(up).map_err(|_| MathError::overflow(OP))?;
    let value =
        if base.get() >= 0 { i128::try_from(q).map_err(|_| MathError::overflow(OP))? } else { checked::neg(i128::from(notional), OP)? };
    Ok((notional, value))
}

/// Unrealized PnL at `price` (value rounded in the protocol's favour).
pub fn unrealized_pnl(base: BaseLots, cost_basis: i64, price: Price) -> MathResult<i128> {
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
#[inline(always)]
pub fn entry_price(base: BaseLots, cost_basis: i64) -> MathResult<Option<Price>> {
    const OP: &str = "entry price";
    if base.is_flat() {
        return Ok(None);
    }
    let p =
        checked::mul_div(i128::from(cost_basis.unsigned_abs()), NOTIONAL_DIVISOR, i128::from(base.unsigned_abs()), Rounding::Floor, OP)?;
    Ok(Some(Price(checked::to_u64(p, OP)?)))
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
        assert_eq!(notional(BaseLots(2 * ONE), Price(5_000 * USD), Rounding::Floor), Ok(10_000_000_000));
        assert_eq!(notional(BaseLots(-2 * ONE), Price(5_000 * USD), Rounding::Floor), Ok(10_000_000_000));
    }

    #[test]
    fn fractional_notional_rounds_as_asked() {
        // 1 lot (1e-9 unit) at $1: 1e-9 dollars = 0.001 quote native.
        assert_eq!(notional(BaseLots(1), Price(USD), Rounding::Floor), Ok(0));
        assert_eq!(notional(BaseLots(1), Price(USD), Rounding::Ceil), Ok(1));
    }

    #[test]
    fn pnl_for_long_and_short_has_the_protocols_rounding() {
        let long_cb = cost_basis_at(BaseLots(ONE), Price(100 * USD)).unwrap();
        assert_eq!(long_cb, 100_000_000);
        assert_eq!(unrealized_pnl(BaseLots(ONE), long_cb, Price(110 * USD)), Ok(10_000_000));
        let short_cb = cost_basis_at(BaseLots(-ONE), Price(100 * USD)).unwrap();
        assert_eq!(short_cb, -100_000_000);
        assert_eq!(unrealized_pnl(BaseLots(-ONE), short_cb, Price(110 * USD)), Ok(-10_000_000));
        // One lot long at $1 pays 1 unit of quote for 0.001 of value: pnl is -1 at once.
        assert_eq!(cost_basis_at(BaseLots(1), Price(USD)), Ok(1));
        assert_eq!(unrealized_pnl(BaseLots(1), 1, Price(USD)), Ok(-1));
        // One lot short receives nothing (ceil of -0.001 is 0) and owes 0.001 → -1 valued.
        assert_eq!(cost_basis_at(BaseLots(-1), Price(USD)), Ok(0));
        assert_eq!(unrealized_pnl(BaseLots(-1), 0, Price(USD)), Ok(-1));
    }

    #[test]
    fn weight_scales_profit_only() {
        assert_eq!(weighted_pnl(1_000, 500_000), Ok(500));
        assert_eq!(weighted_pnl(1_001, 500_000), Ok(500));
        assert_eq!(weighted_pnl(1_000, 0), Ok(0));
        assert_eq!(weighted_pnl(-1_000, 0), Ok(-1_000));
    }

    #[test]
    fn one_product_gives_the_rounded_notional_and_value() {
        for base in [0, 1, -1, 7, -7, ONE, -ONE, 3 * ONE + 1, -(3 * ONE + 1), i64::MAX, i64::MIN + 1] {
            for price in [1, 999, USD, 1_234 * USD + 7, 99_999 * USD] {
                let Ok(n) = notional(BaseLots(base), Price(price), Rounding::Ceil) else { continue };
                assert_eq!(
                    notional_and_value(BaseLots(base), Price(price)),
                    Ok((n, signed_value(BaseLots(base), Price(price)).unwrap())),
                    "{base} @ {price}"
                );
            }
        }
    }

    #[test]
    fn entry_price_round_trips() {
        let cb = cost_basis_at(BaseLots(3 * ONE), Price(1_234 * USD)).unwrap();
        assert_eq!(entry_price(BaseLots(3 * ONE), cb), Ok(Some(Price(1_234 * USD))));
        assert_eq!(entry_price(BaseLots(0), 0), Ok(None));
    }
}

/// Result of applying a fill of `delta` base lots at `price` to a position.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fill {
    /// Size after the fill (base lots).
    pub base: i64,
    /// Cost basis after the fill.
    pub cost_basis: i64,
    /// PnL realised by the part of the fill that closed the old position (quote native).
    pub realised_pnl: i64,
    /// Lots closed from the old position (≥ 0).
    pub closed: u64,
    /// Lots opened in the fill's direction (≥ 0; after a flip, the new side).
    pub opened: u64,
}

/// Applies a fill to `(base, cost_basis)`. The closing part realises
/// `value(closed, price) − cost basis share`, with the share rounded toward +∞ so the
/// realised PnL is never rounded up; the remainder keeps the rest of the basis exactly,
/// so equity (collateral + realised + unrealised) is unchanged by the rounding. The
/// opening part adds `cost_basis_at(opened, price)`.
pub fn apply_fill(base: BaseLots, cost_basis: i64, delta: BaseLots, price: Price) -> MathResult<Fill> {
    const OP: &str = "apply fill";
    let (base, delta) = (base.get(), delta.get());
    let reducing = base != 0 && (base > 0) != (delta > 0);
    let closed = if reducing { base.unsigned_abs().min(delta.unsigned_abs()) } else { 0 };
    let opened = delta.unsigned_abs().checked_sub(closed).ok_or(crate::MathError::overflow(OP))?;
    let mut new_base = base;
    let mut new_cb = cost_basis;
    let mut realised = 0i128;
    if closed > 0 {
        let cb_closed = checked::mul_div(i128::from(cost_basis), i128::from(closed), i128::from(base.unsigned_abs()), Rounding::Ceil, OP)?;
        let cb_remaining = checked::sub(i128::from(cost_basis), cb_closed, OP)?;
        let closed_signed = if base > 0 { i128::from(closed) } else { checked::neg(i128::from(closed), OP)? };
        let value = checked::mul_div(closed_signed, i128::from(price.get()), NOTIONAL_DIVISOR, Rounding::Floor, OP)?;
        realised = checked::sub(value, cb_closed, OP)?;
        new_base = checked::to_i64(checked::sub(i128::from(base), closed_signed, OP)?, OP)?;
        new_cb = checked::to_i64(cb_remaining, OP)?;
    }
    if opened > 0 {
        let opened_signed = if delta > 0 { i128::from(opened) } else { checked::neg(i128::from(opened), OP)? };
        let opened_i64 = checked::to_i64(opened_signed, OP)?;
        new_base = checked::to_i64(checked::add(i128::from(new_base), opened_signed, OP)?, OP)?;
        new_cb = checked::to_i64(checked::add(i128::from(new_cb), i128::from(cost_basis_at(BaseLots(opened_i64), price)?), OP)?, OP)?;
    }
    Ok(Fill { base: new_base, cost_basis: new_cb, realised_pnl: checked::to_i64(realised, OP)?, closed, opened })
}

/// Fill price against the pool: the oracle price moved by its confidence against the
/// trader, then by the half-spread — `(price + conf) × (1 + spread)` for a buy, rounded
/// up, and `(price − conf) × (1 − spread)` for a sell, rounded down (floored at 0). A fill
/// therefore never happens inside the oracle's uncertainty on the trader's side.
pub fn fill_price(oracle_price: Price, conf: Price, spread_ppm: u32, is_buy: bool) -> MathResult<Price> {
    const OP: &str = "fill price";
    let (oracle_price, conf) = (oracle_price.get(), conf.get());
    let s = i128::from(spread_ppm);
    let adjusted = if is_buy {
        let p = checked::add(i128::from(oracle_price), i128::from(conf), OP)?;
        checked::mul_div(p, checked::add(PPM, s, OP)?, PPM, Rounding::Ceil, OP)?
    } else {
        let p = i128::from(oracle_price.saturating_sub(conf));
        checked::mul_div(p, checked::sub(PPM, s, OP)?, PPM, Rounding::Floor, OP)?
    };
    checked::to_u64(adjusted, OP).map(Price)
}

/// `amount × rate_ppm / 1e6`, rounded up (fees and rewards owed to the protocol) or
/// down (as asked by the caller's side).
pub fn ppm_of(amount: u64, rate_ppm: u32, rounding: Rounding) -> MathResult<u64> {
    checked::to_u64(checked::mul_div(i128::from(amount), i128::from(rate_ppm), PPM, rounding, "ppm of amount")?, "ppm of amount")
}

#[cfg(test)]
mod fill_tests {
    use super::*;

    const ONE: i64 = 1_000_000_000;
    const USD: u64 = 1_000_000_000;

    #[test]
    fn opening_increasing_reducing_closing_and_flipping() {
        let open = apply_fill(BaseLots(0), 0, BaseLots(2 * ONE), Price(100 * USD)).unwrap();
        assert_eq!((open.base, open.cost_basis, open.realised_pnl, open.opened), (2 * ONE, 200_000_000, 0, 2 * ONE as u64));
        let up = apply_fill(BaseLots(open.base), open.cost_basis, BaseLots(ONE), Price(130 * USD)).unwrap();
        assert_eq!((up.base, up.cost_basis), (3 * ONE, 330_000_000));
        // Sell 1 of 3 at $150: basis share 110, value 150 → +40.
        let down = apply_fill(BaseLots(up.base), up.cost_basis, BaseLots(-ONE), Price(150 * USD)).unwrap();
        assert_eq!((down.base, down.cost_basis, down.realised_pnl, down.closed), (2 * ONE, 220_000_000, 40_000_000, ONE as u64));
        // Sell 3 with 2 left at $90: close 2 (−40) and open 1 short at $90.
        let flip = apply_fill(BaseLots(down.base), down.cost_basis, BaseLots(-3 * ONE), Price(90 * USD)).unwrap();
        assert_eq!(
            (flip.base, flip.cost_basis, flip.realised_pnl, flip.closed, flip.opened),
            (-ONE, -90_000_000, -40_000_000, 2 * ONE as u64, ONE as u64)
        );
        let close = apply_fill(BaseLots(flip.base), flip.cost_basis, BaseLots(ONE), Price(80 * USD)).unwrap();
        assert_eq!((close.base, close.cost_basis, close.realised_pnl), (0, 0, 10_000_000));
    }

    #[test]
    fn partial_closes_never_round_realised_pnl_up_and_conserve_equity() {
        // 3 lots long for 10 units of quote, 1 closed at 0: share ceil(10/3) = 4 → −4.
        let f = apply_fill(BaseLots(3), 10, BaseLots(-1), Price(0)).unwrap();
        assert_eq!((f.base, f.cost_basis, f.realised_pnl), (2, 6, -4));
        // A short that received 10 for 3 lots: share ceil(−10/3) = −3 → +3 realised (fair 3.33).
        let s = apply_fill(BaseLots(-3), -10, BaseLots(1), Price(0)).unwrap();
        assert_eq!((s.base, s.cost_basis, s.realised_pnl), (-2, -7, 3));
        // Realised + remaining unrealised equals the unrealised PnL before the fill.
        for (b, cb, d, p) in [(3i64, 10i64, -1i64, 7u64), (-3, -10, 1, 5), (7, 1_000, -5, 123_456)] {
            let before = unrealized_pnl(BaseLots(b), cb, Price(p)).unwrap();
            let f = apply_fill(BaseLots(b), cb, BaseLots(d), Price(p)).unwrap();
            let after = i128::from(f.realised_pnl) + unrealized_pnl(BaseLots(f.base), f.cost_basis, Price(p)).unwrap();
            assert!(after <= before && before - after <= 1, "{before} vs {after}");
        }
    }

    #[test]
    fn spread_is_paid_by_the_taker() {
        assert_eq!(fill_price(Price(100 * USD), Price(0), 1_000, true), Ok(Price(100_100_000_000)));
        assert_eq!(fill_price(Price(100 * USD), Price(0), 1_000, false), Ok(Price(99_900_000_000)));
        // 3 × 1.1 = 3.3 is bought at 4 (up), 3 × 0.9 = 2.7 sold at 2 (down).
        assert_eq!(fill_price(Price(3), Price(0), 100_000, true), Ok(Price(4)));
        assert_eq!(fill_price(Price(3), Price(0), 100_000, false), Ok(Price(2)));
    }

    #[test]
    fn the_confidence_moves_the_fill_against_the_trader() {
        // $50,000 ± $50 with a 0.01% half-spread: buy (50,050 × 1.0001) = $50,055.005,
        // sell (49,950 × 0.9999) = $49,945.005.
        assert_eq!(fill_price(Price(50_000 * USD), Price(50 * USD), 100, true), Ok(Price(50_055_005_000_000)));
        assert_eq!(fill_price(Price(50_000 * USD), Price(50 * USD), 100, false), Ok(Price(49_945_005_000_000)));
        // A confidence wider than the price sells at 0, never below.
        assert_eq!(fill_price(Price(5), Price(9), 100, false), Ok(Price(0)));
    }
}
