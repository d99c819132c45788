use anchor_lang::prelude::*;

use crate::error::ErrorCode;
use crate::events::TriggerBookClosed;
use crate::state::{MarginAccount, TriggerBook};

#[derive(Accounts)]
pub struct CloseTriggerBook<'info> {
    /// The owner; receives the rent.
    #[account(mut)]
    pub owner: Signer<'info>,
    /// The trader's margin account (PDA `["margin", owner, sub_id u16 LE]`).
    #[account(has_one = owner @ ErrorCode::NotOwner)]
    pub margin_account: AccountLoader<'info, MarginAccount>,
    /// The account's trigger book (PDA `["triggers", margin_account]`).
    #[account(mut, close = owner, has_one = margin_account @ ErrorCode::WrongTriggerBook)]
    pub trigger_book: AccountLoader<'info, TriggerBook>,
}

/// Closes the trigger book, cancelling any orders left in it, and returns its rent to the
/// owner (do it before closing the margin account). The next order creates a new book.
pub fn close_trigger_book(ctx: Context<CloseTriggerBook>) -> Result<()> {
    let book = ctx.accounts.trigger_book.load()?;
    let cancelled = book.orders.iter().filter(|o| !o.is_free()).count() as u8;
    emit!(TriggerBookClosed { margin_account: ctx.accounts.margin_account.key(), cancelled });
    Ok(())
}
