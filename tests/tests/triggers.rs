//! Trigger orders: reduce-only stop-loss, take-profit and partial-close orders stored on
//! chain and executed by any keeper once the oracle price reaches them. Every step is
//! checked by the harness's invariants (a trigger never grows or flips a position, and
//! never leaves a domain below maintenance worse off).

use ballast::error::ErrorCode;
use ballast::instructions::TriggerOrderParams;
use ballast::state::{MarginMode, TriggerBook, TriggerCondition, TriggerSize};
use ballast_tests::*;
use solana_keypair::Keypair;
use solana_signer::Signer;

const BTC: u16 = 0;
/// Program price scale: $1 = 1e9.
const PX: u64 = 1_000_000_000;

fn order(
    isolated: bool,
    condition: TriggerCondition,
    trigger_dollars: u64,
    size: TriggerSize,
    limit_price: u64,
    tip: u64,
) -> TriggerOrderParams {
    TriggerOrderParams { market_index: BTC, isolated, condition, trigger_price: trigger_dollars * PX, size, limit_price, tip }
}

async fn place(h: &mut Harness, user: &User, params: TriggerOrderParams) {
    h.ok(&[ix::place_trigger_order(user.pubkey(), user.account, params)], &[&user.key]).await;
}

async fn execute_ix(h: &mut Harness, keeper: &User, user: &User, id: u32) -> solana_instruction::Instruction {
    let health = h.health_accounts_except(user.account, BTC).await;
    ix::execute_trigger_order(keeper.pubkey(), keeper.token, user.account, id, BTC, h.markets[0].oracle, &health)
}

async fn book(h: &mut Harness, user: &User) -> TriggerBook {
    h.load(ix::trigger_book_pda(&user.account)).await
}

#[tokio::test]
async fn a_stop_loss_closes_30_percent_of_a_losing_long_and_its_margin_falls_to_70_percent() {
    let h = &mut Harness::new().await;
    let alice = h.user("alice", 100_000 * USD).await;
    let keeper = h.user("keeper", 0).await;
    h.deposit(&alice, 20_000 * USD).await;
    h.trade(&alice, BTC, UNIT, MarginMode::Isolated, 10).await;
    place(h, &alice, order(true, TriggerCondition::AtOrBelow, 48_000, TriggerSize::Fraction(300_000), 0, 500_000)).await;

    // $48,500 is above the trigger: refused, and the order stays.
    h.set_price(BTC, 48_500.0, 0.0).await;
    let early = execute_ix(h, &keeper, &alice, 0).await;
    h.expect_failure(&[early], &[&keeper.key], code(ErrorCode::TriggerNotMet)).await;

    h.set_price(BTC, 47_900.0, 0.0).await;
    let before = h.view(&alice, &[BTC]).await.isolated[0].clone();
    let fire = execute_ix(h, &keeper, &alice, 0).await;
    h.ok(&[fire], &[&keeper.key]).await;
    if let Some(e) = h.events::<ballast::events::TriggerOrderExecuted>() {
        assert_eq!((e[0].base_before, e[0].base_after, e[0].tip), (UNIT, 7 * UNIT / 10, 500_000));
    }
    assert_eq!(h.isolated(&alice, BTC).await.base, 7 * UNIT / 10);
    let after = h.view(&alice, &[BTC]).await.isolated[0].clone();
    // At $47,900: maintenance 2.5% of $47,900 = $1,197.50 → 2.5% of $33,530 = $838.25;
    // initial (10x) $4,790 → $3,353. 70% of each remains.
    assert_eq!((before.maintenance_margin, after.maintenance_margin), (1_197_500_000, 838_250_000));
    assert_eq!((before.initial_margin, after.initial_margin), (4_790_000_000, 3_353_000_000));
    assert_eq!(h.token_balance(keeper.token).await, 500_000);
    // The order ran once and is gone.
    let again = execute_ix(h, &keeper, &alice, 0).await;
    h.expect_failure(&[again], &[&keeper.key], code(ErrorCode::TriggerOrderNotFound)).await;
}

#[tokio::test]
async fn a_short_s_take_profit_fires_below_and_its_stop_loss_above_each_only_when_reached() {
    let h = &mut Harness::new().await;
    let bob = h.user("bob", 100_000 * USD).await;
    let keeper = h.user("keeper", 0).await;
    h.deposit(&bob, 20_000 * USD).await;
    h.trade(&bob, BTC, -UNIT, MarginMode::Cross, 5).await;
    let (tp, sl) = (0, 1);
    place(h, &bob, order(false, TriggerCondition::AtOrBelow, 45_000, TriggerSize::Lots(4 * UNIT as u64 / 10), u64::MAX, 0)).await;
    place(h, &bob, order(false, TriggerCondition::AtOrAbove, 55_000, TriggerSize::Lots(5 * UNIT as u64 / 10), u64::MAX, 0)).await;

    h.set_price(BTC, 52_000.0, 0.0).await;
    for id in [tp, sl] {
        let ixn = execute_ix(h, &keeper, &bob, id).await;
        h.expect_failure(&[ixn], &[&keeper.key], code(ErrorCode::TriggerNotMet)).await;
    }
    h.set_price(BTC, 55_500.0, 0.0).await;
    let tp_early = execute_ix(h, &keeper, &bob, tp).await;
    h.expect_failure(&[tp_early], &[&keeper.key], code(ErrorCode::TriggerNotMet)).await;
    let fire = execute_ix(h, &keeper, &bob, sl).await;
    h.ok(&[fire], &[&keeper.key]).await;
    let base = |m: ballast::state::MarginAccount| m.cross_positions[m.slot_of(BTC).unwrap()].base;
    assert_eq!(base(h.margin(bob.account).await), -UNIT / 2);

    h.set_price(BTC, 44_000.0, 0.0).await;
    let fire = execute_ix(h, &keeper, &bob, tp).await;
    h.ok(&[fire], &[&keeper.key]).await;
    assert_eq!(base(h.margin(bob.account).await), -UNIT / 10);
    // A size beyond the position shrinks to it: 1 BTC ordered, 0.1 BTC left, 0.1 closed.
    place(h, &bob, order(false, TriggerCondition::AtOrBelow, 44_500, TriggerSize::Lots(UNIT as u64), u64::MAX, 0)).await;
    let fire = execute_ix(h, &keeper, &bob, 2).await;
    h.ok(&[fire], &[&keeper.key]).await;
    assert_eq!(base(h.margin(bob.account).await), 0);
    assert!(book(h, &bob).await.orders.iter().all(|o| o.is_free()));
}

#[tokio::test]
async fn a_trigger_that_cannot_fill_within_its_limit_price_is_refused_and_stays() {
    let h = &mut Harness::new().await;
    let carol = h.user("carol", 100_000 * USD).await;
    let keeper = h.user("keeper", 0).await;
    h.deposit(&carol, 20_000 * USD).await;
    h.trade(&carol, BTC, UNIT, MarginMode::Cross, 10).await;
    // Stop at $48,000, but never sell below $47,990.
    place(h, &carol, order(false, TriggerCondition::AtOrBelow, 48_000, TriggerSize::Fraction(1_000_000), 47_990 * PX, 0)).await;
    // A gap to $47,000: the sell would fill at $46,995.30.
    h.set_price(BTC, 47_000.0, 0.0).await;
    let gap = execute_ix(h, &keeper, &carol, 0).await;
    h.expect_failure(&[gap], &[&keeper.key], code(ErrorCode::LimitPriceExceeded)).await;
    assert!(!book(h, &carol).await.orders[0].is_free(), "the order is still there");
    // Back at $48,000 the sell fills at $48,000 × 0.9999 = $47,995.20, above the limit.
    h.set_price(BTC, 48_000.0, 0.0).await;
    let fire = execute_ix(h, &keeper, &carol, 0).await;
    h.ok(&[fire], &[&keeper.key]).await;
    let m = h.margin(carol.account).await;
    assert_eq!(m.cross_positions[m.slot_of(BTC).unwrap()].base, 0);
}

#[tokio::test]
async fn a_trigger_left_on_a_closed_position_is_removed_and_never_acts_on_a_new_one() {
    let h = &mut Harness::new().await;
    let dave = h.user("dave", 100_000 * USD).await;
    let keeper = h.user("keeper", 0).await;
    h.deposit(&dave, 20_000 * USD).await;
    h.trade(&dave, BTC, UNIT, MarginMode::Cross, 10).await;
    place(h, &dave, order(false, TriggerCondition::AtOrBelow, 49_000, TriggerSize::Fraction(1_000_000), 0, 500_000)).await;
    // Closed by hand, then a new long of the same size and side.
    h.trade(&dave, BTC, -UNIT, MarginMode::Cross, 0).await;
    h.trade(&dave, BTC, UNIT, MarginMode::Cross, 10).await;
    h.set_price(BTC, 48_000.0, 0.0).await;
    let stale = execute_ix(h, &keeper, &dave, 0).await;
    h.ok(&[stale], &[&keeper.key]).await;
    if let Some(e) = h.events::<ballast::events::TriggerOrderCancelled>() {
        assert_eq!((e[0].id, e[0].reason), (0, 1));
    }
    let m = h.margin(dave.account).await;
    assert_eq!(m.cross_positions[m.slot_of(BTC).unwrap()].base, UNIT, "the new position is untouched");
    assert_eq!(h.token_balance(keeper.token).await, 0, "no tip for removing it");
    assert!(book(h, &dave).await.orders[0].is_free());
    // An isolated order whose position closed is removed the same way.
    h.trade(&dave, BTC, -UNIT, MarginMode::Cross, 0).await;
    h.trade(&dave, BTC, UNIT, MarginMode::Isolated, 10).await;
    place(h, &dave, order(true, TriggerCondition::AtOrBelow, 49_000, TriggerSize::Fraction(500_000), 0, 0)).await;
    h.trade(&dave, BTC, -UNIT, MarginMode::Isolated, 0).await;
    let stale = execute_ix(h, &keeper, &dave, 1).await;
    h.ok(&[stale], &[&keeper.key]).await;
    assert!(book(h, &dave).await.orders.iter().all(|o| o.is_free()));
}

#[tokio::test]
async fn closing_an_isolated_position_by_trigger_pays_the_tip_from_the_margin_it_returns() {
    let h = &mut Harness::new().await;
    let erin = h.user("erin", 100_000 * USD).await;
    let keeper = h.user("keeper", 0).await;
    h.deposit(&erin, 20_000 * USD).await;
    h.trade(&erin, BTC, UNIT / 10, MarginMode::StrictIsolated, 5).await;
    place(h, &erin, order(true, TriggerCondition::AtOrAbove, 51_000, TriggerSize::Fraction(1_000_000), 0, 1_000_000)).await;
    h.set_price(BTC, 51_000.0, 0.0).await;
    let cross_before = h.margin(erin.account).await.cross_collateral;
    let fire = execute_ix(h, &keeper, &erin, 0).await;
    h.ok(&[fire], &[&keeper.key]).await;
    assert_eq!(h.isolated(&erin, BTC).await.base, 0);
    assert_eq!(h.token_balance(keeper.token).await, 1_000_000);
    // Cross got the position's margin and profit back, minus the $1 tip.
    let returned = h.margin(erin.account).await.cross_collateral - cross_before;
    if let Some(e) = h.events::<ballast::events::TradeExecuted>() {
        assert_eq!(returned, -e[0].margin_moved - 1_000_000);
    }
}

#[tokio::test]
async fn bad_trigger_orders_are_refused_and_change_nothing() {
    let h = &mut Harness::new().await;
    let eth = h.add_push_market(3_000.0, default_market_params()).await;
    let frank = h.user("frank", 100_000 * USD).await;
    let keeper = h.user("keeper", 0).await;
    h.deposit(&frank, 20_000 * USD).await;
    let good = order(false, TriggerCondition::AtOrBelow, 45_000, TriggerSize::Fraction(500_000), 0, 0);
    let refuse = |params: TriggerOrderParams| ix::place_trigger_order(frank.pubkey(), frank.account, params);
    // Nothing open yet.
    h.expect_failure(&[refuse(good)], &[&frank.key], code(ErrorCode::NoOpenPosition)).await;
    h.trade(&frank, BTC, UNIT, MarginMode::Cross, 10).await;
    let isolated = TriggerOrderParams { isolated: true, ..good };
    h.expect_failure(&[refuse(isolated)], &[&frank.key], code(ErrorCode::NoOpenPosition)).await;
    let lot = default_market_params().lot_size;
    for bad in [
        TriggerOrderParams { size: TriggerSize::Lots(0), ..good },
        TriggerOrderParams { size: TriggerSize::Lots(lot + 1), ..good },
        TriggerOrderParams { size: TriggerSize::Fraction(0), ..good },
        TriggerOrderParams { size: TriggerSize::Fraction(1_000_001), ..good },
        TriggerOrderParams { trigger_price: 0, ..good },
        TriggerOrderParams { tip: 1_000_001, ..good },
    ] {
        h.expect_failure(&[refuse(bad)], &[&frank.key], code(ErrorCode::InvalidTriggerOrder)).await;
    }
    let wrong_market = TriggerOrderParams { market_index: eth.index, ..good };
    let mut ixn = refuse(wrong_market);
    ixn.accounts[2].pubkey = h.markets[0].address; // names BTC's market for an ETH order
    h.expect_failure(&[ixn], &[&frank.key], code(ErrorCode::WrongMarketIndex)).await;
    // Strangers neither place nor cancel; the delegate does both.
    let stranger = Keypair::new();
    let forged = ix::place_trigger_order(stranger.pubkey(), frank.account, good);
    h.expect_failure(&[forged], &[&stranger], code(ErrorCode::NotOwnerOrDelegate)).await;
    for _ in 0..8 {
        place(h, &frank, good).await;
    }
    h.expect_failure(&[refuse(good)], &[&frank.key], code(ErrorCode::TriggerBookFull)).await;
    h.expect_failure(&[ix::cancel_trigger_order(stranger.pubkey(), frank.account, 3)], &[&stranger], code(ErrorCode::NotOwnerOrDelegate))
        .await;
    let delegate = h.user("delegate", 0).await;
    h.ok(&[ix::set_delegate(frank.pubkey(), frank.account, delegate.pubkey())], &[&frank.key]).await;
    h.ok(&[ix::cancel_trigger_order(delegate.pubkey(), frank.account, 3)], &[&delegate.key]).await;
    h.ok(&[ix::place_trigger_order(delegate.pubkey(), frank.account, good)], &[&delegate.key]).await;
    assert_eq!(book(h, &frank).await.orders[3].id, 8, "the freed slot takes the next id");
    h.expect_failure(&[ix::cancel_trigger_order(frank.pubkey(), frank.account, 3)], &[&frank.key], code(ErrorCode::TriggerOrderNotFound))
        .await;
    // Execution names the order's own market and the account's own book.
    h.set_price(BTC, 44_000.0, 0.0).await;
    let mut other_market = execute_ix(h, &keeper, &frank, 0).await;
    other_market.accounts[3].pubkey = eth.address;
    other_market.accounts[4].pubkey = eth.oracle;
    h.expect_failure(&[other_market], &[&keeper.key], code(ErrorCode::WrongMarketIndex)).await;
    let grace = h.user("grace", 100_000 * USD).await;
    h.deposit(&grace, 20_000 * USD).await;
    h.trade(&grace, BTC, UNIT, MarginMode::Cross, 10).await;
    place(h, &grace, good).await;
    let mut foreign_book = execute_ix(h, &keeper, &frank, 0).await;
    foreign_book.accounts[6].pubkey = ix::trigger_book_pda(&grace.account);
    h.expect_failure(&[foreign_book], &[&keeper.key], code(ErrorCode::WrongTriggerBook)).await;
}

#[tokio::test]
async fn the_owner_closes_the_trigger_book_and_gets_its_rent_back_and_nobody_else_can() {
    let h = &mut Harness::new().await;
    let gus = h.user("gus", 100_000 * USD).await;
    h.deposit(&gus, 20_000 * USD).await;
    h.trade(&gus, BTC, UNIT, MarginMode::Cross, 10).await;
    place(h, &gus, order(false, TriggerCondition::AtOrBelow, 45_000, TriggerSize::Fraction(500_000), 0, 0)).await;
    let book_key = ix::trigger_book_pda(&gus.account);
    let rent = h.account(book_key).await.unwrap().lamports;
    let delegate = h.user("delegate", 0).await;
    h.ok(&[ix::set_delegate(gus.pubkey(), gus.account, delegate.pubkey())], &[&gus.key]).await;
    let by_delegate = ix::close_trigger_book(delegate.pubkey(), gus.account);
    h.expect_failure(&[by_delegate], &[&delegate.key], code(ErrorCode::NotOwner)).await;
    let before = h.account(gus.pubkey()).await.unwrap().lamports;
    h.ok(&[ix::close_trigger_book(gus.pubkey(), gus.account)], &[&gus.key]).await;
    if let Some(e) = h.events::<ballast::events::TriggerBookClosed>() {
        assert_eq!(e[0].cancelled, 1);
    }
    assert!(h.account(book_key).await.is_none());
    assert_eq!(h.account(gus.pubkey()).await.unwrap().lamports, before + rent);
    // The next order opens a new book.
    place(h, &gus, order(false, TriggerCondition::AtOrBelow, 45_000, TriggerSize::Fraction(500_000), 0, 0)).await;
    assert_eq!(book(h, &gus).await.next_id, 1);
}

#[tokio::test]
async fn a_delegate_attaches_no_tip_and_nobody_tips_themselves() {
    let h = &mut Harness::new().await;
    let hana = h.user("hana", 100_000 * USD).await;
    h.deposit(&hana, 20_000 * USD).await;
    h.trade(&hana, BTC, UNIT, MarginMode::Cross, 10).await;
    let delegate = h.user("delegate", 0).await;
    h.ok(&[ix::set_delegate(hana.pubkey(), hana.account, delegate.pubkey())], &[&hana.key]).await;
    // A delegate may place orders, but not spend the owner's money on tips.
    let tipped = order(false, TriggerCondition::AtOrAbove, 1, TriggerSize::Fraction(100_000), 0, 1_000_000);
    let by_delegate = ix::place_trigger_order(delegate.pubkey(), hana.account, tipped);
    h.expect_failure(&[by_delegate], &[&delegate.key], code(ErrorCode::NotOwner)).await;
    let untipped = TriggerOrderParams { tip: 0, ..tipped };
    h.ok(&[ix::place_trigger_order(delegate.pubkey(), hana.account, untipped)], &[&delegate.key]).await;
    // The owner's tipped order, executed by the delegate or the owner, pays no tip.
    place(h, &hana, tipped).await;
    place(h, &hana, tipped).await;
    let wallet = h.token_balance(hana.token).await;
    for (id, who) in [(1, &delegate), (2, &hana)] {
        let ixn = execute_ix(h, who, &hana, id).await;
        h.ok(&[ixn], &[&who.key]).await;
        if let Some(e) = h.events::<ballast::events::TriggerOrderExecuted>() {
            assert_eq!(e[0].tip, 0);
        }
    }
    assert_eq!(h.token_balance(delegate.token).await, 0, "the delegate got no tip");
    assert_eq!(h.token_balance(hana.token).await, wallet, "the owner got no tip");
}
