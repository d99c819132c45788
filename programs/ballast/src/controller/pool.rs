use anchor_lang::prelude::*;

use crate::error::ErrorCode;

/// Moves `amount` into the pool (negative: out of it). The pool can never go below zero:
/// a payout it cannot cover fails with `InsufficientPoolBalance`.
pub fn credit(pool: &mut u64, amount: i64) -> Result<()> {
    *pool = if amount >= 0 {
        pool.checked_add(amount.unsigned_abs()).ok_or(ErrorCode::MathOverflow)?
    } else {
        pool.checked_sub(amount.unsigned_abs()).ok_or(ErrorCode::InsufficientPoolBalance)?
    };
    Ok(())
}
