//! Funding settlement. Each market side has a cumulative index: quote native paid per
//! whole base unit of that side's size, × 1e6 (negative when the side receives).

use crate::checked::{self, Rounding};
use crate::constants::{BASE_PRECISION, FUNDING_INDEX_SCALE, PRICE_SCALE};
use crate::error::MathResult;

/// Funding a position owes since its snapshot: `|base| × (index − snapshot) / 1e15`,
/// rounded up (a debt rounds up, a credit rounds toward zero).
#[inline(always)]
pub fn pending_funding(base: i64, index_now: i128, snapshot: i128) -> MathResult<i64> {
    const OP: &str = "pending funding";
    // Nothing accrued since the snapshot (a position touched this second, or a market
    // without skew): no product to take.
    if index_now == snapshot || base == 0 {
        return Ok(0);
    }
    let delta = checked::sub(index_now, snapshot, OP)?;
    let divisor = checked::mul(BASE_PRECISION, FUNDING_INDEX_SCALE, OP)?;
    let owed = checked::mul_div(i128::from(base.unsigned_abs()), delta, divisor, Rounding::Ceil, OP)?;
    checked::to_i64(owed, OP)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_unit_pays_the_index_move() {
        // index moved by $0.50 per unit (500_000 quote native × 1e6).
        assert_eq!(pending_funding(1_000_000_000, 500_000_000_000, 0), Ok(500_000));
        assert_eq!(pending_funding(-2_000_000_000, 500_000_000_000, 0), Ok(1_000_000));
        // receiving rounds toward zero, paying rounds up
        assert_eq!(pending_funding(1, -1, 0), Ok(0));
        assert_eq!(pending_funding(1, 1, 0), Ok(1));
        assert_eq!(pending_funding(0, 1_000, 0), Ok(0));
    }
}

/// Seconds per funding-rate period (rates are quoted per hour).
pub const FUNDING_PERIOD_SECS: i128 = 3_600;

/// Funding rate in ppm per hour, positive when longs pay:
/// `clamp(k × (long − short) / max(long + short, floor), ±max)`, rounded toward zero.
pub fn funding_rate_ppm(long_oi: u64, short_oi: u64, k_ppm: u32, max_rate_ppm: u32, oi_floor: u64) -> MathResult<i64> {
    const OP: &str = "funding rate";
    let skew = checked::sub(i128::from(long_oi), i128::from(short_oi), OP)?;
    let total = checked::add(i128::from(long_oi), i128::from(short_oi), OP)?.max(i128::from(oi_floor)).max(1);
    let raw = checked::mul(i128::from(k_ppm), skew, OP)?;
    // Toward zero: floor for positive, ceil for negative.
    let rate = checked::div(raw, total, if raw >= 0 { Rounding::Floor } else { Rounding::Ceil }, OP)?;
    let max = i128::from(max_rate_ppm);
    checked::to_i64(rate.clamp(checked::neg(max, OP)?, max), OP)
}

/// How much each side's index moves over `dt_secs` at `rate_ppm` per hour and `price`.
/// The paying side's index rises by the amount rounded up, the receiving side's falls by
/// it rounded down; the pool keeps the difference and the skew's imbalance.
/// Returns `(long_index_delta, short_index_delta)`.
pub fn index_deltas(price: u64, rate_ppm: i64, dt_secs: i64) -> MathResult<(i128, i128)> {
    const OP: &str = "funding index";
    if rate_ppm == 0 || dt_secs <= 0 {
        return Ok((0, 0));
    }
    // price (quote × 1e3 per unit) × rate (1e6) × dt / 3600 s → quote × 1e6 per unit:
    // divide by PRICE_SCALE × 3600 (the index scale equals the ppm scale).
    let numerator = checked::mul(checked::mul(i128::from(price), i128::from(rate_ppm.unsigned_abs()), OP)?, i128::from(dt_secs), OP)?;
    let divisor = checked::mul(FUNDING_PERIOD_SECS, PRICE_SCALE, OP)?;
    let pay = checked::div(numerator, divisor, Rounding::Ceil, OP)?;
    let receive = checked::neg(checked::div(numerator, divisor, Rounding::Floor, OP)?, OP)?;
    Ok(if rate_ppm > 0 { (pay, receive) } else { (receive, pay) })
}

/// A market's funding parameters and indices, as accrual needs them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FundingState {
    pub long_index: i128,
    pub short_index: i128,
    pub open_interest_long: u64,
    pub open_interest_short: u64,
    pub k_ppm: u32,
    pub max_rate_ppm: u32,
    pub oi_floor: u64,
}

/// The indices after `dt_secs` more seconds at `price`, and the rate used (ppm per hour).
/// Nothing accrues over a non-positive interval or without a positive price. The program
/// writes the result when an instruction touches the market; health computations use it
/// without writing (funding owed to now, whichever market an instruction touches).
pub fn accrue(state: &FundingState, price: u64, dt_secs: i64) -> MathResult<(i128, i128, i64)> {
    const OP: &str = "funding accrual";
    if dt_secs <= 0 || price == 0 {
        return Ok((state.long_index, state.short_index, 0));
    }
    let rate = funding_rate_ppm(state.open_interest_long, state.open_interest_short, state.k_ppm, state.max_rate_ppm, state.oi_floor)?;
    let (dl, ds) = index_deltas(price, rate, dt_secs)?;
    Ok((checked::add(state.long_index, dl, OP)?, checked::add(state.short_index, ds, OP)?, rate))
}

#[cfg(test)]
mod rate_tests {
    use super::*;

    #[test]
    fn rate_follows_skew_and_is_capped() {
        // All long, k = 100 ppm/h → 100 ppm/h; cap 50 → 50.
        assert_eq!(funding_rate_ppm(10, 0, 100, 1_000, 1), Ok(100));
        assert_eq!(funding_rate_ppm(10, 0, 100, 50, 1), Ok(50));
        // 3:1 → skew 0.5 → 50 ppm/h; shorts heavier → negative.
        assert_eq!(funding_rate_ppm(30, 10, 100, 1_000, 1), Ok(50));
        assert_eq!(funding_rate_ppm(10, 30, 100, 1_000, 1), Ok(-50));
        // The floor damps thin markets: 1 long vs a floor of 100 → 1 ppm/h.
        assert_eq!(funding_rate_ppm(1, 0, 100, 1_000, 100), Ok(1));
        assert_eq!(funding_rate_ppm(0, 0, 100, 1_000, 1), Ok(0));
    }

    #[test]
    fn one_hour_at_one_hundred_ppm_on_a_fifty_thousand_dollar_asset() {
        // $50,000 × 0.01% = $5 per unit per hour = 5_000_000 quote × 1e6 = 5e12 index units.
        let price = 50_000 * 1_000_000_000u64;
        assert_eq!(index_deltas(price, 100, 3_600), Ok((5_000_000_000_000, -5_000_000_000_000)));
        assert_eq!(index_deltas(price, -100, 3_600), Ok((-5_000_000_000_000, 5_000_000_000_000)));
        assert_eq!(index_deltas(price, 100, 0), Ok((0, 0)));
        // Sub-unit amounts: the payer rounds up, the receiver down.
        assert_eq!(index_deltas(1, 1, 1), Ok((1, 0)));
    }

    #[test]
    fn accrual_moves_both_indices_by_the_skew_rate() {
        let price = 50_000 * 1_000_000_000u64;
        let s = FundingState {
            long_index: 7,
            short_index: -7,
            open_interest_long: 1_000_000_000,
            open_interest_short: 0,
            k_ppm: 100,
            max_rate_ppm: 1_000,
            oi_floor: 1_000_000_000,
        };
        // Alone on the long side: 100 ppm/h; 30 days at $50,000 is $3,600 per unit.
        assert_eq!(accrue(&s, price, 30 * 24 * 3_600), Ok((7 + 3_600_000_000_000_000, -7 - 3_600_000_000_000_000, 100)));
        assert_eq!(accrue(&s, price, 0), Ok((7, -7, 0)));
        assert_eq!(accrue(&s, 0, 3_600), Ok((7, -7, 0)));
    }
}
