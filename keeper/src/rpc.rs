//! [`Chain`] over Solana JSON-RPC (plain HTTP, e.g. a local `solana-test-validator` on
//! 127.0.0.1). Kept dependency-free on purpose: one small HTTP/1.1 client over
//! `std::net::TcpStream`; put a TLS-terminating proxy in front for remote endpoints.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use anchor_lang::prelude::Pubkey;
use base64::Engine;
use serde_json::{json, Value};
use solana_hash::Hash;
use solana_transaction::versioned::VersionedTransaction;

use crate::{Chain, ChainAccount, ChainResult, TxFailure};

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;
const CLOCK_SYSVAR: &str = "SysvarC1ock11111111111111111111111111111111";

pub struct RpcChain {
    host: String,
    path: String,
    next_id: u64,
    pub confirm_timeout: Duration,
}

impl RpcChain {
    /// `url`: `http://host:port[/path]`.
    pub fn new(url: &str) -> ChainResult<Self> {
        let rest = url.strip_prefix("http://").ok_or("only http:// URLs are supported (use a local proxy for https)")?;
        let (host, path) = match rest.find('/') {
            Some(i) => (rest[..i].to_string(), rest[i..].to_string()),
            None => (rest.to_string(), "/".to_string()),
        };
        Ok(Self { host, path, next_id: 1, confirm_timeout: Duration::from_secs(30) })
    }

    /// JSON-RPC calls made so far (what a cycle costs the node).
    pub fn calls(&self) -> u64 {
        self.next_id - 1
    }

    /// Each signature's final result, polling `getSignatureStatuses` (256 per call) until
    /// every one is confirmed or failed. `resend` (the encoded transactions, in the same
    /// order, or empty) are sent again every 2 s while unconfirmed: a busy node may drop a
    /// transaction, and a signature can land only once.
    pub async fn statuses(&mut self, signatures: &[String], resend: &[String]) -> ChainResult<Vec<Result<(), TxFailure>>> {
        let start = Instant::now();
        let mut last_send = Instant::now();
        let mut results: Vec<Option<Result<(), TxFailure>>> = vec![None; signatures.len()];
        loop {
            let pending: Vec<usize> = (0..signatures.len()).filter(|&i| results[i].is_none()).collect();
            if pending.is_empty() {
                return Ok(results.into_iter().map(|r| r.expect("every status known")).collect());
            }
            if start.elapsed() > self.confirm_timeout {
                // Say why the node would not take the first one, when it says.
                let why = resend.get(pending[0]).and_then(|tx| {
                    self.call("simulateTransaction", json!([tx, {"encoding": "base64", "commitment": "confirmed", "sigVerify": false}]))
                        .ok()
                });
                let why = why.map(|v| format!(" (simulation: {})", v["value"]["err"])).unwrap_or_default();
                return Err(format!("{} transactions not confirmed within {:?}{why}", pending.len(), self.confirm_timeout));
            }
            for chunk in pending.chunks(256) {
                let sigs: Vec<&String> = chunk.iter().map(|&i| &signatures[i]).collect();
                let status = self.call("getSignatureStatuses", json!([sigs]))?;
                for (&i, s) in chunk.iter().zip(status["value"].as_array().ok_or("statuses")?) {
                    if s.is_null() {
                        continue;
                    }
                    if !s["err"].is_null() {
                        results[i] = Some(Err(parse_failure(&s["err"])));
                    } else if matches!(s["confirmationStatus"].as_str(), Some("confirmed") | Some("finalized")) {
                        results[i] = Some(Ok(()));
                    }
                }
            }
            if results.iter().any(Option::is_none) {
                if !resend.is_empty() && last_send.elapsed() > Duration::from_secs(2) {
                    for (i, encoded) in resend.iter().enumerate() {
                        if results[i].is_none() {
                            let _ = self.call("sendTransaction", json!([encoded, {"encoding": "base64", "skipPreflight": true}]));
                        }
                    }
                    last_send = Instant::now();
                }
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        }
    }

    /// One JSON-RPC call; returns `result` or the error object as a string.
    pub fn call(&mut self, method: &str, params: Value) -> ChainResult<Value> {
        let id = self.next_id;
        self.next_id += 1;
        let body = json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}).to_string();
        let mut stream = TcpStream::connect(&self.host).map_err(|e| format!("connect {}: {e}", self.host))?;
        stream.set_read_timeout(Some(Duration::from_secs(30))).map_err(|e| e.to_string())?;
        let request = format!(
            "POST {} HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{}",
            self.path,
            self.host,
            body.len(),
            body
        );
        stream.write_all(request.as_bytes()).map_err(|e| e.to_string())?;
        let mut response = Vec::new();
        stream.read_to_end(&mut response).map_err(|e| e.to_string())?;
        let text = String::from_utf8_lossy(&response);
        let split = text.find("\r\n\r\n").ok_or("malformed HTTP response")?;
        let (head, mut payload) = (&text[..split], text[split + 4..].to_string());
        if head.to_ascii_lowercase().contains("transfer-encoding: chunked") {
            payload = dechunk(&payload)?;
        }
        let v: Value = serde_json::from_str(&payload).map_err(|e| format!("bad JSON from {method}: {e}"))?;
        if let Some(err) = v.get("error") {
            return Err(format!("{method}: {err}"));
        }
        Ok(v.get("result").cloned().unwrap_or(Value::Null))
    }
}

fn dechunk(body: &str) -> ChainResult<String> {
    let mut out = String::new();
    let mut rest = body;
    loop {
        let line_end = rest.find("\r\n").ok_or("bad chunk")?;
        let size = usize::from_str_radix(rest[..line_end].trim(), 16).map_err(|e| e.to_string())?;
        if size == 0 {
            return Ok(out);
        }
        let start = line_end + 2;
        out.push_str(rest.get(start..start + size).ok_or("short chunk")?);
        rest = &rest[start + size + 2..];
    }
}

/// Decodes `{"data": [base64, "base64"], "lamports": n, "owner": s}`.
pub fn parse_account(v: &Value) -> ChainResult<ChainAccount> {
    let data = v["data"][0].as_str().ok_or("account data missing")?;
    Ok(ChainAccount {
        lamports: v["lamports"].as_u64().ok_or("lamports missing")?,
        data: B64.decode(data).map_err(|e| e.to_string())?,
        owner: v["owner"].as_str().ok_or("owner missing")?.parse().map_err(|_| "bad owner")?,
    })
}

/// Reads a transaction error object (`{"InstructionError":[i,{"Custom":n}]}`).
pub fn parse_failure(err: &Value) -> TxFailure {
    let custom_code = err
        .get("InstructionError")
        .and_then(|e| e.get(1))
        .and_then(|e| e.get("Custom"))
        .and_then(Value::as_u64)
        .and_then(|c| u32::try_from(c).ok());
    TxFailure { custom_code, message: err.to_string() }
}

fn encode_tx(tx: &impl serde::Serialize) -> ChainResult<String> {
    Ok(B64.encode(bincode::serialize(tx).map_err(|e| e.to_string())?))
}

impl Chain for RpcChain {
    async fn program_accounts(
        &mut self,
        program: &Pubkey,
        discriminator: &[u8; 8],
        data_size: usize,
    ) -> ChainResult<Vec<(Pubkey, ChainAccount)>> {
        let memcmp = json!({"memcmp": {"offset": 0, "bytes": B64.encode(discriminator), "encoding": "base64"}});
        let size = json!({"dataSize": data_size});
        let result = self.call(
            "getProgramAccounts",
            json!([program.to_string(), {"encoding": "base64", "commitment": "confirmed", "filters": [size, memcmp]}]),
        )?;
        let mut out = vec![];
        for item in result.as_array().ok_or("getProgramAccounts: not an array")? {
            let key: Pubkey = item["pubkey"].as_str().ok_or("pubkey missing")?.parse().map_err(|_| "bad pubkey")?;
            out.push((key, parse_account(&item["account"])?));
        }
        Ok(out)
    }

    async fn account(&mut self, key: &Pubkey) -> ChainResult<Option<ChainAccount>> {
        let result = self.call("getAccountInfo", json!([key.to_string(), {"encoding": "base64", "commitment": "confirmed"}]))?;
        match &result["value"] {
            Value::Null => Ok(None),
            v => parse_account(v).map(Some),
        }
    }

    async fn clock(&mut self) -> ChainResult<(u64, i64)> {
        let key: Pubkey = CLOCK_SYSVAR.parse().map_err(|_| "clock id")?;
        let clock = self.account(&key).await?.ok_or("clock sysvar missing")?;
        // Clock: slot u64, epoch_start_timestamp i64, epoch u64, leader_schedule_epoch u64, unix_timestamp i64.
        let slot: [u8; 8] = clock.data.get(0..8).ok_or("short clock")?.try_into().map_err(|_| "clock")?;
        let time: [u8; 8] = clock.data.get(32..40).ok_or("short clock")?.try_into().map_err(|_| "clock")?;
        Ok((u64::from_le_bytes(slot), i64::from_le_bytes(time)))
    }

    async fn latest_blockhash(&mut self) -> ChainResult<Hash> {
        let result = self.call("getLatestBlockhash", json!([{"commitment": "confirmed"}]))?;
        result["value"]["blockhash"].as_str().ok_or("blockhash missing")?.parse().map_err(|_| "bad blockhash".into())
    }

    async fn simulate(&mut self, tx: &VersionedTransaction) -> ChainResult<Result<u64, TxFailure>> {
        let result = self
            .call("simulateTransaction", json!([encode_tx(tx)?, {"encoding": "base64", "commitment": "confirmed", "sigVerify": false}]))?;
        let value = &result["value"];
        if !value["err"].is_null() {
            return Ok(Err(parse_failure(&value["err"])));
        }
        Ok(Ok(value["unitsConsumed"].as_u64().unwrap_or(0)))
    }

    async fn send_all(&mut self, txs: &[VersionedTransaction]) -> ChainResult<Vec<Result<(), TxFailure>>> {
        let mut signatures = vec![];
        let mut encoded = vec![];
        for tx in txs {
            let e = encode_tx(tx)?;
            let s = self.call("sendTransaction", json!([e, {"encoding": "base64", "skipPreflight": true}]))?;
            signatures.push(s.as_str().ok_or("no signature")?.to_string());
            encoded.push(e);
        }
        self.statuses(&signatures, &encoded).await
    }

    async fn send(&mut self, tx: &VersionedTransaction) -> ChainResult<Result<(), TxFailure>> {
        Ok(self.send_all(std::slice::from_ref(tx)).await?.remove(0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn custom_program_errors_are_recognised() {
        let err = json!({"InstructionError": [2, {"Custom": 6056}]});
        assert_eq!(parse_failure(&err).custom_code, Some(6056));
        assert_eq!(parse_failure(&json!("AccountInUse")).custom_code, None);
    }

    #[test]
    fn accounts_decode_from_base64() {
        let v = json!({"data": [B64.encode([1u8, 2, 3]), "base64"], "lamports": 5, "owner": "11111111111111111111111111111111"});
        let a = parse_account(&v).unwrap();
        assert_eq!((a.lamports, a.data), (5, vec![1, 2, 3]));
    }

    #[test]
    fn chunked_bodies_are_reassembled() {
        assert_eq!(dechunk("4\r\nWiki\r\n5\r\npedia\r\n0\r\n\r\n").unwrap(), "Wikipedia");
    }

    #[test]
    fn only_plain_http_is_accepted() {
        assert!(RpcChain::new("https://example.invalid").is_err());
        let c = RpcChain::new("http://127.0.0.1:8899").unwrap();
        assert_eq!((c.host.as_str(), c.path.as_str()), ("127.0.0.1:8899", "/"));
    }
}
