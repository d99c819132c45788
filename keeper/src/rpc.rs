//! [`Chain`] over a Solana node: JSON-RPC through the maintained nonblocking
//! `solana-rpc-client`, and (optionally) account discovery followed by `programSubscribe`
//! notifications through `solana-pubsub-client` instead of a `getProgramAccounts` scan
//! every pass.
//!
//! # Subscriptions
//!
//! With a websocket URL ([`RpcChain::with_subscriptions`]), the first request for one kind
//! of account (program, size, discriminator) opens a `programSubscribe` with the same
//! filters, then takes one `getProgramAccounts` snapshot; later requests apply the
//! notifications received since and return the cached set without an RPC call. Every
//! cached account remembers the slot it was seen at, so a notification older than the
//! snapshot never overwrites it. The cache is rebuilt from a fresh snapshot when the
//! subscription ends (node restart, dropped socket) and every `resync` interval; while a
//! subscription cannot be opened, each pass rescans instead. An
//! account that stops matching the filters (closed) produces no notification, and a
//! stale entry only ever costs a refused simulation, never a wrong transaction.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use anchor_lang::prelude::Pubkey;
use base64::Engine;
use futures_util::StreamExt;
use serde_json::{json, Value};
use solana_account::Account;
use solana_account_decoder_client_types::{UiAccount, UiAccountEncoding};
use solana_commitment_config::CommitmentConfig;
use solana_hash::Hash;
use solana_pubsub_client::nonblocking::pubsub_client::PubsubClient;
use solana_rpc_client::nonblocking::rpc_client::RpcClient;
use solana_rpc_client_api::config::{
    RpcAccountInfoConfig, RpcProgramAccountsConfig, RpcSendTransactionConfig, RpcSimulateTransactionConfig,
};
use solana_rpc_client_api::filter::{Memcmp, RpcFilterType};
use solana_rpc_client_api::request::RpcRequest;
use solana_signature::Signature;
use solana_transaction::versioned::VersionedTransaction;
use solana_transaction_error::TransactionError;
use tokio::sync::mpsc;

use crate::{AccountKind, Chain, ChainAccount, ChainResult, TxFailure};

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;
const CLOCK_SYSVAR: Pubkey = anchor_lang::prelude::pubkey!("SysvarC1ock11111111111111111111111111111111");

/// The node-side filters of an [`AccountKind`] (what [`AccountKind::matches`] checks).
trait NodeFilters {
    fn config(&self) -> RpcProgramAccountsConfig;
}

impl NodeFilters for AccountKind {
    fn config(&self) -> RpcProgramAccountsConfig {
        RpcProgramAccountsConfig {
            filters: Some(vec![
                RpcFilterType::DataSize(self.data_size as u64),
                RpcFilterType::Memcmp(Memcmp::new_raw_bytes(0, self.discriminator.to_vec())),
            ]),
            account_config: RpcAccountInfoConfig {
                encoding: Some(UiAccountEncoding::Base64),
                commitment: Some(CommitmentConfig::confirmed()),
                ..RpcAccountInfoConfig::default()
            },
            with_context: Some(true),
            sort_results: None,
        }
    }
}

/// An account update from a subscription: the slot it was observed at.
type Update = (u64, Pubkey, ChainAccount);

/// The followed accounts of one [`AccountKind`].
struct Followed {
    accounts: HashMap<Pubkey, (u64, ChainAccount)>,
    updates: mpsc::UnboundedReceiver<Update>,
    synced: Instant,
    /// Notifications applied (or found older than the cache) so far.
    received: u64,
}

impl Followed {
    /// Applies every notification received so far; `false` when the subscription ended.
    fn drain(&mut self) -> bool {
        loop {
            match self.updates.try_recv() {
                Ok((slot, key, account)) => {
                    self.received += 1;
                    apply(&mut self.accounts, slot, key, account)
                }
                Err(mpsc::error::TryRecvError::Empty) => return true,
                Err(mpsc::error::TryRecvError::Disconnected) => return false,
            }
        }
    }
}

/// Keeps the newer of a cached account and an update (equal slots: the later report).
fn apply(accounts: &mut HashMap<Pubkey, (u64, ChainAccount)>, slot: u64, key: Pubkey, account: ChainAccount) {
    match accounts.get(&key) {
        Some((seen, _)) if *seen > slot => {}
        _ => {
            accounts.insert(key, (slot, account));
        }
    }
}

/// What the node has been asked, for the keeper's health line and the scale benchmark.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RpcStats {
    /// JSON-RPC requests (every method).
    pub calls: u64,
    /// `getProgramAccounts` requests among them (full scans).
    pub scans: u64,
    /// Account notifications received from subscriptions.
    pub notifications: u64,
    /// Subscriptions that could not be opened (that pass rescanned instead).
    pub subscription_failures: u64,
}

pub struct RpcChain {
    client: RpcClient,
    stats: RpcStats,
    /// Websocket endpoint for `programSubscribe`; `None`: rescan every pass.
    ws_url: Option<String>,
    /// How long a subscription's cache is trusted before a fresh snapshot.
    pub resync: Duration,
    followed: HashMap<AccountKind, Followed>,
    /// Why each account kind's last subscription could not be opened (removed when that
    /// kind's subscription opens).
    subscription_errors: HashMap<AccountKind, String>,
    pub confirm_timeout: Duration,
}

impl RpcChain {
    /// A client of the node at `url` (`http://` or `https://`), reading at `confirmed`.
    pub fn new(url: &str) -> ChainResult<Self> {
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            return Err(format!("{url}: an http:// or https:// URL is needed"));
        }
        Ok(Self {
            client: RpcClient::new_with_commitment(url.to_string(), CommitmentConfig::confirmed()),
            stats: RpcStats::default(),
            ws_url: None,
            resync: Duration::from_secs(60),
            followed: HashMap::new(),
            subscription_errors: HashMap::new(),
            confirm_timeout: Duration::from_secs(30),
        })
    }

    /// Follows program accounts through `programSubscribe` on `ws_url` (see the module
    /// docs) instead of a `getProgramAccounts` scan every pass.
    pub fn with_subscriptions(mut self, ws_url: &str) -> Self {
        self.ws_url = Some(ws_url.to_string());
        self
    }

    /// The websocket URL a node serves beside `rpc_url` (as the Solana CLI derives it):
    /// `ws`/`wss` for `http`/`https`, and the next port when one is given.
    pub fn websocket_url(rpc_url: &str) -> ChainResult<String> {
        let (scheme, rest) = if let Some(r) = rpc_url.strip_prefix("https://") {
            ("wss://", r)
        } else if let Some(r) = rpc_url.strip_prefix("http://") {
            ("ws://", r)
        } else {
            return Err(format!("{rpc_url}: an http:// or https:// URL is needed"));
        };
        let (authority, path) = rest.find('/').map_or((rest, ""), |i| (&rest[..i], &rest[i..]));
        // A bracketed IPv6 address without a port keeps the scheme's default port.
        let authority = match authority.rsplit_once(':') {
            Some((host, port)) if !authority.ends_with(']') => {
                let port: u16 = port.parse().map_err(|_| format!("{rpc_url}: bad port"))?;
                format!("{host}:{}", port.checked_add(1).ok_or("port 65535 has no websocket port after it")?)
            }
            _ => authority.to_string(),
        };
        Ok(format!("{scheme}{authority}{path}"))
    }

    /// JSON-RPC calls made so far (what a cycle costs the node).
    pub fn calls(&self) -> u64 {
        self.stats.calls
    }

    /// Why a subscription could not be opened, while any account kind's is failing.
    pub fn subscription_error(&self) -> Option<&str> {
        self.subscription_errors.values().next().map(String::as_str)
    }

    pub fn stats(&self) -> RpcStats {
        let notifications = self.stats.notifications + self.followed.values().map(|f| f.received).sum::<u64>();
        RpcStats { notifications, ..self.stats }
    }

    /// One JSON-RPC request by method name (for methods the [`Chain`] does not cover:
    /// airdrops, rent, slots); returns its `result`.
    pub async fn call(&mut self, method: &'static str, params: Value) -> ChainResult<Value> {
        self.stats.calls += 1;
        self.client.send::<Value>(RpcRequest::Custom { method }, params).await.map_err(|e| format!("{method}: {e}"))
    }

    /// Each signature's final result, polling `getSignatureStatuses` (256 per call) until
    /// every one is confirmed or failed. `resend` (the transactions, in the same order, or
    /// empty) are sent again every 2 s while unconfirmed: a busy node may drop a
    /// transaction, and a signature can land only once.
    pub async fn statuses(&mut self, signatures: &[Signature], resend: &[VersionedTransaction]) -> ChainResult<Vec<Result<(), TxFailure>>> {
        let start = Instant::now();
        let mut last_send = Instant::now();
        let mut results: Vec<Option<Result<(), TxFailure>>> = vec![None; signatures.len()];
        loop {
            let pending: Vec<usize> = (0..signatures.len()).filter(|&i| results[i].is_none()).collect();
            if pending.is_empty() {
                return Ok(results.into_iter().map(|r| r.expect("every status known")).collect());
            }
            if start.elapsed() > self.confirm_timeout {
                // Say why the node would not take the first one, when it says.
                let why = match resend.get(pending[0]) {
                    Some(tx) => match self.simulate(tx).await {
                        Ok(Err(f)) => format!(" (simulation: {})", f.message),
                        _ => String::new(),
                    },
                    None => String::new(),
                };
                return Err(format!("{} transactions not confirmed within {:?}{why}", pending.len(), self.confirm_timeout));
            }
            for chunk in pending.chunks(256) {
                let sigs: Vec<Signature> = chunk.iter().map(|&i| signatures[i]).collect();
                self.stats.calls += 1;
                let status = self.client.get_signature_statuses(&sigs).await.map_err(|e| format!("getSignatureStatuses: {e}"))?;
                for (&i, s) in chunk.iter().zip(status.value) {
                    let Some(s) = s else { continue };
                    if let Some(err) = s.err {
                        results[i] = Some(Err(failure(&err)));
                    } else if s.satisfies_commitment(CommitmentConfig::confirmed()) {
                        results[i] = Some(Ok(()));
                    }
                }
            }
            if results.iter().any(Option::is_none) {
                if !resend.is_empty() && last_send.elapsed() > Duration::from_secs(2) {
                    for (i, tx) in resend.iter().enumerate() {
                        if results[i].is_none() {
                            let _ = self.submit(tx).await;
                        }
                    }
                    last_send = Instant::now();
                }
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        }
    }

    /// Sends without preflight (the keeper simulates first) and returns the signature.
    async fn submit(&mut self, tx: &VersionedTransaction) -> ChainResult<Signature> {
        self.stats.calls += 1;
        let config = RpcSendTransactionConfig { skip_preflight: true, ..RpcSendTransactionConfig::default() };
        self.client.send_transaction_with_config(tx, config).await.map_err(|e| format!("sendTransaction: {e}"))
    }

    /// `getProgramAccounts` for `kind`, with the slot the node answered at.
    async fn snapshot(&mut self, kind: &AccountKind) -> ChainResult<(u64, Vec<(Pubkey, ChainAccount)>)> {
        self.stats.calls += 1;
        self.stats.scans += 1;
        let params = json!([kind.program.to_string(), kind.config()]);
        let result: Value =
            self.client.send(RpcRequest::GetProgramAccounts, params).await.map_err(|e| format!("getProgramAccounts: {e}"))?;
        let slot = result["context"]["slot"].as_u64().ok_or("getProgramAccounts: no context slot")?;
        let mut out = vec![];
        for item in result["value"].as_array().ok_or("getProgramAccounts: not an array")? {
            let key: Pubkey = item["pubkey"].as_str().ok_or("pubkey missing")?.parse().map_err(|_| "bad pubkey")?;
            out.push((key, parse_account(&item["account"])?));
        }
        Ok((slot, out))
    }

    /// Opens the subscription for `kind` (returns once the node confirmed it), then takes
    /// the snapshot the notifications are applied to.
    async fn follow(&mut self, kind: AccountKind, ws_url: &str) -> ChainResult<Followed> {
        let (sender, updates) = mpsc::unbounded_channel();
        let (ready, subscribed) = tokio::sync::oneshot::channel::<ChainResult<()>>();
        let ws_url = ws_url.to_string();
        tokio::spawn(async move {
            let client = match PubsubClient::new(ws_url.as_str()).await {
                Ok(c) => c,
                Err(e) => return drop(ready.send(Err(format!("websocket {}: {e}", redacted(&ws_url))))),
            };
            let (mut stream, unsubscribe) = match client.program_subscribe(&kind.program, Some(kind.config())).await {
                Ok(s) => s,
                Err(e) => return drop(ready.send(Err(format!("programSubscribe: {e}")))),
            };
            let _ = ready.send(Ok(()));
            while let Some(note) = stream.next().await {
                let Ok(key) = note.value.pubkey.parse::<Pubkey>() else { continue };
                let Some(account) = decode_ui(&note.value.account) else { continue };
                if sender.send((note.context.slot, key, account)).is_err() {
                    break; // the chain was dropped
                }
            }
            unsubscribe().await;
        });
        subscribed.await.map_err(|_| "subscription task ended".to_string())??;
        let (slot, accounts) = self.snapshot(&kind).await?;
        let accounts = accounts.into_iter().map(|(k, a)| (k, (slot, a))).collect();
        Ok(Followed { accounts, updates, synced: Instant::now(), received: 0 })
    }
}

/// The Clock sysvar's slot and unix time (slot u64, epoch_start_timestamp i64, epoch u64,
/// leader_schedule_epoch u64, unix_timestamp i64).
fn parse_clock(data: &[u8]) -> ChainResult<(u64, i64)> {
    let slot: [u8; 8] = data.get(0..8).ok_or("short clock")?.try_into().map_err(|_| "clock")?;
    let time: [u8; 8] = data.get(32..40).ok_or("short clock")?.try_into().map_err(|_| "clock")?;
    Ok((u64::from_le_bytes(slot), i64::from_le_bytes(time)))
}

/// `scheme://host:port` of a node URL: hosted endpoints carry their API key in the path,
/// the query or the user part, and errors end up in logs.
fn redacted(url: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("", url));
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    if scheme.is_empty() {
        host.to_string()
    } else {
        format!("{scheme}://{host}")
    }
}

/// The keeper's view of a node account.
fn chain_account(a: Account) -> ChainAccount {
    ChainAccount { lamports: a.lamports, data: a.data, owner: a.owner }
}

/// The account of a notification (base64 data), if it decodes.
fn decode_ui(account: &UiAccount) -> Option<ChainAccount> {
    parse_account(&serde_json::to_value(account).ok()?).ok()
}

/// Decodes `{"data": [base64, "base64"], "lamports": n, "owner": s}`.
pub fn parse_account(v: &Value) -> ChainResult<ChainAccount> {
    let data = v["data"][0].as_str().ok_or("account data missing")?;
    Ok(ChainAccount {
        lamports: v["lamports"].as_u64().ok_or("lamports missing")?,
        data: B64.decode(data).map_err(|e| e.to_string())?,
        owner: v["owner"].as_str().ok_or("owner missing")?.parse().map_err(|_| "bad owner")?,
    })
}

/// A transaction error as the keeper classifies it: the program's custom code, if any.
pub fn failure(err: &TransactionError) -> TxFailure {
    let custom_code = match err {
        TransactionError::InstructionError(_, solana_instruction_error::InstructionError::Custom(c)) => Some(*c),
        _ => None,
    };
    TxFailure { custom_code, message: err.to_string() }
}

impl Chain for RpcChain {
    async fn program_accounts(&mut self, kind: &AccountKind) -> ChainResult<Vec<(Pubkey, ChainAccount)>> {
        let kind = *kind;
        let Some(ws_url) = self.ws_url.clone() else {
            return Ok(self.snapshot(&kind).await?.1);
        };
        let current = match self.followed.get_mut(&kind) {
            Some(f) => f.drain() && f.synced.elapsed() < self.resync,
            None => false,
        };
        if !current {
            // Dropping the old receiver ends its task; a new one resubscribes.
            if let Some(old) = self.followed.remove(&kind) {
                self.stats.notifications += old.received;
            }
            match self.follow(kind, &ws_url).await {
                Ok(f) => {
                    self.subscription_errors.remove(&kind);
                    self.followed.insert(kind, f);
                }
                // No websocket (down, refused, misconfigured): this pass rescans, so the
                // keeper keeps working, and the next pass tries to subscribe again. The
                // health line counts the failures.
                Err(e) => {
                    self.stats.subscription_failures += 1;
                    self.subscription_errors.insert(kind, e);
                    return Ok(self.snapshot(&kind).await?.1);
                }
            }
        }
        let f = self.followed.get_mut(&kind).expect("followed");
        f.drain();
        let mut out: Vec<(Pubkey, ChainAccount)> = f.accounts.iter().map(|(k, (_, a))| (*k, a.clone())).collect();
        out.sort_by_key(|(k, _)| *k);
        Ok(out)
    }

    async fn account(&mut self, key: &Pubkey) -> ChainResult<Option<ChainAccount>> {
        self.stats.calls += 1;
        let r = self
            .client
            .get_account_with_commitment(key, CommitmentConfig::confirmed())
            .await
            .map_err(|e| format!("getAccountInfo: {e}"))?;
        Ok(r.value.map(chain_account))
    }

    async fn clock(&mut self) -> ChainResult<(u64, i64)> {
        let clock = self.account(&CLOCK_SYSVAR).await?.ok_or("clock sysvar missing")?;
        parse_clock(&clock.data)
    }

    async fn clock_and_accounts(&mut self, keys: &[Pubkey]) -> ChainResult<((u64, i64), Vec<Option<ChainAccount>>)> {
        let mut all = Vec::with_capacity(keys.len() + 1);
        all.push(CLOCK_SYSVAR);
        all.extend_from_slice(keys);
        let mut out = Vec::with_capacity(all.len());
        // A node answers at most 100 accounts per request.
        for chunk in all.chunks(100) {
            self.stats.calls += 1;
            let r = self
                .client
                .get_multiple_accounts_with_commitment(chunk, CommitmentConfig::confirmed())
                .await
                .map_err(|e| format!("getMultipleAccounts: {e}"))?;
            out.extend(r.value.into_iter().map(|a| a.map(chain_account)));
        }
        let clock = out.remove(0).ok_or("clock sysvar missing")?;
        Ok((parse_clock(&clock.data)?, out))
    }

    async fn latest_blockhash(&mut self) -> ChainResult<Hash> {
        self.stats.calls += 1;
        let (hash, _) = self
            .client
            .get_latest_blockhash_with_commitment(CommitmentConfig::confirmed())
            .await
            .map_err(|e| format!("getLatestBlockhash: {e}"))?;
        Ok(hash)
    }

    async fn simulate(&mut self, tx: &VersionedTransaction) -> ChainResult<Result<u64, TxFailure>> {
        self.stats.calls += 1;
        let config = RpcSimulateTransactionConfig {
            sig_verify: false,
            commitment: Some(CommitmentConfig::confirmed()),
            encoding: Some(solana_transaction_status_client_types::UiTransactionEncoding::Base64),
            ..RpcSimulateTransactionConfig::default()
        };
        let r = self.client.simulate_transaction_with_config(tx, config).await.map_err(|e| format!("simulateTransaction: {e}"))?;
        if let Some(err) = r.value.err {
            return Ok(Err(failure(&TransactionError::from(err))));
        }
        Ok(Ok(r.value.units_consumed.unwrap_or(0)))
    }

    async fn send_all(&mut self, txs: &[VersionedTransaction]) -> ChainResult<Vec<Result<(), TxFailure>>> {
        let mut signatures = vec![];
        for tx in txs {
            signatures.push(self.submit(tx).await?);
        }
        self.statuses(&signatures, txs).await
    }

    async fn send(&mut self, tx: &VersionedTransaction) -> ChainResult<Result<(), TxFailure>> {
        Ok(self.send_all(std::slice::from_ref(tx)).await?.remove(0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use solana_instruction_error::InstructionError;

    #[test]
    fn node_urls_lose_their_keys_before_they_reach_an_error() {
        assert_eq!(redacted("wss://mainnet.example.com/?api-key=secret"), "wss://mainnet.example.com");
        assert_eq!(redacted("wss://user:secret@node.example.com:8900/token/path"), "wss://node.example.com:8900");
        assert_eq!(redacted("ws://127.0.0.1:1"), "ws://127.0.0.1:1");
        assert_eq!(redacted("node.example.com:8900/secret"), "node.example.com:8900");
    }

    #[test]
    fn custom_program_errors_are_recognised() {
        let err = TransactionError::InstructionError(2, InstructionError::Custom(6056));
        assert_eq!(failure(&err).custom_code, Some(6056));
        assert_eq!(failure(&TransactionError::AccountInUse).custom_code, None);
    }

    #[test]
    fn accounts_decode_from_base64() {
        let v = json!({"data": [B64.encode([1u8, 2, 3]), "base64"], "lamports": 5, "owner": "11111111111111111111111111111111"});
        let a = parse_account(&v).unwrap();
        assert_eq!((a.lamports, a.data), (5, vec![1, 2, 3]));
    }

    #[test]
    fn websocket_urls_follow_the_cli_convention() {
        assert_eq!(RpcChain::websocket_url("http://127.0.0.1:8899").unwrap(), "ws://127.0.0.1:8900");
        assert_eq!(RpcChain::websocket_url("https://rpc.example.com/key").unwrap(), "wss://rpc.example.com/key");
        assert_eq!(RpcChain::websocket_url("http://[::1]:8899/").unwrap(), "ws://[::1]:8900/");
        assert!(RpcChain::websocket_url("ftp://x").is_err());
        assert!(RpcChain::new("ftp://x").is_err());
    }

    #[test]
    fn an_older_notification_never_replaces_a_newer_snapshot() {
        let key = Pubkey::new_unique();
        let acct = |lamports| ChainAccount { lamports, data: vec![], owner: Pubkey::default() };
        let mut m = HashMap::new();
        apply(&mut m, 10, key, acct(1));
        apply(&mut m, 9, key, acct(2));
        assert_eq!(m[&key].1.lamports, 1);
        apply(&mut m, 10, key, acct(3));
        apply(&mut m, 11, key, acct(4));
        assert_eq!(m[&key], (11, acct(4)));
    }
}
