use anchor_lang::prelude::*;

use crate::error::ErrorCode;
use crate::events::DelegateSet;
use crate::state::MarginAccount;

#[derive(Accounts)]
pub struct SetDelegate<'info> {
    /// The margin account's owner.
    pub owner: Signer<'info>,
    /// The trader's margin account (PDA `["margin", owner, sub_id u16 LE]`).
    #[account(mut, has_one = owner @ ErrorCode::NotOwner)]
    pub margin_account: AccountLoader<'info, MarginAccount>,
}

/// Sets (or, with `Pubkey::default()`, clears) the delegate, who may trade and move
/// margin between the account's own domains but never withdraw.
pub fn set_delegate(ctx: Context<SetDelegate>, delegate: Pubkey) -> Result<()> {
    let mut a = ctx.accounts.margin_account.load_mut()?;
    require!(delegate != a.owner, ErrorCode::DelegateIsOwner);
    let before = a.delegate;
    a.delegate = delegate;
    a.last_active_slot = Clock::get()?.slot;
    a.invariant()?;
    emit!(DelegateSet { margin_account: ctx.accounts.margin_account.key(), before, after: delegate });
    Ok(())
}
