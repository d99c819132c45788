//! The price book: `refresh_prices` copies each market and its oracle reading into one
//! account, and every cross-reading instruction may take that account instead of a
//! `[market, oracle]` pair per position. Its entries are used only while fresh (written in
//! this slot for value leaving a domain or new risk, at most four slots old otherwise, and
//! no market's configuration changed since), a reading's age still counts from its publish
//! time, and the valuation is the same as through the accounts.
//! Numbers: BTC $50,000, ETH $3,000 ± $1.50, SOL $100, default markets (20x tier), 0.01%
//! half-spread, 0.05% taker fee.

use anchor_lang::prelude::Pubkey;
use ballast::constants::{MAX_PRICE_BOOK_AGE_SLOTS, MAX_PRICE_BOOK_MARKETS};
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

type Ix = anchor_lang::solana_program::instruction::Instruction;

fn withdraw(alice: &User, amount: u64, health: &[Pubkey]) -> Ix {
    ix::withdraw(alice.pubkey(), alice.account, alice.token, amount, health)
}

/// `ixn` preceded by a refresh of every market in the same transaction (what a strict
/// reader of the book needs: this slot's entries).
fn refreshed(h: &Harness, ixn: Ix) -> Vec<Ix> {
    vec![h.refresh_prices_ix(), ixn]
}

fn view_ix(alice: &User) -> Ix {
    ix::account_health(alice.account, &book())
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
    let too_much = refreshed(&h, withdraw(&alice, transferable + 1, &book()));
    h.expect_failure(&too_much, &[&alice.key], code(ErrorCode::InsufficientTransferable)).await;
    let all = refreshed(&h, withdraw(&alice, transferable, &book()));
    h.ok(&all, &[&alice.key]).await;
}

#[tokio::test]
async fn trades_and_liquidations_through_the_book_end_exactly_where_they_do_through_the_accounts() {
    let run = |use_book: bool| async move {
        let (mut h, alice) = with_collateral(7_000 * USD).await;
        let keeper = h.user("keeper", 0).await;
        // A trade naming ETH values BTC and SOL from the book (or their accounts).
        let health = if use_book { book() } else { h.health_accounts_except(alice.account, 1).await };
        let t = ix::trade(alice.pubkey(), alice.account, 1, h.markets[1].oracle, UNIT, u64::MAX, MarginMode::Cross, 0, &health);
        // New risk reads this slot's entries: the refresh rides in the same transaction.
        let ixs = if use_book { refreshed(&h, t) } else { vec![t] };
        h.ok(&ixs, &[&alice.key]).await;
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
async fn a_lenient_reader_takes_an_entry_up_to_four_slots_old_and_refuses_an_older_one() {
    let (mut h, alice) = three_cross_positions().await;
    // Four slots after the refresh: still fresh for a view (or a liquidation, a reduction).
    h.advance_slots(3);
    h.ok(&[view_ix(&alice)], &[]).await;
    h.refresh_prices().await;
    // Five: refused, and nothing changes.
    h.advance_slots(4);
    h.expect_failure(&[view_ix(&alice)], &[], code(ErrorCode::PriceBookStale)).await;
    // The accounts still work.
    let pairs = h.health_accounts(alice.account).await;
    h.ok(&[ix::account_health(alice.account, &pairs)], &[]).await;
}

#[tokio::test]
async fn a_strict_reader_takes_only_this_slots_entries() {
    let (mut h, alice) = three_cross_positions().await;
    // The refresh landed one slot ago: a withdrawal (value leaving the domain) refuses it,
    // so nobody can pick a price its oracle has already moved past.
    h.expect_failure(&[withdraw(&alice, USD, &book())], &[&alice.key], code(ErrorCode::PriceBookStale)).await;
    // With the refresh in the same transaction it reads the book.
    let ixs = refreshed(&h, withdraw(&alice, USD, &book()));
    h.ok(&ixs, &[&alice.key]).await;
    // So does new risk: a trade that grows a position.
    h.refresh_prices().await;
    let grow = ix::trade(alice.pubkey(), alice.account, 1, h.markets[1].oracle, UNIT, u64::MAX, MarginMode::Cross, 0, &book());
    h.expect_failure(std::slice::from_ref(&grow), &[&alice.key], code(ErrorCode::PriceBookStale)).await;
    h.ok(&refreshed(&h, grow), &[&alice.key]).await;
    // A reduction is lenient: last slot's entries serve.
    h.refresh_prices().await;
    let reduce = ix::trade(alice.pubkey(), alice.account, 1, h.markets[1].oracle, -UNIT, 0, MarginMode::Cross, 0, &book());
    h.ok(&[reduce], &[&alice.key]).await;
}

#[tokio::test]
async fn a_market_configuration_change_invalidates_every_entry_until_the_next_refresh() {
    let (mut h, alice) = three_cross_positions().await;
    let admin = h.admin.insecure_clone();
    // Pausing SOL one slot after the refresh: the entries are young enough for a view, but
    // they were taken before the pause, so they are not used — the pause binds at once.
    h.ok(&[ix::set_pause(admin.pubkey(), Some(h.market_and_oracle(2)), MarketStatus::Paused)], &[&admin]).await;
    h.expect_failure(&[view_ix(&alice)], &[], code(ErrorCode::PriceBookStale)).await;
    // Refreshed, the entry carries the pause: a withdrawal is refused exactly as through the accounts.
    h.refresh_prices().await;
    h.ok(&[view_ix(&alice)], &[]).await;
    let ixs = refreshed(&h, withdraw(&alice, USD, &book()));
    h.expect_failure(&ixs, &[&alice.key], code(ErrorCode::Paused)).await;
    let accounts = h.health_accounts(alice.account).await;
    h.expect_failure(&[withdraw(&alice, USD, &accounts)], &[&alice.key], code(ErrorCode::Paused)).await;
    // Pausing it again changes nothing, so the book stays valid.
    h.refresh_prices().await;
    h.ok(&[ix::set_pause(admin.pubkey(), Some(h.market_and_oracle(2)), MarketStatus::Paused)], &[&admin]).await;
    h.ok(&[view_ix(&alice)], &[]).await;
    h.ok(&[ix::set_pause(admin.pubkey(), Some(h.market_and_oracle(2)), MarketStatus::Active)], &[&admin]).await;
    // A parameter change (ETH's PnL weight) invalidates the entries too; the same
    // parameters again do not.
    h.refresh_prices().await;
    let eth = h.markets[1].address;
    let halved = MarketParams { pnl_weight_ppm: 500_000, ..default_market_params() };
    h.ok(&[ix::update_market(admin.pubkey(), eth, halved.clone())], &[&admin]).await;
    h.expect_failure(&[view_ix(&alice)], &[], code(ErrorCode::PriceBookStale)).await;
    h.refresh_prices().await;
    h.ok(&[ix::update_market(admin.pubkey(), eth, halved)], &[&admin]).await;
    h.ok(&[view_ix(&alice)], &[]).await;
    let ixs = refreshed(&h, withdraw(&alice, USD, &book()));
    h.ok(&ixs, &[&alice.key]).await;
}

#[tokio::test]
async fn a_market_the_book_has_not_read_is_refused() {
    let (mut h, alice) = three_cross_positions().await;
    // A fourth market, created after the refresh: its entry has never been written.
    h.add_push_market(10.0, default_market_params()).await;
    h.trade(&alice, 3, UNIT, MarginMode::Cross, 10).await;
    let pairs = [h.market_and_oracle(0), h.market_and_oracle(1), h.market_and_oracle(2)];
    h.ok(&[ix::refresh_prices(&pairs)], &[]).await;
    h.expect_failure(&[view_ix(&alice)], &[], code(ErrorCode::PriceBookStale)).await;
    h.refresh_prices().await;
    h.ok(&[view_ix(&alice)], &[]).await;
}

#[tokio::test]
async fn a_reading_is_as_stale_through_the_book_as_it_is_on_its_oracle() {
    let (mut h, alice) = three_cross_positions().await;
    // 61 s later (the markets accept 60 s): the oracles have not published since, so every
    // reading is stale whichever way it is read.
    h.advance_time(61);
    let ixs = refreshed(&h, withdraw(&alice, USD, &book()));
    h.expect_failure(&ixs, &[&alice.key], code(ErrorCode::OracleStale)).await;
    let accounts = h.health_accounts(alice.account).await;
    h.expect_failure(&[withdraw(&alice, USD, &accounts)], &[&alice.key], code(ErrorCode::OracleStale)).await;
}

#[tokio::test]
async fn a_reading_valid_when_copied_goes_stale_in_the_book_on_its_oracles_clock() {
    let (mut h, alice) = three_cross_positions().await;
    // 59 s after the prices were published: valid when the book copies them ...
    h.advance_time(59);
    h.refresh_prices().await;
    let fresh = h.view_with(&alice, book(), &[]).await;
    assert!(fresh.cross.transferable > 0);
    // ... and 2 s later (one slot on) stale: valued adversely, nothing transferable —
    // exactly what reading the oracles says.
    h.advance_time(2);
    h.deposit(&alice, USD).await; // any transaction moves the clock
    let through_book = h.view_with(&alice, book(), &[]).await;
    let through_accounts = h.view(&alice, &[]).await;
    assert_eq!(through_book.cross.transferable, 0);
    // The same adverse valuation (PnL, requirements); only funding differs, counted to the
    // refresh through the book and to now through the accounts (2 s apart).
    let valuation = |v: &ballast::instructions::AccountHealthView| {
        let d = &v.cross;
        (d.initial_margin, d.maintenance_margin, d.transferable, d.positions.iter().map(|p| p.unrealized_pnl).collect::<Vec<_>>())
    };
    assert_eq!(valuation(&through_book), valuation(&through_accounts));
    assert_ne!(valuation(&fresh), valuation(&through_book), "the fresh copy valued plainly");
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
    let all = refreshed(&h, withdraw(&alice, transferable, &book()));
    h.expect_failure(&all, &[&alice.key], code(ErrorCode::PriceBookCannotRealise)).await;
    // Up to the collateral nothing is realised, so the book serves.
    let collateral_only = refreshed(&h, withdraw(&alice, collateral, &book()));
    h.ok(&collateral_only, &[&alice.key]).await;
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
    h.expect_failure(&[ix::refresh_prices(&[])], &[], code(ErrorCode::HealthAccountMismatch)).await;
    // Only the book is written: a market in its place is refused by its discriminator.
    let mut elsewhere = ix::refresh_prices(&[(eth, eth_oracle)]);
    elsewhere.accounts[1].pubkey = h.markets[2].address;
    h.expect_failure(&[elsewhere], &[], anchor_code(anchor_lang::error::ErrorCode::AccountDiscriminatorMismatch)).await;
    // The same market twice is harmless: the later copy wins, both are the same.
    h.ok(&[ix::refresh_prices(&[(btc, btc_oracle), (btc, btc_oracle)])], &[]).await;
}

/// The program's entrypoint reads up to 64 accounts into an array and more into a heap
/// vector (programs/ballast/src/entrypoint.rs). Either way the instruction sees every
/// account, duplicates resolved: a pair listed again and again refreshes, and a wrong pair
/// in the last place is found. The entrypoint exists only in the bytecode, so this tests it
/// in the bytecode run (CI's "bytecode scenarios"); natively it checks the repeated pairs
/// alone.
#[tokio::test]
async fn instructions_read_every_account_on_both_sides_of_the_entrypoints_64_account_array() {
    let (mut h, _alice) = three_cross_positions().await;
    let pairs: Vec<(Pubkey, Pubkey)> = h.markets.iter().map(|m| (m.address, m.oracle)).collect();
    let repeated = |n: usize| -> Vec<(Pubkey, Pubkey)> { pairs.iter().copied().cycle().take(n).collect() };
    // The exchange and the book, then the pairs: 31 pairs make 64 accounts, 32 make 66.
    for n in [31, 32] {
        let ixn = ix::refresh_prices(&repeated(n));
        assert_eq!(ixn.accounts.len(), 2 + 2 * n);
        let before = h.load::<PriceBook>(ix::price_book_pda()).await.entries;
        h.ok(&[ixn], &[]).await;
        let after = h.load::<PriceBook>(ix::price_book_pda()).await.entries;
        for i in 0..pairs.len() {
            assert!(after[i].refreshed_slot > before[i].refreshed_slot, "{n} pairs: market {i} refreshed");
        }
        let mut wrong_last = repeated(n);
        let last = wrong_last.len() - 1;
        wrong_last[last].1 = h.markets[(last + 1) % pairs.len()].oracle;
        h.expect_failure(&[ix::refresh_prices(&wrong_last)], &[], code(ErrorCode::WrongOracle)).await;
    }
}

#[test]
fn entries_are_found_by_market_index_and_only_while_fresh() {
    use bytemuck::Zeroable;
    let mut book = PriceBook::zeroed();
    let stale = code(ErrorCode::PriceBookStale);
    let lenient = MAX_PRICE_BOOK_AGE_SLOTS;
    assert_eq!(code_of(book.fresh_entry(0, 100, 0, lenient).unwrap_err()), stale, "never written");
    book.entries[3].refreshed_slot = 96;
    book.entries[3].market_index = 3;
    book.entries[3].config_epoch = 7;
    assert!(book.fresh_entry(3, 100, 7, lenient).is_ok());
    assert_eq!(code_of(book.fresh_entry(3, 101, 7, lenient).unwrap_err()), stale, "five slots old");
    assert_eq!(code_of(book.fresh_entry(3, 97, 7, 0).unwrap_err()), stale, "a strict read wants this slot's");
    assert!(book.fresh_entry(3, 96, 7, 0).is_ok());
    assert_eq!(code_of(book.fresh_entry(3, 100, 8, lenient).unwrap_err()), stale, "older configuration");
    let beyond = u16::try_from(MAX_PRICE_BOOK_MARKETS).unwrap();
    assert_eq!(code_of(book.fresh_entry(beyond, 100, 7, lenient).unwrap_err()), code(ErrorCode::MarketNotInPriceBook));
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
