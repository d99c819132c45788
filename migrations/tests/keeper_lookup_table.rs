//! A cross account with 16 positions on a local validator: its liquidation names 15 other
//! markets and their oracles, too many accounts for a legacy transaction (1,232 bytes).
//! The keeper creates an address lookup table, extends it with what the transaction
//! needs, and liquidates with a v0 transaction; the next liquidation reuses the table.
//!
//! Needs `solana-test-validator` 4.2.2 and `target/deploy/ballast.so`; `scripts/test.sh`
//! runs it with `--run-ignored only`.

mod common;

use anchor_lang::prelude::Pubkey;
use ballast::state::{MarginAccount, MarginMode, OracleKind};
use ballast_client::ix;
use ballast_keeper::rpc::RpcChain;
use ballast_keeper::{Action, Keeper};
use ballast_migrations::validator::Ports;
use common::{funded_trader, keeper, load, Localnet, UNIT};
use solana_keypair::Keypair;
use solana_signer::Signer;

const MARKETS: u16 = 16;

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs solana-test-validator and target/deploy/ballast.so; scripts/test.sh runs it"]
async fn the_keeper_liquidates_a_sixteen_position_account_through_a_lookup_table_it_creates_and_reuses() {
    let mut local = Localnet::start("alt", Ports::block(19_700)).await;
    let (keys, config, d) = (&local.keys, &local.config, &local.deployment);
    let net = &mut local.net;
    // Two validators share the machine's cores in CI: give confirmations time.
    net.chain.confirm_timeout = std::time::Duration::from_secs(120);
    let mint = d.collateral_mint();

    // Fourteen more markets like BTC's, at $100 on push oracles: 16 in all.
    let mut oracles: Vec<Pubkey> = (0..2).map(|i| d.oracle(i)).collect();
    for index in 2..MARKETS {
        let oracle = Keypair::new();
        let auth = &keys.oracle_authority;
        net.send(
            &[ix::create_push_oracle(net.payer.pubkey(), auth.pubkey(), oracle.pubkey(), -8, 100 * 100_000_000, 10_000)],
            &[auth, &oracle],
        )
        .await
        .unwrap();
        let params = config.markets[0].params();
        net.send(&[ix::create_market(keys.admin.pubkey(), index, oracle.pubkey(), OracleKind::Push, [0; 32], params)], &[&keys.admin])
            .await
            .unwrap();
        oracles.push(oracle.pubkey());
    }
    let price = |index: u16, dollars: i64| {
        let p = dollars * 100_000_000;
        ix::update_push_oracle(keys.oracle_authority.pubkey(), oracles[usize::from(index)], p, (p / 10_000) as u64, None)
    };
    let dollars = |index: u16| match index {
        0 => 50_000,
        1 => 3_000,
        _ => 100,
    };

    // The trader opens 16 cross positions; past about a dozen, its own trades need a
    // lookup table too (the test's, not the keeper's).
    let (trader, _, account) = funded_trader(net, keys, &mint, 2_300, 10_000_000_000).await;
    let mut everything: Vec<Pubkey> = (0..MARKETS).flat_map(|i| [ix::market_pda(i), oracles[usize::from(i)]]).collect();
    everything.extend([ix::exchange_pda(), account]);
    let table = net.create_lookup_table(&everything).await.unwrap();
    let mut open: Vec<u16> = vec![];
    // $1,000 in each $100 market at 10x (10 units), then 0.1 ETH and 0.1 BTC at 10x.
    for index in (2..MARKETS).chain([1, 0]) {
        let base = if index >= 2 { 10 * UNIT } else { UNIT / 10 };
        let health: Vec<Pubkey> = open.iter().flat_map(|&i| [ix::market_pda(i), oracles[usize::from(i)]]).collect();
        let trade = ix::trade(trader.pubkey(), account, index, oracles[usize::from(index)], base, u64::MAX, MarginMode::Cross, 10, &health);
        // An increase values every open position strictly (valid prices) and fills at a
        // price within the fill age: every open market's price and the traded one's are
        // published in the trade's own transaction (a busy validator's clock can jump).
        let mut ixs: Vec<_> = open.iter().chain([&index]).map(|&i| price(i, dollars(i))).collect();
        ixs.push(trade);
        net.send_v0(&ixs, &[&trader, &keys.oracle_authority], std::slice::from_ref(&table)).await.unwrap();
        open.push(index);
    }
    let m: MarginAccount = load(net, &account).await;
    assert_eq!(m.cross_positions.iter().filter(|s| s.base != 0).count(), usize::from(MARKETS));

    // BTC falls to $30,000: −$2,000 on about $2,280 of equity, below maintenance
    // (2.5% of $17,300). Every market is valued, at its last price when stale.
    let (keeper, kc) = keeper(net, &mint, 1_400_000).await;
    let mut bot = Keeper::new(RpcChain::new(&local.validator.rpc_url).unwrap(), keeper, kc);
    net.send(&[price(0, 30_000)], &[&keys.oracle_authority]).await.unwrap();
    let outcomes = bot.run_once().await.unwrap();
    assert_eq!(outcomes.len(), 1, "{outcomes:?}");
    assert_eq!(outcomes[0].action, Action::LiquidateCross { account, market_index: 0 });
    assert_eq!(outcomes[0].result, "won", "{outcomes:?}");
    assert_eq!(bot.tables_created, 1);
    let first_extensions = bot.table_extensions;
    assert!(first_extensions >= 2, "35 addresses need at least two extensions");
    let btc_after = load::<MarginAccount>(net, &account).await.cross_positions.iter().find(|s| s.market_index == 0).unwrap().base;
    assert!(btc_after < UNIT / 10, "BTC reduced: {btc_after}");

    // Lower still: the next liquidation reuses the table as it is.
    net.send(&[price(0, 20_000)], &[&keys.oracle_authority]).await.unwrap();
    let outcomes = bot.run_once().await.unwrap();
    assert!(outcomes.iter().any(|o| o.result == "won"), "{outcomes:?}");
    assert_eq!((bot.tables_created, bot.table_extensions), (1, first_extensions), "the table is reused");
}
