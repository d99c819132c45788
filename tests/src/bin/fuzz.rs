//! `bash scripts/fuzz.sh --minutes N [--steps L] [--seed S]`: runs the stateful fuzzer
//! (`ballast_tests::fuzz`) on fresh seeds until the time is up, then prints steps per
//! second. A failure is shrunk and saved to `tests/fuzz-regressions/` (which the test
//! suite replays), and the run exits non-zero.

use ballast_tests::fuzz::{generate, run_sequence, save_regression, shrink, Report};

fn arg(args: &[String], name: &str) -> Option<String> {
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1).cloned())
}

fn main() {
    if std::env::var_os("RUST_LOG").is_none() {
        std::env::set_var("RUST_LOG", "error");
    }
    let args: Vec<String> = std::env::args().collect();
    let minutes: f64 = arg(&args, "--minutes").map_or(5.0, |s| s.parse().expect("--minutes N"));
    let steps: usize = arg(&args, "--steps").map_or(400, |s| s.parse().expect("--steps L"));
    let start_seed: u64 = arg(&args, "--seed").map_or_else(
        || std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(1, |d| d.as_secs()),
        |s| s.parse().expect("--seed S"),
    );
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs_f64(minutes * 60.0);
    let mut total = Report::default();
    let mut seed = start_seed;
    let mut seeds = 0;
    while std::time::Instant::now() < deadline {
        let sequence = generate(seed, steps);
        match run_sequence(&sequence) {
            Ok(r) => {
                total.steps += r.steps;
                total.accepted += r.accepted;
                total.refused += r.refused;
                total.liquidations += r.liquidations;
                total.seconds += r.seconds;
            }
            Err(message) => {
                eprintln!("seed {seed} failed: {message}\nshrinking…");
                let keep = shrink(&sequence, 400);
                let path = save_regression(seed, steps, &keep, &message);
                eprintln!("shrunk to {} steps: {}", keep.len(), path.display());
                std::process::exit(1);
            }
        }
        seeds += 1;
        seed += 1;
    }
    println!(
        "fuzz: {seeds} seeds from {start_seed}, {} steps in {:.1} s ({:.0} steps/s): {} accepted, {} refused cleanly, {} liquidations; no invariant broke",
        total.steps,
        total.seconds,
        total.steps as f64 / total.seconds.max(1e-9),
        total.accepted,
        total.refused,
        total.liquidations
    );
}
