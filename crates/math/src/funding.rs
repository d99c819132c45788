//! Funding settlement. Each market side has a cumulative index: quote native paid per
//! whole base unit of that side's size, × 1e6 (negative when the side receives).

use crate::checked::{self, Rounding};
use crate::constants::{BASE_PRECISION, FUNDING_INDEX_SCALE};
use crate::error::MathResult;

/// Funding a position owes since its snapshot: `|base| × (index − snapshot) / 1e15`,
/// rounded up (a debt rounds up, a credit rounds toward zero).
pub fn pending_funding(base: i64, index_now: i128, snapshot: i128) -> MathResult<i64> {
    const OP: &str = "pending funding";
    let delta = checked::sub(index_now, snapshot, OP)?;
    let divisor = checked::mul(BASE_PRECISION, FUNDING_INDEX_SCALE, OP)?;
    let owed = checked::mul_div(i128::from(base.unsigned_abs()), delta, divisor, Rounding::Ceil, OP)?;
    checked::to_i64(owed, OP)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_unit_pays_the_index_move() {
        // index moved by $0.50 per unit (500_000 quote native × 1e6).
        assert_eq!(pending_funding(1_000_000_000, 500_000_000_000, 0), Ok(500_000));
        assert_eq!(pending_funding(-2_000_000_000, 500_000_000_000, 0), Ok(1_000_000));
        // receiving rounds toward zero, paying rounds up
        assert_eq!(pending_funding(1, -1, 0), Ok(0));
        assert_eq!(pending_funding(1, 1, 0), Ok(1));
        assert_eq!(pending_funding(0, 1_000, 0), Ok(0));
    }
}
