//! What each status allows (docs/ARCHITECTURE.md, "Status"). One table, so no
//! instruction can forget a check.
//!
//! | action | Active | ReduceOnly | Paused |
//! |---|---|---|---|
//! | deposit, add margin (to an isolated position), margin guard | ✓ | ✓ | ✓ |
//! | liquidation | ✓ | ✓ | ✓ (a pause stops new risk, never liquidations) |
//! | reduce or close, lower leverage | ✓ | ✓ | — |
//! | withdraw, remove margin, raise leverage, settle profit | ✓ | ✓ | — |
//! | open, increase, flip | ✓ | — | — |
//!
//! Funding does not accrue while a market is paused (`controller::funding`).

use anchor_lang::prelude::*;

use crate::error::ErrorCode;
use crate::state::MarketStatus;

/// An action, as the status table sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Gate {
    /// Money in, or protection in: deposits, adding isolated margin, margin guards.
    Protective,
    /// Permissionless liquidation.
    Liquidation,
    /// Reducing or closing, lowering leverage.
    Reduce,
    /// Value out of a domain: withdrawals, margin removal, leverage raises, settlement.
    Transfer,
    /// New risk: opening, increasing, flipping.
    Increase,
}

/// Refuses `gate` under `status` (the stricter of the exchange's and the market's).
pub fn require_allowed(status: MarketStatus, gate: Gate) -> Result<()> {
    match (status, gate) {
        (_, Gate::Protective | Gate::Liquidation) => Ok(()),
        (MarketStatus::Paused, _) => err!(ErrorCode::Paused),
        (MarketStatus::ReduceOnly, Gate::Increase) => err!(ErrorCode::ReduceOnly),
        _ => Ok(()),
    }
}
