use anchor_lang::prelude::*;
use anchor_spl::token::{Token, TokenAccount};
use ballast_math::OracleAction;

use crate::controller::transfer;
use crate::error::ErrorCode;
use crate::events::CollateralWithdrawn;
use crate::health::{pnl_to_realise, CrossBook, HealthQuery};
use crate::state::{Exchange, MarginAccount, MarketStatus};
use crate::token::{pay_out, require_valid_amount};

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
/// conservative price and the market's weight, and the part of a withdrawal above the
/// collateral is realised from them through the pool first.
pub fn withdraw<'info>(ctx: Context<'info, Withdraw<'info>>, amount: u64) -> Result<()> {
    require_valid_amount(amount)?;
    let clock = Clock::get()?;
    let a = &mut *ctx.accounts;
    let decimals = {
        let ex = a.exchange.load()?;
        require!(ex.status() != MarketStatus::Paused, ErrorCode::Paused);
        ex.collateral_decimals
    };
    let mut acct = a.margin_account.load_mut()?;
    let mut book = CrossBook::scan(
        &acct,
        ctx.remaining_accounts,
        &HealthQuery { decimals, now: clock.unix_timestamp, action: OracleAction::RiskIncreasing },
        None,
    )?;
    let transferable = book.domain(&acct)?.transferable();
    require!(amount <= transferable, ErrorCode::InsufficientTransferable);
    let collateral_before = acct.cross_collateral;
    // The part above collateral is realised from positions with positive (weighted,
    // conservative) PnL, in slot order, through the pool.
    let mut need = pnl_to_realise(amount, collateral_before);
    let realised = need;
    let mut ex = a.exchange.load_mut()?;
    let mut pool_balance = ex.pool_balance;
    // Per-position healths only when profit must be realised (boxed: off the stack).
    let health = if need > 0 { Some(book.health(&acct)?) } else { None };
    for (i, h) in health.iter().flat_map(|h| h.positions.iter().enumerate()) {
        let Some(h) = h else { continue };
        if need == 0 {
            break;
        }
        let take = transfer::realisable(need, h.initial_pnl);
        let mut collateral = acct.cross_collateral;
        transfer::realise(take, &mut acct.cross_positions[i].cost_basis, &mut collateral, &mut pool_balance)?;
        acct.cross_collateral = collateral;
        book.revalue(&acct, i)?;
        need -= take;
    }
    require!(need == 0, ErrorCode::InsufficientTransferable);
    ex.pool_balance = pool_balance;
    let delta = i64::try_from(amount).map_err(|_| ErrorCode::AmountTooLarge)?;
    let realised_i = i64::try_from(realised).map_err(|_| ErrorCode::MathOverflow)?;
    acct.add_collateral(-delta)?;
    acct.last_active_slot = clock.slot;
    ex.add_collateral(realised_i.checked_sub(delta).ok_or(ErrorCode::MathOverflow)?)?;
    drop(ex);
    let vault_after = pay_out(&a.token_program, &mut a.vault, &a.destination, &a.exchange, amount)?;
    let after = book.domain(&acct)?;
    require!(after.meets_initial(), ErrorCode::InsufficientTransferable);
    // At or above initial margin is above maintenance × (1 + buffer) for any buffer ≤ 100%.
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
