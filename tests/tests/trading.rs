//! Trading against the pool in cross, isolated and strict-isolated modes: fills at the
//! oracle price moved by its confidence and the spread against the trader, fees, realised
//! PnL, margin moves, and every gate.
//! Numbers in comments are hand computations (BTC at $50,000 ± $5, 0.01% half-spread, 0.05%
//! taker fee of which 20% is protocol fee, tiers 20x < $100k ≤ 10x < $500k ≤ 5x).

use anchor_lang::prelude::Pubkey;
use ballast::error::ErrorCode;
use ballast::state::{AllowedModes, MarginMode, MarketParams, MarketStatus};
use ballast_tests::*;
use solana_signer::Signer;

const BTC: u16 = 0;
const MILLI: i64 = UNIT / 1_000;

async fn with_alice(collateral: u64) -> (Harness, User) {
    let mut h = Harness::new().await;
    let alice = h.user("alice", 1_000_000 * USD).await;
    h.deposit(&alice, collateral).await;
    (h, alice)
}

#[tokio::test]
async fn a_cross_long_round_trip_pays_spread_and_fees_and_realises_its_profit() {
    let (mut h, alice) = with_alice(10_000 * USD).await;
    let pool0 = h.exchange_state().await.pool_balance;
    h.trade(&alice, BTC, UNIT, MarginMode::Cross, 10).await;
    if let Some(events) = h.events::<ballast::events::TradeExecuted>() {
        let e = &events[0];
        assert_eq!((e.base_before, e.base_after, e.fill_price, e.fee), (0, UNIT, 50_010_000_500_000, 25_005_001));
        assert_eq!(e.domain_after.collateral, 10_000_000_000 - 25_005_001);
    }
    let m = h.margin(alice.account).await;
    let slot = m.cross_positions[0];
    // Fill (50,000 + 5) × 1.0001 = $50,010.0005; fee 0.05% = $25.00500025 → up.
    assert_eq!((slot.base, slot.cost_basis, slot.leverage), (UNIT, 50_010_000_500, 10));
    assert_eq!(m.cross_collateral, 10_000_000_000 - 25_005_001);
    let ex = h.exchange_state().await;
    assert_eq!(ex.fee_balance, 5_001_000); // 20% of the fee, rounded down
    assert_eq!(ex.pool_balance, pool0 + 20_004_001);

    h.set_price(BTC, 55_000.0, 5.0).await;
    h.trade(&alice, BTC, -UNIT, MarginMode::Cross, 0).await;
    // Sell at (55,000 − 5) × 0.9999 = $54,989.5005: realised +$4,979.50, fee $27.49475025 → up.
    let m = h.margin(alice.account).await;
    assert_eq!(m.cross_collateral, 10_000_000_000 - 25_005_001 + 4_979_500_000 - 27_494_751);
    let slot = m.cross_positions[0];
    assert_eq!((slot.in_use, slot.base, slot.cost_basis, slot.leverage), (1, 0, 0, 10), "flat slot keeps the leverage setting");
    let ex = h.exchange_state().await;
    assert_eq!(ex.pool_balance, pool0 + 20_004_001 - 4_979_500_000 + (27_494_751 - 5_498_950));
    let market: ballast::state::Market = h.load(h.markets[0].address).await;
    assert_eq!((market.open_interest_long, market.open_interest_short), (0, 0));
}

#[tokio::test]
async fn opening_isolated_moves_notional_over_leverage_from_cross_and_closing_returns_the_rest() {
    let (mut h, alice) = with_alice(10_000 * USD).await;
    h.trade(&alice, BTC, UNIT, MarginMode::Isolated, 10).await;
    // Fill $50,010.0005: IM = ceil(50,010.0005 / 10) = $5,001.00005 moves, plus the opening
    // cost that the initial view sees: valued at $49,995 (price − conf) the position shows
    // −$15.0005 and needs $4,999.50, so $13.50045 more moves: $5,014.5005. The $25.005001
    // fee is paid by cross.
    let p = h.isolated(&alice, BTC).await;
    assert_eq!((p.base, p.collateral, p.leverage, p.mode), (UNIT, 5_014_500_500, 10, 1));
    let m = h.margin(alice.account).await;
    assert_eq!(m.cross_collateral, 10_000_000_000 - 5_014_500_500 - 25_005_001);
    assert_eq!(m.isolated_count, 1);
    assert_eq!(m.cross_positions[0].in_use, 0, "isolated positions take no cross slot");

    h.set_price(BTC, 47_000.0, 5.0).await;
    let cross_before = h.margin(alice.account).await.cross_collateral;
    h.trade(&alice, BTC, -UNIT, MarginMode::Isolated, 0).await;
    // Sell at (47,000 − 5) × 0.9999 = $46,990.3005: realised −$3,019.70, fee
    // $23.49515025 → up; the rest returns to cross.
    let p = h.isolated(&alice, BTC).await;
    assert_eq!((p.base, p.collateral, p.cost_basis), (0, 0, 0));
    let m = h.margin(alice.account).await;
    assert_eq!(m.cross_collateral, cross_before + 5_014_500_500 - 3_019_700_000 - 23_495_151);
}

#[tokio::test]
async fn strict_isolated_opens_like_isolated() {
    let (mut h, alice) = with_alice(10_000 * USD).await;
    h.trade(&alice, BTC, -UNIT / 2, MarginMode::StrictIsolated, 5).await;
    let p = h.isolated(&alice, BTC).await;
    // Sell 0.5 at (50,000 − 5) × 0.9999 = $49,990.0005 → notional $24,995.00025, IM at 5x
    // = $4,999.00005; valued at $50,005 the short shows −$7.49975 and needs $5,000.50 →
    // $8.9997 more: $5,007.99975.
    assert_eq!((p.base, p.mode, p.collateral), (-UNIT / 2, 2, 5_007_999_750));
}

#[tokio::test]
async fn a_loss_in_an_isolated_position_never_reaches_cross_or_another_isolated_position() {
    let mut h = Harness::new().await;
    let eth = h.add_push_market(3_000.0, default_market_params()).await.index;
    let sol = h.add_push_market(100.0, default_market_params()).await.index;
    let bob = h.user("bob", 1_000_000 * USD).await;
    h.deposit(&bob, 50_000 * USD).await;
    h.trade(&bob, BTC, UNIT / 10, MarginMode::Cross, 10).await;
    h.trade(&bob, eth, 2 * UNIT, MarginMode::Isolated, 10).await;
    h.trade(&bob, sol, -10 * UNIT, MarginMode::StrictIsolated, 5).await;
    let cross = h.margin(bob.account).await;
    let sol_pos = h.isolated(&bob, sol).await;
    let sol_key = ix::isolated_pda(&bob.account, sol);
    let sol_bytes = h.account(sol_key).await.unwrap().data;
    // ETH crashes 30% and Bob cuts half of it: the loss stays inside the ETH position.
    h.set_price(eth, 2_100.0, 1.0).await;
    h.trade(&bob, eth, -UNIT, MarginMode::Isolated, 0).await;
    let after = h.margin(bob.account).await;
    assert_eq!(after.cross_collateral, cross.cross_collateral, "cross collateral untouched");
    assert_eq!(after.cross_positions, cross.cross_positions, "cross positions untouched");
    assert_eq!(h.account(sol_key).await.unwrap().data, sol_bytes, "other isolated position byte-identical");
    let eth_pos = h.isolated(&bob, eth).await;
    assert!(eth_pos.collateral < 600 * USD as i64, "ETH position carried its own loss: {}", eth_pos.collateral);
    assert_eq!(sol_pos.collateral, h.isolated(&bob, sol).await.collateral);
}

#[tokio::test]
async fn cross_profit_never_backs_an_isolated_position() {
    let mut h = Harness::new().await;
    let eth = h.add_push_market(3_000.0, default_market_params()).await.index;
    let bob = h.user("bob", 1_000_000 * USD).await;
    h.deposit(&bob, 1_000 * USD).await;
    h.trade(&bob, BTC, UNIT / 100, MarginMode::Cross, 10).await; // $500
                                                                 // BTC doubles: cross has $500 of profit, but cross collateral is what pays isolated margin.
    h.set_price(BTC, 100_000.0, 10.0).await;
    // 0.5 ETH at 1x needs ~$1,500 of margin from cross collateral (~$949 free): refused.
    let ixn = h.trade_ix(&bob, eth, UNIT / 2, MarginMode::Isolated, 1).await;
    h.expect_failure(&[ixn], &[&bob.key], code(ErrorCode::InsufficientCrossMargin)).await;
}

#[tokio::test]
async fn cross_profit_never_backs_an_isolated_position_even_when_cross_stays_above_its_lock() {
    let mut h = Harness::new().await;
    let eth = h.add_push_market(3_000.0, default_market_params()).await.index;
    let bob = h.user("bob", 1_000_000 * USD).await;
    h.deposit(&bob, 1_000 * USD).await;
    h.trade(&bob, BTC, UNIT / 100, MarginMode::Cross, 10).await; // $500 at $50,000
                                                                 // BTC ×10: cross holds ~$4,500 of unrealised profit on a $5,000 position whose lock is
                                                                 // $500. An isolated 0.5 ETH at 1x needs ~$1,500: cross would stay far above its lock,
                                                                 // but its collateral is $1,000, and profit that has not been realised pays nothing.
    h.set_price(BTC, 500_000.0, 10.0).await;
    let ixn = h.trade_ix(&bob, eth, UNIT / 2, MarginMode::Isolated, 1).await;
    h.expect_failure(&[ixn], &[&bob.key], code(ErrorCode::InsufficientCrossMargin)).await;
    // Within the collateral it goes through: 0.2 ETH at 1x is ~$600.
    h.trade(&bob, eth, UNIT / 5, MarginMode::Isolated, 1).await;
    assert!(h.margin(bob.account).await.cross_collateral >= 0);
}

#[tokio::test]
async fn the_mode_is_fixed_while_a_position_is_open() {
    let (mut h, alice) = with_alice(10_000 * USD).await;
    h.trade(&alice, BTC, MILLI * 100, MarginMode::Cross, 10).await;
    for mode in [MarginMode::Isolated, MarginMode::StrictIsolated] {
        let ixn = h.trade_ix(&alice, BTC, MILLI * 100, mode, 10).await;
        h.expect_failure(&[ixn], &[&alice.key], code(ErrorCode::ModeMismatch)).await;
    }
    h.trade(&alice, BTC, -MILLI * 100, MarginMode::Cross, 0).await;
    // Flat: the mode can change.
    h.trade(&alice, BTC, MILLI * 100, MarginMode::Isolated, 10).await;
    for mode in [MarginMode::Cross, MarginMode::StrictIsolated] {
        let ixn = h.trade_ix(&alice, BTC, MILLI * 100, mode, 10).await;
        h.expect_failure(&[ixn], &[&alice.key], code(ErrorCode::ModeMismatch)).await;
    }
}

#[tokio::test]
async fn increasing_needs_initial_margin_reducing_is_always_allowed() {
    let (mut h, alice) = with_alice(1_000 * USD).await;
    // 1 BTC at 20x needs $2,500.25.
    let ixn = h.trade_ix(&alice, BTC, UNIT, MarginMode::Cross, 20).await;
    h.expect_failure(&[ixn], &[&alice.key], code(ErrorCode::InsufficientMargin)).await;
    // 0.36 BTC at 20x: IM $900.09 + fee $9.0018 → fits.
    h.trade(&alice, BTC, 360 * MILLI, MarginMode::Cross, 20).await;
    // The price falls: equity ≈ $1,000 − $9 − 0.36 × $2,000 ≈ $271, below initial ($864) but above maintenance ($432)? no: below it too.
    h.set_price(BTC, 48_000.0, 5.0).await;
    let more = h.trade_ix(&alice, BTC, 10 * MILLI, MarginMode::Cross, 0).await;
    h.expect_failure(&[more], &[&alice.key], code(ErrorCode::InsufficientMargin)).await;
    // Reducing still works below initial margin.
    h.trade(&alice, BTC, -100 * MILLI, MarginMode::Cross, 0).await;
    assert_eq!(h.margin(alice.account).await.cross_positions[0].base, 260 * MILLI);
}

#[tokio::test]
async fn growing_across_a_tier_caps_leverage() {
    let (mut h, alice) = with_alice(100_000 * USD).await;
    h.trade(&alice, BTC, UNIT, MarginMode::Cross, 20).await; // $50k, tier 20x
                                                             // 2.5 BTC = $125k is in the 10x tier: 20x is no longer allowed.
    let ixn = h.trade_ix(&alice, BTC, 3 * UNIT / 2, MarginMode::Cross, 0).await;
    h.expect_failure(&[ixn], &[&alice.key], code(ErrorCode::LeverageAboveTierMax)).await;
    // Opening above the first tier's max is refused too.
    let bob = h.user("bob", 10_000 * USD).await;
    h.deposit(&bob, 10_000 * USD).await;
    let ixn = h.trade_ix(&bob, BTC, MILLI, MarginMode::Cross, 21).await;
    h.expect_failure(&[ixn], &[&bob.key], code(ErrorCode::LeverageAboveTierMax)).await;
}

#[tokio::test]
async fn malformed_orders_are_refused() {
    let (mut h, alice) = with_alice(10_000 * USD).await;
    let k = &alice.key;
    let cases = [
        (0, 10, ErrorCode::ZeroSize),
        (MILLI + 1, 10, ErrorCode::SizeNotLotMultiple),
        (MILLI, 0, ErrorCode::InvalidLeverage),
        (MILLI, 1_001, ErrorCode::InvalidLeverage),
    ];
    for (delta, lev, err) in cases {
        let ixn = h.trade_ix(&alice, BTC, delta, MarginMode::Cross, lev).await;
        h.expect_failure(&[ixn], &[k], code(err)).await;
    }
    h.trade(&alice, BTC, MILLI, MarginMode::Cross, 10).await;
    let ixn = h.trade_ix(&alice, BTC, MILLI, MarginMode::Cross, 5).await;
    h.expect_failure(&[ixn], &[k], code(ErrorCode::LeverageMismatch)).await;
}

#[tokio::test]
async fn the_limit_price_is_honoured() {
    let (mut h, alice) = with_alice(10_000 * USD).await;
    let price = |d: u64| d * 1_000_000_000; // dollars in the price scale
                                            // A buy fills at $50,010.0005: one unit of the price scale less is refused.
    let ixn = h.trade_limit_ix(&alice, BTC, MILLI, price(50_010) + 499_999, MarginMode::Cross, 10).await;
    h.expect_failure(&[ixn], &[&alice.key], code(ErrorCode::LimitPriceExceeded)).await;
    let ixn = h.trade_limit_ix(&alice, BTC, MILLI, price(50_010) + 500_000, MarginMode::Cross, 10).await;
    h.ok(&[ixn], &[&alice.key]).await;
    // A sell fills at $49,990.0005.
    let ixn = h.trade_limit_ix(&alice, BTC, -MILLI, price(49_990) + 500_001, MarginMode::Cross, 0).await;
    h.expect_failure(&[ixn], &[&alice.key], code(ErrorCode::LimitPriceExceeded)).await;
    let ixn = h.trade_limit_ix(&alice, BTC, -MILLI, price(49_990) + 500_000, MarginMode::Cross, 0).await;
    h.ok(&[ixn], &[&alice.key]).await;
}

#[tokio::test]
async fn a_long_flips_to_a_short_in_one_trade() {
    let (mut h, alice) = with_alice(20_000 * USD).await;
    h.trade(&alice, BTC, UNIT, MarginMode::Cross, 10).await;
    h.trade(&alice, BTC, -2 * UNIT, MarginMode::Cross, 0).await;
    let slot = h.margin(alice.account).await.cross_positions[0];
    // Short 1 at (50,000 − 5) × 0.9999 = $49,990.0005.
    assert_eq!((slot.base, slot.cost_basis), (-UNIT, -49_990_000_500));
    let market: ballast::state::Market = h.load(h.markets[0].address).await;
    assert_eq!((market.open_interest_long, market.open_interest_short), (0, UNIT as u64));
}

#[tokio::test]
async fn stale_or_uncertain_prices_block_every_fill_but_never_deposits() {
    let (mut h, alice) = with_alice(10_000 * USD).await;
    h.trade(&alice, BTC, 100 * MILLI, MarginMode::Cross, 10).await;
    // Every fill against the pool, reductions included, needs a valid price no older than
    // the 30 s fill age (the audit's H-2): a stale close is latency arbitrage on the pool.
    h.advance_time(61);
    let ixn = h.trade_ix(&alice, BTC, MILLI, MarginMode::Cross, 0).await;
    h.expect_failure(&[ixn], &[&alice.key], code(ErrorCode::OracleStale)).await;
    let ixn = h.trade_ix(&alice, BTC, -10 * MILLI, MarginMode::Cross, 0).await;
    h.expect_failure(&[ixn], &[&alice.key], code(ErrorCode::OracleStale)).await;
    h.deposit(&alice, 10 * USD).await;
    let w = h.withdraw_ix(&alice, USD).await;
    h.expect_failure(&[w], &[&alice.key], code(ErrorCode::OracleStale)).await;
    // Fresh but 2.1% wide: too uncertain for any fill.
    h.set_price(BTC, 50_000.0, 1_050.0).await;
    let ixn = h.trade_ix(&alice, BTC, MILLI, MarginMode::Cross, 0).await;
    h.expect_failure(&[ixn], &[&alice.key], code(ErrorCode::OracleTooUncertain)).await;
    let ixn = h.trade_ix(&alice, BTC, -10 * MILLI, MarginMode::Cross, 0).await;
    h.expect_failure(&[ixn], &[&alice.key], code(ErrorCode::OracleTooUncertain)).await;
    // A fresh, confident price: the reduction fills.
    h.set_price(BTC, 50_000.0, 5.0).await;
    h.trade(&alice, BTC, -10 * MILLI, MarginMode::Cross, 0).await;
}

#[tokio::test]
async fn reduce_only_and_paused_markets_and_allowed_modes_are_enforced() {
    let (mut h, alice) = with_alice(10_000 * USD).await;
    h.trade(&alice, BTC, 100 * MILLI, MarginMode::Cross, 10).await;
    let guardian = h.guardian.insecure_clone();
    let market = Some(h.market_and_oracle(0));
    h.ok(&[ix::set_pause(guardian.pubkey(), market, MarketStatus::ReduceOnly)], &[&guardian]).await;
    let ixn = h.trade_ix(&alice, BTC, MILLI, MarginMode::Cross, 0).await;
    h.expect_failure(&[ixn], &[&alice.key], code(ErrorCode::ReduceOnly)).await;
    h.trade(&alice, BTC, -MILLI, MarginMode::Cross, 0).await;
    h.ok(&[ix::set_pause(guardian.pubkey(), market, MarketStatus::Paused)], &[&guardian]).await;
    let ixn = h.trade_ix(&alice, BTC, -MILLI, MarginMode::Cross, 0).await;
    h.expect_failure(&[ixn], &[&alice.key], code(ErrorCode::Paused)).await;

    let iso_only = MarketParams { allowed_modes: AllowedModes::IsolatedOnly, ..default_market_params() };
    let eth = h.add_push_market(3_000.0, iso_only).await.index;
    let ixn = h.trade_ix(&alice, eth, UNIT, MarginMode::Cross, 5).await;
    h.expect_failure(&[ixn], &[&alice.key], code(ErrorCode::ModeNotAllowed)).await;
    // An isolated open pays its margin out of cross: while a market of cross is paused,
    // value leaves cross for nothing (it cannot be valued safely).
    let ixn = h.trade_ix(&alice, eth, UNIT, MarginMode::Isolated, 5).await;
    h.expect_failure(&[ixn], &[&alice.key], code(ErrorCode::Paused)).await;
    let admin = h.admin.insecure_clone();
    h.ok(&[ix::set_pause(admin.pubkey(), market, MarketStatus::Active)], &[&admin]).await;
    h.trade(&alice, eth, UNIT, MarginMode::Isolated, 5).await;
    let strict_only = MarketParams { allowed_modes: AllowedModes::StrictIsolatedOnly, ..default_market_params() };
    let sol = h.add_push_market(100.0, strict_only).await.index;
    let ixn = h.trade_ix(&alice, sol, UNIT, MarginMode::Isolated, 5).await;
    h.expect_failure(&[ixn], &[&alice.key], code(ErrorCode::ModeNotAllowed)).await;
    h.trade(&alice, sol, UNIT, MarginMode::StrictIsolated, 5).await;
}

#[tokio::test]
async fn open_interest_caps_bound_each_side() {
    let mut h = Harness::new().await;
    let capped = MarketParams { max_open_interest: 2 * UNIT as u64, ..default_market_params() };
    let eth = h.add_push_market(3_000.0, capped).await.index;
    let alice = h.user("alice", 100_000 * USD).await;
    h.deposit(&alice, 100_000 * USD).await;
    h.trade(&alice, eth, 2 * UNIT, MarginMode::Cross, 5).await;
    let ixn = h.trade_ix(&alice, eth, MILLI, MarginMode::Cross, 0).await;
    h.expect_failure(&[ixn], &[&alice.key], code(ErrorCode::OpenInterestCapExceeded)).await;
    // The other side has its own cap.
    let bob = h.user("bob", 100_000 * USD).await;
    h.deposit(&bob, 100_000 * USD).await;
    h.trade(&bob, eth, -2 * UNIT, MarginMode::Cross, 5).await;
}

#[tokio::test]
async fn a_delegate_trades_but_a_stranger_cannot() {
    let (mut h, alice) = with_alice(10_000 * USD).await;
    let dave = h.user("dave", 0).await;
    h.ok(&[ix::set_delegate(alice.pubkey(), alice.account, dave.pubkey())], &[&alice.key]).await;
    let oracle = h.markets[0].oracle;
    let by_dave = ix::trade(dave.pubkey(), alice.account, BTC, oracle, MILLI, u64::MAX, MarginMode::Cross, 10, &[]);
    h.ok(&[by_dave], &[&dave.key]).await;
    let mallory = h.user("mallory", 0).await;
    let by_mallory = ix::trade(mallory.pubkey(), alice.account, BTC, oracle, MILLI, u64::MAX, MarginMode::Cross, 0, &[]);
    h.expect_failure(&[by_mallory], &[&mallory.key], code(ErrorCode::NotOwnerOrDelegate)).await;
}

#[tokio::test]
async fn health_accounts_must_match_the_position_list_exactly() {
    let mut h = Harness::new().await;
    let eth = h.add_push_market(3_000.0, default_market_params()).await;
    let sol = h.add_push_market(100.0, default_market_params()).await;
    let alice = h.user("alice", 100_000 * USD).await;
    h.deposit(&alice, 100_000 * USD).await;
    h.trade(&alice, BTC, UNIT / 10, MarginMode::Cross, 10).await;
    h.trade(&alice, eth.index, UNIT, MarginMode::Cross, 10).await;
    h.trade(&alice, sol.index, UNIT, MarginMode::Cross, 10).await;
    let btc = h.markets[0].clone();
    let full = vec![btc.address, btc.oracle, eth.address, eth.oracle, sol.address, sol.oracle];
    let w = |health: &[anchor_lang::prelude::Pubkey]| ix::withdraw(alice.pubkey(), alice.account, alice.token, USD, health);
    let k = &alice.key;
    h.expect_failure(&[w(&full[..4])], &[k], code(ErrorCode::MissingHealthAccounts)).await;
    h.expect_failure(&[w(&[full.clone(), vec![btc.address, btc.oracle]].concat())], &[k], code(ErrorCode::ExtraHealthAccounts)).await;
    let reordered = vec![eth.address, eth.oracle, btc.address, btc.oracle, sol.address, sol.oracle];
    h.expect_failure(&[w(&reordered)], &[k], code(ErrorCode::HealthAccountMismatch)).await;
    let wrong_oracle = vec![btc.address, eth.oracle, eth.address, eth.oracle, sol.address, sol.oracle];
    h.expect_failure(&[w(&wrong_oracle)], &[k], code(ErrorCode::HealthAccountMismatch)).await;
    let not_a_market = vec![alice.account, btc.oracle, eth.address, eth.oracle, sol.address, sol.oracle];
    h.expect_failure(&[w(&not_a_market)], &[k], code(ErrorCode::HealthAccountMismatch)).await;
    h.ok(&[w(&full)], &[k]).await;
    // A trade names its own market: the others are listed, in slot order.
    let t =
        ix::trade(alice.pubkey(), alice.account, eth.index, eth.oracle, MILLI, u64::MAX, MarginMode::Cross, 0, &[btc.address, btc.oracle]);
    h.expect_failure(&[t], &[k], code(ErrorCode::MissingHealthAccounts)).await;
}

#[tokio::test]
async fn growing_across_a_tier_raises_maintenance_continuously() {
    let params = MarketParams { spread_ppm: 0, ..default_market_params() };
    let mut h = Harness::with(|p| ballast::instructions::ExchangeParams { taker_fee_ppm: 0, ..p }, params).await;
    h.set_price(BTC, 50_000.0, 0.0).await;
    let alice = h.user("alice", 1_000_000 * USD).await;
    h.deposit(&alice, 100_000 * USD).await;
    let mm = |v: &ballast::instructions::AccountHealthView| v.cross.maintenance_margin;
    // 1.9 BTC = $95,000 in the 20x tier: 2.5% → $2,375.
    h.trade(&alice, BTC, 1_900 * MILLI, MarginMode::Cross, 10).await;
    assert_eq!(mm(&h.view(&alice, &[]).await), 2_375 * USD);
    // Exactly $100,000: both tiers give $2,500.
    h.trade(&alice, BTC, 100 * MILLI, MarginMode::Cross, 0).await;
    assert_eq!(mm(&h.view(&alice, &[]).await), 2_500 * USD);
    // 2.1 BTC = $105,000 in the 10x tier: 5% × 105,000 − 2,500 deduction = $2,750.
    h.trade(&alice, BTC, 100 * MILLI, MarginMode::Cross, 0).await;
    assert_eq!(mm(&h.view(&alice, &[]).await), 2_750 * USD);
    // One lot ($50) below the boundary: 2.5% × $99,950 = $2,498.75 — no jump.
    h.trade(&alice, BTC, -101 * MILLI, MarginMode::Cross, 0).await;
    assert_eq!(mm(&h.view(&alice, &[]).await), 2_498_750_000);
}

#[tokio::test]
async fn a_trade_with_another_markets_oracle_is_refused() {
    let (mut h, alice) = with_alice(10_000 * USD).await;
    let other = h.create_push_oracle(50_000.0).await;
    let ixn = ix::trade(alice.pubkey(), alice.account, BTC, other, MILLI, u64::MAX, MarginMode::Cross, 10, &[]);
    h.expect_failure(&[ixn], &[&alice.key], code(ErrorCode::WrongOracle)).await;
}

#[tokio::test]
async fn a_flat_isolated_position_closes_and_then_the_account_can_close() {
    let (mut h, alice) = with_alice(10_000 * USD).await;
    h.trade(&alice, BTC, 100 * MILLI, MarginMode::Isolated, 10).await;
    let early = ix::close_isolated_position(alice.pubkey(), alice.account, BTC);
    h.expect_failure(std::slice::from_ref(&early), &[&alice.key], code(ErrorCode::AccountNotEmpty)).await;
    h.trade(&alice, BTC, -100 * MILLI, MarginMode::Isolated, 0).await;
    let close_account = ix::close_margin_account(alice.pubkey(), alice.account);
    let collateral = h.margin(alice.account).await.cross_collateral as u64;
    h.withdraw(&alice, collateral).await;
    h.expect_failure(std::slice::from_ref(&close_account), &[&alice.key], code(ErrorCode::AccountNotEmpty)).await;
    h.ok(&[early], &[&alice.key]).await;
    assert!(h.account(ix::isolated_pda(&alice.account, BTC)).await.is_none());
    assert_eq!(h.margin(alice.account).await.isolated_count, 0);
    h.ok(&[close_account], &[&alice.key]).await;
}

#[tokio::test]
async fn the_isolated_position_account_is_identified_by_its_contents_or_its_address() {
    let (mut h, alice) = with_alice(10_000 * USD).await;
    let bob = h.user("bob", 100_000 * USD).await;
    h.deposit(&bob, 10_000 * USD).await;
    let eth = h.add_push_market(3_000.0, default_market_params()).await.index;
    h.trade(&bob, eth, UNIT, MarginMode::Isolated, 5).await;
    // An isolated position is only ever created at its PDA.
    let mut elsewhere = h.trade_ix(&alice, BTC, 10 * MILLI, MarginMode::Isolated, 5).await;
    elsewhere.accounts[5].pubkey = Pubkey::new_unique();
    h.expect_failure(&[elsewhere], &[&alice.key], anchor_code(anchor_lang::error::ErrorCode::ConstraintSeeds)).await;
    // Someone else's position is refused by the margin account it records.
    let mut borrowed = h.trade_ix(&alice, eth, 10 * MILLI, MarginMode::Cross, 5).await;
    borrowed.accounts[5].pubkey = ix::isolated_pda(&bob.account, eth);
    h.expect_failure(&[borrowed], &[&alice.key], code(ErrorCode::WrongIsolatedPosition)).await;
    // Bob cannot hide his isolated ETH position behind an empty account to trade ETH in
    // cross too: an account with isolated positions must show the PDA itself.
    let mut hidden = h.trade_ix(&bob, eth, 10 * MILLI, MarginMode::Cross, 5).await;
    hidden.accounts[5].pubkey = Pubkey::new_unique();
    h.expect_failure(&[hidden], &[&bob.key], anchor_code(anchor_lang::error::ErrorCode::ConstraintSeeds)).await;
    let shown = h.trade_ix(&bob, eth, 10 * MILLI, MarginMode::Cross, 5).await;
    h.expect_failure(&[shown], &[&bob.key], code(ErrorCode::ModeMismatch)).await;
    // With no isolated position at all, the account passed for a cross trade is only
    // looked at for emptiness.
    let mut plain = h.trade_ix(&alice, BTC, 10 * MILLI, MarginMode::Cross, 5).await;
    plain.accounts[5].pubkey = Pubkey::new_unique();
    h.ok(&[plain], &[&alice.key]).await;
}
