//! Pool solvency: bad debt beyond the insurance fund and the pool, profit the pool cannot
//! pay, and auto-deleveraging (docs/MATH.md, "Pool equity and auto-deleveraging").
//!
//! A frictionless BTC market (no fee, no spread, zero confidence) at $40,000 with a pool
//! of only $1,000 and no insurance. Alice is short 2 BTC in cross at 5x ($20,000
//! deposited); Bob is long 2 BTC isolated at 20x ($4,000 of isolated margin, $500 left in
//! cross). The pool's net position is flat. BTC then falls to $37,000: Alice is up $6,000,
//! Bob down $6,000 on $4,000, i.e. $2,000 of bad debt, of which the pool's $1,000 covers
//! half. Every transaction is followed by the harness's invariant check (vault = Σ claims
//! − pool deficit, pool cash and deficit never both non-zero).

use ballast::error::ErrorCode;
use ballast::state::MarginMode;
use ballast_tests::*;

const BTC: u16 = 0;
const MILLI: i64 = UNIT / 1_000;
const ALL: u64 = u64::MAX;

async fn setup() -> (Harness, User, User, User) {
    thin_pool_crash().await
}

fn adl_ix(h: &Harness, keeper: &User, user: &User, isolated: bool, max_base: u64) -> solana_instruction::Instruction {
    let oracle = h.markets[usize::from(BTC)].oracle;
    ix::auto_deleverage(keeper.pubkey(), user.account, BTC, oracle, isolated, max_base, &h.all_markets())
}

#[tokio::test]
async fn a_crash_beyond_insurance_and_pool_is_paid_by_deleveraging_the_winner() {
    let (mut h, alice, bob, keeper) = setup().await;

    // Alice's view shows her place in the ADL queue: +7.5% on $80,000 of cost, $74,000 of
    // notional on $26,000 of equity → score 0.075 × 2.846 = 0.213 → light 1. Bob's
    // losing position is not in the queue.
    let v = h.view(&alice, &[]).await;
    assert_eq!(v.cross.positions[0].adl_light, 1);
    assert_eq!(h.view(&bob, &[BTC]).await.isolated[0].positions[0].adl_light, 0);

    // Liquidating Bob at $37,000 realises −$6,000 on $4,000: the pool receives the loss
    // ($1,000 + $6,000 = $7,000) and pays the $2,000 of bad debt → $5,000 of cash.
    let liq = h.liquidate_isolated_ix(&keeper, &bob, BTC, ALL);
    h.ok(&[liq], &[&keeper.key]).await;
    let ex = h.exchange_state().await;
    assert_eq!((ex.pool_balance, ex.pool_deficit, ex.insurance_balance), (5_000 * USD, 0, 0));

    // Pool equity: $5,000 of cash − Alice's $6,000 of open profit = −$1,000. Deleveraging
    // Alice closes ⌈2 × 1,000 / 6,000⌉ = 0.334 BTC (0.001 BTC lots): cost basis share
    // $13,360, value $12,358 → $1,002 realised, $1,000 of it given back.
    let adl = adl_ix(&h, &keeper, &alice, false, ALL);
    h.ok(std::slice::from_ref(&adl), &[&keeper.key]).await;
    let m = h.margin(alice.account).await;
    assert_eq!(m.cross_positions[0].base, -2 * UNIT + 334 * MILLI);
    assert_eq!(m.cross_positions[0].cost_basis, -(80_000 - 13_360) * USD as i64);
    assert_eq!(m.cross_collateral, (20_000 + 2) * USD as i64);
    let ex = h.exchange_state().await;
    assert_eq!((ex.pool_balance, ex.pool_deficit), (4_998 * USD, 0));
    if let Some(events) = h.events::<ballast::events::AutoDeleveraged>() {
        let e = &events[0];
        assert_eq!((e.realised_pnl, e.haircut, e.unsettled_change), (1_002 * USD as i64, 1_000 * USD, 0));
        assert_eq!((e.pool_equity_before, e.pool_equity_after), (-1_000 * USD as i64, 0));
    }
    let market = h.load::<ballast::state::Market>(h.markets[0].address).await;
    assert_eq!(market.adl_haircut_total, 1_000 * USD);

    // The pool can now pay every open profit: a second deleveraging is refused.
    h.expect_failure(&[adl], &[&keeper.key], code(ErrorCode::PoolNotInShortfall)).await;

    // Alice closes the rest and is paid in full: 1.666 BTC for $66,640 bought back at
    // $61,642 → $4,998, exactly the pool's cash. She keeps $5,000 of her $6,000: the
    // $1,000 the pool could not cover.
    h.trade(&alice, BTC, 2 * UNIT - 334 * MILLI, MarginMode::Cross, 5).await;
    let m = h.margin(alice.account).await;
    assert_eq!((m.cross_collateral, m.cross_positions[0].unsettled_pnl), (25_000 * USD as i64, 0));
    assert_eq!(h.exchange_state().await.pool_balance, 0);
    h.withdraw(&alice, 25_000 * USD).await;
    h.withdraw(&bob, 500 * USD).await;
    assert_eq!(h.token_balance(h.vault).await, 0, "every claim paid, nothing left over");
}

#[tokio::test]
async fn profit_the_pool_cannot_pay_waits_unsettled_and_uncovered_bad_debt_is_written_off_against_it() {
    let (mut h, alice, bob, keeper) = setup().await;

    // Alice closes first: +$6,000, of which the pool's $1,000 is paid; $5,000 is owed,
    // booked as her unsettled profit, and is the pool's deficit.
    h.trade(&alice, BTC, 2 * UNIT, MarginMode::Cross, 5).await;
    let m = h.margin(alice.account).await;
    assert_eq!((m.cross_collateral, m.cross_positions[0].unsettled_pnl), (21_000 * USD as i64, 5_000 * USD as i64));
    let ex = h.exchange_state().await;
    assert_eq!((ex.pool_balance, ex.pool_deficit), (0, 5_000 * USD));

    // The unpaid profit cannot leave: one unit above her collateral is refused, and
    // settling it moves nothing while the pool is in deficit.
    let too_much = h.withdraw_ix(&alice, 21_000 * USD + 1).await;
    h.expect_failure(&[too_much], &[&alice.key], code(ErrorCode::InsufficientTransferable)).await;
    h.ok(&[ix::settle_pnl(alice.account, BTC, false)], &[]).await;
    let m = h.margin(alice.account).await;
    assert_eq!((m.cross_collateral, m.cross_positions[0].unsettled_pnl), (21_000 * USD as i64, 5_000 * USD as i64));

    // Bob's liquidation brings in $6,000, which pays the deficit first ($1,000 of cash
    // left); that covers half of his $2,000 of bad debt and the pool owes the other half.
    let liq = h.liquidate_isolated_ix(&keeper, &bob, BTC, ALL);
    h.ok(&[liq], &[&keeper.key]).await;
    if let Some(events) = h.events::<ballast::events::BadDebtCovered>() {
        let e = &events[0];
        assert_eq!((e.bad_debt, e.insurance_paid, e.pool_paid, e.uncovered), (2_000 * USD, 0, 1_000 * USD, 1_000 * USD));
    }
    let p = h.isolated(&bob, BTC).await;
    assert_eq!((p.base, p.collateral), (0, 0), "no debt is left on a flat position");
    let ex = h.exchange_state().await;
    assert_eq!((ex.pool_balance, ex.pool_deficit), (0, 1_000 * USD));

    // Nobody holds open profit; the $1,000 shortfall is written off against the profit
    // the pool has not paid: Alice's unsettled $5,000 → $4,000, and the deficit is gone.
    h.ok(&[adl_ix(&h, &keeper, &alice, false, ALL)], &[&keeper.key]).await;
    let m = h.margin(alice.account).await;
    assert_eq!(m.cross_positions[0].unsettled_pnl, 4_000 * USD as i64);
    assert_eq!(h.exchange_state().await.pool_deficit, 0);

    // Now it settles and leaves: $25,000 in all, the same outcome as deleveraging first.
    h.ok(&[ix::settle_pnl(alice.account, BTC, false)], &[]).await;
    assert_eq!(h.margin(alice.account).await.cross_collateral, 25_000 * USD as i64);
    h.withdraw(&alice, 25_000 * USD).await;
    h.withdraw(&bob, 500 * USD).await;
    assert_eq!(h.token_balance(h.vault).await, 0);
}

#[tokio::test]
async fn fund_pool_pays_the_deficit_first() {
    let (mut h, alice, _bob, _keeper) = setup().await;
    h.trade(&alice, BTC, 2 * UNIT, MarginMode::Cross, 5).await;
    h.fund_pool(7_000 * USD).await;
    let ex = h.exchange_state().await;
    assert_eq!((ex.pool_balance, ex.pool_deficit), (2_000 * USD, 0));
    h.ok(&[ix::settle_pnl(alice.account, BTC, false)], &[]).await;
    assert_eq!(h.margin(alice.account).await.cross_collateral, 26_000 * USD as i64);
}

#[tokio::test]
async fn deleveraging_is_refused_without_a_shortfall_or_a_profit_and_changes_nothing() {
    let (mut h, alice, bob, keeper) = setup().await;
    // Before Bob's liquidation the pool's side counts his $6,000 loss: equity $1,000 ≥ 0.
    let adl = adl_ix(&h, &keeper, &alice, false, ALL);
    h.expect_failure(&[adl], &[&keeper.key], code(ErrorCode::PoolNotInShortfall)).await;
    let liq = h.liquidate_isolated_ix(&keeper, &bob, BTC, ALL);
    h.ok(&[liq], &[&keeper.key]).await;

    // Bob holds no profit (his isolated position is flat and empty).
    let not_profitable = adl_ix(&h, &keeper, &bob, true, ALL);
    h.expect_failure(&[not_profitable], &[&keeper.key], code(ErrorCode::DeleverageTargetNotProfitable)).await;
    // Bob has no cross position in BTC.
    let no_slot = adl_ix(&h, &keeper, &bob, false, ALL);
    h.expect_failure(&[no_slot], &[&keeper.key], code(ErrorCode::NoOpenPosition)).await;
    // The pool's equity must be taken over every market: a missing market is refused.
    let oracle = h.markets[0].oracle;
    let partial = ix::auto_deleverage(keeper.pubkey(), alice.account, BTC, oracle, false, ALL, &[]);
    h.expect_failure(&[partial], &[&keeper.key], code(ErrorCode::ReserveAccountsMismatch)).await;
    // A bound below one lot closes nothing.
    let tiny = adl_ix(&h, &keeper, &alice, false, 999_999);
    h.expect_failure(&[tiny], &[&keeper.key], code(ErrorCode::LiquidationSizeTooSmall)).await;
    // A bound of one lot closes one lot (0.001 BTC: $3 of profit, all given back).
    h.ok(&[adl_ix(&h, &keeper, &alice, false, 1_000_000)], &[&keeper.key]).await;
    let m = h.margin(alice.account).await;
    assert_eq!(m.cross_positions[0].base, -2 * UNIT + MILLI);
    assert_eq!(m.cross_collateral, 20_000 * USD as i64);

    // A price too old for a fill cannot be used for the close.
    h.advance_time(31);
    let stale = adl_ix(&h, &keeper, &alice, false, ALL);
    h.expect_failure(&[stale], &[&keeper.key], code(ErrorCode::OracleStaleForFill)).await;
}
