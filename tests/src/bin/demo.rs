//! A narrated in-process scenario on the real runtime: the exchange is set up, traders
//! deposit and withdraw, and every number printed is read back from the accounts.
//! Run: `cargo run -p ballast-tests --bin demo`.

use ballast::error::ErrorCode;
use ballast::state::MarginMode;
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

fn price(p: Option<u64>) -> String {
    match p {
        Some(p) => format!("${}.{:02}", p / 1_000_000_000, p % 1_000_000_000 / 10_000_000),
        None => "none".into(),
    }
}

fn domain_line(label: &str, d: &ballast::instructions::DomainView) {
    let lev = d.effective_leverage.map_or("-".into(), |l| format!("{}.{:02}x", l / 1_000_000, l % 1_000_000 / 10_000));
    println!(
        "      {label:<14} equity {:>14}  initial {:>13}  maint {:>12}  free {:>13}  lev {lev}",
        usd(d.equity.into()),
        usd(d.initial_margin.into()),
        usd(d.maintenance_margin.into()),
        usd(d.transferable.into())
    );
    for p in &d.positions {
        println!(
            "        market {} size {:>+.3}  entry {}  pnl {}  liquidation {}",
            p.market_index,
            p.base as f64 / 1e9,
            price(Some(p.entry_price)),
            usd(p.unrealized_pnl.into()),
            price(p.liquidation_price)
        );
    }
}

async fn report(h: &mut Harness, who: &User, isolated: &[u16]) {
    let v = h.view(who, isolated).await;
    println!("    {}:", who.name);
    domain_line("cross", &v.cross);
    for (d, m) in v.isolated.iter().zip(isolated) {
        domain_line(&format!("isolated #{m}"), d);
    }
}

async fn totals(h: &mut Harness) {
    let ex = h.exchange_state().await;
    let vault = h.token_balance(h.vault).await;
    println!(
        "    vault {} = accounts {} + pool {} + insurance {} + fees {}",
        usd(vault.into()),
        usd(ex.account_claims.into()),
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

    println!("\n6. The admin resumes trading and lists ETH-PERP at $3,000.");
    let admin = h.admin.insecure_clone();
    h.ok(&[ix::set_pause(solana_signer::Signer::pubkey(&admin), None, ballast::state::MarketStatus::Active)], &[&admin]).await;
    let eth = h.add_push_market(3_000.0, default_market_params()).await.index;
    const BTC: u16 = 0;

    println!("\n7. Alice goes long 0.2 BTC in cross at 10x; Bob goes long 5 ETH isolated at 10x;");
    println!("   Carol (new) shorts 0.1 BTC strict-isolated at 5x:");
    let carol = h.user("carol", 10_000 * USD).await;
    h.deposit(&carol, 5_000 * USD).await;
    h.trade(&alice, BTC, UNIT / 5, MarginMode::Cross, 10).await;
    h.trade(&bob, eth, 5 * UNIT, MarginMode::Isolated, 10).await;
    h.trade(&carol, BTC, -UNIT / 10, MarginMode::StrictIsolated, 5).await;
    report(&mut h, &alice, &[]).await;
    report(&mut h, &bob, &[eth]).await;
    report(&mut h, &carol, &[BTC]).await;

    println!("\n8. BTC rallies to $54,000 and ETH slips to $2,850:");
    h.set_price(BTC, 54_000.0, 5.0).await;
    h.set_price(eth, 2_850.0, 0.3).await;
    report(&mut h, &alice, &[]).await;
    report(&mut h, &bob, &[eth]).await;
    report(&mut h, &carol, &[BTC]).await;

    println!("\n9. Bob adds $500 to his ETH position (its liquidation price moves away);");
    println!("   Carol lowers her leverage to 3x (the shortfall is pulled from her cross collateral);");
    println!("   Alice raises hers to 20x (cross: frees initial margin, maintenance unchanged):");
    let add = h.add_margin_ix(&bob, eth, 500 * USD).await;
    h.ok(&[add], &[&bob.key]).await;
    let lower = h.set_leverage_ix(&carol, BTC, 3).await;
    h.ok(&[lower], &[&carol.key]).await;
    let raise = h.set_leverage_ix(&alice, BTC, 20).await;
    h.ok(&[raise], &[&alice.key]).await;
    report(&mut h, &alice, &[]).await;
    report(&mut h, &bob, &[eth]).await;
    report(&mut h, &carol, &[BTC]).await;

    println!("\n10. Eight hours pass. BTC is skewed long, so longs pay shorts and the pool keeps the rest:");
    h.advance_time(8 * 3_600);
    h.set_price(BTC, 54_000.0, 5.0).await;
    h.set_price(eth, 2_850.0, 0.3).await;
    let btc_oracle = h.markets[0].oracle;
    h.ok(&[ix::update_funding(BTC, btc_oracle)], &[]).await;
    let a = h.view(&alice, &[]).await;
    let c = h.view(&carol, &[BTC]).await;
    println!(
        "    alice owes {} of funding; carol is owed {}",
        usd(a.cross.positions[0].pending_funding.into()),
        usd((-c.isolated[0].positions[0].pending_funding).into())
    );

    println!("\n11. Alice closes at $54,000 and withdraws everything she can:");
    h.trade(&alice, BTC, -UNIT / 5, MarginMode::Cross, 0).await;
    let free = h.view(&alice, &[]).await.cross.transferable;
    h.withdraw(&alice, free).await;
    show(&mut h, &alice).await;
    totals(&mut h).await;

    println!("\n12. ETH crashes to $2,650. A keeper bot scans every account with the program's own");
    println!("    health code and liquidates what is below maintenance:");
    h.set_price(BTC, 54_000.0, 5.0).await;
    h.set_price(eth, 2_650.0, 0.3).await;
    let keeper = h.user("keeper", 0).await;
    let ex0 = h.exchange_state().await;
    let bob_iso0 = h.isolated(&bob, eth).await;
    let mut bot = h.keeper_bot(&keeper).await;
    let outcomes = bot.run_once().await.expect("keeper pass");
    h.check_invariants().await;
    for o in &outcomes {
        println!("    keeper {:?}: {}", o.action, o.result);
    }
    let c = bot.counters;
    println!(
        "    counters: scanned {} liquidatable {} sent {} won {} lost {} failed {}",
        c.scanned, c.liquidatable, c.sent, c.won, c.lost, c.failed
    );
    let ex1 = h.exchange_state().await;
    let bob_iso1 = h.isolated(&bob, eth).await;
    println!(
        "    bob's ETH position: {:+.3} → {:+.3} ETH, collateral {} → {}",
        bob_iso0.base as f64 / 1e9,
        bob_iso1.base as f64 / 1e9,
        usd(bob_iso0.collateral.into()),
        usd(bob_iso1.collateral.into())
    );
    println!("    keeper received   {}", usd(h.token_balance(keeper.token).await.into()));
    println!("    insurance fund    {} → {}", usd(ex0.insurance_balance.into()), usd(ex1.insurance_balance.into()));
    println!("    pool              {} → {}", usd(ex0.pool_balance.into()), usd(ex1.pool_balance.into()));
    report(&mut h, &bob, &[eth]).await;
    totals(&mut h).await;

    println!("\nEvery transaction above was followed by the invariant check ({} checks): the vault", h.invariant_checks);
    println!("holds exactly the sum of all claims, open interest and each side's cost basis equal the");
    println!("sums over the positions, and every account passes its own invariant.");
}
