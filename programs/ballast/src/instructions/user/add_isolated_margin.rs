use anchor_lang::prelude::*;

use crate::controller::funding;
use crate::controller::status::{require_allowed, Gate};
use crate::error::ErrorCode;
use crate::events::MarginTransferred;
use crate::health::{cross_domain, isolated_health, snapshot, HealthQuery, MarketView, Policy};
use crate::oracle::read_oracle;
use crate::safe::SafeMath;
use crate::state::MarketStatus;
use crate::token::require_valid_amount;

use super::set_leverage::{AdjustPosition, Adjusting};

/// Moves `amount` of cross collateral into an open isolated or strict-isolated position.
/// Protective for the position, so it is allowed in every status and on any reading of
/// its own oracle; for cross it is a transfer out, so every cross price must be valid, no
/// cross market paused, and cross must keep what a transfer out must leave (the audit's M-2).
pub fn add_isolated_margin<'info>(ctx: Context<'info, AdjustPosition<'info>>, amount: u64) -> Result<()> {
    let Adjusting { exchange: ex, mut market, margin_account: mut acct, margin_account_key, isolated } = ctx.accounts.load()?;
    require_valid_amount(amount)?;
    let clock = Clock::get()?;
    let now = clock.unix_timestamp;
    let status = market.effective_status(ex.status());
    require_allowed(status, Gate::Protective)?;
    let decimals = ex.collateral_decimals;
    let oracle = read_oracle(&market, &ctx.accounts.oracle, decimals, now)?;
    funding::accrue(&mut market, &oracle, now, status == MarketStatus::Paused)?;
    let mut p = isolated.ok_or(ErrorCode::NoOpenPosition)?;
    require!(p.base != 0, ErrorCode::NoOpenPosition);
    let amt = i64::try_from(amount).map_err(|_| ErrorCode::AmountTooLarge)?;
    require!(amt <= acct.cross_collateral, ErrorCode::InsufficientCrossMargin);
    let lenient = HealthQuery::new(&ex, &clock, Policy::Lenient);
    let view = MarketView::of(&market, &oracle, &lenient)?;
    let before = isolated_health(&p, &view)?;
    acct.add_collateral(-amt)?;
    p.collateral = p.collateral.safe_add(amt)?;
    let strict = HealthQuery { policy: Policy::Strict, ..lenient };
    let cross = cross_domain(&acct, ctx.remaining_accounts, &strict, Some(&view.with_policy(Policy::Strict)))?;
    require!(cross.meets_transfer_lock(ex.liquidation_buffer_ppm), ErrorCode::InsufficientCrossMargin);
    let after = isolated_health(&p, &view)?;
    p.last_active_slot = clock.slot;
    acct.last_active_slot = clock.slot;
    p.invariant()?;
    acct.invariant()?;
    market.invariant()?;
    MarginTransferred {
        margin_account: *margin_account_key,
        market_index: market.market_index,
        amount: amt,
        pnl_realised: 0,
        cross_collateral_after: acct.cross_collateral,
        isolated_before: snapshot(&before),
        isolated_after: snapshot(&after),
    }
    .log();
    Ok(())
}
