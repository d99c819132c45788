//! The keeper bot's decision logic and transaction path against the in-process runtime:
//! it liquidates exactly the liquidatable domains, tops up guarded positions, never sends
//! for healthy ones, and counts a lost race as normal.

use ballast::state::{MarginMode, MarketParams};
use ballast_keeper::Action;
use ballast_tests::*;

const BTC: u16 = 0;
const MILLI: i64 = UNIT / 1_000;

async fn setup() -> Harness {
    let params = MarketParams { spread_ppm: 0, ..default_market_params() };
    let mut h = Harness::with(|p| ballast::instructions::ExchangeParams { taker_fee_ppm: 0, ..p }, params).await;
    h.set_price(BTC, 50_000.0, 0.0).await;
    h
}

/// A trader with `collateral` and `base` BTC at 20x in `mode`.
async fn trader(h: &mut Harness, name: &'static str, collateral: u64, base: i64, mode: MarginMode) -> User {
    let u = h.user(name, 1_000_000 * USD).await;
    h.deposit(&u, collateral).await;
    h.trade(&u, BTC, base, mode, 20).await;
    u
}

#[tokio::test]
async fn the_bot_liquidates_exactly_the_liquidatable_domains_and_never_the_healthy_ones() {
    let mut h = setup().await;
    let keeper = h.user("keeper", 0).await;
    // After BTC falls to $48,600, with maintenance 2.5%:
    let doomed_cross = trader(&mut h, "doomed_cross", 2_600 * USD, UNIT, MarginMode::Cross).await; // equity 1,200 < 1,215
    let doomed_iso = trader(&mut h, "doomed_iso", 3_000 * USD, UNIT, MarginMode::Isolated).await; // 1,100 < 1,215
    let short = trader(&mut h, "short", 3_000 * USD, -UNIT, MarginMode::Cross).await; // a short gains on a fall
    let rich = trader(&mut h, "rich", 10_000 * USD, UNIT, MarginMode::Cross).await; // 8,600 ≥ 1,215
    let thin_iso = trader(&mut h, "thin_iso", 4_000 * USD, UNIT / 2, MarginMode::StrictIsolated).await; // holds $1,250
    let small = trader(&mut h, "small", 1_000 * USD, 100 * MILLI, MarginMode::Cross).await; // 1,000 − 140 ≥ 121.5
    let guarded = trader(&mut h, "guarded", 4_000 * USD, UNIT, MarginMode::Isolated).await; // 1,100 < 1,215, guard on
    h.ok(&[ix::set_margin_guard(guarded.pubkey(), guarded.account, BTC, 1_500_000, 500 * USD, 500 * USD)], &[&guarded.key]).await;
    let mut watched = vec![];
    for u in [&short, &rich, &small] {
        watched.push((u.account, h.account(u.account).await.unwrap().data));
    }
    h.set_price(BTC, 48_600.0, 0.0).await;

    // thin_iso: 0.5 BTC at 20x holds $1,250; at $48,600 equity $550 < maintenance $607.50.
    let mut bot = h.keeper_bot(&keeper).await;
    let actions = bot.scan().await.unwrap();
    let iso = |u: &User| ix::isolated_pda(&u.account, BTC);
    let mut expected = vec![
        Action::ExecuteGuard { account: guarded.account, position: iso(&guarded), market_index: BTC },
        Action::LiquidateIsolated { account: doomed_iso.account, position: iso(&doomed_iso), market_index: BTC },
        Action::LiquidateIsolated { account: thin_iso.account, position: iso(&thin_iso), market_index: BTC },
        Action::LiquidateCross { account: doomed_cross.account, market_index: BTC },
    ];
    let mut got = actions.clone();
    let key = |a: &Action| format!("{a:?}");
    got.sort_by_key(key);
    expected.sort_by_key(key);
    assert_eq!(got, expected);
    assert_eq!(bot.counters.scanned, 7);

    for a in actions {
        let outcome = bot.execute(a).await.unwrap();
        assert_eq!(outcome.result, "won", "{outcome:?}");
        assert!(outcome.compute_units > 0);
    }
    let c = bot.counters;
    assert_eq!((c.liquidatable, c.guards_due, c.sent, c.won, c.lost, c.failed), (3, 1, 4, 4, 0, 0));
    assert_eq!(bot.log.len(), 4);
    assert!(bot.log[0].starts_with('{') && bot.log.iter().all(|l| l.contains("\"result\":\"won\"")));
    h.check_invariants().await;
    for (k, bytes) in watched {
        assert_eq!(h.account(k).await.unwrap().data, bytes, "healthy account {k} untouched");
    }
    assert!(h.token_balance(keeper.token).await > 0);

    // A second pass finds nothing to do.
    h.set_price(BTC, 48_600.0, 0.0).await;
    let mut bot = h.keeper_bot(&keeper).await;
    let outcomes = bot.run_once().await.unwrap();
    assert!(outcomes.is_empty(), "{outcomes:?}");
    assert_eq!(bot.counters.sent, 0);
}

#[tokio::test]
async fn a_lost_race_is_counted_and_nothing_is_sent() {
    let mut h = setup().await;
    let keeper = h.user("keeper", 0).await;
    let alice = trader(&mut h, "alice", 2_600 * USD, UNIT, MarginMode::Cross).await;
    h.set_price(BTC, 48_600.0, 0.0).await;
    let mut bot = h.keeper_bot(&keeper).await;
    let actions = bot.scan().await.unwrap();
    assert_eq!(actions, vec![Action::LiquidateCross { account: alice.account, market_index: BTC }]);
    // Alice deposits before the bot's transaction lands.
    h.deposit(&alice, 1_000 * USD).await;
    let outcome = bot.execute(actions[0].clone()).await.unwrap();
    assert_eq!(outcome.result, "lost");
    let c = bot.counters;
    assert_eq!((c.sent, c.won, c.lost, c.failed), (0, 0, 1, 0));
    assert_eq!(h.margin(alice.account).await.cross_positions[0].base, UNIT);
}

#[tokio::test]
async fn two_keepers_racing_liquidate_once_and_the_loser_loses_at_most_a_fee() {
    let mut h = setup().await;
    let (k1, k2) = (h.user("keeper1", 0).await, h.user("keeper2", 0).await);
    let alice = trader(&mut h, "alice", 2_600 * USD, UNIT, MarginMode::Cross).await;
    h.set_price(BTC, 48_600.0, 0.0).await;
    let (mut first, mut second) = (h.keeper_bot(&k1).await, h.keeper_bot(&k2).await);
    // Both see the same liquidatable account in the same state.
    let (a1, a2) = (first.scan().await.unwrap(), second.scan().await.unwrap());
    assert_eq!(a1, a2);
    assert_eq!(a1, vec![Action::LiquidateCross { account: alice.account, market_index: BTC }]);
    let lamports_before = h.account(k2.pubkey()).await.unwrap().lamports;
    // Had the second simulated before the first landed, its transaction would reach the
    // program after it: built now, sent after.
    let late = second.instruction(&a2[0]).await.unwrap();
    assert_eq!(first.execute(a1[0].clone()).await.unwrap().result, "won");
    // Refused and nothing changed (the harness checks every account): a late keeper loses
    // at most its transaction fee.
    h.expect_failure(&[late], &[&k2.key], code(ballast::error::ErrorCode::NotLiquidatable)).await;
    // The keeper itself simulates first: it finds the domain restored and sends nothing.
    assert_eq!(second.execute(a2[0].clone()).await.unwrap().result, "lost");
    assert_eq!((second.counters.sent, second.counters.lost), (0, 1));
    // One liquidation step (0.141 BTC, tests/tests/liquidation.rs), one reward, no fee lost.
    assert_eq!(h.margin(alice.account).await.cross_positions[0].base, 859 * MILLI);
    assert_eq!(h.token_balance(k1.token).await, 34_263_000);
    assert_eq!(h.token_balance(k2.token).await, 0);
    assert_eq!(h.account(k2.pubkey()).await.unwrap().lamports, lamports_before);
    h.check_invariants().await;
}

#[tokio::test]
async fn stale_prices_are_skipped_like_the_program_would_refuse_them() {
    let mut h = setup().await;
    let keeper = h.user("keeper", 0).await;
    let _alice = trader(&mut h, "alice", 2_600 * USD, UNIT, MarginMode::Cross).await;
    h.set_price(BTC, 48_600.0, 0.0).await;
    h.advance_time(120);
    h.airdrop(keeper.pubkey(), 1).await; // a transaction in a later slot, at the later time
    let mut bot = h.keeper_bot(&keeper).await;
    assert!(bot.scan().await.unwrap().is_empty());
}

#[tokio::test]
async fn an_account_too_large_for_a_legacy_transaction_is_reported_instead_of_sent() {
    let mut h = setup().await;
    let keeper = h.user("keeper", 0).await;
    // Sixteen cross positions: the liquidation names 15 other markets and their oracles.
    for _ in 1..16 {
        h.add_push_market(100.0, MarketParams { spread_ppm: 0, ..default_market_params() }).await;
    }
    let alice = h.user("alice", 10_000_000 * USD).await;
    h.deposit(&alice, 1_000_000 * USD).await;
    for i in 1..16u16 {
        h.trade(&alice, i, UNIT, MarginMode::Cross, 10).await;
    }
    h.trade(&alice, BTC, 100 * MILLI, MarginMode::Cross, 10).await;
    let free = h.view(&alice, &[]).await.cross.transferable;
    h.withdraw(&alice, free - 1).await;
    h.set_price(BTC, 25_000.0, 0.0).await;
    let before = h.margin(alice.account).await;
    let mut bot = h.keeper_bot(&keeper).await;
    let outcomes = bot.run_once().await.unwrap();
    assert_eq!(outcomes.len(), 1);
    assert_eq!(outcomes[0].result, "failed");
    let error = outcomes[0].error.clone().unwrap_or_default();
    assert!(error.contains("over the 1232-byte limit") && error.contains("address lookup table"), "{error}");
    let c = bot.counters;
    assert_eq!((c.liquidatable, c.sent, c.failed), (1, 0, 1));
    assert_eq!(bytemuck::bytes_of(&h.margin(alice.account).await), bytemuck::bytes_of(&before));
}

#[tokio::test]
async fn the_bot_executes_trigger_orders_whose_price_is_reached_and_no_others() {
    use ballast::instructions::TriggerOrderParams;
    use ballast::state::{TriggerCondition, TriggerSize};
    let mut h = setup().await;
    let keeper = h.user("keeper", 0).await;
    let long = trader(&mut h, "long", 10_000 * USD, UNIT, MarginMode::Cross).await;
    let iso = h.user("iso", 1_000_000 * USD).await;
    h.deposit(&iso, 10_000 * USD).await;
    h.trade(&iso, BTC, UNIT, MarginMode::Isolated, 5).await; // $10,000 of margin: far from maintenance
    let stop = |isolated: bool, dollars: u64, size: TriggerSize| TriggerOrderParams {
        market_index: BTC,
        isolated,
        condition: TriggerCondition::AtOrBelow,
        trigger_price: dollars * 1_000_000_000,
        size,
        limit_price: 0,
        tip: 200_000,
    };
    // Reached at $48,600: the long's 30% stop at $49,000 and the isolated stop at $48,600;
    // not reached: the long's second stop at $45,000.
    for (u, params) in [
        (&long, stop(false, 49_000, TriggerSize::Fraction(300_000))),
        (&long, stop(false, 45_000, TriggerSize::Fraction(1_000_000))),
        (&iso, stop(true, 48_600, TriggerSize::Lots(UNIT as u64 / 2))),
    ] {
        h.ok(&[ix::place_trigger_order(u.pubkey(), u.account, params)], &[&u.key]).await;
    }
    h.set_price(BTC, 48_600.0, 0.0).await;
    let mut bot = h.keeper_bot(&keeper).await;
    let mut got = bot.scan().await.unwrap();
    got.sort_by_key(|a| format!("{a:?}"));
    let mut expected = vec![
        Action::ExecuteTrigger { account: long.account, id: 0, market_index: BTC },
        Action::ExecuteTrigger { account: iso.account, id: 0, market_index: BTC },
    ];
    expected.sort_by_key(|a| format!("{a:?}"));
    assert_eq!(got, expected);
    assert_eq!(bot.counters.triggers_due, 2);
    for a in got {
        assert_eq!(bot.execute(a).await.unwrap().result, "won");
    }
    let m = h.margin(long.account).await;
    assert_eq!(m.cross_positions[m.slot_of(BTC).unwrap()].base, 7 * UNIT / 10);
    assert_eq!(h.isolated(&iso, BTC).await.base, UNIT / 2);
    assert_eq!(h.token_balance(keeper.token).await, 400_000);
    // The next scan finds only the unreached stop, and sends nothing.
    let mut bot = h.keeper_bot(&keeper).await;
    assert!(bot.scan().await.unwrap().is_empty());
}

#[tokio::test]
async fn the_bot_deleverages_the_winner_once_a_liquidation_leaves_the_pool_short() {
    // Pool $1,000; at $37,000 Bob's isolated long is bankrupt ($2,000 of bad debt) and
    // Alice's short is up $6,000 (see tests/tests/adl.rs for the hand computation).
    let (mut h, alice, bob, keeper) = thin_pool_crash().await;
    let mut bot = h.keeper_bot(&keeper).await;
    // First pass: the pool's side still counts Bob's loss in full, so its equity is
    // +$1,000 and only the liquidation is due.
    let first = bot.run_once().await.unwrap();
    assert_eq!(
        first.iter().map(|o| (o.action.clone(), o.result)).collect::<Vec<_>>(),
        vec![(Action::LiquidateIsolated { account: bob.account, position: ix::isolated_pda(&bob.account, BTC), market_index: BTC }, "won")]
    );
    // Second pass: $5,000 of cash against $6,000 of open profit: Alice is deleveraged by
    // 0.334 BTC and gives back $1,000.
    let second = bot.run_once().await.unwrap();
    assert_eq!(
        second.iter().map(|o| (o.action.clone(), o.result)).collect::<Vec<_>>(),
        vec![(Action::AutoDeleverage { account: alice.account, market_index: BTC, isolated: false }, "won")]
    );
    assert_eq!(bot.counters.deleverage_due, 1);
    assert_eq!(h.margin(alice.account).await.cross_positions[0].base, -2 * UNIT + 334 * MILLI);
    // The pool is whole: nothing more to do.
    assert!(bot.scan().await.unwrap().is_empty());
    h.check_invariants().await;
}

#[tokio::test]
async fn the_bot_refreshes_the_price_book_first_and_liquidates_through_it() {
    let mut h = setup().await;
    for _ in 0..3 {
        h.add_push_market(100.0, MarketParams { spread_ppm: 0, ..default_market_params() }).await;
    }
    h.init_price_book().await;
    let keeper = h.user("keeper", 0).await;
    // 1 BTC at 20x and 1 unit of each $100 market at 10x on $2,600: after BTC falls to
    // $48,600, equity $1,200 < maintenance $1,215 + 3 × $2.50.
    let alice = trader(&mut h, "alice", 2_600 * USD, UNIT, MarginMode::Cross).await;
    for i in 1..=3 {
        h.trade(&alice, i, UNIT, MarginMode::Cross, 10).await;
    }
    h.set_price(BTC, 48_600.0, 0.0).await;
    let mut bot = h.keeper_bot(&keeper).await;
    let outcomes = bot.run_once().await.unwrap();
    let names: Vec<(String, &str)> = outcomes.iter().map(|o| (format!("{:?}", o.action), o.result)).collect();
    assert_eq!(
        names,
        vec![
            (format!("{:?}", Action::RefreshPrices { market_indices: vec![0, 1, 2, 3] }), "won"),
            (format!("{:?}", Action::LiquidateCross { account: alice.account, market_index: BTC }), "won"),
        ]
    );
    let c = bot.counters;
    assert_eq!((c.price_refreshes, c.via_price_book, c.liquidatable, c.won, c.failed), (1, 1, 1, 2, 0));
    assert!(h.margin(alice.account).await.cross_positions[0].base < UNIT, "BTC was reduced");
    h.check_invariants().await;
}
