//! State transitions on plain values: funding accrual and settlement, fills against the
//! pool, margin moves between domains. Handlers load accounts, call these, and write back.

pub mod fill;
pub mod funding;
pub mod isolated;
pub mod liquidation;
pub mod pool;
pub mod transfer;

use anchor_lang::prelude::*;

use crate::error::ErrorCode;
use crate::state::Market;

/// Replaces a position's contribution to the market's open interest per side.
pub fn update_open_interest(market: &mut Market, base_before: i64, base_after: i64) -> Result<()> {
    let long = |b: i64| b.max(0).unsigned_abs();
    let short = |b: i64| b.min(0).unsigned_abs();
    let oi = |total: u64, old: u64, new: u64| total.checked_sub(old).and_then(|t| t.checked_add(new)).ok_or(ErrorCode::InvariantViolated);
    market.open_interest_long = oi(market.open_interest_long, long(base_before), long(base_after))?;
    market.open_interest_short = oi(market.open_interest_short, short(base_before), short(base_after))?;
    Ok(())
}
