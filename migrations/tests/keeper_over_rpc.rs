//! End to end on a real local validator: the exchange is bootstrapped from the committed
//! config over JSON-RPC, a trader opens a 20x cross position, the oracle falls, and the
//! keeper bot — the same library the `ballast-keeper` binary runs — finds the account
//! with `getProgramAccounts` and liquidates it with a real transaction.
//!
//! Needs `solana-test-validator` 4.2.2 and `target/deploy/ballast.so`; `scripts/test.sh`
//! provides both and runs it with `--run-ignored only`.

use std::path::PathBuf;

use anchor_lang::prelude::Pubkey;
use ballast::state::{MarginAccount, MarginMode};
use ballast_client::ix;
use ballast_keeper::rpc::RpcChain;
use ballast_keeper::{Config as KeeperConfig, Keeper};
use ballast_migrations::bootstrap::{bootstrap, Keys};
use ballast_migrations::config::Config;
use ballast_migrations::net::Net;
use ballast_migrations::validator::{find_binary, Ports, Validator};
use solana_keypair::Keypair;
use solana_signer::Signer;

const USD: u64 = 1_000_000;
const UNIT: i64 = 1_000_000_000;
const BTC: u16 = 0;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

async fn margin(net: &mut Net, key: &Pubkey) -> MarginAccount {
    let a = net.account(key).await.unwrap().expect("margin account exists");
    *bytemuck::from_bytes::<MarginAccount>(&a.data[8..8 + std::mem::size_of::<MarginAccount>()])
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs solana-test-validator and target/deploy/ballast.so; scripts/test.sh runs it"]
async fn the_keeper_liquidates_an_unhealthy_account_and_executes_a_reached_stop_loss_over_json_rpc() {
    let binary = find_binary().expect("solana-test-validator: run scripts/test.sh or set TEST_VALIDATOR");
    let ledger = std::env::temp_dir().join(format!("ballast-e2e-{}", std::process::id()));
    let validator = Validator::start(&binary, &root().join("target/deploy/ballast.so"), &ledger, Ports::block(19_100)).await.unwrap();
    let url = validator.rpc_url.clone();

    // The exchange and markets, from the committed config.
    let config = Config::from_file(&root().join("migrations/localnet.json")).unwrap();
    let keys = Keys::generate();
    let mut net = Net::new(&url, Keypair::new()).unwrap();
    let d = bootstrap(&mut net, &config, &keys).await.unwrap();
    let mint = d.collateral_mint();
    let btc_oracle = d.oracle(BTC);

    // A trader: 2,600 USD of collateral, 1 BTC long at 20x in cross (BTC at 50,000).
    let trader = Keypair::new();
    net.airdrop(&trader.pubkey(), 1_000_000_000).await.unwrap();
    let trader_token = net.create_token_account(&trader.pubkey(), &mint).await.unwrap();
    net.mint_to(&mint, &trader_token, &keys.mint_authority, 2_600 * USD).await.unwrap();
    let account = ix::margin_pda(&trader.pubkey(), 0);
    net.send(&[ix::create_margin_account(trader.pubkey(), 0)], &[&trader]).await.unwrap();
    net.send(&[ix::deposit(trader.pubkey(), account, trader_token, 2_600 * USD)], &[&trader]).await.unwrap();
    // A fill needs a price no older than the market's fill age (30 s): publish one now.
    let start = 50_000 * 100_000_000i64;
    net.send(
        &[ix::update_push_oracle(keys.oracle_authority.pubkey(), btc_oracle, start, (start / 10_000) as u64, None)],
        &[&keys.oracle_authority],
    )
    .await
    .unwrap();
    let open = ix::trade(trader.pubkey(), account, BTC, btc_oracle, UNIT, u64::MAX, MarginMode::Cross, 20, &[]);
    net.send(&[open], &[&trader]).await.unwrap();
    assert_eq!(margin(&mut net, &account).await.cross_positions[0].base, UNIT);

    // A second trader, far from maintenance, with a stop-loss at 49,000 closing all of a
    // 0.1 BTC long.
    let careful = Keypair::new();
    net.airdrop(&careful.pubkey(), 1_000_000_000).await.unwrap();
    let careful_token = net.create_token_account(&careful.pubkey(), &mint).await.unwrap();
    net.mint_to(&mint, &careful_token, &keys.mint_authority, 10_000 * USD).await.unwrap();
    let careful_account = ix::margin_pda(&careful.pubkey(), 0);
    net.send(&[ix::create_margin_account(careful.pubkey(), 0)], &[&careful]).await.unwrap();
    net.send(&[ix::deposit(careful.pubkey(), careful_account, careful_token, 10_000 * USD)], &[&careful]).await.unwrap();
    let open = ix::trade(careful.pubkey(), careful_account, BTC, btc_oracle, UNIT / 10, u64::MAX, MarginMode::Cross, 10, &[]);
    net.send(&[open], &[&careful]).await.unwrap();
    let stop = ballast::instructions::TriggerOrderParams {
        market_index: BTC,
        isolated: false,
        condition: ballast::state::TriggerCondition::AtOrBelow,
        trigger_price: 49_000 * 1_000_000_000,
        size: ballast::state::TriggerSize::Fraction(1_000_000),
        limit_price: 0,
        tip: 100_000,
    };
    net.send(&[ix::place_trigger_order(careful.pubkey(), careful_account, stop)], &[&careful]).await.unwrap();

    // The keeper, over its own JSON-RPC connection.
    let keeper_key = Keypair::new();
    net.airdrop(&keeper_key.pubkey(), 1_000_000_000).await.unwrap();
    let keeper_token = net.create_token_account(&keeper_key.pubkey(), &mint).await.unwrap();
    let keeper_config = KeeperConfig {
        program_id: ballast::ID,
        keeper_token,
        compute_unit_limit: 400_000,
        priority_micro_lamports: 0,
        lookup_tables: true,
        funding_crank_secs: 3_600,
    };
    let mut bot = Keeper::new(RpcChain::new(&url).unwrap(), keeper_key.insecure_clone(), keeper_config);

    // Healthy: the keeper scans the account and leaves it alone.
    bot.run_once().await.unwrap();
    assert!(bot.counters.scanned >= 1, "{:?}", bot.counters);
    assert_eq!((bot.counters.liquidatable, bot.counters.triggers_due, bot.counters.sent), (0, 0, 0), "{:?}", bot.counters);

    // BTC falls to 48,600: equity ≈ 1,170 USD against ≈ 1,215 USD maintenance.
    let price = 48_600 * 100_000_000i64;
    net.send(
        &[ix::update_push_oracle(keys.oracle_authority.pubkey(), btc_oracle, price, (price / 10_000) as u64, None)],
        &[&keys.oracle_authority],
    )
    .await
    .unwrap();
    bot.run_once().await.unwrap();
    assert_eq!(
        (bot.counters.liquidatable, bot.counters.triggers_due, bot.counters.won),
        (1, 1, 2),
        "{:?}\n{}",
        bot.counters,
        bot.log.join("\n")
    );
    // The stop-loss closed the careful trader's position.
    assert_eq!(margin(&mut net, &careful_account).await.cross_positions[0].base, 0);

    // On chain: part of the position is gone and the keeper holds its reward.
    let after = margin(&mut net, &account).await;
    assert!(after.cross_positions[0].base < UNIT && after.cross_positions[0].base >= 0, "{}", after.cross_positions[0].base);
    assert!(net.token_balance(&keeper_token).await.unwrap() > 0);
    drop(validator);
}
