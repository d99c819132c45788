//! Settling unsettled profit into collateral (`settle_pnl`; see `ballast_math::settlement`).

use anchor_lang::prelude::*;
use ballast_math::settlement::net_against_debt;

use crate::safe::{Cast, MathExt, SafeMath};
use crate::state::Market;

/// What one settlement moved.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Settled {
    /// Offset against a negative balance (no budget needed: nothing becomes withdrawable).
    pub netted: u64,
    /// Moved within the market's settle budget.
    pub settled: u64,
}

/// Moves a position's unsettled profit into its domain's collateral: first what a
/// negative balance needs, then as much as the market's budget has left this period —
/// nothing while the pool is in deficit (unsettled profit may be what the pool could not
/// pay: it becomes withdrawable only once the pool has paid what it owes).
pub fn settle(market: &mut Market, now: i64, pool_in_deficit: bool, collateral: &mut i64, unsettled: &mut i64) -> Result<Settled> {
    let before = *unsettled;
    let (c, u) = net_against_debt(*collateral, *unsettled).math()?;
    let netted = before.safe_sub(u)?;
    let wanted = if pool_in_deficit { 0 } else { u64::try_from(u.max(0)).unwrap_or(0) };
    let mut budget = market.settle_budget();
    let taken = budget.take(now, wanted).math()?;
    market.store_settle_budget(&budget);
    let taken_i = taken.cast::<i64>()?;
    *collateral = c.safe_add(taken_i)?;
    *unsettled = u.safe_sub(taken_i)?;
    Ok(Settled { netted: netted.unsigned_abs(), settled: taken })
}
