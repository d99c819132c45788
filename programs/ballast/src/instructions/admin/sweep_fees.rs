use anchor_lang::prelude::*;
use anchor_spl::token::{Token, TokenAccount};

use crate::error::ErrorCode;
use crate::events::FeesSwept;
use crate::state::Exchange;
use crate::token::{pay_out, require_valid_amount};

#[derive(Accounts)]
pub struct SweepFees<'info> {
    /// The exchange's admin.
    pub admin: Signer<'info>,
    /// The exchange singleton (PDA `["exchange"]`).
    #[account(mut, has_one = admin @ ErrorCode::NotAdmin)]
    pub exchange: AccountLoader<'info, Exchange>,
    /// The exchange's collateral vault (PDA `["vault", exchange]`).
    #[account(mut, address = exchange.load()?.vault @ ErrorCode::WrongVault)]
    pub vault: Account<'info, TokenAccount>,
    /// The treasury: any token account of the collateral mint (a multisig's, typically).
    #[account(mut, constraint = treasury.mint == exchange.load()?.collateral_mint @ ErrorCode::WrongMint)]
    pub treasury: Account<'info, TokenAccount>,
    /// The classic SPL Token program.
    pub token_program: Program<'info, Token>,
}

/// Admin moves `amount` of the protocol's share of trading fees to a treasury. Fees are
/// no one's margin: sweeping them changes no account's equity, the pool or the insurance.
pub fn sweep_fees(ctx: Context<SweepFees>, amount: u64) -> Result<()> {
    require_valid_amount(amount)?;
    let a = &mut *ctx.accounts;
    let (before, after) = {
        let mut ex = a.exchange.load_mut()?;
        let before = ex.fee_balance;
        ex.fee_balance = before.checked_sub(amount).ok_or(ErrorCode::InsufficientFeeBalance)?;
        (before, ex.fee_balance)
    };
    pay_out(&a.token_program, &mut a.vault, &a.treasury, &a.exchange, amount)?;
    emit!(FeesSwept { amount, treasury: a.treasury.key(), fees_before: before, fees_after: after });
    Ok(())
}
