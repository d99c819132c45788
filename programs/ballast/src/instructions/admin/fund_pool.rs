use anchor_lang::prelude::*;

use super::admin_transfer::AdminTransfer;
use crate::error::ErrorCode;
use crate::events::PoolFunded;
use crate::token::{check_vault, require_valid_amount, transfer_in};

/// Admin adds liquidity to the pool that takes the other side of every trade.
pub fn fund_pool(ctx: Context<AdminTransfer>, amount: u64) -> Result<()> {
    require_valid_amount(amount)?;
    let a = &mut *ctx.accounts;
    let mut ex = a.exchange.load_mut()?;
    let before = ex.pool_balance;
    ex.pool_balance = before.checked_add(amount).ok_or(ErrorCode::AmountTooLarge)?;
    transfer_in(&a.token_program, &a.admin_token, &a.vault, &a.admin, amount)?;
    check_vault(&ex, &mut a.vault)?;
    ex.invariant()?;
    emit!(PoolFunded { amount, deposit: true, pool_before: before, pool_after: ex.pool_balance });
    Ok(())
}
