//! Liquidation sizing and penalties (SPEC §5 keeper instructions).
//!
//! A liquidation closes part of one position against the pool at the oracle price. The
//! domain pays a penalty (keeper reward + insurance share) proportional to the closed
//! notional. It closes the smallest lot-rounded size after which
//!
//! ```text
//! equity − penalty(q)  ≥  (maintenance − MM_pos(|base|) + MM_pos(|base| − q)) × (1 + buffer)
//! ```
//!
//! or the whole position if no partial size does, or if what would remain is below the
//! market's dust notional. Closing at the oracle price leaves equity unchanged apart from
//! the penalty; the penalty rate is below every maintenance rate (market validation), so
//! the left side falls more slowly than the right and the condition is monotone in `q`.

use crate::checked::{self, Rounding};
use crate::constants::PPM;
use crate::error::{MathError, MathResult};
use crate::position::notional;
use crate::tiers::{maintenance_margin, Tier};

/// Inputs for sizing one liquidation.
#[derive(Debug, Clone, Copy)]
pub struct LiquidationInput<'a> {
    /// The position's size (base lots, negative short).
    pub base: i64,
    /// Oracle price.
    pub price: u64,
    pub tiers: &'a [Tier],
    /// The domain's maintenance equity before the liquidation.
    pub equity: i128,
    /// The domain's total maintenance margin before the liquidation.
    pub maintenance: i128,
    /// Keeper reward + insurance share, ppm of closed notional.
    pub penalty_ppm: u32,
    /// Target buffer above maintenance, ppm.
    pub buffer_ppm: u32,
    pub lot_size: u64,
    /// Below this notional (quote native) the rest of the position is closed too.
    pub dust_notional: u64,
}

impl LiquidationInput<'_> {
    fn position_mm(&self, lots: u64) -> MathResult<i128> {
        let b = i64::try_from(lots).map_err(|_| MathError::overflow("liquidation size"))?;
        Ok(i128::from(maintenance_margin(self.tiers, notional(b, self.price, Rounding::Ceil)?)?))
    }

    /// Whether closing `q` lots restores the buffered maintenance condition.
    pub fn restores(&self, q: u64) -> MathResult<bool> {
        const OP: &str = "liquidation target";
        let abs = self.base.unsigned_abs();
        let closed = i64::try_from(q).map_err(|_| MathError::overflow(OP))?;
        let penalty = checked::mul_div(
            i128::from(notional(closed, self.price, Rounding::Ceil)?),
            i128::from(self.penalty_ppm),
            PPM,
            Rounding::Ceil,
            OP,
        )?;
        let mm_after = checked::add(
            checked::sub(self.maintenance, self.position_mm(abs)?, OP)?,
            self.position_mm(abs.checked_sub(q).ok_or(MathError::overflow(OP))?)?,
            OP,
        )?;
        let target = checked::mul_div(mm_after, checked::add(PPM, i128::from(self.buffer_ppm), OP)?, PPM, Rounding::Ceil, OP)?;
        Ok(checked::sub(self.equity, penalty, OP)? >= target)
    }

    /// Lots to close (1..=|base|): the smallest lot multiple that restores the target,
    /// the whole position when none does or when the rest would be dust.
    pub fn close_size(&self) -> MathResult<u64> {
        const OP: &str = "liquidation size";
        let abs = self.base.unsigned_abs();
        if abs == 0 {
            return Ok(0);
        }
        let lot = self.lot_size.max(1);
        let lots = abs.div_ceil(lot);
        let size_of = |k: u64| k.checked_mul(lot).map_or(abs, |q| q.min(abs));
        let mut q = abs;
        if self.restores(size_of(1))? {
            q = size_of(1);
        } else if self.restores(abs)? {
            // Binary search for the smallest k with restores(size_of(k)); k = lots restores.
            let (mut lo, mut hi) = (1u64, lots);
            while hi.checked_sub(lo).ok_or(MathError::overflow(OP))? > 1 {
                let half = hi.checked_sub(lo).and_then(|d| d.checked_div(2)).ok_or(MathError::overflow(OP))?;
                let mid = lo.checked_add(half).ok_or(MathError::overflow(OP))?;
                if self.restores(size_of(mid))? {
                    hi = mid;
                } else {
                    lo = mid;
                }
            }
            q = size_of(hi);
        }
        let rest = i64::try_from(abs.checked_sub(q).ok_or(MathError::overflow(OP))?).map_err(|_| MathError::overflow(OP))?;
        if rest > 0 && notional(rest, self.price, Rounding::Floor)? < self.dust_notional {
            q = abs;
        }
        Ok(q)
    }
}

/// Keeper reward (rounded down: a payout) and insurance share (rounded up) on `closed_notional`,
/// capped together at what the domain holds (`available`, ≥ 0): the reward is paid first.
pub fn penalties(closed_notional: u64, reward_ppm: u32, insurance_ppm: u32, available: i128) -> MathResult<(u64, u64)> {
    const OP: &str = "liquidation penalty";
    let reward = checked::mul_div(i128::from(closed_notional), i128::from(reward_ppm), PPM, Rounding::Floor, OP)?;
    let insurance = checked::mul_div(i128::from(closed_notional), i128::from(insurance_ppm), PPM, Rounding::Ceil, OP)?;
    let available = available.max(0);
    let reward = reward.min(available);
    let insurance = insurance.min(checked::sub(available, reward, OP)?);
    Ok((checked::to_u64(reward, OP)?, checked::to_u64(insurance, OP)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    const ONE: i64 = 1_000_000_000;
    const USD: u64 = 1_000_000_000;
    const Q: i128 = 1_000_000;

    fn input(equity: i128) -> LiquidationInput<'static> {
        // 1 BTC at $50,000: MM $1,250.
        static T: [Tier; 1] = [Tier { notional_threshold: 0, max_leverage: 20 }];
        LiquidationInput {
            base: ONE,
            price: 50_000 * USD,
            tiers: &T,
            equity,
            maintenance: 1_250 * Q,
            penalty_ppm: 7_500,
            buffer_ppm: 100_000,
            lot_size: 1_000_000,
            dust_notional: 10 * Q as u64,
        }
    }

    #[test]
    fn the_smallest_lot_multiple_that_restores_maintenance_plus_buffer() {
        // Equity $1,000 < $1,250. After closing q BTC: 1,000 − 375 q ≥ 1.1 × 1,250 (1 − q)
        // → q ≥ 375 / 1,000 = 0.375 BTC.
        let inp = input(1_000 * Q);
        let q = inp.close_size().unwrap();
        assert_eq!(q, 375_000_000);
        assert!(inp.restores(q).unwrap());
        assert!(!inp.restores(q - 1_000_000).unwrap());
    }

    #[test]
    fn everything_closes_when_nothing_smaller_restores() {
        // Equity $100: even a full close leaves 100 − 375 < 0.
        assert_eq!(input(100 * Q).close_size().unwrap(), ONE as u64);
    }

    #[test]
    fn a_dust_remainder_is_closed_too() {
        // With $1,249.9 equity only a tiny close is needed…
        let mut inp = input(1_249 * Q);
        let q = inp.close_size().unwrap();
        assert!(q < ONE as u64);
        // …but with a $49,000 dust threshold the rest ($50,000 − q) is dust.
        inp.dust_notional = 49_999 * Q as u64;
        assert_eq!(inp.close_size().unwrap(), ONE as u64);
    }

    #[test]
    fn penalties_are_capped_at_what_the_domain_holds() {
        // $10,000 closed: reward 0.5% = $50, insurance 0.25% = $25.
        assert_eq!(penalties(10_000 * Q as u64, 5_000, 2_500, 1_000 * Q), Ok((50 * Q as u64, 25 * Q as u64)));
        assert_eq!(penalties(10_000 * Q as u64, 5_000, 2_500, 60 * Q), Ok((50 * Q as u64, 10 * Q as u64)));
        assert_eq!(penalties(10_000 * Q as u64, 5_000, 2_500, 30 * Q), Ok((30 * Q as u64, 0)));
        assert_eq!(penalties(10_000 * Q as u64, 5_000, 2_500, -5), Ok((0, 0)));
    }
}
