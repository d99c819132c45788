use anchor_lang::prelude::*;

use crate::controller::funding;
use crate::error::ErrorCode;
use crate::events::StatusChanged;
use crate::oracle::read_oracle;
use crate::state::{Exchange, Market, MarketStatus};

#[derive(Accounts)]
pub struct SetPause<'info> {
    /// The admin, or the guardian (stricter statuses only).
    pub signer: Signer<'info>,
    /// The exchange singleton (PDA `["exchange"]`).
    #[account(mut, constraint = exchange.load()?.is_admin_or_guardian(&signer.key()) @ ErrorCode::NotAdminOrGuardian)]
    pub exchange: AccountLoader<'info, Exchange>,
    /// The market to change; absent to change the exchange-wide status.
    #[account(mut)]
    pub market: Option<AccountLoader<'info, Market>>,
    /// The market's oracle (Pyth `PriceUpdateV2`, or a push oracle where allowed).
    /// CHECK: the market's oracle (checked by `read_oracle`), optional: when given with the
    /// market, funding accrues up to the change at the old status, so a pause stops
    /// funding exactly when it starts and a resume restarts it exactly then.
    pub oracle: Option<UncheckedAccount<'info>>,
}

/// Sets the exchange-wide or a market's status. The admin may set any status; the
/// guardian may only make it stricter (Active → ReduceOnly → Paused), never resume. What
/// each status allows is one table (`controller::status`): a pause stops new risk and
/// voluntary actions, never deposits, protective top-ups or liquidations; funding does
/// not accrue while a market is paused.
pub fn set_pause(ctx: Context<SetPause>, status: MarketStatus) -> Result<()> {
    let signer = ctx.accounts.signer.key();
    let (is_admin, decimals, exchange_status) = {
        let ex = ctx.accounts.exchange.load()?;
        (signer == ex.admin, ex.collateral_decimals, ex.status())
    };
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
            if let Some(oracle_ai) = &ctx.accounts.oracle {
                let now = Clock::get()?.unix_timestamp;
                let oracle = read_oracle(&m, oracle_ai, decimals, now)?;
                let halted = m.effective_status(exchange_status) == MarketStatus::Paused;
                funding::accrue(&mut m, &oracle, now, halted)?;
            }
            m.status = status.as_u8();
            m.invariant()?;
            if status != before {
                // Price-book entries carry the market's status: older ones are not used.
                ctx.accounts.exchange.load_mut()?.market_config_changed();
            }
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
