//! A stateful fuzzer: random sequences over every instruction, including adversarial ones
//! (wrong, duplicated or foreign accounts, stale, uncertain and non-positive prices,
//! donations to the vault, price jumps up to ±60%, time jumps, tier and parameter changes,
//! pauses, delegates), across four traders, three markets and all three margin modes.
//!
//! After every step the harness checks every invariant it knows (`Harness::send`: SPEC §8.1
//! to §8.7 and each account's own `invariant()`); a refused step must change nothing. On
//! top of that the fuzzer checks value conservation — Σ wallets + the vault never changes,
//! because no token is minted after the set-up — and that no trader ever takes out more
//! than it put in plus what its positions could have earned at the prices that were
//! actually valid: Σ over price moves of |size| × |move|, plus the most funding the rate cap
//! allows, plus one unit of rounding per step. That bound is computed here, from the price
//! path the fuzzer itself published and the sizes it observed, not from the program's
//! accounting.
//!
//! A sequence is generated from a seed alone (steps do not depend on the state; amounts
//! that do, such as "30% of the transferable margin", are resolved when the step runs), so
//! a failure is reproduced by its seed. `shrink` reduces a failing sequence to a minimal
//! subset of its steps, which `save_regression` writes to `tests/fuzz-regressions/`; the
//! test suite replays every file there.

use std::collections::BTreeMap;
use std::fmt;

use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::instruction::Instruction;
use ballast::state::{MarginMode, MarketParams, MarketStatus, TierParams};
use solana_signer::Signer;

use crate::{default_market_params, ix, Harness, User, UNIT, USD};

/// A small deterministic generator (SplitMix64): no dependency, same sequence on every machine.
#[derive(Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed ^ 0x9E37_79B9_7F4A_7C15)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }
    pub fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + self.below((hi - lo + 1) as u64) as i64
    }
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

pub const USERS: u8 = 4;
pub const MARKETS: u8 = 3;
/// Starting prices, dollars: BTC, ETH, and a thin market whose profit counts at 50%.
const START: [f64; 3] = [50_000.0, 3_000.0, 20.0];

/// One step of a sequence. Amounts that depend on the state are fractions (ppm) resolved
/// when the step runs.
#[derive(Clone, Debug, PartialEq)]
pub enum Step {
    /// Moves a market's price by `move_bp` basis points with a confidence of `conf_bp`.
    Price {
        market: u8,
        move_bp: i32,
        conf_bp: u32,
    },
    /// Publishes a non-positive price.
    ZeroPrice {
        market: u8,
    },
    /// Republishes every market at its last price (keeps oracles fresh).
    Refresh,
    /// `refresh_prices` over every market (the price book).
    RefreshBook,
    /// Where cross-reading instructions read the other positions' prices from now on: 0 the
    /// `[market, oracle]` pairs, 1 the price book as it stands, 2 the price book refreshed
    /// in the same transaction.
    Book {
        mode: u8,
    },
    Time {
        secs: u32,
    },
    Slots {
        n: u32,
    },
    Deposit {
        user: u8,
        dollars: u32,
    },
    /// Withdraws `ppm` of the reported transferable margin (above 1e6: more than allowed).
    Withdraw {
        user: u8,
        ppm: u32,
    },
    /// Trades `lots` (0.001 of a unit each; negative: sell). `leverage` 0 keeps the
    /// setting. An open position's mode is used instead of `mode` most of the time.
    Trade {
        user: u8,
        market: u8,
        lots: i32,
        mode: u8,
        leverage: u16,
        by_delegate: bool,
    },
    /// Reduces the user's position in the market by `ppm` of its size.
    Reduce {
        user: u8,
        market: u8,
        ppm: u32,
    },
    Leverage {
        user: u8,
        market: u8,
        leverage: u16,
    },
    AddMargin {
        user: u8,
        market: u8,
        dollars: u32,
    },
    RemoveMargin {
        user: u8,
        market: u8,
        ppm: u32,
    },
    Guard {
        user: u8,
        market: u8,
        trigger_pct: u16,
        top_up: u32,
    },
    ExecuteGuard {
        user: u8,
        market: u8,
    },
    /// Liquidates the named domain, or (most of the time) the first liquidatable one.
    Liquidate {
        user: u8,
        market: u8,
        isolated: bool,
        max_lots: u32,
        by_owner: bool,
    },
    Settle {
        user: u8,
        market: u8,
        isolated: bool,
    },
    CloseIsolated {
        user: u8,
        market: u8,
    },
    Donate {
        user: u8,
        units: u32,
    },
    Sync,
    Crank {
        market: u8,
    },
    Pause {
        market: Option<u8>,
        status: u8,
        by_guardian: bool,
    },
    Params {
        market: u8,
        variant: u8,
    },
    Delegate {
        user: u8,
        to: Option<u8>,
    },
    /// The admin's treasury operations: `op` 0 seeds the insurance fund with `amount`
    /// dollars, 1 withdraws `amount` ppm of it (refused below its floor), 2 sweeps `amount`
    /// ppm of the protocol fees (above 1e6: more than there is), 3 takes `amount` ppm of the
    /// pool out (refused below its reserve; a thin pool is what makes deleveraging happen).
    Treasury {
        op: u8,
        amount: u32,
    },
    /// A keeper deleverages the user's position in the market (cross, or isolated), at most
    /// `max_lots` lots (`u32::MAX`: as many as needed). Refused unless the pool is short.
    Deleverage {
        user: u8,
        market: u8,
        isolated: bool,
        max_lots: u32,
    },
    /// Places a trigger order on the user's position in the market (cross, or isolated
    /// when it has one): at or above when `above`, at `move_bp` from the last price,
    /// closing `ppm` of the position (above 1e6: refused) or one lot when `ppm` is 0.
    PlaceTrigger {
        user: u8,
        market: u8,
        above: bool,
        move_bp: i32,
        ppm: u32,
        tip: u32,
    },
    /// Executes (mostly the first) trigger order of the user; with `keeper` false the owner
    /// cancels it instead.
    Trigger {
        user: u8,
        slot: u8,
        keeper: bool,
    },
    /// An adversarial variant of `inner`: account `account` replaced by known key `with`
    /// (or duplicated from the position before it).
    Mangle {
        inner: Box<Step>,
        account: u8,
        with: u8,
        duplicate: bool,
    },
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{self:?}")
    }
}

/// Generates step `i` of the sequence for `seed` (independent of the state).
pub fn generate(seed: u64, len: usize) -> Vec<Step> {
    let mut r = Rng::new(seed);
    (0..len).map(|_| step(&mut r)).collect()
}

fn step(r: &mut Rng) -> Step {
    let user = r.below(u64::from(USERS)) as u8;
    let market = r.below(u64::from(MARKETS)) as u8;
    match r.below(1_000) {
        0..=139 => {
            let big = r.chance(15);
            let move_bp = if big { r.range(-6_000, 6_000) as i32 } else { r.range(-300, 300) as i32 };
            let conf_bp = if r.chance(5) { r.range(150, 400) as u32 } else { r.range(0, 20) as u32 };
            Step::Price { market, move_bp, conf_bp }
        }
        140..=149 => Step::ZeroPrice { market },
        150..=214 => Step::Refresh,
        215..=224 => Step::RefreshBook,
        225..=229 => Step::Book { mode: r.below(3) as u8 },
        230..=279 => Step::Time { secs: if r.chance(10) { r.range(3_600, 3 * 86_400) as u32 } else { r.range(1, 90) as u32 } },
        280..=289 => Step::Slots { n: r.range(1, 400) as u32 },
        290..=349 => Step::Deposit { user, dollars: r.range(10, 20_000) as u32 },
        350..=409 => {
            Step::Withdraw { user, ppm: if r.chance(15) { 1_000_001 + r.below(500_000) as u32 } else { r.range(1, 1_000_000) as u32 } }
        }
        410..=569 => {
            // Notional roughly $50 to $60,000 whatever the market's price.
            let dollars = r.range(50, 60_000) as f64;
            let lots = ((dollars / START[usize::from(market)]) * 1_000.0).max(1.0) as i32;
            let lots = if r.chance(50) { lots } else { -lots };
            let leverage = if r.chance(60) { 0 } else { r.range(1, 22) as u16 };
            Step::Trade { user, market, lots, mode: r.below(3) as u8, leverage, by_delegate: r.chance(10) }
        }
        570..=629 => Step::Reduce { user, market, ppm: if r.chance(30) { 1_000_000 } else { r.range(1, 1_000_000) as u32 } },
        630..=669 => Step::Leverage { user, market, leverage: r.range(1, 25) as u16 },
        670..=709 => Step::AddMargin { user, market, dollars: r.range(1, 5_000) as u32 },
        710..=739 => Step::RemoveMargin { user, market, ppm: r.range(1, 1_200_000) as u32 },
        740..=754 => Step::Guard { user, market, trigger_pct: r.range(101, 400) as u16, top_up: r.range(1, 2_000) as u32 },
        755..=774 => Step::ExecuteGuard { user, market },
        775..=834 => Step::Liquidate {
            user,
            market,
            isolated: r.chance(50),
            max_lots: if r.chance(70) { u32::MAX } else { r.range(1, 2_000) as u32 },
            by_owner: r.chance(5),
        },
        835..=859 => Step::Settle { user, market, isolated: r.chance(40) },
        860..=869 => Step::CloseIsolated { user, market },
        870..=879 => Step::Donate { user, units: r.range(1, 1_000_000) as u32 },
        880..=887 => Step::Sync,
        888..=909 => Step::Crank { market },
        910..=924 => Step::Pause {
            market: if r.chance(70) { Some(market) } else { None },
            status: if r.chance(65) { 0 } else { r.range(1, 2) as u8 },
            by_guardian: r.chance(50),
        },
        925..=934 => Step::Params { market, variant: r.below(4) as u8 },
        935..=949 => Step::Delegate { user, to: if r.chance(70) { Some(r.below(u64::from(USERS)) as u8) } else { None } },
        960..=974 => Step::PlaceTrigger {
            user,
            market,
            above: r.chance(50),
            move_bp: r.range(-400, 400) as i32,
            ppm: if r.chance(10) {
                0
            } else if r.chance(5) {
                1_000_001
            } else {
                r.range(1, 1_000_000) as u32
            },
            tip: r.below(1_200_000) as u32,
        },
        975..=989 => Step::Trigger { user, slot: if r.chance(70) { 0 } else { r.below(8) as u8 }, keeper: r.chance(85) },
        990..=996 => Step::Deleverage {
            user,
            market,
            isolated: r.chance(40),
            max_lots: if r.chance(80) { u32::MAX } else { r.range(1, 2_000) as u32 },
        },
        950..=959 => {
            let op = r.below(4) as u8;
            let amount = if op == 0 { r.range(1, 5_000) as u32 } else { r.range(1, 1_100_000) as u32 };
            Step::Treasury { op, amount }
        }
        _ => {
            let inner = Box::new(step(r));
            Step::Mangle { inner, account: r.below(12) as u8, with: r.below(64) as u8, duplicate: r.chance(30) }
        }
    }
}

/// The fuzzer's world: a harness with three markets, four traders and a keeper.
pub struct Fuzz {
    pub h: Harness,
    pub users: Vec<User>,
    pub keeper: User,
    /// Last price each market was published at, dollars (the last valid one).
    price: [f64; 3],
    /// Tokens in every wallet and the vault: constant (nothing is minted after set-up).
    total_tokens: u128,
    /// Per user (margin account): deposited into it, withdrawn from it (quote native), as
    /// the accepted instructions say.
    flows: Vec<(u128, u128)>,
    /// Per user: the most its positions could have earned at the valid prices (quote native).
    earn_bound: Vec<f64>,
    /// [`Step::Book`]'s mode.
    book_mode: u8,
    pub report: Report,
}

/// What a run did.
#[derive(Debug, Default, Clone)]
pub struct Report {
    pub steps: usize,
    pub accepted: usize,
    pub refused: usize,
    /// Refusals by program error code (or "runtime").
    pub refusals: BTreeMap<String, usize>,
    pub liquidations: usize,
    /// Trigger orders executed by the keeper (or removed because their position was gone).
    pub triggers: usize,
    /// Positions deleveraged (or unsettled profit written off) while the pool was short.
    pub deleverages: usize,
    pub seconds: f64,
}

fn thin_market() -> MarketParams {
    MarketParams { pnl_weight_ppm: 500_000, settle_limit: 2_000 * USD, lot_size: 1_000_000, ..default_market_params() }
}

fn params_variant(market: u8, variant: u8) -> MarketParams {
    let base = if market == 2 { thin_market() } else { default_market_params() };
    match variant {
        // Tighter tiers: maintenance ramps up over a day.
        0 => MarketParams {
            tiers: vec![
                TierParams { notional_threshold: 0, max_leverage: 10 },
                TierParams { notional_threshold: 50_000 * USD, max_leverage: 4 },
            ],
            ..base
        },
        // Looser tiers, immediately.
        1 => MarketParams { tiers: vec![TierParams { notional_threshold: 0, max_leverage: 25 }], maintenance_ramp_secs: 0, ..base },
        // Profit weight down and a small settle budget.
        2 => MarketParams { pnl_weight_ppm: 250_000, settle_limit: 500 * USD, ..base },
        // Back to the start.
        _ => base,
    }
}

impl Fuzz {
    pub async fn new() -> Self {
        let mut h = Harness::new().await; // BTC
        h.add_push_market(START[1], default_market_params()).await;
        h.add_push_market(START[2], thin_market()).await;
        let mut users = vec![];
        for name in ["u0", "u1", "u2", "u3"] {
            let u = h.user(name, 1_000_000 * USD).await;
            h.deposit(&u, 50_000 * USD).await;
            users.push(u);
        }
        // A thin pool ($1,000 against $200,000 of deposits): profits it cannot pay, its
        // deficit and auto-deleveraging happen within a budget, not only with $10M behind it.
        let admin = h.admin.insecure_clone();
        let thin = ix::defund_pool(admin.pubkey(), h.admin_token, 10_000_000 * USD - 1_000 * USD, &h.all_markets());
        h.ok(&[thin], &[&admin]).await;
        let keeper = h.user("keeper", 0).await;
        h.init_price_book().await;
        let mut f = Self {
            h,
            users,
            keeper,
            price: START,
            total_tokens: 0,
            flows: vec![(50_000 * u128::from(USD), 0); usize::from(USERS)],
            earn_bound: vec![0.0; usize::from(USERS)],
            book_mode: 0,
            report: Report::default(),
        };
        f.total_tokens = f.tokens().await;
        f
    }

    /// The state after the last transaction (the harness reads it once per transaction).
    async fn state(&mut self) -> crate::invariants::World {
        match self.h.last_world.clone() {
            Some(w) => w,
            None => self.h.world().await,
        }
    }

    async fn tokens(&mut self) -> u128 {
        let w = self.state().await;
        w.accounts.keys().filter_map(|k| w.token_amount(k)).map(u128::from).sum()
    }

    /// |size| of each user's positions (cross and isolated) in `market`, in units.
    async fn sizes(&mut self, market: u8) -> Vec<f64> {
        let w = self.state().await;
        let mut out = vec![];
        for u in &self.users {
            let mut s = 0.0;
            if let Some(m) = w.get::<ballast::state::MarginAccount>(&u.account) {
                if let Some(i) = m.slot_of(u16::from(market)) {
                    s += m.cross_positions[i].base.unsigned_abs() as f64 / UNIT as f64;
                }
            }
            if let Some(p) = w.get::<ballast::state::IsolatedPosition>(&ix::isolated_pda(&u.account, u16::from(market))) {
                s += p.base.unsigned_abs() as f64 / UNIT as f64;
            }
            out.push(s);
        }
        out
    }

    /// Runs `steps`, checking after each one. Panics (with the step) on any violation.
    pub async fn run(&mut self, steps: &[Step]) {
        let t0 = std::time::Instant::now();
        for (i, s) in steps.iter().enumerate() {
            self.one(s).await;
            self.check_value(i, s).await;
            self.report.steps += 1;
        }
        self.report.seconds += t0.elapsed().as_secs_f64();
    }

    async fn check_value(&mut self, i: usize, s: &Step) {
        let total = self.tokens().await;
        assert_eq!(total, self.total_tokens, "step {i} ({s}): Σ wallets + vault changed");
        for u in 0..usize::from(USERS) {
            let (deposited, withdrawn) = self.flows[u];
            let net_out = withdrawn as f64 - deposited as f64;
            // Rounding always favours the protocol; the slack only absorbs float error.
            let slack = 1.0 + self.earn_bound[u] * 1e-9;
            assert!(
                net_out <= self.earn_bound[u] + slack,
                "step {i} ({s}): account {u} paid out {net_out} more than was paid in, beyond what its positions could earn at valid prices ({})",
                self.earn_bound[u]
            );
        }
    }

    /// Records what an accepted deposit or withdrawal moved, from its instruction.
    fn record_flows(&mut self, ixs: &[Instruction]) {
        use crate::invariants::{kind, Kind};
        for ixn in ixs.iter().filter(|i| i.program_id == ballast::ID) {
            let k = kind(ixn);
            if !matches!(k, Kind::Deposit | Kind::Withdraw) {
                continue;
            }
            let Some(u) = self.users.iter().position(|u| ixn.accounts.get(2).is_some_and(|a| a.pubkey == u.account)) else { continue };
            let amount = u128::from(u64::from_le_bytes(ixn.data[8..16].try_into().expect("amount")));
            if k == Kind::Deposit {
                self.flows[u].0 += amount;
            } else {
                self.flows[u].1 += amount;
            }
        }
    }

    async fn send(&mut self, ixs: &[Instruction], _signer: Option<usize>) -> bool {
        // Every signature the instructions ask for that the fuzzer holds a key for; a
        // signer it has no key for (an adversarial substitution) is sent unsigned, which
        // the program must refuse.
        let mut ixs = ixs.to_vec();
        let payer = self.h.payer();
        let mut keys: Vec<solana_keypair::Keypair> = vec![];
        for ixn in &mut ixs {
            for meta in ixn.accounts.iter_mut().filter(|m| m.is_signer && m.pubkey != payer) {
                let held = self.users.iter().map(|u| &u.key).chain([&self.keeper.key]).find(|k| k.pubkey() == meta.pubkey);
                match held {
                    Some(k) if !keys.iter().any(|x| x.pubkey() == k.pubkey()) => keys.push(k.insecure_clone()),
                    Some(_) => {}
                    None => meta.is_signer = false,
                }
            }
        }
        let signers: Vec<&solana_keypair::Keypair> = keys.iter().collect();
        let refresh =
            |i: &Instruction| i.data.starts_with(<ballast::instruction::RefreshPrices as anchor_lang::Discriminator>::DISCRIMINATOR);
        if self.book_mode == 2 && ixs.iter().any(|i| !refresh(i) && i.accounts.iter().any(|m| m.pubkey == ix::price_book_pda())) {
            // This slot's entries, which strict readers of the book need.
            ixs.insert(0, self.h.refresh_prices_ix());
        }
        let ixs = &ixs[..];
        // The harness checks every invariant, and that a refusal changed nothing.
        match self.h.send(ixs, &signers).await {
            Ok(_) => {
                self.report.accepted += 1;
                true
            }
            Err(e) => {
                self.report.refused += 1;
                let code = crate::custom_code(&e).map_or("runtime".to_string(), |c| c.to_string());
                *self.report.refusals.entry(code).or_default() += 1;
                false
            }
        }
    }

    async fn publish(&mut self, market: u8, dollars: f64, conf: f64) {
        let old = self.price[usize::from(market)];
        if dollars > 0.0 {
            // Every holder could have earned at most |size| × |move| from this move.
            let sizes = self.sizes(market).await;
            for (u, s) in sizes.into_iter().enumerate() {
                self.earn_bound[u] += s * (dollars - old).abs() * USD as f64;
            }
            self.price[usize::from(market)] = dollars;
        }
        self.h.set_price(u16::from(market), dollars, conf).await;
    }

    /// The instruction(s) for a step and their signer; `None` when the step is not a
    /// transaction (prices, time) or makes no sense in the state (no position to reduce).
    async fn build(&mut self, s: &Step) -> Option<(Vec<Instruction>, Option<usize>)> {
        let h = &mut self.h;
        Some(match *s {
            Step::Deposit { user, dollars } => {
                let u = &self.users[usize::from(user)];
                (vec![ix::deposit(u.pubkey(), u.account, u.token, u64::from(dollars) * USD)], Some(usize::from(user)))
            }
            Step::Withdraw { user, ppm } => {
                let u = &self.users[usize::from(user)];
                let view = h.view(u, &[]).await.cross.transferable;
                let amount = (u128::from(view) * u128::from(ppm) / 1_000_000).max(1) as u64;
                (vec![h.withdraw_ix(u, amount).await], Some(usize::from(user)))
            }
            Step::Trade { user, market, lots, mode, leverage, by_delegate } => {
                let open = self.open_mode(usize::from(user), market).await;
                let h = &mut self.h;
                let u = &self.users[usize::from(user)];
                let mut mode = [MarginMode::Cross, MarginMode::Isolated, MarginMode::StrictIsolated][usize::from(mode)];
                if let Some(m) = open.filter(|_| lots % 7 != 0) {
                    mode = m;
                }
                // A new position needs a setting (unless one is stored): 10x unless given.
                let leverage = if leverage == 0 && open.is_none() && lots % 5 != 0 { 10 } else { leverage };
                let mut ixn = h.trade_ix(u, u16::from(market), i64::from(lots) * (UNIT / 1_000), mode, leverage).await;
                let mut signer = Some(usize::from(user));
                if by_delegate {
                    let m = h.margin(u.account).await;
                    if let Some(d) = self.users.iter().position(|x| x.pubkey() == m.delegate) {
                        ixn.accounts[0].pubkey = self.users[d].pubkey();
                        signer = Some(d);
                    }
                }
                (vec![ixn], signer)
            }
            Step::Reduce { user, market, ppm } => {
                let u = &self.users[usize::from(user)];
                let m = h.margin(u.account).await;
                let cross = m.slot_of(u16::from(market)).map_or(0, |i| m.cross_positions[i].base);
                let iso_key = ix::isolated_pda(&u.account, u16::from(market));
                let iso = match h.account(iso_key).await {
                    Some(a) if a.data.len() > 8 => Some(crate::decode::<ballast::state::IsolatedPosition>(&a.data)),
                    _ => None,
                };
                let (base, mode) = if cross != 0 {
                    (cross, MarginMode::Cross)
                } else if let Some(p) = iso.filter(|p| p.base != 0) {
                    (p.base, if p.mode == 2 { MarginMode::StrictIsolated } else { MarginMode::Isolated })
                } else {
                    return None;
                };
                let lot = (UNIT / 1_000) as i128;
                let q = (i128::from(base.unsigned_abs()) * i128::from(ppm) / 1_000_000 / lot * lot).max(lot) as i64;
                let delta = if base > 0 { -q.min(base.abs()) } else { q.min(base.abs()) };
                (vec![h.trade_ix(u, u16::from(market), delta, mode, 0).await], Some(usize::from(user)))
            }
            Step::Leverage { user, market, leverage } => {
                let u = &self.users[usize::from(user)];
                (vec![h.set_leverage_ix(u, u16::from(market), leverage).await], Some(usize::from(user)))
            }
            Step::AddMargin { user, market, dollars } => {
                let u = &self.users[usize::from(user)];
                (vec![h.add_margin_ix(u, u16::from(market), u64::from(dollars) * USD).await], Some(usize::from(user)))
            }
            Step::RemoveMargin { user, market, ppm } => {
                let u = &self.users[usize::from(user)];
                let iso = ix::isolated_pda(&u.account, u16::from(market));
                if h.account(iso).await.is_none_or(|a| a.data.len() <= 8) {
                    return None;
                }
                let v = h.view(u, &[u16::from(market)]).await;
                let t = v.isolated.first().map_or(0, |d| d.transferable);
                let amount = (u128::from(t) * u128::from(ppm) / 1_000_000).max(1) as u64;
                (vec![h.remove_margin_ix(u, u16::from(market), amount)], Some(usize::from(user)))
            }
            Step::Guard { user, market, trigger_pct, top_up } => {
                let u = &self.users[usize::from(user)];
                let top_up = u64::from(top_up) * USD;
                let ixn =
                    ix::set_margin_guard(u.pubkey(), u.account, u16::from(market), u32::from(trigger_pct) * 10_000, top_up, top_up * 3);
                (vec![ixn], Some(usize::from(user)))
            }
            Step::ExecuteGuard { user, market } => {
                let u = &self.users[usize::from(user)];
                let health = h.health_accounts_except(u.account, u16::from(market)).await;
                let oracle = h.markets[usize::from(market)].oracle;
                let k = &self.keeper;
                (vec![ix::execute_margin_guard(k.pubkey(), k.token, u.account, u16::from(market), oracle, &health)], None)
            }
            Step::Liquidate { user, market, isolated, max_lots, by_owner } => {
                let (user, market, isolated) = if max_lots % 4 != 0 {
                    self.liquidatable().await.unwrap_or((user, market, isolated))
                } else {
                    (user, market, isolated)
                };
                let h = &mut self.h;
                let u = &self.users[usize::from(user)];
                let k = if by_owner { u } else { &self.keeper };
                let max = if max_lots == u32::MAX { u64::MAX } else { u64::from(max_lots) * (UNIT as u64 / 1_000) };
                let ixn = if isolated {
                    h.liquidate_isolated_ix(k, u, u16::from(market), max)
                } else {
                    h.liquidate_cross_ix(k, u, u16::from(market), max).await
                };
                (vec![ixn], by_owner.then_some(usize::from(user)))
            }
            Step::Deleverage { user, market, isolated, max_lots } => {
                let u = &self.users[usize::from(user)];
                let oracle = self.h.markets[usize::from(market)].oracle;
                let max_base = if max_lots == u32::MAX { u64::MAX } else { u64::from(max_lots) * 1_000_000 };
                let k = self.keeper.pubkey();
                (vec![ix::auto_deleverage(k, u.account, u16::from(market), oracle, isolated, max_base, &self.h.all_markets())], None)
            }
            Step::Settle { user, market, isolated } => {
                let u = &self.users[usize::from(user)];
                (vec![ix::settle_pnl(u.account, u16::from(market), isolated)], None)
            }
            Step::CloseIsolated { user, market } => {
                let u = &self.users[usize::from(user)];
                (vec![ix::close_isolated_position(u.pubkey(), u.account, u16::from(market))], Some(usize::from(user)))
            }
            Step::Donate { user, units } => {
                let u = &self.users[usize::from(user)];
                let t =
                    spl_token_interface::instruction::transfer(&ix::TOKEN_PROGRAM, &u.token, &h.vault, &u.pubkey(), &[], u64::from(units))
                        .expect("transfer");
                (vec![t], Some(usize::from(user)))
            }
            Step::Sync => (vec![ix::sync_vault()], None),
            Step::RefreshBook => (vec![h.refresh_prices_ix()], None),
            Step::Crank { market } => (vec![ix::update_funding(u16::from(market), h.markets[usize::from(market)].oracle)], None),
            Step::Delegate { user, to } => {
                let u = &self.users[usize::from(user)];
                let d = to.map_or(Pubkey::default(), |t| self.users[usize::from(t)].pubkey());
                if d == u.pubkey() {
                    return None;
                }
                (vec![ix::set_delegate(u.pubkey(), u.account, d)], Some(usize::from(user)))
            }
            Step::PlaceTrigger { user, market, above, move_bp, ppm, tip } => {
                // Mostly on a market where the user has a position.
                let mut open = None;
                for m in (0..MARKETS).map(|k| (market + k) % MARKETS) {
                    if let Some(mode) = self.open_mode(usize::from(user), m).await {
                        open = Some((m, mode));
                        break;
                    }
                }
                let (market, mode) = open?;
                let short = self.side(usize::from(user), market, mode).await < 0;
                let price = self.price[usize::from(market)] * (1.0 + f64::from(move_bp) / 10_000.0);
                let lot = self.h.load::<ballast::state::Market>(self.h.markets[usize::from(market)].address).await.lot_size;
                let params = ballast::instructions::TriggerOrderParams {
                    market_index: u16::from(market),
                    isolated: mode != MarginMode::Cross,
                    condition: if above {
                        ballast::state::TriggerCondition::AtOrAbove
                    } else {
                        ballast::state::TriggerCondition::AtOrBelow
                    },
                    trigger_price: (price.max(0.01) * 1e9) as u64,
                    size: if ppm == 0 { ballast::state::TriggerSize::Lots(lot) } else { ballast::state::TriggerSize::Fraction(ppm) },
                    limit_price: if move_bp % 3 == 0 { (price * 0.98 * 1e9) as u64 } else { 0 },
                    tip: u64::from(tip),
                };
                // The limit bounds a long's sell; a short's buy gets none.
                let params = if short { ballast::instructions::TriggerOrderParams { limit_price: u64::MAX, ..params } } else { params };
                let u = &self.users[usize::from(user)];
                (vec![ix::place_trigger_order(u.pubkey(), u.account, params)], Some(usize::from(user)))
            }
            Step::Trigger { user, slot, keeper } => {
                let u = &self.users[usize::from(user)];
                let book = self.h.account(ix::trigger_book_pda(&u.account)).await?;
                let book = crate::decode::<ballast::state::TriggerBook>(&book.data);
                let used: Vec<_> = book.orders.iter().filter(|o| !o.is_free()).copied().collect();
                let o = used.get(usize::from(slot) % used.len().max(1))?;
                if keeper {
                    let account = u.account;
                    let health = self.h.health_accounts_except(account, o.market_index).await;
                    let k = &self.keeper;
                    let oracle = self.h.markets[usize::from(o.market_index)].oracle;
                    (vec![ix::execute_trigger_order(k.pubkey(), k.token, account, o.id, o.market_index, oracle, &health)], None)
                } else {
                    (vec![ix::cancel_trigger_order(u.pubkey(), u.account, o.id)], Some(usize::from(user)))
                }
            }
            Step::Mangle { ref inner, account, with, duplicate } => {
                let (mut ixs, signer) = Box::pin(self.build(inner)).await?;
                let pool = self.known_keys();
                let ixn = ixs.last_mut()?;
                let n = ixn.accounts.len();
                if n < 2 {
                    return None;
                }
                let i = usize::from(account) % n;
                if duplicate {
                    let j = if i == 0 { 1 } else { i - 1 };
                    ixn.accounts[i].pubkey = ixn.accounts[j].pubkey;
                } else {
                    ixn.accounts[i].pubkey = pool[usize::from(with) % pool.len()];
                }
                (ixs, signer)
            }
            Step::Price { .. }
            | Step::ZeroPrice { .. }
            | Step::Refresh
            | Step::Book { .. }
            | Step::Time { .. }
            | Step::Slots { .. }
            | Step::Pause { .. }
            | Step::Params { .. }
            | Step::Treasury { .. } => return None,
        })
    }

    /// The mode of `user`'s open position in `market`, if any.
    async fn open_mode(&mut self, user: usize, market: u8) -> Option<MarginMode> {
        let account = self.users[user].account;
        let m = self.h.margin(account).await;
        if m.slot_of(u16::from(market)).is_some_and(|i| m.cross_positions[i].base != 0) {
            return Some(MarginMode::Cross);
        }
        let iso = ix::isolated_pda(&account, u16::from(market));
        match self.h.account(iso).await {
            Some(a) if a.data.len() > 8 => {
                let p: ballast::state::IsolatedPosition = crate::decode(&a.data);
                (p.base != 0).then_some(if p.mode == 2 { MarginMode::StrictIsolated } else { MarginMode::Isolated })
            }
            _ => None,
        }
    }

    /// The sign of the user's open position in `market` held in `mode`.
    async fn side(&mut self, user: usize, market: u8, mode: MarginMode) -> i64 {
        let account = self.users[user].account;
        let base = if mode == MarginMode::Cross {
            let m = self.h.margin(account).await;
            m.slot_of(u16::from(market)).map_or(0, |i| m.cross_positions[i].base)
        } else {
            self.h.load::<ballast::state::IsolatedPosition>(ix::isolated_pda(&account, u16::from(market))).await.base
        };
        base.signum()
    }

    /// The first domain a keeper could liquidate: `(user, market, isolated)`.
    async fn liquidatable(&mut self) -> Option<(u8, u8, bool)> {
        let mut world = self.state().await;
        world.now = self.h.now;
        for u in 0..USERS {
            let account = self.users[usize::from(u)].account;
            if let Some(d) = world.cross(&account, ballast::health::Policy::Lenient) {
                if d.is_liquidatable() {
                    let m: ballast::state::MarginAccount = world.get(&account)?;
                    let first = m.open_cross_positions().next().map(|p| p.market_index);
                    if let Some(index) = first {
                        return Some((u, index as u8, false));
                    }
                }
            }
            for market in 0..MARKETS {
                let iso = ix::isolated_pda(&account, u16::from(market));
                if world.isolated(&iso, ballast::health::Policy::Lenient).is_some_and(|d| d.is_liquidatable() && d.notional > 0) {
                    return Some((u, market, true));
                }
            }
        }
        None
    }

    fn known_keys(&self) -> Vec<Pubkey> {
        let mut k = vec![self.h.exchange, self.h.vault, self.h.admin_token, ix::TOKEN_PROGRAM, ix::SYSTEM_PROGRAM];
        k.extend(self.h.markets.iter().flat_map(|m| [m.address, m.oracle]));
        for u in &self.users {
            k.extend([u.pubkey(), u.account, u.token]);
            k.extend((0..MARKETS).map(|m| ix::isolated_pda(&u.account, u16::from(m))));
        }
        k
    }

    /// A market where `user` has an isolated position account (preferring `market`).
    async fn isolated_market(&mut self, user: u8, market: u8) -> u8 {
        let account = self.users[usize::from(user)].account;
        for m in std::iter::once(market).chain(0..MARKETS) {
            let iso = ix::isolated_pda(&account, u16::from(m));
            if self.h.account(iso).await.is_some_and(|a| a.data.len() > 8) {
                return m;
            }
        }
        market
    }

    async fn one(&mut self, s: &Step) {
        // Steps about an isolated position mostly find one of the user's.
        let resolved;
        let s = match *s {
            Step::AddMargin { user, market, dollars } if dollars % 5 != 0 => {
                resolved = Step::AddMargin { user, market: self.isolated_market(user, market).await, dollars };
                &resolved
            }
            Step::RemoveMargin { user, market, ppm } if ppm % 5 != 0 => {
                resolved = Step::RemoveMargin { user, market: self.isolated_market(user, market).await, ppm };
                &resolved
            }
            Step::Guard { user, market, trigger_pct, top_up } => {
                resolved = Step::Guard { user, market: self.isolated_market(user, market).await, trigger_pct, top_up };
                &resolved
            }
            Step::ExecuteGuard { user, market } => {
                resolved = Step::ExecuteGuard { user, market: self.isolated_market(user, market).await };
                &resolved
            }
            _ => s,
        };
        match *s {
            Step::Price { market, move_bp, conf_bp } => {
                let p = (self.price[usize::from(market)] * (1.0 + f64::from(move_bp) / 10_000.0)).max(0.01);
                let p = (p * 1e4).round() / 1e4;
                self.publish(market, p, p * f64::from(conf_bp) / 10_000.0).await;
            }
            Step::ZeroPrice { market } => self.publish(market, 0.0, 0.0).await,
            Step::Book { mode } => {
                self.book_mode = mode;
                self.h.health_from_price_book = mode > 0;
            }
            Step::Refresh => {
                for m in 0..MARKETS {
                    let p = self.price[usize::from(m)];
                    self.publish(m, p, p / 2_000.0).await;
                }
            }
            Step::Time { secs } => {
                // Funding: the most a holder can receive while time passes (1,000 ppm/h cap).
                for m in 0..MARKETS {
                    let sizes = self.sizes(m).await;
                    let p = self.price[usize::from(m)];
                    for (u, sz) in sizes.into_iter().enumerate() {
                        self.earn_bound[u] += sz * p * 0.001 * f64::from(secs) / 3_600.0 * USD as f64 * 1.01;
                    }
                }
                self.h.advance_time(i64::from(secs));
            }
            Step::Slots { n } => self.h.advance_slots(u64::from(n)),
            Step::Pause { market, status, by_guardian } => {
                let status = [MarketStatus::Active, MarketStatus::ReduceOnly, MarketStatus::Paused][usize::from(status)];
                let who = if by_guardian { self.h.guardian.insecure_clone() } else { self.h.admin.insecure_clone() };
                let target = market.map(|m| self.h.market_and_oracle(u16::from(m)));
                let ixn = ix::set_pause(who.pubkey(), target, status);
                let _ = self.h.send(&[ixn], &[&who]).await;
            }
            Step::Params { market, variant } => {
                let admin = self.h.admin.insecure_clone();
                let ixn = ix::update_market(admin.pubkey(), self.h.markets[usize::from(market)].address, params_variant(market, variant));
                let _ = self.h.send(&[ixn], &[&admin]).await;
            }
            Step::Treasury { op, amount } => {
                let admin = self.h.admin.insecure_clone();
                let ex = self.h.exchange_state().await;
                let share = |balance: u64| (u128::from(balance) * u128::from(amount) / 1_000_000) as u64;
                let ixn = match op {
                    0 => ix::fund_insurance(admin.pubkey(), self.h.admin_token, u64::from(amount) * USD),
                    1 => ix::withdraw_insurance(admin.pubkey(), self.h.admin_token, share(ex.insurance_balance), &self.h.all_markets()),
                    2 => ix::sweep_fees(admin.pubkey(), self.h.admin_token, share(ex.fee_balance)),
                    _ => ix::defund_pool(admin.pubkey(), self.h.admin_token, share(ex.pool_balance), &self.h.all_markets()),
                };
                let _ = self.h.send(&[ixn], &[&admin]).await;
            }
            Step::Liquidate { max_lots, .. } if max_lots % 4 != 0 => {
                // A keeper posts a fresh price with its liquidation (as on Pyth), so the
                // close can fill; then it liquidates the first liquidatable domain.
                if let Some((_, market, _)) = self.liquidatable().await {
                    let p = self.price[usize::from(market)];
                    self.publish(market, p, p / 2_000.0).await;
                }
                let Some((ixs, signer)) = self.build(s).await else { return };
                if self.send(&ixs, signer).await {
                    self.report.liquidations += 1;
                }
            }
            _ => {
                let Some((ixs, signer)) = self.build(s).await else { return };
                if self.send(&ixs, signer).await {
                    self.record_flows(&ixs);
                    if matches!(s, Step::Liquidate { .. }) {
                        self.report.liquidations += 1;
                    }
                    if matches!(s, Step::Trigger { keeper: true, .. }) {
                        self.report.triggers += 1;
                    }
                    if matches!(s, Step::Deleverage { .. }) {
                        self.report.deleverages += 1;
                    }
                }
            }
        }
    }
}

/// Runs the sequence of `seed` on a fresh world; `Err` carries the panic message.
pub fn run_sequence(steps: &[Step]) -> Result<Report, String> {
    let steps = steps.to_vec();
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
        rt.block_on(async move {
            let mut f = Fuzz::new().await;
            f.run(&steps).await;
            f.report
        })
    }));
    result.map_err(|e| {
        e.downcast_ref::<String>().cloned().or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string())).unwrap_or_else(|| "panic".into())
    })
}

/// Reduces a failing sequence to a smaller one that still fails (delta debugging: drop
/// chunks, halving their size, while the failure persists). Returns the kept indices.
pub fn shrink(steps: &[Step], mut budget: usize) -> Vec<usize> {
    let mut keep: Vec<usize> = (0..steps.len()).collect();
    let mut chunk = keep.len() / 2;
    while chunk >= 1 && budget > 0 {
        let mut i = 0;
        let mut removed_any = false;
        while i < keep.len() && budget > 0 {
            let candidate: Vec<usize> = keep.iter().enumerate().filter(|(j, _)| *j < i || *j >= i + chunk).map(|(_, k)| *k).collect();
            budget -= 1;
            let seq: Vec<Step> = candidate.iter().map(|&k| steps[k].clone()).collect();
            if run_sequence(&seq).is_err() {
                keep = candidate;
                removed_any = true;
            } else {
                i += chunk;
            }
        }
        if !removed_any {
            chunk /= 2;
        }
    }
    keep
}

/// Where regressions live: one file per failure, replayed by the test suite.
pub fn regressions_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz-regressions")
}

/// Writes a shrunk failure: `seed`, `len` and the kept step indices, with the steps spelled out.
pub fn save_regression(seed: u64, len: usize, keep: &[usize], message: &str) -> std::path::PathBuf {
    let steps = generate(seed, len);
    let mut text = format!("seed={seed} len={len} keep={}\n", keep.iter().map(|k| k.to_string()).collect::<Vec<_>>().join(","));
    text += &format!("# failure: {}\n", message.lines().next().unwrap_or(""));
    for &k in keep {
        text += &format!("# {k}: {}\n", steps[k]);
    }
    let dir = regressions_dir();
    std::fs::create_dir_all(&dir).expect("regressions dir");
    let path = dir.join(format!("seed-{seed}.txt"));
    std::fs::write(&path, text).expect("write regression");
    path
}

/// Reads a regression file back into its steps.
pub fn load_regression(path: &std::path::Path) -> Vec<Step> {
    let text = std::fs::read_to_string(path).expect("regression file");
    let header = text.lines().next().expect("header");
    let field = |name: &str| header.split_whitespace().find_map(|w| w.strip_prefix(name)).unwrap_or("");
    let seed: u64 = field("seed=").parse().expect("seed");
    let len: usize = field("len=").parse().expect("len");
    let keep: Vec<usize> = field("keep=").split(',').filter(|s| !s.is_empty()).map(|s| s.parse().expect("index")).collect();
    let steps = generate(seed, len);
    keep.into_iter().map(|k| steps[k].clone()).collect()
}
