use anchor_lang::prelude::*;
use ballast_math::constants::MAX_LEVERAGE;
use ballast_math::margin::DomainHealth;
use ballast_math::position::{fill_price, notional};
use ballast_math::tiers::max_leverage_at;
use ballast_math::{OracleAction, Rounding};

use crate::controller::{fill, funding, isolated};
use crate::error::ErrorCode;
use crate::events::TradeExecuted;
use crate::health::{isolated_health, snapshot, CrossBook, HealthQuery, Named, PositionState};
use crate::oracle::read_oracle;
use crate::state::{Exchange, MarginAccount, MarginMode, Market, MarketStatus};

#[derive(Accounts)]
pub struct Trade<'info> {
    /// Owner or delegate; pays the rent of a new isolated position account.
    #[account(mut)]
    pub authority: Signer<'info>,
    #[account(mut)]
    pub exchange: AccountLoader<'info, Exchange>,
    #[account(mut)]
    pub margin_account: AccountLoader<'info, MarginAccount>,
    #[account(mut)]
    pub market: AccountLoader<'info, Market>,
    /// CHECK: must be the market's oracle; checked and parsed by `read_oracle`.
    pub oracle: UncheckedAccount<'info>,
    /// CHECK: by `isolated::verify_address` (contents when it exists, else the address).
    /// The isolated position PDA `["isolated", margin_account, market_index as u16 LE]`.
    /// It may not exist yet: it is created when an isolated position first opens. Always
    /// passed so a cross trade can see that no isolated position is open in the market.
    #[account(mut)]
    pub isolated_position: UncheckedAccount<'info>,
    pub system_program: Program<'info, System>,
    // remaining: [market, oracle] per open cross position other than this market, in slot order.
}

/// Opens, increases, reduces, closes or flips a position against the pool at the oracle
/// price plus the market's spread (SPEC §5 `trade`). An isolated open or increase moves
/// `notional / leverage` of the opened size from cross, plus the opening cost that would
/// otherwise leave the position below its initial margin; the fee is paid by cross.
/// `leverage` 0 keeps the position's setting; on an open position a different non-zero
/// value is refused (use set_leverage).
/// `limit_price` bounds the fill: a buy fills at or below it, a sell at or above it.
pub fn trade<'info>(ctx: Context<'info, Trade<'info>>, base_delta: i64, limit_price: u64, mode: MarginMode, leverage: u16) -> Result<()> {
    require!(base_delta != 0, ErrorCode::ZeroSize);
    let clock = Clock::get()?;
    let now = clock.unix_timestamp;
    let a = &ctx.accounts;
    let account_key = a.margin_account.key();
    let mut ex = a.exchange.load_mut()?;
    let mut market = a.market.load_mut()?;
    let mut acct = a.margin_account.load_mut()?;
    require!(acct.is_trader(&a.authority.key()), ErrorCode::NotOwnerOrDelegate);
    require!(base_delta.unsigned_abs().is_multiple_of(market.lot_size), ErrorCode::SizeNotLotMultiple);
    let decimals = ex.collateral_decimals;
    let oracle = read_oracle(&market, &a.oracle, decimals, now)?;
    funding::accrue(&mut market, oracle.price, now)?;
    let index = market.market_index;

    // ---- where the market stands for this account ----
    let iso_ai = a.isolated_position.to_account_info();
    isolated::verify_address(&iso_ai, &account_key, index, acct.isolated_count)?;
    let iso_exists = isolated::exists(&iso_ai);
    let slot = acct.slot_of(index);
    let cross_open = slot.is_some_and(|i| acct.cross_positions[i].base != 0);
    let (iso_open, iso_mode, iso_pos) = if iso_exists {
        let p = isolated::load_mut(&iso_ai, &account_key, index)?;
        (
            p.base != 0,
            p.mode()?,
            PositionState { base: p.base, cost_basis: p.cost_basis, snapshot: p.funding_snapshot.get(), leverage: p.leverage },
        )
    } else {
        (false, crate::state::IsolatedMode::Isolated, PositionState::default())
    };
    let open_mode = if cross_open {
        Some(MarginMode::Cross)
    } else if iso_open {
        Some(MarginMode::from_isolated(iso_mode))
    } else {
        None
    };
    if let Some(m) = open_mode {
        require!(m == mode, ErrorCode::ModeMismatch);
    }
    let before = match (mode, slot) {
        (MarginMode::Cross, Some(i)) => {
            let s = &acct.cross_positions[i];
            PositionState { base: s.base, cost_basis: s.cost_basis, snapshot: s.funding_snapshot.get(), leverage: s.leverage }
        }
        (MarginMode::Cross, None) => PositionState::default(),
        _ if iso_exists => iso_pos,
        _ => PositionState::default(),
    };
    let lev = if before.base != 0 {
        require!(leverage == 0 || leverage == before.leverage, ErrorCode::LeverageMismatch);
        before.leverage
    } else if leverage != 0 {
        leverage
    } else {
        before.leverage
    };
    require!((1..=MAX_LEVERAGE).contains(&lev), ErrorCode::InvalidLeverage);

    // ---- classify the trade and gate it ----
    let new_base = before.base.checked_add(base_delta).ok_or(ErrorCode::MathOverflow)?;
    let flips = before.base != 0 && new_base != 0 && (before.base > 0) != (new_base > 0);
    let increasing = new_base.unsigned_abs() > before.base.unsigned_abs() || flips;
    match market.effective_status(ex.status()) {
        MarketStatus::Paused => return err!(ErrorCode::Paused),
        MarketStatus::ReduceOnly if increasing => return err!(ErrorCode::ReduceOnly),
        _ => {}
    }
    if before.base == 0 || flips {
        let allowed = crate::state::AllowedModes::from_u8(market.allowed_modes).ok_or(ErrorCode::InvariantViolated)?;
        require!(allowed.permits(mode), ErrorCode::ModeNotAllowed);
    }
    oracle.require(if increasing { OracleAction::RiskIncreasing } else { OracleAction::RiskReducing })?;
    let is_buy = base_delta > 0;
    let fill = fill_price(oracle.price, market.spread_ppm, is_buy).map_err(ErrorCode::from)?;
    if is_buy {
        require!(fill <= limit_price, ErrorCode::LimitPriceExceeded);
    } else {
        require!(fill >= limit_price, ErrorCode::LimitPriceExceeded);
    }

    // The other cross positions are read once, under the policy the trade needs.
    let action = if increasing { OracleAction::RiskIncreasing } else { OracleAction::RiskReducing };
    let book = if mode == MarginMode::Cross {
        let named = Named { market: &market, oracle: &oracle };
        Some(CrossBook::scan(&acct, ctx.remaining_accounts, &HealthQuery { decimals, now, action }, Some(&named))?)
    } else {
        None
    };
    let cross_before = book.as_ref().map(|b| b.domain(&acct)).transpose()?;

    // ---- the fill, on plain values ----
    let pos = before;
    let domain_collateral: i64 = match mode {
        MarginMode::Cross => acct.cross_collateral,
        _ => {
            if iso_exists {
                isolated::load_mut(&iso_ai, &account_key, index)?.collateral
            } else {
                0
            }
        }
    };
    let iso_before = if mode != MarginMode::Cross && iso_exists {
        let p = isolated::load_mut(&iso_ai, &account_key, index)?;
        Some(isolated_health(&p, &market, &oracle)?)
    } else {
        None
    };
    let collateral_start = domain_collateral;
    let order = fill::FillOrder {
        mode,
        increasing,
        base_delta,
        fill_price: fill,
        leverage: lev,
        taker_fee_ppm: ex.taker_fee_ppm,
        protocol_fee_share_ppm: ex.protocol_fee_share_ppm,
    };
    let mut state = fill::FillState { position: pos, collateral: domain_collateral, pool: ex.pool_balance, fee_balance: ex.fee_balance };
    let out = fill::fill(&market, &oracle, &order, &mut state)?;
    let pos = state.position;
    let domain_collateral = state.collateral;
    let pool_balance = state.pool;
    ex.fee_balance = state.fee_balance;
    let (funding_settled, fee, cross_delta, margin_moved) = (out.funding_settled, out.fee, out.cross_delta, out.margin_moved);

    // ---- open interest ----
    crate::controller::update_open_interest(&mut market, before.base, pos.base)?;
    if increasing {
        let side_oi = if pos.base > 0 { market.open_interest_long } else { market.open_interest_short };
        require!(side_oi <= market.max_open_interest, ErrorCode::OpenInterestCapExceeded);
    }

    // ---- write back ----
    // Margin moved between cross and the isolated position cancels out in the total.
    let collateral_net =
        domain_collateral.checked_sub(collateral_start).and_then(|d| d.checked_add(cross_delta)).ok_or(ErrorCode::MathOverflow)?;
    ex.add_collateral(collateral_net)?;
    ex.pool_balance = pool_balance;
    acct.last_active_slot = clock.slot;
    match mode {
        MarginMode::Cross => {
            let i = match slot {
                Some(i) => i,
                None => acct.claim_slot(index)?,
            };
            let s = &mut acct.cross_positions[i];
            s.base = pos.base;
            s.cost_basis = pos.cost_basis;
            s.leverage = pos.leverage;
            s.funding_snapshot.set(if pos.base == 0 { 0 } else { pos.snapshot });
            acct.cross_collateral = domain_collateral;
        }
        _ => {
            if !iso_exists {
                drop(acct);
                let bump = isolated::pda_bump(&iso_ai, &account_key, index)?;
                isolated::create(&iso_ai, &a.authority.to_account_info(), &a.system_program.to_account_info(), &account_key, index, bump)?;
                acct = a.margin_account.load_mut()?;
                acct.isolated_count = acct.isolated_count.checked_add(1).ok_or(ErrorCode::MathOverflow)?;
            }
            let mut p = isolated::load_mut(&iso_ai, &account_key, index)?;
            if before.base == 0 {
                p.mode = mode.isolated().ok_or(ErrorCode::InvariantViolated)?.as_u8();
            }
            p.base = pos.base;
            p.cost_basis = pos.cost_basis;
            p.leverage = pos.leverage;
            p.funding_snapshot.set(if pos.base == 0 { 0 } else { pos.snapshot });
            p.collateral = domain_collateral;
            p.last_active_slot = clock.slot;
            acct.cross_collateral = acct.cross_collateral.checked_add(cross_delta).ok_or(ErrorCode::MathOverflow)?;
        }
    }

    // ---- post-checks ----
    let max_lev = {
        let (tiers, n) = market.tier_table();
        let n_after = notional(pos.base, oracle.price, Rounding::Ceil).map_err(ErrorCode::from)?;
        max_leverage_at(&tiers[..n], n_after)
    };
    if increasing {
        require!(lev <= max_lev, ErrorCode::LeverageAboveTierMax);
    }
    let (domain_before, domain_after): (DomainHealth, DomainHealth) = match mode {
        MarginMode::Cross => {
            let after = book.as_ref().ok_or(ErrorCode::InvariantViolated)?.domain(&acct)?;
            if crate::controller::liquidation::restored(&after, ex.liquidation_buffer_ppm) {
                acct.being_liquidated = 0;
            }
            (cross_before.unwrap_or_default(), after)
        }
        _ => {
            let p = isolated::load_mut(&iso_ai, &account_key, index)?;
            let after = isolated_health(&p, &market, &oracle)?;
            p.invariant()?;
            (iso_before.unwrap_or(DomainHealth::new(0)), after)
        }
    };
    if increasing {
        require!(domain_after.meets_initial(), ErrorCode::InsufficientMargin);
        if mode != MarginMode::Cross {
            let q = HealthQuery { decimals, now, action: OracleAction::RiskIncreasing };
            let cross = CrossBook::scan(&acct, ctx.remaining_accounts, &q, None)?.domain(&acct)?;
            require!(cross.meets_initial(), ErrorCode::InsufficientCrossMargin);
        }
    } else {
        let excess = |d: &DomainHealth| d.maintenance_equity - d.maintenance;
        require!(domain_after.meets_maintenance() || excess(&domain_after) >= excess(&domain_before), ErrorCode::HealthWorsened);
    }
    acct.invariant()?;
    market.invariant()?;
    ex.invariant()?;
    emit!(TradeExecuted {
        margin_account: account_key,
        market_index: index,
        mode: mode.as_u8(),
        leverage: lev,
        base_delta,
        base_before: before.base,
        base_after: pos.base,
        oracle_price: oracle.price,
        fill_price: fill,
        fee,
        realised_pnl: out.realised_pnl,
        funding_settled,
        margin_moved,
        domain_before: snapshot(&domain_before),
        domain_after: snapshot(&domain_after),
    });
    Ok(())
}
