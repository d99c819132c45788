use anchor_lang::prelude::*;

use crate::controller::adl::{deleverage, value_pool};
use crate::controller::funding;
use crate::error::ErrorCode;
use crate::events::AutoDeleveraged;
use crate::health::PositionState;
use crate::oracle::read_oracle;
use crate::safe::Cast;
use crate::state::{Exchange, IsolatedPosition, MarginAccount, Market, MarketStatus};

#[derive(Accounts)]
pub struct AutoDeleverage<'info> {
    /// Anyone (keepers); paid nothing.
    pub keeper: Signer<'info>,
    /// The exchange singleton (PDA `["exchange"]`).
    #[account(mut)]
    pub exchange: AccountLoader<'info, Exchange>,
    /// The market of the position to deleverage (PDA `["market", market_index u16 LE]`).
    #[account(mut)]
    pub market: AccountLoader<'info, Market>,
    /// The market's oracle (Pyth `PriceUpdateV2`, or a push oracle where allowed).
    /// CHECK: the market's oracle, checked by `read_oracle`.
    pub oracle: UncheckedAccount<'info>,
    /// The trader's margin account (PDA `["margin", owner, sub_id u16 LE]`).
    #[account(mut)]
    pub margin_account: AccountLoader<'info, MarginAccount>,
    /// The account's isolated position in `market`, to deleverage it instead of the
    /// cross slot; absent for the cross slot.
    #[account(
        mut,
        constraint = isolated_position.load()?.belongs_to(&margin_account.key(), market.load()?.market_index) @ ErrorCode::WrongIsolatedPosition,
    )]
    pub isolated_position: Option<AccountLoader<'info, IsolatedPosition>>,
    // remaining: [market, oracle] for every market in index order (`market` included).
}

/// Permissionless while the pool's equity is negative: closes up to `max_base` lots of a
/// profitable position at the oracle price (no more than the shortfall needs) and takes
/// back `min(realised profit, shortfall)`; a position without open profit gives back
/// `min(unsettled profit, shortfall)` instead (docs/MATH.md, "Pool equity and
/// auto-deleveraging"). Allowed in every status, as a liquidation is. Every market is valued at a
/// valid price; the deleveraged market's price must be fresh enough for a fill.
pub fn auto_deleverage<'info>(ctx: Context<'info, AutoDeleverage<'info>>, max_base: u64) -> Result<()> {
    let clock = Clock::get()?;
    let now = clock.unix_timestamp;
    let a = &*ctx.accounts;
    let index = a.market.load()?.market_index;
    let valuation = value_pool(ctx.remaining_accounts, &*a.exchange.load()?, index, now)?;
    let mut ex = a.exchange.load_mut()?;
    let mut market = a.market.load_mut()?;
    let status = market.effective_status(ex.status());
    let oracle = read_oracle(&market, &a.oracle, ex.collateral_decimals, now)?;
    oracle.require_fill(market.max_fill_age_secs)?;
    funding::accrue(&mut market, &oracle, now, status == MarketStatus::Paused)?;

    let (domain_account, pos_before, done, pos) = match &a.isolated_position {
        Some(loader) => {
            let mut p = loader.load_mut()?;
            let mut pos = PositionState::of_isolated(&p);
            let before = pos;
            let done = deleverage(&mut pos, &mut p.collateral, &mut market, &mut ex, &valuation, max_base)?;
            (p.base, p.cost_basis, p.unsettled_pnl) = (pos.base, pos.cost_basis, pos.unsettled);
            p.funding_snapshot.set(pos.snapshot);
            p.last_active_slot = clock.slot;
            p.invariant()?;
            (loader.key(), before, done, pos)
        }
        None => {
            let mut acct = a.margin_account.load_mut()?;
            let i = acct.slot_of(index).ok_or(ErrorCode::NoOpenPosition)?;
            let mut pos = PositionState::of_slot(&acct.cross_positions[i]);
            let before = pos;
            let mut collateral = acct.cross_collateral;
            let done = deleverage(&mut pos, &mut collateral, &mut market, &mut ex, &valuation, max_base)?;
            acct.cross_collateral = collateral;
            let s = &mut acct.cross_positions[i];
            (s.base, s.cost_basis, s.unsettled_pnl) = (pos.base, pos.cost_basis, pos.unsettled);
            s.funding_snapshot.set(pos.snapshot);
            acct.last_active_slot = clock.slot;
            acct.invariant()?;
            (a.margin_account.key(), before, done, pos)
        }
    };
    market.invariant()?;
    ex.invariant()?;
    emit!(AutoDeleveraged {
        domain_account,
        market_index: index,
        keeper: a.keeper.key(),
        price: valuation.price,
        base_before: pos_before.base,
        base_after: pos.base,
        realised_pnl: done.realised_pnl,
        haircut: done.haircut,
        unsettled_change: done.unsettled_change,
        pool_equity_before: done.equity_before.cast::<i64>()?,
        pool_equity_after: done.equity_after.cast::<i64>()?,
        pool_deficit_after: ex.pool_deficit,
    });
    Ok(())
}
