use anchor_lang::prelude::*;

use crate::error::ErrorCode;
use crate::events::StatusChanged;
use crate::state::{Exchange, Market, MarketStatus};

#[derive(Accounts)]
pub struct SetPause<'info> {
    pub signer: Signer<'info>,
    #[account(mut)]
    pub exchange: AccountLoader<'info, Exchange>,
    /// The market to change; absent to change the exchange-wide status.
    #[account(mut)]
    pub market: Option<AccountLoader<'info, Market>>,
}

/// Sets the exchange-wide or a market's status. The admin may set any status; the
/// guardian may only make it stricter (Active → ReduceOnly → Paused), never resume.
pub fn set_pause(ctx: Context<SetPause>, status: MarketStatus) -> Result<()> {
    let signer = ctx.accounts.signer.key();
    let is_admin;
    {
        let ex = ctx.accounts.exchange.load()?;
        is_admin = signer == ex.admin;
        require!(is_admin || signer == ex.guardian, ErrorCode::NotAdminOrGuardian);
    }
    let guard = |before: MarketStatus| -> Result<()> {
        if !is_admin {
            require!(status != MarketStatus::Active && status >= before, ErrorCode::GuardianCannotLoosen);
        }
        Ok(())
    };
    let (market_index, before) = match &ctx.accounts.market {
        Some(loader) => {
            let mut m = loader.load_mut()?;
            let before = m.status();
            guard(before)?;
            m.status = status.as_u8();
            m.invariant()?;
            (Some(m.market_index), before)
        }
        None => {
            let mut ex = ctx.accounts.exchange.load_mut()?;
            let before = ex.status();
            guard(before)?;
            ex.status = status.as_u8();
            ex.invariant()?;
            (None, before)
        }
    };
    emit!(StatusChanged { market_index, signer, before: before.as_u8(), after: status.as_u8() });
    Ok(())
}
