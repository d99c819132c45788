//! Ballast keeper: scans margin accounts and isolated positions, computes their health
//! with the program's own code, and sends funding cranks, margin-guard top-ups,
//! trigger-order executions, liquidations and, while the pool's equity is negative,
//! auto-deleveraging in ranking order.
//!
//! The chain is behind [`Chain`], so the same decision logic runs against a JSON-RPC node
//! ([`rpc::RpcChain`]) and against the in-process runtime in tests.
#![allow(clippy::result_large_err)]

#[cfg(feature = "rpc")]
pub mod rpc;

use ballast_math::{BaseLots, Price};
use std::collections::BTreeMap;

use anchor_lang::prelude::{AccountInfo, Pubkey};
use anchor_lang::solana_program::instruction::Instruction;
use anchor_lang::Discriminator;
use ballast::constants::MAX_PRICE_BOOK_MARKETS;
use ballast::health::{isolated_health, CrossBook, HealthQuery, MarketView, Policy};
use ballast::oracle::{read_oracle, OraclePrice};
use ballast::state::{Exchange, IsolatedPosition, MarginAccount, Market, PriceBook, TriggerBook, TriggerCondition};
use ballast_client::ix;
use ballast_math::adl::{adl_score_ppm, pool_equity, pool_side_pnl};
use ballast_math::pool::SideTotals;
use ballast_math::position::unrealized_pnl;
use solana_address_lookup_table_interface::instruction::{create_lookup_table, extend_lookup_table};
use solana_hash::Hash;
use solana_keypair::Keypair;
use solana_message::{v0, AddressLookupTableAccount, VersionedMessage};
use solana_signer::Signer;
use solana_transaction::versioned::VersionedTransaction;
use solana_transaction::Transaction;

/// An account as the chain returns it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainAccount {
    pub lamports: u64,
    pub data: Vec<u8>,
    pub owner: Pubkey,
}

/// Why a simulated or sent transaction failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TxFailure {
    /// The program's error code when the failure is a custom program error.
    pub custom_code: Option<u32>,
    pub message: String,
}

pub type ChainResult<T> = Result<T, String>;

/// One kind of program account as discovery filters it: owned by `program`, exactly
/// `data_size` bytes, starting with `discriminator`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AccountKind {
    pub program: Pubkey,
    pub discriminator: [u8; 8],
    pub data_size: usize,
}

impl AccountKind {
    /// Accounts of Anchor type `T` (of `space` bytes, discriminator included) of `program`.
    pub fn of<T: Discriminator>(program: Pubkey, space: usize) -> Self {
        Self { program, discriminator: T::DISCRIMINATOR.try_into().expect("8-byte discriminator"), data_size: space }
    }

    /// Whether `account` is of this kind: what a node's filters select.
    pub fn matches(&self, account: &ChainAccount) -> bool {
        account.owner == self.program && account.data.len() == self.data_size && account.data.starts_with(&self.discriminator)
    }
}

/// What the keeper needs from a cluster.
#[allow(async_fn_in_trait)]
pub trait Chain {
    /// The program accounts of one kind (`getProgramAccounts` with a `dataSize` and a
    /// `memcmp` filter on a node, so it returns only those).
    async fn program_accounts(&mut self, kind: &AccountKind) -> ChainResult<Vec<(Pubkey, ChainAccount)>>;
    async fn account(&mut self, key: &Pubkey) -> ChainResult<Option<ChainAccount>>;
    /// The cluster's slot and unix time (Clock sysvar).
    async fn clock(&mut self) -> ChainResult<(u64, i64)>;
    async fn latest_blockhash(&mut self) -> ChainResult<Hash>;
    /// The clock and several accounts, read together (one `getMultipleAccounts` on a
    /// node, so all at one slot).
    async fn clock_and_accounts(&mut self, keys: &[Pubkey]) -> ChainResult<((u64, i64), Vec<Option<ChainAccount>>)> {
        let clock = self.clock().await?;
        let mut out = vec![];
        for key in keys {
            out.push(self.account(key).await?);
        }
        Ok((clock, out))
    }
    /// `Ok(Ok(units))` on success.
    async fn simulate(&mut self, tx: &VersionedTransaction) -> ChainResult<Result<u64, TxFailure>>;
    async fn send(&mut self, tx: &VersionedTransaction) -> ChainResult<Result<(), TxFailure>>;
    /// Sends every transaction, then waits for all of them; one result per transaction.
    async fn send_all(&mut self, txs: &[VersionedTransaction]) -> ChainResult<Vec<Result<(), TxFailure>>> {
        let mut out = vec![];
        for tx in txs {
            out.push(self.send(tx).await?);
        }
        Ok(out)
    }
    /// Waits (briefly) until the cluster's slot is past `slot`: a lookup table's new
    /// addresses are usable from the slot after the one that added them.
    async fn wait_past_slot(&mut self, slot: u64) -> ChainResult<()> {
        for _ in 0..50 {
            if self.clock().await?.0 > slot {
                return Ok(());
            }
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        }
        Err(format!("the cluster did not pass slot {slot}"))
    }
}

/// What the program answers when it will not use the price book (the pairs would serve).
const BOOK_REFUSALS: [ballast::error::ErrorCode; 2] =
    [ballast::error::ErrorCode::PriceBookStale, ballast::error::ErrorCode::MarketNotInPriceBook];

/// A simulated transaction and its compute units, or why it stops: the outcome and the error.
type Prepared = Result<(VersionedTransaction, u64), (&'static str, Option<String>)>;

/// The largest transaction a node accepts, in bytes.
pub const PACKET_DATA_SIZE: usize = 1_232;

/// Operator settings.
#[derive(Debug, Clone)]
pub struct Config {
    /// The program the keeper drives: the id compiled into `ballast` (`ballast::ID`), which
    /// the instruction builders and addresses of `ballast-client` use.
    pub program_id: Pubkey,
    /// The keeper's collateral token account (rewards and tips arrive here).
    pub keeper_token: Pubkey,
    pub compute_unit_limit: u32,
    pub priority_micro_lamports: u64,
    /// Send a transaction too large for the legacy format as a v0 transaction through an
    /// address lookup table the keeper creates, extends and reuses (accounts with more than
    /// about 12 cross positions).
    pub lookup_tables: bool,
    /// Crank a market's funding when it was last accrued longer ago than this, seconds
    /// (health already counts funding to now; the crank keeps the indices, and the events
    /// that report them, current).
    pub funding_crank_secs: i64,
    /// Refresh the price book (when it exists) for every market it holds at the start of
    /// each pass, and pass the book instead of `[market, oracle]` pairs to the cross
    /// instructions the pass sends (falling back to the pairs when the book is refused).
    pub price_book: bool,
}

/// Markets per `refresh_prices` transaction (two accounts each; a legacy transaction holds them).
pub const REFRESH_MARKETS_PER_TX: usize = 10;

/// Running totals, printed by the binary and read by tests.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counters {
    pub scanned: u64,
    pub liquidatable: u64,
    pub guards_due: u64,
    /// Trigger orders whose price was reached.
    pub triggers_due: u64,
    /// Markets whose funding was due for a crank.
    pub funding_due: u64,
    /// Positions picked for auto-deleveraging (the pool's equity was negative).
    pub deleverage_due: u64,
    /// `refresh_prices` transactions decided (each up to [`REFRESH_MARKETS_PER_TX`] markets).
    pub price_refreshes: u64,
    /// Cross instructions that landed through the price book instead of the pairs.
    pub via_price_book: u64,
    pub sent: u64,
    pub won: u64,
    /// Another keeper (or the owner) got there first: `NotLiquidatable` / `GuardNotTriggered`.
    pub lost: u64,
    pub failed: u64,
}

/// One thing the keeper decided to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    LiquidateCross { account: Pubkey, market_index: u16 },
    LiquidateIsolated { account: Pubkey, position: Pubkey, market_index: u16 },
    ExecuteGuard { account: Pubkey, position: Pubkey, market_index: u16 },
    ExecuteTrigger { account: Pubkey, id: u32, market_index: u16 },
    UpdateFunding { market: Pubkey, market_index: u16 },
    AutoDeleverage { account: Pubkey, market_index: u16, isolated: bool },
    RefreshPrices { market_indices: Vec<u16> },
}

impl Action {
    fn name(&self) -> &'static str {
        match self {
            Action::LiquidateCross { .. } => "liquidate_cross",
            Action::LiquidateIsolated { .. } => "liquidate_isolated",
            Action::ExecuteGuard { .. } => "execute_margin_guard",
            Action::ExecuteTrigger { .. } => "execute_trigger_order",
            Action::UpdateFunding { .. } => "update_funding",
            Action::AutoDeleverage { .. } => "auto_deleverage",
            Action::RefreshPrices { .. } => "refresh_prices",
        }
    }
    fn target(&self) -> Pubkey {
        match self {
            Action::LiquidateCross { account, .. } => *account,
            Action::LiquidateIsolated { position, .. } => *position,
            Action::ExecuteGuard { position, .. } => *position,
            Action::ExecuteTrigger { account, .. } => *account,
            Action::UpdateFunding { market, .. } => *market,
            Action::AutoDeleverage { account, .. } => *account,
            Action::RefreshPrices { .. } => ix::price_book_pda(),
        }
    }
}

/// The outcome of one action, also printed as one JSON line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub action: Action,
    /// "won", "lost" or "failed".
    pub result: &'static str,
    pub compute_units: u64,
    pub error: Option<String>,
}

struct MarketInfo {
    address: Pubkey,
    data: Vec<u8>,
    market: Market,
    oracle: Pubkey,
    oracle_account: ChainAccount,
}

fn decode<T: bytemuck::Pod + Discriminator>(data: &[u8]) -> Option<T> {
    let end = 8 + std::mem::size_of::<T>();
    if data.len() < end || &data[..8] != T::DISCRIMINATOR {
        return None;
    }
    Some(bytemuck::pod_read_unaligned(&data[8..end]))
}

/// Builds an `AccountInfo` over owned data for the program's read-only functions.
fn with_infos<R>(accounts: &mut [(Pubkey, ChainAccount)], f: impl FnOnce(&[AccountInfo]) -> R) -> R {
    let infos: Vec<AccountInfo> =
        accounts.iter_mut().map(|(k, a)| AccountInfo::new(k, false, false, &mut a.lamports, &mut a.data, &a.owner, false)).collect();
    f(&infos)
}

pub struct Keeper<C: Chain> {
    pub chain: C,
    pub payer: Keypair,
    pub config: Config,
    pub counters: Counters,
    /// Every JSON line logged so far.
    pub log: Vec<String>,
    /// The keeper's address lookup table, once created (reused for every large transaction).
    pub lookup_table: Option<AddressLookupTableAccount>,
    /// Lookup tables created and extensions sent (what the keeper paid rent and fees for).
    pub tables_created: u64,
    pub table_extensions: u64,
    /// The price book may serve this pass's cross instructions (it exists and was refreshed).
    book_usable: bool,
}

impl<C: Chain> Keeper<C> {
    pub fn new(chain: C, payer: Keypair, config: Config) -> Self {
        Self {
            chain,
            payer,
            config,
            counters: Counters::default(),
            log: vec![],
            lookup_table: None,
            tables_created: 0,
            table_extensions: 0,
            book_usable: false,
        }
    }

    /// One pass: read everything, decide, and act. Returns what was done.
    ///
    /// Actions go in three batches, each sent together and confirmed before the next:
    /// funding cranks, margin guards and trigger orders (what owners asked for, which may
    /// make a liquidation unnecessary), then liquidations, then deleveraging.
    pub async fn run_once(&mut self) -> ChainResult<Vec<Outcome>> {
        let actions = self.scan().await?;
        let phase = |a: &Action| match a {
            Action::RefreshPrices { .. } => 0,
            Action::UpdateFunding { .. } | Action::ExecuteGuard { .. } | Action::ExecuteTrigger { .. } => 1,
            Action::LiquidateCross { .. } | Action::LiquidateIsolated { .. } => 2,
            Action::AutoDeleverage { .. } => 3,
        };
        let mut out = vec![];
        self.book_usable = false;
        for p in 0..4 {
            let batch: Vec<Action> = actions.iter().filter(|a| phase(a) == p).cloned().collect();
            if !batch.is_empty() {
                let outcomes = self.execute_all(batch).await?;
                if p == 0 {
                    // The book serves the later phases only if every refresh landed.
                    self.book_usable = outcomes.iter().all(|o| o.result == "won");
                }
                out.extend(outcomes);
            }
        }
        Ok(out)
    }

    /// Reads the exchange, markets, oracles, margin accounts and isolated positions and
    /// decides what to send: funding cranks first, then guards (a top-up is what the owner
    /// asked for, and it may make the liquidation unnecessary), then liquidations. Health
    /// is the program's own code under the liquidation policy: funding counted to now,
    /// positions whose price is not valid valued against the trader. A liquidation is sent
    /// only when the liquidated market's price is fresh enough for a fill.
    pub async fn scan(&mut self) -> ChainResult<Vec<Action>> {
        let program = self.config.program_id;
        let exchange_key = ix::exchange_pda();
        let market_accounts = self.chain.program_accounts(&AccountKind::of::<Market>(program, Market::SPACE)).await?;
        let market_accounts: Vec<(Pubkey, Vec<u8>, Market)> =
            market_accounts.into_iter().filter_map(|(address, a)| decode::<Market>(&a.data).map(|m| (address, a.data, m))).collect();
        // The clock, the exchange, the price book and every market's oracle in one read.
        let keys: Vec<Pubkey> =
            [exchange_key, ix::price_book_pda()].into_iter().chain(market_accounts.iter().map(|(_, _, m)| m.oracle)).collect();
        let ((slot, now), mut read) = self.chain.clock_and_accounts(&keys).await?;
        let oracles = read.split_off(2);
        let book_exists = read.pop().flatten().is_some_and(|a| a.owner == program && decode::<PriceBook>(&a.data).is_some());
        let exchange = read.pop().flatten().and_then(|a| decode::<Exchange>(&a.data)).ok_or("exchange not found")?;
        let decimals = exchange.collateral_decimals;
        let clock = anchor_lang::prelude::Clock { slot, unix_timestamp: now, ..Default::default() };
        let q = HealthQuery::new(&exchange, &clock, Policy::Lenient);
        let mut markets: BTreeMap<u16, MarketInfo> = BTreeMap::new();
        for ((address, data, market), oracle_account) in market_accounts.into_iter().zip(oracles) {
            let Some(oracle_account) = oracle_account else { continue };
            markets.insert(market.market_index, MarketInfo { address, data, oracle: market.oracle, market, oracle_account });
        }
        let prices: BTreeMap<u16, OraclePrice> = markets
            .iter_mut()
            .filter_map(|(i, m)| {
                let mut pair = [(m.oracle, m.oracle_account.clone())];
                let price = with_infos(&mut pair, |infos| read_oracle(&m.market, &infos[0], decimals, now).ok())?;
                Some((*i, price))
            })
            .collect();
        let fillable = |index: u16| {
            markets.get(&index).zip(prices.get(&index)).is_some_and(|(m, p)| p.require_fill(m.market.max_fill_age_secs).is_ok())
        };

        let mut actions = vec![];
        if self.config.price_book && book_exists {
            // Markets whose oracle reads: one that does not would fail its whole transaction.
            let held: Vec<u16> =
                markets.keys().copied().filter(|&i| usize::from(i) < MAX_PRICE_BOOK_MARKETS && prices.contains_key(&i)).collect();
            for chunk in held.chunks(REFRESH_MARKETS_PER_TX) {
                self.counters.price_refreshes += 1;
                actions.push(Action::RefreshPrices { market_indices: chunk.to_vec() });
            }
        }
        for (index, m) in &markets {
            let priced = prices.get(index).is_some_and(|p| p.price > 0);
            if priced && now.saturating_sub(m.market.last_funding_ts) >= self.config.funding_crank_secs {
                self.counters.funding_due += 1;
                actions.push(Action::UpdateFunding { market: m.address, market_index: *index });
            }
        }

        let mut adl = AdlQueue::default();
        let isolated = self.chain.program_accounts(&AccountKind::of::<IsolatedPosition>(program, IsolatedPosition::SPACE)).await?;
        for (key, acct) in isolated {
            let Some(p) = decode::<IsolatedPosition>(&acct.data) else { continue };
            if p.base == 0 && p.unsettled_pnl == 0 {
                continue;
            }
            let (Some(m), Some(price)) = (markets.get(&p.market_index), prices.get(&p.market_index)) else { continue };
            let Ok(view) = MarketView::of(&m.market, price, &q) else { continue };
            let Ok(health) = isolated_health(&p, &view) else { continue };
            let target = Action::AutoDeleverage { account: p.margin_account, market_index: p.market_index, isolated: true };
            adl.consider(
                target,
                p.base,
                p.cost_basis,
                p.unsettled_pnl,
                price.price,
                u64::try_from(health.notional.max(0)).unwrap_or(u64::MAX),
                health.maintenance_equity,
            );
            if p.base == 0 {
                continue;
            }
            self.counters.scanned += 1;
            let ratio = health.maintenance_ratio_ppm().ok().flatten().unwrap_or(i64::MAX);
            let g = p.guard;
            let guard_due =
                g.enabled == 1 && ratio < i64::from(g.trigger_ratio_ppm) && g.used_total.saturating_add(g.top_up_amount) <= g.max_total;
            if guard_due && price.require_valid().is_ok() {
                self.counters.guards_due += 1;
                actions.push(Action::ExecuteGuard { account: p.margin_account, position: key, market_index: p.market_index });
            } else if health.is_liquidatable() && fillable(p.market_index) {
                self.counters.liquidatable += 1;
                actions.push(Action::LiquidateIsolated { account: p.margin_account, position: key, market_index: p.market_index });
            }
        }

        // Trigger orders whose price is reached, where the market can fill: the program
        // closes the order's size (or removes an order whose position is gone).
        let books = self.chain.program_accounts(&AccountKind::of::<TriggerBook>(program, TriggerBook::SPACE)).await?;
        for (_, acct) in books {
            let Some(book) = decode::<TriggerBook>(&acct.data) else { continue };
            for o in book.orders.iter().filter(|o| !o.is_free()) {
                let Some(condition) = TriggerCondition::from_u8(o.condition) else { continue };
                let reached = prices.get(&o.market_index).is_some_and(|p| condition.met(p.price, o.trigger_price));
                if reached && fillable(o.market_index) {
                    self.counters.triggers_due += 1;
                    actions.push(Action::ExecuteTrigger { account: book.margin_account, id: o.id, market_index: o.market_index });
                }
            }
        }

        let accounts = self.chain.program_accounts(&AccountKind::of::<MarginAccount>(program, MarginAccount::SPACE)).await?;
        for (key, acct) in accounts {
            let Some(m) = decode::<MarginAccount>(&acct.data) else { continue };
            if m.health_slots().next().is_none() {
                continue;
            }
            let mut health_accounts = vec![];
            let mut complete = true;
            for slot in m.health_slots() {
                let Some(info) = markets.get(&slot.market_index) else {
                    complete = false;
                    break;
                };
                health_accounts.push((info.address, ChainAccount { lamports: 1, data: info.data.clone(), owner: program }));
                health_accounts.push((info.oracle, info.oracle_account.clone()));
            }
            if !complete {
                continue;
            }
            let Ok(book) = with_infos(&mut health_accounts, |infos| CrossBook::scan(&m, infos, &q, None)) else { continue };
            let Ok(domain) = book.domain(&m) else { continue };
            for e in book.entries() {
                let (Some(price), s) = (prices.get(&e.market_index), &e.state) else { continue };
                let target = Action::AutoDeleverage { account: key, market_index: e.market_index, isolated: false };
                adl.consider(target, s.base, s.cost_basis, s.unsettled, price.price, e.health.notional, domain.maintenance_equity);
            }
            if !m.has_open_cross_positions() {
                continue;
            }
            self.counters.scanned += 1;
            let continuing = m.liquidation_continues(slot) && !domain.restored(exchange.liquidation_buffer_ppm);
            if !(domain.is_liquidatable() || continuing) {
                continue;
            }
            // The open position with the largest maintenance margin whose price can fill goes first.
            let target = book
                .entries()
                .iter()
                .filter(|e| e.state.base != 0 && fillable(e.market_index))
                .map(|e| (e.health.maintenance, e.market_index))
                .max()
                .map(|(_, i)| i);
            if let Some(market_index) = target {
                self.counters.liquidatable += 1;
                actions.push(Action::LiquidateCross { account: key, market_index });
            }
        }

        // While the pool's equity is negative, the highest-ranked positions are
        // deleveraged until their profit covers the shortfall (the program closes no more
        // than it needs and refuses once the pool is whole: a late action is "lost").
        let valued: Option<Vec<(SideTotals, u64)>> = (0..exchange.market_count)
            .map(|i| {
                let m = markets.get(&i)?;
                let p = prices.get(&i).filter(|p| p.require_valid().is_ok())?;
                Some((m.market.side_totals(), p.price))
            })
            .collect();
        if let Some(equity) = valued.and_then(|v| pool_equity_of(&exchange, &v)) {
            for action in adl.plan(equity) {
                if let Action::AutoDeleverage { market_index, .. } = action {
                    if fillable(market_index) {
                        self.counters.deleverage_due += 1;
                        actions.push(action);
                    }
                }
            }
        }
        Ok(actions)
    }

    async fn market_bytes(&mut self, address: &Pubkey) -> ChainResult<Vec<u8>> {
        Ok(self.chain.account(address).await?.ok_or("market vanished")?.data)
    }

    /// `[market, oracle]` per cross slot in health of `account`, except `skip`.
    async fn health_keys(&mut self, account: &Pubkey, skip: Option<u16>) -> ChainResult<Vec<Pubkey>> {
        let data = self.chain.account(account).await?.ok_or("margin account vanished")?.data;
        let m = decode::<MarginAccount>(&data).ok_or("not a margin account")?;
        let mut keys = vec![];
        for slot in m.health_slots().filter(|s| Some(s.market_index) != skip) {
            let (market, oracle) = self.market_and_oracle(slot.market_index).await?;
            keys.extend([market, oracle]);
        }
        Ok(keys)
    }

    async fn market_and_oracle(&mut self, index: u16) -> ChainResult<(Pubkey, Pubkey)> {
        let market = ix::market_pda(index);
        let oracle = decode::<Market>(&self.market_bytes(&market).await?).ok_or("not a market")?.oracle;
        Ok((market, oracle))
    }

    /// The program instruction for an action, built by `ballast-client` (the builders the
    /// tests and the migrations use), with `[market, oracle]` pairs for the cross positions.
    pub async fn instruction(&mut self, action: &Action) -> ChainResult<Instruction> {
        self.instruction_with(action, false).await
    }

    /// The cross positions' health accounts: the price book alone, or their pairs.
    async fn cross_health(&mut self, account: &Pubkey, skip: u16, book: bool) -> ChainResult<Vec<Pubkey>> {
        if book {
            return Ok(vec![ix::price_book_pda()]);
        }
        self.health_keys(account, Some(skip)).await
    }

    /// [`Self::instruction`], reading the cross positions from the price book when `book`.
    async fn instruction_with(&mut self, action: &Action, book: bool) -> ChainResult<Instruction> {
        let keeper = self.payer.pubkey();
        let token = self.config.keeper_token;
        Ok(match *action {
            Action::LiquidateCross { account, market_index } => {
                let (_, oracle) = self.market_and_oracle(market_index).await?;
                let health = self.cross_health(&account, market_index, book).await?;
                ix::liquidate_cross(keeper, token, account, market_index, oracle, u64::MAX, &health)
            }
            Action::LiquidateIsolated { account, position, market_index } => {
                let (_, oracle) = self.market_and_oracle(market_index).await?;
                debug_assert_eq!(position, ix::isolated_pda(&account, market_index));
                ix::liquidate_isolated(keeper, token, account, market_index, oracle, u64::MAX)
            }
            Action::ExecuteGuard { account, position, market_index } => {
                let (_, oracle) = self.market_and_oracle(market_index).await?;
                debug_assert_eq!(position, ix::isolated_pda(&account, market_index));
                let health = self.cross_health(&account, market_index, book).await?;
                ix::execute_margin_guard(keeper, token, account, market_index, oracle, &health)
            }
            Action::ExecuteTrigger { account, id, market_index } => {
                let (_, oracle) = self.market_and_oracle(market_index).await?;
                let health = self.cross_health(&account, market_index, book).await?;
                ix::execute_trigger_order(keeper, token, account, id, market_index, oracle, &health)
            }
            Action::AutoDeleverage { account, market_index, isolated } => {
                let (_, oracle) = self.market_and_oracle(market_index).await?;
                let exchange = self.chain.account(&ix::exchange_pda()).await?.ok_or("exchange vanished")?;
                let count = decode::<Exchange>(&exchange.data).ok_or("not the exchange")?.market_count;
                let mut markets = vec![];
                for i in 0..count {
                    let (m, o) = self.market_and_oracle(i).await?;
                    markets.extend([m, o]);
                }
                ix::auto_deleverage(keeper, account, market_index, oracle, isolated, u64::MAX, &markets)
            }
            Action::UpdateFunding { market_index, .. } => {
                let (_, oracle) = self.market_and_oracle(market_index).await?;
                ix::update_funding(market_index, oracle)
            }
            Action::RefreshPrices { ref market_indices } => {
                let mut pairs = vec![];
                for &i in market_indices {
                    pairs.push(self.market_and_oracle(i).await?);
                }
                ix::refresh_prices(&pairs)
            }
        })
    }

    /// Compute-budget instructions from the config (built by hand: two bytes of layout).
    fn budget(&self) -> [Instruction; 2] {
        let program = anchor_lang::prelude::pubkey!("ComputeBudget111111111111111111111111111111");
        let mut limit = vec![2u8];
        limit.extend_from_slice(&self.config.compute_unit_limit.to_le_bytes());
        let mut price = vec![3u8];
        price.extend_from_slice(&self.config.priority_micro_lamports.to_le_bytes());
        [
            Instruction { program_id: program, accounts: vec![], data: limit },
            Instruction { program_id: program, accounts: vec![], data: price },
        ]
    }

    /// Sends a legacy transaction of the keeper's own and waits for it (table upkeep).
    async fn send_own(&mut self, ixs: &[Instruction]) -> ChainResult<()> {
        let blockhash = self.chain.latest_blockhash().await?;
        let tx = Transaction::new_signed_with_payer(ixs, Some(&self.payer.pubkey()), &[&self.payer], blockhash);
        match self.chain.send(&VersionedTransaction::from(tx)).await? {
            Ok(()) => Ok(()),
            Err(f) => Err(format!("lookup table upkeep failed: {}", f.message)),
        }
    }

    /// The keeper's lookup table holding every account of `ix` that is neither a signer nor
    /// the invoked program: created on first need, extended with what is missing (20
    /// addresses per transaction), usable from the next slot.
    async fn lookup_table_for(&mut self, ix: &Instruction) -> ChainResult<AddressLookupTableAccount> {
        let payer = self.payer.pubkey();
        let mut table = match self.lookup_table.clone() {
            Some(t) => t,
            None => {
                let (slot, _) = self.chain.clock().await?;
                let (create, key) = create_lookup_table(payer, payer, slot.saturating_sub(1));
                self.send_own(&[create]).await?;
                self.tables_created += 1;
                AddressLookupTableAccount { key, addresses: vec![] }
            }
        };
        let mut missing: Vec<Pubkey> = vec![];
        for m in ix.accounts.iter().filter(|m| !m.is_signer && m.pubkey != ix.program_id) {
            if !table.addresses.contains(&m.pubkey) && !missing.contains(&m.pubkey) {
                missing.push(m.pubkey);
            }
        }
        if !missing.is_empty() {
            for chunk in missing.chunks(20) {
                self.send_own(&[extend_lookup_table(table.key, payer, Some(payer), chunk.to_vec())]).await?;
                self.table_extensions += 1;
            }
            let (slot, _) = self.chain.clock().await?;
            self.chain.wait_past_slot(slot).await?;
            table.addresses.extend(missing);
        }
        self.lookup_table = Some(table.clone());
        Ok(table)
    }

    /// Builds the action's transaction (v0 through the lookup table when a legacy one is
    /// too large) and simulates it: `Ok(tx, units)` to send, or the outcome that stops here.
    /// Liquidations and trigger executions (lenient readers, which accept entries up to four
    /// slots old) try the price book first when this pass refreshed it; any refusal through
    /// the book is simulated again with the pairs, so the book can only save work, never
    /// lose an action. `Ok((tx, units, through the book))`. Margin guards read the cross
    /// domain strictly (this slot's entries only) and always take the pairs.
    async fn prepare(&mut self, action: &Action) -> ChainResult<Result<(VersionedTransaction, u64, bool), (&'static str, Option<String>)>> {
        let lenient_cross = matches!(action, Action::LiquidateCross { .. } | Action::ExecuteTrigger { .. });
        if self.book_usable && lenient_cross {
            if let Ok((tx, units)) = self.prepare_with(action, true).await? {
                return Ok(Ok((tx, units, true)));
            }
        }
        Ok(self.prepare_with(action, false).await?.map(|(tx, units)| (tx, units, false)))
    }

    /// Builds and simulates the action, reading the cross positions from the book when `book`.
    async fn prepare_with(&mut self, action: &Action, book: bool) -> ChainResult<Prepared> {
        let ix = self.instruction_with(action, book).await?;
        let [limit, price] = self.budget();
        let blockhash = self.chain.latest_blockhash().await?;
        let ixs = [limit, price, ix];
        let legacy = Transaction::new_signed_with_payer(&ixs, Some(&self.payer.pubkey()), &[&self.payer], blockhash);
        let mut tx = VersionedTransaction::from(legacy);
        if self.config.lookup_tables && bincode::serialize(&tx).map_err(|e| e.to_string())?.len() > PACKET_DATA_SIZE {
            let table = self.lookup_table_for(&ixs[2]).await?;
            let blockhash = self.chain.latest_blockhash().await?;
            let message = v0::Message::try_compile(&self.payer.pubkey(), &ixs, &[table], blockhash).map_err(|e| e.to_string())?;
            tx = VersionedTransaction::try_new(VersionedMessage::V0(message), &[&self.payer]).map_err(|e| e.to_string())?;
        }
        let size = bincode::serialize(&tx).map_err(|e| e.to_string())?.len();
        if size > PACKET_DATA_SIZE {
            // A cross account with many positions needs more accounts than a legacy
            // transaction carries; nodes refuse it, so say why instead of sending it.
            let error = format!(
                "transaction is {size} bytes, over the {PACKET_DATA_SIZE}-byte limit: this account needs a v0 transaction with an address lookup table (enable lookup tables, docs/KEEPERS.md)"
            );
            return Ok(Err(("failed", Some(error))));
        }
        Ok(match self.chain.simulate(&tx).await? {
            Err(f) => Err((classify(&f), Some(f.message))),
            Ok(units) => Ok((tx, units)),
        })
    }

    /// Counts and logs an outcome (one JSON line).
    fn record(&mut self, action: Action, result: &'static str, compute_units: u64, error: Option<String>) -> Outcome {
        match result {
            "won" => self.counters.won += 1,
            "lost" => self.counters.lost += 1,
            _ => self.counters.failed += 1,
        }
        let line = serde_json::json!({
            "action": action.name(),
            "target": action.target().to_string(),
            "result": result,
            "compute_units": compute_units,
            "error": error,
        })
        .to_string();
        println!("{line}");
        self.log.push(line);
        Outcome { action, result, compute_units, error }
    }

    /// Simulates, then sends and waits for one action. A lost race is normal and counted as such.
    pub async fn execute(&mut self, action: Action) -> ChainResult<Outcome> {
        Ok(self.execute_all(vec![action]).await?.remove(0))
    }

    /// Prepares and simulates every action, sends those that pass together, then waits for
    /// all of them (one confirmation round trip for the batch instead of one per action).
    ///
    /// An action sent through the price book that the program refused on chain — the book
    /// aged past its limit while the transaction waited — is rebuilt with the pairs and
    /// sent once more in the same pass.
    pub async fn execute_all(&mut self, actions: Vec<Action>) -> ChainResult<Vec<Outcome>> {
        let mut outcomes: Vec<Option<Outcome>> = vec![];
        let mut ready: Vec<(usize, Action, VersionedTransaction, u64, bool)> = vec![];
        for action in actions {
            let i = outcomes.len();
            match self.prepare(&action).await? {
                Ok((tx, units, book)) => {
                    outcomes.push(None);
                    ready.push((i, action, tx, units, book));
                }
                Err((result, error)) => outcomes.push(Some(self.record(action, result, 0, error))),
            }
        }
        let mut retry: Vec<(usize, Action)> = vec![];
        let txs: Vec<VersionedTransaction> = ready.iter().map(|r| r.2.clone()).collect();
        self.counters.sent += txs.len() as u64;
        let results = self.chain.send_all(&txs).await?;
        for ((i, action, _, units, book), result) in ready.into_iter().zip(results) {
            match result {
                Ok(()) => {
                    self.counters.via_price_book += u64::from(book);
                    outcomes[i] = Some(self.record(action, "won", units, None));
                }
                Err(f) if book && f.custom_code.is_some_and(|c| BOOK_REFUSALS.map(u32::from).contains(&c)) => retry.push((i, action)),
                Err(f) => outcomes[i] = Some(self.record(action, classify(&f), units, Some(f.message))),
            }
        }
        let mut resend: Vec<(usize, Action, VersionedTransaction, u64)> = vec![];
        for (i, action) in retry {
            match self.prepare_with(&action, false).await? {
                Ok((tx, units)) => resend.push((i, action, tx, units)),
                Err((result, error)) => outcomes[i] = Some(self.record(action, result, 0, error)),
            }
        }
        if !resend.is_empty() {
            let txs: Vec<VersionedTransaction> = resend.iter().map(|r| r.2.clone()).collect();
            self.counters.sent += txs.len() as u64;
            let results = self.chain.send_all(&txs).await?;
            for ((i, action, _, units), result) in resend.into_iter().zip(results) {
                outcomes[i] = Some(match result {
                    Ok(()) => self.record(action, "won", units, None),
                    Err(f) => self.record(action, classify(&f), units, Some(f.message)),
                });
            }
        }
        Ok(outcomes.into_iter().map(|o| o.expect("every action has an outcome")).collect())
    }
}

/// A failure the program gives when another keeper (or the owner) got there first is a
/// lost race, not a failure.
fn classify(f: &TxFailure) -> &'static str {
    use ballast::error::ErrorCode;
    let lost_codes = [
        ErrorCode::NotLiquidatable,
        ErrorCode::GuardNotTriggered,
        ErrorCode::TriggerNotMet,
        ErrorCode::TriggerOrderNotFound,
        ErrorCode::PoolNotInShortfall,
        ErrorCode::DeleverageTargetNotProfitable,
    ]
    .map(u32::from);
    if f.custom_code.is_some_and(|c| lost_codes.contains(&c)) {
        "lost"
    } else {
        "failed"
    }
}

/// The pool's equity over every market (`ballast_math::adl`), `None` if it overflows.
fn pool_equity_of(exchange: &Exchange, markets: &[(SideTotals, u64)]) -> Option<i128> {
    let mut side = 0i128;
    for (totals, price) in markets {
        side = side.checked_add(pool_side_pnl(totals, *price).ok()?)?;
    }
    pool_equity(exchange.pool_balance, exchange.pool_deficit, side).ok()
}

/// Positions that may be deleveraged, with what each could give back.
#[derive(Default)]
struct AdlQueue {
    /// `(open profit first, score or unsettled amount, what it covers, action)`.
    entries: Vec<(bool, u64, u128, Action)>,
}

impl AdlQueue {
    /// Ranks a position: by the ADL score when it holds open profit, else (after every
    /// profitable one) by its unsettled profit, which a write-off would take.
    #[allow(clippy::too_many_arguments)]
    fn consider(&mut self, action: Action, base: i64, cost_basis: i64, unsettled: i64, price: u64, notional: u64, equity: i128) {
        let pnl = unrealized_pnl(BaseLots(base), cost_basis, Price(price)).unwrap_or(0);
        if pnl > 0 {
            let score = adl_score_ppm(pnl, cost_basis, notional, equity).unwrap_or(u64::MAX);
            self.entries.push((true, score, pnl.unsigned_abs(), action));
        } else if unsettled > 0 {
            self.entries.push((false, unsettled.unsigned_abs(), u128::from(unsettled.unsigned_abs()), action));
        }
    }

    /// The actions that cover `-equity`, highest rank first (empty when equity ≥ 0).
    fn plan(mut self, equity: i128) -> Vec<Action> {
        if equity >= 0 {
            return vec![];
        }
        self.entries.sort_by_key(|e| std::cmp::Reverse((e.0, e.1)));
        let mut left = equity.unsigned_abs();
        let mut out = vec![];
        for (_, _, covers, action) in self.entries {
            if left == 0 {
                break;
            }
            left = left.saturating_sub(covers);
            out.push(action);
        }
        out
    }
}
