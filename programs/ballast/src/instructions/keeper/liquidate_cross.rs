use anchor_lang::prelude::*;
use anchor_spl::token::{Token, TokenAccount};
use ballast_math::liquidation::LiquidationInput;
use ballast_math::margin::DomainHealth;
use ballast_math::position::{apply_fill, notional};
use ballast_math::{OracleAction, Rounding};

use crate::controller::{funding, liquidation, pool};
use crate::error::ErrorCode;
use crate::events::Liquidated;
use crate::health::{snapshot, CrossBook, HealthQuery, Named};
use crate::oracle::read_oracle;
use crate::state::{Exchange, MarginAccount, Market, MarketStatus};
use crate::token::pay_out;

#[derive(Accounts)]
pub struct LiquidateCross<'info> {
    /// Anyone; receives the reward in `keeper_token`.
    pub keeper: Signer<'info>,
    #[account(mut)]
    pub exchange: AccountLoader<'info, Exchange>,
    #[account(mut)]
    pub margin_account: AccountLoader<'info, MarginAccount>,
    /// The market of the cross position to close.
    #[account(mut)]
    pub market: AccountLoader<'info, Market>,
    /// CHECK: the market's oracle, checked by `read_oracle`.
    pub oracle: UncheckedAccount<'info>,
    #[account(mut, address = exchange.load()?.vault @ ErrorCode::WrongVault)]
    pub vault: Account<'info, TokenAccount>,
    #[account(mut, constraint = keeper_token.mint == exchange.load()?.collateral_mint @ ErrorCode::WrongMint)]
    pub keeper_token: Account<'info, TokenAccount>,
    pub token_program: Program<'info, Token>,
    // remaining: [market, oracle] per open cross position other than `market`, in slot order.
}

/// Liquidates one cross position of an account whose cross domain is below maintenance
/// (SPEC §5). Every cross position's oracle must be valid; isolated positions are never
/// touched. Once started, a liquidation may continue (`being_liquidated`) until the domain
/// is back to maintenance × (1 + buffer), so a keeper limited by `max_base` can finish it.
pub fn liquidate_cross<'info>(ctx: Context<'info, LiquidateCross<'info>>, max_base: u64) -> Result<()> {
    let clock = Clock::get()?;
    let now = clock.unix_timestamp;
    let a = &mut *ctx.accounts;
    let account_key = a.margin_account.key();
    let mut ex = a.exchange.load_mut()?;
    let mut market = a.market.load_mut()?;
    let mut acct = a.margin_account.load_mut()?;
    require!(market.effective_status(ex.status()) != MarketStatus::Paused, ErrorCode::Paused);
    let decimals = ex.collateral_decimals;
    let buffer = ex.liquidation_buffer_ppm;
    let index = market.market_index;
    let i = acct.slot_of(index).filter(|&i| acct.cross_positions[i].base != 0).ok_or(ErrorCode::NoOpenPosition)?;
    let oracle = read_oracle(&market, &a.oracle, decimals, now)?;
    oracle.require(OracleAction::Liquidation)?;
    funding::accrue(&mut market, oracle.price, now)?;

    let collateral_start = acct.cross_collateral;
    let mut pool_balance = ex.pool_balance;
    {
        let s = &mut acct.cross_positions[i];
        let (base, mut snap) = (s.base, s.funding_snapshot.get());
        let mut coll = collateral_start;
        funding::settle(&market, base, &mut snap, &mut coll, &mut pool_balance)?;
        s.funding_snapshot.set(snap);
        acct.cross_collateral = coll;
    }
    // Every other cross position is read and valued once; the domain after each step
    // below is the book's sum with this market's position valued from memory.
    let book = {
        let named = Named { market: &market, oracle: &oracle };
        CrossBook::scan(&acct, ctx.remaining_accounts, &HealthQuery { decimals, now, action: OracleAction::Liquidation }, Some(&named))?
    };
    let before = book.domain(&acct)?;
    let continuing = acct.being_liquidated == 1 && !liquidation::restored(&before, buffer);
    require!(before.is_liquidatable() || continuing, ErrorCode::NotLiquidatable);

    let (tiers, n) = market.tier_table();
    let slot = acct.cross_positions[i];
    let input = LiquidationInput {
        base: slot.base,
        price: oracle.price,
        tiers: &tiers[..n],
        equity: before.maintenance_equity,
        maintenance: before.maintenance,
        penalty_ppm: market.liquidation_fee_ppm + market.insurance_share_ppm,
        buffer_ppm: buffer,
        lot_size: market.lot_size,
        dust_notional: market.dust_notional,
    };
    let q = liquidation::bounded_size(&input, max_base)?;
    let q_i = i64::try_from(q).map_err(|_| ErrorCode::MathOverflow)?;
    let delta = if slot.base > 0 { -q_i } else { q_i };
    let f = apply_fill(slot.base, slot.cost_basis, delta, oracle.price).map_err(ErrorCode::from)?;
    acct.cross_collateral = acct.cross_collateral.checked_add(f.realised_pnl).ok_or(ErrorCode::MathOverflow)?;
    pool::credit(&mut pool_balance, -f.realised_pnl)?;
    crate::controller::update_open_interest(&mut market, slot.base, f.base)?;
    {
        let s = &mut acct.cross_positions[i];
        s.base = f.base;
        s.cost_basis = f.cost_basis;
        if f.base == 0 {
            s.funding_snapshot.set(0);
        }
    }

    let closed_notional = notional(q_i, oracle.price, Rounding::Ceil).map_err(ErrorCode::from)?;
    let after_fill = book.domain(&acct)?;
    let available = after_fill.maintenance_equity;
    let collateral_before_charge = acct.cross_collateral;
    let flat = !acct.has_open_cross_positions();
    let charged = liquidation::charge(
        &market,
        closed_notional,
        available,
        flat,
        liquidation::Settlement { collateral: &mut acct.cross_collateral, insurance: &mut ex.insurance_balance, pool: &mut pool_balance },
    )?;
    let (reward, insurance, debt) = (charged.reward, charged.insurance, charged.bad_debt);
    ex.pool_balance = pool_balance;
    ex.add_collateral(acct.cross_collateral.checked_sub(collateral_start).ok_or(ErrorCode::MathOverflow)?)?;

    // The charge only moves collateral: the domain after it is the post-fill domain
    // shifted by that change.
    let after = after_fill
        .with_collateral_change(i128::from(acct.cross_collateral) - i128::from(collateral_before_charge))
        .map_err(ErrorCode::from)?;
    let excess = |d: &DomainHealth| d.maintenance_equity - d.maintenance;
    require!(excess(&after) >= excess(&before) || !acct.has_open_cross_positions(), ErrorCode::HealthWorsened);
    acct.being_liquidated = u8::from(acct.has_open_cross_positions() && !liquidation::restored(&after, buffer));
    acct.last_active_slot = clock.slot;
    acct.invariant()?;
    market.invariant()?;
    drop(ex);
    pay_out(&a.token_program, &mut a.vault, &a.keeper_token, &a.exchange, reward)?;
    emit!(Liquidated {
        keeper: a.keeper.key(),
        domain_account: account_key,
        market_index: index,
        isolated: false,
        base_before: slot.base,
        base_after: f.base,
        oracle_price: oracle.price,
        closed_notional,
        realised_pnl: f.realised_pnl,
        keeper_reward: reward,
        insurance_share: insurance,
        domain_before: snapshot(&before),
        domain_after: snapshot(&after),
    });
    debt.emit(account_key, index);
    Ok(())
}
