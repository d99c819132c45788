//! Volatility-scaled leverage (docs/MATH.md, "Volatility-scaled leverage"): a burst of ±8%
//! moves lowers the leverage new risk may take and refuses a 20x open; calm restores it;
//! open positions' maintenance margin never moves with it.
//!
//! BTC with 20x below $100k, no spread, zero confidence; volatility target 5% per hour,
//! floor 10%, half-life one hour. Each price is sampled by a funding crank at the time it
//! is published. Expected estimates are computed independently with exact integers
//! (Python's arbitrary-precision arithmetic, the formula of docs/MATH.md):
//!
//! | after | variance (ppm²/h) | ⌈√⌉ vol | scale | max leverage |
//! |---|---:|---:|---:|---:|
//! | +8% (60 s) | 4,385,477,788 | 66,223 | 755,024 | 15 |
//! | −7.41% | 8,095,327,722 | 89,975 | 555,709 | 11 |
//! | … six moves | 23,738,609,207 | 154,074 | 324,519 | 6 |
//! | + 5 calm hours | 1,706,011,460 | 41,304 | 1,000,000 | 20 |

use ballast::error::ErrorCode;
use ballast::state::{MarginMode, MarketParams};
use ballast_tests::*;
use solana_signer::Signer;

const BTC: u16 = 0;
const MILLI: i64 = UNIT / 1_000;

fn volatile_market() -> MarketParams {
    MarketParams { spread_ppm: 0, vol_target_ppm: 50_000, vol_floor_ppm: 100_000, vol_half_life_secs: 3_600, ..default_market_params() }
}

async fn crank_at(h: &mut Harness, dollars: f64) {
    h.set_price(BTC, dollars, 0.0).await;
    let oracle = h.markets[0].oracle;
    h.ok(&[ix::update_funding(BTC, oracle)], &[]).await;
}

async fn market(h: &mut Harness) -> ballast::state::Market {
    let address = h.markets[0].address;
    h.load(address).await
}

#[tokio::test]
async fn a_burst_of_eight_percent_moves_lowers_the_leverage_for_new_risk_and_calm_restores_it() {
    let mut h = Harness::with(|p| ballast::instructions::ExchangeParams { taker_fee_ppm: 0, ..p }, volatile_market()).await;
    crank_at(&mut h, 50_000.0).await; // starts the series
    let alice = h.user("alice", 1_000_000 * USD).await;
    h.deposit(&alice, 100_000 * USD).await;
    // Calm market, no history: 20x is allowed.
    h.trade(&alice, BTC, 100 * MILLI, MarginMode::Cross, 20).await;

    // Six moves a minute apart: +8%, −7.41%, …
    for (i, dollars) in [54_000.0, 50_000.0, 54_000.0, 50_000.0, 54_000.0, 50_000.0].into_iter().enumerate() {
        h.advance_time(60);
        crank_at(&mut h, dollars).await;
        if i == 0 {
            assert_eq!(market(&mut h).await.vol_variance, 4_385_477_788);
        }
    }
    let m = market(&mut h).await;
    assert_eq!(m.vol_variance, 23_738_609_207);
    assert_eq!(m.leverage_scale_ppm().unwrap(), 324_519);

    // New risk at 20x, or 7x, is refused; 6x is allowed.
    let bob = h.user("bob", 1_000_000 * USD).await;
    h.deposit(&bob, 100_000 * USD).await;
    let open20 = h.trade_ix(&bob, BTC, 100 * MILLI, MarginMode::Cross, 20).await;
    h.expect_failure(&[open20], &[&bob.key], code(ErrorCode::LeverageAboveVolatilityCap)).await;
    let open7 = h.trade_ix(&bob, BTC, 100 * MILLI, MarginMode::Isolated, 7).await;
    h.expect_failure(&[open7], &[&bob.key], code(ErrorCode::LeverageAboveVolatilityCap)).await;
    h.trade(&bob, BTC, 100 * MILLI, MarginMode::Cross, 6).await;

    // Alice's open 20x position: maintenance stays 2.5% of $5,000 = $125 whatever the
    // volatility; its initial margin is taken at the scaled 6x: ⌈$5,000 / 6⌉.
    let v = h.view(&alice, &[]).await;
    assert_eq!(v.cross.maintenance_margin, 125 * USD);
    assert_eq!(v.cross.initial_margin, 833_333_334);
    // Raising a setting is new risk too; lowering never is.
    let lower = h.set_leverage_ix(&alice, BTC, 5).await;
    h.ok(&[lower], &[&alice.key]).await;
    let raise = h.set_leverage_ix(&alice, BTC, 10).await;
    h.expect_failure(&[raise], &[&alice.key], code(ErrorCode::LeverageAboveVolatilityCap)).await;
    let raise6 = h.set_leverage_ix(&alice, BTC, 6).await;
    h.ok(&[raise6], &[&alice.key]).await;

    // Five calm hours, one crank each: the estimate decays and 20x is back.
    for _ in 0..5 {
        h.advance_time(3_600);
        crank_at(&mut h, 50_000.0).await;
    }
    let m = market(&mut h).await;
    assert_eq!(m.vol_variance, 1_706_011_460);
    assert_eq!(m.leverage_scale_ppm().unwrap(), 1_000_000);
    let carol = h.user("carol", 1_000_000 * USD).await;
    h.deposit(&carol, 100_000 * USD).await;
    h.trade(&carol, BTC, 100 * MILLI, MarginMode::Isolated, 20).await;
    assert_eq!(h.view(&alice, &[]).await.cross.maintenance_margin, 125 * USD);
}

#[tokio::test]
async fn volatility_parameters_out_of_bounds_are_refused() {
    let mut h = Harness::new().await;
    let admin = h.admin.insecure_clone();
    let address = h.markets[0].address;
    for bad in [
        MarketParams { vol_target_ppm: 1_000_001, vol_floor_ppm: 100_000, vol_half_life_secs: 3_600, ..default_market_params() },
        MarketParams { vol_target_ppm: 50_000, vol_floor_ppm: 0, vol_half_life_secs: 3_600, ..default_market_params() },
        MarketParams { vol_target_ppm: 50_000, vol_floor_ppm: 1_000_001, vol_half_life_secs: 3_600, ..default_market_params() },
        MarketParams { vol_target_ppm: 50_000, vol_floor_ppm: 100_000, vol_half_life_secs: 59, ..default_market_params() },
        MarketParams { vol_target_ppm: 50_000, vol_floor_ppm: 100_000, vol_half_life_secs: 30 * 86_400 + 1, ..default_market_params() },
    ] {
        let ixn = ix::update_market(admin.pubkey(), address, bad);
        h.expect_failure(&[ixn], &[&admin], code(ErrorCode::InvalidVolatilityParams)).await;
    }
    // Scaling off (target 0) needs nothing else.
    let ixn = ix::update_market(admin.pubkey(), address, default_market_params());
    h.ok(&[ixn], &[&admin]).await;
}
