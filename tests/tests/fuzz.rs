//! The stateful fuzzer (`ballast_tests::fuzz`) on a fixed budget: natively at least 3,000
//! steps, on the bytecode at least 300, every invariant checked after each step. A failure
//! is shrunk to a minimal sequence and saved to `tests/fuzz-regressions/`; every saved
//! sequence is replayed here. `scripts/fuzz.sh --minutes N` runs longer.

use ballast_tests::fuzz::{generate, load_regression, regressions_dir, run_sequence, save_regression, shrink, Report};

/// Seeds and steps per seed: (native, bytecode).
const SEEDS: u64 = if cfg!(feature = "sbf") { 3 } else { 12 };
const STEPS: usize = if cfg!(feature = "sbf") { 200 } else { 260 };

fn run_seed(seed: u64) -> Report {
    let steps = generate(seed, STEPS);
    match run_sequence(&steps) {
        Ok(r) => r,
        Err(message) => {
            let keep = shrink(&steps, 200);
            let path = save_regression(seed, STEPS, &keep, &message);
            panic!("seed {seed} failed: {message}\nshrunk to {} steps, saved to {}", keep.len(), path.display());
        }
    }
}

#[test]
fn a_fixed_budget_of_random_sequences_keeps_every_invariant() {
    let mut total = Report::default();
    for seed in 1..=SEEDS {
        let r = run_seed(seed);
        total.steps += r.steps;
        total.accepted += r.accepted;
        total.refused += r.refused;
        total.liquidations += r.liquidations;
        total.triggers += r.triggers;
        total.deleverages += r.deleverages;
        total.seconds += r.seconds;
        for (k, v) in r.refusals {
            *total.refusals.entry(k).or_default() += v;
        }
    }
    let line = format!(
        "fuzz ({}): {} steps in {:.1} s ({:.0} steps/s): {} transactions accepted, {} refused cleanly, {} liquidations, {} trigger executions, {} deleveragings; refusals by code: {:?}",
        if cfg!(feature = "sbf") { "bytecode" } else { "native" },
        total.steps,
        total.seconds,
        total.steps as f64 / total.seconds.max(1e-9),
        total.accepted,
        total.refused,
        total.liquidations,
        total.triggers,
        total.deleverages,
        total.refusals
    );
    println!("{line}");
    // The test command prints this report after the run (nextest keeps a passing test's output).
    let report = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target").join(if cfg!(feature = "sbf") {
        "fuzz-report-bytecode.txt"
    } else {
        "fuzz-report-native.txt"
    });
    let _ = std::fs::create_dir_all(report.parent().expect("target dir"));
    let _ = std::fs::write(&report, line + "\n");
    let min = if cfg!(feature = "sbf") { 300 } else { 3_000 };
    assert!(total.steps >= min, "budget: {} steps", total.steps);
    // The sequences reach the interesting paths, not just refusals.
    let min_liquidations = if cfg!(feature = "sbf") { 1 } else { 5 };
    assert!(total.accepted * 5 > total.steps && total.liquidations >= min_liquidations, "{total:?}");
    if !cfg!(feature = "sbf") {
        assert!(total.triggers > 0, "no trigger order was executed: {total:?}");
        assert!(total.deleverages > 0, "no position was deleveraged: {total:?}");
    }
}

#[test]
fn every_saved_regression_replays_clean() {
    let Ok(dir) = std::fs::read_dir(regressions_dir()) else { return };
    for entry in dir.flatten() {
        let path = entry.path();
        if path.extension().is_some_and(|e| e == "txt") {
            let steps = load_regression(&path);
            if let Err(m) = run_sequence(&steps) {
                panic!("{} fails again: {m}", path.display());
            }
        }
    }
}
