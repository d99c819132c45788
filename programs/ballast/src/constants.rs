//! PDA seeds and program-wide constants.
use anchor_lang::prelude::*;

pub const EXCHANGE_SEED: &[u8] = b"exchange";
pub const VAULT_SEED: &[u8] = b"vault";
pub const MARKET_SEED: &[u8] = b"market";
pub const MARGIN_SEED: &[u8] = b"margin";
pub const ISOLATED_SEED: &[u8] = b"isolated";
pub const TRIGGER_SEED: &[u8] = b"triggers";

/// The Pyth Solana receiver program, owner of `PriceUpdateV2` accounts.
pub const PYTH_RECEIVER_ID: Pubkey = pubkey!("rec5EKMGg6MxZYaMdyBfgwp4d5rB9T1VQH5pJv5LtFJ");

/// Largest trading fee the admin may set (1%).
pub const MAX_TAKER_FEE_PPM: u32 = 10_000;
/// Largest margin-guard tip the admin may set (10 units of a 6-decimal collateral).
pub const MAX_MARGIN_GUARD_TIP: u64 = 10_000_000;
/// Largest keeper tip a trigger order may offer (1 unit of a 6-decimal collateral).
pub const MAX_TRIGGER_TIP: u64 = 1_000_000;
pub const PRICE_BOOK_SEED: &[u8] = b"price_book";

/// Markets the price book has entries for (indices `0..MAX_PRICE_BOOK_MARKETS`); an account
/// with a cross position in a later market reads its cross domain through pairs only.
pub const MAX_PRICE_BOOK_MARKETS: usize = 32;
/// Oldest price-book entry a lenient reader (liquidation, reduction, view) accepts, in
/// slots since `refresh_prices` wrote it (about 1.6 s at 400 ms slots); strict readers
/// (value leaving a domain, new risk) accept only the current slot's. docs/MATH.md, "Price book".
pub const MAX_PRICE_BOOK_AGE_SLOTS: u64 = 4;
