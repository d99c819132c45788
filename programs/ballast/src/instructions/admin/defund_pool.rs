use anchor_lang::prelude::*;

use super::admin_transfer::AdminTransfer;
use crate::controller::pool::pool_reserve;
use crate::error::ErrorCode;
use crate::events::PoolFunded;
use crate::token::{pay_out, require_valid_amount};

/// Admin removes liquidity from the pool, never below the reserve open positions need
/// (docs/MATH.md, "Pool reserve"): every open profit at the current price, plus one
/// first-tier maintenance margin of all open notional as bad-debt cover.
///
/// remaining: `[market, oracle]` for every market, in index order (valid prices).
pub fn defund_pool<'info>(ctx: Context<'info, AdminTransfer<'info>>, amount: u64) -> Result<()> {
    require_valid_amount(amount)?;
    let now = Clock::get()?.unix_timestamp;
    let a = &mut *ctx.accounts;
    let (before, after) = {
        let mut ex = a.exchange.load_mut()?;
        let reserve = pool_reserve(ctx.remaining_accounts, ex.market_count, ex.collateral_decimals, now)?;
        let before = ex.pool_balance;
        ex.pool_balance = before.checked_sub(amount).ok_or(ErrorCode::InsufficientPoolBalance)?;
        require!(u128::from(ex.pool_balance) >= reserve, ErrorCode::PoolReserveRequired);
        (before, ex.pool_balance)
    };
    pay_out(&a.token_program, &mut a.vault, &a.admin_token, &a.exchange, amount)?;
    emit!(PoolFunded { amount, deposit: false, pool_before: before, pool_after: after, deficit_before: 0, deficit_after: 0 });
    Ok(())
}
