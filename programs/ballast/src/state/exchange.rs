use anchor_lang::prelude::*;

use crate::error::ErrorCode;
use crate::state::{MarketStatus, ACCOUNT_VERSION};

/// The singleton exchange (PDA `["exchange"]`): authorities, the collateral mint and its
/// vault, the internal balances that, with every account's collateral, add up to the
/// vault's token balance (SPEC §8.1), and exchange-wide parameters.
#[account(zero_copy)]
#[derive(Debug)]
pub struct Exchange {
    pub version: u8,
    pub bump: u8,
    pub vault_bump: u8,
    /// Exchange-wide [`MarketStatus`]; a market's effective status is the stricter of this and its own.
    pub status: u8,
    /// Decimals of the collateral mint (read at initialisation).
    pub collateral_decimals: u8,
    pub _padding0: [u8; 1],
    /// Number of markets created; the next market's index.
    pub market_count: u16,
    /// May change every parameter and resume.
    pub admin: Pubkey,
    /// May only reduce risk: pause, or set reduce-only.
    pub guardian: Pubkey,
    pub collateral_mint: Pubkey,
    /// Program-owned token account (PDA `["vault", exchange]`) holding all collateral.
    pub vault: Pubkey,
    /// Σ cross collateral + Σ isolated collateral over all accounts, quote native.
    pub total_collateral: i64,
    /// Liquidity pool: counterparty to every trade, quote native.
    pub pool_balance: u64,
    /// Insurance fund, quote native.
    pub insurance_balance: u64,
    /// Protocol fees not yet swept, quote native.
    pub fee_balance: u64,
    /// Trading fee on filled notional, ppm.
    pub taker_fee_ppm: u32,
    /// Part of the trading fee kept as protocol fees (the rest goes to the pool), ppm.
    pub protocol_fee_share_ppm: u32,
    /// Liquidation restores equity to maintenance × (1 + buffer), ppm.
    pub liquidation_buffer_ppm: u32,
    pub _padding1: [u8; 4],
    /// Fixed tip paid to the keeper that executes a margin guard, quote native.
    pub margin_guard_tip: u64,
    pub reserved: [u8; 128],
}
crate::assert_size!(Exchange, 320);

impl Exchange {
    pub const SPACE: usize = 8 + core::mem::size_of::<Exchange>();

    pub fn status(&self) -> MarketStatus {
        MarketStatus::from_u8(self.status).unwrap_or(MarketStatus::Paused)
    }

    /// Σ of all claims on the vault; equals the vault's token balance (SPEC §8.1).
    pub fn total_claims(&self) -> Result<i128> {
        Ok(i128::from(self.total_collateral)
            + i128::from(self.pool_balance)
            + i128::from(self.insurance_balance)
            + i128::from(self.fee_balance))
    }

    /// Checks the vault balance after a token movement.
    pub fn check_vault(&self, vault_amount: u64) -> Result<()> {
        require!(self.total_claims()? == i128::from(vault_amount), ErrorCode::VaultMismatch);
        Ok(())
    }

    pub fn add_collateral(&mut self, delta: i64) -> Result<()> {
        self.total_collateral = self.total_collateral.checked_add(delta).ok_or(ErrorCode::MathOverflow)?;
        Ok(())
    }

    pub fn invariant(&self) -> Result<()> {
        require!(self.version == ACCOUNT_VERSION, ErrorCode::InvalidAccountVersion);
        require!(MarketStatus::from_u8(self.status).is_some(), ErrorCode::InvariantViolated);
        require!(self.admin != Pubkey::default() && self.guardian != Pubkey::default(), ErrorCode::InvariantViolated);
        require!(self.taker_fee_ppm < 1_000_000 && self.protocol_fee_share_ppm <= 1_000_000, ErrorCode::InvariantViolated);
        Ok(())
    }
}
