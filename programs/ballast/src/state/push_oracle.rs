use anchor_lang::prelude::*;

use crate::error::ErrorCode;
use crate::state::ACCOUNT_VERSION;

/// A program-owned price feed written by its authority: for local validators, devnets
/// and tests. Same number format as Pyth: `price × 10^exponent` quote per base unit.
#[account(zero_copy)]
#[derive(Debug)]
pub struct PushOracle {
    pub version: u8,
    pub _padding0: [u8; 3],
    /// Decimal exponent of `price` and `conf` (e.g. -8).
    pub exponent: i32,
    /// The only signer that may update the price.
    pub authority: Pubkey,
    /// Price mantissa (may be ≤ 0: classified as non-positive by readers).
    pub price: i64,
    /// Confidence mantissa.
    pub conf: u64,
    /// Unix time of the price.
    pub publish_time: i64,
    pub reserved: [u8; 32],
}
crate::assert_size!(PushOracle, 96);

impl PushOracle {
    pub const SPACE: usize = 8 + core::mem::size_of::<PushOracle>();

    pub fn invariant(&self) -> Result<()> {
        require!(self.version == ACCOUNT_VERSION, ErrorCode::InvalidAccountVersion);
        require!(self.authority != Pubkey::default(), ErrorCode::PushOracleStateInvalid);
        require!((-18..=18).contains(&self.exponent), ErrorCode::PushOracleStateInvalid);
        Ok(())
    }
}
