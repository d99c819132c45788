//! The invariants of SPEC §8 that relate the state before a transaction to the state
//! after it, checked by the harness after every transaction (docs/SECURITY.md,
//! "Invariants"):
//!
//! * §8.2 — a voluntary action leaves every domain it touched at or above maintenance, or
//!   with no less margin excess than before (reductions of a failing account); where it
//!   moved value out of a domain (withdraw, remove margin, a leverage raise that releases
//!   margin, margin paid into an isolated position, an increase), that domain meets its
//!   initial margin (transfers: the transfer lock).
//! * §8.3 / §8.5 — an action on one domain changes no other domain's bytes, except the
//!   cross ↔ isolated transfer it names; isolated liquidation never touches the margin
//!   account, cross liquidation no isolated position.
//! * §8.4 — a liquidation happens only below maintenance (or continuing an unfinished one),
//!   never lowers the domain's margin excess (unless it ends flat), and closes no more than
//!   the restore target needs: one lot less would not have restored it.
//! * §8.6 — a leverage change never changes maintenance margin.
//! * §8.7a — funding indices move only forward in time.
//!
//! Domains are valued by the program's own health code on the fetched accounts, at the
//! transaction's clock, so "before" and "after" are measured with the same prices and the
//! same funding.

use std::collections::BTreeMap;

use anchor_lang::prelude::{AccountInfo, Pubkey};
use anchor_lang::solana_program::instruction::Instruction;
use anchor_lang::Discriminator;
use ballast::health::{isolated_health, CrossBook, HealthQuery, MarketView, Policy};
use ballast::oracle::read_oracle;
use ballast::state::{Exchange, IsolatedPosition, MarginAccount, Market};
use ballast_math::liquidation::LiquidationInput;
use ballast_math::margin::DomainHealth;

use crate::decode;

/// Every account the harness knows, as one moment's state.
#[derive(Clone)]
pub struct World {
    pub now: i64,
    pub slot: u64,
    /// key → (lamports, data, owner); absent accounts are missing.
    pub accounts: BTreeMap<Pubkey, (u64, Vec<u8>, Pubkey)>,
    /// `(market, oracle)` by market index.
    pub markets: Vec<(Pubkey, Pubkey)>,
    pub exchange: Pubkey,
}

fn try_decode<T: bytemuck::Pod + Discriminator>(data: &[u8]) -> Option<T> {
    let end = 8 + std::mem::size_of::<T>();
    (data.len() >= end && &data[..8] == T::DISCRIMINATOR).then(|| decode::<T>(data))
}

impl World {
    pub fn get<T: bytemuck::Pod + Discriminator>(&self, key: &Pubkey) -> Option<T> {
        self.accounts.get(key).and_then(|(_, d, _)| try_decode::<T>(d))
    }

    /// An SPL token account's balance.
    pub fn token_amount(&self, key: &Pubkey) -> Option<u64> {
        use solana_program_pack::Pack;
        self.accounts.get(key).and_then(|(_, d, _)| spl_token_interface::state::Account::unpack(d).ok()).map(|a| a.amount)
    }

    pub fn exchange(&self) -> Exchange {
        self.get(&self.exchange).expect("exchange")
    }

    fn query(&self, policy: Policy) -> HealthQuery {
        let ex = self.exchange();
        let clock = solana_clock::Clock { slot: self.slot, unix_timestamp: self.now, ..Default::default() };
        HealthQuery::new(&ex, &clock, policy)
    }

    fn with_infos<R>(&self, keys: &[Pubkey], f: impl FnOnce(&[AccountInfo]) -> R) -> R {
        let mut owned: Vec<(Pubkey, u64, Vec<u8>, Pubkey)> =
            keys.iter().map(|k| self.accounts.get(k).map(|(l, d, o)| (*k, *l, d.clone(), *o)).expect("known account")).collect();
        let infos: Vec<AccountInfo> = owned.iter_mut().map(|(k, l, d, o)| AccountInfo::new(k, false, false, l, d, o, false)).collect();
        f(&infos)
    }

    /// The cross domain of `account` under `policy` (None: the program would refuse to value it).
    pub fn cross(&self, account: &Pubkey, policy: Policy) -> Option<DomainHealth> {
        let m: MarginAccount = self.get(account)?;
        let keys: Vec<Pubkey> = m
            .health_slots()
            .flat_map(|s| [self.markets[usize::from(s.market_index)].0, self.markets[usize::from(s.market_index)].1])
            .collect();
        let q = self.query(policy);
        self.with_infos(&keys, |infos| CrossBook::scan(&m, infos, &q, None).and_then(|b| b.domain(&m)).ok())
    }

    /// The isolated domain `position` under `policy`.
    pub fn isolated(&self, position: &Pubkey, policy: Policy) -> Option<DomainHealth> {
        let p: IsolatedPosition = self.get(position)?;
        let (market_key, oracle_key) = self.markets[usize::from(p.market_index)];
        let market: Market = self.get(&market_key)?;
        let q = self.query(policy);
        self.with_infos(&[oracle_key], |infos| {
            let oracle = read_oracle(&market, &infos[0], q.decimals, q.now).ok()?;
            let view = MarketView::of(&market, &oracle, &q).ok()?;
            isolated_health(&p, &view).ok()
        })
    }

    /// A domain by its account: the margin account (cross) or an isolated position.
    pub fn domain(&self, key: &Pubkey, policy: Policy) -> Option<DomainHealth> {
        if self.get::<MarginAccount>(key).is_some() {
            self.cross(key, policy)
        } else {
            self.isolated(key, policy)
        }
    }

    /// The bytes of a domain that carry value and risk (the margin account without its
    /// activity slot, an isolated position without its).
    pub fn domain_bytes(&self, key: &Pubkey) -> Option<Vec<u8>> {
        if let Some(mut m) = self.get::<MarginAccount>(key) {
            m.last_active_slot = 0;
            return Some(bytemuck::bytes_of(&m).to_vec());
        }
        let mut p = self.get::<IsolatedPosition>(key)?;
        p.last_active_slot = 0;
        Some(bytemuck::bytes_of(&p).to_vec())
    }

    fn oracle_price(&self, market_index: u16) -> Option<u64> {
        let (market_key, oracle_key) = self.markets[usize::from(market_index)];
        let market: Market = self.get(&market_key)?;
        let q = self.query(Policy::Lenient);
        self.with_infos(&[oracle_key], |infos| read_oracle(&market, &infos[0], q.decimals, q.now).ok().map(|o| o.price))
    }
}

/// The kind of a Ballast instruction, read from its discriminator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Trade,
    Withdraw,
    Deposit,
    SetLeverage,
    AddMargin,
    RemoveMargin,
    CloseIsolated,
    LiquidateCross,
    LiquidateIsolated,
    Guard,
    Settle,
    Trigger,
    Other,
}

pub fn kind(ix: &Instruction) -> Kind {
    use ballast::instruction as i;
    let d = &ix.data;
    let is = |disc: &[u8]| d.starts_with(disc);
    if is(i::Trade::DISCRIMINATOR) {
        Kind::Trade
    } else if is(i::Withdraw::DISCRIMINATOR) {
        Kind::Withdraw
    } else if is(i::Deposit::DISCRIMINATOR) {
        Kind::Deposit
    } else if is(i::SetLeverage::DISCRIMINATOR) {
        Kind::SetLeverage
    } else if is(i::AddIsolatedMargin::DISCRIMINATOR) {
        Kind::AddMargin
    } else if is(i::RemoveIsolatedMargin::DISCRIMINATOR) {
        Kind::RemoveMargin
    } else if is(i::CloseIsolatedPosition::DISCRIMINATOR) {
        Kind::CloseIsolated
    } else if is(i::LiquidateCross::DISCRIMINATOR) {
        Kind::LiquidateCross
    } else if is(i::LiquidateIsolated::DISCRIMINATOR) {
        Kind::LiquidateIsolated
    } else if is(i::ExecuteMarginGuard::DISCRIMINATOR) {
        Kind::Guard
    } else if is(i::SettlePnl::DISCRIMINATOR) {
        Kind::Settle
    } else if is(i::ExecuteTriggerOrder::DISCRIMINATOR) {
        Kind::Trigger
    } else {
        Kind::Other
    }
}

fn excess(d: &DomainHealth) -> i128 {
    d.maintenance_equity - d.maintenance
}

/// What the instruction names: (margin account, isolated position, market index).
fn named(ix: &Instruction, k: Kind, world: &World) -> (Option<Pubkey>, Option<Pubkey>, Option<u16>) {
    let key = |i: usize| ix.accounts.get(i).map(|a| a.pubkey);
    let market_index = |i: usize| key(i).and_then(|m| world.markets.iter().position(|(a, _)| *a == m)).map(|i| i as u16);
    match k {
        // authority, exchange, margin, market, oracle, isolated, …
        Kind::Trade | Kind::SetLeverage | Kind::AddMargin | Kind::RemoveMargin => (key(2), key(5), market_index(3)),
        Kind::Withdraw => (key(2), None, None),
        Kind::Deposit => (key(2), None, None),
        Kind::CloseIsolated => (key(1), key(2), None),
        Kind::LiquidateCross => (key(2), None, market_index(3)),
        // keeper, exchange, market, oracle, isolated, margin, …
        Kind::LiquidateIsolated => (key(5), key(4), market_index(2)),
        // keeper, exchange, margin, market, oracle, isolated, …
        Kind::Guard | Kind::Trigger => (key(2), key(5), market_index(3)),
        Kind::Settle | Kind::Other => (None, None, None),
    }
}

/// Checks a successful transaction's transition (see the module docs). Transactions with
/// more than one Ballast instruction are checked for §8.7a and domain confinement only.
pub fn check_transition(ixs: &[Instruction], pre: &World, post: &World) {
    check_funding_time(pre, post);
    // A price-book refresh riding along changes no domain: the checks follow the instruction it serves.
    let ours: Vec<&Instruction> = ixs
        .iter()
        .filter(|i| i.program_id == ballast::ID && !i.data.starts_with(ballast::instruction::RefreshPrices::DISCRIMINATOR))
        .collect();
    // §8.3: no domain account changes unless the transaction names it.
    let named_keys: Vec<Pubkey> = ours.iter().flat_map(|i| i.accounts.iter().map(|a| a.pubkey)).collect();
    for key in pre.accounts.keys() {
        if pre.domain_bytes(key).is_some() && !named_keys.contains(key) {
            assert_eq!(pre.domain_bytes(key), post.domain_bytes(key), "domain {key} changed without being named");
        }
    }
    let [ix] = ours.as_slice() else { return };
    let k = kind(ix);
    let (margin, isolated, market_index) = named(ix, k, pre);
    let changed = |key: &Option<Pubkey>| key.is_some_and(|k| pre.domain_bytes(&k) != post.domain_bytes(&k));
    match k {
        Kind::Trade => {
            let mode = ix.data[8 + 8 + 8]; // after discriminator, base_delta i64, limit_price u64
            if mode == 0 {
                assert!(!changed(&isolated), "a cross trade changed the isolated position");
            } else if let (Some(m), Some(idx)) = (margin, market_index) {
                let (a, b) = (pre.get::<MarginAccount>(&m), post.get::<MarginAccount>(&m));
                let slot = |x: &Option<MarginAccount>| x.and_then(|x| x.slot_of(idx).map(|i| x.cross_positions[i].base));
                assert_eq!(slot(&a), slot(&b), "an isolated trade changed the cross position");
            }
            let domain = if mode == 0 { margin } else { isolated };
            let base = |w: &World| -> i64 {
                match (mode, domain) {
                    (0, Some(m)) => {
                        w.get::<MarginAccount>(&m).and_then(|a| a.slot_of(market_index?).map(|i| a.cross_positions[i].base)).unwrap_or(0)
                    }
                    (_, Some(p)) => w.get::<IsolatedPosition>(&p).map_or(0, |p| p.base),
                    _ => 0,
                }
            };
            let (b0, b1) = (base(pre), base(post));
            let increasing = b1.unsigned_abs() > b0.unsigned_abs() || (b0 != 0 && b1 != 0 && (b0 > 0) != (b1 > 0));
            if let Some(d) = domain {
                voluntary(pre, post, &d, increasing.then_some(Lock::Initial));
            }
            if mode != 0 {
                let cross_paid = increasing;
                voluntary(pre, post, &margin.expect("margin"), cross_paid.then_some(Lock::Transfer));
            }
        }
        Kind::Withdraw => voluntary(pre, post, &margin.expect("margin"), Some(Lock::Transfer)),
        Kind::AddMargin => {
            voluntary(pre, post, &margin.expect("margin"), Some(Lock::Transfer));
            voluntary(pre, post, &isolated.expect("isolated"), None);
        }
        Kind::RemoveMargin => {
            voluntary(pre, post, &isolated.expect("isolated"), Some(Lock::Transfer));
            voluntary(pre, post, &margin.expect("margin"), None);
        }
        Kind::SetLeverage => {
            for d in [margin, isolated].into_iter().flatten() {
                let (a, b) = (collateral(pre, &d), collateral(post, &d));
                voluntary(pre, post, &d, (b < a).then_some(Lock::Transfer));
                // §8.6: maintenance is the same at the same prices and time.
                let at_post_time = World { now: post.now, ..pre.clone() };
                if let (Some(x), Some(y)) = (at_post_time.domain(&d, Policy::Lenient), post.domain(&d, Policy::Lenient)) {
                    assert_eq!(x.maintenance, y.maintenance, "a leverage change changed maintenance of {d}");
                }
            }
        }
        Kind::CloseIsolated | Kind::Deposit => {
            for d in [margin, isolated].into_iter().flatten() {
                voluntary(pre, post, &d, None);
            }
        }
        Kind::LiquidateCross | Kind::LiquidateIsolated => {
            let d = if k == Kind::LiquidateCross { margin.expect("margin") } else { isolated.expect("isolated") };
            if k == Kind::LiquidateIsolated {
                assert!(!changed(&margin), "an isolated liquidation changed the margin account");
            }
            liquidation(pre, post, &d, market_index.expect("market"), k == Kind::LiquidateCross);
        }
        Kind::Guard => {
            let p = isolated.expect("isolated");
            let (a, b) = (pre.isolated(&p, Policy::Lenient), post.isolated(&p, Policy::Lenient));
            if let (Some(a), Some(b)) = (a, b) {
                assert!(excess(&b) > excess(&a), "a margin guard did not improve its position");
            }
            if let Some(c) = post.cross(&margin.expect("margin"), Policy::Strict) {
                assert!(c.meets_transfer_lock(post.exchange().liquidation_buffer_ppm), "a margin guard left cross below its transfer lock");
            }
        }
        Kind::Trigger => {
            // A trigger order only reduces: no position in the market grows or flips, and
            // neither domain ends below maintenance worse off (the tip included).
            let idx = market_index.expect("market");
            let m = margin.expect("margin");
            let cross_base =
                |w: &World| w.get::<MarginAccount>(&m).and_then(|a| a.slot_of(idx).map(|i| a.cross_positions[i].base)).unwrap_or(0);
            let iso_base = |w: &World| isolated.and_then(|p| w.get::<IsolatedPosition>(&p)).map_or(0, |p| p.base);
            for (b0, b1) in [(cross_base(pre), cross_base(post)), (iso_base(pre), iso_base(post))] {
                assert!(
                    b1.unsigned_abs() <= b0.unsigned_abs() && (b1 == 0 || (b0 > 0) == (b1 > 0)),
                    "a trigger order grew or flipped a position: {b0} → {b1}"
                );
            }
            for d in [margin, isolated].into_iter().flatten() {
                voluntary(pre, post, &d, None);
            }
        }
        Kind::Settle | Kind::Other => {}
    }
}

#[derive(Clone, Copy, Debug)]
enum Lock {
    /// New risk: initial margin (and maintenance).
    Initial,
    /// Value moved out: the transfer lock (initial, floor, maintenance × (1 + buffer)).
    Transfer,
}

fn collateral(w: &World, key: &Pubkey) -> i64 {
    w.get::<MarginAccount>(key).map(|m| m.cross_collateral).or_else(|| w.get::<IsolatedPosition>(key).map(|p| p.collateral)).unwrap_or(0)
}

/// §8.2 for one domain a voluntary action touched.
fn voluntary(pre: &World, post: &World, key: &Pubkey, lock: Option<Lock>) {
    let Some(after) = post.domain(key, Policy::Lenient) else { return };
    let at_post_time = World { now: post.now, ..pre.clone() };
    let before = at_post_time.domain(key, Policy::Lenient);
    let ok = after.meets_maintenance() || before.is_some_and(|b| excess(&after) >= excess(&b));
    assert!(ok, "a voluntary action left {key} below maintenance and worse than before: {before:?} → {after:?}");
    match lock {
        Some(Lock::Initial) => {
            assert!(after.meets_initial() && after.meets_maintenance(), "new risk left {key} below initial margin: {after:?}");
        }
        Some(Lock::Transfer) => {
            let strict = post.domain(key, Policy::Strict).expect("a transfer out happened, so prices were valid");
            let buffer = post.exchange().liquidation_buffer_ppm;
            assert!(strict.meets_transfer_lock(buffer), "a transfer out left {key} below its transfer lock: {strict:?}");
        }
        None => {}
    }
}

/// §8.4 for a liquidation of `key`'s position in `market_index`.
fn liquidation(pre: &World, post: &World, key: &Pubkey, market_index: u16, cross: bool) {
    let at_post_time = World { now: post.now, ..pre.clone() };
    let before = at_post_time.domain(key, Policy::Lenient).expect("liquidated domain was valued");
    let after = post.domain(key, Policy::Lenient);
    let ex = pre.exchange();
    let buffer = ex.liquidation_buffer_ppm;
    let continuing = cross && pre.get::<MarginAccount>(key).is_some_and(|m| m.liquidation_continues(post.slot)) && !before.restored(buffer);
    assert!(before.is_liquidatable() || continuing, "liquidated a healthy domain {key}: {before:?}");
    let base = |w: &World| -> i64 {
        if cross {
            w.get::<MarginAccount>(key).and_then(|m| m.slot_of(market_index).map(|i| m.cross_positions[i].base)).unwrap_or(0)
        } else {
            w.get::<IsolatedPosition>(key).map_or(0, |p| p.base)
        }
    };
    let (b0, b1) = (base(pre), base(post));
    let flat = b1 == 0 && after.is_some_and(|a| a.notional == 0);
    if let Some(a) = after {
        assert!(excess(&a) >= excess(&before) || flat, "a liquidation lowered {key}'s margin excess: {before:?} → {a:?}");
    }
    // No more than the target: one lot less would not have restored maintenance × (1 + buffer).
    let market: Market = pre.get(&pre.markets[usize::from(market_index)].0).expect("market");
    let q = b0.unsigned_abs() - b1.unsigned_abs();
    let Some(price) = post.oracle_price(market_index) else { return };
    let curve = market.maintenance_at(post.now);
    let input = LiquidationInput {
        base: b0,
        price,
        tiers: curve.tiers(),
        ramp_from: curve.ramp_from(),
        equity: before.maintenance_equity,
        maintenance: before.maintenance,
        penalty_ppm: market.liquidation_fee_ppm + market.insurance_share_ppm,
        buffer_ppm: buffer,
        lot_size: market.lot_size,
        dust_notional: market.dust_notional,
    };
    let lot = market.lot_size;
    if q > lot && b1 != 0 {
        assert!(!input.restores(q - lot).expect("sizing"), "a liquidation of {key} closed more than the target plus one lot ({q} lots)");
    }
}

/// §8.7a: every market's funding clock only moves forward, and its indices move only
/// when it does.
fn check_funding_time(pre: &World, post: &World) {
    for (market_key, _) in &pre.markets {
        let (Some(a), Some(b)) = (pre.get::<Market>(market_key), post.get::<Market>(market_key)) else { continue };
        assert!(b.last_funding_ts >= a.last_funding_ts, "market {} funding clock went back", a.market_index);
        let moved = a.cumulative_funding_long != b.cumulative_funding_long || a.cumulative_funding_short != b.cumulative_funding_short;
        assert!(!moved || b.last_funding_ts > a.last_funding_ts, "market {} funding moved without time passing", a.market_index);
    }
}
