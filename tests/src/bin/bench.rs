//! Compute units per instruction and path, measured on the SBF bytecode in
//! solana-program-test 4.2.2, written to `benches/compute_units.md`.
//!
//!     bash scripts/build-sbf.sh
//!     cargo run -p ballast-tests --no-default-features --features sbf --bin bench
//!
//! Every row is one real transaction's `compute_units_consumed` (the whole transaction,
//! including CPIs into SPL Token where the instruction makes them).

use std::fmt::Write as _;

use ballast::state::{IsolatedPosition, MarginAccount, MarginMode, Market, MarketParams};
use ballast_tests::*;
use solana_signer::Signer;

const BTC: u16 = 0;
const MILLI: i64 = UNIT / 1_000;

struct Table {
    rows: Vec<(String, u64)>,
}

impl Table {
    fn add(&mut self, name: impl Into<String>, cu: u64) {
        let name = name.into();
        println!("{name:<58} {cu:>8}");
        self.rows.push((name, cu));
    }
}

async fn frictionless() -> Harness {
    let params = MarketParams { spread_ppm: 0, ..default_market_params() };
    let mut h = Harness::with(|p| p, params).await;
    // Room to measure paths above the default 200,000 CU (the limit instruction adds ~150).
    h.compute_unit_limit = Some(1_400_000);
    h.set_price(BTC, 50_000.0, 5.0).await;
    h
}

async fn single_paths(t: &mut Table) {
    let mut h = frictionless().await;
    let alice = h.user("alice", 1_000_000 * USD).await;
    t.add("deposit (SPL Token transfer in)", h.deposit(&alice, 100_000 * USD).await.compute_units);
    t.add("withdraw, no positions (SPL Token transfer out)", h.withdraw(&alice, USD).await.compute_units);
    for (mode, label) in [(MarginMode::Cross, "cross"), (MarginMode::Isolated, "isolated"), (MarginMode::StrictIsolated, "strict-isolated")]
    {
        let market = if mode == MarginMode::Cross {
            BTC
        } else {
            h.add_push_market(50_000.0, MarketParams { spread_ppm: 0, ..default_market_params() }).await.index
        };
        let open = if mode == MarginMode::Isolated { " (creates the position account)" } else { "" };
        t.add(format!("trade open, {label}{open}"), h.trade(&alice, market, 100 * MILLI, mode, 10).await.compute_units);
        t.add(format!("trade increase, {label}"), h.trade(&alice, market, 100 * MILLI, mode, 0).await.compute_units);
        t.add(format!("trade reduce, {label}"), h.trade(&alice, market, -50 * MILLI, mode, 0).await.compute_units);
        if mode == MarginMode::Cross {
            let ixn = h.set_leverage_ix(&alice, market, 5).await;
            t.add("set_leverage cross, lower", h.ok(&[ixn], &[&alice.key]).await.compute_units);
        } else {
            let ixn = h.set_leverage_ix(&alice, market, 5).await;
            t.add(format!("set_leverage {label}, lower (pulls from cross)"), h.ok(&[ixn], &[&alice.key]).await.compute_units);
            if mode == MarginMode::Isolated {
                let ixn = h.set_leverage_ix(&alice, market, 10).await;
                t.add("set_leverage isolated, raise (releases to cross)", h.ok(&[ixn], &[&alice.key]).await.compute_units);
                let ixn = h.add_margin_ix(&alice, market, 100 * USD).await;
                t.add("add_isolated_margin", h.ok(&[ixn], &[&alice.key]).await.compute_units);
                let ixn = h.remove_margin_ix(&alice, market, 50 * USD);
                t.add("remove_isolated_margin", h.ok(&[ixn], &[&alice.key]).await.compute_units);
            }
        }
        t.add(format!("trade close, {label}"), h.trade(&alice, market, -150 * MILLI, mode, 0).await.compute_units);
    }
    let oracle = h.markets[0].oracle;
    h.advance_time(3_600);
    h.set_price(BTC, 50_000.0, 5.0).await;
    t.add("update_funding (crank)", h.ok(&[ix::update_funding(BTC, oracle)], &[]).await.compute_units);

    // Liquidations and the margin guard: 1 BTC at 20x, price falls.
    let keeper = h.user("keeper", 0).await;
    let bob = h.user("bob", 1_000_000 * USD).await;
    h.deposit(&bob, 10_000 * USD).await;
    h.trade(&bob, BTC, UNIT, MarginMode::Isolated, 20).await;
    let carol = h.user("carol", 1_000_000 * USD).await;
    h.deposit(&carol, 2_600 * USD).await;
    h.trade(&carol, BTC, UNIT, MarginMode::Cross, 20).await;
    let dave = h.user("dave", 1_000_000 * USD).await;
    h.deposit(&dave, 10_000 * USD).await;
    h.trade(&dave, BTC, UNIT, MarginMode::Isolated, 20).await;
    h.ok(&[ix::set_margin_guard(dave.pubkey(), dave.account, BTC, 1_500_000, 500 * USD, 1_000 * USD)], &[&dave.key]).await;
    h.set_price(BTC, 48_600.0, 5.0).await;
    let ixn = ix::execute_margin_guard(keeper.pubkey(), keeper.token, dave.account, BTC, oracle, &[]);
    t.add("execute_margin_guard", h.ok(&[ixn], &[&keeper.key]).await.compute_units);
    let ixn = h.liquidate_isolated_ix(&keeper, &bob, BTC, u64::MAX);
    t.add("liquidate_isolated (partial)", h.ok(&[ixn], &[&keeper.key]).await.compute_units);
    let ixn = h.liquidate_cross_ix(&keeper, &carol, BTC, u64::MAX).await;
    t.add("liquidate_cross, 1 position (partial)", h.ok(&[ixn], &[&keeper.key]).await.compute_units);
}

/// Cross-account instructions over 1, 2, 4, 8 and 16 open cross positions.
async fn sweep(t: &mut Table) -> Vec<(usize, u64, u64, u64, u64)> {
    let mut out = vec![];
    for n in [1usize, 2, 4, 8, 16] {
        let mut h = frictionless().await;
        for _ in 1..n {
            h.add_push_market(100.0, MarketParams { spread_ppm: 0, ..default_market_params() }).await;
        }
        let alice = h.user("alice", 10_000_000 * USD).await;
        h.deposit(&alice, 1_000_000 * USD).await;
        for i in 1..n as u16 {
            h.trade(&alice, i, UNIT, MarginMode::Cross, 10).await;
        }
        // The measured trade opens the last position (BTC) against n − 1 others.
        let ixn = h.trade_ix(&alice, BTC, 100 * MILLI, MarginMode::Cross, 10).await;
        let trade = h.ok(&[ixn], &[&alice.key]).await.compute_units;
        let ixn = h.withdraw_ix(&alice, USD).await;
        let withdraw = h.ok(&[ixn], &[&alice.key]).await.compute_units;
        let view = {
            let keys = h.health_accounts(alice.account).await;
            let ixs = h.with_budget(&[ix::account_health(alice.account, &keys)]);
            let payer = h.ctx.payer.insecure_clone();
            let tx = rt::Transaction::new_signed_with_payer(&ixs, Some(&payer.pubkey()), &[&payer], h.ctx.last_blockhash);
            let sim = h.ctx.banks_client.simulate_transaction(tx).await.expect("simulate");
            sim.simulation_details.map_or(0, |d| d.units_consumed)
        };
        // Take out everything transferable, then halve BTC: the cross domain is liquidatable.
        let keeper = h.user("keeper", 0).await;
        let free = h.view(&alice, &[]).await.cross.transferable;
        h.withdraw(&alice, free - 1).await;
        h.set_price(BTC, 25_000.0, 2.5).await;
        for i in 1..n as u16 {
            h.set_price(i, 100.0, 0.01).await;
        }
        let ixn = h.liquidate_cross_ix(&keeper, &alice, BTC, u64::MAX).await;
        let liq = h.ok(&[ixn], &[&keeper.key]).await.compute_units;
        t.add(format!("sweep n={n}: trade / withdraw / account_health / liquidate_cross"), trade);
        out.push((n, trade, withdraw, view, liq));
    }
    out
}

async fn calibration() -> u64 {
    let mut h = Harness::bare().await;
    let a = h.create_token_account(h.admin.pubkey(), h.mint).await;
    let b = h.create_token_account(h.admin.pubkey(), h.mint).await;
    h.mint_to(a, 10).await;
    let admin = h.admin.insecure_clone();
    #[allow(deprecated)]
    let ixn = spl_token_interface::instruction::transfer(&ix::TOKEN_PROGRAM, &a, &b, &admin.pubkey(), &[], 1).unwrap();
    h.ok(&[ixn], &[&admin]).await.compute_units
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    if std::env::var_os("RUST_LOG").is_none() {
        std::env::set_var("RUST_LOG", "error");
    }
    let mut t = Table { rows: vec![] };
    single_paths(&mut t).await;
    let sweep = sweep(&mut t).await;
    let spl = calibration().await;
    let so = std::fs::metadata(rt::bytecode_dir().join("ballast.so")).map(|m| m.len()).unwrap_or(0);

    let mut md = String::new();
    let _ = writeln!(md, "# Compute units\n");
    let _ = writeln!(md, "Generated by `cargo run -p ballast-tests --no-default-features --features sbf --bin bench` on");
    let _ = writeln!(md, "`target/deploy/ballast.so` ({so} bytes) built by `scripts/build-sbf.sh`, run in solana-program-test 4.2.2.");
    let _ = writeln!(md, "Each number is one whole transaction's compute units (CPIs included).\n");
    let _ = writeln!(md, "**Reference.** An SPL Token `transfer` through this runtime's bundled token program costs **{spl} CU**.");
    let _ = writeln!(md, "That is far below the classic SPL Token program's published ~4,600 CU, so the token program bundled");
    let _ = writeln!(md, "with this runtime version is not the classic build, and it does not calibrate this toolchain. The");
    let _ = writeln!(md, "Ballast numbers come from the offline toolchain (upstream LLVM 23 BPF + sbpf-linker, SBPF v3), whose");
    let _ = writeln!(md, "code differs from platform-tools builds: compare within this table. A reference program built by the");
    let _ = writeln!(md, "same toolchain, with compute units published for platform-tools, is still to be added.\n");
    let _ = writeln!(md, "Not yet optimised: 128-bit divisions are software long divisions (see docs/ARCHITECTURE.md,");
    let _ = writeln!(md, "\"Runtimes\"), and cross health is recomputed before and after each change with every oracle read,");
    let _ = writeln!(md, "so the per-position cost and the liquidation search are far above their targets.\n");
    let _ = writeln!(md, "| instruction / path | CU |\n|---|---:|");
    for (name, cu) in t.rows.iter().filter(|(n, _)| !n.starts_with("sweep")) {
        let _ = writeln!(md, "| {name} | {cu} |");
    }
    let _ = writeln!(md, "\n## Cross positions sweep\n");
    let _ = writeln!(md, "| open cross positions | trade (opens the last) | withdraw | account_health (simulated) | liquidate_cross |\n|---:|---:|---:|---:|---:|");
    for (n, trade, withdraw, view, liq) in &sweep {
        let _ = writeln!(md, "| {n} | {trade} | {withdraw} | {view} | {liq} |");
    }
    let (first, last) = (sweep.first().unwrap(), sweep.last().unwrap());
    let per = |a: u64, b: u64| (b.saturating_sub(a)) / (last.0 - first.0) as u64;
    let _ = writeln!(
        md,
        "\nMarginal CU per additional cross position (1 → 16): trade {}, withdraw {}, account_health {}, liquidate_cross {}.",
        per(first.1, last.1),
        per(first.2, last.2),
        per(first.3, last.3),
        per(first.4, last.4)
    );
    let rent = |bytes: usize| (bytes as u64 + 128) * 3_480 * 2;
    let _ = writeln!(md, "\n## Accounts\n\n| account | bytes | rent-exempt lamports |\n|---|---:|---:|");
    for (name, bytes) in [
        ("Exchange", ballast::state::Exchange::SPACE),
        ("Market", Market::SPACE),
        ("MarginAccount", MarginAccount::SPACE),
        ("IsolatedPosition", IsolatedPosition::SPACE),
        ("PushOracle", ballast::state::PushOracle::SPACE),
    ] {
        let _ = writeln!(md, "| {name} | {bytes} | {} |", rent(bytes));
    }
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../benches/compute_units.md");
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, md).unwrap();
    println!("wrote {}", path.display());
}
