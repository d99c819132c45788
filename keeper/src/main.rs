//! `ballast-keeper [--config keeper.json] --rpc http://127.0.0.1:8899 --keypair keeper.json --program-id <id> --keeper-token <token account>`
//!
//! Options: `--interval-ms 1000`, `--cu-limit 400000`, `--priority-micro-lamports 0`,
//! `--funding-crank-secs 600`, `--max-backoff-ms 30000`, `--once` (one pass, then exit),
//! `--ws ws://127.0.0.1:8900` (default: derived from `--rpc`), `--subscribe false` (rescan
//! every pass instead of following accounts by `programSubscribe`), `--resync-secs 60`,
//! `--price-book false` (do not refresh the price book or pass it to cross instructions).
//! A config file holds the same settings (snake_case keys, e.g. `"interval_ms": 500`); flags override it. See docs/KEEPERS.md.

use std::time::{Duration, Instant};

use anchor_lang::prelude::Pubkey;
use ballast_keeper::rpc::RpcChain;
use ballast_keeper::{Config, Keeper};
use solana_keypair::Keypair;

/// Settings from the config file, overridden by flags.
struct Settings {
    file: serde_json::Value,
    args: Vec<String>,
}

impl Settings {
    fn load(args: Vec<String>) -> Result<Self, String> {
        let file = match flag(&args, "--config") {
            Some(path) => {
                let text = std::fs::read_to_string(&path).map_err(|e| format!("{path}: {e}"))?;
                Self::parse_file(&path, &text)?
            }
            None => serde_json::Value::Null,
        };
        Ok(Self { file, args })
    }

    /// The settings of a config file: a JSON object of known keys.
    fn parse_file(path: &str, text: &str) -> Result<serde_json::Value, String> {
        const KNOWN: [&str; 13] = [
            "rpc",
            "keypair",
            "program_id",
            "keeper_token",
            "interval_ms",
            "cu_limit",
            "priority_micro_lamports",
            "funding_crank_secs",
            "max_backoff_ms",
            "ws",
            "subscribe",
            "resync_secs",
            "price_book",
        ];
        let v: serde_json::Value = serde_json::from_str(text).map_err(|e| format!("{path}: {e}"))?;
        let obj = v.as_object().ok_or(format!("{path}: a JSON object of settings"))?;
        if let Some(k) = obj.keys().find(|k| !KNOWN.contains(&k.as_str())) {
            return Err(format!("{path}: unknown setting {k:?}"));
        }
        Ok(v)
    }

    /// `--name-with-dashes` from the flags, else `name_with_underscores` from the file.
    fn get(&self, name: &str) -> Option<String> {
        flag(&self.args, &format!("--{}", name.replace('_', "-"))).or_else(|| match self.file.get(name)? {
            serde_json::Value::String(s) => Some(s.clone()),
            v => Some(v.to_string()),
        })
    }

    fn required(&self, name: &str) -> Result<String, String> {
        self.get(name).ok_or_else(|| format!("missing --{} (or \"{name}\" in the config file; see --help)", name.replace('_', "-")))
    }

    fn number<T: std::str::FromStr>(&self, name: &str, default: T) -> Result<T, String> {
        self.get(name).map_or(Ok(default), |s| s.parse().map_err(|_| format!("bad {name}: {s}")))
    }
}

fn flag(args: &[String], name: &str) -> Option<String> {
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1).cloned())
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
        println!("{}", include_str!("main.rs").lines().take(8).map(|l| l.trim_start_matches("//! ")).collect::<Vec<_>>().join("\n"));
        return Ok(());
    }
    let s = Settings::load(args)?;
    let rpc = s.required("rpc")?;
    let mut chain = RpcChain::new(&rpc)?;
    if s.number("subscribe", true)? {
        let ws = match s.get("ws") {
            Some(ws) => ws,
            None => RpcChain::websocket_url(&rpc)?,
        };
        chain = chain.with_subscriptions(&ws);
        chain.resync = Duration::from_secs(s.number("resync_secs", 60)?);
    }
    let payer = load_keypair(&s.required("keypair")?)?;
    let parse_key = |v: String| v.parse::<Pubkey>().map_err(|_| format!("bad public key {v}"));
    let config = Config {
        program_id: parse_key(s.required("program_id")?)?,
        keeper_token: parse_key(s.required("keeper_token")?)?,
        compute_unit_limit: s.number("cu_limit", 400_000)?,
        priority_micro_lamports: s.number("priority_micro_lamports", 0)?,
        lookup_tables: true,
        funding_crank_secs: s.number("funding_crank_secs", 600)?,
        price_book: s.number("price_book", true)?,
    };
    if config.program_id != ballast::ID {
        return Err(format!("program id {} is not the program this keeper is built for ({})", config.program_id, ballast::ID));
    }
    let interval = Duration::from_millis(s.number("interval_ms", 1_000)?);
    let max_backoff = Duration::from_millis(s.number("max_backoff_ms", 30_000)?);
    let once = s.args.iter().any(|a| a == "--once");
    let mut keeper = Keeper::new(chain, payer, config);
    // Ctrl-C / SIGTERM: the pass in progress finishes (its transactions are already sent
    // or not), the counters are printed, and the process exits 0.
    let mut stop = std::pin::pin!(shutdown_signal());
    let mut failures: u32 = 0;
    let mut cycle: u64 = 0;
    loop {
        cycle += 1;
        let started = Instant::now();
        let result = keeper.run_once().await;
        let error = result.as_ref().err().cloned();
        failures = if error.is_some() { failures.saturating_add(1) } else { 0 };
        // One health line per cycle (stderr, JSON): what a supervisor or log alert reads.
        let c = keeper.counters;
        let rpc = keeper.chain.stats();
        eprintln!(
            "{}",
            serde_json::json!({
                "cycle": cycle, "ok": error.is_none(), "error": error, "millis": started.elapsed().as_millis() as u64,
                "consecutive_failures": failures, "scanned": c.scanned, "liquidatable": c.liquidatable,
                "guards_due": c.guards_due, "triggers_due": c.triggers_due, "funding_due": c.funding_due,
                "deleverage_due": c.deleverage_due, "price_refreshes": c.price_refreshes, "via_price_book": c.via_price_book,
                "sent": c.sent, "won": c.won, "lost": c.lost, "failed": c.failed,
                "rpc_calls": rpc.calls, "rpc_scans": rpc.scans, "notifications": rpc.notifications,
                "subscription_failures": rpc.subscription_failures,
                "subscription_error": keeper.chain.subscription_error(),
            })
        );
        if once {
            return result.map(|_| ());
        }
        let wait = backoff(interval, failures, max_backoff);
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = &mut stop => {
                eprintln!("{}", serde_json::json!({"shutdown": true, "cycles": cycle}));
                return Ok(());
            }
        }
    }
}

/// The wait before the next pass: the interval, or after `failures` failed passes in a row
/// `interval × 2^failures`, capped at `max`.
fn backoff(interval: Duration, failures: u32, max: Duration) -> Duration {
    if failures == 0 {
        return interval;
    }
    interval.saturating_mul(1u32 << failures.min(16)).min(max)
}

async fn shutdown_signal() {
    #[cfg(unix)]
    {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).expect("SIGTERM handler");
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = tokio::signal::ctrl_c().await;
}

#[tokio::main]
async fn main() {
    if let Err(e) = run().await {
        eprintln!("ballast-keeper: {e}");
        std::process::exit(2);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(a: &[&str]) -> Vec<String> {
        a.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn flags_override_the_config_file_and_unknown_settings_are_refused() {
        let file = Settings::parse_file("k.json", r#"{"rpc": "http://a:8899", "interval_ms": 500, "cu_limit": 300000}"#).unwrap();
        let s = Settings { file, args: args(&["ballast-keeper", "--interval-ms", "250"]) };
        assert_eq!(s.get("rpc").as_deref(), Some("http://a:8899"));
        assert_eq!(s.number("interval_ms", 1_000u64), Ok(250));
        assert_eq!(s.number("cu_limit", 400_000u32), Ok(300_000));
        assert_eq!(s.number("funding_crank_secs", 600i64), Ok(600));
        assert_eq!(s.number("subscribe", true), Ok(true));
        let off = Settings { file: serde_json::Value::Null, args: args(&["x", "--subscribe", "false"]) };
        assert_eq!(off.number("subscribe", true), Ok(false));
        assert!(s.required("keeper_token").unwrap_err().contains("--keeper-token"));
        assert!(Settings::parse_file("k.json", r#"{"rpc_url": "x"}"#).unwrap_err().contains("unknown setting"));
        assert!(Settings::parse_file("k.json", "[1]").is_err());
        let bad = Settings { file: serde_json::Value::Null, args: args(&["x", "--cu-limit", "lots"]) };
        assert!(bad.number("cu_limit", 1u32).is_err());
    }

    #[test]
    fn failed_passes_back_off_exponentially_up_to_the_cap() {
        let (i, max) = (Duration::from_millis(1_000), Duration::from_millis(30_000));
        assert_eq!(backoff(i, 0, max), i);
        assert_eq!(backoff(i, 1, max), Duration::from_millis(2_000));
        assert_eq!(backoff(i, 4, max), Duration::from_millis(16_000));
        assert_eq!(backoff(i, 5, max), max);
        assert_eq!(backoff(i, 1_000, max), max);
    }
}
