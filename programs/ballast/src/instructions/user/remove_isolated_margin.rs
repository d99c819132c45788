use anchor_lang::prelude::*;

use super::set_leverage::{AdjustPosition, Adjusting};
use crate::controller::pool::Pool;
use crate::controller::status::{require_allowed, Gate};
use crate::controller::{funding, transfer};
use crate::error::ErrorCode;
use crate::events::MarginTransferred;
use crate::health::{isolated_health, pnl_to_realise, snapshot, HealthQuery, MarketView, Policy};
use crate::oracle::read_oracle;
use crate::safe::{Cast, SafeMath};
use crate::state::{IsolatedMode, MarketStatus};
use crate::token::require_valid_amount;

/// Moves up to the position's transferable margin back to cross (SPEC §5). Refused for
/// strict-isolated positions. Needs a valid price; full-weight profit that funds the part
/// above the position's collateral is realised through the pool first, at a fresh price.
pub fn remove_isolated_margin<'info>(ctx: Context<'info, AdjustPosition<'info>>, amount: u64) -> Result<()> {
    let Adjusting { exchange: mut ex, mut market, margin_account: mut acct, margin_account_key, isolated } = ctx.accounts.load()?;
    require_valid_amount(amount)?;
    let clock = Clock::get()?;
    let now = clock.unix_timestamp;
    let status = market.effective_status(ex.status());
    require_allowed(status, Gate::Transfer)?;
    let oracle = read_oracle(&market, &ctx.accounts.oracle, ex.collateral_decimals, now)?;
    funding::accrue(&mut market, &oracle, now, status == MarketStatus::Paused)?;
    let mut p = isolated.ok_or(ErrorCode::NoOpenPosition)?;
    require!(p.base != 0, ErrorCode::NoOpenPosition);
    require!(p.mode()? != IsolatedMode::StrictIsolated, ErrorCode::StrictIsolatedLocked);
    let q = HealthQuery::new(&ex, &clock, Policy::Strict);
    let view = MarketView::of(&market, &oracle, &q)?;
    let buffer = ex.liquidation_buffer_ppm;
    let before = isolated_health(&p, &view)?;
    require!(amount <= before.transferable(buffer), ErrorCode::InsufficientTransferable);
    let realise = pnl_to_realise(amount, p.collateral);
    require!(transfer::realisable(realise, before.realisable_pnl) == realise, ErrorCode::InsufficientTransferable);
    if realise > 0 {
        view.require_fill()?;
    }
    let mut pool = Pool::of(&ex);
    let (mut cb, mut coll) = (p.cost_basis, p.collateral);
    transfer::realise(&mut market, p.base, realise, &mut cb, &mut coll, &mut pool)?;
    let amt = i64::try_from(amount).map_err(|_| ErrorCode::AmountTooLarge)?;
    p.cost_basis = cb;
    p.collateral = coll.safe_sub(amt)?;
    acct.add_collateral(amt)?;
    pool.store(&mut ex);
    ex.add_claims(realise.cast::<i64>()?)?;
    let after = isolated_health(&p, &view)?;
    require!(after.meets_transfer_lock(buffer), ErrorCode::InsufficientTransferable);
    p.last_active_slot = clock.slot;
    acct.last_active_slot = clock.slot;
    p.invariant()?;
    acct.invariant()?;
    market.invariant()?;
    ex.invariant()?;
    MarginTransferred {
        margin_account: *margin_account_key,
        market_index: market.market_index,
        amount: -amt,
        pnl_realised: realise,
        cross_collateral_after: acct.cross_collateral,
        isolated_before: snapshot(&before),
        isolated_after: snapshot(&after),
    }
    .log();
    Ok(())
}
