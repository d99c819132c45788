use anchor_lang::prelude::*;
use anchor_spl::token::{Token, TokenAccount};
use ballast_math::liquidation::LiquidationInput;
use ballast_math::position::{apply_fill, notional};
use ballast_math::Rounding;

use crate::controller::fill::book_realised;
use crate::controller::{funding, liquidation};
use crate::error::ErrorCode;
use crate::events::Liquidated;
use crate::health::{isolated_health, snapshot, HealthQuery, MarketView, Policy};
use crate::oracle::read_oracle;
use crate::safe::{Cast, MathExt, SafeMath};
use crate::state::{Exchange, IsolatedPosition, MarginAccount, Market, MarketStatus};
use crate::token::pay_out;

#[derive(Accounts)]
pub struct LiquidateIsolated<'info> {
    /// Anyone; receives the reward in `keeper_token` (nothing when it is the account's
    /// owner or delegate).
    pub keeper: Signer<'info>,
    /// The exchange singleton (PDA `["exchange"]`).
    #[account(mut)]
    pub exchange: AccountLoader<'info, Exchange>,
    /// The market (PDA `["market", market_index u16 LE]`).
    #[account(mut)]
    pub market: AccountLoader<'info, Market>,
    /// The market's oracle (Pyth `PriceUpdateV2`, or a push oracle where allowed).
    /// CHECK: the market's oracle, checked by `read_oracle`.
    pub oracle: UncheckedAccount<'info>,
    /// The isolated position (PDA `["isolated", margin_account, market_index u16 LE]`).
    #[account(
        mut,
        constraint = isolated_position.load()?.market_index == market.load()?.market_index @ ErrorCode::WrongIsolatedPosition,
    )]
    pub isolated_position: AccountLoader<'info, IsolatedPosition>,
    /// The position's margin account, read only to know its owner and delegate (it is
    /// never written: cross is untouched).
    #[account(constraint = margin_account.key() == isolated_position.load()?.margin_account @ ErrorCode::WrongIsolatedPosition)]
    pub margin_account: AccountLoader<'info, MarginAccount>,
    /// The exchange's collateral vault (PDA `["vault", exchange]`).
    #[account(mut, address = exchange.load()?.vault @ ErrorCode::WrongVault)]
    pub vault: Account<'info, TokenAccount>,
    /// The keeper's collateral token account.
    #[account(mut, constraint = keeper_token.mint == exchange.load()?.collateral_mint @ ErrorCode::WrongMint)]
    pub keeper_token: Account<'info, TokenAccount>,
    /// The classic SPL Token program.
    pub token_program: Program<'info, Token>,
}

/// Liquidates an isolated or strict-isolated position below its maintenance margin
/// (SPEC §5). Needs the position, its market, a valid oracle price no older than the
/// market's fill age, and the vault: cross collateral and every other position stay
/// untouched. Allowed in every status.
pub fn liquidate_isolated(ctx: Context<LiquidateIsolated>, max_base: u64) -> Result<()> {
    let clock = Clock::get()?;
    let now = clock.unix_timestamp;
    let a = &mut *ctx.accounts;
    let position_key = a.isolated_position.key();
    let keeper = a.keeper.key();
    let self_liquidation = a.margin_account.load()?.is_trader(&keeper);
    let mut ex = a.exchange.load_mut()?;
    let mut market = a.market.load_mut()?;
    let mut p = a.isolated_position.load_mut()?;
    require!(p.base != 0, ErrorCode::NoOpenPosition);
    let status = market.effective_status(ex.status());
    let oracle = read_oracle(&market, &a.oracle, ex.collateral_decimals, now)?;
    oracle.require_fill(market.max_fill_age_secs)?;
    funding::accrue(&mut market, &oracle, now, status == MarketStatus::Paused)?;
    let q = HealthQuery { decimals: ex.collateral_decimals, now, policy: Policy::Lenient, exchange_status: ex.status() };

    let mut pool_balance = ex.pool_balance;
    let claims_start = p.collateral.safe_add(p.unsettled_pnl)?;
    let (mut snap, mut coll) = (p.funding_snapshot.get(), p.collateral);
    funding::settle(&market, p.base, &mut snap, &mut coll, &mut pool_balance)?;
    p.funding_snapshot.set(snap);
    p.collateral = coll;
    let view = MarketView::of(&market, &oracle, &q)?;
    let before = isolated_health(&p, &view)?;
    require!(before.is_liquidatable(), ErrorCode::NotLiquidatable);

    let curve = market.maintenance_at(now);
    let input = LiquidationInput {
        base: p.base,
        price: oracle.price,
        tiers: curve.tiers(),
        ramp_from: curve.ramp_from(),
        equity: before.maintenance_equity,
        maintenance: before.maintenance,
        penalty_ppm: market.liquidation_fee_ppm + market.insurance_share_ppm,
        buffer_ppm: ex.liquidation_buffer_ppm,
        lot_size: market.lot_size,
        dust_notional: market.dust_notional,
    };
    let q = liquidation::bounded_size(&input, max_base)?;
    let q_i = q.cast::<i64>()?;
    let delta = if p.base > 0 { -q_i } else { q_i };
    let (base_before, cost_basis_before) = (p.base, p.cost_basis);
    let f = apply_fill(p.base, p.cost_basis, delta, oracle.price).math()?;
    let (mut coll, mut unsettled) = (p.collateral, p.unsettled_pnl);
    book_realised(&market, f.realised_pnl, &mut coll, &mut unsettled, &mut pool_balance)?;
    (p.collateral, p.unsettled_pnl) = (coll, unsettled);
    market.record_position_change((base_before, cost_basis_before), (f.base, f.cost_basis))?;
    p.base = f.base;
    p.cost_basis = f.cost_basis;
    if p.base == 0 {
        p.funding_snapshot.set(0);
    }

    let closed_notional = notional(q_i, oracle.price, Rounding::Ceil).math()?;
    let after_fill = isolated_health(&p, &view)?;
    let flat = p.base == 0;
    let mut unsettled = [p.unsettled_pnl];
    let charged = liquidation::charge(
        &market,
        closed_notional,
        after_fill.maintenance_equity,
        flat,
        self_liquidation,
        liquidation::Settlement {
            collateral: &mut p.collateral,
            unsettled: &mut unsettled,
            insurance: &mut ex.insurance_balance,
            pool: &mut pool_balance,
        },
    )?;
    p.unsettled_pnl = unsettled[0];
    let (reward, insurance, debt) = (charged.reward, charged.insurance, charged.bad_debt);
    ex.pool_balance = pool_balance;
    let claims_end = p.collateral.safe_add(p.unsettled_pnl)?;
    ex.add_claims(claims_end.safe_sub(claims_start)?)?;
    p.last_active_slot = clock.slot;

    let after = isolated_health(&p, &view)?;
    let excess = |d: &ballast_math::DomainHealth| d.maintenance_equity - d.maintenance;
    require!(excess(&after) >= excess(&before) || flat, ErrorCode::HealthWorsened);
    p.invariant()?;
    market.invariant()?;
    let market_index = market.market_index;
    drop(ex);
    pay_out(&a.token_program, &mut a.vault, &a.keeper_token, &a.exchange, reward)?;
    emit!(Liquidated {
        keeper,
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
        self_liquidation,
        domain_before: snapshot(&before),
        domain_after: snapshot(&after),
    });
    debt.emit(position_key, market_index);
    Ok(())
}
