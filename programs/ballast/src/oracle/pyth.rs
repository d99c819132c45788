//! Pyth pull-oracle `PriceUpdateV2` accounts, parsed from their bytes (no SDK
//! dependency). Layout (Borsh, after the 8-byte Anchor discriminator):
//!
//! ```text
//! write_authority     Pubkey (32)
//! verification_level  enum: 0 = Partial { num_signatures: u8 }, 1 = Full
//! price_message       feed_id [u8;32], price i64, conf u64, exponent i32,
//!                     publish_time i64, prev_publish_time i64, ema_price i64, ema_conf u64
//! posted_slot         u64
//! ```
use anchor_lang::prelude::*;

use super::RawPrice;
use crate::constants::PYTH_RECEIVER_ID;
use crate::error::ErrorCode;

/// `sha256("account:PriceUpdateV2")[..8]`.
pub const PRICE_UPDATE_V2_DISCRIMINATOR: [u8; 8] = [34, 241, 35, 99, 157, 126, 244, 205];
/// Size of a `PriceUpdateV2` account as the receiver allocates it.
pub const PRICE_UPDATE_V2_LEN: usize = 134;

fn take<const N: usize>(data: &[u8], at: usize) -> Result<[u8; N]> {
    let end = at.checked_add(N).ok_or(ErrorCode::InvalidOracleAccount)?;
    let s = data.get(at..end).ok_or(ErrorCode::InvalidOracleAccount)?;
    let mut out = [0u8; N];
    out.copy_from_slice(s);
    Ok(out)
}

/// Reads a fully verified price update for `feed_id`.
pub fn read_price_update(account: &AccountInfo, feed_id: &[u8; 32]) -> Result<RawPrice> {
    require_keys_eq!(*account.owner, PYTH_RECEIVER_ID, ErrorCode::InvalidOracleAccount);
    let data = account.try_borrow_data()?;
    require!(data.len() >= PRICE_UPDATE_V2_LEN - 1, ErrorCode::InvalidOracleAccount);
    require!(take::<8>(&data, 0)? == PRICE_UPDATE_V2_DISCRIMINATOR, ErrorCode::InvalidOracleAccount);
    let message_at = match data[40] {
        0 => return err!(ErrorCode::OracleNotFullyVerified),
        1 => 41,
        _ => return err!(ErrorCode::InvalidOracleAccount),
    };
    let feed: [u8; 32] = take(&data, message_at)?;
    require!(feed == *feed_id, ErrorCode::WrongOracleFeed);
    let price = i64::from_le_bytes(take(&data, message_at + 32)?);
    let conf = u64::from_le_bytes(take(&data, message_at + 40)?);
    let exponent = i32::from_le_bytes(take(&data, message_at + 48)?);
    let publish_time = i64::from_le_bytes(take(&data, message_at + 52)?);
    Ok(RawPrice { price, conf, exponent, publish_time })
}
