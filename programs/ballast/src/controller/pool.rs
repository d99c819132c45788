use anchor_lang::prelude::*;
use ballast_math::pool::{market_insurance_floor, market_reserve};
use ballast_math::tiers::maintenance_rate_ppm;

use crate::error::ErrorCode;
use crate::oracle::read_oracle;
use crate::safe::{MathExt, SafeMath};
use crate::state::{load_checked, same_key, Market};

/// Moves `amount` into the pool (negative: out of it). The pool can never go below zero:
/// a payout it cannot cover fails with `InsufficientPoolBalance`.
pub fn credit(pool: &mut u64, amount: i64) -> Result<()> {
    *pool = if amount >= 0 {
        pool.safe_add(amount.unsigned_abs())?
    } else {
        pool.checked_sub(amount.unsigned_abs()).ok_or(ErrorCode::InsufficientPoolBalance)?
    };
    Ok(())
}

/// What the pool must keep (docs/MATH.md, "Pool reserve"), over every market.
pub fn pool_reserve(remaining: &[AccountInfo], market_count: u16, decimals: u8, now: i64) -> Result<u128> {
    sum_over_markets(remaining, market_count, decimals, now, |market, price| {
        let rate = maintenance_rate_ppm(market.tiers[0].max_leverage).math()?;
        market_reserve(&market.side_totals(), price, rate).math()
    })
}

/// What the insurance fund must keep (docs/MATH.md, "Insurance floor"), over every market.
pub fn insurance_floor(remaining: &[AccountInfo], market_count: u16, decimals: u8, now: i64) -> Result<u128> {
    sum_over_markets(remaining, market_count, decimals, now, |market, price| market_insurance_floor(&market.side_totals(), price).math())
}

/// Σ over every market of `per_market(market, price)` at a valid oracle price.
/// `remaining` is `[market, oracle]` for every market in index order: a missing, repeated
/// or reordered market, or a foreign oracle, is refused (`ReserveAccountsMismatch`), so
/// no open interest can be left out of the sum.
fn sum_over_markets(
    remaining: &[AccountInfo],
    market_count: u16,
    decimals: u8,
    now: i64,
    per_market: impl Fn(&Market, u64) -> Result<u128>,
) -> Result<u128> {
    require!(remaining.len() == usize::from(market_count) * 2, ErrorCode::ReserveAccountsMismatch);
    let mut total: u128 = 0;
    for (index, pair) in remaining.chunks(2).enumerate() {
        let market = load_checked::<Market>(&pair[0]).map_err(|_| error!(ErrorCode::ReserveAccountsMismatch))?;
        require!(usize::from(market.market_index) == index, ErrorCode::ReserveAccountsMismatch);
        require!(same_key(pair[1].key, &market.oracle), ErrorCode::ReserveAccountsMismatch);
        let oracle = read_oracle(&market, &pair[1], decimals, now)?;
        oracle.require_valid()?;
        total = total.safe_add(per_market(&market, oracle.price)?)?;
    }
    Ok(total)
}
