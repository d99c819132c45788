//! Sending and confirming transactions over JSON-RPC, plus the SPL Token and airdrop
//! steps a deployment needs.

use std::time::{Duration, Instant};

use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::instruction::Instruction;
use ballast_keeper::rpc::RpcChain;
use ballast_keeper::{Chain, ChainAccount};
use serde_json::json;
use solana_address_lookup_table_interface::instruction::{create_lookup_table, extend_lookup_table};
use solana_keypair::Keypair;
use solana_message::{v0, AddressLookupTableAccount, VersionedMessage};
use solana_program_pack::Pack;
use solana_signer::Signer;
use solana_transaction::versioned::VersionedTransaction;
use solana_transaction::Transaction;

pub type NetResult<T> = Result<T, String>;

/// A JSON-RPC endpoint and the keypair that pays for what is sent through it.
pub struct Net {
    pub url: String,
    pub chain: RpcChain,
    pub payer: Keypair,
}

impl Net {
    pub fn new(url: &str, payer: Keypair) -> NetResult<Self> {
        Ok(Self { url: url.to_string(), chain: RpcChain::new(url)?, payer })
    }

    /// Signs with the payer and `signers`, sends, and waits for confirmation.
    pub async fn send(&mut self, ixs: &[Instruction], signers: &[&Keypair]) -> NetResult<()> {
        let blockhash = self.chain.latest_blockhash().await?;
        let mut all: Vec<&Keypair> = vec![&self.payer];
        all.extend(signers.iter().copied().filter(|s| s.pubkey() != self.payer.pubkey()));
        let tx = Transaction::new_signed_with_payer(ixs, Some(&self.payer.pubkey()), &all, blockhash);
        match self.chain.send(&tx.into()).await? {
            Ok(()) => Ok(()),
            Err(f) => Err(format!("transaction failed: {} (program error {:?})", f.message, f.custom_code)),
        }
    }

    /// Creates an address lookup table holding `addresses` (authority and payer: the payer),
    /// and waits until it can be used (the slot after the last extension).
    pub async fn create_lookup_table(&mut self, addresses: &[Pubkey]) -> NetResult<AddressLookupTableAccount> {
        let payer = self.payer.pubkey();
        let (slot, _) = self.chain.clock().await?;
        let (create, key) = create_lookup_table(payer, payer, slot.saturating_sub(1));
        self.send(&[create], &[]).await?;
        for chunk in addresses.chunks(20) {
            self.send(&[extend_lookup_table(key, payer, Some(payer), chunk.to_vec())], &[]).await?;
        }
        let (slot, _) = self.chain.clock().await?;
        self.chain.wait_past_slot(slot).await?;
        Ok(AddressLookupTableAccount { key, addresses: addresses.to_vec() })
    }

    /// Signs with the payer and `signers` a v0 transaction compressed by `tables`, sends it
    /// and waits for confirmation.
    pub async fn send_v0(&mut self, ixs: &[Instruction], signers: &[&Keypair], tables: &[AddressLookupTableAccount]) -> NetResult<()> {
        let blockhash = self.chain.latest_blockhash().await?;
        let message = v0::Message::try_compile(&self.payer.pubkey(), ixs, tables, blockhash).map_err(|e| e.to_string())?;
        let mut all: Vec<&Keypair> = vec![&self.payer];
        all.extend(signers.iter().copied().filter(|s| s.pubkey() != self.payer.pubkey()));
        let tx = VersionedTransaction::try_new(VersionedMessage::V0(message), &all).map_err(|e| e.to_string())?;
        match self.chain.send(&tx).await? {
            Ok(()) => Ok(()),
            Err(f) => Err(format!("transaction failed: {} (program error {:?})", f.message, f.custom_code)),
        }
    }

    pub async fn account(&mut self, key: &Pubkey) -> NetResult<Option<ChainAccount>> {
        self.chain.account(key).await
    }

    /// Requests `lamports` for `to` from the validator's faucet and waits for them.
    pub async fn airdrop(&mut self, to: &Pubkey, lamports: u64) -> NetResult<()> {
        let signature = self.chain.call("requestAirdrop", json!([to.to_string(), lamports, {"commitment": "confirmed"}])).await?;
        let signature = signature.as_str().ok_or("requestAirdrop: no signature")?.to_string();
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(30) {
            let status = self.chain.call("getSignatureStatuses", json!([[signature]])).await?;
            let s = &status["value"][0];
            if !s.is_null() && matches!(s["confirmationStatus"].as_str(), Some("confirmed") | Some("finalized")) {
                return if s["err"].is_null() { Ok(()) } else { Err(format!("airdrop failed: {}", s["err"])) };
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        Err(format!("airdrop {signature} not confirmed within 30 s"))
    }

    pub async fn rent_exempt(&mut self, len: usize) -> NetResult<u64> {
        self.chain.call("getMinimumBalanceForRentExemption", json!([len])).await?.as_u64().ok_or_else(|| "bad rent answer".into())
    }

    /// Creates a new account owned by the token program and initialises it with `init`.
    async fn create_token_program_account(&mut self, len: usize, init: Instruction, account: &Keypair) -> NetResult<Pubkey> {
        let rent = self.rent_exempt(len).await?;
        let create = solana_system_interface::instruction::create_account(
            &self.payer.pubkey(),
            &account.pubkey(),
            rent,
            len as u64,
            &spl_token_interface::ID,
        );
        self.send(&[create, init], &[account]).await?;
        Ok(account.pubkey())
    }

    pub async fn create_mint(&mut self, authority: &Pubkey, decimals: u8) -> NetResult<Pubkey> {
        let mint = Keypair::new();
        let init = spl_token_interface::instruction::initialize_mint2(&spl_token_interface::ID, &mint.pubkey(), authority, None, decimals)
            .map_err(|e| e.to_string())?;
        self.create_token_program_account(spl_token_interface::state::Mint::LEN, init, &mint).await
    }

    pub async fn create_token_account(&mut self, owner: &Pubkey, mint: &Pubkey) -> NetResult<Pubkey> {
        let account = Keypair::new();
        let init = spl_token_interface::instruction::initialize_account3(&spl_token_interface::ID, &account.pubkey(), mint, owner)
            .map_err(|e| e.to_string())?;
        self.create_token_program_account(spl_token_interface::state::Account::LEN, init, &account).await
    }

    pub async fn mint_to(&mut self, mint: &Pubkey, to: &Pubkey, authority: &Keypair, amount: u64) -> NetResult<()> {
        let ixn = spl_token_interface::instruction::mint_to(&spl_token_interface::ID, mint, to, &authority.pubkey(), &[], amount)
            .map_err(|e| e.to_string())?;
        self.send(&[ixn], &[authority]).await
    }

    /// A token account's balance (0 if it does not exist).
    pub async fn token_balance(&mut self, account: &Pubkey) -> NetResult<u64> {
        let Some(a) = self.account(account).await? else { return Ok(0) };
        let bytes: [u8; 8] = a.data.get(64..72).ok_or("not a token account")?.try_into().map_err(|_| "token amount")?;
        Ok(u64::from_le_bytes(bytes))
    }
}
