use anchor_lang::prelude::*;

use crate::controller::funding;
use crate::oracle::read_oracle;
use crate::state::{Exchange, Market, MarketStatus};

#[derive(Accounts)]
pub struct UpdateFunding<'info> {
    /// The exchange singleton (PDA `["exchange"]`), for its status.
    pub exchange: AccountLoader<'info, Exchange>,
    /// The market (PDA `["market", market_index u16 LE]`).
    #[account(mut)]
    pub market: AccountLoader<'info, Market>,
    /// The market's oracle (Pyth `PriceUpdateV2`, or a push oracle where allowed).
    /// CHECK: the market's oracle, checked by `read_oracle`.
    pub oracle: UncheckedAccount<'info>,
}

/// Permissionless crank: accrues the market's funding indices up to now (nothing while
/// the market is paused: its clock moves on). Funding also accrues lazily whenever an
/// instruction touches the market, and every health computation counts it to now; each
/// second accrues once. Keepers crank every market regularly (docs/KEEPERS.md).
pub fn update_funding(ctx: Context<UpdateFunding>) -> Result<()> {
    let now = Clock::get()?.unix_timestamp;
    let ex = ctx.accounts.exchange.load()?;
    let mut market = ctx.accounts.market.load_mut()?;
    let oracle = read_oracle(&market, &ctx.accounts.oracle, ex.collateral_decimals, now)?;
    let halted = market.effective_status(ex.status()) == MarketStatus::Paused;
    funding::accrue(&mut market, &oracle, now, halted)?;
    market.invariant()
}
