use anchor_lang::prelude::*;
use ballast_math::pool::market_reserve;
use ballast_math::tiers::maintenance_rate_ppm;

use super::fund_pool::PoolTransfer;
use crate::error::ErrorCode;
use crate::events::PoolFunded;
use crate::oracle::read_oracle;
use crate::state::{load_checked, same_key, Market};
use crate::token::{pay_out, require_valid_amount};

/// Admin removes liquidity from the pool, never below the reserve open positions need
/// (docs/MATH.md, "Pool reserve"): every open profit at the current price, plus one
/// first-tier maintenance margin of all open notional as bad-debt cover.
///
/// remaining: `[market, oracle]` for every market, in index order (valid prices).
pub fn defund_pool<'info>(ctx: Context<'info, PoolTransfer<'info>>, amount: u64) -> Result<()> {
    require_valid_amount(amount)?;
    let now = Clock::get()?.unix_timestamp;
    let a = &mut *ctx.accounts;
    let (before, after) = {
        let mut ex = a.exchange.load_mut()?;
        require_keys_eq!(a.admin.key(), ex.admin, ErrorCode::NotAdmin);
        let reserve = pool_reserve(ctx.remaining_accounts, ex.market_count, ex.collateral_decimals, now)?;
        let before = ex.pool_balance;
        ex.pool_balance = before.checked_sub(amount).ok_or(ErrorCode::InsufficientPoolBalance)?;
        require!(u128::from(ex.pool_balance) >= reserve, ErrorCode::PoolReserveRequired);
        (before, ex.pool_balance)
    };
    pay_out(&a.token_program, &mut a.vault, &a.admin_token, &a.exchange, amount)?;
    emit!(PoolFunded { amount, deposit: false, pool_before: before, pool_after: after });
    Ok(())
}

/// Σ over every market of its reserve at a valid price.
fn pool_reserve(remaining: &[AccountInfo], market_count: u16, decimals: u8, now: i64) -> Result<u128> {
    require!(remaining.len() == usize::from(market_count) * 2, ErrorCode::ReserveAccountsMismatch);
    let mut total: u128 = 0;
    for (index, pair) in remaining.chunks(2).enumerate() {
        let market = load_checked::<Market>(&pair[0]).map_err(|_| error!(ErrorCode::ReserveAccountsMismatch))?;
        require!(usize::from(market.market_index) == index, ErrorCode::ReserveAccountsMismatch);
        require!(same_key(pair[1].key, &market.oracle), ErrorCode::ReserveAccountsMismatch);
        let oracle = read_oracle(&market, &pair[1], decimals, now)?;
        oracle.require_valid()?;
        let rate = maintenance_rate_ppm(market.tiers[0].max_leverage).map_err(ErrorCode::from)?;
        let r = market_reserve(&market.side_totals(), oracle.price, rate).map_err(ErrorCode::from)?;
        total = total.checked_add(r).ok_or(ErrorCode::MathOverflow)?;
    }
    Ok(total)
}
