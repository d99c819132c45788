//! End to end on a real local validator: the exchange is bootstrapped from the committed
//! config over JSON-RPC, a trader opens a 20x cross position, the oracle falls, and the
//! keeper bot — the same library the `ballast-keeper` binary runs — finds the account
//! with `getProgramAccounts` and liquidates it with a real transaction. Its websocket is
//! unreachable on purpose: without a subscription the bot rescans every pass and keeps
//! working.
//!
//! Needs `solana-test-validator` 4.2.2 and `target/deploy/ballast.so`; `scripts/test.sh`
//! provides both and runs it with `--run-ignored only`.

mod common;

use ballast::state::{MarginAccount, MarginMode};
use ballast_client::ix;
use ballast_keeper::rpc::RpcChain;
use ballast_keeper::Keeper;
use ballast_migrations::validator::Ports;
use common::{funded_trader, keeper, load, Localnet, BTC, UNIT};
use solana_signer::Signer;

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs solana-test-validator and target/deploy/ballast.so; scripts/test.sh runs it"]
async fn the_keeper_liquidates_an_unhealthy_account_and_executes_a_reached_stop_loss_over_json_rpc() {
    // The exchange and markets, from the committed config.
    let mut local = Localnet::start("e2e", Ports::block(19_100)).await;
    let (mint, btc_oracle) = (local.deployment.collateral_mint(), local.deployment.oracle(BTC));

    // A trader: 2,600 USD of collateral, 1 BTC long at 20x in cross (BTC at 50,000).
    let (trader, _, account) = funded_trader(&mut local.net, &local.keys, &mint, 2_600, 1_000_000_000).await;
    // A fill needs a price no older than the market's fill age (30 s): publish one now.
    local.publish(btc_oracle, 50_000).await;
    let net = &mut local.net;
    let open = ix::trade(trader.pubkey(), account, BTC, btc_oracle, UNIT, u64::MAX, MarginMode::Cross, 20, &[]);
    net.send(&[open], &[&trader]).await.unwrap();
    assert_eq!(load::<MarginAccount>(net, &account).await.cross_positions[0].base, UNIT);

    // A second trader, far from maintenance, with a stop-loss at 49,000 closing all of a
    // 0.1 BTC long.
    let (careful, _, careful_account) = funded_trader(net, &local.keys, &mint, 10_000, 1_000_000_000).await;
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
    let (keeper_key, mut keeper_config) = keeper(&mut local.net, &mint, 400_000).await;
    // It refreshes the price book each pass and passes it to the cross instructions.
    keeper_config.price_book = true;
    let keeper_token = keeper_config.keeper_token;
    // Its websocket URL points at a closed port: every pass falls back to a rescan.
    let chain = RpcChain::new(&local.validator.rpc_url).unwrap().with_subscriptions("ws://127.0.0.1:1");
    let mut bot = Keeper::new(chain, keeper_key, keeper_config);

    // Healthy: the keeper scans the account and leaves it alone.
    bot.run_once().await.unwrap();
    assert!(bot.counters.scanned >= 1, "{:?}", bot.counters);
    // Only the price book's refresh was sent.
    let c = bot.counters;
    assert_eq!((c.liquidatable, c.triggers_due, c.price_refreshes, c.sent, c.won), (0, 0, 1, 1, 1), "{c:?}\n{}", bot.log.join("\n"));

    // BTC falls to 48,600: equity ≈ 1,170 USD against ≈ 1,215 USD maintenance.
    local.publish(btc_oracle, 48_600).await;
    let net = &mut local.net;
    bot.run_once().await.unwrap();
    // A refresh, the liquidation and the stop-loss (both through the book unless it had
    // aged past its limit by then, when the keeper falls back to the pairs).
    assert_eq!(
        (bot.counters.liquidatable, bot.counters.triggers_due, bot.counters.price_refreshes, bot.counters.won),
        (1, 1, 2, 4),
        "{:?}\n{}",
        bot.counters,
        bot.log.join("\n")
    );
    // The stop-loss closed the careful trader's position.
    assert_eq!(load::<MarginAccount>(net, &careful_account).await.cross_positions[0].base, 0);

    // On chain: part of the position is gone and the keeper holds its reward.
    let after: MarginAccount = load(net, &account).await;
    assert!(after.cross_positions[0].base < UNIT && after.cross_positions[0].base >= 0, "{}", after.cross_positions[0].base);
    assert!(net.token_balance(&keeper_token).await.unwrap() > 0);
    // Two passes, four account kinds each: every subscription failed and was rescanned.
    let stats = bot.chain.stats();
    assert_eq!((stats.subscription_failures, stats.scans, stats.notifications), (8, 8, 0), "{stats:?}");
    // The health line says why: the websocket refused the connection.
    assert!(bot.chain.subscription_error().is_some_and(|e| e.contains("127.0.0.1:1")), "{:?}", bot.chain.subscription_error());
}
