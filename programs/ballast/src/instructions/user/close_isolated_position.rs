use anchor_lang::prelude::*;

use crate::error::ErrorCode;
use crate::events::IsolatedPositionClosed;
use crate::state::{IsolatedPosition, MarginAccount};

#[derive(Accounts)]
pub struct CloseIsolatedPosition<'info> {
    /// The owner; receives the rent.
    #[account(mut)]
    pub owner: Signer<'info>,
    /// The trader's margin account (PDA `["margin", owner, sub_id u16 LE]`).
    #[account(mut, has_one = owner @ ErrorCode::NotOwner)]
    pub margin_account: AccountLoader<'info, MarginAccount>,
    /// The isolated position (PDA `["isolated", margin_account, market_index u16 LE]`).
    #[account(
        mut,
        close = owner,
        // Only this program writes an IsolatedPosition, and only at its PDA: the recorded
        // margin account identifies it without a PDA derivation.
        constraint = isolated_position.load()?.margin_account == margin_account.key() @ ErrorCode::WrongIsolatedPosition,
    )]
    pub isolated_position: AccountLoader<'info, IsolatedPosition>,
}

/// Closes a flat isolated position account and gives its rent to the owner. Collateral it
/// still holds (what a full liquidation left) returns to cross first. Unsettled profit
/// must settle first (`settle_pnl`). Its leverage setting and margin guard go with it.
pub fn close_isolated_position(ctx: Context<CloseIsolatedPosition>) -> Result<()> {
    let p = ctx.accounts.isolated_position.load()?;
    require!(p.base == 0 && p.collateral >= 0 && p.unsettled_pnl == 0, ErrorCode::AccountNotEmpty);
    let mut acct = ctx.accounts.margin_account.load_mut()?;
    acct.add_collateral(p.collateral)?;
    acct.isolated_count = acct.isolated_count.checked_sub(1).ok_or(ErrorCode::MarginAccountStateInvalid)?;
    acct.last_active_slot = Clock::get()?.slot;
    acct.invariant()?;
    emit!(IsolatedPositionClosed { margin_account: ctx.accounts.margin_account.key(), market_index: p.market_index });
    Ok(())
}
