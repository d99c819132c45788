//! What the liquidity pool and the insurance fund must keep while positions are open:
//! the admin may take out only what exceeds it (`defund_pool`, `withdraw_insurance`).
//!
//! ## Pool reserve
//!
//! For each market, at the oracle price:
//!
//! ```text
//! reserve = max(0, longs' open profit) + max(0, shorts' open profit)
//!         + (long notional + short notional) × first-tier maintenance rate
//! ```
//!
//! A side's open profit is its aggregate value minus its aggregate cost basis (every
//! position of a side shares the price, so the side's PnL is one subtraction). The pool
//! owes it if the side closed now. The last term is bad-debt cover: one maintenance margin
//! of everything open, what a gap through the maintenance band can cost the pool.
//! Winners and losers within a side are netted: a loser's loss is backed by its own
//! collateral until it is liquidated.
//!
//! ## Insurance floor
//!
//! ```text
//! floor = (long notional + short notional) × INSURANCE_FLOOR_PPM, summed over markets
//! ```
//!
//! The insurance fund pays bad debt before the pool does; the admin may withdraw only
//! what exceeds this floor, so the fund grows with open interest and cannot be emptied
//! while positions are open. The rate is a protocol constant, not a parameter: an admin
//! who could lower it could take the fund.

use crate::checked::{self, Rounding};
use crate::constants::{NOTIONAL_DIVISOR, PPM};
use crate::error::MathResult;

/// A market's open interest and aggregate cost basis per side.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SideTotals {
    /// Σ long sizes, base lots.
    pub open_interest_long: u64,
    /// Σ |short sizes|, base lots.
    pub open_interest_short: u64,
    /// Σ cost basis of long positions (≥ 0), quote native.
    pub cost_basis_long: i128,
    /// Σ cost basis of short positions (≤ 0), quote native.
    pub cost_basis_short: i128,
}

/// Both sides of a market valued at one price, each rounded to over-state the traders'
/// profit ([`SideTotals::values`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SideValues {
    /// Σ longs' value, rounded up (quote native).
    pub long_value: i128,
    /// Σ shorts' liability, rounded down (quote native, ≥ 0).
    pub short_liability: i128,
    /// Longs' open PnL: value − cost basis.
    pub long_pnl: i128,
    /// Shorts' open PnL: −liability − cost basis (their cost basis is ≤ 0).
    pub short_pnl: i128,
}

impl SideTotals {
    /// Both sides valued at `price`: longs' value rounded up and shorts' liability rounded
    /// down, so the traders' profit is over-stated and what the pool owes never
    /// under-stated. The pool's reserve and its equity (auto-deleveraging) both read this.
    pub fn values(&self, price: u64) -> MathResult<SideValues> {
        const OP: &str = "pool side values";
        let long_value = checked::mul_div(i128::from(self.open_interest_long), i128::from(price), NOTIONAL_DIVISOR, Rounding::Ceil, OP)?;
        let short_liability =
            checked::mul_div(i128::from(self.open_interest_short), i128::from(price), NOTIONAL_DIVISOR, Rounding::Floor, OP)?;
        Ok(SideValues {
            long_value,
            short_liability,
            long_pnl: checked::sub(long_value, self.cost_basis_long, OP)?,
            short_pnl: checked::sub(checked::neg(short_liability, OP)?, self.cost_basis_short, OP)?,
        })
    }
}

/// The reserve one market needs at `price` (see the module docs), rounded up.
pub fn market_reserve(t: &SideTotals, price: u64, maintenance_rate_ppm: i128) -> MathResult<u128> {
    const OP: &str = "pool reserve";
    let v = t.values(price)?;
    let (long_profit, short_profit) = (v.long_pnl.max(0), v.short_pnl.max(0));
    let open_notional = checked::add(v.long_value, v.short_liability, OP)?;
    let cover = checked::mul_div(open_notional, maintenance_rate_ppm, PPM, Rounding::Ceil, OP)?;
    let total = checked::add(checked::add(long_profit, short_profit, OP)?, cover, OP)?;
    u128::try_from(total).map_err(|_| crate::MathError::overflow(OP))
}

/// Share of open notional (both sides) the insurance fund keeps: 1%.
pub const INSURANCE_FLOOR_PPM: i128 = 10_000;

/// The insurance floor one market contributes at `price` (see the module docs): both
/// sides' notional rounded up, times [`INSURANCE_FLOOR_PPM`], rounded up.
pub fn market_insurance_floor(t: &SideTotals, price: u64) -> MathResult<u128> {
    const OP: &str = "insurance floor";
    let long_notional = checked::mul_div(i128::from(t.open_interest_long), i128::from(price), NOTIONAL_DIVISOR, Rounding::Ceil, OP)?;
    let short_notional = checked::mul_div(i128::from(t.open_interest_short), i128::from(price), NOTIONAL_DIVISOR, Rounding::Ceil, OP)?;
    let open_notional = checked::add(long_notional, short_notional, OP)?;
    let floor = checked::mul_div(open_notional, INSURANCE_FLOOR_PPM, PPM, Rounding::Ceil, OP)?;
    u128::try_from(floor).map_err(|_| crate::MathError::overflow(OP))
}

#[cfg(test)]
mod tests {
    use super::*;

    const UNIT: u64 = 1_000_000_000;
    const USD: u64 = 1_000_000_000;
    const Q: i128 = 1_000_000;

    #[test]
    fn open_profit_of_each_side_plus_one_maintenance_margin() {
        // 1 BTC long bought at $50,000, 0.5 BTC short sold at $50,000; price $60,000,
        // 2.5% maintenance: longs +$10,000, shorts −$5,000 (0), cover 2.5% × $90,000.
        let t = SideTotals {
            open_interest_long: UNIT,
            open_interest_short: UNIT / 2,
            cost_basis_long: 50_000 * Q,
            cost_basis_short: -25_000 * Q,
        };
        assert_eq!(market_reserve(&t, 60_000 * USD, 25_000), Ok((10_000 * Q + 2_250 * Q) as u128));
        // At $40,000 the shorts are up $5,000 and the longs down.
        assert_eq!(market_reserve(&t, 40_000 * USD, 25_000), Ok((5_000 * Q + 1_500 * Q) as u128));
        assert_eq!(market_reserve(&SideTotals::default(), 40_000 * USD, 25_000), Ok(0));
    }

    #[test]
    fn the_insurance_floor_is_one_percent_of_both_sides_notional_rounded_up() {
        // 1 BTC long and 0.5 BTC short at $60,000: 1% of $90,000 = $900, whatever the PnL.
        let t = SideTotals {
            open_interest_long: UNIT,
            open_interest_short: UNIT / 2,
            cost_basis_long: 50_000 * Q,
            cost_basis_short: -25_000 * Q,
        };
        assert_eq!(market_insurance_floor(&t, 60_000 * USD), Ok(900 * Q as u128));
        assert_eq!(market_insurance_floor(&SideTotals::default(), 60_000 * USD), Ok(0));
        // One lot (1e-9 BTC) at $1: notional 0.000000001 → 1 quote native after rounding
        // up, and 1% of it still rounds up to 1.
        let dust = SideTotals { open_interest_long: 1, ..SideTotals::default() };
        assert_eq!(market_insurance_floor(&dust, USD), Ok(1));
    }
}
