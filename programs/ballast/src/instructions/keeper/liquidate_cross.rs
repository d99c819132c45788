use anchor_lang::prelude::*;
use anchor_spl::token::{Token, TokenAccount};
use ballast_math::liquidation::LiquidationInput;
use ballast_math::margin::DomainHealth;
use ballast_math::position::{apply_fill, notional};
use ballast_math::Rounding;

use crate::controller::fill::book_realised;
use crate::controller::{funding, liquidation};
use crate::error::ErrorCode;
use crate::events::Liquidated;
use crate::health::{snapshot, CrossBook, HealthQuery, Named, Policy};
use crate::oracle::read_oracle;
use crate::safe::{Cast, MathExt, SafeMath};
use crate::state::{Exchange, MarginAccount, Market, MarketStatus, MAX_CROSS_POSITIONS};
use crate::token::pay_out;

#[derive(Accounts)]
pub struct LiquidateCross<'info> {
    /// Anyone; receives the reward in `keeper_token` (nothing when it is the account's
    /// owner or delegate).
    pub keeper: Signer<'info>,
    /// The exchange singleton (PDA `["exchange"]`).
    #[account(mut)]
    pub exchange: AccountLoader<'info, Exchange>,
    /// The trader's margin account (PDA `["margin", owner, sub_id u16 LE]`).
    #[account(mut)]
    pub margin_account: AccountLoader<'info, MarginAccount>,
    /// The market of the cross position to close.
    #[account(mut)]
    pub market: AccountLoader<'info, Market>,
    /// The market's oracle (Pyth `PriceUpdateV2`, or a push oracle where allowed).
    /// CHECK: the market's oracle, checked by `read_oracle`.
    pub oracle: UncheckedAccount<'info>,
    /// The exchange's collateral vault (PDA `["vault", exchange]`).
    #[account(mut, address = exchange.load()?.vault @ ErrorCode::WrongVault)]
    pub vault: Account<'info, TokenAccount>,
    /// The keeper's collateral token account.
    #[account(mut, constraint = keeper_token.mint == exchange.load()?.collateral_mint @ ErrorCode::WrongMint)]
    pub keeper_token: Account<'info, TokenAccount>,
    /// The classic SPL Token program.
    pub token_program: Program<'info, Token>,
    // remaining: [market, oracle] per cross slot in health other than `market`, in slot order.
}

/// Liquidates one cross position of an account whose cross domain is below maintenance
/// (SPEC §5). The liquidated market needs a valid price no older than its fill age; every
/// other cross position is valued at its price when valid and against the trader when not
/// (a stale market cannot shield the account, the audit's H-1). Isolated positions are
/// never touched. Allowed in every status: a pause stops new risk, never liquidations.
/// Once started, a liquidation may continue (`being_liquidated`) until the domain is back
/// to maintenance × (1 + buffer), for a limited number of slots, so a keeper limited by
/// `max_base` can finish it.
pub fn liquidate_cross<'info>(ctx: Context<'info, LiquidateCross<'info>>, max_base: u64) -> Result<()> {
    let clock = Clock::get()?;
    let now = clock.unix_timestamp;
    let a = &mut *ctx.accounts;
    let account_key = a.margin_account.key();
    let mut ex = a.exchange.load_mut()?;
    let mut market = a.market.load_mut()?;
    let mut acct = a.margin_account.load_mut()?;
    let status = market.effective_status(ex.status());
    let decimals = ex.collateral_decimals;
    let buffer = ex.liquidation_buffer_ppm;
    let index = market.market_index;
    let i = acct.slot_of(index).filter(|&i| acct.cross_positions[i].base != 0).ok_or(ErrorCode::NoOpenPosition)?;
    let oracle = read_oracle(&market, &a.oracle, decimals, now)?;
    oracle.require_fill(market.max_fill_age_secs)?;
    funding::accrue(&mut market, &oracle, now, status == MarketStatus::Paused)?;
    let keeper = a.keeper.key();
    let self_liquidation = acct.is_trader(&keeper);

    let claims_start = domain_claims(&acct)?;
    let mut pool_balance = ex.pool_balance;
    {
        let (base, mut snap) = (acct.cross_positions[i].base, acct.cross_positions[i].funding_snapshot.get());
        let mut coll = acct.cross_collateral;
        funding::settle(&market, base, &mut snap, &mut coll, &mut pool_balance)?;
        acct.cross_positions[i].funding_snapshot.set(snap);
        acct.cross_collateral = coll;
    }
    // Every other cross position is read and valued once; the domain after each step
    // below is the book's sum with this market's position valued from memory.
    let book = {
        let named = Named { market: &market, oracle: &oracle };
        let q = HealthQuery { decimals, now, policy: Policy::Lenient, exchange_status: ex.status() };
        CrossBook::scan(&acct, ctx.remaining_accounts, &q, Some(&named))?
    };
    let before = book.domain(&acct)?;
    let continuing = acct.liquidation_continues(clock.slot) && !before.restored(buffer);
    require!(before.is_liquidatable() || continuing, ErrorCode::NotLiquidatable);

    let slot = acct.cross_positions[i];
    let curve = market.maintenance_at(now);
    let input = LiquidationInput {
        base: slot.base,
        price: oracle.price,
        tiers: curve.tiers(),
        ramp_from: curve.ramp_from(),
        equity: before.maintenance_equity,
        maintenance: before.maintenance,
        penalty_ppm: market.liquidation_fee_ppm + market.insurance_share_ppm,
        buffer_ppm: buffer,
        lot_size: market.lot_size,
        dust_notional: market.dust_notional,
    };
    let q = liquidation::bounded_size(&input, max_base)?;
    let q_i = q.cast::<i64>()?;
    let delta = if slot.base > 0 { -q_i } else { q_i };
    let f = apply_fill(slot.base, slot.cost_basis, delta, oracle.price).math()?;
    {
        let mut coll = acct.cross_collateral;
        let mut unsettled = slot.unsettled_pnl;
        book_realised(&market, f.realised_pnl, &mut coll, &mut unsettled, &mut pool_balance)?;
        acct.cross_collateral = coll;
        let s = &mut acct.cross_positions[i];
        s.unsettled_pnl = unsettled;
        s.base = f.base;
        s.cost_basis = f.cost_basis;
        if f.base == 0 {
            s.funding_snapshot.set(0);
        }
    }
    market.record_position_change((slot.base, slot.cost_basis), (f.base, f.cost_basis))?;

    let closed_notional = notional(q_i, oracle.price, Rounding::Ceil).math()?;
    let after_fill = book.domain(&acct)?;
    let available = after_fill.maintenance_equity;
    let collateral_before_charge = acct.cross_collateral;
    let unsettled_before_charge = acct.cross_positions.map(|p| p.unsettled_pnl);
    let flat = !acct.has_open_cross_positions();
    let mut unsettled = unsettled_before_charge;
    let charged = liquidation::charge(
        &market,
        closed_notional,
        available,
        flat,
        self_liquidation,
        liquidation::Settlement {
            collateral: &mut acct.cross_collateral,
            unsettled: &mut unsettled,
            insurance: &mut ex.insurance_balance,
            pool: &mut pool_balance,
        },
    )?;
    for (p, u) in acct.cross_positions.iter_mut().zip(unsettled) {
        p.unsettled_pnl = u;
    }
    let (reward, insurance, debt) = (charged.reward, charged.insurance, charged.bad_debt);
    ex.pool_balance = pool_balance;
    ex.add_claims(domain_claims(&acct)?.safe_sub(claims_start)?)?;

    // The charge only moves collateral (and, when flat, unsettled profit into it): the
    // domain after it is the post-fill domain shifted by the collateral change, unless
    // netting moved unsettled profit (then the book values the account again).
    let netted = unsettled != unsettled_before_charge;
    let after = if netted {
        book.domain(&acct)?
    } else {
        after_fill.with_collateral_change(i128::from(acct.cross_collateral) - i128::from(collateral_before_charge)).math()?
    };
    let excess = |d: &DomainHealth| d.maintenance_equity - d.maintenance;
    require!(excess(&after) >= excess(&before) || flat, ErrorCode::HealthWorsened);
    acct.being_liquidated = u8::from(!flat && !after.restored(buffer));
    acct.liquidation_slot = clock.slot;
    acct.last_active_slot = clock.slot;
    acct.invariant()?;
    market.invariant()?;
    drop(ex);
    pay_out(&a.token_program, &mut a.vault, &a.keeper_token, &a.exchange, reward)?;
    emit!(Liquidated {
        keeper,
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
        self_liquidation,
        domain_before: snapshot(&before),
        domain_after: snapshot(&after),
    });
    debt.emit(account_key, index);
    Ok(())
}

/// The cross domain's claims on the vault: collateral plus every slot's unsettled profit.
fn domain_claims(acct: &MarginAccount) -> Result<i64> {
    let mut total = acct.cross_collateral;
    for p in acct.cross_positions.iter().take(MAX_CROSS_POSITIONS) {
        total = total.safe_add(p.unsettled_pnl)?;
    }
    Ok(total)
}
