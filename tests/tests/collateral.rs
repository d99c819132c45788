//! Collateral in and out of the cross domain: deposits, withdrawals, account lifecycle,
//! delegates, and every bad input proven to change nothing.

use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::instruction::Instruction;
use ballast::error::ErrorCode;
use ballast::state::MarketStatus;
use ballast_tests::*;
use solana_signer::Signer;

use anchor_lang::error::ErrorCode as Anchor;

/// Clears the signer flag of `key` in `ix` (a transaction without that signature).
fn unsigned(mut ix: Instruction, key: Pubkey) -> Instruction {
    for m in ix.accounts.iter_mut().filter(|m| m.pubkey == key) {
        m.is_signer = false;
    }
    ix
}

/// Replaces account `index` of `ix`.
fn with_account(mut ix: Instruction, index: usize, key: Pubkey) -> Instruction {
    ix.accounts[index].pubkey = key;
    ix
}

// Account positions in the deposit and withdraw instructions (see ix.rs).
const MARGIN: usize = 2;
const VAULT: usize = 3;
const TOKEN: usize = 4;
const TOKEN_PROGRAM: usize = 5;

async fn funded_alice() -> (Harness, User) {
    let mut h = Harness::new().await;
    let alice = h.user("alice", 10_000 * USD).await;
    h.deposit(&alice, 4_000 * USD).await;
    (h, alice)
}

#[tokio::test]
async fn deposits_and_withdrawals_move_tokens_and_collateral_one_for_one() {
    let (mut h, alice) = funded_alice().await;
    let vault_before = h.token_balance(h.vault).await;
    h.deposit(&alice, 1_000 * USD).await;
    if let Some(events) = h.events::<ballast::events::CollateralDeposited>() {
        let e = &events[0];
        assert_eq!((e.amount, e.collateral_before, e.collateral_after), (1_000 * USD, 4_000 * USD as i64, 5_000 * USD as i64));
        assert_eq!(e.vault_after, vault_before + 1_000 * USD);
    }
    assert_eq!(h.token_balance(h.vault).await, vault_before + 1_000 * USD);
    h.withdraw(&alice, 2_500 * USD).await;
    assert_eq!(h.margin(alice.account).await.cross_collateral, 2_500 * USD as i64);
    assert_eq!(h.token_balance(alice.token).await, 7_500 * USD);
    assert_eq!(h.token_balance(h.vault).await, vault_before - 1_500 * USD);
    assert_eq!(h.exchange_state().await.account_claims, 2_500 * USD as i64);
}

#[tokio::test]
async fn the_whole_balance_can_be_withdrawn_but_not_one_unit_more() {
    let (mut h, alice) = funded_alice().await;
    let over = h.withdraw_ix(&alice, 4_000 * USD + 1).await;
    h.expect_failure(&[over], &[&alice.key], code(ErrorCode::InsufficientTransferable)).await;
    h.withdraw(&alice, 4_000 * USD).await;
    assert_eq!(h.margin(alice.account).await.cross_collateral, 0);
}

#[tokio::test]
async fn deposits_stay_open_when_paused_but_withdrawals_stop() {
    let (mut h, alice) = funded_alice().await;
    let guardian = h.guardian.insecure_clone();
    h.ok(&[ix::set_pause(guardian.pubkey(), None, MarketStatus::Paused)], &[&guardian]).await;
    h.deposit(&alice, 100 * USD).await;
    let w = h.withdraw_ix(&alice, 1).await;
    h.expect_failure(&[w], &[&alice.key], code(ErrorCode::Paused)).await;
    // Reduce-only keeps withdrawals of transferable margin open.
    let admin = h.admin.insecure_clone();
    h.ok(&[ix::set_pause(admin.pubkey(), None, MarketStatus::ReduceOnly)], &[&admin]).await;
    h.withdraw(&alice, 100 * USD).await;
}

#[tokio::test]
async fn zero_and_unrepresentable_amounts_are_refused() {
    let (mut h, alice) = funded_alice().await;
    let k = &alice.key;
    h.expect_failure(&[ix::deposit(alice.pubkey(), alice.account, alice.token, 0)], &[k], code(ErrorCode::ZeroAmount)).await;
    h.expect_failure(&[ix::deposit(alice.pubkey(), alice.account, alice.token, u64::MAX)], &[k], code(ErrorCode::AmountTooLarge)).await;
    let w0 = h.withdraw_ix(&alice, 0).await;
    h.expect_failure(&[w0], &[k], code(ErrorCode::ZeroAmount)).await;
    let wmax = h.withdraw_ix(&alice, u64::MAX).await;
    h.expect_failure(&[wmax], &[k], code(ErrorCode::AmountTooLarge)).await;
}

#[tokio::test]
async fn a_deposit_larger_than_the_wallet_fails_in_the_token_program_and_changes_nothing() {
    let (mut h, alice) = funded_alice().await;
    // SPL Token's InsufficientFunds is error 1.
    h.expect_failure(&[ix::deposit(alice.pubkey(), alice.account, alice.token, 6_000 * USD + 1)], &[&alice.key], 1).await;
}

#[tokio::test]
async fn only_the_owner_withdraws_a_delegate_trades_and_deposits_but_never_withdraws() {
    let (mut h, alice) = funded_alice().await;
    let dave = h.user("dave", 1_000 * USD).await;
    h.ok(&[ix::set_delegate(alice.pubkey(), alice.account, dave.pubkey())], &[&alice.key]).await;
    assert_eq!(h.margin(alice.account).await.delegate, dave.pubkey());
    // The delegate may deposit from their own wallet…
    h.ok(&[ix::deposit(dave.pubkey(), alice.account, dave.token, 10 * USD)], &[&dave.key]).await;
    // …but withdrawing, to any destination, is the owner's alone.
    let to_dave = ix::withdraw(dave.pubkey(), alice.account, dave.token, USD, &[]);
    h.expect_failure(&[to_dave], &[&dave.key], code(ErrorCode::NotOwner)).await;
    let to_alice = ix::withdraw(dave.pubkey(), alice.account, alice.token, USD, &[]);
    h.expect_failure(&[to_alice], &[&dave.key], code(ErrorCode::NotOwner)).await;
    // Clearing the delegate removes even the deposit right.
    h.ok(&[ix::set_delegate(alice.pubkey(), alice.account, Pubkey::default())], &[&alice.key]).await;
    h.expect_failure(&[ix::deposit(dave.pubkey(), alice.account, dave.token, USD)], &[&dave.key], code(ErrorCode::NotOwnerOrDelegate))
        .await;
}

#[tokio::test]
async fn another_users_account_is_out_of_reach() {
    let (mut h, alice) = funded_alice().await;
    let mallory = h.user("mallory", 100 * USD).await;
    let steal = ix::withdraw(mallory.pubkey(), alice.account, mallory.token, USD, &[]);
    h.expect_failure(&[steal], &[&mallory.key], code(ErrorCode::NotOwner)).await;
    let push = ix::deposit(mallory.pubkey(), alice.account, mallory.token, USD);
    h.expect_failure(&[push], &[&mallory.key], code(ErrorCode::NotOwnerOrDelegate)).await;
    let delegate = ix::set_delegate(mallory.pubkey(), alice.account, mallory.pubkey());
    h.expect_failure(&[delegate], &[&mallory.key], code(ErrorCode::NotOwner)).await;
    let close = ix::close_margin_account(mallory.pubkey(), alice.account);
    h.expect_failure(&[close], &[&mallory.key], code(ErrorCode::NotOwner)).await;
}

#[tokio::test]
async fn a_missing_signature_is_refused() {
    let (mut h, alice) = funded_alice().await;
    let w = unsigned(h.withdraw_ix(&alice, USD).await, alice.pubkey());
    h.expect_failure(&[w], &[], anchor_code(Anchor::AccountNotSigner)).await;
    let d = unsigned(ix::deposit(alice.pubkey(), alice.account, alice.token, USD), alice.pubkey());
    h.expect_failure(&[d], &[], anchor_code(Anchor::AccountNotSigner)).await;
}

#[tokio::test]
async fn foreign_and_mistyped_accounts_are_refused() {
    let (mut h, alice) = funded_alice().await;
    let k = &alice.key;
    let w = h.withdraw_ix(&alice, USD).await;
    // A token-program-owned account where a margin account belongs.
    h.expect_failure(&[with_account(w.clone(), MARGIN, alice.token)], &[k], anchor_code(Anchor::AccountOwnedByWrongProgram)).await;
    // A Market (right owner, wrong type) where a margin account belongs.
    let market = h.markets[0].address;
    h.expect_failure(&[with_account(w.clone(), MARGIN, market)], &[k], anchor_code(Anchor::AccountDiscriminatorMismatch)).await;
    // A Market where the exchange belongs.
    h.expect_failure(&[with_account(w.clone(), 1, market)], &[k], anchor_code(Anchor::AccountDiscriminatorMismatch)).await;
    // The same for deposits.
    let d = ix::deposit(alice.pubkey(), alice.account, alice.token, USD);
    h.expect_failure(&[with_account(d, MARGIN, market)], &[k], anchor_code(Anchor::AccountDiscriminatorMismatch)).await;
}

#[tokio::test]
async fn wrong_mint_wrong_vault_and_spoofed_token_program_are_refused() {
    let (mut h, alice) = funded_alice().await;
    let k = &alice.key;
    // A token account of another mint.
    let other_mint = h.create_mint(6).await;
    let foreign = h.create_token_account(alice.pubkey(), other_mint).await;
    let w = h.withdraw_ix(&alice, USD).await;
    h.expect_failure(&[with_account(w.clone(), TOKEN, foreign)], &[k], code(ErrorCode::WrongMint)).await;
    let d = ix::deposit(alice.pubkey(), alice.account, foreign, USD);
    h.expect_failure(std::slice::from_ref(&d), &[k], code(ErrorCode::WrongMint)).await;
    // A collateral-mint token account that is not the vault.
    let decoy = h.create_token_account(alice.pubkey(), h.mint).await;
    h.expect_failure(&[with_account(w.clone(), VAULT, decoy)], &[k], code(ErrorCode::WrongVault)).await;
    let d = ix::deposit(alice.pubkey(), alice.account, alice.token, USD);
    h.expect_failure(&[with_account(d.clone(), VAULT, decoy)], &[k], code(ErrorCode::WrongVault)).await;
    // A program that is not SPL Token.
    let fake = ix::SYSTEM_PROGRAM;
    h.expect_failure(&[with_account(w, TOKEN_PROGRAM, fake)], &[k], anchor_code(Anchor::InvalidProgramId)).await;
    h.expect_failure(&[with_account(d, TOKEN_PROGRAM, fake)], &[k], anchor_code(Anchor::InvalidProgramId)).await;
}

#[tokio::test]
async fn the_vault_passed_twice_is_refused() {
    let (mut h, alice) = funded_alice().await;
    let k = &alice.key;
    let w = h.withdraw_ix(&alice, USD).await;
    let vault = h.vault;
    // Anchor's duplicate-mutable-account check (2040) refuses it before any handler runs.
    h.expect_failure(&[with_account(w, TOKEN, vault)], &[k], anchor_code(Anchor::ConstraintDuplicateMutableAccount)).await;
    let d = ix::deposit(alice.pubkey(), alice.account, vault, USD);
    h.expect_failure(&[d], &[k], anchor_code(Anchor::ConstraintDuplicateMutableAccount)).await;
    // The margin account passed again as the exchange is caught by its type first.
    let d = with_account(ix::deposit(alice.pubkey(), alice.account, alice.token, USD), 1, alice.account);
    h.expect_failure(&[d], &[k], anchor_code(Anchor::AccountDiscriminatorMismatch)).await;
}

#[tokio::test]
async fn health_accounts_beyond_the_position_list_are_refused() {
    let (mut h, alice) = funded_alice().await;
    let m = h.markets[0].clone();
    let w = ix::withdraw(alice.pubkey(), alice.account, alice.token, USD, &[m.address, m.oracle]);
    h.expect_failure(&[w], &[&alice.key], code(ErrorCode::ExtraHealthAccounts)).await;
}

#[tokio::test]
async fn an_account_closes_only_when_empty_and_returns_its_rent() {
    let (mut h, alice) = funded_alice().await;
    let close = ix::close_margin_account(alice.pubkey(), alice.account);
    h.expect_failure(std::slice::from_ref(&close), &[&alice.key], code(ErrorCode::AccountNotEmpty)).await;
    h.withdraw(&alice, 4_000 * USD).await;
    let lamports_before = h.account(alice.pubkey()).await.unwrap().lamports;
    let rent = h.account(alice.account).await.unwrap().lamports;
    h.ok(&[close], &[&alice.key]).await;
    assert!(h.account(alice.account).await.is_none());
    assert_eq!(h.account(alice.pubkey()).await.unwrap().lamports, lamports_before + rent);
    // The sub-account id can be opened again.
    h.ok(&[ix::create_margin_account(alice.pubkey(), 0)], &[&alice.key]).await;
}

#[tokio::test]
async fn a_sub_account_cannot_be_created_twice_and_ids_are_independent() {
    let (mut h, alice) = funded_alice().await;
    // Anchor's `init` refuses an account that already exists (the runtime reports it as
    // invalid instruction data for the system program's allocate) and nothing changes.
    h.expect_rejected(&[ix::create_margin_account(alice.pubkey(), 0)], &[&alice.key]).await;
    h.ok(&[ix::create_margin_account(alice.pubkey(), 7)], &[&alice.key]).await;
    let sub7 = ix::margin_pda(&alice.pubkey(), 7);
    h.margin_accounts.push(sub7);
    let m = h.margin(sub7).await;
    assert_eq!((m.owner, m.sub_id, m.cross_collateral), (alice.pubkey(), 7, 0));
}

#[tokio::test]
async fn the_owner_cannot_be_their_own_delegate() {
    let (mut h, alice) = funded_alice().await;
    let ixn = ix::set_delegate(alice.pubkey(), alice.account, alice.pubkey());
    h.expect_failure(&[ixn], &[&alice.key], code(ErrorCode::DelegateIsOwner)).await;
}

#[tokio::test]
async fn many_users_keep_the_vault_equal_to_the_sum_of_claims() {
    let mut h = Harness::new().await;
    let mut users = vec![];
    for (i, name) in ["a", "b", "c", "d", "e"].into_iter().enumerate() {
        let u = h.user(name, 1_000 * USD).await;
        h.deposit(&u, (i as u64 + 1) * 100 * USD).await;
        users.push(u);
    }
    for (i, u) in users.iter().enumerate() {
        h.withdraw(u, (i as u64 + 1) * 37 * USD).await;
    }
    let ex = h.exchange_state().await;
    assert_eq!(ex.account_claims, (1_500 - 37 * 15) as i64 * USD as i64);
    assert!(h.invariant_checks > 20);
}
