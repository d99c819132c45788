use anchor_lang::prelude::*;
use anchor_spl::token::{Token, TokenAccount};
use ballast_math::liquidation::LiquidationInput;
use ballast_math::position::{apply_fill, notional};
use ballast_math::{OracleAction, Rounding};

use crate::controller::{funding, liquidation, pool};
use crate::error::ErrorCode;
use crate::events::Liquidated;
use crate::health::{isolated_health, snapshot};
use crate::oracle::read_oracle;
use crate::state::{Exchange, IsolatedPosition, Market, MarketStatus};
use crate::token::pay_out;

#[derive(Accounts)]
pub struct LiquidateIsolated<'info> {
    /// Anyone; receives the reward in `keeper_token`.
    pub keeper: Signer<'info>,
    #[account(mut)]
    pub exchange: AccountLoader<'info, Exchange>,
    #[account(mut)]
    pub market: AccountLoader<'info, Market>,
    /// CHECK: the market's oracle, checked by `read_oracle`.
    pub oracle: UncheckedAccount<'info>,
    #[account(
        mut,
        constraint = isolated_position.load()?.market_index == market.load()?.market_index @ ErrorCode::WrongIsolatedPosition,
    )]
    pub isolated_position: AccountLoader<'info, IsolatedPosition>,
    #[account(mut, address = exchange.load()?.vault @ ErrorCode::WrongVault)]
    pub vault: Account<'info, TokenAccount>,
    #[account(mut, constraint = keeper_token.mint == exchange.load()?.collateral_mint @ ErrorCode::WrongMint)]
    pub keeper_token: Account<'info, TokenAccount>,
    pub token_program: Program<'info, Token>,
}

/// Liquidates an isolated or strict-isolated position below its maintenance margin
/// (SPEC §5). Needs only the position, its market, the oracle and the vault: cross
/// collateral and every other position stay untouched.
pub fn liquidate_isolated(ctx: Context<LiquidateIsolated>, max_base: u64) -> Result<()> {
    let clock = Clock::get()?;
    let now = clock.unix_timestamp;
    let a = &mut *ctx.accounts;
    let position_key = a.isolated_position.key();
    let mut ex = a.exchange.load_mut()?;
    let mut market = a.market.load_mut()?;
    let mut p = a.isolated_position.load_mut()?;
    require!(market.effective_status(ex.status()) != MarketStatus::Paused, ErrorCode::Paused);
    require!(p.base != 0, ErrorCode::NoOpenPosition);
    let oracle = read_oracle(&market, &a.oracle, ex.collateral_decimals, now)?;
    oracle.require(OracleAction::Liquidation)?;
    funding::accrue(&mut market, oracle.price, now)?;

    let mut pool_balance = ex.pool_balance;
    let collateral_start = p.collateral;
    let (mut snap, mut coll) = (p.funding_snapshot.get(), p.collateral);
    funding::settle(&market, p.base, &mut snap, &mut coll, &mut pool_balance)?;
    p.funding_snapshot.set(snap);
    p.collateral = coll;
    let before = isolated_health(&p, &market, &oracle)?;
    require!(before.is_liquidatable(), ErrorCode::NotLiquidatable);

    let (tiers, n) = market.tier_table();
    let input = LiquidationInput {
        base: p.base,
        price: oracle.price,
        tiers: &tiers[..n],
        equity: before.maintenance_equity,
        maintenance: before.maintenance,
        penalty_ppm: market.liquidation_fee_ppm + market.insurance_share_ppm,
        buffer_ppm: ex.liquidation_buffer_ppm,
        lot_size: market.lot_size,
        dust_notional: market.dust_notional,
    };
    let q = liquidation::bounded_size(&input, max_base)?;
    let q_i = i64::try_from(q).map_err(|_| ErrorCode::MathOverflow)?;
    let delta = if p.base > 0 { -q_i } else { q_i };
    let base_before = p.base;
    let f = apply_fill(p.base, p.cost_basis, delta, oracle.price).map_err(ErrorCode::from)?;
    p.collateral = p.collateral.checked_add(f.realised_pnl).ok_or(ErrorCode::MathOverflow)?;
    pool::credit(&mut pool_balance, -f.realised_pnl)?;
    crate::controller::update_open_interest(&mut market, base_before, f.base)?;
    p.base = f.base;
    p.cost_basis = f.cost_basis;
    if p.base == 0 {
        p.funding_snapshot.set(0);
    }

    let closed_notional = notional(q_i, oracle.price, Rounding::Ceil).map_err(ErrorCode::from)?;
    let after_fill = isolated_health(&p, &market, &oracle)?;
    let available = after_fill.maintenance_equity;
    let collateral_before_charge = p.collateral;
    let flat = p.base == 0;
    let charged = liquidation::charge(
        &market,
        closed_notional,
        available,
        flat,
        liquidation::Settlement { collateral: &mut p.collateral, insurance: &mut ex.insurance_balance, pool: &mut pool_balance },
    )?;
    let (reward, insurance, debt) = (charged.reward, charged.insurance, charged.bad_debt);
    ex.pool_balance = pool_balance;
    ex.add_collateral(p.collateral.checked_sub(collateral_start).ok_or(ErrorCode::MathOverflow)?)?;
    p.last_active_slot = clock.slot;

    // The charge only moves collateral: the domain after it is the post-fill domain
    // shifted by that change (exact, no second valuation).
    let after =
        after_fill.with_collateral_change(i128::from(p.collateral) - i128::from(collateral_before_charge)).map_err(ErrorCode::from)?;
    let excess = |d: &ballast_math::DomainHealth| d.maintenance_equity - d.maintenance;
    require!(excess(&after) >= excess(&before) || p.base == 0, ErrorCode::HealthWorsened);
    p.invariant()?;
    market.invariant()?;
    let market_index = market.market_index;
    drop(ex);
    pay_out(&a.token_program, &mut a.vault, &a.keeper_token, &a.exchange, reward)?;
    emit!(Liquidated {
        keeper: a.keeper.key(),
        domain_account: position_key,
        market_index,
        isolated: true,
        base_before,
        base_after: f.base,
        oracle_price: oracle.price,
        closed_notional,
        realised_pnl: f.realised_pnl,
        keeper_reward: reward,
        insurance_share: insurance,
        domain_before: snapshot(&before),
        domain_after: snapshot(&after),
    });
    debt.emit(position_key, market_index);
    Ok(())
}
