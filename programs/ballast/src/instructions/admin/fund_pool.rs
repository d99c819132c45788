use anchor_lang::prelude::*;
use anchor_spl::token::{Token, TokenAccount};

use crate::error::ErrorCode;
use crate::events::PoolFunded;
use crate::state::Exchange;
use crate::token::{check_vault, require_valid_amount, transfer_in};

#[derive(Accounts)]
pub struct PoolTransfer<'info> {
    /// The exchange's admin.
    pub admin: Signer<'info>,
    /// The exchange singleton (PDA `["exchange"]`).
    #[account(mut)]
    pub exchange: AccountLoader<'info, Exchange>,
    /// The exchange's collateral vault (PDA `["vault", exchange]`).
    #[account(mut, address = exchange.load()?.vault @ ErrorCode::WrongVault)]
    pub vault: Account<'info, TokenAccount>,
    /// The admin's token account (source for funding, destination for defunding).
    #[account(
        mut,
        constraint = admin_token.mint == exchange.load()?.collateral_mint @ ErrorCode::WrongMint,
    )]
    pub admin_token: Account<'info, TokenAccount>,
    /// The classic SPL Token program.
    pub token_program: Program<'info, Token>,
}

/// Admin adds liquidity to the pool that takes the other side of every trade.
pub fn fund_pool(ctx: Context<PoolTransfer>, amount: u64) -> Result<()> {
    require_valid_amount(amount)?;
    let a = &mut *ctx.accounts;
    let mut ex = a.exchange.load_mut()?;
    require_keys_eq!(a.admin.key(), ex.admin, ErrorCode::NotAdmin);
    let before = ex.pool_balance;
    ex.pool_balance = before.checked_add(amount).ok_or(ErrorCode::AmountTooLarge)?;
    transfer_in(&a.token_program, &a.admin_token, &a.vault, &a.admin, amount)?;
    check_vault(&ex, &mut a.vault)?;
    ex.invariant()?;
    emit!(PoolFunded { amount, deposit: true, pool_before: before, pool_after: ex.pool_balance });
    Ok(())
}
