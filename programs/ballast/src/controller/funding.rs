use anchor_lang::prelude::*;
use ballast_math::funding::{funding_rate_ppm, index_deltas, pending_funding};

use crate::error::ErrorCode;
use crate::events::FundingUpdated;
use crate::state::Market;

/// Accrues the market's funding indices up to `now` at `price` (SPEC §7). Each second is
/// accrued once: the indices advance by the time since `last_funding_ts`, which then
/// becomes `now`. Without a positive price nothing accrues and the clock does not move,
/// so the interval is accrued later at a real price.
pub fn accrue(market: &mut Market, price: u64, now: i64) -> Result<()> {
    let dt = now.saturating_sub(market.last_funding_ts);
    if dt <= 0 || price == 0 {
        return Ok(());
    }
    let rate = funding_rate_ppm(
        market.open_interest_long,
        market.open_interest_short,
        market.funding_k_ppm,
        market.funding_max_rate_ppm,
        market.funding_oi_floor,
    )
    .map_err(ErrorCode::from)?;
    let (dl, ds) = index_deltas(price, rate, dt).map_err(ErrorCode::from)?;
    let long = market.cumulative_funding_long.get().checked_add(dl).ok_or(ErrorCode::MathOverflow)?;
    let short = market.cumulative_funding_short.get().checked_add(ds).ok_or(ErrorCode::MathOverflow)?;
    market.cumulative_funding_long.set(long);
    market.cumulative_funding_short.set(short);
    let from_ts = market.last_funding_ts;
    market.last_funding_ts = now;
    if rate != 0 {
        emit!(FundingUpdated {
            market_index: market.market_index,
            from_ts,
            to_ts: now,
            rate_ppm_per_hour: rate,
            price,
            long_index: long,
            short_index: short,
        });
    }
    Ok(())
}

/// The index a position of `base` is measured against.
pub fn side_index(market: &Market, base: i64) -> i128 {
    if base >= 0 {
        market.cumulative_funding_long.get()
    } else {
        market.cumulative_funding_short.get()
    }
}

/// Funding a position owes at the market's current index (negative: is owed).
pub fn pending(market: &Market, base: i64, snapshot: i128) -> Result<i64> {
    Ok(pending_funding(base, side_index(market, base), snapshot).map_err(ErrorCode::from)?)
}

/// Settles a position's funding into its domain's collateral against the pool and
/// returns the amount settled (positive: paid by the position). The snapshot moves to
/// the current index, so the same interval can never be settled twice.
pub fn settle(market: &Market, base: i64, snapshot: &mut i128, collateral: &mut i64, pool: &mut u64) -> Result<i64> {
    let owed = pending(market, base, *snapshot)?;
    *snapshot = side_index(market, base);
    if owed != 0 {
        *collateral = collateral.checked_sub(owed).ok_or(ErrorCode::MathOverflow)?;
        super::pool::credit(pool, owed)?;
    }
    Ok(owed)
}
