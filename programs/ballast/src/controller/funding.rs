use anchor_lang::prelude::*;
use ballast_math::funding::{self, pending_funding, FundingState};
use ballast_math::OracleValidity;

use super::pool::{pay_position, Pool};
use crate::events::FundingUpdated;
use crate::health::PositionState;
use crate::oracle::OraclePrice;
use crate::safe::{MathExt, SafeMath, SafeNeg};
use crate::state::Market;

fn state(market: &Market) -> FundingState {
    FundingState {
        long_index: market.cumulative_funding_long.get(),
        short_index: market.cumulative_funding_short.get(),
        open_interest_long: market.open_interest_long,
        open_interest_short: market.open_interest_short,
        k_ppm: market.funding_k_ppm,
        max_rate_ppm: market.funding_max_rate_ppm,
        oi_floor: market.funding_oi_floor,
    }
}

/// The market's indices accrued to `now` at `price`, without writing them: what a
/// position owes to now whichever market an instruction touches (the audit's M-5).
/// A halted (paused) market accrues nothing.
pub fn indices_at(market: &Market, price: u64, now: i64, halted: bool) -> Result<(i128, i128)> {
    let dt = now.saturating_sub(market.last_funding_ts);
    if halted || dt <= 0 || price == 0 {
        // Nothing to accrue (paused, accrued this second, or no price).
        return Ok((market.cumulative_funding_long.get(), market.cumulative_funding_short.get()));
    }
    let s = state(market);
    let (long, short, _) = funding::accrue(&s, price, dt).math()?;
    Ok((long, short))
}

/// Accrues the market's funding indices up to `now` (SPEC §7) and remembers a valid
/// price as the market's last valid one. Each second is accrued once: the indices advance
/// by the time since `last_funding_ts`, which then becomes `now`. Without a positive price
/// nothing accrues and the clock does not move, so the interval is accrued later at a real
/// price. While the market is halted (paused) the clock moves and nothing accrues: funding
/// stops with trading.
pub fn accrue(market: &mut Market, oracle: &OraclePrice, now: i64, halted: bool) -> Result<()> {
    if oracle.validity == OracleValidity::Valid && now >= market.last_valid_ts {
        market.last_valid_price = oracle.price;
        market.last_valid_ts = now;
        market.sample_volatility(oracle.price, now)?;
    }
    let dt = now.saturating_sub(market.last_funding_ts);
    if dt <= 0 || oracle.price == 0 {
        return Ok(());
    }
    let from_ts = market.last_funding_ts;
    market.last_funding_ts = now;
    if halted {
        return Ok(());
    }
    let (long, short, rate) = funding::accrue(&state(market), oracle.price, dt).math()?;
    market.cumulative_funding_long.set(long);
    market.cumulative_funding_short.set(short);
    if rate != 0 {
        emit!(FundingUpdated {
            market_index: market.market_index,
            from_ts,
            to_ts: now,
            rate_ppm_per_hour: rate,
            price: oracle.price,
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
    pending_funding(base, side_index(market, base), snapshot).math()
}

/// Settles a position's funding into its domain's collateral against the pool and
/// returns the amount settled (positive: paid by the position). The snapshot moves to
/// the current index, so the same interval can never be settled twice. Funding the pool
/// cannot pay becomes the position's unsettled profit (`Pool::pay_or_owe`).
pub fn settle(market: &Market, pos: &mut PositionState, collateral: &mut i64, pool: &mut Pool) -> Result<i64> {
    let owed = pending(market, pos.base, pos.snapshot)?;
    pos.snapshot = side_index(market, pos.base);
    if owed > 0 {
        *collateral = collateral.safe_sub(owed)?;
        pool.receive(owed.unsigned_abs())?;
    } else if owed < 0 {
        pay_position(pool, owed.safe_neg()?, collateral, &mut pos.unsettled)?;
    }
    Ok(owed)
}
