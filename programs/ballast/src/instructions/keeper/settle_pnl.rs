use anchor_lang::prelude::*;

use crate::controller::settlement;
use crate::controller::status::{require_allowed, Gate};
use crate::error::ErrorCode;
use crate::events::PnlSettled;
use crate::safe::MathExt;
use crate::state::{Exchange, IsolatedPosition, MarginAccount, Market};

#[derive(Accounts)]
pub struct SettlePnl<'info> {
    /// The exchange singleton (PDA `["exchange"]`), for its status.
    pub exchange: AccountLoader<'info, Exchange>,
    /// The market whose unsettled profit settles (PDA `["market", market_index u16 LE]`).
    #[account(mut)]
    pub market: AccountLoader<'info, Market>,
    /// The trader's margin account (PDA `["margin", owner, sub_id u16 LE]`).
    #[account(mut)]
    pub margin_account: AccountLoader<'info, MarginAccount>,
    /// The account's isolated position in `market`, to settle its profit instead of the
    /// cross slot's; absent for the cross slot.
    #[account(
        mut,
        constraint = isolated_position.load()?.belongs_to(&margin_account.key(), market.load()?.market_index) @ ErrorCode::WrongIsolatedPosition,
    )]
    pub isolated_position: Option<AccountLoader<'info, IsolatedPosition>>,
}

/// Permissionless: moves a domain's unsettled profit in one market into its collateral —
/// first what a negative balance needs, then as much as the market's settle budget has
/// left this period (docs/MATH.md, "Unsettled profit"); while the pool is in deficit only
/// the first. Settling moves value only within
/// the account, so anyone may call it (owners, keepers, front-ends).
pub fn settle_pnl(ctx: Context<SettlePnl>) -> Result<()> {
    let now = Clock::get()?.unix_timestamp;
    let ex = ctx.accounts.exchange.load()?;
    let mut market = ctx.accounts.market.load_mut()?;
    require_allowed(market.effective_status(ex.status()), Gate::Transfer)?;
    let index = market.market_index;
    let in_deficit = ex.pool_deficit > 0;
    let (domain_account, done, unsettled_after, collateral_after) = match &ctx.accounts.isolated_position {
        Some(loader) => {
            let mut p = loader.load_mut()?;
            require!(p.unsettled_pnl > 0, ErrorCode::NothingToSettle);
            let (mut c, mut u) = (p.collateral, p.unsettled_pnl);
            let done = settlement::settle(&mut market, now, in_deficit, &mut c, &mut u)?;
            (p.collateral, p.unsettled_pnl) = (c, u);
            p.invariant()?;
            (loader.key(), done, u, c)
        }
        None => {
            let mut acct = ctx.accounts.margin_account.load_mut()?;
            let i = acct.slot_of(index).filter(|&i| acct.cross_positions[i].unsettled_pnl > 0).ok_or(ErrorCode::NothingToSettle)?;
            let (mut c, mut u) = (acct.cross_collateral, acct.cross_positions[i].unsettled_pnl);
            let done = settlement::settle(&mut market, now, in_deficit, &mut c, &mut u)?;
            acct.cross_collateral = c;
            acct.cross_positions[i].unsettled_pnl = u;
            acct.invariant()?;
            (ctx.accounts.margin_account.key(), done, u, c)
        }
    };
    let budget_left = market.settle_budget().available(now).math()?;
    market.invariant()?;
    emit!(PnlSettled {
        domain_account,
        market_index: index,
        netted: done.netted,
        settled: done.settled,
        unsettled_after,
        collateral_after,
        budget_left,
    });
    Ok(())
}
