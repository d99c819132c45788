//! Building a domain's health from accounts: the bridge between account layouts and the
//! pure margin math.
//!
//! The cross domain needs, for each open cross position in slot order, its market and
//! its oracle as remaining accounts — except the market the instruction itself names
//! (its market and oracle are already loaded, and are used from memory). Nothing may be
//! missing, extra, reordered or substituted.

use anchor_lang::prelude::*;
use ballast_math::constants::MAX_TIERS;
use ballast_math::funding::pending_funding;
use ballast_math::margin::{DomainHealth, PositionHealth, PositionRisk};
use ballast_math::{OracleAction, Tier};

use crate::error::ErrorCode;
use crate::events::DomainSnapshot;
use crate::oracle::{read_oracle, OraclePrice};
use crate::state::{load_checked, CrossPosition, IsolatedPosition, MarginAccount, Market, MAX_CROSS_POSITIONS};

/// A market (and its oracle reading) the instruction already holds.
#[derive(Clone, Copy)]
pub struct Named<'a> {
    pub market: &'a Market,
    pub oracle: &'a OraclePrice,
}

/// What a health computation reads prices for, and how strictly (the oracle policy).
#[derive(Clone, Copy)]
pub struct HealthQuery {
    pub decimals: u8,
    pub now: i64,
    pub action: OracleAction,
}

/// A position's fields, whichever domain holds it.
#[derive(Clone, Copy, Default, PartialEq, Eq)]
pub struct PositionState {
    pub base: i64,
    pub cost_basis: i64,
    pub leverage: u16,
    /// Funding index snapshot (quote native × 1e6 per unit).
    pub snapshot: i128,
}

/// What valuing a position needs from its market and oracle, copied once so that a
/// position can be valued again without re-reading its accounts.
#[derive(Clone, Copy)]
pub struct MarketView {
    pub market_index: u16,
    tiers: [Tier; MAX_TIERS],
    tier_count: usize,
    pnl_weight_ppm: u32,
    transfer_floor_ppm: u32,
    long_index: i128,
    short_index: i128,
    price: u64,
    conf: u64,
}

impl MarketView {
    pub fn of(market: &Market, oracle: &OraclePrice) -> Self {
        let (tiers, tier_count) = market.tier_table();
        Self {
            market_index: market.market_index,
            tiers,
            tier_count,
            pnl_weight_ppm: market.pnl_weight_ppm,
            transfer_floor_ppm: market.transfer_floor_ppm,
            long_index: market.cumulative_funding_long.get(),
            short_index: market.cumulative_funding_short.get(),
            price: oracle.price,
            conf: oracle.conf,
        }
    }

    /// Values one position at this view's price, with its pending funding.
    pub fn value(&self, p: &PositionState) -> Result<PositionHealth> {
        let index = if p.base >= 0 { self.long_index } else { self.short_index };
        let risk = PositionRisk {
            base: p.base,
            cost_basis: p.cost_basis,
            pending_funding: pending_funding(p.base, index, p.snapshot).map_err(ErrorCode::from)?,
            leverage: p.leverage,
            price: self.price,
            conf: self.conf,
            tiers: &self.tiers[..self.tier_count],
            pnl_weight_ppm: self.pnl_weight_ppm,
            transfer_floor_ppm: self.transfer_floor_ppm,
        };
        Ok(risk.health().map_err(ErrorCode::from)?)
    }
}

/// Values one position of `market` at `oracle`, with its pending funding.
pub fn position_health(market: &Market, oracle: &OraclePrice, p: &PositionState) -> Result<PositionHealth> {
    MarketView::of(market, oracle).value(p)
}

fn slot_state(slot: &CrossPosition) -> PositionState {
    PositionState { base: slot.base, cost_basis: slot.cost_basis, leverage: slot.leverage, snapshot: slot.funding_snapshot.get() }
}

/// One valued cross position of a [`CrossBook`].
#[derive(Clone, Copy)]
struct Entry {
    slot: usize,
    /// The slot's fields when it was valued: `domain()` refuses to use the health if the
    /// account changed them without a `revalue`.
    state: PositionState,
    view: MarketView,
    health: PositionHealth,
}

/// The cross positions of an account other than the instruction's own market, each read
/// and valued exactly once per instruction (one pass over the health accounts). A
/// domain's health before and after a change is the book's sum plus the collateral and
/// the instruction's own position valued from memory, so no oracle or market account is
/// parsed twice.
pub struct CrossBook {
    entries: Vec<Entry>,
    /// Σ of the entries' healths (collateral 0): the domain without collateral and
    /// without the named market, summed once.
    others: DomainHealth,
    /// The instruction's own market, copied at the scan (its funding is accrued first;
    /// nothing an instruction changes afterwards affects a valuation).
    named: Option<MarketView>,
}

impl CrossBook {
    /// Reads `remaining` (`[market, oracle]` per open cross position in slot order,
    /// skipping the `named` market) and values each position. Every oracle read,
    /// including the named one, must permit `q.action`. Nothing may be missing, extra,
    /// reordered or substituted.
    pub fn scan(account: &MarginAccount, remaining: &[AccountInfo], q: &HealthQuery, named: Option<&Named>) -> Result<Self> {
        if let Some(n) = named {
            n.oracle.require(q.action)?;
        }
        // Fixed capacity: the heap used does not grow with the number of positions.
        let mut entries = Vec::with_capacity(MAX_CROSS_POSITIONS);
        let mut accounts = remaining.iter();
        for (i, slot) in account.cross_positions.iter().enumerate() {
            if slot.in_use == 0 || slot.base == 0 || named.is_some_and(|n| n.market.market_index == slot.market_index) {
                continue;
            }
            let market_ai = accounts.next().ok_or(ErrorCode::MissingHealthAccounts)?;
            let oracle_ai = accounts.next().ok_or(ErrorCode::MissingHealthAccounts)?;
            let market = load_checked::<Market>(market_ai).map_err(|_| error!(ErrorCode::HealthAccountMismatch))?;
            require!(market.market_index == slot.market_index, ErrorCode::HealthAccountMismatch);
            require!(crate::state::same_key(oracle_ai.key, &market.oracle), ErrorCode::HealthAccountMismatch);
            let oracle = read_oracle(&market, oracle_ai, q.decimals, q.now)?;
            oracle.require(q.action)?;
            let view = MarketView::of(&market, &oracle);
            let state = slot_state(slot);
            entries.push(Entry { slot: i, state, view, health: view.value(&state)? });
        }
        require!(accounts.next().is_none(), ErrorCode::ExtraHealthAccounts);
        let others = sum(&entries)?;
        Ok(Self { entries, others, named: named.map(|n| MarketView::of(n.market, n.oracle)) })
    }

    /// Values the slot again from the account's current fields (after the instruction
    /// changed a position other than its own market's).
    pub fn revalue(&mut self, account: &MarginAccount, slot: usize) -> Result<()> {
        let e = self.entries.iter_mut().find(|e| e.slot == slot).ok_or(ErrorCode::InvariantViolated)?;
        e.state = slot_state(&account.cross_positions[slot]);
        e.health = e.view.value(&e.state)?;
        self.others = sum(&self.entries)?;
        Ok(())
    }

    /// The cross domain as the account stands now, and each open slot's position health.
    pub fn health(&self, account: &MarginAccount) -> Result<Box<CrossHealth>> {
        let mut out = Box::new(CrossHealth { domain: DomainHealth::new(account.cross_collateral), positions: [None; MAX_CROSS_POSITIONS] });
        let mut entries = self.entries.iter().peekable();
        for (i, slot) in account.cross_positions.iter().enumerate() {
            let stored = entries.next_if(|e| e.slot == i);
            if slot.in_use == 0 || slot.base == 0 {
                require!(stored.is_none(), ErrorCode::InvariantViolated);
                continue;
            }
            let health = match (stored, &self.named) {
                (Some(e), _) => {
                    require!(e.state == slot_state(slot), ErrorCode::InvariantViolated);
                    e.health
                }
                (None, Some(view)) if view.market_index == slot.market_index => view.value(&slot_state(slot))?,
                // A position opened after the scan in a market the book has not read.
                _ => return err!(ErrorCode::MissingHealthAccounts),
            };
            out.domain.add(&health).map_err(ErrorCode::from)?;
            out.positions[i] = Some(health);
        }
        Ok(out)
    }

    /// The cross domain's totals as the account stands now: the pre-summed other
    /// positions, the collateral, and the named market's position valued from memory. The
    /// slots are walked only to check that the book still matches the account (no position
    /// the book valued has gone, none it has not read has appeared).
    pub fn domain(&self, account: &MarginAccount) -> Result<DomainHealth> {
        let mut d = self.others.with_collateral_change(i128::from(account.cross_collateral)).map_err(ErrorCode::from)?;
        let mut entries = self.entries.iter().peekable();
        for (i, slot) in account.cross_positions.iter().enumerate() {
            let stored = entries.next_if(|e| e.slot == i);
            // A valued slot must still hold exactly what was valued.
            if let Some(e) = stored {
                require!(e.state == slot_state(slot), ErrorCode::InvariantViolated);
            }
            let stored = stored.is_some();
            let open = slot.in_use != 0 && slot.base != 0;
            match (open, stored, &self.named) {
                (true, true, _) | (false, false, _) => {}
                (false, true, _) => return err!(ErrorCode::InvariantViolated),
                (true, false, Some(view)) if view.market_index == slot.market_index => {
                    d.add(&view.value(&slot_state(slot))?).map_err(ErrorCode::from)?;
                }
                (true, false, _) => return err!(ErrorCode::MissingHealthAccounts),
            }
        }
        Ok(d)
    }
}

/// Σ of the entries' position healths, on zero collateral.
fn sum(entries: &[Entry]) -> Result<DomainHealth> {
    let mut d = DomainHealth::new(0);
    for e in entries {
        d.add(&e.health).map_err(ErrorCode::from)?;
    }
    Ok(d)
}

/// Health of a domain's positions, by slot index.
pub struct CrossHealth {
    pub domain: DomainHealth,
    pub positions: [Option<PositionHealth>; MAX_CROSS_POSITIONS],
}

/// The cross domain's totals in one call (a [`CrossBook`] read once, its sum reused).
pub fn cross_domain(account: &MarginAccount, remaining: &[AccountInfo], q: &HealthQuery, named: Option<&Named>) -> Result<DomainHealth> {
    CrossBook::scan(account, remaining, q, named)?.domain(account)
}

/// Health of the cross domain and of each position, in one call.
pub fn cross_health(
    account: &MarginAccount,
    remaining: &[AccountInfo],
    q: &HealthQuery,
    named: Option<&Named>,
) -> Result<Box<CrossHealth>> {
    CrossBook::scan(account, remaining, q, named)?.health(account)
}

/// Health of one isolated position's domain.
pub fn isolated_health(p: &IsolatedPosition, market: &Market, oracle: &OraclePrice) -> Result<DomainHealth> {
    if p.base == 0 {
        return Ok(DomainHealth::new(p.collateral));
    }
    let h = position_health(
        market,
        oracle,
        &PositionState { base: p.base, cost_basis: p.cost_basis, leverage: p.leverage, snapshot: p.funding_snapshot.get() },
    )?;
    domain_of(p.collateral, &h)
}

/// A one-position domain: `collateral` and the position's health.
pub fn domain_of(collateral: i64, h: &PositionHealth) -> Result<DomainHealth> {
    let mut d = DomainHealth::new(collateral);
    d.add(h).map_err(ErrorCode::from)?;
    Ok(d)
}

/// The event form of a domain's health.
pub fn snapshot(d: &DomainHealth) -> DomainSnapshot {
    let clamp_i64 = |v: i128| i64::try_from(v).unwrap_or(if v < 0 { i64::MIN } else { i64::MAX });
    let clamp_u64 = |v: i128| u64::try_from(v.max(0)).unwrap_or(u64::MAX);
    DomainSnapshot {
        collateral: clamp_i64(d.collateral),
        equity: clamp_i64(d.maintenance_equity),
        initial_margin: clamp_u64(d.initial),
        maintenance_margin: clamp_u64(d.maintenance),
    }
}

/// For a transfer of `amount` out of a domain holding `collateral`, how much positive
/// PnL must be realised first (0 when collateral covers it).
pub fn pnl_to_realise(amount: u64, collateral: i64) -> u64 {
    let short = i128::from(amount) - i128::from(collateral.max(0));
    u64::try_from(short.max(0)).unwrap_or(u64::MAX)
}
