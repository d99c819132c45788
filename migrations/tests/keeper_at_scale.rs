//! The keeper against 1,000 margin accounts on a local validator: how long a scan takes,
//! how many JSON-RPC calls a cycle makes (the first cycle takes `getProgramAccounts`
//! snapshots; later ones follow the accounts by `programSubscribe`), and how long from an
//! oracle move to the last liquidation landing. It measures and reports
//! (`target/keeper-scale.txt`); it asserts only correctness: an account opened after the
//! snapshot is found through its notification (no second scan), exactly the thin accounts
//! are liquidated, and nothing else moves.
//!
//! One owner holds the 1,000 accounts (sub ids 0..999), each 0.2 BTC long at 20x in cross
//! at $50,000: 990 with $600 deposited, every hundredth with $520. At $48,600 a thin one is
//! below maintenance (equity ≈ $234 < 2.5% of $9,720 = $243) and a regular one is not
//! (≈ $314).
//!
//! Needs `solana-test-validator` 4.2.2 and `target/deploy/ballast.so`; `scripts/test.sh`
//! runs it with `--run-ignored only`.

mod common;

use std::time::Instant;

use ballast::state::{MarginAccount, MarginMode};
use ballast_client::ix;
use ballast_keeper::rpc::RpcChain;
use ballast_keeper::{Chain, Keeper};
use ballast_migrations::validator::Ports;
use common::{keeper, load, root, Localnet, BTC, UNIT, USD};
use solana_keypair::Keypair;
use solana_signer::Signer;
use solana_transaction::Transaction;

const ACCOUNTS: u16 = 1_000;

fn thin(i: u16) -> bool {
    i.is_multiple_of(100)
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs solana-test-validator and target/deploy/ballast.so; scripts/test.sh runs it"]
async fn the_keeper_scans_a_thousand_accounts_and_liquidates_exactly_the_unhealthy_ones() {
    let mut local = Localnet::start("scale", Ports::block(19_500)).await;
    let (mint, oracle) = (local.deployment.collateral_mint(), local.deployment.oracle(BTC));

    // The accounts: create + deposit + open in one transaction each.
    let owner = Keypair::new();
    local.net.airdrop(&owner.pubkey(), 500_000_000_000).await.unwrap();
    let token = local.net.create_token_account(&owner.pubkey(), &mint).await.unwrap();
    local.net.mint_to(&mint, &token, &local.keys.mint_authority, u64::from(ACCOUNTS) * 600 * USD).await.unwrap();
    let setup = Instant::now();
    for chunk in (0..ACCOUNTS).collect::<Vec<_>>().chunks(200) {
        local.publish(oracle, 50_000).await; // a fill needs a price within the fill age
        let blockhash = local.net.chain.latest_blockhash().await.unwrap();
        let mut txs = vec![];
        for &i in chunk {
            let account = ix::margin_pda(&owner.pubkey(), i);
            let deposit = if thin(i) { 520 * USD } else { 600 * USD };
            let ixs = [
                ix::create_margin_account(owner.pubkey(), i),
                ix::deposit(owner.pubkey(), account, token, deposit),
                ix::trade(owner.pubkey(), account, BTC, oracle, UNIT / 5, u64::MAX, MarginMode::Cross, 20, &[]),
            ];
            txs.push(Transaction::new_signed_with_payer(&ixs, Some(&owner.pubkey()), &[&owner], blockhash).into());
        }
        // Sent together, then confirmed together.
        for r in local.net.chain.send_all(&txs).await.unwrap() {
            r.unwrap();
        }
    }
    let setup_secs = setup.elapsed().as_secs_f64();

    // A healthy book: one cycle, timed and counted.
    let (keeper, kc) = keeper(&mut local.net, &mint, 400_000).await;
    let mut chain = RpcChain::new(&local.validator.rpc_url).unwrap().with_subscriptions(&local.ports.ws_url());
    chain.resync = std::time::Duration::from_secs(3_600);
    let mut bot = Keeper::new(chain, keeper, kc);
    let (calls0, t0) = (bot.chain.calls(), Instant::now());
    let idle = bot.run_once().await.unwrap();
    let (scan_ms, scan_calls) = (t0.elapsed().as_millis(), bot.chain.calls() - calls0);
    assert!(idle.is_empty(), "{idle:?}");
    assert_eq!(bot.counters.scanned, u64::from(ACCOUNTS));
    let scans = bot.chain.stats().scans;

    // One more thin account, opened after the snapshot: the keeper learns of it from its
    // notification, not from another scan.
    local.publish(oracle, 50_000).await;
    let late = ix::margin_pda(&owner.pubkey(), ACCOUNTS);
    local
        .net
        .send(
            &[
                ix::create_margin_account(owner.pubkey(), ACCOUNTS),
                ix::deposit(owner.pubkey(), late, token, 520 * USD),
                ix::trade(owner.pubkey(), late, BTC, oracle, UNIT / 5, u64::MAX, MarginMode::Cross, 20, &[]),
            ],
            &[&owner],
        )
        .await
        .unwrap();
    let mut waited = 0;
    let (followed_ms, followed_calls) = loop {
        let (calls, t) = (bot.chain.calls(), Instant::now());
        bot.run_once().await.unwrap();
        let cycle = (t.elapsed().as_millis(), bot.chain.calls() - calls);
        if bot.counters.scanned > u64::from(ACCOUNTS) * (waited + 2) {
            break cycle;
        }
        waited += 1;
        assert!(waited < 50, "the new account's notification never arrived");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    };
    assert_eq!(bot.chain.stats().scans, scans, "no second getProgramAccounts");
    assert!(bot.chain.stats().notifications > 0);

    // The oracle moves; the keeper runs until every liquidation has landed.
    local.publish(oracle, 48_600).await;
    let (moved, calls1) = (Instant::now(), bot.chain.calls());
    let mut passes = 0;
    while bot.counters.won < 11 && passes < 5 {
        bot.run_once().await.unwrap();
        passes += 1;
    }
    let (landed_ms, busy_calls) = (moved.elapsed().as_millis(), bot.chain.calls() - calls1);
    assert_eq!((bot.counters.won, bot.counters.failed), (11, 0), "{:?}", bot.log);
    assert_eq!(bot.chain.stats().scans, scans, "no rescans while following");

    for i in 0..=ACCOUNTS {
        let m: MarginAccount = load(&mut local.net, &ix::margin_pda(&owner.pubkey(), i)).await;
        let base = m.cross_positions[0].base;
        assert_eq!(base < UNIT / 5, thin(i) || i == ACCOUNTS, "account {i}: base {base}");
    }

    let report = format!(
        "keeper at scale: {ACCOUNTS} margin accounts (set up in {setup_secs:.1} s); first cycle (snapshots): {scan_ms} ms, {scan_calls} RPC calls; \
         cycle following by subscription: {followed_ms} ms, {followed_calls} RPC calls (new account found after {waited} extra cycles, {notes} notifications); \
         oracle move → 11 liquidations landed: {landed_ms} ms over {passes} passes, {busy_calls} RPC calls",
        notes = bot.chain.stats().notifications
    );
    println!("{report}");
    let _ = std::fs::write(root().join("target/keeper-scale.txt"), report + "\n");
}
