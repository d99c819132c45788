use anchor_lang::prelude::*;

use crate::error::ErrorCode;
use crate::events::TriggerOrderCancelled;
use crate::state::{MarginAccount, TriggerBook, TriggerOrder};

#[derive(Accounts)]
pub struct CancelTriggerOrder<'info> {
    /// Owner or delegate.
    pub authority: Signer<'info>,
    /// The trader's margin account (PDA `["margin", owner, sub_id u16 LE]`).
    #[account(constraint = margin_account.load()?.is_trader(&authority.key()) @ ErrorCode::NotOwnerOrDelegate)]
    pub margin_account: AccountLoader<'info, MarginAccount>,
    /// The account's trigger book (PDA `["triggers", margin_account]`).
    #[account(mut, has_one = margin_account @ ErrorCode::WrongTriggerBook)]
    pub trigger_book: AccountLoader<'info, TriggerBook>,
}

/// Removes trigger order `id`.
pub fn cancel_trigger_order(ctx: Context<CancelTriggerOrder>, id: u32) -> Result<()> {
    let mut book = ctx.accounts.trigger_book.load_mut()?;
    let k = book.find(id)?;
    let market_index = book.orders[k].market_index;
    book.orders[k] = TriggerOrder::default();
    book.invariant()?;
    emit!(TriggerOrderCancelled { margin_account: ctx.accounts.margin_account.key(), id, market_index, reason: 0 });
    Ok(())
}
