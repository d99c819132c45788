//! Health of a margin domain (the cross part of an account, or one isolated position).
//!
//! Two valuations of the same positions:
//!
//! * **maintenance view** — plain oracle price, PnL unweighted. Decides liquidation.
//! * **initial view** — conservative oracle side (price ∓ confidence against the trader),
//!   positive PnL scaled by the market's weight. Decides whether new risk or a transfer
//!   out is allowed.
//!
//! ```text
//! equity        = collateral + Σ pnl − Σ pending_funding
//! transferable  = max(0, initial_equity − max(Σ initial_margin, Σ transfer_floor))
//! ```

use crate::checked::{self, Rounding};
use crate::constants::{EFFECTIVE_LEVERAGE_SCALE, NOTIONAL_DIVISOR, NOTIONAL_DIVISOR_WORD, PPM};
use crate::error::{MathError, MathResult};
use crate::oracle::conservative_price;
use crate::position::{notional, notional_and_value, weighted_pnl};
use crate::tiers::{self, Maintenance, Tier};
use crate::units::{BaseLots, Price};
use crate::volatility::scaled_max_leverage;

/// Everything needed to value one position.
#[derive(Debug, Clone, Copy)]
pub struct PositionRisk<'a> {
    /// Base lots (1e9 = one unit), negative for a short.
    pub base: i64,
    /// Quote native, signed like `base`.
    pub cost_basis: i64,
    /// Funding the position owes and has not settled, quote native (negative: is owed).
    pub pending_funding: i64,
    /// Profit realised on a market whose PnL weight is below 100% and not yet settled
    /// into collateral, quote native (≥ 0; see [`crate::settlement`]).
    pub unsettled_pnl: i64,
    /// Leverage setting, 1..=tier max. Initial margin uses the lower of this and the tier
    /// maximum at the position's current notional.
    pub leverage: u16,
    /// Oracle price (price scale).
    pub price: u64,
    /// Oracle confidence (price scale).
    pub conf: u64,
    /// The market's leverage tiers (the table in force: leverage caps, initial margin).
    pub tiers: &'a [Tier],
    /// A maintenance ramp in progress: the table maintenance moves away from, and how far
    /// it has gone (ppm). See [`Maintenance`].
    pub ramp_from: Option<(&'a [Tier], u32)>,
    /// Weight of positive PnL in the initial view, ppm.
    pub pnl_weight_ppm: u32,
    /// Part of notional that never leaves the domain, ppm.
    pub transfer_floor_ppm: u32,
    /// The market's volatility scale of the tier maximum for new risk, ppm (1e6: none;
    /// [`crate::volatility::leverage_scale_ppm`]). Initial margin only: maintenance never
    /// depends on it.
    pub leverage_scale_ppm: u32,
}

/// One position's contribution to its domain.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PositionHealth {
    /// Notional at the oracle price, rounded up (quote native).
    pub notional: u64,
    /// Unrealized PnL at the oracle price.
    pub pnl: i128,
    /// Maintenance margin at the oracle-price notional (rounded up).
    pub maintenance: u64,
    /// Weighted PnL at the conservative price.
    pub initial_pnl: i128,
    /// Notional at the conservative price, rounded up (what initial margin is taken on).
    pub notional_conservative: u64,
    /// Initial margin: conservative notional / effective leverage (rounded up).
    pub initial: u64,
    /// Transfer floor on the conservative notional (rounded up).
    pub transfer_floor: u64,
    /// Funding owed (+) or owed to (−) the position.
    pub pending_funding: i64,
    /// Unsettled realised profit, counted in full in the maintenance view.
    pub unsettled: i64,
    /// Unsettled realised profit at the market's weight (rounded down), for the initial view.
    pub unsettled_weighted: i128,
    /// Profit a transfer may realise from this position at once: its positive initial-view
    /// PnL when the market's weight is 100%, else 0 (down-weighted profit settles through
    /// [`crate::settlement`] instead).
    pub realisable: i128,
    /// Highest leverage new risk may take: the tier's maximum at the larger of the two
    /// notionals, scaled by the market's volatility (at least 1).
    pub tier_max_leverage: u16,
    /// The leverage initial margin was taken at: `min(setting, tier_max_leverage)`.
    pub effective_leverage_setting: u16,
    /// Valued adversely because its price was not valid ([`PositionRisk::adverse_health`]).
    pub adverse: bool,
}

impl PositionRisk<'_> {
    /// Both views at the oracle price: maintenance at the plain price, initial at the
    /// conservative side (price ∓ confidence against the trader) with positive PnL weighted.
    #[inline(always)]
    pub fn health(&self) -> MathResult<PositionHealth> {
        const OP: &str = "unrealized pnl";
        let (base, price) = (BaseLots(self.base), Price(self.price));
        let cost_basis = i128::from(self.cost_basis);
        // One product per price gives both the notional (up) and the value (down).
        let (notional_plain, value) = notional_and_value(base, price)?;
        let pnl = checked::sub(value, cost_basis, OP)?;
        let maintenance = self.maintenance().margin(notional_plain)?;
        let cons_price = conservative_price(price, Price(self.conf), base.is_long())?;
        let (notional_cons, value_cons) = notional_and_value(base, cons_price)?;
        let initial_pnl = weighted_pnl(checked::sub(value_cons, cost_basis, OP)?, self.pnl_weight_ppm)?;
        self.finish(notional_plain, pnl, maintenance, notional_cons, initial_pnl, false)
    }

    /// The valuation for a position whose oracle reading is not valid (stale, too
    /// uncertain, or non-positive with a last valid price): every number against the trader.
    /// `self.price` is the reference price (the last published, or the last valid one);
    /// it is widened by the confidence and by `haircut_ppm` of itself toward the trader's
    /// loss, losses count in full at the widened price and profit counts as zero, and
    /// maintenance margin is taken at the larger notional. Nothing a trader does with a
    /// bad oracle can make the position look better than at a valid price.
    pub fn adverse_health(&self, haircut_ppm: u32) -> MathResult<PositionHealth> {
        const OP: &str = "adverse valuation";
        let (base, price) = (BaseLots(self.base), Price(self.price));
        let cost_basis = i128::from(self.cost_basis);
        let haircut = checked::mul_div(i128::from(self.price), i128::from(haircut_ppm), PPM, Rounding::Ceil, OP)?;
        let widen = Price(checked::to_u64(checked::add(haircut, i128::from(self.conf), OP)?, OP)?);
        let adverse_price = conservative_price(price, widen, base.is_long())?;
        let (notional_plain, _) = notional_and_value(base, price)?;
        let (notional_adverse, value_adverse) = notional_and_value(base, adverse_price)?;
        let pnl = checked::sub(value_adverse, cost_basis, OP)?.min(0);
        let notional_max = notional_plain.max(notional_adverse);
        let maintenance = self.maintenance().margin(notional_max)?;
        self.finish(notional_max, pnl, maintenance, notional_max, pnl, true)
    }

    /// The maintenance curve: the tiers, or the ramp toward them.
    pub fn maintenance(&self) -> Maintenance<'_> {
        Maintenance { tiers: self.tiers, ramp_from: self.ramp_from }
    }

    #[inline(always)]
    fn finish(
        &self,
        notional: u64,
        pnl: i128,
        maintenance: u64,
        notional_cons: u64,
        initial_pnl: i128,
        adverse: bool,
    ) -> MathResult<PositionHealth> {
        let tier_max_leverage =
            scaled_max_leverage(tiers::max_leverage_at(self.tiers, notional.max(notional_cons)), self.leverage_scale_ppm);
        let effective = self.leverage.min(tier_max_leverage);
        let full_weight = i128::from(self.pnl_weight_ppm) >= PPM;
        Ok(PositionHealth {
            notional,
            pnl,
            maintenance,
            initial_pnl,
            notional_conservative: notional_cons,
            initial: tiers::initial_margin(notional_cons, effective)?,
            transfer_floor: tiers::transfer_floor(notional_cons, self.transfer_floor_ppm)?,
            pending_funding: self.pending_funding,
            unsettled: self.unsettled_pnl,
            unsettled_weighted: weighted_pnl(i128::from(self.unsettled_pnl), self.pnl_weight_ppm)?,
            realisable: if full_weight && !adverse { initial_pnl.max(0) } else { 0 },
            tier_max_leverage,
            effective_leverage_setting: effective,
            adverse,
        })
    }
}

impl PositionHealth {
    /// The same position at another leverage setting: only the initial margin depends on
    /// it, so this equals valuing the position again with `leverage`.
    pub fn with_leverage(&self, leverage: u16) -> MathResult<Self> {
        let effective = leverage.min(self.tier_max_leverage);
        Ok(Self { initial: tiers::initial_margin(self.notional_conservative, effective)?, effective_leverage_setting: effective, ..*self })
    }
}

/// A domain's totals. Built from its collateral and then each position's health.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DomainHealth {
    /// Collateral held by the domain, quote native (may be negative after realised losses).
    pub collateral: i128,
    /// Σ notional at the oracle price.
    pub notional: i128,
    /// collateral + Σ pnl + Σ unsettled − Σ funding (maintenance view).
    pub maintenance_equity: i128,
    /// Σ maintenance margin.
    pub maintenance: i128,
    /// collateral + Σ weighted conservative pnl + Σ weighted unsettled − Σ funding (initial view).
    pub initial_equity: i128,
    /// Σ initial margin.
    pub initial: i128,
    /// Σ transfer floor.
    pub transfer_floor: i128,
    /// Σ profit a transfer may realise at once (full-weight markets, conservative price).
    pub realisable_pnl: i128,
    /// Positions valued adversely (invalid price): transfers out are refused while any is.
    pub adverse_positions: u32,
}

impl DomainHealth {
    pub fn new(collateral: i64) -> Self {
        let c = i128::from(collateral);
        Self { collateral: c, maintenance_equity: c, initial_equity: c, ..Self::default() }
    }

    pub fn add(&mut self, p: &PositionHealth) -> MathResult<()> {
        // One overflow test at the end: each sum is checked, and the first that overflows
        // leaves the domain unchanged (a typed error, no partial update).
        let funding = i128::from(p.pending_funding);
        let unsettled = i128::from(p.unsettled);
        let next = (|| {
            Some(Self {
                collateral: self.collateral,
                notional: self.notional.checked_add(i128::from(p.notional))?,
                maintenance_equity: self.maintenance_equity.checked_add(p.pnl)?.checked_add(unsettled)?.checked_sub(funding)?,
                maintenance: self.maintenance.checked_add(i128::from(p.maintenance))?,
                initial_equity: self.initial_equity.checked_add(p.initial_pnl)?.checked_add(p.unsettled_weighted)?.checked_sub(funding)?,
                initial: self.initial.checked_add(i128::from(p.initial))?,
                transfer_floor: self.transfer_floor.checked_add(i128::from(p.transfer_floor))?,
                realisable_pnl: self.realisable_pnl.checked_add(p.realisable)?,
                adverse_positions: self.adverse_positions.saturating_add(u32::from(p.adverse)),
            })
        })();
        *self = next.ok_or(MathError::overflow("domain health"))?;
        Ok(())
    }

    /// The same domain with `delta` more collateral (positions unchanged): both equities
    /// move by exactly `delta`, requirements do not.
    pub fn with_collateral_change(&self, delta: i128) -> MathResult<Self> {
        const OP: &str = "domain health";
        Ok(Self {
            collateral: checked::add(self.collateral, delta, OP)?,
            maintenance_equity: checked::add(self.maintenance_equity, delta, OP)?,
            initial_equity: checked::add(self.initial_equity, delta, OP)?,
            ..*self
        })
    }

    /// Equity strictly below maintenance margin: a keeper may liquidate.
    pub fn is_liquidatable(&self) -> bool {
        self.maintenance_equity < self.maintenance
    }

    pub fn meets_maintenance(&self) -> bool {
        !self.is_liquidatable()
    }

    pub fn meets_initial(&self) -> bool {
        self.initial_equity >= self.initial
    }

    /// `maintenance × (1 + buffer)`, rounded up: the level a liquidation restores and a
    /// transfer out never goes below.
    pub fn buffered_maintenance(&self, buffer_ppm: u32) -> MathResult<i128> {
        const OP: &str = "buffered maintenance";
        checked::mul_div(self.maintenance, checked::add(PPM, i128::from(buffer_ppm), OP)?, PPM, Rounding::Ceil, OP)
    }

    /// Maintenance equity at or above [`Self::buffered_maintenance`]: a liquidation's target.
    pub fn restored(&self, buffer_ppm: u32) -> bool {
        // An overflowing requirement is never met (only absurd values get there).
        self.buffered_maintenance(buffer_ppm).is_ok_and(|t| self.maintenance_equity >= t)
    }

    /// What a transfer out must leave in the initial view:
    /// `max(initial, transfer floor, maintenance × (1 + buffer))`.
    pub fn transfer_lock(&self, buffer_ppm: u32) -> MathResult<i128> {
        Ok(self.initial.max(self.transfer_floor).max(self.buffered_maintenance(buffer_ppm)?))
    }

    /// The initial view still holds [`Self::transfer_lock`] (checked after every transfer out).
    pub fn meets_transfer_lock(&self, buffer_ppm: u32) -> bool {
        self.transfer_lock(buffer_ppm).is_ok_and(|l| self.initial_equity >= l)
    }

    /// What may leave the domain now (Hyperliquid's rule, bounded by what can be paid):
    ///
    /// ```text
    /// min( initial_equity − max(initial, floor, maintenance × (1 + buffer)),
    ///      max(collateral, 0) + realisable profit of full-weight positions )
    /// ```
    ///
    /// floored at 0, capped at `u64::MAX`; 0 while any position is valued adversely.
    /// Down-weighted profit counts toward the first term (at its weight) but never leaves
    /// before it settles.
    pub fn transferable(&self, buffer_ppm: u32) -> u64 {
        if self.adverse_positions > 0 {
            return 0;
        }
        let Ok(locked) = self.transfer_lock(buffer_ppm) else { return 0 };
        let free = self.initial_equity.saturating_sub(locked);
        let payable = self.collateral.max(0).saturating_add(self.realisable_pnl.max(0));
        u64::try_from(free.min(payable).max(0)).unwrap_or(u64::MAX)
    }

    /// What a strict-isolated position releases to cross when it is reduced (not closed):
    /// whatever exceeds the remaining position's requirement at its leverage, i.e. the
    /// [`Self::transferable`] amount, paid from collateral only (no profit is realised to
    /// fund it):
    ///
    /// ```text
    /// min( transferable(buffer), max(collateral, 0) )
    /// ```
    ///
    /// Strict-isolated margin never leaves by hand; this is how it follows the position down.
    pub fn release_on_reduction(&self, buffer_ppm: u32) -> u64 {
        let collateral = u64::try_from(self.collateral.max(0)).unwrap_or(u64::MAX);
        self.transferable(buffer_ppm).min(collateral)
    }

    /// `notional / equity` scaled by 1e6, rounded up; `None` when equity ≤ 0.
    pub fn effective_leverage(&self) -> MathResult<Option<u64>> {
        const OP: &str = "effective leverage";
        if self.maintenance_equity <= 0 {
            return Ok(None);
        }
        let l = checked::mul_div(self.notional, EFFECTIVE_LEVERAGE_SCALE, self.maintenance_equity, Rounding::Ceil, OP)?;
        Ok(Some(u64::try_from(l).unwrap_or(u64::MAX)))
    }

    /// `equity / maintenance` in ppm (1e6 = exactly at maintenance), rounded down;
    /// `None` when the domain has no maintenance requirement.
    pub fn maintenance_ratio_ppm(&self) -> MathResult<Option<i64>> {
        const OP: &str = "maintenance ratio";
        if self.maintenance <= 0 {
            return Ok(None);
        }
        let r = checked::mul_div(self.maintenance_equity, PPM, self.maintenance, Rounding::Floor, OP)?;
        Ok(Some(i64::try_from(r).unwrap_or(if r < 0 { i64::MIN } else { i64::MAX })))
    }
}

/// The oracle price at which the domain's maintenance equity equals its maintenance
/// margin, moving only this position's price.
///
/// For tier tables `validate_tiers` accepts (the only ones a market holds: its invariant
/// checks both tables). On a table it refuses, the answer is unspecified: the word path
/// and the checked path may then differ, and an error may be reported as none.
///
/// `rest_equity` is the domain's maintenance equity without this position's PnL, minus
/// the other positions' maintenance margin. Within a linear piece `i` of the maintenance
/// curve (a tier, or a piece of a ramp: [`Maintenance::pieces`]) the condition is linear:
///
/// ```text
/// rest + base·p/1e12 − cost_basis = |base|·p·r_i/1e18 − D_i/1e6
/// p · (base·1e6 − |base|·r_i) = (cost_basis − rest)·1e18 − D_i·1e12
/// ```
///
/// Each piece's root is kept if its notional lies inside that piece. A long's price is
/// rounded up and a short's down (the warning comes early, never late). `None` when no
/// positive price liquidates the position (a long whose collateral covers a fall to 0).
///
/// The pieces are visited from the lowest notional up and the first kept root is the
/// answer. A piece whose root provably lies past its upper bound is passed over without
/// the division ([`root_past_piece`]): its rounded price could not have been kept.
#[inline(always)]
pub fn liquidation_price(base: BaseLots, cost_basis: i64, maintenance: &Maintenance, rest_equity: i128) -> MathResult<Option<Price>> {
    const OP: &str = "liquidation price";
    if base.is_flat() {
        return Ok(None);
    }
    if maintenance.ramp_from.is_none() {
        if let Some(found) = liquidation_price_on_words(base, cost_basis, maintenance.tiers, rest_equity) {
            return Ok(found);
        }
    }
    let long = base.is_long();
    let abs_b = i128::from(base.unsigned_abs());
    let signed_b = checked::mul(i128::from(base.get()), PPM, OP)?;
    // (cost_basis − rest)·1e6; the numerator's (cost_basis − rest)·1e18 must fit too.
    let shortfall = checked::mul(checked::sub(i128::from(cost_basis), rest_equity, OP)?, PPM, OP)?;
    checked::mul(shortfall, NOTIONAL_DIVISOR, OP)?;
    let rounding = if long { Rounding::Ceil } else { Rounding::Floor };
    let found = maintenance.find_piece(|piece| {
        let denominator = checked::sub(signed_b, checked::mul(abs_b, piece.rate, OP)?, OP)?;
        // numerator / 1e12 = (cost_basis − rest)·1e6 − D
        let x = checked::sub(shortfall, piece.deduction, OP)?;
        if piece.to.is_some_and(|to| root_past_piece(long, x, denominator, piece.rate, to)) {
            return Ok(None);
        }
        let p = checked::div(checked::mul(x, NOTIONAL_DIVISOR, OP)?, denominator, rounding, OP)?;
        if p <= 0 {
            // For a long, f(p) = equity − maintenance rises with p: no positive root.
            // For a short a non-positive root means it is liquidatable at any price.
            return Ok(Some(if long { None } else { Some(Price(0)) }));
        }
        let Ok(price) = u64::try_from(p).map(Price) else { return Ok(None) };
        let Ok(n) = notional(base, price, Rounding::Floor) else { return Ok(None) };
        Ok((n >= piece.from && piece.to.is_none_or(|h| n < h)).then_some(Some(price)))
    })?;
    Ok(found.flatten())
}

/// [`liquidation_price`] on machine words, for the common case: no ramp, a tier table with
/// increasing thresholds, leverages of at least 1 and rates that never fall (every table
/// `validate_tiers` accepts, the only tables a market holds; the checks stop at the
/// answer's tier, so a table that breaks them further on is not noticed), and
/// `|cost_basis − rest| < 2^64`. The same steps as the
/// general path, each bounded so that no operation can overflow: rates are below 2^20,
/// deductions below 2^86 and `(cost_basis − rest)·1e6` below 2^84; a numerator whose
/// `x` does not fit a word, or a case outside these bounds, returns `None` and the
/// general path answers. Property-tested equal to solving every piece.
#[allow(clippy::arithmetic_side_effects)]
#[inline(always)]
fn liquidation_price_on_words(base: BaseLots, cost_basis: i64, tiers: &[Tier], rest: i128) -> Option<Option<Price>> {
    const PPM_U: u64 = 1_000_000;
    let long = base.is_long();
    let abs_b = base.unsigned_abs();
    // (cost_basis − rest)·1e6 as a sign and a magnitude below 2^84.
    let shortfall = i128::from(cost_basis).checked_sub(rest)?;
    let shortfall_ppm = checked::mul_wide(u64::try_from(shortfall.unsigned_abs()).ok()?, PPM_U);
    let shortfall_ppm = if shortfall < 0 { -i128::try_from(shortfall_ppm).ok()? } else { i128::try_from(shortfall_ppm).ok()? };
    let (mut prev_rate, mut deduction) = (0u64, 0u128);
    for (k, t) in tiers.iter().enumerate() {
        let to = tiers.get(k + 1).map(|next| next.notional_threshold);
        // Thresholds are checked as far as the answer reaches (no pass over the table).
        if to.is_some_and(|to| to <= t.notional_threshold) || t.max_leverage == 0 {
            return None;
        }
        let rate = PPM_U.div_ceil(2 * u64::from(t.max_leverage));
        deduction += checked::mul_wide(t.notional_threshold, rate.checked_sub(prev_rate)?);
        prev_rate = rate;
        // x = (cost_basis − rest)·1e6 − D; |den| = |base|·(1e6 ∓ r).
        let x = shortfall_ppm - i128::try_from(deduction).ok()?;
        let slope = if long { PPM_U - rate } else { PPM_U + rate };
        let den = checked::mul_wide(abs_b, slope);
        if let Some(to) = to {
            // See `root_past_piece`: G = to·(±1e6 − r) − x.
            let along = checked::mul_wide(to, slope);
            let past = if long {
                // G ≤ 0: to·(1e6 − r) ≤ x.
                x > 0 && along <= x.unsigned_abs()
            } else {
                // 1e12·G ≥ |den| with G = −x − to·(1e6 + r).
                x < 0
                    && x.unsigned_abs() > along
                    && match u64::try_from(x.unsigned_abs() - along) {
                        Ok(g) => checked::mul_wide(g, NOTIONAL_DIVISOR_WORD) >= den,
                        Err(_) => true,
                    }
            };
            if past {
                continue;
            }
        }
        // The root 1e12·x / den, rounded up for a long and down for a short (den < 0).
        let positive = if long { x > 0 } else { x < 0 };
        if !positive {
            return Some(if long { None } else { Some(Price(0)) });
        }
        let (q, r) = checked::udivrem(checked::mul_wide(u64::try_from(x.unsigned_abs()).ok()?, NOTIONAL_DIVISOR_WORD), den)?;
        let p = if long && r != 0 { q + 1 } else { q };
        if p == 0 {
            return Some(if long { None } else { Some(Price(0)) });
        }
        let Ok(price) = u64::try_from(p) else { continue };
        let Ok(n) = u64::try_from(checked::div_by_notional_divisor(checked::mul_wide(abs_b, price)).0) else { continue };
        if n >= t.notional_threshold && to.is_none_or(|h| n < h) {
            return Some(Some(Price(price)));
        }
    }
    Some(None)
}

/// Whether a piece's root, once rounded, lies at or past the piece's upper bound `to`, so
/// that [`liquidation_price`] would not keep it — decided without dividing.
///
/// The piece's root is where `φ(p) = p·den − 1e12·x` is 0, with `den = base·1e6 −
/// |base|·r` and `x = (cost_basis − rest)·1e6 − D`. At the price `P` where the notional is
/// exactly `to` (`P·|base| = to·1e12`), `φ(P) = 1e12·G` with
///
/// ```text
/// G = to·(±1e6 − r) − x        (+ for a long)
/// ```
///
/// A long (`den > 0`, φ rising) has its root at or above `P` when `G ≤ 0`; its price is
/// rounded up, so its notional is at least `to`. A short (`den < 0`, φ falling) is rounded
/// down, so it needs its root at or above `P + 1`: `φ(P + 1) = 1e12·G + den ≥ 0`; then
/// `floor(root) > P` and its notional is again at least `to`. Any overflow answers `false`
/// (the piece is then solved as usual).
fn root_past_piece(long: bool, x: i128, den: i128, rate: i128, to: u64) -> bool {
    const OP: &str = "liquidation price";
    const MINUS_PPM: i128 = -1_000_000;
    let slope = if long { PPM } else { MINUS_PPM };
    let g = checked::sub(slope, rate, OP).and_then(|s| checked::mul(i128::from(to), s, OP)).and_then(|a| checked::sub(a, x, OP));
    match (long, g) {
        (true, Ok(g)) => den > 0 && g <= 0,
        (false, Ok(g)) => den < 0 && checked::mul(g, NOTIONAL_DIVISOR, OP).and_then(|v| checked::add(v, den, OP)).is_ok_and(|v| v >= 0),
        (_, Err(_)) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::constants::{BASE_PRECISION, DEFAULT_TRANSFER_FLOOR_PPM};
    use crate::position::cost_basis_at;

    const ONE: i64 = BASE_PRECISION as i64;
    const USD: u64 = 1_000_000_000; // $1 in the price scale
    const Q: i64 = 1_000_000; // $1 in quote native

    fn flat_tiers() -> [Tier; 1] {
        [Tier { notional_threshold: 0, max_leverage: 50 }]
    }

    /// 1 unit at $10,000 = $10,000 notional.
    fn ten_k_position<'a>(tiers: &'a [Tier], leverage: u16, floor_ppm: u32) -> PositionRisk<'a> {
        PositionRisk {
            base: ONE,
            cost_basis: cost_basis_at(BaseLots(ONE), Price(10_000 * USD)).unwrap(),
            pending_funding: 0,
            unsettled_pnl: 0,
            leverage,
            price: 10_000 * USD,
            conf: 0,
            tiers,
            ramp_from: None,
            pnl_weight_ppm: 1_000_000,
            transfer_floor_ppm: floor_ppm,
            leverage_scale_ppm: 1_000_000,
        }
    }

    fn domain(collateral: i64, ps: &[PositionRisk]) -> DomainHealth {
        let mut d = DomainHealth::new(collateral);
        for p in ps {
            d.add(&p.health().unwrap()).unwrap();
        }
        d
    }

    #[test]
    fn an_overflowing_sum_leaves_the_domain_unchanged() {
        let p = PositionHealth {
            notional: 5,
            pnl: 5,
            maintenance: 5,
            initial_pnl: 5,
            initial: 5,
            transfer_floor: 5,
            realisable: 5,
            adverse: true,
            ..PositionHealth::default()
        };
        const NEAR: i128 = i128::MAX - 1;
        let fields: [fn(&mut DomainHealth); 7] = [
            |d| d.notional = NEAR,
            |d| d.maintenance_equity = NEAR,
            |d| d.maintenance = NEAR,
            |d| d.initial_equity = NEAR,
            |d| d.initial = NEAR,
            |d| d.transfer_floor = NEAR,
            |d| d.realisable_pnl = NEAR,
        ];
        for set in fields {
            let mut d = DomainHealth::new(7);
            set(&mut d);
            let before = d;
            assert!(d.add(&p).is_err());
            assert_eq!(d, before);
        }
        // Funding owed past the bottom of both equities is an overflow too.
        let mut d = DomainHealth::new(0);
        d.maintenance_equity = i128::MIN + 1;
        let before = d;
        assert!(d.add(&PositionHealth { pending_funding: 5, ..PositionHealth::default() }).is_err());
        assert_eq!(d, before);
        let mut d = DomainHealth::new(3);
        d.add(&p).unwrap();
        assert_eq!((d.notional, d.maintenance_equity, d.initial_equity, d.adverse_positions), (5, 8, 8, 1));
    }

    #[test]
    fn seed_ten_x_becomes_twenty_x_and_releases_five_hundred_at_a_five_percent_floor() {
        let t = flat_tiers();
        let at10 = domain(1_000 * Q, &[ten_k_position(&t, 10, 50_000)]);
        assert_eq!(at10.effective_leverage().unwrap(), Some(10_000_000));
        assert_eq!(at10.transferable(0), 0);
        let at20 = domain(1_000 * Q, &[ten_k_position(&t, 20, 50_000)]);
        assert_eq!(at20.initial, 500 * i128::from(Q));
        assert_eq!(at20.transferable(0), 500 * 1_000_000);
    }

    #[test]
    fn at_the_default_floor_raising_above_ten_x_releases_nothing() {
        let t = flat_tiers();
        let at20 = domain(1_000 * Q, &[ten_k_position(&t, 20, DEFAULT_TRANSFER_FLOOR_PPM)]);
        assert_eq!(at20.transferable(0), 0);
    }

    #[test]
    fn transferable_exactly_at_the_floor_and_one_unit_above() {
        let t = flat_tiers();
        // Floor 10% of $10,000 = $1,000. With $1,000 + 1 unit of collateral, exactly 1 is free.
        let d = domain(1_000 * Q + 1, &[ten_k_position(&t, 20, DEFAULT_TRANSFER_FLOOR_PPM)]);
        assert_eq!(d.transferable(0), 1);
        let d = domain(1_000 * Q, &[ten_k_position(&t, 20, DEFAULT_TRANSFER_FLOOR_PPM)]);
        assert_eq!(d.transferable(0), 0);
    }

    #[test]
    fn a_strict_position_reduced_by_thirty_percent_releases_thirty_percent_of_its_margin() {
        let t = flat_tiers();
        // 1 unit at $10,000, 10x, $1,000 held. Reduced to 0.7 unit at an unchanged price:
        // the requirement is IM = max(7,000 / 10, 10% floor of 7,000) = $700; maintenance
        // (1/(2·50) = 1% → $70, × 1.1 buffer = $77) is below it. $300 is released.
        let mut p = ten_k_position(&t, 10, DEFAULT_TRANSFER_FLOOR_PPM);
        p.base = 7 * ONE / 10;
        p.cost_basis = cost_basis_at(BaseLots(7 * ONE / 10), Price(10_000 * USD)).unwrap();
        let d = domain(1_000 * Q, &[p]);
        assert_eq!(d.release_on_reduction(100_000), 300 * 1_000_000);
        // A loss on the rest is kept: at $9,900 the 0.7 unit has lost $70 (equity $930) and
        // IM is 6,930 / 10 = $693, so 930 − 693 = $237 leaves.
        p.price = 9_900 * USD;
        assert_eq!(domain(1_000 * Q, &[p]).release_on_reduction(100_000), 237 * 1_000_000);
        // Profit is never realised to fund a release: at most the collateral leaves.
        p.price = 30_000 * USD;
        assert_eq!(domain(100 * Q, &[p]).release_on_reduction(100_000), 100 * 1_000_000);
    }

    #[test]
    fn seed_hundred_k_at_ten_x_becomes_seven_point_six_nine_after_adding_three_thousand() {
        let t = flat_tiers();
        let mut p = ten_k_position(&t, 10, DEFAULT_TRANSFER_FLOOR_PPM);
        p.base = 10 * ONE;
        p.cost_basis = cost_basis_at(BaseLots(10 * ONE), Price(10_000 * USD)).unwrap();
        let before = domain(10_000 * Q, &[p]);
        assert_eq!(before.effective_leverage().unwrap(), Some(10_000_000));
        let after = domain(13_000 * Q, &[p]);
        // 100,000 / 13,000 = 7.692307… → 7_692_308 at 1e6, rounded up.
        assert_eq!(after.effective_leverage().unwrap(), Some(7_692_308));
    }

    #[test]
    fn unrealised_profit_counts_at_its_weight_and_the_conservative_price() {
        let t = flat_tiers();
        let mut p = ten_k_position(&t, 10, 0);
        p.price = 11_000 * USD; // +$1,000
        p.conf = 100 * USD; // conservative long price $10,900 → +$900
        p.pnl_weight_ppm = 500_000; // counts $450
        let d = domain(1_000 * Q, &[p]);
        assert_eq!(d.maintenance_equity, 2_000 * i128::from(Q));
        assert_eq!(d.initial_equity, 1_450 * i128::from(Q));
        // Down-weighted profit counts toward what may leave, but only collateral can:
        // IM at 10x of $10,900 is $1,090, so 1,450 − 1,090 = $360 (≤ the $1,000 held).
        assert_eq!(d.realisable_pnl, 0);
        assert_eq!(d.transferable(0), 360 * 1_000_000);
        // At full weight the conservative profit ($900) is realisable at once.
        p.pnl_weight_ppm = 1_000_000;
        let d = domain(1_000 * Q, &[p]);
        assert_eq!(d.realisable_pnl, 900 * i128::from(Q));
        assert_eq!(d.transferable(0), 810 * 1_000_000); // 1,900 − 1,090
        p.pnl_weight_ppm = 0;
        let d = domain(1_000 * Q, &[p]);
        assert_eq!(d.initial_equity, 1_000 * i128::from(Q));
        assert_eq!(d.transferable(0), 0);
    }

    #[test]
    fn a_setting_above_the_current_tiers_maximum_is_capped_for_initial_margin() {
        // The audit's M-1: 20x below $100k, 2x above, no floor. 1.9 BTC bought at $50,000
        // ($95,000) at 20x with $5,000; at $60,000 the notional ($114,000) is in the 2x tier.
        let t = [Tier { notional_threshold: 0, max_leverage: 20 }, Tier { notional_threshold: 100_000 * Q as u64, max_leverage: 2 }];
        let mut p = ten_k_position(&t, 20, 0);
        p.base = 1_900_000_000;
        p.cost_basis = cost_basis_at(BaseLots(p.base), Price(50_000 * USD)).unwrap();
        p.price = 60_000 * USD;
        let h = p.health().unwrap();
        assert_eq!((h.tier_max_leverage, h.effective_leverage_setting), (2, 2));
        let d = domain(5_000 * Q, &[p]);
        assert_eq!(d.maintenance, 6_000 * i128::from(Q)); // 114,000 × 25% − 22,500
        assert_eq!(d.initial, 57_000 * i128::from(Q)); // not 114,000 / 20 = 5,700
        assert_eq!(d.maintenance_equity, 24_000 * i128::from(Q));
        assert_eq!(d.transferable(100_000), 0);
        // Within the first tier the setting applies as set.
        p.price = 50_000 * USD;
        assert_eq!(domain(5_000 * Q, &[p]).initial, 4_750 * i128::from(Q));
    }

    #[test]
    fn a_transfer_never_leaves_less_than_maintenance_plus_the_buffer() {
        // 50x tier (1% maintenance) and a 1x floor of 0: $10,000 at 50x needs IM $200, MM
        // $100; with a 150% buffer the lock is MM × 2.5 = $250, above IM.
        let t = flat_tiers();
        let d = domain(1_000 * Q, &[ten_k_position(&t, 50, 0)]);
        assert_eq!(d.transferable(0), 800 * 1_000_000);
        assert_eq!(d.transferable(1_500_000), 750 * 1_000_000);
        assert!(d.with_collateral_change(-750 * i128::from(Q)).unwrap().meets_transfer_lock(1_500_000));
        assert!(!d.with_collateral_change(-751 * i128::from(Q)).unwrap().meets_transfer_lock(1_500_000));
    }

    #[test]
    fn unsettled_profit_counts_in_full_for_maintenance_and_at_the_weight_for_initial() {
        let t = flat_tiers();
        let mut p = ten_k_position(&t, 10, 0);
        p.unsettled_pnl = 2_000 * Q;
        p.pnl_weight_ppm = 250_000;
        let d = domain(1_000 * Q, &[p]);
        assert_eq!(d.maintenance_equity, 3_000 * i128::from(Q));
        assert_eq!(d.initial_equity, 1_500 * i128::from(Q));
        // 1,500 − IM 1,000 = 500 free, all of it collateral.
        assert_eq!(d.transferable(0), 500 * 1_000_000);
        // A flat slot holding only unsettled profit has no requirement.
        p.base = 0;
        p.cost_basis = 0;
        let d = domain(0, &[p]);
        assert_eq!((d.maintenance, d.initial, d.initial_equity), (0, 0, 500 * i128::from(Q)));
        assert_eq!(d.transferable(0), 0, "nothing but collateral leaves");
    }

    #[test]
    fn an_adverse_valuation_counts_losses_at_the_widened_price_and_profit_as_zero() {
        let t = flat_tiers();
        // Long 1 @ $10,000, last price $11,000 ± $100, 10% haircut: widened to
        // 11,000 − 100 − 1,100 = $9,800 → −$200; the profit at $11,000 counts as 0.
        let mut p = ten_k_position(&t, 10, 0);
        p.price = 11_000 * USD;
        p.conf = 100 * USD;
        let h = p.adverse_health(100_000).unwrap();
        assert!(h.adverse);
        assert_eq!((h.pnl, h.initial_pnl, h.realisable), (-200 * i128::from(Q), -200 * i128::from(Q), 0));
        // Maintenance at the larger notional ($11,000): $110.
        assert_eq!(h.maintenance, 110 * Q as u64);
        // Short 1 @ $10,000 at a last price of $10,000: widened to $11,000 → −$1,000, and
        // maintenance on $11,000.
        let mut s = ten_k_position(&t, 10, 0);
        s.base = -ONE;
        s.cost_basis = cost_basis_at(BaseLots(-ONE), Price(10_000 * USD)).unwrap();
        let h = s.adverse_health(100_000).unwrap();
        assert_eq!((h.pnl, h.maintenance), (-1_000 * i128::from(Q), 110 * Q as u64));
        // Never better than the plain valuation, and a domain holding one transfers nothing.
        assert!(h.pnl <= s.health().unwrap().pnl);
        let mut d = DomainHealth::new(50_000 * Q);
        d.add(&h).unwrap();
        assert_eq!(d.transferable(0), 0);
    }

    #[test]
    fn losses_count_in_full_and_funding_is_deducted() {
        let t = flat_tiers();
        let mut p = ten_k_position(&t, 10, 0);
        p.price = 9_500 * USD;
        p.pnl_weight_ppm = 0;
        p.pending_funding = 7 * Q;
        let d = domain(1_000 * Q, &[p]);
        assert_eq!(d.maintenance_equity, 493 * i128::from(Q));
        assert_eq!(d.initial_equity, 493 * i128::from(Q));
    }

    #[test]
    fn liquidation_price_of_an_isolated_long_and_short() {
        let t = flat_tiers(); // 1% maintenance
                              // Long 1 @ $10,000 with $1,000: 1000 + (p − 10000) = 0.01 p → p = 9000 / 0.99 = 9090.909…
        let cb = cost_basis_at(BaseLots(ONE), Price(10_000 * USD)).unwrap();
        let p = liquidation_price(BaseLots(ONE), cb, &Maintenance::of(&t), 1_000 * i128::from(Q)).unwrap().unwrap().get();
        assert_eq!(p, 9_090_909_090_910); // rounded up
                                          // Check against the health functions on both sides of it.
        let at = |price: u64| {
            let mut r = ten_k_position(&t, 10, 0);
            r.price = price;
            domain(1_000 * Q, &[r])
        };
        assert!(at(p - 1_000_000).is_liquidatable());
        assert!(!at(p + 1_000_000).is_liquidatable());
        // Short 1 @ $10,000 with $1,000: 1000 − (p − 10000) = 0.01 p → p = 11000 / 1.01.
        let cbs = cost_basis_at(BaseLots(-ONE), Price(10_000 * USD)).unwrap();
        let ps = liquidation_price(BaseLots(-ONE), cbs, &Maintenance::of(&t), 1_000 * i128::from(Q)).unwrap().unwrap().get();
        assert_eq!(ps, 10_891_089_108_910); // 10,891.089108910… rounded down
    }

    #[test]
    fn readme_worked_example() {
        let t = [
            Tier { notional_threshold: 0, max_leverage: 20 },
            Tier { notional_threshold: 100_000 * Q as u64, max_leverage: 10 },
            Tier { notional_threshold: 500_000 * Q as u64, max_leverage: 5 },
        ];
        let at10 = domain(1_000 * Q, &[ten_k_position(&t, 10, DEFAULT_TRANSFER_FLOOR_PPM)]);
        assert_eq!(at10.maintenance, 250 * i128::from(Q));
        assert_eq!(at10.initial, 1_000 * i128::from(Q));
        let at20 = domain(1_000 * Q, &[ten_k_position(&t, 20, DEFAULT_TRANSFER_FLOOR_PPM)]);
        assert_eq!(at20.maintenance, at10.maintenance, "leverage never changes maintenance");
        assert_eq!(at20.transferable(0), 0);
        let cb = cost_basis_at(BaseLots(ONE), Price(10_000 * USD)).unwrap();
        // 1,000 + (p − 10,000) = 0.025 p → p = 9,230.769230769… → rounded up.
        assert_eq!(
            liquidation_price(BaseLots(ONE), cb, &Maintenance::of(&t), 1_000 * i128::from(Q)).unwrap(),
            Some(Price(9_230_769_230_770))
        );
    }

    #[test]
    fn fully_collateralised_long_has_no_liquidation_price() {
        let t = flat_tiers();
        let cb = cost_basis_at(BaseLots(ONE), Price(10_000 * USD)).unwrap();
        assert_eq!(liquidation_price(BaseLots(ONE), cb, &Maintenance::of(&t), 10_000 * i128::from(Q)).unwrap(), None);
        assert_eq!(liquidation_price(BaseLots(0), 0, &Maintenance::of(&t), 0).unwrap(), None);
    }

    #[test]
    fn liquidation_price_crosses_tiers_consistently() {
        let t = [Tier { notional_threshold: 0, max_leverage: 50 }, Tier { notional_threshold: 150_000_000_000, max_leverage: 40 }];
        // Long 20 units @ $10,000 ($200k) with $6,000: root lies in tier 1 (notional ≥ $150k).
        let cb = cost_basis_at(BaseLots(20 * ONE), Price(10_000 * USD)).unwrap();
        let p = liquidation_price(BaseLots(20 * ONE), cb, &Maintenance::of(&t), 6_000 * i128::from(Q)).unwrap().unwrap().get();
        let mk = |price: u64| {
            let r = PositionRisk {
                base: 20 * ONE,
                cost_basis: cb,
                pending_funding: 0,
                unsettled_pnl: 0,
                leverage: 40,
                price,
                conf: 0,
                tiers: &t,
                ramp_from: None,
                pnl_weight_ppm: 1_000_000,
                transfer_floor_ppm: 0,
                leverage_scale_ppm: 1_000_000,
            };
            domain(6_000 * Q, &[r])
        };
        assert!(mk(p - 1_000_000).is_liquidatable());
        assert!(!mk(p + 1_000_000).is_liquidatable());
    }
}
