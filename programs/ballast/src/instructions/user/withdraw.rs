use anchor_lang::prelude::*;
use anchor_spl::token::{Token, TokenAccount};

use crate::controller::pool::Pool;
use crate::controller::status::{require_allowed, Gate};
use crate::controller::transfer;
use crate::error::ErrorCode;
use crate::events::CollateralWithdrawn;
use crate::health::{pnl_to_realise, CrossBook, HealthQuery, Policy};
use crate::safe::{Cast, SafeMath};
use crate::state::{Exchange, MarginAccount};
use crate::token::{pay_out, require_valid_amount};

#[derive(Accounts)]
pub struct Withdraw<'info> {
    /// Only the owner may withdraw (never the delegate).
    pub owner: Signer<'info>,
    /// The exchange singleton (PDA `["exchange"]`).
    #[account(mut)]
    pub exchange: AccountLoader<'info, Exchange>,
    /// The trader's margin account (PDA `["margin", owner, sub_id u16 LE]`).
    #[account(mut, has_one = owner @ ErrorCode::NotOwner)]
    pub margin_account: AccountLoader<'info, MarginAccount>,
    /// The exchange's collateral vault (PDA `["vault", exchange]`).
    #[account(mut, address = exchange.load()?.vault @ ErrorCode::WrongVault)]
    pub vault: Account<'info, TokenAccount>,
    /// The owner's collateral token account that receives the withdrawal.
    #[account(
        mut,
        constraint = destination.mint == exchange.load()?.collateral_mint @ ErrorCode::WrongMint,
    )]
    pub destination: Account<'info, TokenAccount>,
    /// The classic SPL Token program.
    pub token_program: Program<'info, Token>,
    // remaining: [market, oracle] per cross slot in health, in slot order. A market the
    // withdrawal realises profit from must be writable (its aggregate cost basis changes);
    // clients pass them all writable.
}

/// Withdraws up to the cross domain's transferable margin (SPEC §5). Every cross price
/// must be valid and no cross market paused; unrealised profit counts at the conservative
/// price and the market's weight, and the part of a withdrawal above the collateral is
/// realised through the pool first — only from full-weight markets, in slot order, each at
/// a fresh price. Down-weighted profit leaves only after it settles (`settle_pnl`).
pub fn withdraw<'info>(ctx: Context<'info, Withdraw<'info>>, amount: u64) -> Result<()> {
    require_valid_amount(amount)?;
    let clock = Clock::get()?;
    let a = &mut *ctx.accounts;
    let (q, buffer) = {
        let ex = a.exchange.load()?;
        (HealthQuery::new(&ex, &clock, Policy::Strict), ex.liquidation_buffer_ppm)
    };
    require_allowed(q.exchange_status, Gate::Transfer)?;
    let mut acct = a.margin_account.load_mut()?;
    let (mut book, before) = CrossBook::scan_with_domain(&acct, ctx.remaining_accounts, &q, None)?;
    let transferable = before.transferable(buffer);
    require!(amount <= transferable, ErrorCode::InsufficientTransferable);
    let collateral_before = acct.cross_collateral;
    // The part above collateral is realised from positions with realisable profit.
    let realised = pnl_to_realise(amount, collateral_before);
    let mut ex = a.exchange.load_mut()?;
    let mut pool = Pool::of(&ex);
    transfer::realise_cross(&mut acct, &mut book, ctx.remaining_accounts, &mut pool, realised)?;
    pool.store(&mut ex);
    let delta = i64::try_from(amount).map_err(|_| ErrorCode::AmountTooLarge)?;
    let realised_i = realised.cast::<i64>()?;
    acct.add_collateral(-delta)?;
    acct.last_active_slot = clock.slot;
    ex.add_claims(realised_i.safe_sub(delta)?)?;
    drop(ex);
    let vault_after = pay_out(&a.token_program, &mut a.vault, &a.destination, &a.exchange, amount)?;
    let after = book.domain(&acct)?;
    require!(after.meets_transfer_lock(buffer), ErrorCode::InsufficientTransferable);
    // The transfer lock is at or above maintenance × (1 + buffer): no liquidation continues.
    acct.being_liquidated = 0;
    acct.invariant()?;
    emit!(CollateralWithdrawn {
        margin_account: a.margin_account.key(),
        amount,
        collateral_before,
        collateral_after: acct.cross_collateral,
        transferable_before: transferable,
        pnl_realised: realised,
        initial_margin_after: u64::try_from(after.initial).unwrap_or(u64::MAX),
        maintenance_margin_after: u64::try_from(after.maintenance).unwrap_or(u64::MAX),
        vault_after,
    });
    Ok(())
}
