use ballast_tests::*;

#[tokio::test]
async fn exchange_starts_with_a_funded_pool_and_one_market() {
    let mut h = Harness::new().await;
    let ex = h.exchange_state().await;
    assert_eq!(ex.pool_balance, 10_000_000 * USD);
    assert_eq!(ex.market_count, 1);
    let alice = h.user("alice", 1_000 * USD).await;
    h.deposit(&alice, 400 * USD).await;
    h.withdraw(&alice, 150 * USD).await;
    assert_eq!(h.margin(alice.account).await.cross_collateral, 250 * USD as i64);
    assert_eq!(h.token_balance(alice.token).await, 750 * USD);
}
