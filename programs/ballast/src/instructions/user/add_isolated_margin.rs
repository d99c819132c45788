use anchor_lang::prelude::*;
use ballast_math::OracleAction;

use crate::controller::{funding, isolated};
use crate::error::ErrorCode;
use crate::events::MarginTransferred;
use crate::health::{cross_domain, isolated_health, snapshot, HealthQuery};
use crate::oracle::read_oracle;
use crate::token::require_valid_amount;

use super::set_leverage::AdjustPosition;

/// Moves `amount` of cross collateral into an open isolated or strict-isolated position.
/// Cross must stay at or above its initial margin. Risk-reducing for the position, so it
/// needs only a positive price and works in every status but a paused exchange.
pub fn add_isolated_margin<'info>(ctx: Context<'info, AdjustPosition<'info>>, amount: u64) -> Result<()> {
    require_valid_amount(amount)?;
    let clock = Clock::get()?;
    let now = clock.unix_timestamp;
    let a = &ctx.accounts;
    let account_key = a.margin_account.key();
    let ex = a.exchange.load()?;
    let mut market = a.market.load_mut()?;
    let mut acct = a.margin_account.load_mut()?;
    require!(acct.is_trader(&a.authority.key()), ErrorCode::NotOwnerOrDelegate);
    let decimals = ex.collateral_decimals;
    let oracle = read_oracle(&market, &a.oracle, decimals, now)?;
    oracle.require(OracleAction::RiskReducing)?;
    funding::accrue(&mut market, oracle.price, now)?;
    let iso_ai = a.isolated_position.to_account_info();
    isolated::verify_address(&iso_ai, &account_key, market.market_index, acct.isolated_count)?;
    require!(isolated::exists(&iso_ai), ErrorCode::NoOpenPosition);
    let mut p = isolated::load_mut(&iso_ai, &account_key, market.market_index)?;
    require!(p.base != 0, ErrorCode::NoOpenPosition);
    let amt = i64::try_from(amount).map_err(|_| ErrorCode::AmountTooLarge)?;
    require!(amt <= acct.cross_collateral, ErrorCode::InsufficientCrossMargin);
    let before = isolated_health(&p, &market, &oracle)?;
    acct.add_collateral(-amt)?;
    p.collateral = p.collateral.checked_add(amt).ok_or(ErrorCode::MathOverflow)?;
    let cross = cross_domain(&acct, ctx.remaining_accounts, &HealthQuery { decimals, now, action: OracleAction::RiskReducing }, None)?;
    require!(cross.meets_initial(), ErrorCode::InsufficientCrossMargin);
    let after = isolated_health(&p, &market, &oracle)?;
    p.last_active_slot = clock.slot;
    acct.last_active_slot = clock.slot;
    p.invariant()?;
    acct.invariant()?;
    emit!(MarginTransferred {
        margin_account: account_key,
        market_index: market.market_index,
        amount: amt,
        pnl_realised: 0,
        cross_collateral_after: acct.cross_collateral,
        isolated_before: snapshot(&before),
        isolated_after: snapshot(&after),
    });
    Ok(())
}
