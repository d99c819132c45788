//! `ballast-keeper --rpc http://127.0.0.1:8899 --keypair keeper.json --program-id <id> --keeper-token <token account>`
//!
//! Options: `--interval-ms 1000`, `--cu-limit 400000`, `--priority-micro-lamports 0`,
//! `--funding-crank-secs 600`, `--once` (one pass, then print counters and exit). See docs/KEEPERS.md.

use std::time::Duration;

use anchor_lang::prelude::Pubkey;
use ballast_keeper::rpc::RpcChain;
use ballast_keeper::{Config, Keeper};
use solana_keypair::Keypair;

fn arg(args: &[String], name: &str) -> Option<String> {
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1).cloned())
}

fn required(args: &[String], name: &str) -> Result<String, String> {
    arg(args, name).ok_or_else(|| format!("missing {name} (see --help)"))
}

fn load_keypair(path: &str) -> Result<Keypair, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?;
    let bytes: Vec<u8> = serde_json::from_str(&text).map_err(|e| format!("{path}: {e}"))?;
    let secret: [u8; 32] = bytes.get(..32).and_then(|s| s.try_into().ok()).ok_or("keypair file must hold 64 bytes")?;
    Ok(Keypair::new_from_array(secret))
}

async fn run() -> Result<(), String> {
    let args: Vec<String> = std::env::args().collect();
    if args.iter().any(|a| a == "--help" || a == "-h") {
        println!("{}", include_str!("main.rs").lines().take(5).map(|l| l.trim_start_matches("//! ")).collect::<Vec<_>>().join("\n"));
        return Ok(());
    }
    let chain = RpcChain::new(&required(&args, "--rpc")?)?;
    let payer = load_keypair(&required(&args, "--keypair")?)?;
    let parse_key = |s: String| s.parse::<Pubkey>().map_err(|_| format!("bad public key {s}"));
    let config = Config {
        program_id: parse_key(required(&args, "--program-id")?)?,
        keeper_token: parse_key(required(&args, "--keeper-token")?)?,
        compute_unit_limit: arg(&args, "--cu-limit").map_or(Ok(400_000), |s| s.parse().map_err(|_| "bad --cu-limit".to_string()))?,
        priority_micro_lamports: arg(&args, "--priority-micro-lamports")
            .map_or(Ok(0), |s| s.parse().map_err(|_| "bad --priority-micro-lamports".to_string()))?,
        funding_crank_secs: arg(&args, "--funding-crank-secs")
            .map_or(Ok(600), |s| s.parse().map_err(|_| "bad --funding-crank-secs".to_string()))?,
    };
    let interval =
        Duration::from_millis(arg(&args, "--interval-ms").map_or(Ok(1_000), |s| s.parse().map_err(|_| "bad --interval-ms".to_string()))?);
    let once = args.iter().any(|a| a == "--once");
    let mut keeper = Keeper::new(chain, payer, config);
    loop {
        if let Err(e) = keeper.run_once().await {
            println!("{}", serde_json::json!({"action": "scan", "result": "failed", "error": e}));
        }
        let c = keeper.counters;
        eprintln!(
            "counters scanned={} liquidatable={} guards_due={} triggers_due={} funding_due={} sent={} won={} lost={} failed={}",
            c.scanned, c.liquidatable, c.guards_due, c.triggers_due, c.funding_due, c.sent, c.won, c.lost, c.failed
        );
        if once {
            return Ok(());
        }
        tokio::time::sleep(interval).await;
    }
}

#[tokio::main]
async fn main() {
    if let Err(e) = run().await {
        eprintln!("ballast-keeper: {e}");
        std::process::exit(2);
    }
}
