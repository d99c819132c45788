//! Oracle readings: conversion of (mantissa, exponent) into the program's price scale,
//! classification of a reading once, and the per-action policy that uses the class.

use crate::checked::{self, Rounding};
use crate::constants::{PPM_PRODUCT_BOUND, PPM_WORD, PRICE_SCALE_EXPONENT};
use crate::error::{MathError, MathResult};
use crate::units::Price;

/// Converts an oracle number `mantissa × 10^exponent` (in whole quote units per whole
/// base unit, as Pyth publishes) into the program's price scale, for a collateral mint
/// with `quote_decimals` decimals. The division, when the exponent is very negative,
/// rounds as the caller says (prices for value round down, confidences round up).
#[allow(clippy::integer_division, clippy::arithmetic_side_effects, clippy::cast_possible_truncation)]
pub fn to_price(mantissa: u64, exponent: i32, quote_decimals: u8, rounding: Rounding) -> MathResult<u64> {
    const OP: &str = "oracle price conversion";
    let shift =
        exponent.checked_add(i32::from(quote_decimals)).and_then(|s| s.checked_add(PRICE_SCALE_EXPONENT)).ok_or(MathError::invalid(OP))?;
    // Word fast path: 10^|shift| fits a word for |shift| ≤ 19.
    if let Some(&p) = POW10_WORD.get(shift.unsigned_abs() as usize) {
        let (q, r) = if shift >= 0 { (checked::mul_wide(mantissa, p), 0) } else { (u128::from(mantissa / p), mantissa % p) };
        let q = if rounding == Rounding::Ceil && r != 0 { q.checked_add(1).ok_or(MathError::overflow(OP))? } else { q };
        return u64::try_from(q).map_err(|_| MathError::overflow(OP));
    }
    let m = i128::from(mantissa);
    let scaled = if shift >= 0 {
        checked::mul(m, checked::pow10(shift.unsigned_abs(), OP)?, OP)?
    } else {
        let d = checked::pow10(shift.unsigned_abs(), OP)?;
        checked::div(m, d, rounding, OP)?
    };
    checked::to_u64(scaled, OP)
}

/// `10^k` for `k ≤ 19`, the powers of ten that fit a word.
const POW10_WORD: [u64; 20] = {
    let mut t = [1u64; 20];
    let mut i = 1;
    while i < 20 {
        t[i] = t[i - 1] * 10;
        i += 1;
    }
    t
};

/// The class of one oracle reading, decided once per instruction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OracleValidity {
    /// Positive, fresh and confident.
    Valid,
    /// Older than the market's maximum age.
    Stale,
    /// Confidence interval wider than the market's maximum ratio.
    TooUncertain,
    /// Zero or negative price.
    NonPositive,
}

/// What the price is being used for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OracleAction {
    /// Closing or shrinking risk (reduce, close, lower leverage with funds): any positive price.
    RiskReducing,
    /// Opening, increasing, withdrawing, removing margin: needs a valid price, valued at the
    /// conservative side.
    RiskIncreasing,
    /// Liquidation and margin guards: needs a valid price, valued at the plain price.
    Liquidation,
}

impl OracleValidity {
    pub fn permits(self, action: OracleAction) -> bool {
        match action {
            OracleAction::RiskReducing => self != OracleValidity::NonPositive,
            OracleAction::RiskIncreasing | OracleAction::Liquidation => self == OracleValidity::Valid,
        }
    }
}

/// Classifies a reading. Order of precedence: non-positive, stale, too uncertain.
/// `age` is `now − publish_time` in seconds; a publish time in the future counts as age 0.
pub fn classify(
    price_mantissa: i64,
    conf_mantissa: u64,
    publish_time: i64,
    now: i64,
    max_age_secs: u32,
    max_conf_ppm: u32,
) -> OracleValidity {
    if price_mantissa <= 0 {
        return OracleValidity::NonPositive;
    }
    let age = now.saturating_sub(publish_time).max(0);
    if age > i64::from(max_age_secs) {
        return OracleValidity::Stale;
    }
    // conf / price > max_conf_ppm / 1e6  ⇔  conf × 1e6 > max_conf_ppm × price (no division).
    // Both are exact 128-bit products of two words (`mul_wide`: no libcall, no overflow).
    let price = price_mantissa.unsigned_abs();
    if conf_mantissa <= PPM_PRODUCT_BOUND && price <= PPM_PRODUCT_BOUND && u64::from(max_conf_ppm) <= PPM_WORD {
        // Both products fit a word (bounded just above): native multiplications.
        if conf_mantissa.wrapping_mul(PPM_WORD) > u64::from(max_conf_ppm).wrapping_mul(price) {
            return OracleValidity::TooUncertain;
        }
        return OracleValidity::Valid;
    }
    let lhs = checked::mul_wide(conf_mantissa, PPM_WORD);
    let rhs = checked::mul_wide(u64::from(max_conf_ppm), price);
    if lhs > rhs {
        return OracleValidity::TooUncertain;
    }
    OracleValidity::Valid
}

/// The conservative price for valuing a position: `price − conf` for a long (its asset
/// is worth less), `price + conf` for a short (its liability is worth more). A long's
/// conservative price floors at zero.
#[inline(always)]
pub fn conservative_price(price: Price, conf: Price, is_long: bool) -> MathResult<Price> {
    if is_long {
        Ok(Price(price.get().saturating_sub(conf.get())))
    } else {
        price.get().checked_add(conf.get()).map(Price).ok_or(MathError::overflow("conservative price"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pyth_style_exponents_convert_into_the_price_scale() {
        // $65,432.10 with exponent -8 and a 6-decimal collateral → 65_432.10 × 1e9.
        assert_eq!(to_price(6_543_210_000_000, -8, 6, Rounding::Floor), Ok(65_432_100_000_000));
        // $0.00001234 (exponent -10) keeps its four significant digits.
        assert_eq!(to_price(123_400, -10, 6, Rounding::Floor), Ok(12_340));
        // $1,000,000 fits.
        assert_eq!(to_price(1_000_000, 0, 6, Rounding::Floor), Ok(1_000_000_000_000_000));
        // Sub-resolution digits round as asked.
        // $0.00123456789 is 1234.56789 in the price scale.
        assert_eq!(to_price(123_456_789, -14, 6, Rounding::Floor), Ok(1_234));
        assert_eq!(to_price(123_456_789, -14, 6, Rounding::Ceil), Ok(1_235));
    }

    #[test]
    fn unrepresentable_prices_are_errors_not_panics() {
        assert_eq!(to_price(u64::MAX, 5, 6, Rounding::Floor).unwrap_err().op, "oracle price conversion");
        assert!(to_price(1, i32::MAX, 6, Rounding::Floor).is_err());
        assert_eq!(to_price(1, -60, 6, Rounding::Floor), Err(MathError::overflow("oracle price conversion")));
    }

    #[test]
    fn classification_precedence_and_bounds() {
        assert_eq!(classify(0, 0, 100, 100, 10, 1_000), OracleValidity::NonPositive);
        assert_eq!(classify(-5, 0, 100, 100, 10, 1_000), OracleValidity::NonPositive);
        assert_eq!(classify(100, 0, 90, 100, 10, 1_000), OracleValidity::Valid); // exactly max age
        assert_eq!(classify(100, 0, 89, 100, 10, 1_000), OracleValidity::Stale);
        // conf exactly at 0.1% of price is allowed, one more is not.
        assert_eq!(classify(1_000_000, 1_000, 100, 100, 10, 1_000), OracleValidity::Valid);
        assert_eq!(classify(1_000_000, 1_001, 100, 100, 10, 1_000), OracleValidity::TooUncertain);
        // a publish time ahead of the clock is not stale
        assert_eq!(classify(100, 0, 200, 100, 10, 1_000), OracleValidity::Valid);
    }

    #[test]
    fn policy_per_action() {
        use OracleAction::*;
        use OracleValidity::*;
        for v in [Valid, Stale, TooUncertain] {
            assert!(v.permits(RiskReducing));
        }
        assert!(!NonPositive.permits(RiskReducing));
        for a in [RiskIncreasing, Liquidation] {
            assert!(Valid.permits(a));
            for v in [Stale, TooUncertain, NonPositive] {
                assert!(!v.permits(a));
            }
        }
    }

    #[test]
    fn conservative_side_is_against_the_trader() {
        assert_eq!(conservative_price(Price(100), Price(3), true), Ok(Price(97)));
        assert_eq!(conservative_price(Price(100), Price(3), false), Ok(Price(103)));
        assert_eq!(conservative_price(Price(2), Price(3), true), Ok(Price(0)));
        assert!(conservative_price(Price(u64::MAX), Price(1), false).is_err());
    }
}
