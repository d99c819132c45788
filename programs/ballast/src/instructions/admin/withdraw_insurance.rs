use anchor_lang::prelude::*;

use super::admin_transfer::AdminTransfer;
use crate::controller::pool::insurance_floor;
use crate::error::ErrorCode;
use crate::events::InsuranceFunded;
use crate::safe::Cast;
use crate::token::{pay_out, require_valid_amount};

/// Admin takes from the insurance fund only what exceeds its floor: 1% of every market's
/// open notional, both sides, at the current price (docs/MATH.md, "Insurance floor").
///
/// remaining: `[market, oracle]` for every market, in index order (valid prices).
pub fn withdraw_insurance<'info>(ctx: Context<'info, AdminTransfer<'info>>, amount: u64) -> Result<()> {
    require_valid_amount(amount)?;
    let now = Clock::get()?.unix_timestamp;
    let a = &mut *ctx.accounts;
    let (before, after, floor) = {
        let mut ex = a.exchange.load_mut()?;
        let floor = insurance_floor(ctx.remaining_accounts, ex.market_count, ex.collateral_decimals, now)?;
        let before = ex.insurance_balance;
        ex.insurance_balance = before.checked_sub(amount).ok_or(ErrorCode::InsufficientInsuranceBalance)?;
        require!(u128::from(ex.insurance_balance) >= floor, ErrorCode::InsuranceFloorRequired);
        // The floor is at most the balance before (checked just above), so it fits.
        (before, ex.insurance_balance, floor.cast::<u64>()?)
    };
    pay_out(&a.token_program, &mut a.vault, &a.admin_token, &a.exchange, amount)?;
    emit!(InsuranceFunded { amount, deposit: false, insurance_before: before, insurance_after: after, floor });
    Ok(())
}
