//! Building a domain's health from accounts: the bridge between account layouts and the
//! pure margin math.
//!
//! The cross domain needs, for each cross slot in health (an open position or unsettled
//! profit) in slot order, its market and its oracle as remaining accounts — except the
//! market the instruction itself names (its market and oracle are already loaded, and are
//! used from memory). Nothing may be missing, extra, reordered or substituted. Instead of
//! those pairs, the remaining accounts may be the price book alone: each position is then
//! valued from its market's entry, which must be fresh (`PriceBook::fresh_entry`).
//!
//! Every price is read under one of two policies (docs/MATH.md, "Oracle policy"):
//!
//! * [`Policy::Strict`] — value leaves the domain or its risk grows: every price must be
//!   valid and no market paused; the initial view is taken at the conservative price.
//! * [`Policy::Lenient`] — liquidations, reductions and views: any reading. A valid price
//!   values plainly; a stale, too uncertain or non-positive one values the position
//!   against the trader (losses in full at the last price widened by its confidence and the
//!   market's haircut, profit at zero), so a bad oracle can block nothing and hide nothing.
//!
//! Funding is counted to now in every market (the indices are accrued in memory when the
//! instruction has not accrued the market itself), except while a market is paused.

use anchor_lang::prelude::*;
use ballast_math::funding::pending_funding;
use ballast_math::margin::{DomainHealth, PositionHealth, PositionRisk};
use ballast_math::tiers::Maintenance;
use ballast_math::OracleValidity;

use crate::constants::MAX_PRICE_BOOK_AGE_SLOTS;
use crate::controller::funding;
use crate::error::ErrorCode;
use crate::events::DomainSnapshot;
use crate::oracle::{read_oracle, OraclePrice};
use crate::safe::MathExt;
use crate::state::{
    load_checked, CrossPosition, Exchange, IsolatedPosition, MaintenanceTables, MarginAccount, Market, MarketStatus, PriceBook, PriceEntry,
    MAX_CROSS_POSITIONS,
};

/// How strictly prices are read (see the module docs).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Policy {
    /// Valid prices only, no paused market: transfers out of a domain, new risk.
    Strict,
    /// Any reading, invalid ones valued adversely: liquidations, reductions, views.
    Lenient,
}

/// What a health computation reads prices for, and how strictly.
#[derive(Clone, Copy)]
pub struct HealthQuery {
    pub decimals: u8,
    pub now: i64,
    pub policy: Policy,
    /// The exchange-wide status (a market's effective status is the stricter of the two).
    pub exchange_status: MarketStatus,
    /// The current slot (price-book entries must be at most `MAX_PRICE_BOOK_AGE_SLOTS` older).
    pub slot: u64,
    /// The exchange's market configuration epoch (price-book entries must carry it).
    pub market_config_epoch: u64,
}

impl HealthQuery {
    /// A query at `clock`'s time and slot under `policy` on `ex`'s decimals, status and
    /// configuration epoch.
    pub fn new(ex: &Exchange, clock: &Clock, policy: Policy) -> Self {
        Self {
            decimals: ex.collateral_decimals,
            now: clock.unix_timestamp,
            policy,
            exchange_status: ex.status(),
            slot: clock.slot,
            market_config_epoch: ex.market_config_epoch,
        }
    }
}

/// A position's fields, whichever domain holds it.
#[derive(Clone, Copy, Default, PartialEq, Eq, Debug)]
pub struct PositionState {
    pub base: i64,
    pub cost_basis: i64,
    pub leverage: u16,
    /// Funding index snapshot (quote native × 1e6 per unit).
    pub snapshot: i128,
    /// Unsettled realised profit (quote native, ≥ 0).
    pub unsettled: i64,
}

impl PositionState {
    pub fn of_slot(slot: &CrossPosition) -> Self {
        Self {
            base: slot.base,
            cost_basis: slot.cost_basis,
            leverage: slot.leverage,
            snapshot: slot.funding_snapshot.get(),
            unsettled: slot.unsettled_pnl,
        }
    }

    pub fn of_isolated(p: &IsolatedPosition) -> Self {
        Self {
            base: p.base,
            cost_basis: p.cost_basis,
            leverage: p.leverage,
            snapshot: p.funding_snapshot.get(),
            unsettled: p.unsettled_pnl,
        }
    }
}

/// What valuing a position needs from its market and oracle: its [`Pricing`] and the
/// maintenance curve in force.
#[derive(Clone, Copy)]
pub struct MarketView {
    pub pricing: Pricing,
    maintenance: MaintenanceTables,
}

/// The scalar part of a market's view — prices, funding indices accrued to now, weights
/// and the policy — without the tier tables, so that a [`CrossBook`] keeps one small copy
/// per position (the tables are read from the market account where the position is
/// valued).
#[derive(Clone, Copy)]
pub struct Pricing {
    pub market_index: u16,
    pnl_weight_ppm: u32,
    transfer_floor_ppm: u32,
    haircut_ppm: u32,
    max_fill_age_secs: u32,
    /// The volatility scale of the tier maximum for new risk (initial margin only).
    leverage_scale_ppm: u32,
    /// Funding indices accrued (in memory) to the query's time.
    long_index: i128,
    short_index: i128,
    /// The price positions are valued at: the oracle's when positive, else the market's
    /// last valid price.
    reference_price: u64,
    conf: u64,
    /// The reading is not valid: positions are valued adversely.
    adverse: bool,
    /// Read under [`Policy::Strict`]: valuing an open position needs a valid price in a
    /// market that is not paused (a flat slot holding unsettled profit needs no price).
    strict: bool,
    halted: bool,
    /// The reading's class and age (what the strict policy and fills check).
    validity: OracleValidity,
    age: i64,
}

impl MarketView {
    /// The view of `market` read through `oracle` under `q`'s policy.
    pub fn of(market: &Market, oracle: &OraclePrice, q: &HealthQuery) -> Result<Self> {
        Ok(Self::with(Pricing::of(market, oracle, q)?, market, q))
    }

    /// A view from pricing taken earlier in the instruction and `market`'s curve at `q`'s time.
    pub fn with(pricing: Pricing, market: &Market, q: &HealthQuery) -> Self {
        Self { pricing, maintenance: market.maintenance_at(q.now) }
    }

    /// The same view read under `policy` (prices, funding and curve do not depend on it).
    pub fn with_policy(&self, policy: Policy) -> Self {
        Self { pricing: Pricing { strict: policy == Policy::Strict, ..self.pricing }, ..*self }
    }

    /// Values one position (see [`Pricing::value`]).
    pub fn value(&self, p: &PositionState) -> Result<PositionHealth> {
        self.pricing.value(self.maintenance.curve(), p)
    }

    /// See [`Pricing::require_fill`].
    pub fn require_fill(&self) -> Result<()> {
        self.pricing.require_fill()
    }

    /// The market's index.
    pub fn market_index(&self) -> u16 {
        self.pricing.market_index
    }

    /// The maintenance curve the view values with.
    pub fn maintenance(&self) -> &MaintenanceTables {
        &self.maintenance
    }
}

impl Pricing {
    /// The pricing of `market` read through `oracle` under `q`'s policy.
    pub fn of(market: &Market, oracle: &OraclePrice, q: &HealthQuery) -> Result<Self> {
        let halted = market.effective_status(q.exchange_status) == MarketStatus::Paused;
        let (reference_price, adverse) = reference_price(oracle, market.last_valid_price);
        let (long_index, short_index) = funding::indices_at(market, oracle.price, q.now, halted)?;
        Ok(Self {
            market_index: market.market_index,
            pnl_weight_ppm: market.pnl_weight_ppm,
            transfer_floor_ppm: market.transfer_floor_ppm,
            haircut_ppm: market.invalid_price_haircut_ppm,
            max_fill_age_secs: market.max_fill_age_secs,
            leverage_scale_ppm: market.leverage_scale_ppm()?,
            long_index,
            short_index,
            reference_price,
            conf: oracle.conf,
            adverse,
            strict: q.policy == Policy::Strict,
            halted,
            validity: oracle.validity,
            age: oracle.age,
        })
    }

    /// Values one position at this price on `maintenance` (the market's curve), with its
    /// funding owed to now. Under the strict policy an open position needs a valid price
    /// in a market that is not paused.
    pub fn value(&self, maintenance: Maintenance, p: &PositionState) -> Result<PositionHealth> {
        let weights = MarketWeights {
            pnl_weight_ppm: self.pnl_weight_ppm,
            transfer_floor_ppm: self.transfer_floor_ppm,
            haircut_ppm: self.haircut_ppm,
            leverage_scale_ppm: self.leverage_scale_ppm,
        };
        let index = if p.base >= 0 { self.long_index } else { self.short_index };
        value_position(p, (&self.reading(), self.adverse), index, weights, maintenance, self.strict.then_some(self.halted))
    }

    /// Realising profit from a position of this market is a fill against the pool: it
    /// needs a fresh valid price (the audit's H-2).
    pub fn require_fill(&self) -> Result<()> {
        self.reading().require_fill(self.max_fill_age_secs)
    }

    /// The reading as far as the policy checks look at it.
    fn reading(&self) -> OraclePrice {
        OraclePrice { price: self.reference_price, conf: self.conf, validity: self.validity, age: self.age }
    }
}

/// The price positions are valued at, and whether it is valued adversely: the oracle's
/// when valid; an invalid positive one adversely; else the last valid price adversely (0
/// when the market never had one: only a flat slot can then be valued).
fn reference_price(oracle: &OraclePrice, last_valid_price: u64) -> (u64, bool) {
    match oracle.validity {
        OracleValidity::Valid => (oracle.price, false),
        _ if oracle.price > 0 => (oracle.price, true),
        _ => (last_valid_price, true),
    }
}

/// What a valuation reads from a market besides its price, funding and curve.
#[derive(Clone, Copy)]
struct MarketWeights {
    pnl_weight_ppm: u32,
    transfer_floor_ppm: u32,
    haircut_ppm: u32,
    leverage_scale_ppm: u32,
}

/// Values one position of a market straight from its price-book entry, under `q`'s policy:
/// exactly [`Pricing::value`] on the pricing the entry gives (the reading classified at the
/// query's time, the funding indices as accrued at the refresh), without building that
/// pricing (about 85 CU less per position).
pub fn value_from_entry(e: &PriceEntry, q: &HealthQuery, p: &PositionState) -> Result<PositionHealth> {
    let oracle = e.reading(q.now);
    let (reference_price, adverse) = reference_price(&oracle, e.last_valid_price);
    let weights = MarketWeights {
        pnl_weight_ppm: e.pnl_weight_ppm,
        transfer_floor_ppm: e.transfer_floor_ppm,
        haircut_ppm: e.invalid_price_haircut_ppm,
        leverage_scale_ppm: e.leverage_scale_ppm,
    };
    let index = if p.base >= 0 { e.long_index.get() } else { e.short_index.get() };
    let halted = (q.policy == Policy::Strict).then(|| e.status().max(q.exchange_status) == MarketStatus::Paused);
    value_position(p, (&OraclePrice { price: reference_price, ..oracle }, adverse), index, weights, e.curve_at(q.now), halted)
}

/// The valuation both sources share. `reading` carries the reference price (see
/// [`reference_price`]) and whether it is valued adversely; `index` is the funding index
/// of the position's side accrued to now; `strict_halted` is `Some(paused)` under the
/// strict policy, where an open position needs a valid reading in a market that is not
/// paused.
#[inline(always)]
fn value_position(
    p: &PositionState,
    (reading, adverse): (&OraclePrice, bool),
    index: i128,
    weights: MarketWeights,
    maintenance: Maintenance,
    strict_halted: Option<bool>,
) -> Result<PositionHealth> {
    if let Some(halted) = strict_halted {
        if p.base != 0 {
            reading.require_valid()?;
            require!(!halted, ErrorCode::Paused);
        }
    }
    let risk = PositionRisk {
        base: p.base,
        cost_basis: p.cost_basis,
        pending_funding: pending_funding(p.base, index, p.snapshot).math()?,
        unsettled_pnl: p.unsettled,
        leverage: p.leverage,
        price: reading.price,
        conf: reading.conf,
        tiers: maintenance.tiers,
        ramp_from: maintenance.ramp_from,
        pnl_weight_ppm: weights.pnl_weight_ppm,
        transfer_floor_ppm: weights.transfer_floor_ppm,
        leverage_scale_ppm: weights.leverage_scale_ppm,
    };
    // A flat slot holding only unsettled profit has no price exposure.
    if p.base != 0 && reading.price == 0 {
        return err!(ErrorCode::OracleNonPositive);
    }
    let h = if adverse && p.base != 0 { risk.adverse_health(weights.haircut_ppm) } else { risk.health() };
    h.math()
}

/// One valued cross position of a [`CrossBook`].
#[derive(Clone, Copy)]
pub struct Entry {
    pub slot: usize,
    /// The slot's fields when it was valued: `domain()` refuses to use the health if the
    /// account changed them without a `revalue`.
    pub state: PositionState,
    pub market_index: u16,
    pub health: PositionHealth,
    /// Index of the entry's market account among the remaining accounts (read from the
    /// price book: 0, the book's index).
    pub market_account: usize,
}

/// Where a [`CrossBook`] read its prices.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Source {
    /// A `[market, oracle]` pair per position.
    Accounts,
    /// The price book, the only remaining account.
    PriceBook,
}

/// The cross positions of an account other than the instruction's own market, each read
/// and valued exactly once per instruction (one pass over the health accounts). A
/// domain's health before and after a change is the book's sum plus the collateral and
/// the instruction's own position valued from memory, so no oracle or market account is
/// parsed twice.
pub struct CrossBook {
    entries: Vec<Entry>,
    /// Each entry's pricing, in the same order, when read from the accounts (what
    /// realising profit and revaluing need); empty when read from the price book, whose
    /// entries are only summed and viewed.
    pricings: Vec<Pricing>,
    /// Σ of the entries' healths (collateral 0): the domain without collateral and
    /// without the named market, summed once.
    others: DomainHealth,
    /// The instruction's own market, copied at the scan (its funding is accrued first;
    /// nothing an instruction changes afterwards affects a valuation).
    named: Option<MarketView>,
    /// The query's time (the maintenance curve of a revalued position is taken at it).
    now: i64,
    source: Source,
}

impl CrossBook {
    /// Reads `remaining` (`[market, oracle]` per cross slot in health, in slot order,
    /// skipping the `named` market, whose view — read under `q`'s policy, with its funding
    /// accrued — the instruction passes in; or the price book alone) and values each position
    /// under `q`'s policy. Nothing may be missing, extra, reordered or substituted.
    pub fn scan(account: &MarginAccount, remaining: &[AccountInfo], q: &HealthQuery, named: Option<MarketView>) -> Result<Self> {
        Ok(Self::scan_walked(account, remaining, q, named)?.0)
    }

    /// [`Self::scan`], with the named market's slot in health that the walk found.
    fn scan_walked(
        account: &MarginAccount,
        remaining: &[AccountInfo],
        q: &HealthQuery,
        named: Option<MarketView>,
    ) -> Result<(Self, Option<usize>)> {
        // Fixed capacity: the heap used does not grow with the number of positions.
        let mut entries = Vec::with_capacity(MAX_CROSS_POSITIONS);
        let mut pricings = Vec::new();
        let walked = walk(account, remaining, q, named.as_ref(), Some((&mut entries, &mut pricings)))?;
        Ok((Self { entries, pricings, others: walked.others, named, now: q.now, source: walked.source }, walked.named_slot))
    }

    /// The book and the cross domain as the account stands at the scan: the scan's sum,
    /// the collateral, and the named market's slot valued from memory. The account stays
    /// borrowed from the scan to the sum, so no slot can have changed in between and the
    /// slots need no second walk against the book (what [`Self::domain`] checks after an
    /// instruction has changed the account).
    pub fn scan_with_domain(
        account: &MarginAccount,
        remaining: &[AccountInfo],
        q: &HealthQuery,
        named: Option<MarketView>,
    ) -> Result<(Self, DomainHealth)> {
        let (book, named_slot) = Self::scan_walked(account, remaining, q, named)?;
        let domain = with_named(account, &book.others, book.named.as_ref().zip(named_slot))?;
        Ok((book, domain))
    }

    /// Where the book read its prices.
    pub fn source(&self) -> Source {
        self.source
    }

    /// The maintenance curve `e` was valued on, read again from the accounts the book was
    /// scanned from (`remaining`; a market must not be borrowed mutably).
    pub fn curve(&self, e: &Entry, remaining: &[AccountInfo]) -> Result<MaintenanceTables> {
        let ai = remaining.get(e.market_account).ok_or(ErrorCode::CrossBookOutOfSync)?;
        match self.source {
            Source::PriceBook => Ok(MaintenanceTables::of(book_entry(&*load_checked::<PriceBook>(ai)?, e)?.curve_at(self.now))),
            Source::Accounts => {
                let market = load_checked::<Market>(ai)?;
                require!(market.market_index == e.market_index, ErrorCode::CrossBookOutOfSync);
                Ok(market.maintenance_at(self.now))
            }
        }
    }

    /// Calls `f` with each entry, in slot order, and the curve it was valued on (as
    /// [`Self::curve`], with the price book loaded once for all of them).
    pub fn each_with_curve(&self, remaining: &[AccountInfo], mut f: impl FnMut(&Entry, Maintenance) -> Result<()>) -> Result<()> {
        if self.source == Source::PriceBook {
            let book = load_checked::<PriceBook>(remaining.first().ok_or(ErrorCode::CrossBookOutOfSync)?)?;
            for e in &self.entries {
                f(e, book_entry(&book, e)?.curve_at(self.now))?;
            }
            return Ok(());
        }
        for e in &self.entries {
            f(e, self.curve(e, remaining)?.curve())?;
        }
        Ok(())
    }

    /// The valued positions, in slot order.
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// Values the slot again from the account's current fields (after the instruction
    /// changed a position other than its own market's), at the prices of the scan and the
    /// curve of its market account (`remaining`: the accounts the book was scanned from;
    /// the market must not be borrowed mutably).
    pub fn revalue(&mut self, account: &MarginAccount, slot: usize, remaining: &[AccountInfo]) -> Result<()> {
        let i = self.index_of(slot)?;
        let pricing = *self.pricings.get(i).ok_or(ErrorCode::PriceBookCannotRealise)?;
        let curve = self.curve(&self.entries[i], remaining)?;
        let e = &mut self.entries[i];
        e.state = PositionState::of_slot(&account.cross_positions[slot]);
        e.health = pricing.value(curve.curve(), &e.state)?;
        self.others = sum(&self.entries)?;
        Ok(())
    }

    /// The pricing the slot's entry was valued at (read from the accounts only: the price
    /// book's entries keep none).
    pub fn pricing(&self, slot: usize) -> Result<&Pricing> {
        Ok(self.pricings.get(self.index_of(slot)?).ok_or(ErrorCode::PriceBookCannotRealise)?)
    }

    fn index_of(&self, slot: usize) -> Result<usize> {
        Ok(self.entries.iter().position(|e| e.slot == slot).ok_or(ErrorCode::CrossBookOutOfSync)?)
    }

    /// The named market's view.
    pub fn named(&self) -> Option<&MarketView> {
        self.named.as_ref()
    }

    /// The cross domain as the account stands now, and each slot's position health.
    pub fn health(&self, account: &MarginAccount) -> Result<Box<CrossHealth>> {
        let mut out = Box::new(CrossHealth { domain: DomainHealth::new(account.cross_collateral), positions: [None; MAX_CROSS_POSITIONS] });
        let mut entries = self.entries.iter().peekable();
        for (i, slot) in account.cross_positions.iter().enumerate() {
            let stored = entries.next_if(|e| e.slot == i);
            if !slot.in_health() {
                require!(stored.is_none(), ErrorCode::CrossBookOutOfSync);
                continue;
            }
            let health = match (stored, &self.named) {
                (Some(e), _) => {
                    require!(e.state == PositionState::of_slot(slot), ErrorCode::CrossBookOutOfSync);
                    e.health
                }
                (None, Some(view)) if view.market_index() == slot.market_index => view.value(&PositionState::of_slot(slot))?,
                // A position opened after the scan in a market the book has not read.
                _ => return err!(ErrorCode::MissingHealthAccounts),
            };
            out.domain.add(&health).math()?;
            out.positions[i] = Some(health);
        }
        Ok(out)
    }

    /// The cross domain's totals as the account stands now: the pre-summed other
    /// positions, the collateral, and the named market's position valued from memory. The
    /// slots are walked only to check that the book still matches the account (no position
    /// the book valued has gone, none it has not read has appeared).
    pub fn domain(&self, account: &MarginAccount) -> Result<DomainHealth> {
        let mut d = self.others.with_collateral_change(i128::from(account.cross_collateral)).math()?;
        let mut entries = self.entries.iter().peekable();
        for (i, slot) in account.cross_positions.iter().enumerate() {
            let stored = entries.next_if(|e| e.slot == i);
            // A valued slot must still hold exactly what was valued.
            if let Some(e) = stored {
                require!(e.state == PositionState::of_slot(slot), ErrorCode::CrossBookOutOfSync);
            }
            let stored = stored.is_some();
            match (slot.in_health(), stored, &self.named) {
                (true, true, _) | (false, false, _) => {}
                (false, true, _) => return err!(ErrorCode::CrossBookOutOfSync),
                (true, false, Some(view)) if view.market_index() == slot.market_index => {
                    d.add(&view.value(&PositionState::of_slot(slot))?).math()?;
                }
                (true, false, _) => return err!(ErrorCode::MissingHealthAccounts),
            }
        }
        Ok(d)
    }
}

/// The price-book entry `e` was read from.
fn book_entry<'a>(book: &'a PriceBook, e: &Entry) -> Result<&'a PriceEntry> {
    let entry = book.entries.get(usize::from(e.market_index)).ok_or(ErrorCode::CrossBookOutOfSync)?;
    require!(entry.market_index == e.market_index, ErrorCode::CrossBookOutOfSync);
    Ok(entry)
}

/// Σ of the entries' position healths, on zero collateral.
fn sum(entries: &[Entry]) -> Result<DomainHealth> {
    let mut d = DomainHealth::new(0);
    for e in entries {
        d.add(&e.health).math()?;
    }
    Ok(d)
}

/// Health of a domain's positions, by slot index.
pub struct CrossHealth {
    pub domain: DomainHealth,
    pub positions: [Option<PositionHealth>; MAX_CROSS_POSITIONS],
}

/// The cross domain's totals in one call: the positions walked and summed once, no book kept.
pub fn cross_domain(
    account: &MarginAccount,
    remaining: &[AccountInfo],
    q: &HealthQuery,
    named: Option<&MarketView>,
) -> Result<DomainHealth> {
    // The sum alone: no book is kept (building and moving one costs more than the walk
    // when the account holds few cross positions).
    let walked = walk(account, remaining, q, named, None)?;
    with_named(account, &walked.others, named.zip(walked.named_slot))
}

/// What [`walk`] found.
struct Walked {
    /// Σ of the valued positions (collateral 0).
    others: DomainHealth,
    source: Source,
    /// The named market's slot, when it is in health (at most one: the account's invariant).
    named_slot: Option<usize>,
}

/// Reads `remaining` as [`CrossBook::scan`] describes and values each cross position in
/// health other than the `named` market's, in slot order, under `q`'s policy; returns their
/// sum, where the prices came from and the named market's slot in health, and keeps each
/// entry (and its pricing, when read from the accounts) in `keep` when given. Nothing may
/// be missing, extra, reordered or substituted. One function for both uses (not generic):
/// the valuation inlined into its only caller is measured about 150 CU cheaper per position.
fn walk(
    account: &MarginAccount,
    remaining: &[AccountInfo],
    q: &HealthQuery,
    named: Option<&MarketView>,
    mut keep: Option<(&mut Vec<Entry>, &mut Vec<Pricing>)>,
) -> Result<Walked> {
    // A view read under another policy would value the named market's position by the
    // wrong rules (a programming error: every caller derives it from `q`).
    debug_assert!(named.is_none_or(|n| n.pricing.strict == (q.policy == Policy::Strict)), "named view under another policy");
    // The slots in health, the named market's set aside (found in the same pass).
    let mut named_slot = None;
    let mut valued = |(i, slot): &(usize, &CrossPosition)| {
        if !slot.in_health() {
            return false;
        }
        if named.is_some_and(|n| n.market_index() == slot.market_index) {
            named_slot = Some(*i);
            return false;
        }
        true
    };
    // Σ of the valued positions, summed as they are valued.
    let mut others = DomainHealth::new(0);
    if let [book_ai] = remaining {
        let book = load_checked::<PriceBook>(book_ai).map_err(|_| error!(ErrorCode::HealthAccountMismatch))?;
        // Value leaving a domain or new risk: only this slot's entries, so no reader can
        // pick an older price once its oracle has moved on (docs/SECURITY.md).
        let max_age = if q.policy == Policy::Strict { 0 } else { MAX_PRICE_BOOK_AGE_SLOTS };
        for (i, slot) in account.cross_positions.iter().enumerate().filter(&mut valued) {
            let entry = book.fresh_entry(slot.market_index, q.slot, q.market_config_epoch, max_age)?;
            let state = PositionState::of_slot(slot);
            let health = value_from_entry(entry, q, &state)?;
            others.add(&health).math()?;
            if let Some((entries, _)) = keep.as_mut() {
                entries.push(Entry { slot: i, state, market_index: entry.market_index, health, market_account: 0 });
            }
        }
        return Ok(Walked { others, source: Source::PriceBook, named_slot });
    }
    let mut next = 0usize;
    for (i, slot) in account.cross_positions.iter().enumerate().filter(&mut valued) {
        let market_ai = remaining.get(next).ok_or(ErrorCode::MissingHealthAccounts)?;
        let oracle_ai = remaining.get(next + 1).ok_or(ErrorCode::MissingHealthAccounts)?;
        let market = load_checked::<Market>(market_ai).map_err(|_| error!(ErrorCode::HealthAccountMismatch))?;
        require!(market.market_index == slot.market_index, ErrorCode::HealthAccountMismatch);
        require!(*oracle_ai.key == market.oracle, ErrorCode::HealthAccountMismatch);
        let oracle = read_oracle(&market, oracle_ai, q.decimals, q.now)?;
        let pricing = Pricing::of(&market, &oracle, q)?;
        let state = PositionState::of_slot(slot);
        let health = pricing.value(market.curve_at(q.now), &state)?;
        others.add(&health).math()?;
        if let Some((entries, pricings)) = keep.as_mut() {
            entries.push(Entry { slot: i, state, market_index: market.market_index, health, market_account: next });
            if pricings.capacity() == 0 {
                // Allocated at the first position only: most instructions read none.
                pricings.reserve_exact(MAX_CROSS_POSITIONS);
            }
            pricings.push(pricing);
        }
        next += 2;
    }
    require!(remaining.len() == next, ErrorCode::ExtraHealthAccounts);
    Ok(Walked { others, source: Source::Accounts, named_slot })
}

/// The cross domain from the walked positions' sum `others`: the collateral added, and the
/// named market's slot in health, when there is one, valued through the market's view.
fn with_named(account: &MarginAccount, others: &DomainHealth, named: Option<(&MarketView, usize)>) -> Result<DomainHealth> {
    let mut domain = others.with_collateral_change(i128::from(account.cross_collateral)).math()?;
    if let Some((view, slot)) = named {
        domain.add(&view.value(&PositionState::of_slot(&account.cross_positions[slot]))?).math()?;
    }
    Ok(domain)
}

/// Health of one isolated position's domain, valued through `view`.
pub fn isolated_health(p: &IsolatedPosition, view: &MarketView) -> Result<DomainHealth> {
    domain_of(p.collateral, &view.value(&PositionState::of_isolated(p))?)
}

/// A one-position domain: `collateral` and the position's health.
pub fn domain_of(collateral: i64, h: &PositionHealth) -> Result<DomainHealth> {
    let mut d = DomainHealth::new(collateral);
    d.add(h).math()?;
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::{LeverageTier, WrappedI128};

    const NOW: i64 = 1_000_000;
    const PRICE: u64 = 65_000_000_000_000;

    fn tiers(t: &[(u64, u16)]) -> [LeverageTier; ballast_math::constants::MAX_TIERS] {
        let mut out = [LeverageTier::default(); ballast_math::constants::MAX_TIERS];
        for (o, &(notional_threshold, max_leverage)) in out.iter_mut().zip(t) {
            *o = LeverageTier { notional_threshold, max_leverage, _padding: [0; 6] };
        }
        out
    }

    fn wrapped(v: i128) -> WrappedI128 {
        let mut w = WrappedI128::default();
        w.set(v);
        w
    }

    fn market(status: MarketStatus, last_valid_price: u64, ramping: bool) -> Market {
        let mut m: Market = bytemuck::Zeroable::zeroed();
        m.market_index = 3;
        m.status = status as u8;
        m.tiers = tiers(&[(0, 20), (100_000_000_000, 10), (500_000_000_000, 5)]);
        m.tier_count = 3;
        m.max_oracle_age_secs = 60;
        m.max_oracle_conf_ppm = 20_000;
        m.max_fill_age_secs = 10;
        m.pnl_weight_ppm = 800_000;
        m.transfer_floor_ppm = 50_000;
        m.invalid_price_haircut_ppm = 30_000;
        m.cumulative_funding_long = wrapped(7_000_000_000);
        m.cumulative_funding_short = wrapped(-3_000_000_000);
        // Funding accrued to now: nothing left to accrue in memory.
        m.last_funding_ts = NOW;
        m.last_valid_price = last_valid_price;
        if ramping {
            m.ramp_from_tiers = tiers(&[(0, 50)]);
            m.ramp_from_tier_count = 1;
            (m.ramp_start_ts, m.ramp_end_ts) = (NOW - 100, NOW + 300);
        }
        m
    }

    /// A price-book entry gives exactly the valuation the market and oracle accounts give
    /// (what `CrossBook::scan` reads from either source), in every case the valuation
    /// branches on: policy, reading class, pause, side, a flat slot with unsettled
    /// profit, pending funding, a maintenance ramp.
    #[test]
    fn a_book_entry_values_every_position_exactly_as_its_market_and_oracle_do() {
        let readings = [
            OraclePrice { price: PRICE, conf: 20_000_000_000, validity: OracleValidity::Valid, age: 2 },
            OraclePrice { price: PRICE, conf: 20_000_000_000, validity: OracleValidity::Stale, age: 120 },
            OraclePrice { price: PRICE, conf: 9_000_000_000_000, validity: OracleValidity::TooUncertain, age: 2 },
            OraclePrice { price: 0, conf: 0, validity: OracleValidity::NonPositive, age: 2 },
        ];
        let positions = [
            PositionState { base: 2_000_000_000, cost_basis: 120_000_000_000, leverage: 10, snapshot: 1_000_000_000, unsettled: 0 },
            PositionState { base: -1_500_000_000, cost_basis: -99_000_000_000, leverage: 20, snapshot: 0, unsettled: 4_000_000 },
            PositionState { base: 0, cost_basis: 0, leverage: 5, snapshot: 0, unsettled: 2_500_000 },
            // Large enough for the third tier, where the ramp's blend matters most.
            PositionState { base: 9_000_000_000, cost_basis: 560_000_000_000, leverage: 3, snapshot: 0, unsettled: 0 },
        ];
        let clock = Clock { slot: 77, unix_timestamp: NOW, ..Clock::default() };
        let mut compared = 0;
        for policy in [Policy::Strict, Policy::Lenient] {
            for status in [MarketStatus::Active, MarketStatus::Paused] {
                for last_valid in [0, PRICE - 1_000_000_000] {
                    for ramping in [false, true] {
                        let m = market(status, last_valid, ramping);
                        let q = HealthQuery {
                            decimals: 6,
                            now: NOW,
                            policy,
                            exchange_status: MarketStatus::Active,
                            slot: 77,
                            market_config_epoch: 4,
                        };
                        for o in &readings {
                            let halted = m.effective_status(q.exchange_status) == MarketStatus::Paused;
                            let indices = funding::indices_at(&m, o.price, NOW, halted).unwrap();
                            let e = PriceEntry::record(&m, o, indices, &clock, 4).unwrap();
                            for p in &positions {
                                let from_accounts = Pricing::of(&m, o, &q).and_then(|pr| pr.value(m.curve_at(NOW), p));
                                let from_book = value_from_entry(&e, &q, p);
                                assert_eq!(
                                    format!("{from_book:?}"),
                                    format!("{from_accounts:?}"),
                                    "{policy:?} {status:?} last valid {last_valid} ramp {ramping} {o:?} {p:?}"
                                );
                                compared += usize::from(from_accounts.is_ok());
                            }
                        }
                    }
                }
            }
        }
        // Both outcomes occur: valuations and refusals.
        assert!(compared > 40 && compared < 256, "{compared} valuations compared");
    }

    /// A view read under one policy and switched to the other values (and refuses) every
    /// position exactly as a view read under the other policy from the start.
    #[test]
    fn a_view_switched_to_another_policy_equals_one_read_under_it() {
        let q =
            |policy| HealthQuery { decimals: 6, now: NOW, policy, exchange_status: MarketStatus::Active, slot: 77, market_config_epoch: 4 };
        let positions = [
            PositionState { base: 2_000_000_000, cost_basis: 120_000_000_000, leverage: 10, snapshot: 1_000_000_000, unsettled: 0 },
            PositionState { base: -1_500_000_000, cost_basis: -99_000_000_000, leverage: 20, snapshot: 0, unsettled: 4_000_000 },
            PositionState { base: 0, cost_basis: 0, leverage: 5, snapshot: 0, unsettled: 2_500_000 },
        ];
        let mut refused = 0;
        for status in [MarketStatus::Active, MarketStatus::Paused] {
            let m = market(status, PRICE, true);
            for validity in [OracleValidity::Valid, OracleValidity::Stale, OracleValidity::TooUncertain] {
                let o = OraclePrice { price: PRICE, conf: 20_000_000_000, validity, age: 2 };
                for (from, to) in [(Policy::Lenient, Policy::Strict), (Policy::Strict, Policy::Lenient)] {
                    let switched = MarketView::of(&m, &o, &q(from)).unwrap().with_policy(to);
                    let direct = MarketView::of(&m, &o, &q(to)).unwrap();
                    for p in &positions {
                        let (a, b) = (switched.value(p), direct.value(p));
                        assert_eq!(format!("{a:?}"), format!("{b:?}"), "{status:?} {validity:?} {from:?}→{to:?} {p:?}");
                        refused += usize::from(b.is_err());
                    }
                }
            }
        }
        // The strict policy refuses some of them: the switch must carry it.
        assert!(refused > 0);
    }
}
