//! Cases of the attack checklist (docs/SECURITY.md, "Attack checklist") that no other
//! scenario file covers. Each refusal is proven to change nothing by the harness.
#![allow(deprecated)] // program-test 3.x marks its API "agave-unstable-api"

use anchor_lang::error::ErrorCode as Anchor;
use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::instruction::Instruction;
use ballast::error::ErrorCode;
use ballast::state::{MarginMode, MarketParams};
use ballast_tests::*;
use solana_signer::Signer;

const BTC: u16 = 0;
const MILLI: i64 = UNIT / 1_000;

fn frictionless() -> MarketParams {
    MarketParams { spread_ppm: 0, ..default_market_params() }
}

async fn setup_with(btc: MarketParams) -> Harness {
    let mut h = Harness::with(|p| ballast::instructions::ExchangeParams { taker_fee_ppm: 0, ..p }, btc).await;
    h.set_price(BTC, 50_000.0, 0.0).await;
    h
}

/// #4: an account at another address than its PDA (here: a margin account for a sub-id at
/// the address of another sub-id) is refused by the seeds check.
#[tokio::test]
async fn an_account_at_another_address_than_its_pda_is_refused() {
    let mut h = setup_with(frictionless()).await;
    let alice = h.user("alice", 0).await;
    let mut create = ix::create_margin_account(alice.pubkey(), 1);
    create.accounts[1].pubkey = ix::margin_pda(&alice.pubkey(), 2);
    h.expect_failure(&[create], &[&alice.key], anchor_code(Anchor::ConstraintSeeds)).await;
}

/// #5: a deposit from a token account its signer does not own fails in SPL Token (owner
/// mismatch, error 4) and moves nothing.
#[tokio::test]
async fn a_deposit_from_someone_elses_token_account_fails() {
    let mut h = setup_with(frictionless()).await;
    let alice = h.user("alice", 1_000 * USD).await;
    let mallory = h.user("mallory", 0).await;
    let steal = ix::deposit(mallory.pubkey(), mallory.account, alice.token, USD);
    h.expect_failure(&[steal], &[&mallory.key], 4).await;
}

/// #17: Mango's self-pump. A trader on a thin market (profit weight 50%, a $2,000 hourly
/// settle budget) moves its oracle tenfold. The unrealised profit counts at half for new
/// risk and cannot be withdrawn; closed, it becomes unsettled profit that leaves no faster
/// than the budget, whatever the number of accounts.
#[tokio::test]
async fn a_tenfold_pump_on_a_thin_market_pays_out_no_faster_than_its_settle_budget() {
    let thin = MarketParams { pnl_weight_ppm: 500_000, settle_limit: 2_000 * USD, ..frictionless() };
    let mut h = setup_with(frictionless()).await;
    let mngo = h.add_push_market(1.0, thin).await.index;
    h.set_price(mngo, 1.0, 0.0).await;
    let a = h.user("attacker-a", 1_000_000 * USD).await;
    let b = h.user("attacker-b", 1_000_000 * USD).await;
    for u in [&a, &b] {
        h.deposit(u, 10_000 * USD).await;
        h.trade(u, mngo, 10_000 * UNIT, MarginMode::Cross, 2).await; // $10,000 long each
    }
    h.set_price(mngo, 10.0, 0.0).await; // +$90,000 each, on paper
                                        // Nothing beyond the collateral leaves.
    for u in [&a, &b] {
        let v = h.view(u, &[]).await.cross;
        assert!(v.transferable <= 10_000 * USD, "{}", v.transferable);
    }
    // Both close: $180,000 of profit becomes unsettled, a claim the pool already paid.
    for u in [&a, &b] {
        h.trade(u, mngo, -10_000 * UNIT, MarginMode::Cross, 0).await;
        let m = h.margin(u.account).await;
        assert_eq!(m.cross_positions[m.slot_of(mngo).unwrap()].unsettled_pnl, 90_000 * USD as i64);
    }
    // In the first hour, both accounts together settle $2,000.
    h.ok(&[ix::settle_pnl(a.account, mngo, false)], &[]).await;
    h.ok(&[ix::settle_pnl(b.account, mngo, false)], &[]).await;
    let collateral = h.margin(a.account).await.cross_collateral + h.margin(b.account).await.cross_collateral;
    assert_eq!(collateral - 20_000 * USD as i64, 2_000 * USD as i64);
    let out = h.withdraw_ix(&a, 20_000 * USD).await;
    h.expect_failure(&[out], &[&a.key], code(ErrorCode::InsufficientTransferable)).await;
}

/// #20: the most negative sizes are refused with a typed error, never a panic.
#[tokio::test]
async fn the_most_negative_sizes_are_refused_with_typed_errors() {
    let mut h = setup_with(frictionless()).await;
    let alice = h.user("alice", 1_000_000 * USD).await;
    h.deposit(&alice, 100_000 * USD).await;
    let min = h.trade_ix(&alice, BTC, i64::MIN, MarginMode::Cross, 10).await;
    h.expect_failure(&[min], &[&alice.key], code(ErrorCode::SizeNotLotMultiple)).await;
    // The most negative lot multiple: its notional overflows the checked math.
    let lots = i64::MIN / MILLI * MILLI;
    let huge = h.trade_ix(&alice, BTC, lots, MarginMode::Cross, 10).await;
    let err = h.expect_rejected(&[huge], &[&alice.key]).await;
    let c = custom_code(&err).expect("a program error");
    assert!(
        [code(ErrorCode::MathOverflow), code(ErrorCode::InsufficientMargin), code(ErrorCode::OpenInterestCapExceeded)].contains(&c),
        "{c}"
    );
}

/// #21: one-unit deposits and withdrawals, repeated, never create value.
#[tokio::test]
async fn one_unit_deposits_and_withdrawals_never_create_value() {
    let mut h = setup_with(frictionless()).await;
    let alice = h.user("alice", 1_000 * USD).await;
    let wallet = h.token_balance(alice.token).await;
    for _ in 0..20 {
        h.deposit(&alice, 1).await;
        h.withdraw(&alice, 1).await;
    }
    assert_eq!(h.token_balance(alice.token).await, wallet);
    assert_eq!(h.margin(alice.account).await.cross_collateral, 0);
    let over = h.withdraw_ix(&alice, 1).await;
    h.expect_failure(&[over], &[&alice.key], code(ErrorCode::InsufficientTransferable)).await;
}

/// #33: equity exactly at maintenance is not liquidatable; one unit below is.
#[tokio::test]
async fn exactly_at_maintenance_is_safe_and_one_unit_below_is_liquidatable() {
    let mut h = setup_with(frictionless()).await;
    let keeper = h.user("keeper", 0).await;
    let bob = h.user("bob", 1_000_000 * USD).await;
    h.deposit(&bob, 10_000 * USD).await;
    h.trade(&bob, BTC, UNIT, MarginMode::Isolated, 20).await; // $2,500 isolated
                                                              // At $48,000: equity 2,500 − 2,000 = $500; maintenance 2.5% = $1,200. $700 more makes
                                                              // them equal.
    h.set_price(BTC, 48_000.0, 0.0).await;
    let add = h.add_margin_ix(&bob, BTC, 700 * USD).await;
    h.ok(&[add], &[&bob.key]).await;
    let at = h.liquidate_isolated_ix(&keeper, &bob, BTC, u64::MAX);
    h.expect_failure(&[at], &[&keeper.key], code(ErrorCode::NotLiquidatable)).await;
    // $0.000001 lower: equity falls by one unit, maintenance (2.5% of $47,999.999999,
    // rounded up) stays $1,200.
    let auth = h.oracle_authority.insecure_clone();
    let oracle = h.markets[0].oracle;
    h.ok(&[ix::update_push_oracle(auth.pubkey(), oracle, 4_799_999_999_900, 0, None)], &[&auth]).await;
    let below = h.liquidate_isolated_ix(&keeper, &bob, BTC, u64::MAX);
    h.ok(&[below], &[&keeper.key]).await;
}

/// #40: several liquidations in one transaction never earn more than one; a user's
/// deposit and a liquidation in one transaction are judged in order (atomically).
#[tokio::test]
async fn liquidations_composed_in_one_transaction_earn_no_more_than_one() {
    let mut h = setup_with(frictionless()).await;
    let keeper = h.user("keeper", 0).await;
    let alice = h.user("alice", 1_000_000 * USD).await;
    h.deposit(&alice, 2_600 * USD).await;
    h.trade(&alice, BTC, UNIT, MarginMode::Cross, 20).await;
    h.set_price(BTC, 48_600.0, 0.0).await;
    // Three bounded steps in one transaction: 0.05 + 0.05 + the rest of the target.
    let oracle = h.markets[0].oracle;
    let step = |max: u64| ix::liquidate_cross(keeper.pubkey(), keeper.token, alice.account, BTC, oracle, max, &[]);
    let ixs: Vec<Instruction> = vec![step(50 * MILLI as u64), step(50 * MILLI as u64), step(u64::MAX)];
    h.ok(&ixs, &[&keeper.key]).await;
    // One call would have closed 0.141 BTC for $34.263 (the three-step scenario of
    // liquidation.rs); three never close more or earn more.
    assert_eq!(h.margin(alice.account).await.cross_positions[0].base, 859 * MILLI);
    assert!(h.token_balance(keeper.token).await <= 34_263_000);
    // A deposit that restores the account, then a liquidation, in one transaction: the
    // liquidation sees the deposit and the whole transaction is refused.
    let bob = h.user("bob", 1_000_000 * USD).await;
    h.deposit(&bob, 2_600 * USD).await;
    h.set_price(BTC, 50_000.0, 0.0).await;
    h.trade(&bob, BTC, UNIT, MarginMode::Cross, 20).await;
    h.set_price(BTC, 48_600.0, 0.0).await;
    let deposit = ix::deposit(bob.pubkey(), bob.account, bob.token, 5_000 * USD);
    let liq = ix::liquidate_cross(keeper.pubkey(), keeper.token, bob.account, BTC, h.markets[0].oracle, u64::MAX, &[]);
    h.expect_failure(&[deposit, liq], &[&bob.key, &keeper.key], code(ErrorCode::NotLiquidatable)).await;
}

/// #42: a Token-2022 mint cannot become the collateral (fees or hooks would break the vault
/// equation): the mint account is owned by another program.
#[tokio::test]
async fn a_token_2022_mint_is_refused_as_collateral() {
    let mut h = Harness::bare().await;
    let token_2022: Pubkey = anchor_lang::prelude::pubkey!("TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb");
    let mint = next_keypair();
    let payer = h.payer();
    let len = <spl_token_interface::state::Mint as solana_program_pack::Pack>::LEN;
    let rent = h.ctx.banks_client.get_rent().await.unwrap().minimum_balance(len);
    let authority = h.mint_authority.pubkey();
    let ixs = [
        solana_system_interface::instruction::create_account(&payer, &mint.pubkey(), rent, len as u64, &token_2022),
        // InitializeMint2 (tag 20): decimals, mint authority, no freeze authority.
        Instruction {
            program_id: token_2022,
            accounts: vec![anchor_lang::solana_program::instruction::AccountMeta::new(mint.pubkey(), false)],
            data: [&[20u8, 6][..], authority.as_ref(), &[0u8]].concat(),
        },
    ];
    h.ok(&ixs, &[&mint]).await;
    let admin = h.admin.insecure_clone();
    let init = ix::initialize_exchange(admin.pubkey(), mint.pubkey(), default_exchange_params(h.guardian.pubkey()));
    h.expect_failure(&[init], &[&admin], anchor_code(Anchor::AccountOwnedByWrongProgram)).await;
}

/// #44: a withdrawal to an account that does not exist (closed) is refused.
#[tokio::test]
async fn a_withdrawal_to_a_missing_token_account_is_refused() {
    let mut h = setup_with(frictionless()).await;
    let alice = h.user("alice", 1_000 * USD).await;
    h.deposit(&alice, 100 * USD).await;
    let mut w = h.withdraw_ix(&alice, USD).await;
    w.accounts[4].pubkey = Pubkey::new_unique();
    h.expect_failure(&[w], &[&alice.key], anchor_code(Anchor::AccountNotInitialized)).await;
}

/// #46: deposit → open → close → withdraw → close the account, all in one transaction: each
/// instruction holds its own checks, so nothing is deferred; with no fee, spread or
/// confidence the round trip is exact.
#[tokio::test]
async fn a_whole_round_trip_in_one_transaction_is_checked_step_by_step() {
    let mut h = setup_with(frictionless()).await;
    let alice = h.user("alice", 10_000 * USD).await;
    let wallet = h.token_balance(alice.token).await;
    let oracle = h.markets[0].oracle;
    let ixs = vec![
        ix::deposit(alice.pubkey(), alice.account, alice.token, 6_000 * USD),
        ix::trade(alice.pubkey(), alice.account, BTC, oracle, UNIT, u64::MAX, MarginMode::Cross, 10, &[]),
        ix::trade(alice.pubkey(), alice.account, BTC, oracle, -UNIT, 0, MarginMode::Cross, 0, &[]),
        ix::withdraw(alice.pubkey(), alice.account, alice.token, 6_000 * USD, &[]),
        ix::close_margin_account(alice.pubkey(), alice.account),
    ];
    h.ok(&ixs, &[&alice.key]).await;
    assert_eq!(h.token_balance(alice.token).await, wallet);
    assert!(h.account(alice.account).await.is_none());
    // The same with one dollar more withdrawn is refused as a whole.
    let bob = h.user("bob", 10_000 * USD).await;
    let ixs = vec![
        ix::deposit(bob.pubkey(), bob.account, bob.token, 6_000 * USD),
        ix::trade(bob.pubkey(), bob.account, BTC, oracle, UNIT, u64::MAX, MarginMode::Cross, 10, &[]),
        ix::trade(bob.pubkey(), bob.account, BTC, oracle, -UNIT, 0, MarginMode::Cross, 0, &[]),
        ix::withdraw(bob.pubkey(), bob.account, bob.token, 6_001 * USD, &[]),
    ];
    h.expect_failure(&ixs, &[&bob.key], code(ErrorCode::InsufficientTransferable)).await;
}

/// #51: an account holds at most 16 cross positions; a 17th market is refused.
#[tokio::test]
async fn a_seventeenth_cross_position_is_refused() {
    let mut h = setup_with(frictionless()).await;
    for _ in 1..17 {
        h.add_push_market(100.0, frictionless()).await;
    }
    let alice = h.user("alice", 10_000_000 * USD).await;
    h.deposit(&alice, 1_000_000 * USD).await;
    for i in 0..16u16 {
        h.trade(&alice, i, UNIT / 10, MarginMode::Cross, 10).await;
    }
    let seventeenth = h.trade_ix(&alice, 16, UNIT, MarginMode::Cross, 10).await;
    h.expect_failure(&[seventeenth], &[&alice.key], code(ErrorCode::NoFreeCrossSlot)).await;
}
