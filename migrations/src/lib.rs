//! Migrations: everything needed to stand a Ballast exchange up on a cluster.
//!
//! * [`config`] — the deployment described in a JSON file (`migrations/localnet.json`):
//!   collateral decimals, exchange parameters, pool funding, markets with their push
//!   oracles. Every program parameter is explicit; nothing is defaulted behind the file.
//! * [`net`] — a small JSON-RPC client (on the keeper's plain-HTTP transport) that sends
//!   and confirms transactions, requests airdrops and creates SPL Token accounts.
//! * [`bootstrap`] — creates the collateral mint, the exchange, the oracles and markets,
//!   and funds the pool, then describes the result as a [`bootstrap::Deployment`].
//! * [`validator`] — starts `solana-test-validator` on 127.0.0.1 with the program's
//!   bytecode and waits until it serves it.

pub mod bootstrap;
pub mod config;
pub mod net;
pub mod validator;
