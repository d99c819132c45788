//! Moving margin out of a domain when the amount exceeds its collateral: the positive
//! PnL used is realised first (SPEC §5). The pool pays it into the domain and the
//! position's cost basis moves by the same amount, so the position's PnL falls by
//! exactly what the collateral gained: no value is created.

use anchor_lang::prelude::*;

use super::pool;
use crate::error::ErrorCode;

/// Realises `amount` of a position's PnL: collateral +amount, cost basis +amount (its
/// PnL −amount), pool −amount.
pub fn realise(amount: u64, cost_basis: &mut i64, collateral: &mut i64, pool_balance: &mut u64) -> Result<()> {
    if amount == 0 {
        return Ok(());
    }
    let a = i64::try_from(amount).map_err(|_| ErrorCode::MathOverflow)?;
    *cost_basis = cost_basis.checked_add(a).ok_or(ErrorCode::MathOverflow)?;
    *collateral = collateral.checked_add(a).ok_or(ErrorCode::MathOverflow)?;
    pool::credit(pool_balance, a.checked_neg().ok_or(ErrorCode::MathOverflow)?)
}

/// How much of `wanted` one position may realise: at most its weighted PnL at the
/// conservative price (what the initial view counted).
pub fn realisable(wanted: u64, weighted_pnl: i128) -> u64 {
    u64::try_from(weighted_pnl.max(0)).unwrap_or(u64::MAX).min(wanted)
}
