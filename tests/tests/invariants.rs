//! The harness's transition checks (`invariants::check_transition`) catch what they claim
//! to: each test takes a real before/after pair, breaks the after state the way a buggy
//! program would, and expects the check to fail. A check that cannot fail is a defect.

use std::panic::{catch_unwind, AssertUnwindSafe};

use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::instruction::Instruction;
use anchor_lang::Discriminator;
use ballast::state::{MarginAccount, MarginMode, Market};
use ballast_tests::invariants::{check_transition, World};
use ballast_tests::*;

const BTC: u16 = 0;

fn fails(ixs: &[Instruction], pre: &World, post: &World) -> bool {
    catch_unwind(AssertUnwindSafe(|| check_transition(ixs, pre, post))).is_err()
}

/// Rewrites a zero-copy account of the world.
fn edit<T: bytemuck::Pod + Discriminator>(w: &mut World, key: &Pubkey, f: impl FnOnce(&mut T)) {
    let (_, data, _) = w.accounts.get_mut(key).expect("account");
    let mut v: T = decode(data);
    f(&mut v);
    data[8..8 + std::mem::size_of::<T>()].copy_from_slice(bytemuck::bytes_of(&v));
}

async fn setup() -> (Harness, User) {
    let mut h = Harness::new().await;
    let alice = h.user("alice", 1_000_000 * USD).await;
    h.deposit(&alice, 10_000 * USD).await;
    h.trade(&alice, BTC, UNIT, MarginMode::Cross, 10).await;
    (h, alice)
}

#[tokio::test]
async fn a_withdrawal_that_leaves_the_domain_below_its_transfer_lock_is_caught() {
    let (mut h, alice) = setup().await;
    let pre = h.world().await;
    let w = h.withdraw_ix(&alice, USD).await;
    h.ok(std::slice::from_ref(&w), &[&alice.key]).await;
    let post = h.world().await;
    assert!(!fails(std::slice::from_ref(&w), &pre, &post), "the real transition passes");
    let mut bad = post.clone();
    edit::<MarginAccount>(&mut bad, &alice.account, |m| m.cross_collateral = 4_000 * USD as i64);
    assert!(fails(&[w], &pre, &bad));
}

#[tokio::test]
async fn a_domain_the_transaction_does_not_name_may_not_change() {
    let (mut h, alice) = setup().await;
    let bob = h.user("bob", 1_000 * USD).await;
    h.deposit(&bob, 1_000 * USD).await;
    let pre = h.world().await;
    let d = ix::deposit(alice.pubkey(), alice.account, alice.token, USD);
    h.ok(std::slice::from_ref(&d), &[&alice.key]).await;
    let mut post = h.world().await;
    assert!(!fails(std::slice::from_ref(&d), &pre, &post));
    edit::<MarginAccount>(&mut post, &bob.account, |m| m.cross_collateral += 1);
    assert!(fails(&[d], &pre, &post));
}

#[tokio::test]
async fn funding_that_moves_without_time_passing_is_caught() {
    let (mut h, _alice) = setup().await;
    let pre = h.world().await;
    let crank = ix::update_funding(BTC, h.markets[0].oracle);
    h.ok(std::slice::from_ref(&crank), &[]).await;
    let mut post = h.world().await;
    assert!(!fails(std::slice::from_ref(&crank), &pre, &post));
    let market = h.markets[0].address;
    edit::<Market>(&mut post, &market, |m| {
        let v = m.cumulative_funding_long.get() + 1;
        m.cumulative_funding_long.set(v);
    });
    assert!(fails(std::slice::from_ref(&crank), &pre, &post));
    let mut back = pre.clone();
    edit::<Market>(&mut back, &market, |m| m.last_funding_ts -= 1);
    assert!(fails(&[crank], &pre, &back));
}

#[tokio::test]
async fn a_liquidation_of_a_healthy_domain_or_beyond_its_target_is_caught() {
    let (mut h, alice) = setup().await;
    let keeper = h.user("keeper", 0).await;
    // Healthy: a "liquidation" that closed 0.1 BTC is refused by the check.
    let pre = h.world().await;
    let liq = h.liquidate_cross_ix(&keeper, &alice, BTC, u64::MAX).await;
    let mut post = pre.clone();
    edit::<MarginAccount>(&mut post, &alice.account, |m| m.cross_positions[0].base -= UNIT / 10);
    assert!(fails(&[liq], &pre, &post));
    // Below maintenance: the real liquidation passes; one that closed more does not.
    h.set_price(BTC, 41_000.0, 5.0).await; // equity ≈ $965 < maintenance $1,025
    let pre = h.world().await;
    let liq = h.liquidate_cross_ix(&keeper, &alice, BTC, u64::MAX).await;
    h.ok(std::slice::from_ref(&liq), &[&keeper.key]).await;
    let post = h.world().await;
    assert!(!fails(std::slice::from_ref(&liq), &pre, &post));
    let mut greedy = post.clone();
    edit::<MarginAccount>(&mut greedy, &alice.account, |m| m.cross_positions[0].base -= UNIT / 10);
    assert!(fails(&[liq], &pre, &greedy));
}

#[tokio::test]
async fn a_leverage_change_that_moves_maintenance_is_caught() {
    let (mut h, alice) = setup().await;
    let pre = h.world().await;
    let lower = h.set_leverage_ix(&alice, BTC, 9).await;
    h.ok(std::slice::from_ref(&lower), &[&alice.key]).await;
    let post = h.world().await;
    assert!(!fails(std::slice::from_ref(&lower), &pre, &post));
    let mut bad = post.clone();
    let market = h.markets[0].address;
    edit::<Market>(&mut bad, &market, |m| m.tiers[0].max_leverage = 15);
    assert!(fails(&[lower], &pre, &bad));
}
