use anchor_lang::prelude::*;
use anchor_spl::token::{Token, TokenAccount};

use crate::error::ErrorCode;
use crate::events::CollateralDeposited;
use crate::state::{Exchange, MarginAccount};
use crate::token::{check_vault, require_valid_amount, transfer_in};

#[derive(Accounts)]
pub struct Deposit<'info> {
    /// Owner or delegate; owns `source`.
    pub authority: Signer<'info>,
    /// The exchange singleton (PDA `["exchange"]`).
    #[account(mut)]
    pub exchange: AccountLoader<'info, Exchange>,
    /// The trader's margin account (PDA `["margin", owner, sub_id u16 LE]`).
    #[account(mut, constraint = margin_account.load()?.is_trader(&authority.key()) @ ErrorCode::NotOwnerOrDelegate)]
    pub margin_account: AccountLoader<'info, MarginAccount>,
    /// The exchange's collateral vault (PDA `["vault", exchange]`).
    #[account(mut, address = exchange.load()?.vault @ ErrorCode::WrongVault)]
    pub vault: Account<'info, TokenAccount>,
    /// The collateral token account the deposit comes from, owned by `authority`.
    #[account(
        mut,
        constraint = source.mint == exchange.load()?.collateral_mint @ ErrorCode::WrongMint,
    )]
    pub source: Account<'info, TokenAccount>,
    /// The classic SPL Token program.
    pub token_program: Program<'info, Token>,
}

/// Adds collateral to the cross domain. Always allowed: paused, reduce-only, unhealthy
/// or being liquidated, a deposit only makes the account safer (and ends an in-progress
/// liquidation).
pub fn deposit(ctx: Context<Deposit>, amount: u64) -> Result<()> {
    require_valid_amount(amount)?;
    let a = &mut *ctx.accounts;
    let mut ex = a.exchange.load_mut()?;
    let mut acct = a.margin_account.load_mut()?;
    let before = acct.cross_collateral;
    let delta = i64::try_from(amount).map_err(|_| ErrorCode::AmountTooLarge)?;
    acct.add_collateral(delta)?;
    ex.add_claims(delta)?;
    acct.last_active_slot = Clock::get()?.slot;
    // A deposit ends an in-progress liquidation: a keeper needs the account below
    // maintenance again to start a new one.
    acct.being_liquidated = 0;
    transfer_in(&a.token_program, &a.source, &a.vault, &a.authority, amount)?;
    let vault_after = check_vault(&ex, &mut a.vault)?;
    acct.invariant()?;
    ex.invariant()?;
    emit!(CollateralDeposited {
        margin_account: a.margin_account.key(),
        signer: a.authority.key(),
        amount,
        collateral_before: before,
        collateral_after: acct.cross_collateral,
        vault_after,
    });
    Ok(())
}
