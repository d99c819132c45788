//! Settling down-weighted profit (Mango's answer to the 2022 oracle manipulation).
//!
//! Profit realised on a market whose PnL weight is below 100% does not become collateral
//! at once: it is *unsettled* profit, a claim that counts in full for maintenance and at
//! the market's weight for initial margin, and that becomes withdrawable collateral only
//! through the market's settle budget — at most `limit` per aligned period of
//! `period_secs` across all accounts (so at most twice the limit in any interval one
//! period long). A pumped price can still be realised against the pool, but what it pays
//! leaves the vault no faster than the budget.

use crate::error::{MathError, MathResult};

/// A market's settle budget.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SettleBudget {
    /// Most profit settled per period, quote native.
    pub limit: u64,
    /// Period length, seconds (> 0).
    pub period_secs: u32,
    /// Start of the period `used` belongs to (a multiple of `period_secs`).
    pub period_start: i64,
    /// Settled so far in that period, quote native.
    pub used: u64,
}

impl SettleBudget {
    /// Start of the aligned period containing `now` (unsigned arithmetic: SBF has no
    /// signed division; the clock is never negative).
    fn period_of(&self, now: i64) -> MathResult<i64> {
        const OP: &str = "settle period";
        let t = u64::try_from(now).map_err(|_| MathError::invalid(OP))?;
        let len = u64::from(self.period_secs);
        let rem = t.checked_rem(len).ok_or(MathError::invalid(OP))?;
        i64::try_from(t.checked_sub(rem).ok_or(MathError::overflow(OP))?).map_err(|_| MathError::overflow(OP))
    }

    /// What may still settle in the period containing `now`.
    pub fn available(&self, now: i64) -> MathResult<u64> {
        if self.period_of(now)? != self.period_start {
            return Ok(self.limit);
        }
        Ok(self.limit.saturating_sub(self.used))
    }

    /// Takes up to `want` from the budget at `now` and returns what was taken.
    pub fn take(&mut self, now: i64, want: u64) -> MathResult<u64> {
        let period = self.period_of(now)?;
        if period != self.period_start {
            self.period_start = period;
            self.used = 0;
        }
        let amount = want.min(self.limit.saturating_sub(self.used));
        self.used = self.used.checked_add(amount).ok_or(MathError::overflow("settle budget"))?;
        Ok(amount)
    }
}

/// Unsettled profit that offsets a negative collateral balance needs no budget: nothing
/// becomes withdrawable. Returns `(collateral, unsettled)` after moving
/// `min(unsettled, −collateral)` across.
pub fn net_against_debt(collateral: i64, unsettled: i64) -> MathResult<(i64, i64)> {
    const OP: &str = "unsettled netting";
    if collateral >= 0 || unsettled <= 0 {
        return Ok((collateral, unsettled));
    }
    let moved = unsettled.min(collateral.checked_neg().ok_or(MathError::overflow(OP))?);
    Ok((collateral.checked_add(moved).ok_or(MathError::overflow(OP))?, unsettled.checked_sub(moved).ok_or(MathError::overflow(OP))?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_budget_refills_each_aligned_period() {
        let mut b = SettleBudget { limit: 1_000, period_secs: 3_600, period_start: 0, used: 0 };
        assert_eq!(b.take(7_200 + 10, 600), Ok(600));
        assert_eq!(b.available(7_200 + 3_599), Ok(400));
        assert_eq!(b.take(7_200 + 3_599, 600), Ok(400));
        assert_eq!(b.take(7_200 + 3_599, 1), Ok(0));
        // The next period starts at 10,800.
        assert_eq!(b.available(10_800), Ok(1_000));
        assert_eq!(b.take(10_800, 5_000), Ok(1_000));
        assert_eq!((b.period_start, b.used), (10_800, 1_000));
    }

    #[test]
    fn unsettled_profit_offsets_debt_without_budget() {
        assert_eq!(net_against_debt(-300, 500), Ok((0, 200)));
        assert_eq!(net_against_debt(-800, 500), Ok((-300, 0)));
        assert_eq!(net_against_debt(100, 500), Ok((100, 500)));
        assert_eq!(net_against_debt(-100, 0), Ok((-100, 0)));
    }
}
