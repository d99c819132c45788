use anchor_lang::prelude::*;
use anchor_spl::token::TokenAccount;

use crate::error::ErrorCode;
use crate::events::VaultSynced;
use crate::safe::SafeMath;
use crate::state::Exchange;

#[derive(Accounts)]
pub struct SyncVault<'info> {
    /// The exchange singleton (PDA `["exchange"]`).
    #[account(mut)]
    pub exchange: AccountLoader<'info, Exchange>,
    /// The exchange's collateral vault (PDA `["vault", exchange]`), read for its balance.
    #[account(address = exchange.load()?.vault @ ErrorCode::WrongVault)]
    pub vault: Account<'info, TokenAccount>,
}

/// Permissionless: credits whatever the vault holds beyond every claim (tokens anyone sent
/// to it with a plain transfer) to the insurance fund. The program only ever requires the
/// vault to cover the claims, so such a donation never blocks anything (the audit's C-1);
/// this makes it count.
pub fn sync_vault(ctx: Context<SyncVault>) -> Result<()> {
    let vault = ctx.accounts.vault.amount;
    let mut ex = ctx.accounts.exchange.load_mut()?;
    let surplus = ex.vault_surplus(vault)?;
    let before = ex.insurance_balance;
    ex.insurance_balance = before.safe_add(surplus)?;
    ex.check_vault(vault)?;
    ex.invariant()?;
    emit!(VaultSynced { surplus, insurance_before: before, insurance_after: ex.insurance_balance, vault });
    Ok(())
}
