use anchor_lang::prelude::*;

use super::fund_pool::PoolTransfer;
use crate::error::ErrorCode;
use crate::events::PoolFunded;
use crate::token::{pay_out, require_valid_amount};

/// Admin removes liquidity from the pool, never more than it holds.
pub fn defund_pool(ctx: Context<PoolTransfer>, amount: u64) -> Result<()> {
    require_valid_amount(amount)?;
    let a = &mut *ctx.accounts;
    let (before, after) = {
        let mut ex = a.exchange.load_mut()?;
        require_keys_eq!(a.admin.key(), ex.admin, ErrorCode::NotAdmin);
        let before = ex.pool_balance;
        ex.pool_balance = before.checked_sub(amount).ok_or(ErrorCode::InsufficientPoolBalance)?;
        (before, ex.pool_balance)
    };
    pay_out(&a.token_program, &mut a.vault, &a.admin_token, &a.exchange, amount)?;
    emit!(PoolFunded { amount, deposit: false, pool_before: before, pool_after: after });
    Ok(())
}
