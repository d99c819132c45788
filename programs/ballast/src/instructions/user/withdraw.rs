use anchor_lang::prelude::*;
use anchor_spl::token::{Token, TokenAccount};
use ballast_math::OracleAction;

use crate::error::ErrorCode;
use crate::events::CollateralWithdrawn;
use crate::health::cross_health;
use crate::state::{Exchange, MarginAccount, MarketStatus};
use crate::token::{check_vault, require_valid_amount, transfer_out};

#[derive(Accounts)]
pub struct Withdraw<'info> {
    /// Only the owner may withdraw (never the delegate).
    pub owner: Signer<'info>,
    #[account(mut)]
    pub exchange: AccountLoader<'info, Exchange>,
    #[account(mut, has_one = owner @ ErrorCode::NotOwner)]
    pub margin_account: AccountLoader<'info, MarginAccount>,
    #[account(mut, address = exchange.load()?.vault @ ErrorCode::WrongVault)]
    pub vault: Account<'info, TokenAccount>,
    #[account(
        mut,
        constraint = destination.mint == exchange.load()?.collateral_mint @ ErrorCode::WrongMint,
    )]
    pub destination: Account<'info, TokenAccount>,
    pub token_program: Program<'info, Token>,
    // remaining: [market, oracle] per open cross position, in slot order.
}

/// Withdraws up to the cross domain's transferable margin (SPEC §5). Open cross
/// positions need fresh, confident prices; their unrealised profit counts at the
/// conservative price and the market's weight.
pub fn withdraw<'info>(ctx: Context<'info, Withdraw<'info>>, amount: u64) -> Result<()> {
    require_valid_amount(amount)?;
    let clock = Clock::get()?;
    let a = &mut *ctx.accounts;
    let (bump, decimals) = {
        let ex = a.exchange.load()?;
        require!(ex.status() != MarketStatus::Paused, ErrorCode::Paused);
        (ex.bump, ex.collateral_decimals)
    };
    let mut acct = a.margin_account.load_mut()?;
    let before = cross_health(&acct, ctx.remaining_accounts, decimals, clock.unix_timestamp, OracleAction::RiskIncreasing, None)?.domain;
    let transferable = before.transferable();
    require!(amount <= transferable, ErrorCode::InsufficientTransferable);
    // Positive PnL that funds the part above collateral is realised through the pool
    // first; with positions still open that needs the margin engine's settlement path.
    let collateral_before = acct.cross_collateral;
    require!(i128::from(amount) <= i128::from(collateral_before.max(0)), ErrorCode::InsufficientTransferable);
    let delta = i64::try_from(amount).map_err(|_| ErrorCode::AmountTooLarge)?;
    acct.add_collateral(-delta)?;
    acct.last_active_slot = clock.slot;
    {
        let mut ex = a.exchange.load_mut()?;
        ex.add_collateral(-delta)?;
    }
    transfer_out(&a.token_program, &a.vault, &a.destination, &a.exchange, bump, amount)?;
    let ex = a.exchange.load()?;
    let vault_after = check_vault(&ex, &mut a.vault)?;
    let after = cross_health(&acct, ctx.remaining_accounts, decimals, clock.unix_timestamp, OracleAction::RiskIncreasing, None)?.domain;
    require!(after.meets_initial(), ErrorCode::InsufficientTransferable);
    acct.invariant()?;
    ex.invariant()?;
    emit!(CollateralWithdrawn {
        margin_account: a.margin_account.key(),
        amount,
        collateral_before,
        collateral_after: acct.cross_collateral,
        transferable_before: transferable,
        pnl_realised: 0,
        initial_margin_after: u64::try_from(after.initial).unwrap_or(u64::MAX),
        maintenance_margin_after: u64::try_from(after.maintenance).unwrap_or(u64::MAX),
        vault_after,
    });
    Ok(())
}
