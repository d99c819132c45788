use anchor_lang::prelude::*;

use crate::error::ErrorCode;
use crate::events::MarginGuardSet;
use crate::state::{IsolatedPosition, MarginAccount, MarginGuard};

#[derive(Accounts)]
pub struct SetMarginGuard<'info> {
    /// The margin account's owner.
    pub owner: Signer<'info>,
    /// The trader's margin account (PDA `["margin", owner, sub_id u16 LE]`).
    #[account(has_one = owner @ ErrorCode::NotOwner)]
    pub margin_account: AccountLoader<'info, MarginAccount>,
    /// The isolated position (PDA `["isolated", margin_account, market_index u16 LE]`).
    #[account(
        mut,
        // Only this program writes an IsolatedPosition, and only at its PDA: the recorded
        // margin account identifies it without a PDA derivation.
        constraint = isolated_position.load()?.margin_account == margin_account.key() @ ErrorCode::WrongIsolatedPosition,
    )]
    pub isolated_position: AccountLoader<'info, IsolatedPosition>,
}

/// Opts an isolated or strict-isolated position into automatic top-ups from cross: when
/// its equity / maintenance ratio falls below `trigger_ratio_ppm` (1e6 = at maintenance),
/// any keeper may move `top_up_amount` from cross, up to `max_total` over the guard's life.
/// A trigger of 0 clears the guard. Setting a guard resets its used total. Owner only:
/// it commits cross collateral.
pub fn set_margin_guard(ctx: Context<SetMarginGuard>, trigger_ratio_ppm: u32, top_up_amount: u64, max_total: u64) -> Result<()> {
    let mut p = ctx.accounts.isolated_position.load_mut()?;
    if trigger_ratio_ppm == 0 {
        p.guard = MarginGuard::default();
    } else {
        require!(trigger_ratio_ppm > 1_000_000 && top_up_amount > 0 && max_total >= top_up_amount, ErrorCode::InvalidGuardParams);
        require!(i64::try_from(max_total).is_ok(), ErrorCode::InvalidGuardParams);
        p.guard = MarginGuard { trigger_ratio_ppm, enabled: 1, _padding: [0; 3], top_up_amount, max_total, used_total: 0 };
    }
    p.invariant()?;
    emit!(MarginGuardSet { isolated_position: ctx.accounts.isolated_position.key(), trigger_ratio_ppm, top_up_amount, max_total });
    Ok(())
}
