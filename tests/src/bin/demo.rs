//! A narrated in-process scenario on the real runtime: the exchange is set up, traders
//! deposit and withdraw, and every number printed is read back from the accounts.
//! Run: `cargo run -p ballast-tests --bin demo`.

use ballast::error::ErrorCode;
use ballast_tests::*;

fn usd(native: i128) -> String {
    let sign = if native < 0 { "-" } else { "" };
    let n = native.unsigned_abs();
    format!("{sign}${}.{:06}", n / 1_000_000, n % 1_000_000)
}

async fn show(h: &mut Harness, who: &User) {
    let m = h.margin(who.account).await;
    let wallet = h.token_balance(who.token).await;
    println!("    {:<6} cross collateral {:>16}   wallet {:>16}", who.name, usd(m.cross_collateral.into()), usd(wallet.into()));
}

async fn totals(h: &mut Harness) {
    let ex = h.exchange_state().await;
    let vault = h.token_balance(h.vault).await;
    println!(
        "    vault {} = collateral {} + pool {} + insurance {} + fees {}",
        usd(vault.into()),
        usd(ex.total_collateral.into()),
        usd(ex.pool_balance.into()),
        usd(ex.insurance_balance.into()),
        usd(ex.fee_balance.into())
    );
}

#[tokio::main]
async fn main() {
    if std::env::var_os("RUST_LOG").is_none() {
        std::env::set_var("RUST_LOG", "error");
    }
    println!("Ballast demo — the program runs inside solana-program-test with the real SPL Token program.\n");
    let mut h = Harness::new().await;
    println!("1. The admin initialised the exchange, funded the liquidity pool and listed BTC-PERP at $50,000:");
    totals(&mut h).await;

    println!("\n2. Alice and Bob open margin accounts and deposit collateral:");
    let alice = h.user("alice", 25_000 * USD).await;
    let bob = h.user("bob", 6_000 * USD).await;
    h.deposit(&alice, 20_000 * USD).await;
    h.deposit(&bob, 5_000 * USD).await;
    show(&mut h, &alice).await;
    show(&mut h, &bob).await;
    totals(&mut h).await;

    println!("\n3. Alice withdraws $7,500 — with no open positions all of her collateral is transferable:");
    h.withdraw(&alice, 7_500 * USD).await;
    show(&mut h, &alice).await;

    println!("\n4. Bob tries to withdraw one unit more than he holds; the program refuses and nothing moves:");
    let over = h.withdraw_ix(&bob, 5_000 * USD + 1).await;
    let err = h.send(&[over], &[&bob.key]).await.expect_err("overdraw must fail");
    println!("    refused with error {:?} (InsufficientTransferable = {})", custom_code(&err), code(ErrorCode::InsufficientTransferable));
    show(&mut h, &bob).await;

    println!("\n5. The guardian pauses the exchange: deposits still work, withdrawals wait:");
    let guardian = h.guardian.insecure_clone();
    h.ok(&[ix::set_pause(solana_signer::Signer::pubkey(&guardian), None, ballast::state::MarketStatus::Paused)], &[&guardian]).await;
    h.deposit(&bob, 500 * USD).await;
    let w = h.withdraw_ix(&bob, USD).await;
    let err = h.send(&[w], &[&bob.key]).await.expect_err("paused");
    println!("    Bob's withdrawal: error {:?} (Paused = {})", custom_code(&err), code(ErrorCode::Paused));
    show(&mut h, &bob).await;
    totals(&mut h).await;

    println!("\nEvery transaction above was followed by the invariant check ({} checks): the vault", h.invariant_checks);
    println!("holds exactly the sum of all claims, and every account passes its own invariant.");
}
