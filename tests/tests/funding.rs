//! Funding (SPEC §7): a skew-based continuous rate, a cumulative index per side, the pool
//! taking the imbalance, lazy settlement on every touch, and no interval paid twice.
//! The market is frictionless (no fee, no spread) so every dollar is funding.

use ballast::error::ErrorCode;
use ballast::state::{MarginMode, Market, MarketParams};
use ballast_tests::*;

const BTC: u16 = 0;
const MILLI: i64 = UNIT / 1_000;
const HOUR: i64 = 3_600;

async fn skewed_market() -> (Harness, User, User) {
    let params = MarketParams { spread_ppm: 0, ..default_market_params() };
    let mut h = Harness::with(|p| ballast::instructions::ExchangeParams { taker_fee_ppm: 0, ..p }, params).await;
    h.set_price(BTC, 50_000.0, 0.0).await;
    let alice = h.user("alice", 100_000 * USD).await;
    let bob = h.user("bob", 100_000 * USD).await;
    h.deposit(&alice, 50_000 * USD).await;
    h.deposit(&bob, 50_000 * USD).await;
    h.trade(&alice, BTC, 2 * UNIT, MarginMode::Cross, 10).await; // long 2
    h.trade(&bob, BTC, -UNIT, MarginMode::Cross, 10).await; // short 1
    (h, alice, bob)
}

async fn crank(h: &mut Harness) {
    let oracle = h.markets[0].oracle;
    h.ok(&[ix::update_funding(BTC, oracle)], &[]).await;
}

#[tokio::test]
async fn a_long_skew_makes_longs_pay_shorts_and_the_pool_keeps_the_imbalance() {
    let (mut h, alice, bob) = skewed_market().await;
    // Skew (2 − 1) / 3 at k = 100 ppm/h → 33 ppm/h (rounded toward zero).
    // Three hours at $50,000: 50,000 × 33e-6 × 3 = $4.95 per BTC.
    h.advance_time(3 * HOUR);
    h.set_price(BTC, 50_000.0, 0.0).await;
    crank(&mut h).await;
    let m: Market = h.load(h.markets[0].address).await;
    assert_eq!(m.cumulative_funding_long.get(), 4_950_000_000_000);
    assert_eq!(m.cumulative_funding_short.get(), -4_950_000_000_000);
    assert_eq!(h.view(&alice, &[]).await.cross.positions[0].pending_funding, 9_900_000); // 2 × $4.95
    assert_eq!(h.view(&bob, &[]).await.cross.positions[0].pending_funding, -4_950_000);

    // Settlement is lazy: a touch settles it into collateral against the pool.
    let pool0 = h.exchange_state().await.pool_balance;
    let a0 = h.margin(alice.account).await.cross_collateral;
    let b0 = h.margin(bob.account).await.cross_collateral;
    h.trade(&alice, BTC, -MILLI, MarginMode::Cross, 0).await; // same price: no PnL
    h.trade(&bob, BTC, MILLI, MarginMode::Cross, 0).await;
    assert_eq!(h.margin(alice.account).await.cross_collateral, a0 - 9_900_000);
    assert_eq!(h.margin(bob.account).await.cross_collateral, b0 + 4_950_000);
    assert_eq!(h.exchange_state().await.pool_balance, pool0 + 9_900_000 - 4_950_000, "the pool keeps the $4.95 imbalance");
}

#[tokio::test]
async fn funding_is_never_applied_twice_for_one_interval() {
    let (mut h, alice, _bob) = skewed_market().await;
    h.advance_time(HOUR);
    h.set_price(BTC, 50_000.0, 0.0).await;
    crank(&mut h).await;
    let once: Market = h.load(h.markets[0].address).await;
    crank(&mut h).await; // same second: nothing more accrues
    let twice: Market = h.load(h.markets[0].address).await;
    assert_eq!(once.cumulative_funding_long, twice.cumulative_funding_long);
    assert_eq!(once.last_funding_ts, h.now);
    // 1 h × 33 ppm × $50,000 = $1.65 per BTC; Alice pays $3.30 exactly once.
    let c0 = h.margin(alice.account).await.cross_collateral;
    h.trade(&alice, BTC, -MILLI, MarginMode::Cross, 0).await;
    h.trade(&alice, BTC, -MILLI, MarginMode::Cross, 0).await;
    assert_eq!(h.margin(alice.account).await.cross_collateral, c0 - 3_300_000);
    // Accruing in two halves gives the same index as once over the whole interval.
    h.advance_time(HOUR / 2);
    h.set_price(BTC, 50_000.0, 0.0).await;
    crank(&mut h).await;
    h.advance_time(HOUR / 2);
    h.set_price(BTC, 50_000.0, 0.0).await;
    crank(&mut h).await;
    let m: Market = h.load(h.markets[0].address).await;
    let oi = (m.open_interest_long as i128, m.open_interest_short as i128);
    assert_eq!(oi, (1_998 * MILLI as i128, UNIT as i128));
    // Skew 0.998/2.998 → 33 ppm/h again; two half-hours = one hour of $1.65.
    assert_eq!(m.cumulative_funding_long.get() - twice.cumulative_funding_long.get(), 1_650_000_000_000);
}

#[tokio::test]
async fn a_short_skew_reverses_the_flow() {
    let (mut h, alice, bob) = skewed_market().await;
    h.trade(&bob, BTC, -2 * UNIT, MarginMode::Cross, 0).await; // now long 2, short 3
    h.advance_time(HOUR);
    h.set_price(BTC, 50_000.0, 0.0).await;
    crank(&mut h).await;
    // Skew (2 − 3) / 5 → −20 ppm/h: shorts pay $1 per BTC per hour, longs receive it.
    assert_eq!(h.view(&bob, &[]).await.cross.positions[0].pending_funding, 3_000_000);
    assert_eq!(h.view(&alice, &[]).await.cross.positions[0].pending_funding, -2_000_000);
}

#[tokio::test]
async fn the_crank_refuses_a_foreign_oracle() {
    let (mut h, _alice, _bob) = skewed_market().await;
    let other = h.create_push_oracle(1.0).await;
    h.expect_failure(&[ix::update_funding(BTC, other)], &[], code(ErrorCode::WrongOracle)).await;
}
