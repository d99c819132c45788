//! One liquidation algorithm for both kinds of domain. `liquidate_isolated` and
//! `liquidate_cross` load and check their accounts, wrap the liquidated domain in a
//! [`LiquidatedDomain`] ([`IsolatedDomain`] or [`CrossDomain`]) and call [`liquidate`],
//! which runs every step on it: settle the position's funding, refuse a healthy domain,
//! size the close within the keeper's `max_base`, fill at the oracle price, charge the
//! keeper reward and the insurance share, cover bad debt when the domain ends flat, and
//! refuse a step that leaves the domain worse off.

use anchor_lang::prelude::*;
use ballast_math::liquidation::{penalties, LiquidationInput};
use ballast_math::margin::DomainHealth;
use ballast_math::position::{apply_fill, notional};
use ballast_math::settlement::net_against_debt;
use ballast_math::Rounding;
use ballast_math::{BaseLots, Price};

use super::fill::book_realised;
use super::funding;
use super::pool::Pool;
use crate::error::ErrorCode;
use crate::health::{isolated_health, CrossBook, MarketView, PositionState};
use crate::safe::{Cast, MathExt, SafeMath};
use crate::state::{Exchange, IsolatedPosition, MarginAccount, Market};

/// The size to close: the math's target size, bounded by the keeper's `max_base` and
/// rounded down to a lot when bounded (unless the bound closes everything).
pub fn bounded_size(input: &LiquidationInput, max_base: u64) -> Result<u64> {
    let target = input.close_size().math()?;
    let abs = input.base.unsigned_abs();
    if max_base >= target {
        return Ok(target);
    }
    let lot = input.lot_size.max(1);
    let q = max_base - max_base % lot;
    require!(q > 0, ErrorCode::LiquidationSizeTooSmall);
    Ok(q.min(abs))
}

/// Result of covering a domain's negative collateral after its last position closed.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct BadDebt {
    pub bad_debt: u64,
    pub insurance_paid: u64,
    pub pool_paid: u64,
    pub uncovered: u64,
}

impl BadDebt {
    /// Emits `BadDebtCovered` when there was any.
    pub fn emit(&self, domain_account: Pubkey, market_index: u16) {
        if self.bad_debt > 0 {
            emit!(crate::events::BadDebtCovered {
                domain_account,
                market_index,
                bad_debt: self.bad_debt,
                insurance_paid: self.insurance_paid,
                pool_paid: self.pool_paid,
                uncovered: self.uncovered,
            });
        }
    }
}

/// Insurance first, then the pool's cash; whatever neither holds becomes the pool's
/// deficit (`uncovered`), which auto-deleveraging and the pool's next income pay. The
/// domain ends at zero: no debt is left on a flat account.
pub fn cover_bad_debt(collateral: &mut i64, insurance: &mut u64, pool: &mut Pool) -> Result<BadDebt> {
    if *collateral >= 0 {
        return Ok(BadDebt::default());
    }
    let debt = collateral.unsigned_abs();
    let insurance_paid = debt.min(*insurance);
    let pool_paid = (debt - insurance_paid).min(pool.cash);
    *insurance -= insurance_paid;
    pool.pay_in_full(pool_paid)?;
    let uncovered = debt - insurance_paid - pool_paid;
    pool.owe(uncovered)?;
    *collateral = 0;
    Ok(BadDebt { bad_debt: debt, insurance_paid, pool_paid, uncovered })
}

/// The liquidated domain as the algorithm sees it: the position in the liquidated
/// market, the domain's collateral and unsettled profit, and its health.
pub trait LiquidatedDomain {
    fn position(&self) -> PositionState;
    /// Writes the position's size, cost basis, funding snapshot and unsettled profit.
    fn write_position(&mut self, p: &PositionState);
    fn collateral(&self) -> i64;
    fn set_collateral(&mut self, collateral: i64);
    /// Collateral plus every position's unsettled profit: the domain's claims on the vault.
    fn claims(&self) -> Result<i64>;
    fn health(&self) -> Result<DomainHealth>;
    /// No position left open in the domain.
    fn is_flat(&self) -> bool;
    /// Offsets a negative collateral with the domain's unsettled profit (position by
    /// position); true when anything moved.
    fn net_unsettled_against_debt(&mut self) -> Result<bool>;
    /// An unfinished liquidation may go on above maintenance (cross only).
    fn may_continue(&self) -> bool {
        false
    }
}

/// An isolated or strict-isolated position: its own domain.
pub struct IsolatedDomain<'a> {
    pub position: &'a mut IsolatedPosition,
    pub view: &'a MarketView,
}

impl LiquidatedDomain for IsolatedDomain<'_> {
    fn position(&self) -> PositionState {
        PositionState::of_isolated(self.position)
    }
    fn write_position(&mut self, s: &PositionState) {
        let p = &mut *self.position;
        (p.base, p.cost_basis, p.unsettled_pnl) = (s.base, s.cost_basis, s.unsettled);
        p.funding_snapshot.set(s.snapshot);
    }
    fn collateral(&self) -> i64 {
        self.position.collateral
    }
    fn set_collateral(&mut self, collateral: i64) {
        self.position.collateral = collateral;
    }
    fn claims(&self) -> Result<i64> {
        self.position.collateral.safe_add(self.position.unsettled_pnl)
    }
    fn health(&self) -> Result<DomainHealth> {
        isolated_health(self.position, self.view)
    }
    fn is_flat(&self) -> bool {
        self.position.base == 0
    }
    fn net_unsettled_against_debt(&mut self) -> Result<bool> {
        let p = &mut *self.position;
        let before = p.unsettled_pnl;
        (p.collateral, p.unsettled_pnl) = net_against_debt(p.collateral, p.unsettled_pnl).math()?;
        Ok(p.unsettled_pnl != before)
    }
}

/// The cross domain of a margin account, liquidated in the market of `slot`. `book` holds
/// every other cross position, read and valued once; the domain's health is the book's
/// sum with this market's position valued from the account.
pub struct CrossDomain<'a> {
    pub account: &'a mut MarginAccount,
    pub slot: usize,
    pub book: &'a CrossBook,
    /// The current slot (a liquidation in progress may continue for a limited time).
    pub clock_slot: u64,
}

impl LiquidatedDomain for CrossDomain<'_> {
    fn position(&self) -> PositionState {
        PositionState::of_slot(&self.account.cross_positions[self.slot])
    }
    fn write_position(&mut self, s: &PositionState) {
        let p = &mut self.account.cross_positions[self.slot];
        (p.base, p.cost_basis, p.unsettled_pnl) = (s.base, s.cost_basis, s.unsettled);
        p.funding_snapshot.set(s.snapshot);
    }
    fn collateral(&self) -> i64 {
        self.account.cross_collateral
    }
    fn set_collateral(&mut self, collateral: i64) {
        self.account.cross_collateral = collateral;
    }
    fn claims(&self) -> Result<i64> {
        let mut total = self.account.cross_collateral;
        for p in self.account.cross_positions.iter() {
            total = total.safe_add(p.unsettled_pnl)?;
        }
        Ok(total)
    }
    fn health(&self) -> Result<DomainHealth> {
        self.book.domain(self.account)
    }
    fn is_flat(&self) -> bool {
        !self.account.has_open_cross_positions()
    }
    fn net_unsettled_against_debt(&mut self) -> Result<bool> {
        let a = &mut *self.account;
        let mut moved = false;
        for p in a.cross_positions.iter_mut() {
            let before = p.unsettled_pnl;
            (a.cross_collateral, p.unsettled_pnl) = net_against_debt(a.cross_collateral, p.unsettled_pnl).math()?;
            moved |= p.unsettled_pnl != before;
        }
        Ok(moved)
    }
    fn may_continue(&self) -> bool {
        self.account.liquidation_continues(self.clock_slot)
    }
}

/// What one liquidation step did.
pub struct Liquidation {
    pub before: DomainHealth,
    pub after: DomainHealth,
    pub base_before: i64,
    pub base_after: i64,
    pub closed_notional: u64,
    pub realised_pnl: i64,
    /// Paid to the keeper (0 when the keeper is the account's owner or delegate).
    pub reward: u64,
    /// Credited to the insurance fund (its share, plus a self-liquidator's forfeited reward).
    pub insurance: u64,
    pub bad_debt: BadDebt,
    /// The domain has no position left.
    pub flat: bool,
}

/// Liquidates up to `max_base` lots of the domain's position at `price` (a valid oracle
/// price no older than the market's fill age, checked by the caller, whose market has
/// accrued funding to now). Updates the domain, the market's aggregates and the
/// exchange's pool, insurance and claims; the caller pays `reward` to the keeper.
///
/// The reward and insurance share are charged on the closed notional, capped together at
/// the domain's equity after the fill, reward first. When the keeper is the account's
/// owner or delegate (`self_liquidation`) the domain pays the same penalty but the reward
/// goes to the insurance fund: liquidating one's own account earns nothing (the audit's
/// M-7). A domain left flat nets its unsettled profit against a negative balance, then
/// the insurance fund and the pool cover what remains ([`cover_bad_debt`]).
pub fn liquidate(
    d: &mut impl LiquidatedDomain,
    market: &mut Market,
    ex: &mut Exchange,
    price: u64,
    now: i64,
    max_base: u64,
    self_liquidation: bool,
) -> Result<Liquidation> {
    let claims_start = d.claims()?;
    let mut pool = Pool::of(ex);
    let mut pos = d.position();
    let mut collateral = d.collateral();
    funding::settle(market, &mut pos, &mut collateral, &mut pool)?;
    d.write_position(&pos);
    d.set_collateral(collateral);

    let before = d.health()?;
    let continuing = d.may_continue() && !before.restored(ex.liquidation_buffer_ppm);
    require!(before.is_liquidatable() || continuing, ErrorCode::NotLiquidatable);

    let curve = market.maintenance_at(now);
    let input = LiquidationInput {
        base: pos.base,
        price,
        tiers: curve.tiers(),
        ramp_from: curve.ramp_from(),
        equity: before.maintenance_equity,
        maintenance: before.maintenance,
        penalty_ppm: market.liquidation_fee_ppm + market.insurance_share_ppm,
        buffer_ppm: ex.liquidation_buffer_ppm,
        lot_size: market.lot_size,
        dust_notional: market.dust_notional,
    };
    let q = bounded_size(&input, max_base)?.cast::<i64>()?;
    let base_before = pos.base;
    let f = apply_fill(BaseLots(pos.base), pos.cost_basis, BaseLots(if pos.base > 0 { -q } else { q }), Price(price)).math()?;
    book_realised(market, f.realised_pnl, &mut collateral, &mut pos.unsettled, &mut pool)?;
    market.record_position_change((pos.base, pos.cost_basis), (f.base, f.cost_basis))?;
    (pos.base, pos.cost_basis) = (f.base, f.cost_basis);
    if pos.base == 0 {
        pos.snapshot = 0;
    }
    d.write_position(&pos);
    d.set_collateral(collateral);

    let closed_notional = notional(BaseLots(q), Price(price), Rounding::Ceil).math()?;
    let after_fill = d.health()?;
    let flat = d.is_flat();
    let (reward, insurance) =
        penalties(closed_notional, market.liquidation_fee_ppm, market.insurance_share_ppm, after_fill.maintenance_equity).math()?;
    let paid = reward.safe_add(insurance)?;
    d.set_collateral(collateral.safe_sub(paid.cast::<i64>()?)?);
    let (reward, insurance) = if self_liquidation { (0, paid) } else { (reward, insurance) };
    ex.insurance_balance = ex.insurance_balance.safe_add(insurance)?;
    let (netted, bad_debt) = if flat {
        let netted = d.net_unsettled_against_debt()?;
        let mut c = d.collateral();
        let debt = cover_bad_debt(&mut c, &mut ex.insurance_balance, &mut pool)?;
        d.set_collateral(c);
        (netted, debt)
    } else {
        (false, BadDebt::default())
    };
    pool.store(ex);
    ex.add_claims(d.claims()?.safe_sub(claims_start)?)?;

    // The charge only moves collateral (and, when flat, unsettled profit into it): the
    // domain after it is the post-fill domain shifted by the collateral change, unless
    // netting moved unsettled profit (then the domain is valued again).
    let after =
        if netted { d.health()? } else { after_fill.with_collateral_change(i128::from(d.collateral()) - i128::from(collateral)).math()? };
    let excess = |h: &DomainHealth| h.maintenance_equity - h.maintenance;
    require!(excess(&after) >= excess(&before) || flat, ErrorCode::HealthWorsened);
    Ok(Liquidation {
        before,
        after,
        base_before,
        base_after: pos.base,
        closed_notional,
        realised_pnl: f.realised_pnl,
        reward,
        insurance,
        bad_debt,
        flat,
    })
}
