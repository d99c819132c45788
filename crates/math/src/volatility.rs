//! Volatility-scaled leverage (docs/MATH.md, "Volatility-scaled leverage").
//!
//! Each market keeps an estimate of its price variance: an exponentially weighted moving
//! average, in time, of squared oracle returns normalised to one hour. Every valid price a
//! market accrues (trades, liquidations, the funding crank) is one sample:
//!
//! ```text
//! move     = min(|price − last| / last, 25%)                          (ppm, rounded up)
//! sample   = move² × 3600 / dt                                         (ppm² per hour, up)
//! α        = dt / (dt + half_life / ln 2)
//! variance = variance + α × (sample − variance)                        (rounded up)
//! ```
//!
//! The highest leverage for **new risk** is then the tier's maximum scaled by
//! `clamp(target / √variance, floor, 1)`. Maintenance margin never depends on it: a
//! violent market lowers what may be opened, never what open positions must keep.

use crate::checked::{self, Rounding};
use crate::constants::PPM;
use crate::error::{MathError, MathResult};

/// Largest move one sample counts, ppm (25%): a single bad print cannot set the estimate
/// beyond what a 25% move does.
pub const MAX_SAMPLED_MOVE_PPM: u64 = 250_000;
/// The variance is per this horizon, seconds (one hour).
pub const VARIANCE_HORIZON_SECS: u64 = 3_600;
/// ln 2 in ppm.
const LN2_PPM: u128 = 693_147;

/// A market's variance estimate and the price it was last sampled at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct VolState {
    /// EWMA of squared hourly-normalised returns, ppm² (1e12 = a variance of 100% per hour).
    pub variance: u64,
    /// Price of the last sample (price scale); 0 before the first.
    pub last_price: u64,
    /// Unix time of the last sample.
    pub last_ts: i64,
}

/// `⌈√n⌉`.
fn ceil_sqrt(n: u128) -> MathResult<u128> {
    let r = n.isqrt();
    let sq = r.checked_mul(r).ok_or(MathError::overflow("sqrt"))?;
    Ok(if sq == n { r } else { r.checked_add(1).ok_or(MathError::overflow("sqrt"))? })
}

impl VolState {
    /// The estimate after sampling `price` at `now` with the given half-life (see the
    /// module docs). The first price only starts the series; a second price in the same
    /// second, or a non-positive one, changes nothing.
    pub fn sample(&self, price: u64, now: i64, half_life_secs: u32) -> MathResult<Self> {
        const OP: &str = "volatility sample";
        if price == 0 || (self.last_price != 0 && now <= self.last_ts) {
            return Ok(*self);
        }
        if self.last_price == 0 || half_life_secs == 0 {
            return Ok(Self { variance: self.variance, last_price: price, last_ts: now });
        }
        let dt = u128::try_from(now.checked_sub(self.last_ts).ok_or(MathError::overflow(OP))?).map_err(|_| MathError::invalid(OP))?;
        let last = u128::from(self.last_price);
        let diff = u128::from(price.abs_diff(self.last_price));
        let ppm = PPM.unsigned_abs();
        let raw_move = diff.checked_mul(ppm).ok_or(MathError::overflow(OP))?.div_ceil(last);
        let mv = raw_move.min(u128::from(MAX_SAMPLED_MOVE_PPM));
        let sample =
            mv.checked_mul(mv).and_then(|m| m.checked_mul(u128::from(VARIANCE_HORIZON_SECS))).ok_or(MathError::overflow(OP))?.div_ceil(dt);
        // α = dt·ln2 / (dt·ln2 + half_life), as a fraction num/den.
        let num = dt.checked_mul(LN2_PPM).ok_or(MathError::overflow(OP))?;
        let den =
            num.checked_add(u128::from(half_life_secs).checked_mul(ppm).ok_or(MathError::overflow(OP))?).ok_or(MathError::overflow(OP))?;
        let v = i128::from(self.variance);
        let s = i128::try_from(sample).map_err(|_| MathError::overflow(OP))?;
        let step = checked::mul_div(
            checked::sub(s, v, OP)?,
            i128::try_from(num).map_err(|_| MathError::overflow(OP))?,
            i128::try_from(den).map_err(|_| MathError::overflow(OP))?,
            Rounding::Ceil,
            OP,
        )?;
        let variance = u64::try_from(checked::add(v, step, OP)?.max(0)).unwrap_or(u64::MAX);
        Ok(Self { variance, last_price: price, last_ts: now })
    }
}

/// The estimated hourly volatility, ppm: `⌈√variance⌉`.
pub fn hourly_vol_ppm(variance: u64) -> MathResult<u64> {
    u64::try_from(ceil_sqrt(u128::from(variance))?).map_err(|_| MathError::overflow("hourly vol"))
}

/// `clamp(target / vol, floor, 1)` in ppm, rounded down; 1 (1e6) when the target is 0
/// (scaling off) or the market has shown no volatility.
pub fn leverage_scale_ppm(variance: u64, target_ppm: u32, floor_ppm: u32) -> MathResult<u32> {
    const OP: &str = "leverage scale";
    let full = u32::try_from(PPM).map_err(|_| MathError::overflow(OP))?;
    if target_ppm == 0 || variance == 0 {
        return Ok(full);
    }
    let vol = hourly_vol_ppm(variance)?;
    let scale = checked::mul_div(i128::from(target_ppm), PPM, i128::from(vol), Rounding::Floor, OP)?;
    let scale = u32::try_from(scale.min(PPM)).map_err(|_| MathError::overflow(OP))?;
    Ok(scale.max(floor_ppm).min(full))
}

/// The highest leverage new risk may take: `⌊tier_max × scale⌋`, at least 1.
#[inline(always)]
pub fn scaled_max_leverage(tier_max: u16, scale_ppm: u32) -> u16 {
    let scaled = u64::from(tier_max).saturating_mul(u64::from(scale_ppm)).checked_div(1_000_000).unwrap_or(0);
    u16::try_from(scaled).unwrap_or(u16::MAX).clamp(1, tier_max.max(1))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const USD: u64 = 1_000_000_000;

    #[test]
    fn the_first_price_starts_the_series() {
        let s = VolState::default().sample(50_000 * USD, 100, 3_600).unwrap();
        assert_eq!(s, VolState { variance: 0, last_price: 50_000 * USD, last_ts: 100 });
        // Same second, or a zero price: nothing changes.
        assert_eq!(s.sample(40_000 * USD, 100, 3_600).unwrap(), s);
        assert_eq!(s.sample(0, 200, 3_600).unwrap(), s);
    }

    #[test]
    fn one_sample_by_hand() {
        // +8% over 60 s, half-life 1 h: move 80,000 ppm, sample 80,000² × 3600 / 60 =
        // 384e9; α = 60·0.693147 / (60·0.693147 + 3600) = 41.58882 / 3641.58882.
        let s = VolState { variance: 0, last_price: 50_000 * USD, last_ts: 0 };
        let n = s.sample(54_000 * USD, 60, 3_600).unwrap();
        // 384e9 × 41,588,820 / 3,641,588,820 = 4,385,477,787.3… → rounded up.
        assert_eq!(n.variance, 4_385_477_788);
        assert_eq!((n.last_price, n.last_ts), (54_000 * USD, 60));
        // A calm hour pulls it down: α = 2,495,329,200 / 6,095,329,200; the step
        // −4,385,477,788 × α = −1,795,343,683.87… is rounded up (toward zero).
        let calm = n.sample(54_000 * USD, 3_660, 3_600).unwrap();
        assert_eq!(calm.variance, 4_385_477_788 - 1_795_343_683);
    }

    #[test]
    fn a_move_beyond_25_percent_counts_as_25_percent() {
        let s = VolState { variance: 0, last_price: 100 * USD, last_ts: 0 };
        let crash = s.sample(10 * USD, 3_600, 1).unwrap();
        let capped = s.sample(75 * USD, 3_600, 1).unwrap();
        assert_eq!(crash.variance, capped.variance);
    }

    #[test]
    fn the_scale_is_target_over_vol_between_the_floor_and_one() {
        // vol 20% per hour (variance 4e10), target 5%: 0.25.
        assert_eq!(leverage_scale_ppm(40_000_000_000, 50_000, 100_000), Ok(250_000));
        // Floor 0.5 binds.
        assert_eq!(leverage_scale_ppm(40_000_000_000, 50_000, 500_000), Ok(500_000));
        // Calm: capped at 1.
        assert_eq!(leverage_scale_ppm(1_000_000, 50_000, 100_000), Ok(1_000_000));
        // Off, or no history.
        assert_eq!(leverage_scale_ppm(40_000_000_000, 0, 100_000), Ok(1_000_000));
        assert_eq!(leverage_scale_ppm(0, 50_000, 100_000), Ok(1_000_000));
        assert_eq!(scaled_max_leverage(20, 250_000), 5);
        assert_eq!(scaled_max_leverage(20, 240_000), 4);
        assert_eq!(scaled_max_leverage(3, 100_000), 1);
        assert_eq!(scaled_max_leverage(20, 1_000_000), 20);
    }

    proptest! {
        #[test]
        fn the_estimate_moves_toward_the_sample_and_never_past_it(
            v in 0u64..1_000_000_000_000_000, p0 in 1u64..1_000_000_000_000_000, p1 in 1u64..1_000_000_000_000_000,
            dt in 1i64..1_000_000, hl in 1u32..10_000_000,
        ) {
            let s = VolState { variance: v, last_price: p0, last_ts: 0 };
            let n = s.sample(p1, dt, hl).unwrap();
            let mv = (u128::from(p0.abs_diff(p1)) * 1_000_000).div_ceil(u128::from(p0)).min(250_000);
            let sample = (mv * mv * 3_600).div_ceil(dt as u128);
            let (lo, hi) = if sample < u128::from(v) { (sample, u128::from(v)) } else { (u128::from(v), sample) };
            prop_assert!(u128::from(n.variance) >= lo && u128::from(n.variance) <= hi);
        }

        #[test]
        fn scaled_leverage_never_exceeds_the_tier(t in 1u16..1_000, v in any::<u64>(), target in 0u32..1_000_000, floor in 0u32..1_000_000) {
            let s = leverage_scale_ppm(v, target, floor).unwrap();
            prop_assert!(s <= 1_000_000);
            let l = scaled_max_leverage(t, s);
            prop_assert!(l >= 1 && l <= t);
        }
    }
}
