//! `ballast-localnet`: a local cluster with Ballast on it, for a front-end or keeper.
//!
//! Starts `solana-test-validator` on 127.0.0.1 with `target/deploy/ballast.so`, bootstraps
//! the exchange and markets described by the config file, writes the addresses to
//! `<out>/deployment.json` (keypairs under `<out>/keys/`), and keeps the validator running
//! until interrupted. With `--url`, only bootstraps an already running cluster.
//!
//! Options: `--config migrations/localnet.json`, `--out target/localnet`, `--rpc-port 8899`,
//! `--validator <solana-test-validator>`, `--program target/deploy/ballast.so`, `--url <http://…>`.

use std::path::PathBuf;

use ballast_migrations::bootstrap::{bootstrap, Keys};
use ballast_migrations::config::Config;
use ballast_migrations::net::Net;
use ballast_migrations::validator::{find_binary, Ports, Validator};

fn arg(args: &[String], name: &str) -> Option<String> {
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1).cloned())
}

async fn run() -> Result<(), String> {
    let args: Vec<String> = std::env::args().collect();
    if args.iter().any(|a| a == "--help" || a == "-h") {
        println!(
            "{}",
            include_str!("main.rs").lines().take(9).map(|l| l.trim_start_matches("//!").trim_start()).collect::<Vec<_>>().join("\n")
        );
        return Ok(());
    }
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let config_path = arg(&args, "--config").map_or(root.join("migrations/localnet.json"), PathBuf::from);
    let out = arg(&args, "--out").map_or(root.join("target/localnet"), PathBuf::from);
    let config = Config::from_file(&config_path)?;
    std::fs::create_dir_all(&out).map_err(|e| format!("{}: {e}", out.display()))?;
    let keys = Keys::load_or_create(&out.join("keys"))?;

    let mut validator = None;
    let url = match arg(&args, "--url") {
        Some(url) => url,
        None => {
            let binary = arg(&args, "--validator").map(PathBuf::from).or_else(find_binary).ok_or(
                "solana-test-validator not found: run scripts/localnet.sh (it builds it once), or pass --validator / set TEST_VALIDATOR",
            )?;
            let program = arg(&args, "--program").map_or(root.join("target/deploy/ballast.so"), PathBuf::from);
            let mut ports = Ports::DEFAULT;
            if let Some(p) = arg(&args, "--rpc-port") {
                ports = Ports::block(p.parse().map_err(|_| "bad --rpc-port")?);
            }
            eprintln!("starting {} on 127.0.0.1:{}", binary.display(), ports.rpc);
            let v = Validator::start(&binary, &program, &out.join("ledger"), ports).await?;
            let url = v.rpc_url.clone();
            validator = Some(v);
            url
        }
    };
    let payer = solana_keypair::Keypair::new_from_array(*keys.admin.secret_bytes());
    let mut net = Net::new(&url, payer)?;
    let deployment = bootstrap(&mut net, &config, &keys).await?;
    let json = serde_json::to_string_pretty(&deployment).map_err(|e| e.to_string())?;
    std::fs::write(out.join("deployment.json"), &json).map_err(|e| e.to_string())?;
    println!("{json}");
    eprintln!("deployment written to {}", out.join("deployment.json").display());
    if let Some(mut v) = validator {
        eprintln!("validator running at {url}; Ctrl-C stops it");
        v.serve().await?;
    }
    Ok(())
}

#[tokio::main]
async fn main() {
    if let Err(e) = run().await {
        eprintln!("ballast-localnet: {e}");
        std::process::exit(2);
    }
}
