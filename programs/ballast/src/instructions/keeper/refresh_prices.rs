use anchor_lang::prelude::*;

use crate::controller::funding;
use crate::error::ErrorCode;
use crate::oracle::read_oracle;
use crate::state::{load_checked, Exchange, Market, MarketStatus, PriceBook, PriceEntry};

#[derive(Accounts)]
pub struct RefreshPrices<'info> {
    /// The exchange singleton (PDA `["exchange"]`): its status, decimals and configuration epoch.
    pub exchange: AccountLoader<'info, Exchange>,
    /// The price book (PDA `["price_book"]`; recognised by owner and discriminator: only
    /// `init_price_book` creates one, at that address).
    #[account(mut)]
    pub price_book: AccountLoader<'info, PriceBook>,
}

/// Permissionless crank: copies each given market and its oracle reading into the price
/// book, stamped with the current slot. Remaining accounts: `[market, oracle]` pairs, any
/// markets in any order. Markets and oracles are only read, so the crank never contends
/// with trades for their accounts.
pub fn refresh_prices<'info>(ctx: Context<'info, RefreshPrices<'info>>) -> Result<()> {
    let remaining = ctx.remaining_accounts;
    require!(!remaining.is_empty() && remaining.len().is_multiple_of(2), ErrorCode::HealthAccountMismatch);
    let clock = Clock::get()?;
    let ex = ctx.accounts.exchange.load()?;
    let mut book = ctx.accounts.price_book.load_mut()?;
    for pair in remaining.chunks(2) {
        let market = load_checked::<Market>(&pair[0]).map_err(|_| error!(ErrorCode::HealthAccountMismatch))?;
        let oracle = read_oracle(&market, &pair[1], ex.collateral_decimals, clock.unix_timestamp)?;
        let halted = market.effective_status(ex.status()) == MarketStatus::Paused;
        let indices = funding::indices_at(&market, oracle.price, clock.unix_timestamp, halted)?;
        let entry = book.entries.get_mut(usize::from(market.market_index)).ok_or(ErrorCode::MarketNotInPriceBook)?;
        *entry = PriceEntry::record(&market, &oracle, indices, &clock, ex.market_config_epoch)?;
    }
    book.invariant()
}
