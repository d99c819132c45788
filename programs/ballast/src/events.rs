//! One event per state transition, with the before/after values an indexer needs.
use anchor_lang::prelude::*;

#[event]
pub struct ExchangeInitialized {
    pub exchange: Pubkey,
    pub admin: Pubkey,
    pub guardian: Pubkey,
    pub collateral_mint: Pubkey,
    pub vault: Pubkey,
    pub taker_fee_ppm: u32,
    pub protocol_fee_share_ppm: u32,
    pub liquidation_buffer_ppm: u32,
    pub margin_guard_tip: u64,
}

#[event]
pub struct MarketCreated {
    pub market: Pubkey,
    pub market_index: u16,
    pub oracle: Pubkey,
    pub oracle_kind: u8,
    pub params: crate::state::MarketParams,
}

#[event]
pub struct MarketUpdated {
    pub market: Pubkey,
    pub market_index: u16,
    pub before: crate::state::MarketParams,
    pub after: crate::state::MarketParams,
}

#[event]
pub struct StatusChanged {
    /// `None` for the exchange-wide status.
    pub market_index: Option<u16>,
    pub signer: Pubkey,
    pub before: u8,
    pub after: u8,
}

#[event]
pub struct PoolFunded {
    pub amount: u64,
    /// true for `fund_pool`, false for `defund_pool`.
    pub deposit: bool,
    pub pool_before: u64,
    pub pool_after: u64,
}

#[event]
pub struct PushOraclePriceSet {
    pub oracle: Pubkey,
    pub price_before: i64,
    pub price_after: i64,
    pub conf: u64,
    pub exponent: i32,
    pub publish_time: i64,
}

#[event]
pub struct MarginAccountOpened {
    pub margin_account: Pubkey,
    pub owner: Pubkey,
    pub sub_id: u16,
}

#[event]
pub struct MarginAccountClosed {
    pub margin_account: Pubkey,
    pub owner: Pubkey,
    pub sub_id: u16,
}

#[event]
pub struct DelegateSet {
    pub margin_account: Pubkey,
    pub before: Pubkey,
    pub after: Pubkey,
}

#[event]
pub struct CollateralDeposited {
    pub margin_account: Pubkey,
    pub signer: Pubkey,
    pub amount: u64,
    pub collateral_before: i64,
    pub collateral_after: i64,
    pub vault_after: u64,
}

#[event]
pub struct CollateralWithdrawn {
    pub margin_account: Pubkey,
    pub amount: u64,
    pub collateral_before: i64,
    pub collateral_after: i64,
    pub transferable_before: u64,
    /// Positive PnL realised from the pool to fund the withdrawal.
    pub pnl_realised: u64,
    pub initial_margin_after: u64,
    pub maintenance_margin_after: u64,
    pub vault_after: u64,
}
