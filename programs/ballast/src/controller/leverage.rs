//! The leverage state machine on loaded accounts (`set_leverage`): one function per kind
//! of position the market holds for the account.
//!
//! | position | lower | raise |
//! |---|---|---|
//! | cross | cross must meet initial afterwards | frees margin, no transfer |
//! | isolated | pulls `IM_new − equity` from cross (a transfer out of cross), or fails | releases `transferable` to cross |
//! | strict-isolated | pulls from cross, or fails | refused: margin is locked |
//! | flat | stores the setting | stores the setting |
//!
//! Leverage never enters maintenance margin; it must be within the max of the position's
//! current size tier.

use anchor_lang::prelude::*;
use ballast_math::margin::{DomainHealth, PositionHealth};
use ballast_math::position::notional;
use ballast_math::tiers::max_leverage_at;
use ballast_math::Rounding;
use ballast_math::{BaseLots, Price};

use super::pool::Pool;
use super::status::{require_allowed, Gate};
use super::transfer;
use crate::error::ErrorCode;
use crate::health::{cross_domain, isolated_health, pnl_to_realise, CrossBook, HealthQuery, MarketView, Policy, PositionState};
use crate::oracle::OraclePrice;
use crate::safe::{Cast, MathExt, SafeMath};
use crate::state::{IsolatedMode, IsolatedPosition, MarginAccount, MarginMode, Market, MarketStatus};

/// The accounts and readings a leverage change works on, loaded by the handler (the
/// market's funding already accrued to `now`).
pub struct LeverageAccounts<'a, 'info> {
    pub market: &'a mut Market,
    pub account: &'a mut MarginAccount,
    pub oracle: &'a OraclePrice,
    /// `[market, oracle]` per cross slot in health other than this market, in slot order.
    pub remaining: &'a [AccountInfo<'info>],
    pub status: MarketStatus,
    /// Reads under the lenient policy (the strict one is derived for transfers out).
    pub query: HealthQuery,
    pub liquidation_buffer_ppm: u32,
    pub pool: &'a mut Pool,
    pub clock_slot: u64,
}

/// What a leverage change did.
pub struct LeverageChange {
    pub mode: MarginMode,
    pub leverage_before: u16,
    pub before: DomainHealth,
    pub after: DomainHealth,
    /// Moved from cross into the isolated position (negative: released to cross).
    pub margin_moved: i64,
    /// Change of the account's claims on the vault (profit realised to fund a release).
    pub claims_delta: i64,
}

/// Sets `leverage` on whatever the market holds for the account: an open isolated or
/// strict-isolated position, an open cross position, or a flat market's stored setting.
/// `isolated` is the market's isolated position of the account when its account exists
/// (its address checked by the caller).
pub fn set(a: LeverageAccounts, isolated: Option<&mut IsolatedPosition>, leverage: u16) -> Result<LeverageChange> {
    let slot = a.account.slot_of(a.market.market_index);
    let change = match (isolated, slot) {
        (Some(p), _) if p.base != 0 => set_isolated(a, p, leverage)?,
        (_, Some(i)) if a.account.cross_positions[i].base != 0 => set_cross(a, i, leverage)?,
        (p, _) => set_flat(a, slot, p, leverage)?,
    };
    require!(change.before.maintenance == change.after.maintenance, ErrorCode::LeverageChangedMaintenance);
    Ok(change)
}

/// Checks `leverage` against the market's maximum at the notional of `base` lots now: the
/// tier's always, its volatility-scaled value when the setting rises (new risk).
fn check_leverage(a: &LeverageAccounts, base: i64, leverage: u16, before: u16) -> Result<()> {
    let notional_now = notional(BaseLots(base), Price(a.oracle.price), Rounding::Ceil).math()?;
    let tier_max = max_leverage_at(a.market.tier_table(), notional_now);
    require!(leverage <= tier_max, ErrorCode::LeverageAboveTierMax);
    if leverage > before {
        a.market.require_leverage_for_new_risk(notional_now, leverage)?;
    }
    Ok(())
}

fn set_isolated(a: LeverageAccounts, p: &mut IsolatedPosition, leverage: u16) -> Result<LeverageChange> {
    let buffer = a.liquidation_buffer_ppm;
    let mode = p.mode()?;
    let leverage_before = p.leverage;
    check_leverage(&a, p.base, leverage, leverage_before)?;
    let raising = leverage > leverage_before;
    require_allowed(a.status, if raising { Gate::Transfer } else { Gate::Reduce })?;
    let view = MarketView::of(a.market, a.oracle, &a.query)?;
    // Valued once: a leverage change moves only the initial margin, and the transfers
    // below move only collateral (unless profit is realised).
    let position = view.value(&PositionState::of_isolated(p))?;
    let before = one_position_domain(p.collateral, &position)?;
    p.leverage = leverage;
    let at_new = one_position_domain(p.collateral, &position.with_leverage(leverage).math()?)?;
    let collateral_at_new = p.collateral;
    let (mut margin_moved, mut claims_delta, mut realised) = (0i64, 0i64, false);
    if leverage < leverage_before {
        // Lowering: pull the shortfall `IM_new − equity` from cross free collateral. For
        // cross this is a transfer out: fresh prices and the transfer lock (the audit's M-2).
        let shortfall = (at_new.initial - at_new.initial_equity).max(0).cast::<u64>()?;
        if shortfall > 0 {
            let strict = HealthQuery { policy: Policy::Strict, ..a.query };
            let cross = cross_domain(a.account, a.remaining, &strict, Some(&view.with_policy(Policy::Strict)))?;
            require!(
                shortfall <= cross.transferable(buffer) && i128::from(shortfall) <= i128::from(a.account.cross_collateral),
                ErrorCode::InsufficientCrossMargin
            );
            let s = shortfall.cast::<i64>()?;
            a.account.add_collateral(-s)?;
            p.collateral = p.collateral.safe_add(s)?;
            margin_moved = s;
        }
    } else if raising {
        // Raising: strict-isolated margin is locked; isolated releases what is transferable.
        require!(mode != IsolatedMode::StrictIsolated, ErrorCode::StrictIsolatedLocked);
        a.oracle.require_valid()?;
        let release = at_new.transferable(buffer);
        let realise = transfer::realisable(pnl_to_realise(release, p.collateral), at_new.realisable_pnl);
        if realise > 0 {
            view.require_fill()?;
        }
        let release = release.min(u64::try_from(p.collateral.max(0)).unwrap_or(0).saturating_add(realise));
        let (mut cb, mut coll) = (p.cost_basis, p.collateral);
        transfer::realise(a.market, p.base, realise, &mut cb, &mut coll, a.pool)?;
        realised = realise > 0;
        let r = release.cast::<i64>()?;
        p.cost_basis = cb;
        p.collateral = coll.safe_sub(r)?;
        a.account.add_collateral(r)?;
        claims_delta = realise.cast::<i64>()?;
        margin_moved = -r;
    }
    let after = if realised {
        isolated_health(p, &view)?
    } else {
        at_new.with_collateral_change(i128::from(p.collateral) - i128::from(collateral_at_new)).math()?
    };
    if margin_moved < 0 {
        require!(after.meets_transfer_lock(buffer), ErrorCode::InsufficientMargin);
    } else {
        require!(after.meets_initial(), ErrorCode::InsufficientMargin);
    }
    p.last_active_slot = a.clock_slot;
    p.invariant()?;
    Ok(LeverageChange { mode: MarginMode::from_isolated(mode), leverage_before, before, after, margin_moved, claims_delta })
}

fn set_cross(a: LeverageAccounts, i: usize, leverage: u16) -> Result<LeverageChange> {
    let leverage_before = a.account.cross_positions[i].leverage;
    check_leverage(&a, a.account.cross_positions[i].base, leverage, leverage_before)?;
    require_allowed(a.status, Gate::Reduce)?;
    let view = MarketView::of(a.market, a.oracle, &a.query)?;
    let (book, before) = CrossBook::scan_with_domain(a.account, a.remaining, &a.query, Some(view))?;
    a.account.cross_positions[i].leverage = leverage;
    let after = book.domain(a.account)?;
    if leverage < leverage_before {
        require!(after.meets_initial(), ErrorCode::InsufficientMargin);
    }
    Ok(LeverageChange { mode: MarginMode::Cross, leverage_before, before, after, margin_moved: 0, claims_delta: 0 })
}

/// Flat: store the setting where the market's records are, or in a new flat slot.
fn set_flat(a: LeverageAccounts, slot: Option<usize>, isolated: Option<&mut IsolatedPosition>, leverage: u16) -> Result<LeverageChange> {
    // A flat setting takes no risk: the trade that opens with it checks the scaled cap.
    check_leverage(&a, 0, leverage, u16::MAX)?;
    require_allowed(a.status, Gate::Reduce)?;
    let iso_exists = isolated.is_some();
    let mut leverage_before = 0;
    if let Some(p) = isolated {
        leverage_before = p.leverage;
        p.leverage = leverage;
    }
    let i = match slot {
        Some(i) => Some(i),
        None if !iso_exists => Some(a.account.claim_slot(a.market.market_index)?),
        None => None,
    };
    if let Some(i) = i {
        leverage_before = a.account.cross_positions[i].leverage;
        a.account.cross_positions[i].leverage = leverage;
    }
    let d = DomainHealth::new(0);
    let mode = if iso_exists { MarginMode::Isolated } else { MarginMode::Cross };
    Ok(LeverageChange { mode, leverage_before, before: d, after: d, margin_moved: 0, claims_delta: 0 })
}

/// [`crate::health::domain_of`], inlined here: measured about 300 CU cheaper for this instruction, while
/// inlining it everywhere made the cross instructions slower (docs/ARCHITECTURE.md).
#[inline(always)]
fn one_position_domain(collateral: i64, h: &PositionHealth) -> Result<DomainHealth> {
    let mut d = DomainHealth::new(collateral);
    d.add(h).math()?;
    Ok(d)
}
