//! Opt-in automatic top-ups (SPEC §5 `set_margin_guard`, `execute_margin_guard`): any
//! keeper moves the configured amount from cross into an isolated position whose
//! equity/maintenance ratio fell below its trigger, for a fixed tip, within a lifetime cap.

use ballast::error::ErrorCode;
use ballast::state::{MarginMode, MarketParams};
use ballast_tests::*;

const BTC: u16 = 0;
const ALL: u64 = u64::MAX;

/// Frictionless market; `name` holds $4,000: 1 BTC isolated at 20x ($2,500) and $1,500 cross.
async fn setup() -> (Harness, User, User) {
    let params = MarketParams { spread_ppm: 0, ..default_market_params() };
    let mut h = Harness::with(|p| ballast::instructions::ExchangeParams { taker_fee_ppm: 0, ..p }, params).await;
    h.set_price(BTC, 50_000.0, 0.0).await;
    let keeper = h.user("keeper", 0).await;
    let bob = h.user("bob", 100_000 * USD).await;
    h.deposit(&bob, 4_000 * USD).await;
    h.trade(&bob, BTC, UNIT, MarginMode::Isolated, 20).await;
    (h, keeper, bob)
}

fn guard(h: &Harness, keeper: &User, user: &User) -> anchor_lang::solana_program::instruction::Instruction {
    ix::execute_margin_guard(keeper.pubkey(), keeper.token, user.account, BTC, h.markets[0].oracle, &[])
}

#[tokio::test]
async fn a_falling_price_triggers_one_top_up_that_prevents_a_liquidation() {
    let (mut h, keeper, bob) = setup().await;
    // Carol has the same position and no guard.
    let carol = h.user("carol", 100_000 * USD).await;
    h.deposit(&carol, 4_000 * USD).await;
    h.trade(&carol, BTC, UNIT, MarginMode::Isolated, 20).await;
    // Trigger at 150% of maintenance, $500 per top-up, at most $1,000 in all.
    h.ok(&[ix::set_margin_guard(bob.pubkey(), bob.account, BTC, 1_500_000, 500 * USD, 1_000 * USD)], &[&bob.key]).await;
    // $48,800: equity $1,300 / maintenance $1,220 = 106.6% < 150%.
    h.set_price(BTC, 48_800.0, 0.0).await;
    let ixn = guard(&h, &keeper, &bob);
    h.ok(&[ixn], &[&keeper.key]).await;
    let p = h.isolated(&bob, BTC).await;
    assert_eq!((p.collateral, p.guard.used_total), (3_000 * USD as i64, 500 * USD));
    assert_eq!(h.margin(bob.account).await.cross_collateral, 1_500 * USD as i64 - 500 * USD as i64 - 100_000);
    assert_eq!(h.token_balance(keeper.token).await, 100_000, "the fixed $0.10 tip");
    // $48,600: Carol (equity $1,100 < $1,215) is liquidated; Bob ($1,600) is not.
    h.set_price(BTC, 48_600.0, 0.0).await;
    let carol_liq = h.liquidate_isolated_ix(&keeper, &carol, BTC, ALL);
    h.ok(&[carol_liq], &[&keeper.key]).await;
    let bob_liq = h.liquidate_isolated_ix(&keeper, &bob, BTC, ALL);
    h.expect_failure(&[bob_liq], &[&keeper.key], code(ErrorCode::NotLiquidatable)).await;
}

#[tokio::test]
async fn a_guard_above_its_trigger_is_refused() {
    let (mut h, keeper, bob) = setup().await;
    h.ok(&[ix::set_margin_guard(bob.pubkey(), bob.account, BTC, 1_500_000, 500 * USD, 1_000 * USD)], &[&bob.key]).await;
    // At $50,000 the ratio is 200%.
    let ixn = guard(&h, &keeper, &bob);
    h.expect_failure(&[ixn], &[&keeper.key], code(ErrorCode::GuardNotTriggered)).await;
}

#[tokio::test]
async fn the_lifetime_cap_stops_further_top_ups() {
    let (mut h, keeper, bob) = setup().await;
    h.ok(&[ix::set_margin_guard(bob.pubkey(), bob.account, BTC, 1_500_000, 500 * USD, 1_000 * USD)], &[&bob.key]).await;
    h.set_price(BTC, 48_600.0, 0.0).await;
    for _ in 0..2 {
        let ixn = guard(&h, &keeper, &bob);
        h.ok(&[ixn], &[&keeper.key]).await; // 1,100 → 1,600 → 2,100 (ratios 90%, 132%)
    }
    h.set_price(BTC, 47_600.0, 0.0).await; // equity $1,100, ratio 92%
    let ixn = guard(&h, &keeper, &bob);
    h.expect_failure(&[ixn], &[&keeper.key], code(ErrorCode::GuardCapReached)).await;
}

#[tokio::test]
async fn a_guard_never_takes_cross_below_its_initial_margin_or_runs_unset() {
    let (mut h, keeper, bob) = setup().await;
    let unset = guard(&h, &keeper, &bob);
    h.expect_failure(&[unset], &[&keeper.key], code(ErrorCode::GuardNotSet)).await;
    // A top-up larger than cross holds.
    h.ok(&[ix::set_margin_guard(bob.pubkey(), bob.account, BTC, 1_500_000, 1_500 * USD, 3_000 * USD)], &[&bob.key]).await;
    h.set_price(BTC, 48_600.0, 0.0).await;
    let ixn = guard(&h, &keeper, &bob);
    h.expect_failure(&[ixn], &[&keeper.key], code(ErrorCode::InsufficientCrossMargin)).await;
}

#[tokio::test]
async fn only_the_owner_sets_a_guard_and_its_parameters_are_checked() {
    let (mut h, _keeper, bob) = setup().await;
    let k = &bob.key;
    for (trigger, top_up, max) in [(1_000_000, 1, 1), (1_500_000, 0, 1), (1_500_000, 10, 9)] {
        let ixn = ix::set_margin_guard(bob.pubkey(), bob.account, BTC, trigger, top_up, max);
        h.expect_failure(&[ixn], &[k], code(ErrorCode::InvalidGuardParams)).await;
    }
    let dave = h.user("dave", 0).await;
    h.ok(&[ix::set_delegate(bob.pubkey(), bob.account, dave.pubkey())], &[k]).await;
    let by_delegate = ix::set_margin_guard(dave.pubkey(), bob.account, BTC, 1_500_000, USD, USD);
    h.expect_failure(&[by_delegate], &[&dave.key], code(ErrorCode::NotOwner)).await;
    // Clearing.
    h.ok(&[ix::set_margin_guard(bob.pubkey(), bob.account, BTC, 1_500_000, USD, USD)], &[k]).await;
    h.ok(&[ix::set_margin_guard(bob.pubkey(), bob.account, BTC, 0, 0, 0)], &[k]).await;
    assert_eq!(h.isolated(&bob, BTC).await.guard.enabled, 0);
}
