//! Named scales. Every on-chain number is an integer in one of these units; field doc
//! comments name the unit. See docs/MATH.md for the reasoning behind each scale.

/// Base size: `i64`, 1e9 = one whole unit of the asset (positive long, negative short).
pub const BASE_PRECISION: i128 = 1_000_000_000; // 1e9

/// Price: `u64` quote-native units per one whole base unit, times 1e3.
/// With a 6-decimal collateral, 1e9 = $1.00; $0.00001234 = 12_340 (4 significant
/// digits kept); $1,000,000 = 1e15 (u64 holds up to 1.8e19).
pub const PRICE_SCALE: i128 = 1_000; // 1e3
/// Decimal exponent of [`PRICE_SCALE`].
pub const PRICE_SCALE_EXPONENT: i32 = 3;

/// `notional (quote native) = |base| × price / NOTIONAL_DIVISOR`.
pub const NOTIONAL_DIVISOR: i128 = 1_000_000_000_000; // BASE_PRECISION × PRICE_SCALE = 1e12
/// [`NOTIONAL_DIVISOR`] as a word.
pub const NOTIONAL_DIVISOR_WORD: u64 = 1_000_000_000_000;

/// Ratios (margin fractions, fees, weights, floors): parts per million, 1e6 = 100%.
pub const PPM: i128 = 1_000_000;
/// [`PPM`] as a word, for word-sized arithmetic.
pub const PPM_WORD: u64 = 1_000_000; // 1e6
/// The largest word whose product with any ppm value up to 1e6 still fits a word:
/// ⌊(2^64 − 1) / 1e6⌋. Below it, word paths multiply natively.
pub const PPM_PRODUCT_BOUND: u64 = 18_446_744_073_709;

/// Effective leverage reported by views: notional / equity, scaled by 1e6 (10x = 10_000_000).
pub const EFFECTIVE_LEVERAGE_SCALE: i128 = 1_000_000; // 1e6

/// Funding index: cumulative quote-native units paid per one whole base unit, times 1e6.
/// Stored as i128 (little-endian bytes in accounts).
pub const FUNDING_INDEX_SCALE: i128 = 1_000_000; // 1e6

/// Upper bound of any leverage setting or tier maximum.
pub const MAX_LEVERAGE: u16 = 1_000;

/// Most leverage tiers a market can define.
pub const MAX_TIERS: usize = 4;

/// Hyperliquid's transfer floor: 10% of notional stays in a domain whatever the leverage.
pub const DEFAULT_TRANSFER_FLOOR_PPM: u32 = 100_000;

#[cfg(test)]
mod tests {
    #[test]
    fn the_ppm_product_bound_is_the_largest_safe_factor() {
        assert_eq!(super::PPM_PRODUCT_BOUND, u64::MAX / super::PPM_WORD);
        assert!(super::PPM_PRODUCT_BOUND.checked_mul(super::PPM_WORD).is_some());
        assert!((super::PPM_PRODUCT_BOUND + 1).checked_mul(super::PPM_WORD).is_none());
    }
}
