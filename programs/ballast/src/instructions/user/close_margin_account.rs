use anchor_lang::prelude::*;

use crate::error::ErrorCode;
use crate::events::MarginAccountClosed;
use crate::state::MarginAccount;

#[derive(Accounts)]
pub struct CloseMarginAccount<'info> {
    /// The owner; receives the rent.
    #[account(mut)]
    pub owner: Signer<'info>,
    /// The trader's margin account (PDA `["margin", owner, sub_id u16 LE]`).
    #[account(mut, close = owner, has_one = owner @ ErrorCode::NotOwner)]
    pub margin_account: AccountLoader<'info, MarginAccount>,
}

/// Closes an empty account (no collateral, no open cross position, no isolated
/// position) and returns its rent to the owner.
pub fn close_margin_account(ctx: Context<CloseMarginAccount>) -> Result<()> {
    let a = ctx.accounts.margin_account.load()?;
    require!(a.is_empty(), ErrorCode::AccountNotEmpty);
    emit!(MarginAccountClosed { margin_account: ctx.accounts.margin_account.key(), owner: a.owner, sub_id: a.sub_id });
    Ok(())
}
