use anchor_lang::prelude::*;
use ballast_math::constants::MAX_LEVERAGE;

use crate::controller::funding;
use crate::controller::leverage::{self, LeverageAccounts};
use crate::controller::pool::Pool;
use crate::error::ErrorCode;
use crate::events::LeverageUpdated;
use crate::health::{snapshot, HealthQuery, Policy};
use crate::oracle::read_oracle;
use crate::state::{Exchange, MarginAccount, Market, MarketStatus};

/// Accounts of the instructions that adjust one market's position of a margin account:
/// `set_leverage`, `add_isolated_margin`, `remove_isolated_margin`.
#[derive(Accounts)]
pub struct AdjustPosition<'info> {
    /// Owner or delegate: margin only moves between the account's own domains.
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
    /// CHECK: the market's oracle, checked by `read_oracle`.
    pub oracle: UncheckedAccount<'info>,
    /// CHECK: by `isolated::verify_address` in each handler.
    /// The isolated position PDA `["isolated", margin_account, market_index as u16 LE]`
    /// (may not exist).
    #[account(mut)]
    pub isolated_position: UncheckedAccount<'info>,
    // remaining: [market, oracle] per cross slot in health other than this market, in slot
    // order (set_leverage, add_isolated_margin; remove_isolated_margin needs none).
}

/// Changes a position's (or a flat market's) leverage setting: the state machine of
/// `controller::leverage` (docs/ARCHITECTURE.md, "Leverage state machine"). Lowering an
/// isolated position pulls margin from cross; raising one releases its transferable
/// margin; maintenance never depends on the setting.
pub fn set_leverage<'info>(ctx: Context<'info, AdjustPosition<'info>>, leverage: u16) -> Result<()> {
    require!((1..=MAX_LEVERAGE).contains(&leverage), ErrorCode::InvalidLeverage);
    let clock = Clock::get()?;
    let now = clock.unix_timestamp;
    let a = &ctx.accounts;
    let account_key = a.margin_account.key();
    let mut ex = a.exchange.load_mut()?;
    let mut market = a.market.load_mut()?;
    let mut acct = a.margin_account.load_mut()?;
    let status = market.effective_status(ex.status());
    let oracle = read_oracle(&market, &a.oracle, ex.collateral_decimals, now)?;
    funding::accrue(&mut market, &oracle, now, status == MarketStatus::Paused)?;
    let mut pool = Pool::of(&ex);
    let change = leverage::set(
        LeverageAccounts {
            market: &mut market,
            account: &mut acct,
            account_key,
            oracle: &oracle,
            isolated_position: &a.isolated_position,
            remaining: ctx.remaining_accounts,
            status,
            query: HealthQuery::new(&ex, &clock, Policy::Lenient),
            liquidation_buffer_ppm: ex.liquidation_buffer_ppm,
            pool: &mut pool,
            clock_slot: clock.slot,
        },
        leverage,
    )?;
    pool.store(&mut ex);
    ex.add_claims(change.claims_delta)?;
    acct.last_active_slot = clock.slot;
    acct.invariant()?;
    market.invariant()?;
    ex.invariant()?;
    emit!(LeverageUpdated {
        margin_account: account_key,
        market_index: market.market_index,
        mode: change.mode.as_u8(),
        leverage_before: change.leverage_before,
        leverage_after: leverage,
        margin_moved: change.margin_moved,
        domain_before: snapshot(&change.before),
        domain_after: snapshot(&change.after),
    });
    Ok(())
}
