use anchor_lang::prelude::*;

use crate::constants::MARGIN_SEED;
use crate::events::MarginAccountOpened;
use crate::state::{MarginAccount, ACCOUNT_VERSION};

#[derive(Accounts)]
#[instruction(sub_id: u16)]
pub struct CreateMarginAccount<'info> {
    /// Becomes the account's owner; pays its rent.
    #[account(mut)]
    pub owner: Signer<'info>,
    /// The new account, at PDA `["margin", owner, sub_id u16 LE]`.
    #[account(init, payer = owner, space = MarginAccount::SPACE, seeds = [MARGIN_SEED, owner.key().as_ref(), &sub_id.to_le_bytes()], bump)]
    pub margin_account: AccountLoader<'info, MarginAccount>,
    /// The system program.
    pub system_program: Program<'info, System>,
}

/// Opens sub-account `sub_id` of the signer. The owner pays its rent and gets it back on close.
pub fn create_margin_account(ctx: Context<CreateMarginAccount>, sub_id: u16) -> Result<()> {
    let mut a = ctx.accounts.margin_account.load_init()?;
    a.version = ACCOUNT_VERSION;
    a.bump = ctx.bumps.margin_account;
    a.sub_id = sub_id;
    a.owner = ctx.accounts.owner.key();
    a.last_active_slot = Clock::get()?.slot;
    a.invariant()?;
    emit!(MarginAccountOpened { margin_account: ctx.accounts.margin_account.key(), owner: a.owner, sub_id });
    Ok(())
}
