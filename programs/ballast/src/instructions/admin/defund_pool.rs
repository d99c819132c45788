use anchor_lang::prelude::*;

use super::fund_pool::PoolTransfer;
use crate::error::ErrorCode;
use crate::events::PoolFunded;
use crate::token::{check_vault, require_valid_amount, transfer_out};

/// Admin removes liquidity from the pool, never more than it holds.
pub fn defund_pool(ctx: Context<PoolTransfer>, amount: u64) -> Result<()> {
    require_valid_amount(amount)?;
    let a = &mut *ctx.accounts;
    let bump;
    let before;
    {
        let mut ex = a.exchange.load_mut()?;
        require_keys_eq!(a.admin.key(), ex.admin, ErrorCode::NotAdmin);
        before = ex.pool_balance;
        ex.pool_balance = before.checked_sub(amount).ok_or(ErrorCode::InsufficientPoolBalance)?;
        bump = ex.bump;
    }
    transfer_out(&a.token_program, &a.vault, &a.admin_token, &a.exchange, bump, amount)?;
    let ex = a.exchange.load()?;
    check_vault(&ex, &mut a.vault)?;
    ex.invariant()?;
    emit!(PoolFunded { amount, deposit: false, pool_before: before, pool_after: ex.pool_balance });
    Ok(())
}
