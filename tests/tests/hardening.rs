//! What an independent audit found, one scenario per finding (docs/SECURITY.md, "Audit
//! findings"). Each test was written first, seen to fail on the code the audit read, and
//! then the program was fixed.
//!
//! Frictionless markets (no fee, no spread, zero confidence) unless a test says otherwise,
//! so the hand computations are exact. Default tiers: 20x (2.5% maintenance) below $100k.

use anchor_lang::prelude::Pubkey;
use ballast::error::ErrorCode;
use ballast::state::{MarginMode, MarketParams, MarketStatus, TierParams};
use ballast_tests::*;
use solana_signer::Signer;

const BTC: u16 = 0;
const MILLI: i64 = UNIT / 1_000;
const ALL: u64 = u64::MAX;

fn frictionless() -> MarketParams {
    MarketParams { spread_ppm: 0, ..default_market_params() }
}

async fn setup_with(btc: MarketParams) -> (Harness, User) {
    let mut h = Harness::with(|p| ballast::instructions::ExchangeParams { taker_fee_ppm: 0, ..p }, btc).await;
    h.set_price(BTC, 50_000.0, 0.0).await;
    let keeper = h.user("keeper", 0).await;
    (h, keeper)
}

async fn setup() -> (Harness, User) {
    setup_with(frictionless()).await
}

/// A trader with `collateral` in cross and `base` BTC long at `leverage` in `mode`.
async fn long_btc(h: &mut Harness, name: &'static str, collateral: u64, base: i64, mode: MarginMode, leverage: u16) -> User {
    let u = h.user(name, 1_000_000 * USD).await;
    h.deposit(&u, collateral).await;
    h.trade(&u, BTC, base, mode, leverage).await;
    u
}

async fn eth_market(h: &mut Harness) -> u16 {
    let eth = h.add_push_market(3_000.0, frictionless()).await.index;
    h.set_price(eth, 3_000.0, 0.0).await;
    eth
}

// ----- C-1 -----

#[tokio::test]
async fn c1_a_token_sent_straight_to_the_vault_freezes_nothing() {
    let (mut h, keeper) = setup().await;
    let alice = h.user("alice", 100_000 * USD).await;
    h.deposit(&alice, 3_000 * USD).await;
    let mallory = h.user("mallory", 10 * USD).await;
    h.donate(&mallory, 1).await;
    // Deposits, withdrawals, trades, pool transfers and liquidations keep working.
    h.deposit(&alice, 1_000 * USD).await;
    h.withdraw(&alice, 1_400 * USD).await;
    h.trade(&alice, BTC, UNIT, MarginMode::Cross, 20).await;
    h.fund_pool(USD).await;
    h.set_price(BTC, 48_600.0, 0.0).await;
    let liq = h.liquidate_cross_ix(&keeper, &alice, BTC, ALL).await;
    h.ok(&[liq], &[&keeper.key]).await;
    // Anyone credits the surplus to the insurance fund; a second call finds none.
    let insurance = h.exchange_state().await.insurance_balance;
    h.ok(&[ix::sync_vault()], &[]).await;
    if let Some(events) = h.events::<ballast::events::VaultSynced>() {
        assert_eq!((events[0].surplus, events[0].insurance_after), (1, insurance + 1));
    }
    assert_eq!(h.exchange_state().await.insurance_balance, insurance + 1);
    h.ok(&[ix::sync_vault()], &[]).await;
    assert_eq!(h.exchange_state().await.insurance_balance, insurance + 1);
}

// ----- H-1 -----

#[tokio::test]
async fn h1_a_stale_oracle_in_another_cross_market_does_not_shield_an_underwater_account() {
    let (mut h, keeper) = setup().await;
    let eth = eth_market(&mut h).await;
    let alice = long_btc(&mut h, "alice", 2_600 * USD, UNIT, MarginMode::Cross, 20).await;
    h.trade(&alice, eth, MILLI, MarginMode::Cross, 20).await; // a $3 position
    h.advance_time(120); // ETH's last price is now 120 s old (limit 60 s)
    h.set_price(BTC, 48_600.0, 0.0).await;
    let eth_before = h.margin(alice.account).await.cross_positions[1];
    let liq = h.liquidate_cross_ix(&keeper, &alice, BTC, ALL).await;
    h.ok(&[liq], &[&keeper.key]).await;
    // ETH counts against alice: its last price $3,000 widened by the 10% haircut to $2,700
    // (−$0.30, profit would count 0), maintenance on $3. Equity 2,600 − 1,400 − 0.30 (and
    // $0.000162 of BTC funding) < 1,215.075. Closing q BTC:
    // 1,199.70 − 364.5 q ≥ 1.1 × (0.075 + 1,215 (1 − q)) → q ≥ 0.14083 → 0.141 BTC.
    let m = h.margin(alice.account).await;
    assert_eq!(m.cross_positions[0].base, 859 * MILLI);
    assert_eq!(m.cross_positions[1], eth_before, "the stale market's position is untouched");
    assert_eq!(h.token_balance(keeper.token).await, 34_263_000);
}

#[tokio::test]
async fn h1_a_non_positive_price_in_another_market_is_valued_at_its_last_valid_price() {
    let (mut h, keeper) = setup().await;
    let eth = eth_market(&mut h).await;
    let alice = long_btc(&mut h, "alice", 2_600 * USD, UNIT, MarginMode::Cross, 20).await;
    h.trade(&alice, eth, MILLI, MarginMode::Cross, 20).await; // the market saw $3,000 as valid
    h.set_price(eth, 0.0, 0.0).await;
    h.set_price(BTC, 48_600.0, 0.0).await;
    let liq = h.liquidate_cross_ix(&keeper, &alice, BTC, ALL).await;
    h.ok(&[liq], &[&keeper.key]).await;
    assert_eq!(h.margin(alice.account).await.cross_positions[0].base, 859 * MILLI);
    // The view reports the same numbers the keeper acted on, and nothing is transferable.
    let v = h.view(&alice, &[]).await;
    assert_eq!(v.cross.transferable, 0);
    assert!(!v.cross.liquidatable);
}

// ----- H-2 -----

#[tokio::test]
async fn h2_a_reduction_at_a_price_older_than_the_fill_age_is_refused() {
    let (mut h, _) = setup().await;
    let alice = long_btc(&mut h, "alice", 10_000 * USD, UNIT, MarginMode::Cross, 10).await;
    h.advance_time(45); // within the 60 s staleness limit, beyond the 30 s fill age
    let reduce = h.trade_ix(&alice, BTC, -UNIT / 2, MarginMode::Cross, 0).await;
    h.expect_failure(&[reduce], &[&alice.key], code(ErrorCode::OracleStaleForFill)).await;
    // At exactly the fill age it fills.
    h.set_price(BTC, 50_000.0, 0.0).await;
    h.advance_time(30);
    h.trade(&alice, BTC, -UNIT / 2, MarginMode::Cross, 0).await;
}

#[tokio::test]
async fn h2_an_open_at_a_price_older_than_the_fill_age_is_refused() {
    let (mut h, _) = setup().await;
    let alice = h.user("alice", 100_000 * USD).await;
    h.deposit(&alice, 10_000 * USD).await;
    h.advance_time(45);
    let open = h.trade_ix(&alice, BTC, UNIT / 10, MarginMode::Cross, 10).await;
    h.expect_failure(&[open], &[&alice.key], code(ErrorCode::OracleStaleForFill)).await;
}

#[tokio::test]
async fn h2_fills_are_widened_by_the_confidence_against_the_trader() {
    let mut h = Harness::new().await; // 0.01% half-spread
    h.set_price(BTC, 50_000.0, 50.0).await;
    let alice = h.user("alice", 100_000 * USD).await;
    let bob = h.user("bob", 100_000 * USD).await;
    h.deposit(&alice, 10_000 * USD).await;
    h.deposit(&bob, 10_000 * USD).await;
    h.trade(&alice, BTC, UNIT, MarginMode::Cross, 10).await;
    h.trade(&bob, BTC, -UNIT, MarginMode::Cross, 10).await;
    // Buy: (50,000 + 50) × 1.0001 = $50,055.005. Sell: (50,000 − 50) × 0.9999 = $49,945.005.
    assert_eq!(h.margin(alice.account).await.cross_positions[0].cost_basis, 50_055_005_000);
    assert_eq!(h.margin(bob.account).await.cross_positions[0].cost_basis, -49_945_005_000);
}

// ----- H-3 -----

#[tokio::test]
async fn h3_profit_realised_on_a_down_weighted_market_cannot_be_withdrawn_at_once() {
    let (mut h, _) = setup_with(MarketParams { pnl_weight_ppm: 500_000, ..frictionless() }).await;
    let alice = long_btc(&mut h, "alice", 10_000 * USD, UNIT, MarginMode::Cross, 10).await;
    h.set_price(BTC, 60_000.0, 0.0).await;
    h.trade(&alice, BTC, -UNIT, MarginMode::Cross, 0).await; // realises +$10,000
    let all = h.withdraw_ix(&alice, 20_000 * USD).await;
    h.expect_failure(&[all], &[&alice.key], code(ErrorCode::InsufficientTransferable)).await;
    // The profit is unsettled: a claim on the pool that counts at 50% for initial margin.
    let m = h.margin(alice.account).await;
    assert_eq!((m.cross_collateral, m.cross_positions[0].unsettled_pnl), (10_000 * USD as i64, 10_000 * USD as i64));
    let v = h.view(&alice, &[]).await;
    assert_eq!((v.cross.equity, v.cross.transferable), (20_000 * USD as i64, 10_000 * USD));
    assert_eq!(v.cross.positions[0].unsettled_pnl, 10_000 * USD as i64);
    h.withdraw(&alice, 10_000 * USD).await;
    // It settles into collateral at the market's budget: $4,000 per hour for everyone.
    let admin = h.admin.insecure_clone();
    let limited = MarketParams { pnl_weight_ppm: 500_000, settle_limit: 4_000 * USD, ..frictionless() };
    h.ok(&[ix::update_market(admin.pubkey(), h.markets[0].address, limited)], &[&admin]).await;
    h.ok(&[ix::settle_pnl(alice.account, BTC, false)], &[]).await;
    let settled_now = h.margin(alice.account).await.cross_collateral;
    assert!(settled_now > 0 && settled_now <= 4_000 * USD as i64, "{settled_now}");
    h.ok(&[ix::settle_pnl(alice.account, BTC, false)], &[]).await; // nothing left this hour
    assert_eq!(h.margin(alice.account).await.cross_collateral, settled_now);
    h.withdraw(&alice, settled_now as u64).await;
    // Hour after hour the rest settles and leaves.
    let mut out = settled_now as u64;
    for _ in 0..2 {
        h.advance_time(3_600);
        h.set_price(BTC, 60_000.0, 0.0).await;
        h.ok(&[ix::settle_pnl(alice.account, BTC, false)], &[]).await;
        let c = h.margin(alice.account).await.cross_collateral as u64;
        h.withdraw(&alice, c).await;
        out += c;
    }
    assert_eq!(out, 10_000 * USD);
    let m = h.margin(alice.account).await;
    assert_eq!((m.cross_collateral, m.cross_positions[0].unsettled_pnl), (0, 0));
    let none = ix::settle_pnl(alice.account, BTC, false);
    h.expect_failure(&[none], &[], code(ErrorCode::NothingToSettle)).await;
    // With nothing left the account closes.
    h.ok(&[ix::close_margin_account(alice.pubkey(), alice.account)], &[&alice.key]).await;
}

// ----- M-1 -----

#[tokio::test]
async fn m1_a_price_move_into_a_lower_leverage_tier_raises_initial_margin() {
    let tiers =
        vec![TierParams { notional_threshold: 0, max_leverage: 20 }, TierParams { notional_threshold: 100_000 * USD, max_leverage: 2 }];
    let (mut h, _) = setup_with(MarketParams { tiers, transfer_floor_ppm: 0, ..frictionless() }).await;
    let alice = long_btc(&mut h, "alice", 5_000 * USD, 1_900 * MILLI, MarginMode::Cross, 20).await;
    // $60,000: notional $114,000 in the 2x tier, MM 114,000 × 25% − 22,500 = $6,000;
    // equity 5,000 + 19,000 = $24,000 < IM 114,000 / 2 = $57,000: nothing is transferable.
    h.set_price(BTC, 60_000.0, 0.0).await;
    let w = h.withdraw_ix(&alice, 18_300 * USD).await;
    h.expect_failure(&[w], &[&alice.key], code(ErrorCode::InsufficientTransferable)).await;
    assert_eq!(h.view(&alice, &[]).await.cross.transferable, 0);
}

// ----- M-2 -----

#[tokio::test]
async fn m2_moving_margin_out_of_cross_needs_fresh_cross_prices() {
    let (mut h, _) = setup().await;
    let eth = eth_market(&mut h).await;
    let alice = h.user("alice", 100_000 * USD).await;
    h.deposit(&alice, 10_000 * USD).await;
    h.trade(&alice, eth, 10 * MILLI, MarginMode::Cross, 20).await;
    h.trade(&alice, BTC, UNIT / 10, MarginMode::Isolated, 10).await;
    h.advance_time(120); // ETH stale
    h.set_price(BTC, 50_000.0, 0.0).await;
    let add = h.add_margin_ix(&alice, BTC, 100 * USD).await;
    h.expect_failure(&[add], &[&alice.key], code(ErrorCode::OracleStale)).await;
    let lower = h.set_leverage_ix(&alice, BTC, 5).await;
    h.expect_failure(&[lower], &[&alice.key], code(ErrorCode::OracleStale)).await;
}

// ----- M-3 -----

#[tokio::test]
async fn m3_repeated_withdrawals_never_beat_the_pnl_weight() {
    let (mut h, _) = setup_with(MarketParams { pnl_weight_ppm: 500_000, transfer_floor_ppm: 0, ..frictionless() }).await;
    let alice = long_btc(&mut h, "alice", 1_000 * USD, UNIT / 5, MarginMode::Cross, 20).await;
    // $60,000: pnl +$2,000 counted at 50%; IM $600. At most 1,000 + 1,000 − 600 = $1,400 leaves.
    h.set_price(BTC, 60_000.0, 0.0).await;
    let mut total = 0;
    for _ in 0..40 {
        let t = h.view(&alice, &[]).await.cross.transferable;
        if t < USD {
            break;
        }
        h.withdraw(&alice, t).await;
        total += t;
    }
    assert!(total <= 1_400 * USD, "withdrew {total}");
}

// ----- M-4 -----

#[tokio::test]
async fn m4_withdrawals_never_realise_profit_from_a_paused_market() {
    let (mut h, _) = setup().await;
    let eth = eth_market(&mut h).await;
    let alice = h.user("alice", 100_000 * USD).await;
    h.deposit(&alice, 1_000 * USD).await;
    h.trade(&alice, eth, UNIT, MarginMode::Cross, 10).await;
    h.set_price(eth, 4_000.0, 0.0).await;
    let guardian = h.guardian.insecure_clone();
    let market = h.market_and_oracle(eth);
    h.ok(&[ix::set_pause(guardian.pubkey(), Some(market), MarketStatus::Paused)], &[&guardian]).await;
    let w = h.withdraw_ix(&alice, 1_500 * USD).await;
    h.expect_failure(&[w], &[&alice.key], code(ErrorCode::Paused)).await;
}

// ----- M-5 -----

#[tokio::test]
async fn m5_funding_owed_in_an_untouched_market_counts_against_withdrawals() {
    let (mut h, _) = setup().await;
    let alice = long_btc(&mut h, "alice", 10_000 * USD, UNIT, MarginMode::Cross, 10).await;
    // Alone on the long side: 100 ppm/h of $50,000 = $5/h; 30 days = $3,600 owed, though
    // nothing has touched the market since the trade.
    h.advance_time(30 * 24 * 3_600);
    h.set_price(BTC, 50_000.0, 0.0).await;
    // 10,000 − 3,600 − IM 5,000 = $1,400.
    assert_eq!(h.view(&alice, &[]).await.cross.transferable, 1_400 * USD);
    let w = h.withdraw_ix(&alice, 1_400 * USD + 1).await;
    h.expect_failure(&[w], &[&alice.key], code(ErrorCode::InsufficientTransferable)).await;
}

// ----- M-6 -----

#[tokio::test]
async fn m6_liquidations_continue_while_a_market_is_paused() {
    let (mut h, keeper) = setup().await;
    let alice = long_btc(&mut h, "alice", 2_600 * USD, UNIT, MarginMode::Cross, 20).await;
    let guardian = h.guardian.insecure_clone();
    h.ok(&[ix::set_pause(guardian.pubkey(), Some(h.market_and_oracle(BTC)), MarketStatus::Paused)], &[&guardian]).await;
    h.set_price(BTC, 48_600.0, 0.0).await;
    let liq = h.liquidate_cross_ix(&keeper, &alice, BTC, ALL).await;
    h.ok(&[liq], &[&keeper.key]).await;
    assert_eq!(h.margin(alice.account).await.cross_positions[0].base, 859 * MILLI);
}

#[tokio::test]
async fn m6_funding_stops_while_a_market_is_paused() {
    let (mut h, _) = setup().await;
    let _alice = long_btc(&mut h, "alice", 10_000 * USD, UNIT, MarginMode::Cross, 10).await;
    let guardian = h.guardian.insecure_clone();
    let market = h.markets[0].address;
    h.ok(&[ix::set_pause(guardian.pubkey(), Some(h.market_and_oracle(BTC)), MarketStatus::Paused)], &[&guardian]).await;
    let before = h.load::<ballast::state::Market>(market).await.cumulative_funding_long.get();
    h.advance_time(10 * 3_600);
    h.set_price(BTC, 50_000.0, 0.0).await;
    h.ok(&[ix::update_funding(BTC, h.markets[0].oracle)], &[]).await;
    assert_eq!(h.load::<ballast::state::Market>(market).await.cumulative_funding_long.get(), before);
}

#[tokio::test]
async fn m6_the_admin_cannot_defund_the_reserve_that_open_profits_need() {
    let (mut h, _) = setup().await;
    let _alice = long_btc(&mut h, "alice", 10_000 * USD, UNIT, MarginMode::Cross, 10).await;
    h.set_price(BTC, 60_000.0, 0.0).await; // the pool owes alice $10,000 if she closes
    let pool = h.exchange_state().await.pool_balance;
    let admin = h.admin.insecure_clone();
    // Reserve: alice's open profit $10,000 + 2.5% of $60,000 notional = $11,500.
    let all = ix::defund_pool(admin.pubkey(), h.admin_token, pool, &h.all_markets());
    h.expect_failure(&[all], &[&admin], code(ErrorCode::PoolReserveRequired)).await;
    let too_much = ix::defund_pool(admin.pubkey(), h.admin_token, pool - 11_500 * USD + 1, &h.all_markets());
    h.expect_failure(&[too_much], &[&admin], code(ErrorCode::PoolReserveRequired)).await;
    h.ok(&[ix::defund_pool(admin.pubkey(), h.admin_token, pool - 11_500 * USD, &h.all_markets())], &[&admin]).await;
    // Every market must be named, in order.
    let partial = ix::defund_pool(admin.pubkey(), h.admin_token, USD, &[]);
    h.expect_failure(&[partial], &[&admin], code(ErrorCode::ReserveAccountsMismatch)).await;
}

// ----- M-7 -----

#[tokio::test]
async fn m7_liquidating_ones_own_account_earns_nothing() {
    let (mut h, _) = setup().await;
    let alice = long_btc(&mut h, "alice", 2_600 * USD, UNIT, MarginMode::Cross, 20).await;
    let wallet = h.token_balance(alice.token).await;
    h.set_price(BTC, 48_600.0, 0.0).await;
    let liq = h.liquidate_cross_ix(&alice, &alice, BTC, ALL).await;
    h.ok(&[liq], &[&alice.key]).await;
    assert_eq!(h.token_balance(alice.token).await, wallet, "no reward to the owner");
    // The reward ($34.263) goes to the insurance fund with its share ($17.1315).
    assert_eq!(h.exchange_state().await.insurance_balance, 34_263_000 + 17_131_500);
    if let Some(events) = h.events::<ballast::events::Liquidated>() {
        assert!(events[0].self_liquidation);
        assert_eq!((events[0].keeper_reward, events[0].insurance_share), (0, 34_263_000 + 17_131_500));
    }
}

#[tokio::test]
async fn m7_a_delegate_liquidating_an_isolated_position_of_the_account_earns_nothing() {
    let (mut h, _) = setup().await;
    let bob = long_btc(&mut h, "bob", 2_600 * USD, UNIT, MarginMode::Isolated, 20).await;
    let dave = h.user("dave", 0).await;
    h.ok(&[ix::set_delegate(bob.pubkey(), bob.account, dave.pubkey())], &[&bob.key]).await;
    h.set_price(BTC, 48_600.0, 0.0).await;
    let liq = h.liquidate_isolated_ix(&dave, &bob, BTC, ALL);
    h.ok(&[liq], &[&dave.key]).await;
    assert_eq!(h.token_balance(dave.token).await, 0, "no reward to the delegate");
    // The position held $2,500: equity $1,100; 0.244 BTC closes ($11,858.40): reward
    // $59.292 and share $29.646, all to insurance.
    assert_eq!(h.exchange_state().await.insurance_balance, 59_292_000 + 29_646_000);
    // The margin account named must be the position's own.
    let mallory = h.user("mallory", 0).await;
    let mut wrong = h.liquidate_isolated_ix(&dave, &bob, BTC, ALL);
    wrong.accounts[5].pubkey = mallory.account;
    h.expect_failure(&[wrong], &[&dave.key], code(ErrorCode::WrongIsolatedPosition)).await;
}

// ----- Low -----

#[tokio::test]
async fn low_a_margin_guard_tip_is_bounded_by_the_top_up() {
    let (mut h, keeper) = setup().await;
    let bob = long_btc(&mut h, "bob", 4_000 * USD, UNIT, MarginMode::Isolated, 20).await;
    h.ok(&[ix::set_margin_guard(bob.pubkey(), bob.account, BTC, 1_500_000, USD, 10 * USD)], &[&bob.key]).await;
    h.set_price(BTC, 48_800.0, 0.0).await;
    let g = ix::execute_margin_guard(keeper.pubkey(), keeper.token, bob.account, BTC, h.markets[0].oracle, &[]);
    h.ok(&[g], &[&keeper.key]).await;
    // 1% of the $1 top-up, not the exchange's $0.10.
    assert_eq!(h.token_balance(keeper.token).await, 10_000);
}

#[tokio::test]
async fn low_an_unfinished_liquidation_expires() {
    let (mut h, keeper) = setup().await;
    let alice = long_btc(&mut h, "alice", 2_600 * USD, UNIT, MarginMode::Cross, 20).await;
    h.set_price(BTC, 48_600.0, 0.0).await;
    // A keeper limited to 0.05 BTC leaves the account above maintenance, below the buffer.
    let part = h.liquidate_cross_ix(&keeper, &alice, BTC, 50 * MILLI as u64).await;
    h.ok(&[part], &[&keeper.key]).await;
    assert_eq!(h.margin(alice.account).await.being_liquidated, 1);
    h.advance_slots(1_000);
    h.set_price(BTC, 48_600.0, 0.0).await;
    let again = h.liquidate_cross_ix(&keeper, &alice, BTC, ALL).await;
    h.expect_failure(&[again], &[&keeper.key], code(ErrorCode::NotLiquidatable)).await;
}

#[tokio::test]
async fn low_a_tier_change_does_not_make_open_positions_liquidatable_at_once() {
    let (mut h, keeper) = setup().await;
    // $1,800 on 1 BTC at 20x... at $50,000: equity $1,800 ≥ MM $1,250 (2.5%).
    let alice = long_btc(&mut h, "alice", 2_600 * USD, UNIT, MarginMode::Cross, 20).await;
    h.set_price(BTC, 49_200.0, 0.0).await; // equity $1,800, MM $1,230
    let tighter = MarketParams {
        tiers: vec![TierParams { notional_threshold: 0, max_leverage: 10 }], // MM 5%: $2,460
        ..frictionless()
    };
    let admin = h.admin.insecure_clone();
    let market = h.markets[0].address;
    h.ok(&[ix::update_market(admin.pubkey(), market, tighter)], &[&admin]).await;
    let liq = h.liquidate_cross_ix(&keeper, &alice, BTC, ALL).await;
    h.expect_failure(&[liq], &[&keeper.key], code(ErrorCode::NotLiquidatable)).await;
}

// ----- M-6: governance -----

#[tokio::test]
async fn m6_admin_and_guardian_rotate_in_two_steps() {
    use ballast::instructions::AuthorityRole;
    let (mut h, _) = setup().await;
    let admin = h.admin.insecure_clone();
    let next = h.user("next-admin", 0).await;
    let stranger = h.user("stranger", 0).await;
    h.ok(&[ix::propose_authority(admin.pubkey(), AuthorityRole::Admin, next.pubkey())], &[&admin]).await;
    // Proposed, not yet in charge.
    assert_eq!(h.exchange_state().await.admin, admin.pubkey());
    let wrong = ix::accept_authority(stranger.pubkey(), AuthorityRole::Admin);
    h.expect_failure(&[wrong], &[&stranger.key], code(ErrorCode::NotPendingAuthority)).await;
    let not_admin = ix::propose_authority(stranger.pubkey(), AuthorityRole::Admin, stranger.pubkey());
    h.expect_failure(&[not_admin], &[&stranger.key], code(ErrorCode::NotAdmin)).await;
    h.ok(&[ix::accept_authority(next.pubkey(), AuthorityRole::Admin)], &[&next.key]).await;
    let ex = h.exchange_state().await;
    assert_eq!((ex.admin, ex.pending_admin), (next.pubkey(), Pubkey::default()));
    // The old admin has no power left; the new one has all of it.
    let old = ix::update_market(admin.pubkey(), h.markets[0].address, frictionless());
    h.expect_failure(&[old], &[&admin], code(ErrorCode::NotAdmin)).await;
    h.ok(&[ix::update_market(next.pubkey(), h.markets[0].address, frictionless())], &[&next.key]).await;
    // Guardian: proposed by the admin, cancelled, proposed again, accepted.
    let guardian = h.user("next-guardian", 0).await;
    h.ok(&[ix::propose_authority(next.pubkey(), AuthorityRole::Guardian, guardian.pubkey())], &[&next.key]).await;
    h.ok(&[ix::propose_authority(next.pubkey(), AuthorityRole::Guardian, Pubkey::default())], &[&next.key]).await;
    let cancelled = ix::accept_authority(guardian.pubkey(), AuthorityRole::Guardian);
    h.expect_failure(&[cancelled], &[&guardian.key], code(ErrorCode::NoPendingAuthority)).await;
    h.ok(&[ix::propose_authority(next.pubkey(), AuthorityRole::Guardian, guardian.pubkey())], &[&next.key]).await;
    h.ok(&[ix::accept_authority(guardian.pubkey(), AuthorityRole::Guardian)], &[&guardian.key]).await;
    h.ok(&[ix::set_pause(guardian.pubkey(), None, MarketStatus::ReduceOnly)], &[&guardian.key]).await;
    let old_guardian = h.guardian.insecure_clone();
    let stale = ix::set_pause(old_guardian.pubkey(), None, MarketStatus::Paused);
    h.expect_failure(&[stale], &[&old_guardian], code(ErrorCode::NotAdminOrGuardian)).await;
}

// ----- Low: push oracles on a production exchange -----

#[tokio::test]
async fn low_an_exchange_without_push_oracles_refuses_a_push_market() {
    let mut h = Harness::bare().await;
    let params = ballast::instructions::ExchangeParams { allow_push_oracles: false, ..default_exchange_params(h.guardian.pubkey()) };
    h.init_exchange(params).await;
    let oracle = h.create_push_oracle(50_000.0).await;
    let admin = h.admin.insecure_clone();
    let create = ix::create_market(admin.pubkey(), 0, oracle, ballast::state::OracleKind::Push, [0; 32], frictionless());
    h.expect_failure(&[create], &[&admin], code(ErrorCode::PushOraclesDisabled)).await;
    // A Pyth market is accepted.
    let feed = [7u8; 32];
    let key = Pubkey::new_unique();
    let update = ballast_tests::pyth::PriceUpdate {
        feed_id: feed,
        price: 5_000_000_000_000,
        conf: 500_000_000,
        exponent: -8,
        publish_time: h.now,
        verification: ballast_tests::pyth::Verification::Full,
        posted_slot: 1,
    };
    h.set_account(key, ballast::constants::PYTH_RECEIVER_ID, update.to_account_data());
    h.add_market(key, ballast::state::OracleKind::PythPull, feed, frictionless()).await;
}

// ----- Low: one status table for every path -----

#[tokio::test]
async fn low_every_path_follows_the_status_table() {
    let (mut h, keeper) = setup().await;
    let alice = long_btc(&mut h, "alice", 10_000 * USD, UNIT / 10, MarginMode::Isolated, 10).await;
    let add = h.add_margin_ix(&alice, BTC, 100 * USD).await;
    h.ok(&[add], &[&alice.key]).await; // $100 above the 10% floor
    let carol = long_btc(&mut h, "carol", 2_600 * USD, UNIT, MarginMode::Cross, 20).await;
    h.ok(&[ix::set_margin_guard(alice.pubkey(), alice.account, BTC, 100_000_000, USD, 10 * USD)], &[&alice.key]).await;
    let guardian = h.guardian.insecure_clone();
    let market = Some(h.market_and_oracle(BTC));

    // Reduce-only: no new risk; everything else goes on.
    h.ok(&[ix::set_pause(guardian.pubkey(), market, MarketStatus::ReduceOnly)], &[&guardian]).await;
    let increase = h.trade_ix(&alice, BTC, MILLI, MarginMode::Isolated, 0).await;
    h.expect_failure(&[increase], &[&alice.key], code(ErrorCode::ReduceOnly)).await;
    h.trade(&alice, BTC, -MILLI, MarginMode::Isolated, 0).await;
    let remove = h.remove_margin_ix(&alice, BTC, USD);
    h.ok(&[remove], &[&alice.key]).await;
    let raise = h.set_leverage_ix(&alice, BTC, 11).await;
    h.ok(&[raise], &[&alice.key]).await;
    h.withdraw(&alice, USD).await;

    // Paused: deposits, margin added to a position, guards and liquidations only.
    h.ok(&[ix::set_pause(guardian.pubkey(), market, MarketStatus::Paused)], &[&guardian]).await;
    h.deposit(&alice, USD).await;
    let add = h.add_margin_ix(&alice, BTC, USD).await;
    h.ok(&[add], &[&alice.key]).await;
    let guard = ix::execute_margin_guard(keeper.pubkey(), keeper.token, alice.account, BTC, h.markets[0].oracle, &[]);
    h.ok(&[guard], &[&keeper.key]).await;
    for refused in [
        h.trade_ix(&alice, BTC, -MILLI, MarginMode::Isolated, 0).await,
        h.set_leverage_ix(&alice, BTC, 12).await,
        h.set_leverage_ix(&alice, BTC, 5).await,
        h.remove_margin_ix(&alice, BTC, USD),
        h.withdraw_ix(&carol, USD).await,
    ] {
        let signer = if refused.accounts[0].pubkey == carol.pubkey() { &carol.key } else { &alice.key };
        h.expect_failure(&[refused], &[signer], code(ErrorCode::Paused)).await;
    }
    h.set_price(BTC, 48_600.0, 0.0).await;
    let liq = h.liquidate_cross_ix(&keeper, &carol, BTC, ALL).await;
    h.ok(&[liq], &[&keeper.key]).await;
}
