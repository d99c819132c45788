//! Scenario harness: the Ballast program (native, inside solana-program-test's real
//! runtime) with the real SPL Token program, a collateral mint, an exchange, markets
//! with push or Pyth oracles, users, and control over prices and the clock.
//!
//! Every transaction sent through [`Harness::send`] is followed by [`Harness::check_invariants`]:
//! the vault holds exactly the sum of all claims (SPEC §8.1) and every account passes its
//! own `invariant()`. [`Harness::expect_failure`] asserts a specific error code *and* that no
//! account the harness knows about changed by a single byte.
#![allow(deprecated)] // program-test 3.x marks its API "agave-unstable-api"

pub use ballast_client::ix;
pub mod fuzz;
pub mod invariants;
pub mod keeper_chain;
pub mod pyth;
pub mod rt;

use std::collections::BTreeMap;

use anchor_lang::prelude::{AccountInfo, Pubkey};
#[cfg(not(feature = "sbf"))]
use anchor_lang::solana_program::entrypoint::ProgramResult;
use anchor_lang::solana_program::instruction::Instruction;
use anchor_lang::Discriminator;
use ballast::instructions::ExchangeParams;
use ballast::state::{AllowedModes, Exchange, IsolatedPosition, MarginAccount, MarginMode, Market, MarketParams, OracleKind, TierParams};
#[cfg(not(feature = "sbf"))]
use rt::ProgramTest;
use rt::{Account, AccountSharedData, ProgramTestContext, Transaction};
use solana_clock::Clock;
use solana_instruction::error::InstructionError;
use solana_keypair::Keypair;
use solana_program_pack::Pack;
use solana_signer::Signer;
use solana_transaction_error::TransactionError;

/// One dollar in collateral native units (6 decimals).
pub const USD: u64 = 1_000_000;
/// One whole unit of an asset in base lots.
pub const UNIT: i64 = 1_000_000_000;
/// Push oracles in the harness publish with this exponent.
pub const ORACLE_EXPONENT: i32 = -8;
/// Start of the harness clock (unix seconds).
pub const GENESIS_TIME: i64 = 1_800_000_000;

/// `dollars` as a push-oracle mantissa (exponent -8).
/// A fresh keypair, deterministic per process: the n-th call returns the same key in
/// every run, so PDA bumps (and with them compute units) repeat exactly from run to run.
pub fn next_keypair() -> Keypair {
    static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let mut seed = [0u8; 32];
    seed[..8].copy_from_slice(&n.to_le_bytes());
    seed[8..24].copy_from_slice(b"ballast-harness!");
    Keypair::new_from_array(seed)
}

pub fn oracle_price(dollars: f64) -> i64 {
    (dollars * 1e8).round() as i64
}

/// The program's error code for `e`.
pub fn code(e: ballast::error::ErrorCode) -> u32 {
    u32::from(e)
}

/// Anchor's framework error code for `e`.
pub fn anchor_code(e: anchor_lang::error::ErrorCode) -> u32 {
    u32::from(e)
}

#[cfg(not(feature = "sbf"))]
fn ballast_processor(program_id: &Pubkey, accounts: &[AccountInfo], data: &[u8]) -> ProgramResult {
    // Anchor's generated entry wants one lifetime for all three borrows; program-test's
    // processor type has independent ones. The borrows live for the whole call.
    let accounts = unsafe { core::mem::transmute::<&[AccountInfo], &[AccountInfo]>(accounts) };
    ballast::entry(program_id, accounts, data)
}

/// Reads a zero-copy account's fields (copy; alignment-safe).
pub fn decode<T: bytemuck::Pod + Discriminator>(data: &[u8]) -> T {
    assert_eq!(&data[..8], T::DISCRIMINATOR, "discriminator of {}", std::any::type_name::<T>());
    bytemuck::pod_read_unaligned(&data[8..8 + std::mem::size_of::<T>()])
}

/// The numeric code of an Anchor error returned by a program function called directly.
pub fn code_of(e: anchor_lang::error::Error) -> u32 {
    match anchor_lang::solana_program::program_error::ProgramError::from(e) {
        anchor_lang::solana_program::program_error::ProgramError::Custom(c) => c,
        other => panic!("not a custom error: {other:?}"),
    }
}

/// The custom error code of a failed transaction, if it is one.
pub fn custom_code(err: &TransactionError) -> Option<u32> {
    match err {
        TransactionError::InstructionError(_, InstructionError::Custom(c)) => Some(*c),
        _ => None,
    }
}

/// A market the harness created.
#[derive(Debug, Clone)]
pub struct MarketInfo {
    pub index: u16,
    pub address: Pubkey,
    pub oracle: Pubkey,
    pub kind: OracleKind,
}

/// A trader: a keypair, a collateral token account, and margin sub-account 0.
#[derive(Debug)]
pub struct User {
    pub name: &'static str,
    pub key: Keypair,
    pub token: Pubkey,
    pub account: Pubkey,
}

impl User {
    pub fn pubkey(&self) -> Pubkey {
        self.key.pubkey()
    }
}

/// What a successful transaction reported.
#[derive(Debug, Clone, Default)]
pub struct TxOutcome {
    pub logs: Vec<String>,
    pub compute_units: u64,
}

/// Default exchange parameters: 0.05% taker fee, 20% of it to the protocol, 10%
/// liquidation buffer, $0.10 margin-guard tip.
pub fn default_exchange_params(guardian: Pubkey) -> ExchangeParams {
    ExchangeParams {
        guardian,
        taker_fee_ppm: 500,
        protocol_fee_share_ppm: 200_000,
        liquidation_buffer_ppm: 100_000,
        margin_guard_tip: 100_000,
        allow_push_oracles: true,
    }
}

/// Default market: 20x up to $100k, 10x to $500k, 5x above; 0.01% spread; 0.5% keeper
/// reward; 0.25% insurance share; full PnL weight; 10% transfer floor; 60 s / 2% oracle
/// limits and a 30 s fill age; a 10% haircut on invalid prices; $100,000 of down-weighted
/// profit settled per hour; tier changes ramp maintenance over a day.
pub fn default_market_params() -> MarketParams {
    MarketParams {
        tiers: vec![
            TierParams { notional_threshold: 0, max_leverage: 20 },
            TierParams { notional_threshold: 100_000 * USD, max_leverage: 10 },
            TierParams { notional_threshold: 500_000 * USD, max_leverage: 5 },
        ],
        allowed_modes: AllowedModes::Any,
        max_oracle_age_secs: 60,
        max_oracle_conf_ppm: 20_000,
        spread_ppm: 100,
        liquidation_fee_ppm: 5_000,
        insurance_share_ppm: 2_500,
        pnl_weight_ppm: 1_000_000,
        transfer_floor_ppm: 100_000,
        funding_max_rate_ppm: 1_000,
        funding_k_ppm: 100,
        max_fill_age_secs: 30,
        invalid_price_haircut_ppm: 100_000,
        settle_period_secs: 3_600,
        settle_limit: 100_000 * USD,
        maintenance_ramp_secs: 86_400,
        lot_size: 1_000_000,
        dust_notional: 10 * USD,
        max_open_interest: 1_000_000 * UNIT as u64,
        funding_oi_floor: UNIT as u64,
        vol_target_ppm: 0,
        vol_floor_ppm: 0,
        vol_half_life_secs: 0,
    }
}

pub struct Harness {
    pub ctx: ProgramTestContext,
    pub admin: Keypair,
    pub guardian: Keypair,
    pub oracle_authority: Keypair,
    pub mint_authority: Keypair,
    pub mint: Pubkey,
    pub admin_token: Pubkey,
    pub exchange: Pubkey,
    pub vault: Pubkey,
    pub markets: Vec<MarketInfo>,
    /// Margin accounts and isolated positions the invariant checker sums over.
    pub margin_accounts: Vec<Pubkey>,
    pub isolated_positions: Vec<Pubkey>,
    /// Every account the "changed nothing" check compares.
    pub watched: Vec<Pubkey>,
    pub now: i64,
    pub slot: u64,
    /// While true, transactions share the current slot (and blockhash).
    pub hold_slot: bool,
    /// When set, every transaction starts with a ComputeBudget `SetComputeUnitLimit`.
    pub compute_unit_limit: Option<u32>,
    pub last: TxOutcome,
    pub invariant_checks: u64,
    /// Tokens sent straight to the vault (not through the program) and not yet credited
    /// by `sync_vault`: the vault holds exactly this much more than the claims.
    pub vault_surplus: u64,
    /// Successful transactions whose before/after transition was checked.
    pub transition_checks: u64,
    /// The state after the last transaction (every account the harness knows).
    pub last_world: Option<invariants::World>,
    /// When true, the harness's cross-reading instructions pass the price book instead of
    /// `[market, oracle]` pairs ([`Self::health_accounts`]).
    pub health_from_price_book: bool,
}

impl Harness {
    /// A runtime with the mint and the admin's funded token account, but no exchange yet.
    pub async fn bare() -> Self {
        #[cfg(not(feature = "sbf"))]
        let pt = {
            let mut pt = ProgramTest::new("ballast", ballast::ID, rt::processor!(ballast_processor));
            pt.prefer_bpf(false);
            pt
        };
        #[cfg(feature = "sbf")]
        let pt = rt::bytecode_program_test();
        let ctx = pt.start_with_context().await;
        let mut h = Self {
            ctx,
            admin: next_keypair(),
            guardian: next_keypair(),
            oracle_authority: next_keypair(),
            mint_authority: next_keypair(),
            mint: Pubkey::default(),
            admin_token: Pubkey::default(),
            exchange: ix::exchange_pda(),
            vault: ix::vault_pda(),
            markets: vec![],
            margin_accounts: vec![],
            isolated_positions: vec![],
            watched: vec![],
            now: GENESIS_TIME,
            slot: 1,
            hold_slot: false,
            compute_unit_limit: None,
            last: TxOutcome::default(),
            invariant_checks: 0,
            vault_surplus: 0,
            transition_checks: 0,
            last_world: None,
            health_from_price_book: false,
        };
        for k in [h.admin.pubkey(), h.guardian.pubkey(), h.oracle_authority.pubkey()] {
            h.airdrop(k, 100_000_000_000).await;
        }
        h.mint = h.create_mint(6).await;
        h.admin_token = h.create_token_account(h.admin.pubkey(), h.mint).await;
        h.mint_to(h.admin_token, 100_000_000 * USD).await;
        h
    }

    /// An initialised exchange with default parameters, a pool of $10M and one market
    /// ("BTC" at $50,000) on a push oracle.
    pub async fn new() -> Self {
        Self::with(|p| p, default_market_params()).await
    }

    /// A keeper bot on this runtime, paying from a new funded keypair, rewarded in `keeper.token`.
    pub async fn keeper_bot(&mut self, keeper: &User) -> ballast_keeper::Keeper<keeper_chain::BanksChain> {
        let mut known = self.margin_accounts.clone();
        known.extend(self.isolated_positions.iter().copied());
        known.extend(self.markets.iter().map(|m| m.address));
        known.extend(self.margin_accounts.iter().map(ix::trigger_book_pda));
        let chain = keeper_chain::BanksChain { banks: self.ctx.banks_client.clone(), known };
        let config = ballast_keeper::Config {
            program_id: ballast::ID,
            keeper_token: keeper.token,
            compute_unit_limit: 400_000,
            priority_micro_lamports: 1,
            // The in-process runtime's slots move only when a test warps them.
            lookup_tables: false,
            funding_crank_secs: 3_600,
            price_book: true,
        };
        ballast_keeper::Keeper::new(chain, keeper.key.insecure_clone(), config)
    }

    /// Like [`Self::new`], with exchange parameters adjusted by `exchange` and the first
    /// market's parameters given.
    pub async fn with(exchange: impl FnOnce(ExchangeParams) -> ExchangeParams, btc: MarketParams) -> Self {
        let mut h = Self::bare().await;
        let params = exchange(default_exchange_params(h.guardian.pubkey()));
        h.init_exchange(params).await;
        h.fund_pool(10_000_000 * USD).await;
        h.add_push_market(50_000.0, btc).await;
        h
    }

    // ----- runtime plumbing -----

    /// Advances to a new slot (fresh blockhash) and writes the harness clock.
    async fn next_slot(&mut self) {
        if self.hold_slot {
            return;
        }
        self.slot += 1;
        self.ctx.warp_to_slot(self.slot).expect("warp");
        let mut clock: Clock = self.ctx.banks_client.get_sysvar().await.expect("clock");
        clock.unix_timestamp = self.now;
        self.ctx.set_sysvar(&clock);
    }

    /// Events of type `T` emitted by the last transaction, when the runtime exposes them:
    /// `Some` on the bytecode (Anchor writes them to the log as `Program data:`), `None`
    /// natively, where Anchor's `emit!` is a no-op.
    pub fn events<T: anchor_lang::AnchorDeserialize + anchor_lang::Discriminator>(&self) -> Option<Vec<T>> {
        if cfg!(not(feature = "sbf")) {
            return None;
        }
        use base64::Engine;
        let mut out = vec![];
        for line in &self.last.logs {
            let Some(b64) = line.strip_prefix("Program data: ") else { continue };
            let Ok(bytes) = base64::engine::general_purpose::STANDARD.decode(b64) else { continue };
            if bytes.len() >= 8 && &bytes[..8] == T::DISCRIMINATOR {
                out.push(T::deserialize(&mut &bytes[8..]).expect("event layout"));
            }
        }
        Some(out)
    }

    /// `ixs`, preceded by a ComputeBudget `SetComputeUnitLimit` when one is configured.
    pub fn with_budget(&self, ixs: &[Instruction]) -> Vec<Instruction> {
        let mut out = vec![];
        if let Some(units) = self.compute_unit_limit {
            let mut data = vec![2u8]; // SetComputeUnitLimit
            data.extend_from_slice(&units.to_le_bytes());
            out.push(Instruction {
                program_id: anchor_lang::prelude::pubkey!("ComputeBudget111111111111111111111111111111"),
                accounts: vec![],
                data,
            });
        }
        out.extend_from_slice(ixs);
        out
    }

    /// The fee payer of every harness transaction.
    pub fn payer(&self) -> Pubkey {
        self.ctx.payer.pubkey()
    }

    /// Moves the clock forward by `secs` (the next transaction sees it).
    pub fn advance_time(&mut self, secs: i64) {
        self.now += secs;
    }

    /// Skips `n` slots (the next transaction lands `n + 1` slots after the last).
    pub fn advance_slots(&mut self, n: u64) {
        self.slot += n;
    }

    /// Every account the harness knows (exchange, vault, markets, oracles, margin accounts,
    /// isolated positions, token accounts), at the harness clock: one read per account,
    /// shared by every check of a transaction.
    pub async fn world(&mut self) -> invariants::World {
        let mut keys: Vec<Pubkey> = vec![self.exchange, self.vault, self.admin_token];
        keys.extend(self.markets.iter().flat_map(|m| [m.address, m.oracle]));
        keys.extend(self.margin_accounts.iter().copied());
        keys.extend(self.isolated_positions.iter().copied());
        keys.extend(self.watched.iter().copied());
        let mut accounts = BTreeMap::new();
        for k in keys {
            if accounts.contains_key(&k) {
                continue;
            }
            if let Some(a) = self.ctx.banks_client.get_account(k).await.expect("get_account") {
                accounts.insert(k, (a.lamports, a.data, a.owner));
            }
        }
        invariants::World {
            now: self.now,
            slot: self.slot,
            accounts,
            markets: self.markets.iter().map(|m| (m.address, m.oracle)).collect(),
            exchange: self.exchange,
        }
    }

    /// Sends `ixs` signed by the payer and `signers`, then checks every invariant: the
    /// state ones (`check_invariants`) and, for a successful transaction, the ones relating
    /// the state before to the state after (`invariants::check_transition`).
    pub async fn send(&mut self, ixs: &[Instruction], signers: &[&Keypair]) -> Result<TxOutcome, TransactionError> {
        self.next_slot().await;
        let pre = self.world().await;
        let payer = self.ctx.payer.insecure_clone();
        let mut all: Vec<&Keypair> = vec![&payer];
        for s in signers {
            if !all.iter().any(|k| k.pubkey() == s.pubkey()) {
                all.push(s);
            }
        }
        let tx = Transaction::new_signed_with_payer(&self.with_budget(ixs), Some(&payer.pubkey()), &all, self.ctx.last_blockhash);
        let res = self.ctx.banks_client.process_transaction_with_metadata(tx).await.expect("banks transport");
        let outcome = res.metadata.map(|m| TxOutcome { logs: m.log_messages, compute_units: m.compute_units_consumed }).unwrap_or_default();
        self.last = outcome.clone();
        if std::env::var_os("BALLAST_PRINT_LOGS").is_some() {
            println!("--- tx ({} CU)\n{}", outcome.compute_units, outcome.logs.join("\n"));
        }
        if res.result.is_ok() {
            for i in ixs {
                // A plain SPL Token transfer into the vault: a donation the program does not see.
                if i.program_id == ix::TOKEN_PROGRAM
                    && i.data.first() == Some(&3)
                    && i.accounts.get(1).is_some_and(|a| a.pubkey == self.vault)
                {
                    self.vault_surplus += u64::from_le_bytes(i.data[1..9].try_into().expect("amount"));
                }
                if i.program_id == ballast::ID && i.data.starts_with(ballast::instruction::SyncVault::DISCRIMINATOR) {
                    // The program credited the surplus to the insurance fund.
                    self.vault_surplus = 0;
                }
            }
        }
        let post = self.world().await;
        self.check_world(&post);
        match &res.result {
            // A refused transaction changes nothing (the runtime rolls back; the harness checks).
            Err(e) => {
                for (k, v) in &pre.accounts {
                    assert_eq!(post.accounts.get(k), Some(v), "account {k} changed although the transaction failed ({e:?})");
                }
                assert_eq!(pre.accounts.len(), post.accounts.len(), "an account appeared although the transaction failed ({e:?})");
            }
            Ok(()) if pre.accounts.contains_key(&self.exchange) => {
                invariants::check_transition(ixs, &pre, &post);
                self.transition_checks += 1;
            }
            Ok(()) => {}
        }
        self.last_world = Some(post);
        res.result.map(|_| outcome)
    }

    /// Sends and panics with the logs on failure.
    pub async fn ok(&mut self, ixs: &[Instruction], signers: &[&Keypair]) -> TxOutcome {
        match self.send(ixs, signers).await {
            Ok(o) => o,
            Err(e) => panic!("transaction failed: {e:?}\n{}", self.last.logs.join("\n")),
        }
    }

    /// Asserts the transaction fails with `expected`; `send` has then checked that no
    /// account the harness knows (token balances, markets, margin accounts, positions, the
    /// exchange) changed by a byte.
    pub async fn expect_failure(&mut self, ixs: &[Instruction], signers: &[&Keypair], expected: u32) {
        let err = self.send(ixs, signers).await.expect_err("transaction should fail");
        let got = custom_code(&err);
        assert_eq!(got, Some(expected), "expected error {expected}, got {err:?}\n{}", self.last.logs.join("\n"));
    }

    /// Like [`Self::expect_failure`] for failures whose code comes from the runtime rather
    /// than a program (any error is accepted; nothing may change).
    pub async fn expect_rejected(&mut self, ixs: &[Instruction], signers: &[&Keypair]) -> TransactionError {
        self.send(ixs, signers).await.expect_err("transaction should fail")
    }

    /// Data and lamports of every watched account.
    pub async fn snapshot(&mut self) -> BTreeMap<Pubkey, Option<(u64, Vec<u8>)>> {
        let mut keys: Vec<Pubkey> = vec![self.exchange, self.vault, self.admin_token];
        keys.extend(self.markets.iter().flat_map(|m| [m.address, m.oracle]));
        keys.extend(self.margin_accounts.iter().copied());
        keys.extend(self.isolated_positions.iter().copied());
        keys.extend(self.watched.iter().copied());
        let mut out = BTreeMap::new();
        for k in keys {
            let a = self.ctx.banks_client.get_account(k).await.expect("get_account");
            out.insert(k, a.map(|a| (a.lamports, a.data)));
        }
        out
    }

    pub async fn account(&mut self, key: Pubkey) -> Option<Account> {
        self.ctx.banks_client.get_account(key).await.expect("get_account")
    }

    pub async fn load<T: bytemuck::Pod + Discriminator>(&mut self, key: Pubkey) -> T {
        let a = self.account(key).await.unwrap_or_else(|| panic!("account {key} missing"));
        decode::<T>(&a.data)
    }

    pub async fn exchange_state(&mut self) -> Exchange {
        self.load(self.exchange).await
    }

    pub async fn margin(&mut self, key: Pubkey) -> MarginAccount {
        self.load(key).await
    }

    pub async fn token_balance(&mut self, token_account: Pubkey) -> u64 {
        let a = self.account(token_account).await.expect("token account");
        spl_token_interface::state::Account::unpack(&a.data).expect("token account").amount
    }

    /// SPEC §8 on the current state (see [`Self::check_world`]).
    pub async fn check_invariants(&mut self) {
        let w = self.world().await;
        self.check_world(&w);
    }

    /// SPEC §8: the vault holds every claim (and exactly the donated surplus beyond them);
    /// every account passes its invariant; open interest and each side's aggregate cost
    /// basis equal the sums over the positions.
    pub fn check_world(&mut self, w: &invariants::World) {
        self.invariant_checks += 1;
        let Some(ex) = w.get::<Exchange>(&self.exchange) else { return };
        ex.invariant().expect("exchange invariant");
        if let Some(book) = w.get::<ballast::state::PriceBook>(&ix::price_book_pda()) {
            book.invariant().expect("price book invariant");
        }
        let mut claims_sum: i128 = 0;
        // Per market: (long OI, short OI, long cost basis, short cost basis).
        let mut sides = vec![(0u64, 0u64, 0i128, 0i128); self.markets.len()];
        let mut add = |index: u16, base: i64, cost_basis: i64| {
            let e = &mut sides[usize::from(index)];
            if base > 0 {
                e.0 += base.unsigned_abs();
                e.2 += i128::from(cost_basis);
            } else if base < 0 {
                e.1 += base.unsigned_abs();
                e.3 += i128::from(cost_basis);
            }
        };
        for k in &self.margin_accounts {
            if let Some(m) = w.get::<MarginAccount>(k) {
                m.invariant().unwrap_or_else(|e| panic!("margin account {k} invariant: {e:?}"));
                claims_sum += i128::from(m.cross_collateral);
                for p in m.cross_positions.iter().filter(|p| p.in_use != 0) {
                    claims_sum += i128::from(p.unsettled_pnl);
                    add(p.market_index, p.base, p.cost_basis);
                }
            }
        }
        for k in &self.isolated_positions {
            if let Some(p) = w.get::<IsolatedPosition>(k) {
                p.invariant().unwrap_or_else(|e| panic!("isolated position {k} invariant: {e:?}"));
                claims_sum += i128::from(p.collateral) + i128::from(p.unsettled_pnl);
                add(p.market_index, p.base, p.cost_basis);
            }
        }
        for m in &self.markets {
            let market: Market = w.get(&m.address).unwrap_or_else(|| panic!("market {} missing", m.index));
            market.invariant().unwrap_or_else(|e| panic!("market {} invariant: {e:?}", m.index));
            let (long, short, cb_long, cb_short) = sides[usize::from(m.index)];
            assert_eq!(
                (market.open_interest_long, market.open_interest_short),
                (long, short),
                "market {} open interest != Σ positions",
                m.index
            );
            assert_eq!(
                (market.cost_basis_long.get(), market.cost_basis_short.get()),
                (cb_long, cb_short),
                "market {} aggregate cost basis != Σ positions",
                m.index
            );
        }
        assert_eq!(i128::from(ex.account_claims), claims_sum, "exchange account_claims != Σ collateral + unsettled");
        let vault = w.token_amount(&self.vault).expect("vault");
        let claims = claims_sum + i128::from(ex.pool_balance) + i128::from(ex.insurance_balance) + i128::from(ex.fee_balance)
            - i128::from(ex.pool_deficit);
        assert!(ex.pool_balance == 0 || ex.pool_deficit == 0, "pool cash and deficit both non-zero");
        let surplus = i128::from(self.vault_surplus);
        assert_eq!(i128::from(vault), claims + surplus, "vault {vault} != Σ claims {claims} + donated surplus {surplus}");
    }

    // ----- SPL Token and lamports -----

    pub async fn airdrop(&mut self, to: Pubkey, lamports: u64) {
        let payer = self.ctx.payer.insecure_clone();
        let ixn = solana_system_interface::instruction::transfer(&payer.pubkey(), &to, lamports);
        self.ok(&[ixn], &[]).await;
    }

    pub async fn create_mint(&mut self, decimals: u8) -> Pubkey {
        let mint = next_keypair();
        let payer = self.ctx.payer.pubkey();
        let rent = self.ctx.banks_client.get_rent().await.unwrap();
        let len = spl_token_interface::state::Mint::LEN;
        let ixs = [
            solana_system_interface::instruction::create_account(
                &payer,
                &mint.pubkey(),
                rent.minimum_balance(len),
                len as u64,
                &ix::TOKEN_PROGRAM,
            ),
            spl_token_interface::instruction::initialize_mint2(
                &ix::TOKEN_PROGRAM,
                &mint.pubkey(),
                &self.mint_authority.pubkey(),
                None,
                decimals,
            )
            .unwrap(),
        ];
        self.ok(&ixs, &[&mint]).await;
        mint.pubkey()
    }

    pub async fn create_token_account(&mut self, owner: Pubkey, mint: Pubkey) -> Pubkey {
        let acct = next_keypair();
        let payer = self.ctx.payer.pubkey();
        let rent = self.ctx.banks_client.get_rent().await.unwrap();
        let len = spl_token_interface::state::Account::LEN;
        let ixs = [
            solana_system_interface::instruction::create_account(
                &payer,
                &acct.pubkey(),
                rent.minimum_balance(len),
                len as u64,
                &ix::TOKEN_PROGRAM,
            ),
            spl_token_interface::instruction::initialize_account3(&ix::TOKEN_PROGRAM, &acct.pubkey(), &mint, &owner).unwrap(),
        ];
        self.ok(&ixs, &[&acct]).await;
        self.watched.push(acct.pubkey());
        acct.pubkey()
    }

    pub async fn mint_to(&mut self, to: Pubkey, amount: u64) {
        let auth = self.mint_authority.insecure_clone();
        let ixn = spl_token_interface::instruction::mint_to(&ix::TOKEN_PROGRAM, &self.mint, &to, &auth.pubkey(), &[], amount).unwrap();
        self.ok(&[ixn], &[&auth]).await;
    }

    /// Sends `amount` from `from`'s wallet straight into the vault with a plain SPL Token
    /// transfer, bypassing the program (anyone can do this).
    pub async fn donate(&mut self, from: &User, amount: u64) {
        let ixn =
            spl_token_interface::instruction::transfer(&ix::TOKEN_PROGRAM, &from.token, &self.vault, &from.pubkey(), &[], amount).unwrap();
        // `send` sees the transfer into the vault and counts it as surplus.
        self.ok(&[ixn], &[&from.key]).await;
    }

    /// Writes raw account data (for foreign-owned accounts such as Pyth price updates).
    pub fn set_account(&mut self, key: Pubkey, owner: Pubkey, data: Vec<u8>) {
        let mut a = AccountSharedData::new(1_000_000_000, data.len(), &owner);
        a.set_data_from_slice(&data);
        self.ctx.set_account(&key, &a);
    }

    // ----- exchange set-up -----

    pub async fn init_exchange(&mut self, params: ExchangeParams) {
        let admin = self.admin.insecure_clone();
        self.ok(&[ix::initialize_exchange(admin.pubkey(), self.mint, params)], &[&admin]).await;
    }

    pub async fn fund_pool(&mut self, amount: u64) {
        let admin = self.admin.insecure_clone();
        self.ok(&[ix::fund_pool(admin.pubkey(), self.admin_token, amount)], &[&admin]).await;
    }

    /// Creates a push oracle at `dollars` with 0.01% confidence.
    pub async fn create_push_oracle(&mut self, dollars: f64) -> Pubkey {
        let oracle = next_keypair();
        let auth = self.oracle_authority.insecure_clone();
        let price = oracle_price(dollars);
        let payer = self.ctx.payer.pubkey();
        self.ok(
            &[ix::create_push_oracle(payer, auth.pubkey(), oracle.pubkey(), ORACLE_EXPONENT, price, (price / 10_000) as u64)],
            &[&auth, &oracle],
        )
        .await;
        oracle.pubkey()
    }

    pub async fn add_push_market(&mut self, dollars: f64, params: MarketParams) -> MarketInfo {
        let oracle = self.create_push_oracle(dollars).await;
        self.add_market(oracle, OracleKind::Push, [0; 32], params).await
    }

    pub async fn add_market(&mut self, oracle: Pubkey, kind: OracleKind, feed_id: [u8; 32], params: MarketParams) -> MarketInfo {
        let index = self.markets.len() as u16;
        let admin = self.admin.insecure_clone();
        self.ok(&[ix::create_market(admin.pubkey(), index, oracle, kind, feed_id, params)], &[&admin]).await;
        let m = MarketInfo { index, address: ix::market_pda(index), oracle, kind };
        self.markets.push(m.clone());
        m
    }

    /// Publishes `dollars` ± `conf_dollars` on market `index`'s push oracle, now.
    pub async fn set_price(&mut self, index: u16, dollars: f64, conf_dollars: f64) {
        let oracle = self.markets[usize::from(index)].oracle;
        let auth = self.oracle_authority.insecure_clone();
        let ixn = ix::update_push_oracle(auth.pubkey(), oracle, oracle_price(dollars), oracle_price(conf_dollars) as u64, None);
        self.ok(&[ixn], &[&auth]).await;
    }

    // ----- users -----

    /// A user with `tokens` collateral in their wallet and an empty margin account.
    pub async fn user(&mut self, name: &'static str, tokens: u64) -> User {
        let key = next_keypair();
        self.airdrop(key.pubkey(), 10_000_000_000).await;
        let token = self.create_token_account(key.pubkey(), self.mint).await;
        if tokens > 0 {
            self.mint_to(token, tokens).await;
        }
        self.ok(&[ix::create_margin_account(key.pubkey(), 0)], &[&key]).await;
        let account = ix::margin_pda(&key.pubkey(), 0);
        self.margin_accounts.push(account);
        User { name, key, token, account }
    }

    pub async fn deposit(&mut self, user: &User, amount: u64) -> TxOutcome {
        self.ok(&[ix::deposit(user.pubkey(), user.account, user.token, amount)], &[&user.key]).await
    }

    /// `[market, oracle]` per cross slot in health of `account` (open, or holding
    /// unsettled profit), in slot order.
    pub async fn health_accounts(&mut self, account: Pubkey) -> Vec<Pubkey> {
        if self.health_from_price_book {
            return book();
        }
        let m = self.margin(account).await;
        let mut out = vec![];
        for p in m.health_slots() {
            let info = &self.markets[usize::from(p.market_index)];
            out.push(info.address);
            out.push(info.oracle);
        }
        out
    }

    /// Health accounts for an instruction that names `market_index` (its pair is omitted).
    pub async fn health_accounts_except(&mut self, account: Pubkey, market_index: u16) -> Vec<Pubkey> {
        if self.health_from_price_book {
            return book();
        }
        let m = self.margin(account).await;
        let mut out = vec![];
        for p in m.health_slots().filter(|p| p.market_index != market_index) {
            let info = &self.markets[usize::from(p.market_index)];
            out.push(info.address);
            out.push(info.oracle);
        }
        out
    }

    /// A market order (any fill price) of `base_delta` lots.
    pub async fn trade_ix(&mut self, user: &User, market_index: u16, base_delta: i64, mode: MarginMode, leverage: u16) -> Instruction {
        let limit = if base_delta > 0 { u64::MAX } else { 0 };
        self.trade_limit_ix(user, market_index, base_delta, limit, mode, leverage).await
    }

    pub async fn trade_limit_ix(
        &mut self,
        user: &User,
        market_index: u16,
        base_delta: i64,
        limit: u64,
        mode: MarginMode,
        leverage: u16,
    ) -> Instruction {
        let health = self.health_accounts_except(user.account, market_index).await;
        let oracle = self.markets[usize::from(market_index)].oracle;
        let iso = ix::isolated_pda(&user.account, market_index);
        if mode != MarginMode::Cross && !self.isolated_positions.contains(&iso) {
            self.isolated_positions.push(iso);
        }
        ix::trade(user.pubkey(), user.account, market_index, oracle, base_delta, limit, mode, leverage, &health)
    }

    pub async fn trade(&mut self, user: &User, market_index: u16, base_delta: i64, mode: MarginMode, leverage: u16) -> TxOutcome {
        let ixn = self.trade_ix(user, market_index, base_delta, mode, leverage).await;
        self.ok(&[ixn], &[&user.key]).await
    }

    pub async fn isolated(&mut self, user: &User, market_index: u16) -> IsolatedPosition {
        self.load(ix::isolated_pda(&user.account, market_index)).await
    }

    pub async fn set_leverage_ix(&mut self, user: &User, market_index: u16, leverage: u16) -> Instruction {
        let health = self.health_accounts_except(user.account, market_index).await;
        let oracle = self.markets[usize::from(market_index)].oracle;
        ix::set_leverage(user.pubkey(), user.account, market_index, oracle, leverage, &health)
    }

    pub async fn add_margin_ix(&mut self, user: &User, market_index: u16, amount: u64) -> Instruction {
        let health = self.health_accounts_except(user.account, market_index).await;
        let oracle = self.markets[usize::from(market_index)].oracle;
        ix::add_isolated_margin(user.pubkey(), user.account, market_index, oracle, amount, &health)
    }

    pub fn remove_margin_ix(&self, user: &User, market_index: u16, amount: u64) -> Instruction {
        let oracle = self.markets[usize::from(market_index)].oracle;
        ix::remove_isolated_margin(user.pubkey(), user.account, market_index, oracle, amount)
    }

    /// The `account_health` view for `user`, reporting the isolated positions in
    /// `isolated` — computed by the program's own code on the current account data.
    pub async fn view(&mut self, user: &User, isolated: &[u16]) -> ballast::instructions::AccountHealthView {
        // Through the pairs, whatever the harness passes to instructions.
        let book = std::mem::replace(&mut self.health_from_price_book, false);
        let cross = self.health_accounts(user.account).await;
        self.health_from_price_book = book;
        self.view_with(user, cross, isolated).await
    }

    /// [`Self::view`] with the cross positions read through `cross` (their `[market,
    /// oracle]` pairs, or [`book`]).
    pub async fn view_with(&mut self, user: &User, cross: Vec<Pubkey>, isolated: &[u16]) -> ballast::instructions::AccountHealthView {
        let mut keys = cross;
        for &i in isolated {
            let m = &self.markets[usize::from(i)];
            keys.extend([ix::isolated_pda(&user.account, i), m.address, m.oracle]);
        }
        // The instruction itself must accept these accounts (simulated on the runtime).
        let sim_ixs = self.with_budget(&[ix::account_health(user.account, &keys)]);
        let payer = self.ctx.payer.insecure_clone();
        let tx = Transaction::new_signed_with_payer(&sim_ixs, Some(&payer.pubkey()), &[&payer], self.ctx.last_blockhash);
        let sim = self.ctx.banks_client.simulate_transaction(tx).await.expect("simulate");
        if let Some(Err(e)) = sim.result {
            panic!("account_health simulation failed: {e:?}");
        }
        let acct: MarginAccount = self.load(user.account).await;
        let mut accounts: Vec<(Pubkey, Account)> = vec![];
        for k in keys {
            accounts.push((k, self.account(k).await.expect("health account")));
        }
        let mut infos_data: Vec<(Pubkey, u64, Vec<u8>, Pubkey)> =
            accounts.into_iter().map(|(k, a)| (k, a.lamports, a.data, a.owner)).collect();
        let infos: Vec<AccountInfo> = infos_data.iter_mut().map(|(k, l, d, o)| AccountInfo::new(k, false, false, l, d, o, false)).collect();
        let ex = self.exchange_state().await;
        let clock = Clock { unix_timestamp: self.now, slot: self.slot, ..Clock::default() };
        let q = ballast::health::HealthQuery::new(&ex, &clock, ballast::health::Policy::Lenient);
        ballast::instructions::compute_account_health(&acct, &user.account, &infos, &q, ex.liquidation_buffer_ppm).expect("account health")
    }

    /// Liquidation of `user`'s cross position in `market_index` by `keeper`.
    pub async fn liquidate_cross_ix(&mut self, keeper: &User, user: &User, market_index: u16, max_base: u64) -> Instruction {
        let health = self.health_accounts_except(user.account, market_index).await;
        let oracle = self.markets[usize::from(market_index)].oracle;
        ix::liquidate_cross(keeper.pubkey(), keeper.token, user.account, market_index, oracle, max_base, &health)
    }

    pub fn liquidate_isolated_ix(&self, keeper: &User, user: &User, market_index: u16, max_base: u64) -> Instruction {
        let oracle = self.markets[usize::from(market_index)].oracle;
        ix::liquidate_isolated(keeper.pubkey(), keeper.token, user.account, market_index, oracle, max_base)
    }

    pub async fn withdraw_ix(&mut self, user: &User, amount: u64) -> Instruction {
        let health = self.health_accounts(user.account).await;
        ix::withdraw(user.pubkey(), user.account, user.token, amount, &health)
    }

    /// `[market, oracle]` for every market, in index order (what `defund_pool` takes).
    pub fn all_markets(&self) -> Vec<Pubkey> {
        self.markets.iter().flat_map(|m| [m.address, m.oracle]).collect()
    }

    /// `(market, oracle)` of market `index`, for `set_pause`.
    pub fn market_and_oracle(&self, index: u16) -> (Pubkey, Pubkey) {
        let m = &self.markets[usize::from(index)];
        (m.address, m.oracle)
    }

    pub async fn withdraw(&mut self, user: &User, amount: u64) -> TxOutcome {
        let ixn = self.withdraw_ix(user, amount).await;
        self.ok(&[ixn], &[&user.key]).await
    }

    // ----- price book -----

    /// Creates the price book (paid by the harness payer) and watches it.
    pub async fn init_price_book(&mut self) {
        self.watched.push(ix::price_book_pda());
        self.ok(&[ix::init_price_book(self.payer())], &[]).await;
    }

    /// `refresh_prices` over every market, in this slot.
    pub fn refresh_prices_ix(&self) -> Instruction {
        let pairs: Vec<(Pubkey, Pubkey)> = self.markets.iter().map(|m| (m.address, m.oracle)).collect();
        ix::refresh_prices(&pairs)
    }

    /// Refreshes every market's entry (the next transaction reads it one slot later).
    pub async fn refresh_prices(&mut self) -> TxOutcome {
        let ixn = self.refresh_prices_ix();
        self.ok(&[ixn], &[]).await
    }
}

/// The health accounts of a cross-reading instruction that reads the price book.
pub fn book() -> Vec<Pubkey> {
    vec![ix::price_book_pda()]
}

/// The pool-shortfall scenario (tests/tests/adl.rs): a frictionless BTC market at
/// $40,000, a pool of $1,000 and no insurance; Alice short 2 BTC in cross at 5x ($20,000
/// deposited), Bob long 2 BTC isolated at 20x ($4,000 of margin, $500 left in cross);
/// then BTC at $37,000 — Alice +$6,000, Bob −$6,000 on $4,000. Returns
/// `(harness, alice, bob, keeper)`.
pub async fn thin_pool_crash() -> (Harness, User, User, User) {
    let mut h = Harness::bare().await;
    let params = ExchangeParams { taker_fee_ppm: 0, ..default_exchange_params(h.guardian.pubkey()) };
    h.init_exchange(params).await;
    h.fund_pool(1_000 * USD).await;
    h.add_push_market(40_000.0, MarketParams { spread_ppm: 0, ..default_market_params() }).await;
    h.set_price(0, 40_000.0, 0.0).await;
    let alice = h.user("alice", 20_000 * USD).await;
    h.deposit(&alice, 20_000 * USD).await;
    h.trade(&alice, 0, -2 * UNIT, MarginMode::Cross, 5).await;
    let bob = h.user("bob", 4_500 * USD).await;
    h.deposit(&bob, 4_500 * USD).await;
    h.trade(&bob, 0, 2 * UNIT, MarginMode::Isolated, 20).await;
    assert_eq!(h.isolated(&bob, 0).await.collateral, 4_000 * USD as i64);
    let keeper = h.user("keeper", 0).await;
    h.set_price(0, 37_000.0, 0.0).await;
    (h, alice, bob, keeper)
}
