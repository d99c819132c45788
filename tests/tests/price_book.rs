//! The price book: `refresh_prices` copies each market and its oracle reading into one
//! account, and every cross-reading instruction may take that account instead of a
//! `[market, oracle]` pair per position. Its entries are used only while fresh (at most
//! four slots old, and no market's configuration changed since), a reading's age still
//! counts from its publish time, and the valuation is the same as through the accounts.
//! Numbers: BTC $50,000, ETH $3,000 ± $1.50, SOL $100, default markets (20x tier), 0.01%
//! half-spread, 0.05% taker fee.

use anchor_lang::prelude::Pubkey;
use ballast::constants::MAX_PRICE_BOOK_MARKETS;
use ballast::error::ErrorCode;
use ballast::state::{MarginMode, MarketParams, MarketStatus, PriceBook};
use ballast_math::OracleValidity;
use ballast_tests::*;
use solana_signer::Signer;

const BTC: u16 = 0;
const MILLI: i64 = UNIT / 1_000;

/// Three markets, a refreshed book, and Alice with $100,000 and cross longs of 0.5 BTC,
/// 5 ETH and 50 SOL.
async fn three_cross_positions() -> (Harness, User) {
    with_collateral(100_000 * USD).await
}

/// [`three_cross_positions`] with `collateral` deposited.
async fn with_collateral(collateral: u64) -> (Harness, User) {
    let mut h = Harness::new().await;
    h.add_push_market(3_000.0, default_market_params()).await;
    h.add_push_market(100.0, default_market_params()).await;
    h.set_price(1, 3_000.0, 1.5).await;
    h.init_price_book().await;
    let alice = h.user("alice", 1_000_000 * USD).await;
    h.deposit(&alice, collateral).await;
    h.trade(&alice, 0, 500 * MILLI, MarginMode::Cross, 10).await;
    h.trade(&alice, 1, 5 * UNIT, MarginMode::Cross, 10).await;
    h.trade(&alice, 2, 50 * UNIT, MarginMode::Cross, 10).await;
    h.refresh_prices().await;
    (h, alice)
}

fn withdraw(alice: &User, amount: u64, health: &[Pubkey]) -> anchor_lang::solana_program::instruction::Instruction {
    ix::withdraw(alice.pubkey(), alice.account, alice.token, amount, health)
}

#[tokio::test]
async fn the_book_values_every_cross_position_exactly_as_the_accounts_do() {
    let (mut h, alice) = three_cross_positions().await;
    let through_accounts = h.view(&alice, &[]).await;
    let through_book = h.view_with(&alice, book(), &[]).await;
    assert_eq!(through_book, through_accounts);
    assert_eq!(through_book.cross.positions.len(), 3);
    // Withdrawing exactly the transferable margin through the book succeeds; a unit more does not.
    let transferable = through_book.cross.transferable;
    assert!(transferable > 0 && transferable < 100_000 * USD);
    h.refresh_prices().await;
    h.expect_failure(&[withdraw(&alice, transferable + 1, &book())], &[&alice.key], code(ErrorCode::InsufficientTransferable)).await;
    h.refresh_prices().await;
    h.ok(&[withdraw(&alice, transferable, &book())], &[&alice.key]).await;
}

#[tokio::test]
async fn trades_and_liquidations_through_the_book_end_exactly_where_they_do_through_the_accounts() {
    let run = |use_book: bool| async move {
        let (mut h, alice) = with_collateral(7_000 * USD).await;
        let keeper = h.user("keeper", 0).await;
        // A trade naming ETH values BTC and SOL from the book (or their accounts).
        let health = if use_book { book() } else { h.health_accounts_except(alice.account, 1).await };
        let t = ix::trade(alice.pubkey(), alice.account, 1, h.markets[1].oracle, UNIT, u64::MAX, MarginMode::Cross, 0, &health);
        h.ok(&[t], &[&alice.key]).await;
        // Everything falls: BTC −$6,000, ETH −$360, SOL −$100 on $7,000 leaves about $500
        // of equity against about $1,000 of maintenance margin.
        h.set_price(BTC, 38_000.0, 0.0).await;
        h.set_price(1, 2_950.0, 0.0).await;
        h.set_price(2, 98.0, 0.0).await;
        let health = if use_book {
            h.refresh_prices().await;
            book()
        } else {
            h.health_accounts_except(alice.account, BTC).await
        };
        let oracle = h.markets[0].oracle;
        let l = ix::liquidate_cross(keeper.pubkey(), keeper.token, alice.account, BTC, oracle, u64::MAX, &health);
        h.ok(&[l], &[&keeper.key]).await;
        let m = h.margin(alice.account).await;
        let keeper_paid = h.token_balance(keeper.token).await;
        (m.cross_collateral, m.cross_positions.map(|p| (p.base, p.cost_basis)), keeper_paid)
    };
    let through_book = run(true).await;
    assert!(through_book.2 > 0, "the keeper was paid: {through_book:?}");
    assert_eq!(through_book, run(false).await);
}

#[tokio::test]
async fn an_entry_more_than_four_slots_old_is_refused_and_changes_nothing() {
    let (mut h, alice) = three_cross_positions().await;
    // Four slots after the refresh: still fresh.
    h.advance_slots(3);
    h.ok(&[withdraw(&alice, USD, &book())], &[&alice.key]).await;
    h.refresh_prices().await;
    // Five: refused, whatever the policy (a view too).
    h.advance_slots(4);
    h.expect_failure(&[withdraw(&alice, USD, &book())], &[&alice.key], code(ErrorCode::PriceBookStale)).await;
    h.expect_failure(&[ix::account_health(alice.account, &book())], &[], code(ErrorCode::PriceBookStale)).await;
    // The accounts still work, and a refresh in the same transaction makes the book usable.
    h.withdraw(&alice, USD).await;
    let refresh = h.refresh_prices_ix();
    h.ok(&[refresh, withdraw(&alice, USD, &book())], &[&alice.key]).await;
}

#[tokio::test]
async fn a_market_configuration_change_invalidates_every_entry_until_the_next_refresh() {
    let (mut h, alice) = three_cross_positions().await;
    let admin = h.admin.insecure_clone();
    // Pausing SOL: entries taken before it are not used, so the pause binds at once.
    h.ok(&[ix::set_pause(admin.pubkey(), Some(h.market_and_oracle(2)), MarketStatus::Paused)], &[&admin]).await;
    h.expect_failure(&[withdraw(&alice, USD, &book())], &[&alice.key], code(ErrorCode::PriceBookStale)).await;
    // Refreshed, the entry carries the pause: a withdrawal is refused exactly as through the accounts.
    h.refresh_prices().await;
    h.expect_failure(&[withdraw(&alice, USD, &book())], &[&alice.key], code(ErrorCode::Paused)).await;
    let accounts = h.health_accounts(alice.account).await;
    h.expect_failure(&[withdraw(&alice, USD, &accounts)], &[&alice.key], code(ErrorCode::Paused)).await;
    h.ok(&[ix::set_pause(admin.pubkey(), Some(h.market_and_oracle(2)), MarketStatus::Active)], &[&admin]).await;
    // A parameter change (ETH's PnL weight) does the same.
    h.refresh_prices().await;
    let eth = h.markets[1].address;
    h.ok(&[ix::update_market(admin.pubkey(), eth, MarketParams { pnl_weight_ppm: 500_000, ..default_market_params() })], &[&admin]).await;
    h.expect_failure(&[withdraw(&alice, USD, &book())], &[&alice.key], code(ErrorCode::PriceBookStale)).await;
    h.refresh_prices().await;
    h.ok(&[withdraw(&alice, USD, &book())], &[&alice.key]).await;
}

#[tokio::test]
async fn a_market_the_book_has_not_read_is_refused() {
    let (mut h, alice) = three_cross_positions().await;
    let admin = h.admin.insecure_clone();
    // A configuration change invalidates every entry; then only BTC and ETH are refreshed.
    h.ok(&[ix::set_pause(admin.pubkey(), Some(h.market_and_oracle(2)), MarketStatus::Active)], &[&admin]).await;
    let pairs = [h.market_and_oracle(0), h.market_and_oracle(1)];
    h.ok(&[ix::refresh_prices(&pairs)], &[]).await;
    h.expect_failure(&[withdraw(&alice, USD, &book())], &[&alice.key], code(ErrorCode::PriceBookStale)).await;
}

#[tokio::test]
async fn a_reading_is_as_stale_through_the_book_as_it_is_on_its_oracle() {
    let (mut h, alice) = three_cross_positions().await;
    // 61 s later (the markets accept 60 s) and one slot after a refresh: the oracles have
    // not published since, so every reading is stale whichever way it is read.
    h.advance_time(61);
    h.refresh_prices().await;
    h.expect_failure(&[withdraw(&alice, USD, &book())], &[&alice.key], code(ErrorCode::OracleStale)).await;
    let accounts = h.health_accounts(alice.account).await;
    h.expect_failure(&[withdraw(&alice, USD, &accounts)], &[&alice.key], code(ErrorCode::OracleStale)).await;
    // The view values the positions adversely either way, identically.
    h.refresh_prices().await;
    assert_eq!(h.view_with(&alice, book(), &[]).await, h.view(&alice, &[]).await);
}

#[tokio::test]
async fn realising_profit_writes_markets_so_it_needs_their_accounts() {
    let (mut h, alice) = three_cross_positions().await;
    // BTC to $80,000: 0.5 BTC is about $15,000 up, against $6,000 of initial margin on
    // $60,000 of notional, so more than the collateral is transferable.
    h.set_price(BTC, 80_000.0, 0.0).await;
    let collateral = u64::try_from(h.margin(alice.account).await.cross_collateral).unwrap();
    let transferable = h.view(&alice, &[]).await.cross.transferable;
    assert!(transferable > collateral + 5_000 * USD);
    h.refresh_prices().await;
    let all = withdraw(&alice, transferable, &book());
    h.expect_failure(&[all], &[&alice.key], code(ErrorCode::PriceBookCannotRealise)).await;
    // Up to the collateral nothing is realised, so the book serves.
    h.refresh_prices().await;
    h.ok(&[withdraw(&alice, collateral, &book())], &[&alice.key]).await;
    // The rest is realised through the accounts.
    h.withdraw(&alice, transferable - collateral).await;
}

#[tokio::test]
async fn only_the_price_book_stands_in_for_the_pairs() {
    let (mut h, alice) = three_cross_positions().await;
    let k = &alice.key;
    let btc = h.markets[0].clone();
    // One account that is not the book: a market, a margin account, an impostor carrying
    // the book's layout but owned by another program.
    h.expect_failure(&[withdraw(&alice, USD, &[btc.address])], &[k], code(ErrorCode::HealthAccountMismatch)).await;
    h.expect_failure(&[withdraw(&alice, USD, &[alice.account])], &[k], code(ErrorCode::HealthAccountMismatch)).await;
    let impostor = Pubkey::new_unique();
    let book_bytes = h.account(ix::price_book_pda()).await.unwrap().data;
    h.set_account(impostor, Pubkey::new_unique(), book_bytes);
    h.expect_failure(&[withdraw(&alice, USD, &[impostor])], &[k], code(ErrorCode::HealthAccountMismatch)).await;
    // The book with pairs after it is not the book alone.
    let mut mixed = book();
    mixed.extend([btc.address, btc.oracle]);
    h.expect_failure(&[withdraw(&alice, USD, &mixed)], &[k], code(ErrorCode::HealthAccountMismatch)).await;
}

#[tokio::test]
async fn refresh_prices_checks_each_pair_and_the_book() {
    let (mut h, _alice) = three_cross_positions().await;
    let (btc, btc_oracle) = h.market_and_oracle(0);
    let (eth, eth_oracle) = h.market_and_oracle(1);
    h.expect_failure(&[ix::refresh_prices(&[(btc, eth_oracle)])], &[], code(ErrorCode::WrongOracle)).await;
    h.expect_failure(&[ix::refresh_prices(&[(btc_oracle, btc)])], &[], code(ErrorCode::HealthAccountMismatch)).await;
    let mut odd = ix::refresh_prices(&[(btc, btc_oracle)]);
    odd.accounts.pop();
    h.expect_failure(&[odd], &[], code(ErrorCode::HealthAccountMismatch)).await;
    let mut none = ix::refresh_prices(&[]);
    none.accounts.truncate(2);
    h.expect_failure(&[none], &[], code(ErrorCode::HealthAccountMismatch)).await;
    // Only the book's address is written.
    let mut elsewhere = ix::refresh_prices(&[(eth, eth_oracle)]);
    elsewhere.accounts[1].pubkey = h.markets[2].address;
    h.expect_rejected(&[elsewhere], &[]).await;
}

#[test]
fn entries_are_found_by_market_index_and_only_while_fresh() {
    use bytemuck::Zeroable;
    let mut book = PriceBook::zeroed();
    let stale = code(ErrorCode::PriceBookStale);
    assert_eq!(code_of(book.fresh_entry(0, 100, 0).unwrap_err()), stale, "never written");
    book.entries[3].refreshed_slot = 96;
    book.entries[3].market_index = 3;
    book.entries[3].config_epoch = 7;
    assert!(book.fresh_entry(3, 100, 7).is_ok());
    assert_eq!(code_of(book.fresh_entry(3, 101, 7).unwrap_err()), stale, "five slots old");
    assert_eq!(code_of(book.fresh_entry(3, 100, 8).unwrap_err()), stale, "older configuration");
    let beyond = u16::try_from(MAX_PRICE_BOOK_MARKETS).unwrap();
    assert_eq!(code_of(book.fresh_entry(beyond, 100, 7).unwrap_err()), code(ErrorCode::MarketNotInPriceBook));
}

#[test]
fn an_entry_classifies_its_reading_with_the_oracles_precedence() {
    use bytemuck::Zeroable;
    let mut e = ballast::state::PriceEntry::zeroed();
    e.price = 1;
    e.publish_time = 1_000;
    e.max_oracle_age_secs = 60;
    let at = |e: &ballast::state::PriceEntry, now| e.reading(now).validity;
    assert_eq!(at(&e, 1_060), OracleValidity::Valid);
    assert_eq!(at(&e, 1_061), OracleValidity::Stale);
    assert_eq!(e.reading(1_061).age, 61);
    // Not positive beats stale, stale beats too uncertain.
    e.quality = 2;
    assert_eq!(at(&e, 1_061), OracleValidity::NonPositive);
    e.quality = 1;
    assert_eq!(at(&e, 1_061), OracleValidity::Stale);
    assert_eq!(at(&e, 1_060), OracleValidity::TooUncertain);
    // A publish time ahead of the clock counts as age 0.
    assert_eq!(e.reading(900).age, 0);
}
