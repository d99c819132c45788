//! Dry run of the mainnet-style configuration (`migrations/mainnet.json`) on a local
//! validator: real Pyth `PriceUpdateV2` account bytes are loaded at the configured price
//! accounts (owned by the Pyth receiver program, carrying the configured feed ids), the
//! exchange is bootstrapped with push oracles forbidden, the guardian set to the configured
//! (multisig) address and the final admin proposed; a trader trades at the Pyth price and
//! the keeper bot scans the deployment over JSON-RPC.
//!
//! Only what a local cluster cannot have is replaced: USDC (a local mint stands in for
//! it, which also funds the pool) and Pyth's price pusher (the accounts are written once,
//! published a few seconds ahead so a slow machine still trades within the fill age).
//!
//! Needs `solana-test-validator` 4.2.2 and `target/deploy/ballast.so`; `scripts/test.sh`
//! runs it with `--run-ignored only`.

mod common;

use std::path::PathBuf;

use ballast::constants::PYTH_RECEIVER_ID;
use ballast::state::{Exchange, MarginAccount, MarginMode, Market, OracleKind};
use ballast_client::ix;
use ballast_client::pyth::{PriceUpdate, Verification};
use ballast_keeper::rpc::RpcChain;
use ballast_keeper::Keeper;
use ballast_migrations::bootstrap::{bootstrap, Keys};
use ballast_migrations::config::{Config, OracleConfig};
use ballast_migrations::net::Net;
use ballast_migrations::validator::{Ports, Validator};
use base64::Engine;
use common::{funded_trader, keeper, load, program_so, root, temp_path, validator_binary, BTC, UNIT, USD};
use solana_keypair::Keypair;
use solana_signer::Signer;

/// A `solana account --output json` file holding a `PriceUpdateV2`.
fn price_account_file(dir: &std::path::Path, address: &str, update: &PriceUpdate) -> PathBuf {
    let data = update.to_account_data();
    let json = serde_json::json!({
        "pubkey": address,
        "account": {
            "lamports": 10_000_000u64,
            "data": [base64::engine::general_purpose::STANDARD.encode(&data), "base64"],
            "owner": PYTH_RECEIVER_ID.to_string(),
            "executable": false,
            "rentEpoch": 0,
            "space": data.len(),
        }
    });
    let path = dir.join(format!("{address}.json"));
    std::fs::write(&path, json.to_string()).unwrap();
    path
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs solana-test-validator and target/deploy/ballast.so; scripts/test.sh runs it"]
async fn the_mainnet_configuration_bootstraps_on_real_pyth_accounts_and_the_keeper_runs_against_it() {
    let mut config = Config::from_file(&root().join("migrations/mainnet.json")).unwrap();
    assert!(!config.exchange.allow_push_oracles, "a production configuration forbids push oracles");
    config.collateral_mint = None;
    config.pool_funding = 1_000_000 * USD;

    // PriceUpdateV2 accounts: BTC $95,000 and ETH $3,500 (exponent −8, 0.05% confidence).
    let dir = temp_path("dry-run");
    std::fs::create_dir_all(&dir).unwrap();
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    let mut accounts = vec![];
    for (m, dollars) in config.markets.iter().zip([95_000i64, 3_500]) {
        let OracleConfig::PythPull(p) = &m.oracle else { panic!("{}: the mainnet configuration reads Pyth", m.symbol) };
        let price = dollars * 100_000_000;
        let update = PriceUpdate {
            feed_id: p.feed_id().unwrap(),
            price,
            conf: (price / 2_000) as u64,
            exponent: -8,
            publish_time: now + 15,
            verification: Verification::Full,
            posted_slot: 1,
        };
        accounts.push((p.price_account.clone(), price_account_file(&dir, &p.price_account, &update)));
    }
    let (ledger, ports) = (temp_path("dry-run-ledger"), Ports::block(19_300));
    let validator = Validator::start_with_accounts(&validator_binary(), &program_so(), &ledger, ports, &accounts).await.unwrap();

    let keys = Keys::generate();
    let mut net = Net::new(&validator.rpc_url, Keypair::new()).unwrap();
    let d = bootstrap(&mut net, &config, &keys).await.unwrap();

    // What the configuration asked for is what the chain holds.
    let ex: Exchange = load(&mut net, &ix::exchange_pda()).await;
    assert_eq!(ex.allow_push_oracles, 0);
    assert_eq!(ex.guardian.to_string(), config.exchange.guardian.clone().unwrap());
    assert_eq!(Some(ex.pending_admin.to_string()), config.exchange.admin.clone(), "the final admin is proposed, and accepts itself");
    assert_eq!(ex.admin, keys.admin.pubkey(), "until then the bootstrap key administers");
    for (i, m) in config.markets.iter().enumerate() {
        let OracleConfig::PythPull(p) = &m.oracle else { unreachable!() };
        let market: Market = load(&mut net, &ix::market_pda(i as u16)).await;
        assert_eq!(market.oracle_kind, OracleKind::PythPull as u8);
        assert_eq!(market.feed_id, p.feed_id().unwrap());
        assert_eq!(market.oracle, p.address().unwrap());
    }
    assert_eq!(d.pending_admin, config.exchange.admin);

    // A trader trades at the Pyth price: 0.1 BTC long at 10x in cross.
    let mint = d.collateral_mint();
    let (trader, _, account) = funded_trader(&mut net, &keys, &mint, 5_000, 1_000_000_000).await;
    let open = ix::trade(trader.pubkey(), account, BTC, d.oracle(BTC), UNIT / 10, u64::MAX, MarginMode::Cross, 10, &[]);
    net.send(&[open], &[&trader]).await.unwrap();
    let m: MarginAccount = load(&mut net, &account).await;
    assert_eq!(m.cross_positions[0].base, UNIT / 10);

    // The keeper scans the deployment over JSON-RPC: one healthy account, nothing to send.
    let (keeper_key, kc) = keeper(&mut net, &mint, 400_000).await;
    let mut bot = Keeper::new(RpcChain::new(&validator.rpc_url).unwrap(), keeper_key, kc);
    let actions = bot.scan().await.unwrap();
    assert!(actions.is_empty(), "{actions:?}");
    assert_eq!((bot.counters.scanned, bot.counters.liquidatable), (1, 0));
    let _ = std::fs::remove_dir_all(&dir);
}
