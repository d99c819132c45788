//! Moving margin out of a domain when the amount exceeds its collateral: the positive
//! PnL used is realised first (SPEC §5). The pool pays it into the domain and the
//! position's cost basis moves by the same amount, so the position's PnL falls by
//! exactly what the collateral gained: no value is created. Only full-weight profit is
//! realisable this way (down-weighted profit settles through `settle_pnl`), and only at
//! a fresh price (a fill against the pool).

use anchor_lang::prelude::*;

use super::pool::Pool;
use crate::error::ErrorCode;
use crate::health::{CrossBook, Source};
use crate::safe::{Cast, SafeMath};
use crate::state::{load_checked_mut, MarginAccount, Market};

/// Realises `amount` of a position's PnL: collateral +amount, cost basis +amount (its
/// PnL −amount), pool −amount; the market's aggregate cost basis follows.
pub fn realise(market: &mut Market, base: i64, amount: u64, cost_basis: &mut i64, collateral: &mut i64, pool: &mut Pool) -> Result<()> {
    if amount == 0 {
        return Ok(());
    }
    let a = amount.cast::<i64>()?;
    let before = *cost_basis;
    *cost_basis = cost_basis.safe_add(a)?;
    market.record_position_change((base, before), (base, *cost_basis))?;
    *collateral = collateral.safe_add(a)?;
    pool.pay_in_full(amount)
}

/// How much of `wanted` one position may realise: at most its realisable profit (the
/// full-weight PnL at the conservative price).
pub fn realisable(wanted: u64, realisable_pnl: i128) -> u64 {
    u64::try_from(realisable_pnl.max(0)).unwrap_or(u64::MAX).min(wanted)
}

/// Realises `need` of the cross domain's profit for a transfer out: from the positions
/// with realisable profit (full weight, conservative price), in slot order, each at a
/// fresh price, through the pool; each realised position is valued again in `book`.
/// Fails with `InsufficientTransferable` when the positions cannot provide `need`.
pub fn realise_cross(acct: &mut MarginAccount, book: &mut CrossBook, remaining: &[AccountInfo], pool: &mut Pool, need: u64) -> Result<()> {
    if need == 0 {
        return Ok(());
    }
    let mut need = need;
    for e in book.entries().to_vec() {
        if need == 0 {
            break;
        }
        let take = realisable(need, e.health.realisable);
        if take == 0 {
            continue;
        }
        // Realising writes the market: the price book has no market to write.
        require!(book.source() == Source::Accounts, ErrorCode::PriceBookCannotRealise);
        book.pricing(e.slot)?.require_fill()?;
        {
            // The market's mutable borrow ends before the book reads its curve again.
            let mut market = load_checked_mut::<Market>(&remaining[e.market_account])?;
            let mut collateral = acct.cross_collateral;
            let slot = &mut acct.cross_positions[e.slot];
            realise(&mut market, slot.base, take, &mut slot.cost_basis, &mut collateral, pool)?;
            market.invariant()?;
            acct.cross_collateral = collateral;
        }
        book.revalue(acct, e.slot, remaining)?;
        need = need.safe_sub(take)?;
    }
    require!(need == 0, ErrorCode::InsufficientTransferable);
    Ok(())
}
