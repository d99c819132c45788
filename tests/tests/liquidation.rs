//! Permissionless liquidation (SPEC §5 keeper instructions, §8.4): only below
//! maintenance, the smallest lot-rounded size back to maintenance × (1 + 10%), rewards and
//! insurance share from the domain's equity, bad debt covered by insurance then the pool,
//! and domain isolation in both directions.
//!
//! Frictionless market (no fee, no spread, zero confidence) so the hand computations are
//! exact; keeper reward 0.5% and insurance share 0.25% of closed notional; 20x tier
//! (2.5% maintenance) below $100k.

use ballast::error::ErrorCode;
use ballast::state::{MarginMode, MarketParams};
use ballast_tests::*;

const BTC: u16 = 0;
const MILLI: i64 = UNIT / 1_000;
const ALL: u64 = u64::MAX;

fn frictionless() -> MarketParams {
    MarketParams { spread_ppm: 0, ..default_market_params() }
}

async fn setup() -> (Harness, User) {
    let mut h = Harness::with(|p| ballast::instructions::ExchangeParams { taker_fee_ppm: 0, ..p }, frictionless()).await;
    h.set_price(BTC, 50_000.0, 0.0).await;
    let keeper = h.user("keeper", 0).await;
    (h, keeper)
}

/// A trader with `collateral` and 1 BTC long at 20x in `mode`.
async fn long_one_btc(h: &mut Harness, name: &'static str, collateral: u64, mode: MarginMode) -> User {
    let u = h.user(name, 1_000_000 * USD).await;
    h.deposit(&u, collateral).await;
    h.trade(&u, BTC, UNIT, mode, 20).await;
    u
}

#[tokio::test]
async fn a_twenty_x_cross_long_is_liquidated_in_steps_as_the_price_crashes() {
    let (mut h, keeper) = setup().await;
    let alice = long_one_btc(&mut h, "alice", 2_600 * USD, MarginMode::Cross).await;

    // $48,700: equity $1,300 ≥ maintenance $1,217.50 — not liquidatable, nothing changes.
    h.set_price(BTC, 48_700.0, 0.0).await;
    let early = h.liquidate_cross_ix(&keeper, &alice, BTC, ALL).await;
    h.expect_failure(&[early], &[&keeper.key], code(ErrorCode::NotLiquidatable)).await;

    // $48,600: equity $1,200 < $1,215. Closing q BTC: 1,200 − 364.5 q ≥ 1.1 × 1,215 (1 − q)
    // → q ≥ 0.140432… → 0.141 BTC ($6,852.60): reward $34.263, insurance $17.1315.
    h.set_price(BTC, 48_600.0, 0.0).await;
    let ixn = h.liquidate_cross_ix(&keeper, &alice, BTC, ALL).await;
    h.ok(&[ixn], &[&keeper.key]).await;
    let m = h.margin(alice.account).await;
    assert_eq!(m.cross_positions[0].base, 859 * MILLI);
    assert_eq!(m.cross_collateral, 2_600_000_000 - 197_400_000 - 34_263_000 - 17_131_500);
    assert_eq!(h.token_balance(keeper.token).await, 34_263_000);
    assert_eq!(h.exchange_state().await.insurance_balance, 17_131_500);
    assert_eq!(m.being_liquidated, 0, "restored to maintenance plus buffer");
    let v = h.view(&alice, &[]).await;
    assert!(v.cross.equity as i128 * 10 >= v.cross.maintenance_margin as i128 * 11);
    // Restored: liquidating again is refused.
    let again = h.liquidate_cross_ix(&keeper, &alice, BTC, ALL).await;
    h.expect_failure(&[again], &[&keeper.key], code(ErrorCode::NotLiquidatable)).await;

    // $47,400: equity $117.8055 — no partial size restores, so the rest closes, and the
    // reward ($203.58 due) is capped at what the domain holds; insurance gets nothing.
    h.set_price(BTC, 47_400.0, 0.0).await;
    let ixn = h.liquidate_cross_ix(&keeper, &alice, BTC, ALL).await;
    h.ok(&[ixn], &[&keeper.key]).await;
    let m = h.margin(alice.account).await;
    assert_eq!((m.cross_positions[0].base, m.cross_collateral), (0, 0));
    assert_eq!(h.token_balance(keeper.token).await, 34_263_000 + 117_805_500);
    assert_eq!(h.exchange_state().await.insurance_balance, 17_131_500);
}

#[tokio::test]
async fn liquidating_an_isolated_position_leaves_cross_and_other_positions_byte_identical() {
    let (mut h, keeper) = setup().await;
    let eth = h.add_push_market(3_000.0, frictionless()).await.index;
    h.set_price(eth, 3_000.0, 0.0).await;
    let bob = h.user("bob", 1_000_000 * USD).await;
    h.deposit(&bob, 20_000 * USD).await;
    h.trade(&bob, BTC, UNIT, MarginMode::Isolated, 20).await; // $2,500 isolated
    h.trade(&bob, eth, UNIT, MarginMode::Cross, 10).await;
    let sol = h.add_push_market(100.0, frictionless()).await.index;
    h.set_price(sol, 100.0, 0.0).await;
    h.trade(&bob, sol, 10 * UNIT, MarginMode::StrictIsolated, 5).await;
    let sol_key = ix::isolated_pda(&bob.account, sol);
    let cross_bytes = h.account(bob.account).await.unwrap().data;
    let sol_bytes = h.account(sol_key).await.unwrap().data;
    h.set_price(BTC, 48_000.0, 0.0).await; // isolated equity $500 < $1,200
    let ixn = h.liquidate_isolated_ix(&keeper, &bob, BTC, ALL);
    h.ok(&[ixn], &[&keeper.key]).await;
    assert_eq!(h.account(bob.account).await.unwrap().data, cross_bytes, "margin account (cross) untouched");
    assert_eq!(h.account(sol_key).await.unwrap().data, sol_bytes, "other isolated position untouched");
    assert!(h.isolated(&bob, BTC).await.base < UNIT);
}

#[tokio::test]
async fn liquidating_cross_never_touches_isolated_positions() {
    let (mut h, keeper) = setup().await;
    let eth = h.add_push_market(3_000.0, frictionless()).await.index;
    h.set_price(eth, 3_000.0, 0.0).await;
    let bob = h.user("bob", 1_000_000 * USD).await;
    h.deposit(&bob, 5_000 * USD).await;
    h.trade(&bob, eth, UNIT, MarginMode::StrictIsolated, 2).await; // $1,500 locked
    h.trade(&bob, BTC, UNIT, MarginMode::Cross, 20).await; // cross holds $3,500
    let iso_key = ix::isolated_pda(&bob.account, eth);
    let iso_bytes = h.account(iso_key).await.unwrap().data;
    h.set_price(BTC, 47_000.0, 0.0).await; // cross equity $500 < $1,175
    let ixn = h.liquidate_cross_ix(&keeper, &bob, BTC, ALL).await;
    h.ok(&[ixn], &[&keeper.key]).await;
    assert_eq!(h.account(iso_key).await.unwrap().data, iso_bytes, "isolated position untouched");
}

#[tokio::test]
async fn strict_isolated_positions_are_liquidated_like_isolated_ones_and_dust_closes_in_full() {
    let (mut h, keeper) = setup().await;
    let dusty = MarketParams { dust_notional: 45_000 * USD, ..frictionless() };
    let admin = h.admin.insecure_clone();
    let market = h.markets[0].address;
    h.ok(&[ix::update_market(solana_signer::Signer::pubkey(&admin), market, dusty)], &[&admin]).await;
    let carol = long_one_btc(&mut h, "carol", 2_600 * USD, MarginMode::StrictIsolated).await;
    h.set_price(BTC, 48_600.0, 0.0).await;
    // 0.141 BTC would restore it, but the $41,500 left would be below the $45,000 dust line.
    let ixn = h.liquidate_isolated_ix(&keeper, &carol, BTC, ALL);
    h.ok(&[ixn], &[&keeper.key]).await;
    let p = h.isolated(&carol, BTC).await;
    assert_eq!(p.base, 0);
    // The position held $2,500 (1 BTC at 20x) and lost $1,400: equity $1,100. Whole notional
    // $48,600: reward $243, insurance $121.50 → $735.50 left.
    assert_eq!(p.collateral, 1_100_000_000 - 243_000_000 - 121_500_000);
    // The owner sweeps it back to cross by closing the flat position.
    h.ok(&[ix::close_isolated_position(carol.pubkey(), carol.account, BTC)], &[&carol.key]).await;
    assert_eq!(h.margin(carol.account).await.cross_collateral, 100_000_000 + 735_500_000);
}

#[tokio::test]
async fn liquidation_across_a_tier_boundary_uses_the_continuous_maintenance() {
    let (mut h, keeper) = setup().await;
    let whale = h.user("whale", 10_000_000 * USD).await;
    h.deposit(&whale, 25_000 * USD).await;
    h.trade(&whale, BTC, 2_200 * MILLI, MarginMode::Cross, 10).await; // $110,000, 10x tier
                                                                      // At $40,000: notional $88,000 (20x tier), MM $2,200; equity 25,000 − 22,000 = $3,000.
    h.set_price(BTC, 40_000.0, 0.0).await;
    let healthy = h.liquidate_cross_ix(&keeper, &whale, BTC, ALL).await;
    h.expect_failure(&[healthy], &[&keeper.key], code(ErrorCode::NotLiquidatable)).await;
    // At $39,500: equity $1,900 < MM $2,172.50 → liquidated to MM × 1.1 in the 20x tier.
    h.set_price(BTC, 39_500.0, 0.0).await;
    let ixn = h.liquidate_cross_ix(&keeper, &whale, BTC, ALL).await;
    h.ok(&[ixn], &[&keeper.key]).await;
    let v = h.view(&whale, &[]).await;
    assert!(!v.cross.liquidatable);
    assert!(v.cross.equity as i128 * 10 >= v.cross.maintenance_margin as i128 * 11);
}

#[tokio::test]
async fn bankruptcy_is_covered_by_insurance_first_then_the_pool() {
    let (mut h, keeper) = setup().await;
    // Fund insurance with one partial liquidation: $17.1315 (see the three-step test).
    let alice = long_one_btc(&mut h, "alice", 2_600 * USD, MarginMode::Cross).await;
    h.set_price(BTC, 48_600.0, 0.0).await;
    let ixn = h.liquidate_cross_ix(&keeper, &alice, BTC, ALL).await;
    h.ok(&[ixn], &[&keeper.key]).await;
    let insurance = h.exchange_state().await.insurance_balance;
    assert_eq!(insurance, 17_131_500);
    h.set_price(BTC, 48_600.0, 0.0).await;
    let bob = long_one_btc(&mut h, "bob", 3_000 * USD, MarginMode::Isolated).await;
    let p0 = h.isolated(&bob, BTC).await;
    let entry_equity = p0.collateral;
    h.set_price(BTC, 46_100.0, 0.0).await;
    let pool_before = h.exchange_state().await.pool_balance;
    let ixn = h.liquidate_isolated_ix(&keeper, &bob, BTC, ALL);
    h.ok(&[ixn], &[&keeper.key]).await;
    if let Some(events) = h.events::<ballast::events::BadDebtCovered>() {
        let e = &events[0];
        assert_eq!(
            (e.bad_debt, e.insurance_paid, e.pool_paid, e.uncovered),
            (70_000_000, insurance, 70_000_000 - insurance, 0),
            "the event states both amounts"
        );
    }
    // Loss 1 × (48,600 − 46,100) = $2,500 on $2,430 of collateral → −$70 of bad debt.
    assert_eq!(entry_equity, 2_430_000_000);
    let p = h.isolated(&bob, BTC).await;
    assert_eq!((p.base, p.collateral), (0, 0));
    let ex = h.exchange_state().await;
    assert_eq!(ex.insurance_balance, 0, "insurance paid first, all of it");
    // The pool took the other side of the loss (+$2,500 realised) and paid the rest of the debt.
    assert_eq!(ex.pool_balance, pool_before + 2_500_000_000 - (70_000_000 - insurance));
}

#[tokio::test]
async fn with_an_empty_insurance_fund_the_pool_pays_all_bad_debt() {
    let (mut h, keeper) = setup().await;
    let bob = long_one_btc(&mut h, "bob", 3_000 * USD, MarginMode::Isolated).await;
    let collateral = h.isolated(&bob, BTC).await.collateral; // $2,500
    h.set_price(BTC, 47_000.0, 0.0).await; // loss $3,000 → debt $500
    let pool_before = h.exchange_state().await.pool_balance;
    let ixn = h.liquidate_isolated_ix(&keeper, &bob, BTC, ALL);
    h.ok(&[ixn], &[&keeper.key]).await;
    assert_eq!(collateral, 2_500_000_000);
    assert_eq!(h.exchange_state().await.pool_balance, pool_before + 3_000_000_000 - 500_000_000);
    assert_eq!(h.token_balance(keeper.token).await, 0, "nothing to reward from a bankrupt domain");
}

#[tokio::test]
async fn a_second_liquidation_in_the_same_slot_after_restoration_fails() {
    let (mut h, keeper) = setup().await;
    let alice = long_one_btc(&mut h, "alice", 2_600 * USD, MarginMode::Cross).await;
    h.set_price(BTC, 48_600.0, 0.0).await;
    let first = h.liquidate_cross_ix(&keeper, &alice, BTC, ALL).await;
    let second = h.liquidate_cross_ix(&keeper, &alice, BTC, 500 * MILLI as u64).await;
    h.hold_slot = true;
    h.ok(&[first], &[&keeper.key]).await;
    h.expect_failure(&[second], &[&keeper.key], code(ErrorCode::NotLiquidatable)).await;
    h.hold_slot = false;
}

#[tokio::test]
async fn many_small_liquidations_never_earn_more_than_one_large_one() {
    let mut earned = vec![];
    for max_base in [ALL, 50 * MILLI as u64, 7 * MILLI as u64] {
        let (mut h, keeper) = setup().await;
        let alice = long_one_btc(&mut h, "alice", 2_600 * USD, MarginMode::Cross).await;
        h.set_price(BTC, 48_600.0, 0.0).await;
        let mut calls = 0;
        loop {
            let ixn = h.liquidate_cross_ix(&keeper, &alice, BTC, max_base).await;
            match h.send(&[ixn], &[&keeper.key]).await {
                Ok(_) => calls += 1,
                Err(e) => {
                    assert_eq!(custom_code(&e), Some(code(ErrorCode::NotLiquidatable)));
                    break;
                }
            }
            assert!(h.margin(alice.account).await.being_liquidated == 1 || calls >= 1);
        }
        earned.push((calls, h.token_balance(keeper.token).await, h.margin(alice.account).await.cross_positions[0].base));
    }
    let (one_call, large, left) = earned[0];
    assert_eq!(one_call, 1);
    for &(calls, small, rest) in &earned[1..] {
        assert!(calls > 1, "max_base bounds each call");
        assert!(small <= large, "{small} > {large}");
        assert_eq!(rest, left, "the same size ends up closed");
    }
}

#[tokio::test]
async fn stale_or_non_positive_prices_and_wrong_accounts_are_refused() {
    let (mut h, keeper) = setup().await;
    let alice = long_one_btc(&mut h, "alice", 2_600 * USD, MarginMode::Cross).await;
    let bob = long_one_btc(&mut h, "bob", 2_600 * USD, MarginMode::Isolated).await;
    h.set_price(BTC, 48_000.0, 0.0).await;
    h.advance_time(61);
    let stale = h.liquidate_cross_ix(&keeper, &alice, BTC, ALL).await;
    h.expect_failure(&[stale], &[&keeper.key], code(ErrorCode::OracleStale)).await;
    let stale = h.liquidate_isolated_ix(&keeper, &bob, BTC, ALL);
    h.expect_failure(&[stale], &[&keeper.key], code(ErrorCode::OracleStale)).await;
    h.set_price(BTC, 0.0, 0.0).await;
    let zero = h.liquidate_cross_ix(&keeper, &alice, BTC, ALL).await;
    h.expect_failure(&[zero], &[&keeper.key], code(ErrorCode::OracleNonPositive)).await;
    h.set_price(BTC, 48_000.0, 0.0).await;
    // max_base below one lot.
    let tiny = h.liquidate_cross_ix(&keeper, &alice, BTC, 1).await;
    h.expect_failure(&[tiny], &[&keeper.key], code(ErrorCode::LiquidationSizeTooSmall)).await;
    // Another market's oracle, another market, a decoy vault.
    let eth = h.add_push_market(3_000.0, frictionless()).await;
    let mut wrong_oracle = h.liquidate_isolated_ix(&keeper, &bob, BTC, ALL);
    wrong_oracle.accounts[3].pubkey = eth.oracle;
    h.expect_failure(&[wrong_oracle], &[&keeper.key], code(ErrorCode::WrongOracle)).await;
    // Bob's BTC position named with the ETH market.
    let mut wrong_market = ix::liquidate_isolated(keeper.pubkey(), keeper.token, bob.account, eth.index, eth.oracle, ALL);
    wrong_market.accounts[4].pubkey = ix::isolated_pda(&bob.account, BTC);
    h.expect_failure(&[wrong_market], &[&keeper.key], code(ErrorCode::WrongIsolatedPosition)).await;
    let no_position = ix::liquidate_cross(
        keeper.pubkey(),
        keeper.token,
        alice.account,
        eth.index,
        eth.oracle,
        ALL,
        &[h.markets[0].address, h.markets[0].oracle],
    );
    h.expect_failure(&[no_position], &[&keeper.key], code(ErrorCode::NoOpenPosition)).await;
    let decoy = h.create_token_account(keeper.pubkey(), h.mint).await;
    let mut wrong_vault = h.liquidate_cross_ix(&keeper, &alice, BTC, ALL).await;
    wrong_vault.accounts[5].pubkey = decoy;
    h.expect_failure(&[wrong_vault], &[&keeper.key], code(ErrorCode::WrongVault)).await;
    // The real thing works.
    let ok = h.liquidate_cross_ix(&keeper, &alice, BTC, ALL).await;
    h.ok(&[ok], &[&keeper.key]).await;
}

#[tokio::test]
async fn max_base_bounds_the_close_and_the_liquidation_continues_until_restored() {
    let (mut h, keeper) = setup().await;
    let alice = long_one_btc(&mut h, "alice", 2_600 * USD, MarginMode::Cross).await;
    h.set_price(BTC, 48_600.0, 0.0).await;
    let ixn = h.liquidate_cross_ix(&keeper, &alice, BTC, 100 * MILLI as u64).await;
    h.ok(&[ixn], &[&keeper.key]).await;
    let m = h.margin(alice.account).await;
    assert_eq!(m.cross_positions[0].base, 900 * MILLI);
    assert_eq!(m.last_active_slot, h.slot, "a liquidation is activity on the account");
    // Above maintenance now, but below the buffer: flagged, so the next call may finish it.
    assert_eq!(m.being_liquidated, 1);
    assert!(!h.view(&alice, &[]).await.cross.liquidatable);
    let ixn = h.liquidate_cross_ix(&keeper, &alice, BTC, ALL).await;
    h.ok(&[ixn], &[&keeper.key]).await;
    let m = h.margin(alice.account).await;
    assert_eq!((m.cross_positions[0].base, m.being_liquidated), (859 * MILLI, 0));
}

#[tokio::test]
async fn a_deposit_ends_an_in_progress_liquidation() {
    let (mut h, keeper) = setup().await;
    let alice = long_one_btc(&mut h, "alice", 2_600 * USD, MarginMode::Cross).await;
    h.set_price(BTC, 48_600.0, 0.0).await;
    let ixn = h.liquidate_cross_ix(&keeper, &alice, BTC, 100 * MILLI as u64).await;
    h.ok(&[ixn], &[&keeper.key]).await;
    assert_eq!(h.margin(alice.account).await.being_liquidated, 1);
    h.deposit(&alice, USD).await;
    assert_eq!(h.margin(alice.account).await.being_liquidated, 0);
    let ixn = h.liquidate_cross_ix(&keeper, &alice, BTC, ALL).await;
    h.expect_failure(&[ixn], &[&keeper.key], code(ErrorCode::NotLiquidatable)).await;
}
