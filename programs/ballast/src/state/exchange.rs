use anchor_lang::prelude::*;

use crate::error::ErrorCode;
use crate::safe::{Cast, SafeMath};
use crate::state::{MarketStatus, ACCOUNT_VERSION};

/// The singleton exchange (PDA `["exchange"]`): authorities, the collateral mint and its
/// vault, the internal balances that, with every account's claims, add up to what the
/// vault holds (SPEC §8.1), and exchange-wide parameters.
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
    /// 1 when markets may read program-owned push oracles (local validators, devnets);
    /// 0 on a production exchange, whose markets read Pyth only. Fixed at initialisation.
    pub allow_push_oracles: u8,
    /// Number of markets created; the next market's index.
    pub market_count: u16,
    /// May change every parameter and resume.
    pub admin: Pubkey,
    /// May only reduce risk: pause, or set reduce-only.
    pub guardian: Pubkey,
    pub collateral_mint: Pubkey,
    /// Program-owned token account (PDA `["vault", exchange]`) holding all collateral.
    pub vault: Pubkey,
    /// Σ over every domain (cross and isolated) of collateral + unsettled profit, quote native.
    pub account_claims: i64,
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
    /// Liquidation restores equity to maintenance × (1 + buffer), ppm; transfers out never
    /// leave a domain below it.
    pub liquidation_buffer_ppm: u32,
    pub _padding1: [u8; 4],
    /// Keeper tip for executing a margin guard, quote native (at most 1% of the top-up).
    pub margin_guard_tip: u64,
    /// Proposed next admin (`Pubkey::default()`: none); takes over when it signs `accept_authority`.
    pub pending_admin: Pubkey,
    /// Proposed next guardian (`Pubkey::default()`: none).
    pub pending_guardian: Pubkey,
    /// What the pool owes beyond its cash, quote native: bad debt neither the insurance
    /// fund nor the pool could cover, and profit or funding realised while the pool was
    /// empty (booked as unsettled profit). Money into the pool pays it first; while it is
    /// non-zero `pool_balance` is 0 and no unsettled profit settles.
    pub pool_deficit: u64,
    /// Counts changes of any market's configuration (`update_market`, a market's status):
    /// price-book entries written under an older count are not used (docs/MATH.md, "Price book").
    pub market_config_epoch: u64,
    pub reserved: [u8; 48],
}
crate::assert_size!(Exchange, 320);

impl Exchange {
    pub const SPACE: usize = 8 + core::mem::size_of::<Exchange>();

    pub fn status(&self) -> MarketStatus {
        MarketStatus::from_u8(self.status).unwrap_or(MarketStatus::Paused)
    }

    /// The admin or the guardian (who may only tighten a status).
    pub fn is_admin_or_guardian(&self, key: &Pubkey) -> bool {
        *key == self.admin || *key == self.guardian
    }

    /// Σ of all claims on the vault, less what the pool owes beyond its cash (those claims
    /// are the pool's debt, paid from what it receives next).
    pub fn total_claims(&self) -> i128 {
        i128::from(self.account_claims) + i128::from(self.pool_balance) + i128::from(self.insurance_balance) + i128::from(self.fee_balance)
            - i128::from(self.pool_deficit)
    }

    /// Checks the vault balance after a token movement: it must cover every claim (SPEC
    /// §8.1). It may hold more — anyone can send tokens to it — and `sync_vault` credits
    /// such a surplus to the insurance fund; a surplus never blocks anything.
    pub fn check_vault(&self, vault_amount: u64) -> Result<()> {
        require!(i128::from(vault_amount) >= self.total_claims(), ErrorCode::VaultMismatch);
        Ok(())
    }

    /// What the vault holds beyond the claims.
    pub fn vault_surplus(&self, vault_amount: u64) -> Result<u64> {
        let surplus = i128::from(vault_amount) - self.total_claims();
        require!(surplus >= 0, ErrorCode::VaultMismatch);
        surplus.cast::<u64>()
    }

    /// Marks every price-book entry as out of date after a market's configuration changed.
    pub fn market_config_changed(&mut self) {
        self.market_config_epoch = self.market_config_epoch.wrapping_add(1);
    }

    pub fn add_claims(&mut self, delta: i64) -> Result<()> {
        self.account_claims = self.account_claims.safe_add(delta)?;
        Ok(())
    }

    pub fn invariant(&self) -> Result<()> {
        require!(self.version == ACCOUNT_VERSION, ErrorCode::InvalidAccountVersion);
        require!(MarketStatus::from_u8(self.status).is_some(), ErrorCode::ExchangeStateInvalid);
        require!(self.allow_push_oracles <= 1, ErrorCode::ExchangeStateInvalid);
        require!(self.admin != Pubkey::default() && self.guardian != Pubkey::default(), ErrorCode::ExchangeStateInvalid);
        require!(self.taker_fee_ppm < 1_000_000 && self.protocol_fee_share_ppm <= 1_000_000, ErrorCode::ExchangeStateInvalid);
        require!(self.pool_balance == 0 || self.pool_deficit == 0, ErrorCode::ExchangeStateInvalid);
        Ok(())
    }
}
