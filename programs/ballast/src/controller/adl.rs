//! Auto-deleveraging (docs/MATH.md, "Pool equity and auto-deleveraging"). While the
//! pool's equity over every market is negative — it could not pay every profit if all
//! positions closed now — a keeper may close a profitable position at the oracle price,
//! and the position gives back `min(realised profit, shortfall)` to the pool. Keepers
//! choose positions by the published ranking (profit % × effective leverage); the
//! program closes no more than the shortfall needs, charges no fee and pays no reward.

use anchor_lang::prelude::*;
use ballast_math::adl::{deleverage_size, haircut, pool_equity, pool_side_pnl};
use ballast_math::position::{apply_fill, unrealized_pnl};
use ballast_math::{BaseLots, Price};

use super::fill::book_realised;
use super::funding;
use super::pool::{for_each_market, Pool};
use crate::error::ErrorCode;
use crate::health::PositionState;
use crate::safe::{Cast, MathExt, SafeMath};
use crate::state::{Exchange, Market};

/// The pool's equity split for one deleveraging: every market but the deleveraged one
/// is valued once, before that market is loaded for writing.
pub struct PoolValuation {
    /// Σ pool side PnL of every other market.
    pub others: i128,
    /// The deleveraged market's oracle price, as read in the pass.
    pub price: u64,
}

/// Values every market (`remaining`: `[market, oracle]` for each, in index order).
pub fn value_pool(remaining: &[AccountInfo], ex: &Exchange, target_index: u16, now: i64) -> Result<PoolValuation> {
    let mut v = PoolValuation { others: 0, price: 0 };
    for_each_market(remaining, ex.market_count, ex.collateral_decimals, now, |market, price| {
        if market.market_index == target_index {
            v.price = price;
        } else {
            v.others = v.others.safe_add(pool_side_pnl(&market.side_totals(), price).math()?)?;
        }
        Ok(())
    })?;
    Ok(v)
}

/// Pool equity with the deleveraged market at its current totals.
pub fn equity(pool: &Pool, market: &Market, v: &PoolValuation) -> Result<i128> {
    let side = pool_side_pnl(&market.side_totals(), v.price).math()?;
    pool_equity(pool.cash, pool.deficit, v.others.safe_add(side)?).math()
}

/// What one deleveraging did.
pub struct Deleveraged {
    pub base_before: i64,
    pub realised_pnl: i64,
    pub haircut: u64,
    /// Change of the position's unsettled profit (what the pool could not pay adds to it;
    /// a write-off takes from it).
    pub unsettled_change: i64,
    pub equity_before: i128,
    pub equity_after: i128,
}

/// Deleverages up to `max_base` lots of `pos` (a position of `market`, whose funding is
/// accrued to now) at the pass's price, updating the position, its domain's collateral,
/// the market's totals and the exchange's pool and claims.
///
/// A position with unrealised profit closes what the shortfall needs and gives back
/// `min(realised profit, shortfall)`. A position without profit (or already closed)
/// that holds unsettled profit gives back `min(unsettled, shortfall)` of it instead: once
/// no open profit is left to deleverage, the shortfall is written off against the profit
/// the pool has not paid yet, in the same ranking.
pub fn deleverage(
    pos: &mut PositionState,
    collateral: &mut i64,
    market: &mut Market,
    ex: &mut Exchange,
    v: &PoolValuation,
    max_base: u64,
) -> Result<Deleveraged> {
    let claims_start = collateral.safe_add(pos.unsettled)?;
    let mut pool = Pool::of(ex);
    let equity_before = equity(&pool, market, v)?;
    require!(equity_before < 0, ErrorCode::PoolNotInShortfall);
    let profit = unrealized_pnl(BaseLots(pos.base), pos.cost_basis, Price(v.price)).math()?;
    require!(profit > 0 || pos.unsettled > 0, ErrorCode::DeleverageTargetNotProfitable);

    // Funding first: what the position owes the pool may already cover part of the shortfall.
    funding::settle(market, pos, collateral, &mut pool)?;
    let shortfall = equity(&pool, market, v)?;
    require!(shortfall < 0, ErrorCode::PoolNotInShortfall);

    let base_before = pos.base;
    let unsettled_before = pos.unsettled;
    let mut realised_pnl = 0;
    let cut = if profit > 0 {
        let abs = pos.base.unsigned_abs();
        let lot = market.lot_size.max(1);
        let needed = deleverage_size(abs, profit, shortfall.unsigned_abs(), lot).math()?;
        let allowed = if max_base >= abs { abs } else { max_base - max_base % lot };
        let q = needed.min(allowed).cast::<i64>()?;
        require!(q > 0, ErrorCode::LiquidationSizeTooSmall);
        let f = apply_fill(BaseLots(pos.base), pos.cost_basis, BaseLots(if pos.base > 0 { -q } else { q }), Price(v.price)).math()?;
        book_realised(market, f.realised_pnl, collateral, &mut pos.unsettled, &mut pool)?;
        market.record_position_change((pos.base, pos.cost_basis), (f.base, f.cost_basis))?;
        (pos.base, pos.cost_basis) = (f.base, f.cost_basis);
        if pos.base == 0 {
            pos.snapshot = 0;
        }
        realised_pnl = f.realised_pnl;
        haircut(f.realised_pnl, shortfall)
    } else {
        haircut(pos.unsettled, shortfall)
    };

    // The haircut comes back from unsettled profit first (what the pool has not paid),
    // then from collateral (what the close just paid).
    let from_unsettled = cut.min(pos.unsettled.max(0).cast::<u64>()?);
    pos.unsettled = pos.unsettled.safe_sub(from_unsettled.cast::<i64>()?)?;
    *collateral = collateral.safe_sub((cut - from_unsettled).cast::<i64>()?)?;
    pool.receive(cut)?;
    market.adl_haircut_total = market.adl_haircut_total.safe_add(cut)?;

    let equity_after = equity(&pool, market, v)?;
    pool.store(ex);
    ex.add_claims(collateral.safe_add(pos.unsettled)?.safe_sub(claims_start)?)?;
    Ok(Deleveraged {
        base_before,
        realised_pnl,
        haircut: cut,
        unsettled_change: pos.unsettled.safe_sub(unsettled_before)?,
        equity_before,
        equity_after,
    })
}
