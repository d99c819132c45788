//! The keeper's [`Chain`] over the in-process runtime. The runtime has no
//! `getProgramAccounts`, so the harness tells it which accounts exist; everything else
//! (reads, clock, simulation, sending) goes to the same bank the tests use.

use anchor_lang::prelude::Pubkey;
use ballast_keeper::{AccountKind, Chain, ChainAccount, ChainResult, TxFailure};
use solana_clock::Clock;
use solana_hash::Hash;
use solana_transaction::versioned::VersionedTransaction;

use crate::rt::BanksClient;

use crate::custom_code;

pub struct BanksChain {
    pub banks: BanksClient,
    /// Candidate program accounts (margin accounts, isolated positions, markets).
    pub known: Vec<Pubkey>,
}

fn failure(e: crate::rt::TransactionError) -> TxFailure {
    TxFailure { custom_code: custom_code(&e), message: format!("{e:?}") }
}

impl Chain for BanksChain {
    async fn program_accounts(&mut self, kind: &AccountKind) -> ChainResult<Vec<(Pubkey, ChainAccount)>> {
        let mut out = vec![];
        for k in self.known.clone() {
            if let Some(a) = self.account(&k).await? {
                if kind.matches(&a) {
                    out.push((k, a));
                }
            }
        }
        Ok(out)
    }

    async fn account(&mut self, key: &Pubkey) -> ChainResult<Option<ChainAccount>> {
        let a = self.banks.get_account(*key).await.map_err(|e| e.to_string())?;
        Ok(a.map(|a| ChainAccount { lamports: a.lamports, data: a.data, owner: a.owner }))
    }

    async fn clock(&mut self) -> ChainResult<(u64, i64)> {
        let c = self.banks.get_sysvar::<Clock>().await.map_err(|e| e.to_string())?;
        Ok((c.slot, c.unix_timestamp))
    }

    async fn latest_blockhash(&mut self) -> ChainResult<Hash> {
        self.banks.get_latest_blockhash().await.map_err(|e| e.to_string())
    }

    async fn simulate(&mut self, tx: &VersionedTransaction) -> ChainResult<Result<u64, TxFailure>> {
        let sim = self.banks.simulate_transaction(crate::rt::versioned(tx)).await.map_err(|e| e.to_string())?;
        let units = sim.simulation_details.map_or(0, |d| d.units_consumed);
        Ok(match sim.result {
            Some(Err(e)) => Err(failure(e)),
            _ => Ok(units),
        })
    }

    async fn send(&mut self, tx: &VersionedTransaction) -> ChainResult<Result<(), TxFailure>> {
        let res = self.banks.process_transaction_with_metadata(crate::rt::versioned(tx)).await.map_err(|e| e.to_string())?;
        Ok(res.result.map_err(failure))
    }
}
