use anchor_lang::prelude::*;
use ballast_math::pool::{market_insurance_floor, market_reserve};
use ballast_math::tiers::maintenance_rate_ppm;

use crate::error::ErrorCode;
use crate::oracle::read_oracle;
use crate::safe::{Cast, MathExt, SafeMath};
use crate::state::{load_checked, Exchange, Market};

/// The pool's cash and what it owes beyond it (`Exchange::pool_balance` and
/// `pool_deficit`): at most one of the two is non-zero.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pool {
    pub cash: u64,
    pub deficit: u64,
}

impl Pool {
    pub fn of(ex: &Exchange) -> Self {
        Self { cash: ex.pool_balance, deficit: ex.pool_deficit }
    }

    pub fn store(self, ex: &mut Exchange) {
        (ex.pool_balance, ex.pool_deficit) = (self.cash, self.deficit);
    }

    /// Money into the pool: it pays the deficit first.
    pub fn receive(&mut self, amount: u64) -> Result<()> {
        let to_debt = amount.min(self.deficit);
        self.deficit -= to_debt;
        self.cash = self.cash.safe_add(amount - to_debt)?;
        Ok(())
    }

    /// A payout that must be made in full now (a transfer that realises profit): fails
    /// with `InsufficientPoolBalance` when the cash does not cover it.
    pub fn pay_in_full(&mut self, amount: u64) -> Result<()> {
        self.cash = self.cash.checked_sub(amount).ok_or(ErrorCode::InsufficientPoolBalance)?;
        Ok(())
    }

    /// A payout the pool owes whether or not it can pay (realised profit, funding): the
    /// cash pays what it can, the rest becomes deficit. Returns the part not paid, which
    /// the caller books as the position's unsettled profit (a claim that cannot leave
    /// the exchange until the deficit is paid).
    pub fn pay_or_owe(&mut self, amount: u64) -> Result<u64> {
        let paid = amount.min(self.cash);
        self.cash -= paid;
        let owed = amount - paid;
        self.deficit = self.deficit.safe_add(owed)?;
        Ok(owed)
    }

    /// Takes on `amount` of bad debt nothing covered: the pool owes it.
    pub fn owe(&mut self, amount: u64) -> Result<()> {
        debug_assert!(self.cash == 0 || amount == 0);
        self.deficit = self.deficit.safe_add(amount)?;
        Ok(())
    }

    /// A signed flow with no shortfall allowed: `amount ≥ 0` into the pool, `< 0` paid in full.
    pub fn flow(&mut self, amount: i64) -> Result<()> {
        if amount >= 0 {
            self.receive(amount.unsigned_abs())
        } else {
            self.pay_in_full(amount.unsigned_abs())
        }
    }
}

/// Pays `amount` (≥ 0) to a position: into its collateral as far as the pool's cash goes,
/// the rest into its unsettled profit. Returns the part that became unsettled.
pub fn pay_position(pool: &mut Pool, amount: i64, collateral: &mut i64, unsettled: &mut i64) -> Result<i64> {
    let owed = pool.pay_or_owe(amount.unsigned_abs())?.cast::<i64>()?;
    *collateral = collateral.safe_add(amount.safe_sub(owed)?)?;
    *unsettled = unsettled.safe_add(owed)?;
    Ok(owed)
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
fn sum_over_markets(
    remaining: &[AccountInfo],
    market_count: u16,
    decimals: u8,
    now: i64,
    per_market: impl Fn(&Market, u64) -> Result<u128>,
) -> Result<u128> {
    let mut total: u128 = 0;
    for_each_market(remaining, market_count, decimals, now, |market, price| {
        total = total.safe_add(per_market(market, price)?)?;
        Ok(())
    })?;
    Ok(total)
}

/// Calls `f(market, price)` for every market at a valid oracle price. `remaining` is
/// `[market, oracle]` for every market in index order: a missing, repeated or reordered
/// market, or a foreign oracle, is refused (`ReserveAccountsMismatch`), so no open
/// interest can be left out.
pub fn for_each_market(
    remaining: &[AccountInfo],
    market_count: u16,
    decimals: u8,
    now: i64,
    mut f: impl FnMut(&Market, u64) -> Result<()>,
) -> Result<()> {
    require!(remaining.len() == usize::from(market_count) * 2, ErrorCode::ReserveAccountsMismatch);
    for (index, pair) in remaining.chunks(2).enumerate() {
        let market = load_checked::<Market>(&pair[0]).map_err(|_| error!(ErrorCode::ReserveAccountsMismatch))?;
        require!(usize::from(market.market_index) == index, ErrorCode::ReserveAccountsMismatch);
        require!(*pair[1].key == market.oracle, ErrorCode::ReserveAccountsMismatch);
        let oracle = read_oracle(&market, &pair[1], decimals, now)?;
        oracle.require_valid()?;
        f(&market, oracle.price)?;
    }
    Ok(())
}
