//! Real Pyth `PriceUpdateV2` account bytes, as the Pyth receiver program writes them
//! (Anchor discriminator + Borsh): the tests exercise the production oracle parser with
//! them, and the migrations' dry run loads them at a mainnet configuration's oracle
//! addresses.

use anchor_lang::prelude::Pubkey;
use ballast::oracle::pyth::{PRICE_UPDATE_V2_DISCRIMINATOR, PRICE_UPDATE_V2_LEN};

/// How the update's Wormhole signatures were verified.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verification {
    Partial(u8),
    Full,
}

/// One price update as Pyth publishes it.
#[derive(Debug, Clone, Copy)]
pub struct PriceUpdate {
    pub feed_id: [u8; 32],
    pub price: i64,
    pub conf: u64,
    pub exponent: i32,
    pub publish_time: i64,
    pub verification: Verification,
    pub posted_slot: u64,
}

impl PriceUpdate {
    /// Serialises into the account's data (134 bytes, zero-padded after a partial update).
    pub fn to_account_data(&self) -> Vec<u8> {
        let mut d = Vec::with_capacity(PRICE_UPDATE_V2_LEN);
        d.extend_from_slice(&PRICE_UPDATE_V2_DISCRIMINATOR);
        d.extend_from_slice(Pubkey::new_from_array([9; 32]).as_ref()); // write authority
        match self.verification {
            Verification::Partial(n) => d.extend_from_slice(&[0, n]),
            Verification::Full => d.push(1),
        }
        d.extend_from_slice(&self.feed_id);
        d.extend_from_slice(&self.price.to_le_bytes());
        d.extend_from_slice(&self.conf.to_le_bytes());
        d.extend_from_slice(&self.exponent.to_le_bytes());
        d.extend_from_slice(&self.publish_time.to_le_bytes());
        d.extend_from_slice(&(self.publish_time - 1).to_le_bytes()); // prev_publish_time
        d.extend_from_slice(&self.price.to_le_bytes()); // ema_price
        d.extend_from_slice(&self.conf.to_le_bytes()); // ema_conf
        d.extend_from_slice(&self.posted_slot.to_le_bytes());
        d.resize(PRICE_UPDATE_V2_LEN, 0);
        d
    }
}
