//! Token movements in and out of the vault. Every movement is followed by a check that
//! the vault holds exactly the sum of all claims (SPEC §8.1).

use anchor_lang::prelude::*;
use anchor_spl::token::{self, Token, TokenAccount, Transfer};

use crate::constants::EXCHANGE_SEED;
use crate::error::ErrorCode;
use crate::state::Exchange;

/// Moves `amount` from a user's token account into the vault, signed by `authority`.
pub fn transfer_in<'info>(
    token_program: &Program<'info, Token>,
    from: &Account<'info, TokenAccount>,
    vault: &Account<'info, TokenAccount>,
    authority: &Signer<'info>,
    amount: u64,
) -> Result<()> {
    let accounts = Transfer { from: from.to_account_info(), to: vault.to_account_info(), authority: authority.to_account_info() };
    token::transfer(CpiContext::new(token_program.key(), accounts), amount)
}

/// Moves `amount` from the vault to `to`, signed by the exchange PDA.
fn transfer_out<'info>(
    token_program: &Program<'info, Token>,
    vault: &Account<'info, TokenAccount>,
    to: &Account<'info, TokenAccount>,
    exchange: &AccountLoader<'info, Exchange>,
    exchange_bump: u8,
    amount: u64,
) -> Result<()> {
    let accounts = Transfer { from: vault.to_account_info(), to: to.to_account_info(), authority: exchange.to_account_info() };
    let bump = [exchange_bump];
    let seeds: &[&[u8]] = &[EXCHANGE_SEED, &bump];
    let signer = &[seeds];
    token::transfer(CpiContext::new_with_signer(token_program.key(), accounts, signer), amount)
}

/// Pays `amount` out of the vault to `to` (nothing when 0), then reconciles the vault with
/// the exchange's claims and checks the exchange's invariant. The exchange must not be
/// borrowed by the caller. Returns the vault balance after.
pub fn pay_out<'info>(
    token_program: &Program<'info, Token>,
    vault: &mut Account<'info, TokenAccount>,
    to: &Account<'info, TokenAccount>,
    exchange: &AccountLoader<'info, Exchange>,
    amount: u64,
) -> Result<u64> {
    let bump = exchange.load()?.bump;
    if amount > 0 {
        transfer_out(token_program, vault, to, exchange, bump, amount)?;
    }
    let ex = exchange.load()?;
    let after = check_vault(&ex, vault)?;
    ex.invariant()?;
    Ok(after)
}

/// Re-reads the vault after a CPI and checks it against the exchange's claims.
pub fn check_vault(exchange: &Exchange, vault: &mut Account<TokenAccount>) -> Result<u64> {
    vault.reload()?;
    exchange.check_vault(vault.amount)?;
    Ok(vault.amount)
}

/// A token amount the program accepts: non-zero and representable as a signed balance.
pub fn require_valid_amount(amount: u64) -> Result<()> {
    require!(amount > 0, ErrorCode::ZeroAmount);
    require!(i64::try_from(amount).is_ok(), ErrorCode::AmountTooLarge);
    Ok(())
}
