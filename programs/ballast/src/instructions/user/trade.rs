use anchor_lang::prelude::*;

use crate::controller::trade::{self, TradeAccounts, TradeOrder};
use crate::error::ErrorCode;
use crate::state::{Exchange, MarginAccount, MarginMode, Market};

#[derive(Accounts)]
pub struct Trade<'info> {
    /// Owner or delegate; pays the rent of a new isolated position account.
    #[account(mut)]
    pub authority: Signer<'info>,
    /// The exchange singleton (PDA `["exchange"]`).
    #[account(mut)]
    pub exchange: AccountLoader<'info, Exchange>,
    /// The trader's margin account (PDA `["margin", owner, sub_id u16 LE]`).
    #[account(mut, constraint = margin_account.load()?.is_trader(&authority.key()) @ ErrorCode::NotOwnerOrDelegate)]
    pub margin_account: AccountLoader<'info, MarginAccount>,
    /// The market (PDA `["market", market_index u16 LE]`).
    #[account(mut)]
    pub market: AccountLoader<'info, Market>,
    /// The market's oracle (Pyth `PriceUpdateV2`, or a push oracle where allowed).
    /// CHECK: must be the market's oracle; checked and parsed by `read_oracle`.
    pub oracle: UncheckedAccount<'info>,
    /// CHECK: by `isolated::verify_address` (contents when it exists, else the address).
    /// The isolated position PDA `["isolated", margin_account, market_index as u16 LE]`.
    /// It may not exist yet: it is created when an isolated position first opens. Always
    /// passed so a cross trade can see that no isolated position is open in the market.
    #[account(mut)]
    pub isolated_position: UncheckedAccount<'info>,
    /// The system program.
    pub system_program: Program<'info, System>,
    // remaining: [market, oracle] per cross slot in health other than this market, in slot order.
}

/// Owner or delegate: trades `base_delta` lots against the pool (`controller::trade`:
/// opens, increases, reduces, closes or flips a position in `mode`, bounded by
/// `limit_price`). `leverage` sets an opening position's leverage (0 keeps the setting).
pub fn trade<'info>(ctx: Context<'info, Trade<'info>>, base_delta: i64, limit_price: u64, mode: MarginMode, leverage: u16) -> Result<()> {
    let clock = Clock::get()?;
    let a = &ctx.accounts;
    let mut ex = a.exchange.load_mut()?;
    let mut market = a.market.load_mut()?;
    let mut acct = a.margin_account.load_mut()?;
    let (payer, system_program) = (a.authority.to_account_info(), a.system_program.to_account_info());
    let accounts = TradeAccounts {
        exchange: &mut ex,
        market: &mut market,
        account: &mut acct,
        account_key: a.margin_account.key(),
        oracle: &a.oracle,
        reading: None,
        isolated_position: &a.isolated_position,
        payer: Some((&payer, &system_program)),
        remaining: ctx.remaining_accounts,
    };
    let (event, _) = trade::execute(accounts, &TradeOrder { base_delta, limit_price, mode, leverage }, &clock)?;
    emit!(event);
    Ok(())
}
