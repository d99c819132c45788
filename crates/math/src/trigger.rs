//! Trigger orders: how much an order closes when it fires, and whether its domain can pay
//! the keeper's tip (docs/MATH.md, "Trigger order size and tip").

use crate::checked::{self, Rounding};
use crate::constants::PPM;
use crate::error::MathResult;
use crate::margin::DomainHealth;

/// Lots to close of a position of `abs_base` lots (its absolute size) with lot size
/// `lot_size`: an order of `lots` is capped at the position (it shrinks with it); an order
/// for a fraction (`fraction_ppm`) takes that share rounded down to a lot, at least one lot
/// and at most the position.
pub fn close_size(abs_base: u64, lots: Option<u64>, fraction_ppm: u32, lot_size: u64) -> MathResult<u64> {
    const OP: &str = "trigger close size";
    if let Some(lots) = lots {
        return Ok(lots.min(abs_base));
    }
    let raw = checked::mul_div(i128::from(abs_base), i128::from(fraction_ppm), PPM, Rounding::Floor, OP)?;
    let raw = u64::try_from(raw).map_err(|_| crate::MathError::overflow(OP))?;
    let lot = lot_size.max(1);
    let whole_lots = raw.checked_rem(lot).and_then(|r| raw.checked_sub(r)).ok_or(crate::MathError::overflow(OP))?;
    Ok(whole_lots.max(lot).min(abs_base))
}

/// The tip a domain pays: all of it when its collateral covers it and its equity after
/// paying stays at or above maintenance (`after`: the domain after the close), else none.
pub fn affordable_tip(tip: u64, collateral: i64, after: &DomainHealth) -> MathResult<u64> {
    let t = i128::from(tip);
    let left = checked::sub(after.maintenance_equity, t, "trigger tip")?;
    Ok(if i128::from(collateral) >= t && left >= after.maintenance { tip } else { 0 })
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOT: u64 = 1_000_000; // 0.001 of a unit

    #[test]
    fn a_lot_order_shrinks_with_the_position() {
        assert_eq!(close_size(700 * LOT, Some(1_000 * LOT), 0, LOT), Ok(700 * LOT));
        assert_eq!(close_size(700 * LOT, Some(300 * LOT), 0, LOT), Ok(300 * LOT));
    }

    #[test]
    fn a_fraction_rounds_down_to_a_lot_but_closes_at_least_one_and_at_most_all() {
        // 30% of 1 unit = 0.3 exactly.
        assert_eq!(close_size(1_000 * LOT, None, 300_000, LOT), Ok(300 * LOT));
        // 30% of 0.007 = 0.0021 → 0.002.
        assert_eq!(close_size(7 * LOT, None, 300_000, LOT), Ok(2 * LOT));
        // 10% of 0.005 = 0.0005 → below a lot: one lot.
        assert_eq!(close_size(5 * LOT, None, 100_000, LOT), Ok(LOT));
        // A position smaller than a lot (dust left by a liquidation) closes whole.
        assert_eq!(close_size(LOT / 2, None, 100_000, LOT), Ok(LOT / 2));
        assert_eq!(close_size(1_000 * LOT, None, 1_000_000, LOT), Ok(1_000 * LOT));
    }

    #[test]
    fn the_tip_is_paid_only_from_collateral_and_above_maintenance() {
        let after = DomainHealth { maintenance_equity: 1_000, maintenance: 900, ..DomainHealth::new(0) };
        assert_eq!(affordable_tip(100, 500, &after), Ok(100)); // equity 900 left = maintenance
        assert_eq!(affordable_tip(101, 500, &after), Ok(0)); // would end below maintenance
        assert_eq!(affordable_tip(100, 99, &after), Ok(0)); // collateral cannot cover it
    }
}
