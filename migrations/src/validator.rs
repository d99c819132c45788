//! A `solana-test-validator` child process on 127.0.0.1 serving the program's bytecode.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use ballast_keeper::rpc::RpcChain;
use serde_json::json;

/// Where the validator listens. Each field is a port on 127.0.0.1; `dynamic` is the
/// range the validator's other services bind in (at least 26 ports wide), so several
/// validators can run side by side.
#[derive(Debug, Clone, Copy)]
pub struct Ports {
    pub rpc: u16,
    pub faucet: u16,
    pub gossip: u16,
    pub dynamic: (u16, u16),
}

impl Ports {
    /// The usual local ports: RPC 8899, faucet 9900.
    pub const DEFAULT: Ports = Ports { rpc: 8899, faucet: 9900, gossip: 8000, dynamic: (8001, 8060) };

    /// A block of ports starting at `base`: RPC at `base`, its websocket (pubsub) at
    /// `base + 1` (the validator always serves it on the next port), faucet, gossip, then
    /// the dynamic range.
    pub fn block(base: u16) -> Ports {
        Ports { rpc: base, faucet: base + 2, gossip: base + 3, dynamic: (base + 4, base + 60) }
    }

    /// The websocket (pubsub) URL the validator serves beside its RPC port.
    pub fn ws_url(&self) -> String {
        format!("ws://127.0.0.1:{}", self.rpc + 1)
    }
}

/// The running validator; dropped, it is killed and its ledger removed.
pub struct Validator {
    child: Child,
    pub rpc_url: String,
    ledger: PathBuf,
    keep_ledger: bool,
}

/// The binary: `TEST_VALIDATOR`, else the cache `scripts/lib.sh` builds into, else PATH.
pub fn find_binary() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("TEST_VALIDATOR") {
        return Some(PathBuf::from(p));
    }
    let home = std::env::var_os("HOME").map(PathBuf::from)?;
    let tools = std::env::var_os("BALLAST_TOOLS_DIR").map(PathBuf::from).unwrap_or(home.join(".cache/ballast-tools"));
    let cached = tools.join("agave-4.2.2/bin/solana-test-validator");
    if cached.exists() {
        return Some(cached);
    }
    std::env::var_os("PATH")?.to_str()?.split(':').map(|d| Path::new(d).join("solana-test-validator")).find(|p| p.exists())
}

impl Validator {
    /// Starts a fresh validator with `program_so` deployed (upgradeable loader, no upgrade
    /// authority) at the program id, and waits until its RPC serves slot 2 or later
    /// (genesis programs become callable from slot 1).
    pub async fn start(binary: &Path, program_so: &Path, ledger: &Path, ports: Ports) -> Result<Self, String> {
        Self::start_with_accounts(binary, program_so, ledger, ports, &[]).await
    }

    /// [`Self::start`], with accounts loaded at genesis: `(address, file)` pairs, each file
    /// in `solana account --output json` form (how the dry run puts real Pyth
    /// `PriceUpdateV2` bytes at a mainnet configuration's oracle addresses).
    pub async fn start_with_accounts(
        binary: &Path,
        program_so: &Path,
        ledger: &Path,
        ports: Ports,
        accounts: &[(String, PathBuf)],
    ) -> Result<Self, String> {
        if !program_so.exists() {
            return Err(format!("{} missing: run scripts/build-sbf.sh", program_so.display()));
        }
        let _ = std::fs::remove_dir_all(ledger);
        std::fs::create_dir_all(ledger).map_err(|e| format!("{}: {e}", ledger.display()))?;
        let log = std::fs::File::create(ledger.with_extension("log")).map_err(|e| e.to_string())?;
        let child = Command::new(binary)
            .args(["--ledger", &ledger.display().to_string(), "--reset", "--quiet", "--bind-address", "127.0.0.1"])
            .args(["--rpc-port", &ports.rpc.to_string(), "--faucet-port", &ports.faucet.to_string()])
            .args(["--gossip-port", &ports.gossip.to_string(), "--dynamic-port-range", &format!("{}-{}", ports.dynamic.0, ports.dynamic.1)])
            .args(["--upgradeable-program", &ballast::ID.to_string(), &program_so.display().to_string(), "none"])
            .args(accounts.iter().flat_map(|(address, file)| ["--account".to_string(), address.clone(), file.display().to_string()]))
            .stdout(Stdio::from(log.try_clone().map_err(|e| e.to_string())?))
            .stderr(Stdio::from(log))
            .spawn()
            .map_err(|e| format!("{}: {e}", binary.display()))?;
        let mut v = Self { child, rpc_url: format!("http://127.0.0.1:{}", ports.rpc), ledger: ledger.to_path_buf(), keep_ledger: false };
        let start = Instant::now();
        let mut rpc = RpcChain::new(&v.rpc_url)?;
        loop {
            if let Some(status) = v.child.try_wait().map_err(|e| e.to_string())? {
                return Err(format!("solana-test-validator exited with {status}; see {}", ledger.with_extension("log").display()));
            }
            if let Ok(slot) = rpc.call("getSlot", json!([{"commitment": "confirmed"}])).await {
                if slot.as_u64().unwrap_or(0) >= 2 {
                    return Ok(v);
                }
            }
            if start.elapsed() > Duration::from_secs(60) {
                v.keep_ledger = true;
                return Err(format!(
                    "solana-test-validator did not serve slot 2 within 60 s; see {}",
                    ledger.with_extension("log").display()
                ));
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// Runs until the validator exits or this process is interrupted (Ctrl-C or SIGTERM);
    /// the validator is then stopped by `Drop`.
    pub async fn serve(&mut self) -> Result<(), String> {
        use tokio::signal::unix::{signal, SignalKind};
        let mut term = signal(SignalKind::terminate()).map_err(|e| e.to_string())?;
        let mut tick = tokio::time::interval(Duration::from_millis(500));
        loop {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => return Ok(()),
                _ = term.recv() => return Ok(()),
                _ = tick.tick() => {
                    if let Some(status) = self.child.try_wait().map_err(|e| e.to_string())? {
                        return Err(format!("solana-test-validator exited with {status}"));
                    }
                }
            }
        }
    }
}

impl Drop for Validator {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if !self.keep_ledger {
            let _ = std::fs::remove_dir_all(&self.ledger);
        }
    }
}
