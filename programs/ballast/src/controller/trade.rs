//! A trade against the pool on loaded accounts: `trade` runs it for the owner or
//! delegate, `execute_trigger_order` for a keeper executing a stored reduce-only order.

use anchor_lang::prelude::*;
use ballast_math::constants::MAX_LEVERAGE;
use ballast_math::margin::DomainHealth;
use ballast_math::position::{fill_price, notional};
use ballast_math::Rounding;
use ballast_math::{BaseLots, Price};

use crate::controller::pool::Pool;
use crate::controller::status::{require_allowed, Gate};
use crate::controller::{fill, funding, isolated};
use crate::error::ErrorCode;
use crate::events::TradeExecuted;
use crate::health::{cross_domain, isolated_health, snapshot, CrossBook, HealthQuery, MarketView, Policy, PositionState};
use crate::oracle::{read_oracle, OraclePrice};
use crate::safe::{Cast, MathExt, SafeMath};
use crate::state::{Exchange, IsolatedMode, MarginAccount, MarginMode, Market, MarketStatus};

/// What to trade (the `trade` instruction's arguments).
#[derive(Debug, Clone, Copy)]
pub struct TradeOrder {
    /// Lots; positive buys.
    pub base_delta: i64,
    /// A buy fills at or below it, a sell at or above it.
    pub limit_price: u64,
    pub mode: MarginMode,
    /// An opening position's leverage (0 keeps the setting).
    pub leverage: u16,
}

/// The accounts a trade reads and writes, loaded and authorised by the handler.
pub struct TradeAccounts<'a, 'info> {
    pub exchange: &'a mut Exchange,
    pub market: &'a mut Market,
    pub account: &'a mut MarginAccount,
    pub account_key: Pubkey,
    /// The market's oracle (checked by `read_oracle`).
    pub oracle: &'a AccountInfo<'info>,
    /// The reading of `oracle` the caller already took in this instruction (it is not
    /// parsed twice), or `None`.
    pub reading: Option<OraclePrice>,
    /// The isolated position PDA for the market (it may not exist yet).
    pub isolated_position: &'a AccountInfo<'info>,
    /// Payer and system program for a new isolated position account; `None` where the
    /// trade cannot open one (a reduce-only execution).
    pub payer: Option<(&'a AccountInfo<'info>, &'a AccountInfo<'info>)>,
    /// `[market, oracle]` per cross slot in health other than this market, in slot order.
    pub remaining: &'a [AccountInfo<'info>],
}

/// Where the traded market stands for this account before the trade.
struct Standing {
    iso_exists: bool,
    slot: Option<usize>,
    before: PositionState,
    /// The traded domain's collateral.
    collateral: i64,
}

/// Opens, increases, reduces, closes or flips a position against the pool at the oracle
/// price moved by its confidence and the market's spread against the trader (SPEC §5
/// `trade`, docs/ARCHITECTURE.md "Trading"). Every fill needs a valid price no older than
/// the market's fill age. An isolated open or increase moves `notional / leverage` of the
/// opened size from cross, plus the opening cost that would otherwise leave the position
/// below its initial margin; the fee is paid by cross. `leverage` 0 keeps the position's
/// setting; on an open position a different non-zero value is refused (use set_leverage).
/// Returns the event to emit and the traded domain's health after the trade.
#[inline(always)]
pub fn execute(a: TradeAccounts, order: &TradeOrder, clock: &Clock) -> Result<(TradeExecuted, DomainHealth)> {
    let TradeOrder { base_delta, limit_price, mode, leverage } = *order;
    require!(base_delta != 0, ErrorCode::ZeroSize);
    let now = clock.unix_timestamp;
    let account_key = a.account_key;
    let (ex, market, acct) = (a.exchange, a.market, a.account);
    require!(base_delta.unsigned_abs().is_multiple_of(market.lot_size), ErrorCode::SizeNotLotMultiple);
    let status = market.effective_status(ex.status());
    let decimals = ex.collateral_decimals;
    let oracle = match a.reading {
        Some(reading) => reading,
        None => read_oracle(market, a.oracle, decimals, now)?,
    };
    funding::accrue(market, &oracle, now, status == MarketStatus::Paused)?;
    let index = market.market_index;

    // ---- where the market stands for this account ----
    let iso_ai = a.isolated_position;
    let st = standing(acct, iso_ai, &account_key, index, mode)?;
    let before = st.before;
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
    let new_base = before.base.safe_add(base_delta)?;
    let flips = before.base != 0 && new_base != 0 && (before.base > 0) != (new_base > 0);
    let increasing = new_base.unsigned_abs() > before.base.unsigned_abs() || flips;
    require_allowed(status, if increasing { Gate::Increase } else { Gate::Reduce })?;
    if before.base == 0 || flips {
        let allowed = crate::state::AllowedModes::from_u8(market.allowed_modes).ok_or(ErrorCode::MarketStateInvalid)?;
        require!(allowed.permits(mode), ErrorCode::ModeNotAllowed);
    }
    oracle.require_fill(market.max_fill_age_secs)?;
    let is_buy = base_delta > 0;
    let fill = fill_price(Price(oracle.price), Price(oracle.conf), market.spread_ppm, is_buy).math()?.get();
    if is_buy {
        require!(fill <= limit_price, ErrorCode::LimitPriceExceeded);
    } else {
        require!(fill >= limit_price, ErrorCode::LimitPriceExceeded);
    }

    // The other cross positions are read once: strictly for new risk, leniently otherwise.
    let policy = if increasing { Policy::Strict } else { Policy::Lenient };
    let q = HealthQuery::new(ex, clock, policy);
    let view = MarketView::of(market, &oracle, &q)?;
    let (book, cross_before) = if mode == MarginMode::Cross {
        let (book, domain) = CrossBook::scan_with_domain(acct, a.remaining, &q, Some(view))?;
        (Some(book), Some(domain))
    } else {
        (None, None)
    };
    let domain_before = match cross_before {
        Some(d) => d,
        None if st.iso_exists => isolated_health(&*isolated::load_mut(iso_ai, &account_key, index)?, &view)?,
        None => DomainHealth::new(0),
    };

    // ---- the fill, on plain values ----
    let order = fill::FillOrder {
        mode,
        increasing,
        base_delta,
        fill_price: fill,
        leverage: lev,
        taker_fee_ppm: ex.taker_fee_ppm,
        protocol_fee_share_ppm: ex.protocol_fee_share_ppm,
        liquidation_buffer_ppm: ex.liquidation_buffer_ppm,
    };
    let mut state = fill::FillState { position: before, collateral: st.collateral, pool: Pool::of(ex), fee_balance: ex.fee_balance };
    let out = fill::fill(market, &view, &order, &mut state)?;
    let pos = state.position;

    // ---- open interest and the side's cost basis ----
    market.record_position_change((before.base, before.cost_basis), (pos.base, pos.cost_basis))?;
    if increasing {
        let side_oi = if pos.base > 0 { market.open_interest_long } else { market.open_interest_short };
        require!(side_oi <= market.max_open_interest, ErrorCode::OpenInterestCapExceeded);
    }

    // ---- write back ----
    // Claims change by the domain's collateral and unsettled profit, and by what moved to
    // or from cross (margin moved between the two cancels out).
    let claims_delta = (i128::from(state.collateral) - i128::from(st.collateral))
        + (i128::from(pos.unsettled) - i128::from(before.unsettled))
        + i128::from(out.cross_delta);
    ex.add_claims(claims_delta.cast::<i64>()?)?;
    state.pool.store(ex);
    ex.fee_balance = state.fee_balance;
    acct.last_active_slot = clock.slot;
    // A position that opens or flips is a new position: trigger orders placed on the
    // old one must not act on it.
    let new_open_id = (before.base == 0 && pos.base != 0 || flips).then(|| acct.next_open_id());
    if mode == MarginMode::Cross {
        let i = match st.slot {
            Some(i) => i,
            None => acct.claim_slot(index)?,
        };
        let s = &mut acct.cross_positions[i];
        s.base = pos.base;
        s.cost_basis = pos.cost_basis;
        s.leverage = pos.leverage;
        s.unsettled_pnl = pos.unsettled;
        s.funding_snapshot.set(if pos.base == 0 { 0 } else { pos.snapshot });
        if let Some(id) = new_open_id {
            s.open_id = id;
        }
        acct.cross_collateral = state.collateral;
    } else {
        if !st.iso_exists {
            let (payer, system_program) = a.payer.ok_or(ErrorCode::InvariantViolated)?;
            let bump = isolated::pda_bump(iso_ai, &account_key, index)?;
            isolated::create(iso_ai, payer, system_program, &account_key, index, bump)?;
            acct.isolated_count = acct.isolated_count.safe_add(1)?;
        }
        let mut p = isolated::load_mut(iso_ai, &account_key, index)?;
        if before.base == 0 {
            p.mode = mode.isolated().ok_or(ErrorCode::InvariantViolated)?.as_u8();
        }
        p.base = pos.base;
        p.cost_basis = pos.cost_basis;
        p.leverage = pos.leverage;
        p.unsettled_pnl = pos.unsettled;
        p.funding_snapshot.set(if pos.base == 0 { 0 } else { pos.snapshot });
        p.collateral = state.collateral;
        p.last_active_slot = clock.slot;
        if let Some(id) = new_open_id {
            p.open_id = id;
        }
        // Isolated margin and its fee are paid from cross *collateral*, never from cross's
        // unrealised profit (as add_isolated_margin and set_leverage require).
        require!(out.cross_delta >= 0 || acct.cross_collateral >= out.cross_delta.saturating_neg(), ErrorCode::InsufficientCrossMargin);
        acct.cross_collateral = acct.cross_collateral.safe_add(out.cross_delta)?;
    }

    // ---- post-checks ----
    let buffer = ex.liquidation_buffer_ppm;
    if increasing {
        let n_after = notional(BaseLots(pos.base), Price(oracle.price), Rounding::Ceil).math()?;
        market.require_leverage_for_new_risk(n_after, lev)?;
    }
    let domain_after = match &book {
        Some(b) => {
            let after = b.domain(acct)?;
            if after.restored(buffer) {
                acct.being_liquidated = 0;
            }
            after
        }
        None => {
            let p = isolated::load_mut(iso_ai, &account_key, index)?;
            p.invariant()?;
            isolated_health(&p, &view)?
        }
    };
    if increasing {
        // New risk ends at or above initial margin, and never below maintenance (which,
        // during a maintenance ramp, can exceed a new table's initial margin).
        require!(domain_after.meets_initial() && domain_after.meets_maintenance(), ErrorCode::InsufficientMargin);
        if mode != MarginMode::Cross {
            // Margin came out of cross: cross keeps what a transfer out must leave.
            // (This market's own slot, if it holds unsettled profit, is valued from memory.)
            let q = HealthQuery { policy: Policy::Strict, ..q };
            let cross = cross_domain(acct, a.remaining, &q, Some(&view.with_policy(Policy::Strict)))?;
            require!(cross.meets_transfer_lock(buffer), ErrorCode::InsufficientCrossMargin);
        }
    } else {
        let excess = |d: &DomainHealth| d.maintenance_equity - d.maintenance;
        require!(domain_after.meets_maintenance() || excess(&domain_after) >= excess(&domain_before), ErrorCode::HealthWorsened);
    }
    acct.invariant()?;
    market.invariant()?;
    ex.invariant()?;
    let event = TradeExecuted {
        margin_account: account_key,
        market_index: index,
        mode: mode.as_u8(),
        leverage: lev,
        base_delta,
        base_before: before.base,
        base_after: pos.base,
        oracle_price: oracle.price,
        fill_price: fill,
        fee: out.fee,
        realised_pnl: out.realised_pnl,
        unsettled_added: out.unsettled_added,
        funding_settled: out.funding_settled,
        margin_moved: out.margin_moved,
        domain_before: snapshot(&domain_before),
        domain_after: snapshot(&domain_after),
    };
    Ok((event, domain_after))
}

/// Reads the account's records for `index`: its cross slot and isolated position. A
/// position open in one mode refuses a trade in another (`ModeMismatch`); a flat market
/// may change mode.
fn standing(acct: &MarginAccount, iso_ai: &AccountInfo, account_key: &Pubkey, index: u16, mode: MarginMode) -> Result<Standing> {
    isolated::verify_address(iso_ai, account_key, index, acct.isolated_count)?;
    let iso_exists = isolated::exists(iso_ai);
    let slot = acct.slot_of(index);
    let cross = slot.map(|i| PositionState::of_slot(&acct.cross_positions[i]));
    let (iso_mode, iso, iso_collateral) = if iso_exists {
        let p = isolated::load_mut(iso_ai, account_key, index)?;
        (p.mode()?, Some(PositionState::of_isolated(&p)), p.collateral)
    } else {
        (IsolatedMode::Isolated, None, 0)
    };
    let open_mode = match (cross, iso) {
        (Some(c), _) if c.base != 0 => Some(MarginMode::Cross),
        (_, Some(p)) if p.base != 0 => Some(MarginMode::from_isolated(iso_mode)),
        _ => None,
    };
    if let Some(m) = open_mode {
        require!(m == mode, ErrorCode::ModeMismatch);
    }
    Ok(match mode {
        MarginMode::Cross => Standing { iso_exists, slot, before: cross.unwrap_or_default(), collateral: acct.cross_collateral },
        _ => Standing { iso_exists, slot, before: iso.unwrap_or_default(), collateral: iso_collateral },
    })
}
