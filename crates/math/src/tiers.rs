//! Leverage tiers and the margin requirements they imply.
//!
//! A market has 1..=4 tiers `(notional_threshold, max_leverage)`. Tier `i` applies when a
//! position's notional is at least `threshold_i` (tier 0's threshold is 0). The tier
//! bounds the leverage setting and fixes the maintenance rate
//! `r_i = 1 / (2 × max_leverage_i)`.
//!
//! Maintenance margin is continuous in notional through a deduction term (the form
//! Hyperliquid and Binance publish):
//!
//! ```text
//! MM(N) = N × r_i − D_i            for threshold_i ≤ N < threshold_{i+1}
//! D_0   = 0
//! D_i   = D_{i−1} + threshold_i × (r_i − r_{i−1})
//! ```
//!
//! Both `N × r_i` and `D_i` are kept exactly in quote × ppm units and divided once, so
//! the margin is identical from both sides of every boundary.

use crate::checked::{self, Rounding};
use crate::constants::{DEFAULT_TRANSFER_FLOOR_PPM, MAX_LEVERAGE, MAX_TIERS, PPM, PPM_PRODUCT_BOUND, PPM_WORD};
use crate::error::MathResult;

/// One leverage tier. `repr(C)` (the threshold, then the leverage, padded to 16 bytes) is
/// the layout a market account stores its tiers in, so the program reads a stored table
/// as `&[Tier]` without copying it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(C)]
pub struct Tier {
    /// Lowest notional (quote native) at which this tier applies; 0 for the first tier.
    pub notional_threshold: u64,
    /// Highest leverage a position in this tier may use (integer, ≥ 1).
    pub max_leverage: u16,
}

/// Why a tier table is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TierTableError {
    /// No tiers, or more than [`MAX_TIERS`].
    Count,
    /// The first tier does not start at notional 0.
    FirstThresholdNotZero,
    /// Thresholds are not strictly increasing.
    ThresholdsNotIncreasing,
    /// A max leverage is 0, above [`MAX_LEVERAGE`], or larger than the tier before it.
    LeverageNotDecreasing,
}

/// Checks a tier table: starts at 0, thresholds strictly increase, max leverage is
/// within 1..=MAX_LEVERAGE and never grows with size. Then maintenance rates never fall
/// with size, so maintenance margin is monotone and below initial margin in every tier.
pub fn validate_tiers(tiers: &[Tier]) -> Result<(), TierTableError> {
    if tiers.is_empty() || tiers.len() > MAX_TIERS {
        return Err(TierTableError::Count);
    }
    if tiers[0].notional_threshold != 0 {
        return Err(TierTableError::FirstThresholdNotZero);
    }
    let mut prev: Option<&Tier> = None;
    for t in tiers {
        if t.max_leverage == 0 || t.max_leverage > MAX_LEVERAGE {
            return Err(TierTableError::LeverageNotDecreasing);
        }
        if let Some(p) = prev {
            if t.notional_threshold <= p.notional_threshold {
                return Err(TierTableError::ThresholdsNotIncreasing);
            }
            if t.max_leverage > p.max_leverage {
                return Err(TierTableError::LeverageNotDecreasing);
            }
        }
        prev = Some(t);
    }
    Ok(())
}

/// `r = 1 / (2 × max_leverage)` in ppm, rounded up (a requirement).
pub fn maintenance_rate_ppm(max_leverage: u16) -> MathResult<i128> {
    checked::div(PPM, checked::mul(2, i128::from(max_leverage), "maintenance rate")?, Rounding::Ceil, "maintenance rate")
}

/// Index of the tier that applies to `notional`.
#[inline(always)]
pub fn tier_index(tiers: &[Tier], notional: u64) -> usize {
    tiers.iter().rposition(|t| t.notional_threshold <= notional).unwrap_or(0)
}

/// Highest leverage allowed at `notional`.
#[inline(always)]
pub fn max_leverage_at(tiers: &[Tier], notional: u64) -> u16 {
    tiers.get(tier_index(tiers, notional)).map_or(1, |t| t.max_leverage)
}

/// Maintenance margin of one position of `notional`, rounded up.
pub fn maintenance_margin(tiers: &[Tier], notional: u64) -> MathResult<u64> {
    const OP: &str = "maintenance margin";
    let i = tier_index(tiers, notional);
    // Word path for every table `validate_tiers` accepts (rates never fall, so each
    // deduction step is non-negative); the general path below gives the same result.
    if let Some((rate, deduction)) = rate_and_deduction_words(tiers, i) {
        // Native word path: rates are at most 1e6 (a leverage of at least 1/2), so below
        // 2^64 / 1e6 of notional the product fits a word.
        if notional <= PPM_PRODUCT_BOUND && rate <= PPM_WORD {
            if let Ok(deduction) = u64::try_from(deduction) {
                // Cannot wrap: both factors are bounded above (one native multiplication).
                if let Some(scaled) = notional.wrapping_mul(rate).checked_sub(deduction) {
                    return Ok(scaled.div_ceil(PPM_WORD));
                }
            }
        }
        if let Some(scaled) = checked::mul_wide(notional, rate).checked_sub(deduction) {
            let (q, r) = checked::udivrem(scaled, u128::from(PPM_WORD)).ok_or(crate::MathError::div_by_zero(OP))?;
            let q = if r != 0 { q.checked_add(1).ok_or(crate::MathError::overflow(OP))? } else { q };
            return u64::try_from(q).map_err(|_| crate::MathError::overflow(OP));
        }
    }
    let (rate, deduction) = rate_and_deduction(tiers, i)?;
    let scaled = checked::sub(checked::mul(i128::from(notional), rate, OP)?, deduction, OP)?;
    checked::to_u64(checked::div(scaled, PPM, Rounding::Ceil, OP)?, OP)
}

/// [`rate_and_deduction`] on words; `None` when a rate falls from one tier to the next
/// (a table `validate_tiers` refuses) or a leverage is 0.
fn rate_and_deduction_words(tiers: &[Tier], i: usize) -> Option<(u64, u128)> {
    let (mut prev, mut deduction) = (0u64, 0u128);
    for t in tiers.iter().take(i.saturating_add(1)) {
        let rate = PPM_WORD.div_ceil(u64::from(t.max_leverage).checked_mul(2).filter(|&d| d > 0)?);
        deduction = deduction.checked_add(checked::mul_wide(t.notional_threshold, rate.checked_sub(prev)?))?;
        prev = rate;
    }
    Some((prev, deduction))
}

/// `(r_i, D_i)` for tier `i`, both in ppm units (`D_i` in quote native × ppm).
pub fn rate_and_deduction(tiers: &[Tier], i: usize) -> MathResult<(i128, i128)> {
    const OP: &str = "maintenance deduction";
    let mut prev_rate = 0i128;
    let mut deduction = 0i128;
    for t in tiers.iter().take(i.saturating_add(1)) {
        let rate = maintenance_rate_ppm(t.max_leverage)?;
        let step = checked::mul(i128::from(t.notional_threshold), checked::sub(rate, prev_rate, OP)?, OP)?;
        deduction = checked::add(deduction, step, OP)?;
        prev_rate = rate;
    }
    Ok((prev_rate, deduction))
}

/// Initial margin `notional / leverage`, rounded up. Leverage 0 is an invalid input.
#[inline(always)]
pub fn initial_margin(notional: u64, leverage: u16) -> MathResult<u64> {
    const OP: &str = "initial margin";
    if leverage == 0 {
        return Err(crate::MathError::invalid(OP));
    }
    checked::to_u64(checked::div(i128::from(notional), i128::from(leverage), Rounding::Ceil, OP)?, OP)
}

/// The part of a position's notional that may never leave its domain:
/// `notional × floor_ppm / 1e6`, rounded up.
#[inline(always)]
pub fn transfer_floor(notional: u64, floor_ppm: u32) -> MathResult<u64> {
    const OP: &str = "transfer floor";
    // Word path: a notional below 2^64 / 1e6 (about $18M at 6 decimals) times a floor of at
    // most 100% fits a word, so one native division; the general path gives the same.
    if notional <= PPM_PRODUCT_BOUND && u64::from(floor_ppm) <= PPM_WORD {
        // Cannot wrap: both factors are bounded above (one native multiplication).
        return Ok(notional.wrapping_mul(u64::from(floor_ppm)).div_ceil(PPM_WORD));
    }
    checked::to_u64(checked::mul_div(i128::from(notional), i128::from(floor_ppm), PPM, Rounding::Ceil, OP)?, OP)
}

/// Default floor, re-exported for callers that build market parameters.
pub const DEFAULT_FLOOR_PPM: u32 = DEFAULT_TRANSFER_FLOOR_PPM;

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn btc_like() -> [Tier; 3] {
        [
            Tier { notional_threshold: 0, max_leverage: 50 },
            Tier { notional_threshold: 150_000_000_000, max_leverage: 40 }, // $150k
            Tier { notional_threshold: 1_000_000_000_000, max_leverage: 10 }, // $1M
        ]
    }

    #[test]
    fn rates_are_half_the_initial_fraction() {
        assert_eq!(maintenance_rate_ppm(50), Ok(10_000)); // 1%
        assert_eq!(maintenance_rate_ppm(20), Ok(25_000)); // 2.5%
        assert_eq!(maintenance_rate_ppm(3), Ok(166_667)); // 16.666..% rounded up
        assert_eq!(maintenance_rate_ppm(1), Ok(500_000));
    }

    #[test]
    fn maintenance_is_continuous_at_every_boundary() {
        let t = btc_like();
        for tier in &t[1..] {
            let b = tier.notional_threshold;
            let below = maintenance_margin(&t, b - 1).unwrap();
            let at = maintenance_margin(&t, b).unwrap();
            let above = maintenance_margin(&t, b + 1).unwrap();
            assert!(below <= at && at <= above, "monotone at {b}");
            assert!(at - below <= 1 && above - at <= 1, "no jump at {b}: {below} {at} {above}");
        }
        // $150k in tier 0 at 1% = $1,500 exactly; the deduction makes tier 1 agree.
        assert_eq!(maintenance_margin(&t, 150_000_000_000), Ok(1_500_000_000));
        // $1M: 1,500 + 850k × 1.25% = 12,125.
        assert_eq!(maintenance_margin(&t, 1_000_000_000_000), Ok(12_125_000_000));
        // $2M: 12,125 + 1M × 5% = 62,125.
        assert_eq!(maintenance_margin(&t, 2_000_000_000_000), Ok(62_125_000_000));
    }

    #[test]
    fn seed_example_initial_margins() {
        // $10,000 at 10x needs $1,000; at 20x $500.
        assert_eq!(initial_margin(10_000_000_000, 10), Ok(1_000_000_000));
        assert_eq!(initial_margin(10_000_000_000, 20), Ok(500_000_000));
        assert_eq!(initial_margin(10, 3), Ok(4)); // rounds up
        assert!(initial_margin(10, 0).is_err());
    }

    #[test]
    fn tier_lookup_and_leverage_caps() {
        let t = btc_like();
        assert_eq!(max_leverage_at(&t, 0), 50);
        assert_eq!(max_leverage_at(&t, 149_999_999_999), 50);
        assert_eq!(max_leverage_at(&t, 150_000_000_000), 40);
        assert_eq!(max_leverage_at(&t, u64::MAX), 10);
    }

    #[test]
    fn tier_tables_are_validated() {
        assert_eq!(validate_tiers(&btc_like()), Ok(()));
        assert_eq!(validate_tiers(&[]), Err(TierTableError::Count));
        assert_eq!(validate_tiers(&[Tier { notional_threshold: 1, max_leverage: 5 }]), Err(TierTableError::FirstThresholdNotZero));
        let up = [Tier { notional_threshold: 0, max_leverage: 5 }, Tier { notional_threshold: 10, max_leverage: 6 }];
        assert_eq!(validate_tiers(&up), Err(TierTableError::LeverageNotDecreasing));
        let same = [Tier { notional_threshold: 0, max_leverage: 5 }, Tier { notional_threshold: 0, max_leverage: 4 }];
        assert_eq!(validate_tiers(&same), Err(TierTableError::ThresholdsNotIncreasing));
        assert_eq!(validate_tiers(&[Tier { notional_threshold: 0, max_leverage: 0 }]), Err(TierTableError::LeverageNotDecreasing));
        assert_eq!(
            validate_tiers(&[Tier { notional_threshold: 0, max_leverage: MAX_LEVERAGE + 1 }]),
            Err(TierTableError::LeverageNotDecreasing)
        );
    }

    #[test]
    fn transfer_floor_default_is_ten_percent_rounded_up() {
        assert_eq!(transfer_floor(10_000_000_000, DEFAULT_FLOOR_PPM), Ok(1_000_000_000));
        assert_eq!(transfer_floor(11, DEFAULT_FLOOR_PPM), Ok(2));
    }
}

/// Maintenance margin as a function of notional: one tier table, or a linear ramp from
/// an old table to a new one after `update_market` changed the tiers (so that no open
/// position becomes liquidatable at once because a parameter changed).
///
/// During a ramp that is `f` ppm of the way (0 at its start, 1e6 at its end):
///
/// ```text
/// MM(N) = ceil( ((N·r_old − D_old)·(1e6 − f) + (N·r_new − D_new)·f) / 1e12 )
/// ```
///
/// with each table's rate and deduction as in [`maintenance_margin`], exact before the one
/// division. Both tables are continuous and non-decreasing in `N`, so the blend is too.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Maintenance<'a> {
    /// The table in force (the one new risk uses).
    pub tiers: &'a [Tier],
    /// The table being ramped away from and how far the ramp has gone (ppm, below 1e6).
    pub ramp_from: Option<(&'a [Tier], u32)>,
}

impl<'a> Maintenance<'a> {
    /// No ramp: `tiers` alone.
    pub const fn of(tiers: &'a [Tier]) -> Self {
        Self { tiers, ramp_from: None }
    }

    /// Maintenance margin of one position of `notional`, rounded up.
    pub fn margin(&self, notional: u64) -> MathResult<u64> {
        const OP: &str = "maintenance margin";
        let Some((from, f)) = self.ramp_from else { return maintenance_margin(self.tiers, notional) };
        let (rate, deduction) = self.piece(notional, tier_index(from, notional), tier_index(self.tiers, notional), from, f)?;
        let scaled = checked::sub(checked::mul(i128::from(notional), rate, OP)?, deduction, OP)?;
        checked::to_u64(checked::div(scaled, checked::mul(PPM, PPM, OP)?, Rounding::Ceil, OP)?, OP)
    }

    /// The blended `(rate, deduction)` of old tier `i` and new tier `j`, both scaled by
    /// 1e6 once more than [`rate_and_deduction`] (ppm², quote native × ppm²).
    fn piece(&self, _notional: u64, i: usize, j: usize, from: &[Tier], f: u32) -> MathResult<(i128, i128)> {
        const OP: &str = "maintenance ramp";
        let (r_old, d_old) = rate_and_deduction(from, i)?;
        let (r_new, d_new) = rate_and_deduction(self.tiers, j)?;
        let f = i128::from(f.min(1_000_000));
        let g = checked::sub(PPM, f, OP)?;
        let rate = checked::add(checked::mul(r_old, g, OP)?, checked::mul(r_new, f, OP)?, OP)?;
        let deduction = checked::add(checked::mul(d_old, g, OP)?, checked::mul(d_new, f, OP)?, OP)?;
        Ok((rate, deduction))
    }

    /// Every linear piece of the curve, for the liquidation price (which solves each
    /// piece). Without a ramp the pieces are the tiers, exact. During a ramp the blended
    /// rate is rounded up and the deduction down to ppm units, so a piece never understates
    /// the margin (a liquidation price from it warns early, by at most 1 ppm of notional).
    pub fn pieces(&self) -> MathResult<([MaintenancePiece; 2 * MAX_TIERS], usize)> {
        const OP: &str = "maintenance pieces";
        let mut out = [MaintenancePiece::default(); 2 * MAX_TIERS];
        let mut n = 0usize;
        // Breakpoints: the thresholds of both tables, merged.
        let mut points = [0u64; 2 * MAX_TIERS];
        let mut count = 0usize;
        let from = self.ramp_from.map_or(&[][..], |(t, _)| t);
        for t in self.tiers.iter().chain(from.iter()) {
            if !points[..count].contains(&t.notional_threshold) {
                points[count] = t.notional_threshold;
                count = count.checked_add(1).ok_or(crate::MathError::overflow(OP))?;
            }
        }
        points[..count].sort_unstable();
        for k in 0..count {
            let lo = points[k];
            let next = k.saturating_add(1);
            let hi = if next < count { Some(points[next]) } else { None };
            let (rate, deduction) = match self.ramp_from {
                Some((from, f)) => {
                    let (r, d) = self.piece(lo, tier_index(from, lo), tier_index(self.tiers, lo), from, f)?;
                    (checked::div(r, PPM, Rounding::Ceil, OP)?, checked::div(d, PPM, Rounding::Floor, OP)?)
                }
                None => rate_and_deduction(self.tiers, tier_index(self.tiers, lo))?,
            };
            out[n] = MaintenancePiece { rate, deduction, from: lo, to: hi };
            n = next;
        }
        Ok((out, n))
    }
}

impl Maintenance<'_> {
    /// Visits the curve's linear pieces, lowest notional first, until `f` returns a value.
    /// Without a ramp the pieces are the tiers (what [`Self::pieces`] gives), each rate and
    /// deduction carried on from the tier before, so no table is built and pieces past the
    /// one `f` stops at are never computed; during a ramp, or on a table whose thresholds
    /// do not increase, the pieces of [`Self::pieces`] (merged and sorted).
    pub fn find_piece<T>(&self, mut f: impl FnMut(&MaintenancePiece) -> MathResult<Option<T>>) -> MathResult<Option<T>> {
        const OP: &str = "maintenance pieces";
        let increasing = self.tiers.windows(2).all(|w| w[0].notional_threshold < w[1].notional_threshold);
        if self.ramp_from.is_some() || !increasing {
            let (pieces, count) = self.pieces()?;
            for piece in &pieces[..count] {
                if let Some(found) = f(piece)? {
                    return Ok(Some(found));
                }
            }
            return Ok(None);
        }
        let (mut prev_rate, mut deduction) = (0i128, 0i128);
        for (k, t) in self.tiers.iter().enumerate() {
            let rate = maintenance_rate_ppm(t.max_leverage)?;
            let step = checked::mul(i128::from(t.notional_threshold), checked::sub(rate, prev_rate, OP)?, OP)?;
            deduction = checked::add(deduction, step, OP)?;
            prev_rate = rate;
            let to = self.tiers.get(k.saturating_add(1)).map(|next| next.notional_threshold);
            if let Some(found) = f(&MaintenancePiece { rate, deduction, from: t.notional_threshold, to })? {
                return Ok(Some(found));
            }
        }
        Ok(None)
    }
}

/// One linear piece of a maintenance curve: `MM(N) = (N × rate − deduction) / 1e6` for
/// `from ≤ N < to`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct MaintenancePiece {
    /// ppm.
    pub rate: i128,
    /// Quote native × ppm.
    pub deduction: i128,
    /// Lowest notional of the piece, quote native.
    pub from: u64,
    /// First notional past the piece (`None`: unbounded).
    pub to: Option<u64>,
}

/// How far a ramp from `start` to `end` has gone at `now`, ppm; `None` once it has ended
/// (or when there is none).
pub fn ramp_progress_ppm(start: i64, end: i64, now: i64) -> Option<u32> {
    if now >= end || end <= start {
        return None;
    }
    let elapsed = i128::from(now.saturating_sub(start).max(0));
    let length = i128::from(end.saturating_sub(start));
    let f = checked::mul_div(elapsed, PPM, length, Rounding::Floor, "ramp progress").ok()?;
    u32::try_from(f).ok()
}

#[cfg(test)]
mod ramp_tests {
    use super::*;

    const Q: u64 = 1_000_000;

    #[test]
    fn a_ramp_moves_maintenance_linearly_from_the_old_table_to_the_new() {
        let old = [Tier { notional_threshold: 0, max_leverage: 20 }]; // 2.5%
        let new = [Tier { notional_threshold: 0, max_leverage: 10 }]; // 5%
        let n = 49_200 * Q;
        let at = |f: Option<u32>| Maintenance { tiers: &new, ramp_from: f.map(|f| (&old[..], f)) }.margin(n).unwrap();
        assert_eq!(at(Some(0)), 1_230 * Q);
        assert_eq!(at(Some(500_000)), 1_845 * Q); // half way: 3.75%
        assert_eq!(at(Some(999_999)), 2_459_998_770); // (1,230 × 1 + 2,460 × 999,999) / 1e6
        assert_eq!(at(None), 2_460 * Q);
        assert_eq!(ramp_progress_ppm(100, 200, 150), Some(500_000));
        assert_eq!(ramp_progress_ppm(100, 200, 99), Some(0));
        assert_eq!(ramp_progress_ppm(100, 200, 200), None);
        assert_eq!(ramp_progress_ppm(0, 0, 5), None);
    }

    #[test]
    fn the_pieces_cover_both_tables_breakpoints() {
        let old = [Tier { notional_threshold: 0, max_leverage: 20 }, Tier { notional_threshold: 100 * Q, max_leverage: 10 }];
        let new = [Tier { notional_threshold: 0, max_leverage: 20 }, Tier { notional_threshold: 50 * Q, max_leverage: 5 }];
        let m = Maintenance { tiers: &new, ramp_from: Some((&old, 250_000)) };
        let (pieces, n) = m.pieces().unwrap();
        assert_eq!(n, 3);
        assert_eq!((pieces[0].from, pieces[0].to), (0, Some(50 * Q)));
        assert_eq!((pieces[1].from, pieces[1].to), (50 * Q, Some(100 * Q)));
        assert_eq!((pieces[2].from, pieces[2].to), (100 * Q, None));
        // Each piece is the margin inside it, never understated, within 1 ppm of notional.
        for p in &pieces[..n] {
            for notional in [p.from, p.from + 7 * Q] {
                let piece = (i128::from(notional) * p.rate - p.deduction + 999_999) / 1_000_000;
                let exact = i128::from(m.margin(notional).unwrap());
                assert!(piece >= exact && piece - exact <= i128::from(notional) / 1_000_000 + 1, "{piece} vs {exact}");
            }
        }
        // Without a ramp the pieces are the tiers, exactly.
        let (plain, n) = Maintenance::of(&new).pieces().unwrap();
        assert_eq!(n, 2);
        assert_eq!((plain[1].rate, plain[1].deduction), rate_and_deduction(&new, 1).unwrap());
    }
}
