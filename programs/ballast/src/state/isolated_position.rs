use anchor_lang::prelude::*;

use crate::error::ErrorCode;
use crate::state::{WrappedI128, ACCOUNT_VERSION};

/// Isolated margin flavour, chosen when the position opens.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub enum IsolatedMode {
    /// Margin can be added and removed; leverage can go up (releasing margin) or down.
    Isolated,
    /// Margin can only be added; leverage can only go down.
    StrictIsolated,
}

impl IsolatedMode {
    pub fn from_u8(v: u8) -> Option<Self> {
        match v {
            1 => Some(Self::Isolated),
            2 => Some(Self::StrictIsolated),
            _ => None,
        }
    }
    pub fn as_u8(self) -> u8 {
        match self {
            Self::Isolated => 1,
            Self::StrictIsolated => 2,
        }
    }
}

/// Opt-in automatic top-up of an isolated position from cross (executed by keepers).
#[zero_copy]
#[derive(Debug, Default, PartialEq, Eq)]
pub struct MarginGuard {
    /// Top up when equity / maintenance falls below this, ppm (1e6 = at maintenance).
    pub trigger_ratio_ppm: u32,
    pub enabled: u8,
    pub _padding: [u8; 3],
    /// Amount moved from cross per execution, quote native.
    pub top_up_amount: u64,
    /// Lifetime cap of all top-ups, quote native.
    pub max_total: u64,
    /// Moved so far, quote native.
    pub used_total: u64,
}
crate::assert_size!(MarginGuard, 32);

/// An isolated or strict-isolated position (PDA `["isolated", margin_account, market index as u16 LE]`).
/// Its risk lives here alone: liquidating it needs only this account, its market and the oracle.
#[account(zero_copy)]
#[derive(Debug)]
pub struct IsolatedPosition {
    pub version: u8,
    pub bump: u8,
    /// [`IsolatedMode`] as 1 or 2.
    pub mode: u8,
    pub _padding0: [u8; 1],
    /// Leverage setting, 1..=tier max.
    pub leverage: u16,
    pub market_index: u16,
    pub margin_account: Pubkey,
    /// Size in base lots, negative short.
    pub base: i64,
    /// Cost basis, quote native, signed like `base`.
    pub cost_basis: i64,
    /// The position's own collateral, quote native.
    pub collateral: i64,
    /// Funding index at the last settlement (quote native × 1e6 per unit).
    pub funding_snapshot: WrappedI128,
    pub guard: MarginGuard,
    pub last_active_slot: u64,
    /// Profit realised while the market's PnL weight is below 100%, not yet settled into
    /// the position's collateral (`settle_pnl`), quote native, ≥ 0.
    pub unsettled_pnl: i64,
    /// The margin account's `position_opens` when this position opened (or flipped).
    pub open_id: u16,
    pub _padding1: [u8; 6],
    pub reserved: [u8; 48],
}
crate::assert_size!(IsolatedPosition, 184);

impl IsolatedPosition {
    pub const SPACE: usize = 8 + core::mem::size_of::<IsolatedPosition>();

    pub fn mode(&self) -> Result<IsolatedMode> {
        IsolatedMode::from_u8(self.mode).ok_or_else(|| error!(ErrorCode::IsolatedPositionStateInvalid))
    }

    /// The position of `margin_account` in the market `market_index` (the fields only this
    /// program writes, at the PDA those two derive).
    pub fn belongs_to(&self, margin_account: &Pubkey, market_index: u16) -> bool {
        self.margin_account == *margin_account && self.market_index == market_index
    }

    pub fn invariant(&self) -> Result<()> {
        require!(self.version == ACCOUNT_VERSION, ErrorCode::InvalidAccountVersion);
        require!(IsolatedMode::from_u8(self.mode).is_some(), ErrorCode::IsolatedPositionStateInvalid);
        require!(self.leverage >= 1, ErrorCode::IsolatedPositionStateInvalid);
        require!(self.base != 0 || self.cost_basis == 0, ErrorCode::IsolatedPositionStateInvalid);
        require!(self.unsettled_pnl >= 0, ErrorCode::IsolatedPositionStateInvalid);
        require!(self.guard.enabled <= 1, ErrorCode::IsolatedPositionStateInvalid);
        require!(self.guard.used_total <= self.guard.max_total || self.guard.enabled == 0, ErrorCode::IsolatedPositionStateInvalid);
        Ok(())
    }
}
