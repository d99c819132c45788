use anchor_lang::prelude::*;
use anchor_spl::token::{Token, TokenAccount};
use ballast_math::liquidation::guard_tip;

use crate::controller::funding;
use crate::error::ErrorCode;
use crate::events::MarginGuardExecuted;
use crate::health::{cross_domain, isolated_health, HealthQuery, MarketView, Policy};
use crate::oracle::read_oracle;
use crate::safe::{Cast, MathExt, SafeMath};
use crate::state::{Exchange, IsolatedPosition, MarginAccount, Market, MarketStatus};
use crate::token::pay_out;

#[derive(Accounts)]
pub struct ExecuteMarginGuard<'info> {
    /// Anyone; receives the exchange's fixed tip in `keeper_token`.
    pub keeper: Signer<'info>,
    /// The exchange singleton (PDA `["exchange"]`).
    #[account(mut)]
    pub exchange: AccountLoader<'info, Exchange>,
    /// The trader's margin account (PDA `["margin", owner, sub_id u16 LE]`).
    #[account(mut)]
    pub margin_account: AccountLoader<'info, MarginAccount>,
    /// The isolated position's market (PDA `["market", market_index u16 LE]`).
    #[account(mut)]
    pub market: AccountLoader<'info, Market>,
    /// The market's oracle (Pyth `PriceUpdateV2`, or a push oracle where allowed).
    /// CHECK: the market's oracle, checked by `read_oracle`.
    pub oracle: UncheckedAccount<'info>,
    /// The isolated position (PDA `["isolated", margin_account, market_index u16 LE]`).
    #[account(
        mut,
        // Identified by its recorded margin account and market (only this program writes
        // an IsolatedPosition, and only at its PDA).
        constraint = isolated_position.load()?.belongs_to(&margin_account.key(), market.load()?.market_index) @ ErrorCode::WrongIsolatedPosition,
    )]
    pub isolated_position: AccountLoader<'info, IsolatedPosition>,
    /// The exchange's collateral vault (PDA `["vault", exchange]`).
    #[account(mut, address = exchange.load()?.vault @ ErrorCode::WrongVault)]
    pub vault: Account<'info, TokenAccount>,
    /// The keeper's collateral token account.
    #[account(mut, constraint = keeper_token.mint == exchange.load()?.collateral_mint @ ErrorCode::WrongMint)]
    pub keeper_token: Account<'info, TokenAccount>,
    /// The classic SPL Token program.
    pub token_program: Program<'info, Token>,
    // remaining: [market, oracle] per cross slot in health other than `market`, in slot order.
}

/// Moves the guard's top-up from cross into the isolated position when its equity /
/// maintenance ratio is below the trigger, and pays the keeper a tip from cross: the
/// exchange's fixed tip, at most 1% of the top-up (so small top-ups cannot farm tips).
/// Protective, so allowed in every status; for cross it is a transfer out: every cross
/// price must be valid, no cross market paused, and cross must keep what a transfer out
/// must leave after paying both.
pub fn execute_margin_guard<'info>(ctx: Context<'info, ExecuteMarginGuard<'info>>) -> Result<()> {
    let clock = Clock::get()?;
    let now = clock.unix_timestamp;
    let a = &mut *ctx.accounts;
    let position_key = a.isolated_position.key();
    let mut ex = a.exchange.load_mut()?;
    let mut market = a.market.load_mut()?;
    let mut acct = a.margin_account.load_mut()?;
    let mut p = a.isolated_position.load_mut()?;
    require!(p.guard.enabled == 1, ErrorCode::GuardNotSet);
    require!(p.base != 0, ErrorCode::NoOpenPosition);
    let decimals = ex.collateral_decimals;
    let status = market.effective_status(ex.status());
    let oracle = read_oracle(&market, &a.oracle, decimals, now)?;
    oracle.require_valid()?;
    funding::accrue(&mut market, &oracle, now, status == MarketStatus::Paused)?;
    let lenient = HealthQuery::new(&ex, &clock, Policy::Lenient);
    let view = MarketView::of(&market, &oracle, &lenient)?;
    let before = isolated_health(&p, &view)?;
    let ratio_before = before.maintenance_ratio_ppm().math()?.unwrap_or(i64::MAX);
    require!(ratio_before < i64::from(p.guard.trigger_ratio_ppm), ErrorCode::GuardNotTriggered);
    let top_up = p.guard.top_up_amount;
    let used = p.guard.used_total.safe_add(top_up)?;
    require!(used <= p.guard.max_total, ErrorCode::GuardCapReached);
    let tip = guard_tip(ex.margin_guard_tip, top_up).math()?;
    let top_up_i = top_up.cast::<i64>()?;
    let tip_i = tip.cast::<i64>()?;
    require!(top_up_i.checked_add(tip_i).is_some_and(|c| c <= acct.cross_collateral), ErrorCode::InsufficientCrossMargin);
    acct.add_collateral(-(top_up_i + tip_i))?;
    p.collateral = p.collateral.safe_add(top_up_i)?;
    p.guard.used_total = used;
    let strict = HealthQuery { policy: Policy::Strict, ..lenient };
    let cross = cross_domain(&acct, ctx.remaining_accounts, &strict, Some(&view.with_policy(Policy::Strict)))?;
    require!(cross.meets_transfer_lock(ex.liquidation_buffer_ppm), ErrorCode::InsufficientCrossMargin);
    let after = isolated_health(&p, &view)?;
    let ratio_after = after.maintenance_ratio_ppm().math()?.unwrap_or(i64::MAX);
    ex.add_claims(-tip_i)?;
    p.last_active_slot = clock.slot;
    acct.last_active_slot = clock.slot;
    p.invariant()?;
    acct.invariant()?;
    market.invariant()?;
    let cross_after = acct.cross_collateral;
    let used_total = p.guard.used_total;
    drop(ex);
    pay_out(&a.token_program, &mut a.vault, &a.keeper_token, &a.exchange, tip)?;
    emit!(MarginGuardExecuted {
        keeper: a.keeper.key(),
        isolated_position: position_key,
        ratio_before_ppm: ratio_before,
        ratio_after_ppm: ratio_after,
        top_up,
        tip,
        used_total,
        cross_collateral_after: cross_after,
    });
    Ok(())
}
