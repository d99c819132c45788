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
//! the left side falls more slowly than the right and the condition is monotone in `q` —
//! up to rounding: each side is rounded up in native units, so where one lot is worth a
//! few native units the condition can flip back for a lot or two near its boundary. The
//! size returned then restores while one lot less does not (always true, and
//! property-tested), at one of those adjacent boundaries.

use crate::checked::{self, Rounding};
use crate::constants::{NOTIONAL_DIVISOR, PPM};
use crate::error::{MathError, MathResult};
use crate::position::notional;
use crate::tiers::{rate_and_deduction, tier_index, Maintenance, Tier};
use crate::units::{BaseLots, Price};

/// Inputs for sizing one liquidation.
#[derive(Debug, Clone, Copy)]
pub struct LiquidationInput<'a> {
    /// The position's size (base lots, negative short).
    pub base: i64,
    /// Oracle price.
    pub price: u64,
    pub tiers: &'a [Tier],
    /// A maintenance ramp in progress (see [`Maintenance`]).
    pub ramp_from: Option<(&'a [Tier], u32)>,
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
        Ok(i128::from(Maintenance { tiers: self.tiers, ramp_from: self.ramp_from }.margin(notional(
            BaseLots(b),
            Price(self.price),
            Rounding::Ceil,
        )?)?))
    }

    /// Whether closing `q` lots restores the buffered maintenance condition.
    pub fn restores(&self, q: u64) -> MathResult<bool> {
        self.restores_with(q, self.position_mm(self.base.unsigned_abs())?)
    }

    /// [`Self::restores`] with the whole position's maintenance margin already known.
    fn restores_with(&self, q: u64, mm_whole: i128) -> MathResult<bool> {
        const OP: &str = "liquidation target";
        let abs = self.base.unsigned_abs();
        let closed = i64::try_from(q).map_err(|_| MathError::overflow(OP))?;
        let penalty = checked::mul_div(
            i128::from(notional(BaseLots(closed), Price(self.price), Rounding::Ceil)?),
            i128::from(self.penalty_ppm),
            PPM,
            Rounding::Ceil,
            OP,
        )?;
        let mm_after = checked::add(
            checked::sub(self.maintenance, mm_whole, OP)?,
            self.position_mm(abs.checked_sub(q).ok_or(MathError::overflow(OP))?)?,
            OP,
        )?;
        let target = checked::mul_div(mm_after, checked::add(PPM, i128::from(self.buffer_ppm), OP)?, PPM, Rounding::Ceil, OP)?;
        Ok(checked::sub(self.equity, penalty, OP)? >= target)
    }

    /// First guess, in lots, of the size that restores the target: the condition solved
    /// as a linear equation in the closed notional `x` with the current tier's rate `r`
    /// and deduction `D`, ignoring rounding (k = 1e6 + buffer, P = penalty ppm):
    ///
    /// ```text
    /// x · (k·r − P·1e6) ≥ k·((M − MM_pos)·1e6 + N·r − D) − E·1e12
    /// ```
    ///
    /// Only a starting point: [`Self::close_size`] searches outwards from it, so a guess
    /// off by tiers or rounding costs a few evaluations, never a wrong size.
    fn estimate_lots(&self, mm_whole: i128, lot: u64) -> MathResult<u64> {
        const OP: &str = "liquidation estimate";
        let abs = self.base.unsigned_abs();
        let whole = notional(BaseLots(self.base), Price(self.price), Rounding::Ceil)?;
        let (rate, deduction) = rate_and_deduction(self.tiers, tier_index(self.tiers, whole))?;
        let k = checked::add(PPM, i128::from(self.buffer_ppm), OP)?;
        let slope = checked::sub(checked::mul(k, rate, OP)?, checked::mul(i128::from(self.penalty_ppm), PPM, OP)?, OP)?;
        if slope <= 0 {
            return Err(MathError::invalid(OP));
        }
        let rest = checked::sub(self.maintenance, mm_whole, OP)?;
        let need = checked::sub(
            checked::mul(
                k,
                checked::sub(checked::add(checked::mul(rest, PPM, OP)?, checked::mul(i128::from(whole), rate, OP)?, OP)?, deduction, OP)?,
                OP,
            )?,
            checked::mul(self.equity, NOTIONAL_DIVISOR, OP)?,
            OP,
        )?;
        let x = checked::div(need.max(0), slope, Rounding::Ceil, OP)?;
        let q = checked::mul_div(x, NOTIONAL_DIVISOR, i128::from(self.price.max(1)), Rounding::Ceil, OP)?;
        let k_lots = checked::div(q, i128::from(lot), Rounding::Ceil, OP)?;
        Ok(u64::try_from(k_lots).unwrap_or(u64::MAX).min(abs.div_ceil(lot)))
    }

    /// Lots to close (1..=|base|): the lot multiple that restores the target where one lot
    /// less does not (the smallest, up to the rounding noted in the module docs), the whole
    /// position when none does or when the rest would be dust.
    ///
    /// The target is monotone in the size (up to rounding), so the restoring multiple `k` is
    /// found by bracketing it around [`Self::estimate_lots`] (steps doubling away from the
    /// guess) and bisecting the bracket. The bracket starts as `(0, lots + 1)`: closing
    /// nothing never restores a liquidatable domain, and `lots + 1` stands for "no
    /// multiple restores". Usually two evaluations instead of a bisection over every lot
    /// of the position.
    pub fn close_size(&self) -> MathResult<u64> {
        const OP: &str = "liquidation size";
        let abs = self.base.unsigned_abs();
        if abs == 0 {
            return Ok(0);
        }
        let mm_whole = self.position_mm(abs)?;
        let lot = self.lot_size.max(1);
        let lots = abs.div_ceil(lot);
        let size_of = |k: u64| k.checked_mul(lot).map_or(abs, |q| q.min(abs));
        let restores = |k: u64| self.restores_with(size_of(k), mm_whole);
        let none = lots.checked_add(1).ok_or(MathError::overflow(OP))?;
        // Invariant: lo does not restore (or is 0), hi restores (or is `none`), lo < hi.
        let (mut lo, mut hi) = (0u64, none);
        let guess = self.estimate_lots(mm_whole, lot).unwrap_or(lots >> 1).clamp(1, lots);
        let mut step = 1u64;
        if restores(guess)? {
            hi = guess;
            loop {
                let probe = hi.saturating_sub(step);
                if probe <= lo {
                    break;
                }
                if !restores(probe)? {
                    lo = probe;
                    break;
                }
                hi = probe;
                step = step.saturating_mul(2);
            }
        } else {
            lo = guess;
            loop {
                let probe = lo.saturating_add(step);
                if probe >= hi {
                    break;
                }
                if restores(probe)? {
                    hi = probe;
                    break;
                }
                lo = probe;
                step = step.saturating_mul(2);
            }
        }
        while hi.checked_sub(lo).ok_or(MathError::overflow(OP))? > 1 {
            let half = hi.checked_sub(lo).and_then(|d| d.checked_div(2)).ok_or(MathError::overflow(OP))?;
            let mid = lo.checked_add(half).ok_or(MathError::overflow(OP))?;
            if restores(mid)? {
                hi = mid;
            } else {
                lo = mid;
            }
        }
        let mut q = if hi == none { abs } else { size_of(hi) };
        let rest = i64::try_from(abs.checked_sub(q).ok_or(MathError::overflow(OP))?).map_err(|_| MathError::overflow(OP))?;
        if rest > 0 && notional(BaseLots(rest), Price(self.price), Rounding::Floor)? < self.dust_notional {
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

/// Most of a margin-guard top-up its keeper's tip may take: 1%.
pub const GUARD_TIP_CAP_PPM: u32 = 10_000;

/// The tip a keeper earns for executing a margin guard: the exchange's fixed tip, but never
/// more than [`GUARD_TIP_CAP_PPM`] of the top-up it moves (rounded down), so repeated small
/// top-ups cannot farm tips: over a guard's life the owner pays at most 1% of what it moved.
pub fn guard_tip(fixed_tip: u64, top_up: u64) -> MathResult<u64> {
    let cap = checked::mul_div(i128::from(top_up), i128::from(GUARD_TIP_CAP_PPM), PPM, Rounding::Floor, "guard tip")?;
    Ok(fixed_tip.min(checked::to_u64(cap, "guard tip")?))
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
            ramp_from: None,
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
    fn a_guard_tip_is_at_most_one_percent_of_its_top_up() {
        assert_eq!(guard_tip(100_000, 1_000_000), Ok(10_000));
        assert_eq!(guard_tip(100_000, 500_000_000), Ok(100_000));
        assert_eq!(guard_tip(100_000, 99), Ok(0));
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
