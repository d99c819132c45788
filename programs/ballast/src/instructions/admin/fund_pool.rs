use anchor_lang::prelude::*;

use super::admin_transfer::AdminTransfer;
use crate::controller::pool::Pool;
use crate::error::ErrorCode;
use crate::events::PoolFunded;
use crate::token::{check_vault, require_valid_amount, transfer_in};

/// Admin adds liquidity to the pool that takes the other side of every trade. It pays
/// the pool's deficit first.
pub fn fund_pool(ctx: Context<AdminTransfer>, amount: u64) -> Result<()> {
    require_valid_amount(amount)?;
    let a = &mut *ctx.accounts;
    let mut ex = a.exchange.load_mut()?;
    let before = ex.pool_balance;
    let deficit_before = ex.pool_deficit;
    let mut pool = Pool::of(&ex);
    pool.receive(amount).map_err(|_| error!(ErrorCode::AmountTooLarge))?;
    pool.store(&mut ex);
    transfer_in(&a.token_program, &a.admin_token, &a.vault, &a.admin, amount)?;
    check_vault(&ex, &mut a.vault)?;
    ex.invariant()?;
    emit!(PoolFunded {
        amount,
        deposit: true,
        pool_before: before,
        pool_after: ex.pool_balance,
        deficit_before,
        deficit_after: ex.pool_deficit,
    });
    Ok(())
}
