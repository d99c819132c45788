use anchor_lang::prelude::*;

use crate::controller::funding;
use crate::oracle::read_oracle;
use crate::state::{Exchange, Market};

#[derive(Accounts)]
pub struct UpdateFunding<'info> {
    pub exchange: AccountLoader<'info, Exchange>,
    #[account(mut)]
    pub market: AccountLoader<'info, Market>,
    /// CHECK: the market's oracle, checked by `read_oracle`.
    pub oracle: UncheckedAccount<'info>,
}

/// Permissionless crank: accrues the market's funding indices up to now. Funding also
/// accrues lazily whenever an instruction touches the market; each second accrues once.
pub fn update_funding(ctx: Context<UpdateFunding>) -> Result<()> {
    let now = Clock::get()?.unix_timestamp;
    let decimals = ctx.accounts.exchange.load()?.collateral_decimals;
    let mut market = ctx.accounts.market.load_mut()?;
    let oracle = read_oracle(&market, &ctx.accounts.oracle, decimals, now)?;
    funding::accrue(&mut market, oracle.price, now)?;
    market.invariant()
}
