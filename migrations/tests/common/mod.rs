//! Set-up the validator tests share: a `solana-test-validator` with the bytecode and the
//! committed localnet exchange bootstrapped on it, funded traders, a keeper's key and
//! configuration, and account reads. Each test binary uses part of it.
#![allow(dead_code)]

use std::path::PathBuf;

use anchor_lang::prelude::Pubkey;
use ballast_client::ix;
use ballast_keeper::Config as KeeperConfig;
use ballast_migrations::bootstrap::{bootstrap, Deployment, Keys};
use ballast_migrations::config::Config;
use ballast_migrations::net::Net;
use ballast_migrations::validator::{find_binary, Ports, Validator};
use solana_keypair::Keypair;
use solana_signer::Signer;

pub const USD: u64 = 1_000_000;
pub const UNIT: i64 = 1_000_000_000;
pub const BTC: u16 = 0;

/// The repository's root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The bytecode the validator runs.
pub fn program_so() -> PathBuf {
    root().join("target/deploy/ballast.so")
}

/// The validator binary (`TEST_VALIDATOR`, the build cache, or PATH).
pub fn validator_binary() -> PathBuf {
    find_binary().expect("solana-test-validator: run scripts/test.sh or set TEST_VALIDATOR")
}

/// A path in the temporary directory unique to this test process.
pub fn temp_path(tag: &str) -> PathBuf {
    std::env::temp_dir().join(format!("ballast-{tag}-{}", std::process::id()))
}

/// A running validator with the exchange and markets of `migrations/localnet.json`.
pub struct Localnet {
    pub net: Net,
    pub keys: Keys,
    pub deployment: Deployment,
    pub config: Config,
    pub ports: Ports,
    /// Last: dropped after the client, it stops the validator and removes its ledger.
    pub validator: Validator,
}

impl Localnet {
    /// Starts the validator on `ports` (ledger named after `tag`) and bootstraps the
    /// committed localnet configuration over JSON-RPC.
    pub async fn start(tag: &str, ports: Ports) -> Self {
        let validator = Validator::start(&validator_binary(), &program_so(), &temp_path(tag), ports).await.unwrap();
        let config = Config::from_file(&root().join("migrations/localnet.json")).unwrap();
        let keys = Keys::generate();
        let mut net = Net::new(&validator.rpc_url, Keypair::new()).unwrap();
        let deployment = bootstrap(&mut net, &config, &keys).await.unwrap();
        Self { net, keys, deployment, config, ports, validator }
    }

    /// Publishes `dollars` (0.01% confidence) on a push oracle of the deployment.
    pub async fn publish(&mut self, oracle: Pubkey, dollars: i64) {
        let p = dollars * 100_000_000;
        let update = ix::update_push_oracle(self.keys.oracle_authority.pubkey(), oracle, p, (p / 10_000) as u64, None);
        self.net.send(&[update], &[&self.keys.oracle_authority]).await.unwrap();
    }
}

/// A new key with `lamports`, a collateral token account holding `usd` dollars, and its
/// margin account 0 with all of them deposited as cross collateral. Returns the key, its
/// token account and its margin account.
pub async fn funded_trader(net: &mut Net, keys: &Keys, mint: &Pubkey, usd: u64, lamports: u64) -> (Keypair, Pubkey, Pubkey) {
    let trader = Keypair::new();
    net.airdrop(&trader.pubkey(), lamports).await.unwrap();
    let token = net.create_token_account(&trader.pubkey(), mint).await.unwrap();
    net.mint_to(mint, &token, &keys.mint_authority, usd * USD).await.unwrap();
    let account = ix::margin_pda(&trader.pubkey(), 0);
    net.send(&[ix::create_margin_account(trader.pubkey(), 0)], &[&trader]).await.unwrap();
    net.send(&[ix::deposit(trader.pubkey(), account, token, usd * USD)], &[&trader]).await.unwrap();
    (trader, token, account)
}

/// A keeper's key (with SOL for fees) and its configuration: rewards to a new token
/// account of `mint`, `compute_unit_limit` per transaction, lookup tables on, funding
/// cranked hourly, the price book left alone (a test that wants it turns it on).
pub async fn keeper(net: &mut Net, mint: &Pubkey, compute_unit_limit: u32) -> (Keypair, KeeperConfig) {
    let key = Keypair::new();
    net.airdrop(&key.pubkey(), 10_000_000_000).await.unwrap();
    let keeper_token = net.create_token_account(&key.pubkey(), mint).await.unwrap();
    let config = KeeperConfig {
        program_id: ballast::ID,
        keeper_token,
        compute_unit_limit,
        priority_micro_lamports: 0,
        lookup_tables: true,
        funding_crank_secs: 3_600,
        price_book: false,
    };
    (key, config)
}

/// A zero-copy account's fields (after its 8-byte discriminator).
pub async fn load<T: bytemuck::Pod>(net: &mut Net, key: &Pubkey) -> T {
    let a = net.account(key).await.unwrap().expect("account exists");
    bytemuck::pod_read_unaligned::<T>(&a.data[8..8 + std::mem::size_of::<T>()])
}
