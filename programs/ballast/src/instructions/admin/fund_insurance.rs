use anchor_lang::prelude::*;

use super::admin_transfer::AdminTransfer;
use crate::error::ErrorCode;
use crate::events::InsuranceFunded;
use crate::token::{check_vault, require_valid_amount, transfer_in};

/// Admin seeds the insurance fund, which pays bad debt before the pool does.
pub fn fund_insurance(ctx: Context<AdminTransfer>, amount: u64) -> Result<()> {
    require_valid_amount(amount)?;
    let a = &mut *ctx.accounts;
    let mut ex = a.exchange.load_mut()?;
    let before = ex.insurance_balance;
    ex.insurance_balance = before.checked_add(amount).ok_or(ErrorCode::AmountTooLarge)?;
    transfer_in(&a.token_program, &a.admin_token, &a.vault, &a.admin, amount)?;
    check_vault(&ex, &mut a.vault)?;
    ex.invariant()?;
    emit!(InsuranceFunded { amount, deposit: true, insurance_before: before, insurance_after: ex.insurance_balance, floor: 0 });
    Ok(())
}
