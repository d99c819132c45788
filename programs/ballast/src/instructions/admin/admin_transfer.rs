use anchor_lang::prelude::*;
use anchor_spl::token::{Token, TokenAccount};

use crate::error::ErrorCode;
use crate::state::Exchange;

/// Accounts of the admin's token movements between its own token account and the
/// exchange's balances: `fund_pool`, `defund_pool`, `fund_insurance`, `withdraw_insurance`.
#[derive(Accounts)]
pub struct AdminTransfer<'info> {
    /// The exchange's admin.
    pub admin: Signer<'info>,
    /// The exchange singleton (PDA `["exchange"]`).
    #[account(mut, has_one = admin @ ErrorCode::NotAdmin)]
    pub exchange: AccountLoader<'info, Exchange>,
    /// The exchange's collateral vault (PDA `["vault", exchange]`).
    #[account(mut, address = exchange.load()?.vault @ ErrorCode::WrongVault)]
    pub vault: Account<'info, TokenAccount>,
    /// The admin's token account (source for funding, destination for withdrawals).
    #[account(
        mut,
        constraint = admin_token.mint == exchange.load()?.collateral_mint @ ErrorCode::WrongMint,
    )]
    pub admin_token: Account<'info, TokenAccount>,
    /// The classic SPL Token program.
    pub token_program: Program<'info, Token>,
}
