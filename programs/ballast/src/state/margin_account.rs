use anchor_lang::prelude::*;

use crate::error::ErrorCode;
use crate::safe::SafeMath;
use crate::state::{WrappedI128, ACCOUNT_VERSION};

/// Number of cross position slots in a margin account.
pub const MAX_CROSS_POSITIONS: usize = 16;

/// One cross position slot. A slot is free when `in_use == 0` (then all fields are 0).
/// A used slot with `base == 0` keeps the market's leverage setting for a flat position,
/// and any unsettled profit the market's position realised.
#[zero_copy]
#[derive(Debug, Default, PartialEq, Eq)]
pub struct CrossPosition {
    pub market_index: u16,
    /// Leverage setting, 1..=tier max.
    pub leverage: u16,
    pub in_use: u8,
    pub _padding: [u8; 1],
    /// The account's `position_opens` when this position opened (or flipped): trigger
    /// orders placed on it record it, so they never act on a position opened later.
    pub open_id: u16,
    /// Size in base lots (1e9 = one unit), negative short.
    pub base: i64,
    /// Cost basis, quote native, signed like `base`.
    pub cost_basis: i64,
    /// Profit realised on this market while its PnL weight is below 100%, not yet settled
    /// into collateral (`settle_pnl`), quote native, ≥ 0.
    pub unsettled_pnl: i64,
    /// The market's cumulative funding index for this side at the last settlement (quote native × 1e6 per unit).
    pub funding_snapshot: WrappedI128,
}
crate::assert_size!(CrossPosition, 48);

impl CrossPosition {
    /// Every byte zero (a free slot), tested a word at a time: the derived `==` compares
    /// field by field, the funding snapshot byte by byte.
    pub fn is_zeroed(&self) -> bool {
        bytemuck::cast_ref::<CrossPosition, [u64; 6]>(self).iter().all(|w| *w == 0)
    }

    /// The slot takes part in the cross domain's health: an open position, or unsettled
    /// profit. Its `[market, oracle]` pair is then a health account.
    pub fn in_health(&self) -> bool {
        self.in_use != 0 && (self.base != 0 || self.unsettled_pnl != 0)
    }
}

/// A trader's margin account (PDA `["margin", owner, sub_id as u16 LE]`): the cross
/// domain (collateral and up to 16 positions) and the count of its isolated positions.
#[account(zero_copy)]
#[derive(Debug)]
pub struct MarginAccount {
    pub version: u8,
    pub bump: u8,
    /// 1 while a liquidation of the cross domain is in progress (see docs/KEEPERS.md).
    pub being_liquidated: u8,
    /// Number of `IsolatedPosition` accounts that exist for this account.
    pub isolated_count: u8,
    /// Positions opened or flipped in this account, cross and isolated (wrapping); the
    /// position records the new value as its `open_id`.
    pub position_opens: u16,
    pub sub_id: u16,
    pub owner: Pubkey,
    /// May trade and move margin, never withdraw. `Pubkey::default()` = none.
    pub delegate: Pubkey,
    /// Cross collateral, quote native. Negative only when realised losses exceed it
    /// (the debt is backed by the domain's other positions, or is bad debt).
    pub cross_collateral: i64,
    /// Slot of the last instruction that changed this account.
    pub last_active_slot: u64,
    /// Slot of the last cross liquidation step: an unfinished liquidation
    /// (`being_liquidated`) may continue for [`LIQUIDATION_CONTINUATION_SLOTS`] after it.
    pub liquidation_slot: u64,
    pub cross_positions: [CrossPosition; MAX_CROSS_POSITIONS],
    pub reserved: [u8; 64],
}
crate::assert_size!(MarginAccount, 928);

/// How long an unfinished cross liquidation may continue above maintenance (about a
/// minute of 400 ms slots); after that the account must fall below maintenance again.
pub const LIQUIDATION_CONTINUATION_SLOTS: u64 = 150;

impl MarginAccount {
    pub const SPACE: usize = 8 + core::mem::size_of::<MarginAccount>();

    pub fn has_delegate(&self) -> bool {
        self.delegate != Pubkey::default()
    }

    /// Owner or delegate: may trade and adjust.
    pub fn is_trader(&self, signer: &Pubkey) -> bool {
        *signer == self.owner || (self.has_delegate() && *signer == self.delegate)
    }

    pub fn open_cross_positions(&self) -> impl Iterator<Item = &CrossPosition> {
        self.cross_positions.iter().filter(|p| p.in_use != 0 && p.base != 0)
    }

    /// The slots whose `[market, oracle]` pairs an instruction reading cross health takes
    /// as health accounts, in slot order: open positions and unsettled profit.
    pub fn health_slots(&self) -> impl Iterator<Item = &CrossPosition> {
        self.cross_positions.iter().filter(|p| p.in_health())
    }

    /// An unfinished liquidation that may still continue at `slot`.
    pub fn liquidation_continues(&self, slot: u64) -> bool {
        self.being_liquidated == 1 && slot.saturating_sub(self.liquidation_slot) <= LIQUIDATION_CONTINUATION_SLOTS
    }

    pub fn has_open_cross_positions(&self) -> bool {
        self.open_cross_positions().next().is_some()
    }

    /// No collateral, no open position, no unsettled profit, no isolated positions.
    pub fn is_empty(&self) -> bool {
        self.cross_collateral == 0 && self.isolated_count == 0 && self.health_slots().next().is_none()
    }

    pub fn add_collateral(&mut self, delta: i64) -> Result<()> {
        self.cross_collateral = self.cross_collateral.safe_add(delta)?;
        Ok(())
    }

    pub fn invariant(&self) -> Result<()> {
        require!(self.version == ACCOUNT_VERSION, ErrorCode::InvalidAccountVersion);
        require!(self.being_liquidated <= 1, ErrorCode::MarginAccountStateInvalid);
        require!(self.owner != Pubkey::default(), ErrorCode::MarginAccountStateInvalid);
        require!(self.delegate != self.owner, ErrorCode::MarginAccountStateInvalid);
        // Markets seen so far, by index modulo 64: only a slot whose bit is already set can
        // repeat a market, so only it is compared with the earlier slots (one pass when the
        // indices differ modulo 64, as they do for up to 64 consecutive markets).
        let mut seen = 0u64;
        for (i, p) in self.cross_positions.iter().enumerate() {
            match p.in_use {
                0 => require!(p.is_zeroed(), ErrorCode::MarginAccountStateInvalid),
                1 => {
                    require!(p.leverage >= 1, ErrorCode::MarginAccountStateInvalid);
                    require!(p.base != 0 || p.cost_basis == 0, ErrorCode::MarginAccountStateInvalid);
                    require!(p.unsettled_pnl >= 0, ErrorCode::MarginAccountStateInvalid);
                    let bit = 1u64 << (p.market_index % 64);
                    if seen & bit != 0 {
                        let dup = self.cross_positions[..i].iter().any(|q| q.in_use != 0 && q.market_index == p.market_index);
                        require!(!dup, ErrorCode::MarginAccountStateInvalid);
                    }
                    seen |= bit;
                }
                _ => return err!(ErrorCode::MarginAccountStateInvalid),
            }
        }
        Ok(())
    }
}

/// Margin mode chosen when a position opens.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub enum MarginMode {
    Cross,
    Isolated,
    StrictIsolated,
}

impl MarginMode {
    pub fn as_u8(self) -> u8 {
        self as u8
    }
    pub fn isolated(self) -> Option<crate::state::IsolatedMode> {
        match self {
            MarginMode::Cross => None,
            MarginMode::Isolated => Some(crate::state::IsolatedMode::Isolated),
            MarginMode::StrictIsolated => Some(crate::state::IsolatedMode::StrictIsolated),
        }
    }
    pub fn from_isolated(m: crate::state::IsolatedMode) -> Self {
        match m {
            crate::state::IsolatedMode::Isolated => MarginMode::Isolated,
            crate::state::IsolatedMode::StrictIsolated => MarginMode::StrictIsolated,
        }
    }
}

impl MarginAccount {
    /// The slot used for `market_index` (open or flat with a setting).
    pub fn slot_of(&self, market_index: u16) -> Option<usize> {
        self.cross_positions.iter().position(|p| p.in_use != 0 && p.market_index == market_index)
    }

    /// Counts a position that opens or flips and returns its `open_id`.
    pub fn next_open_id(&mut self) -> u16 {
        self.position_opens = self.position_opens.wrapping_add(1);
        self.position_opens
    }

    /// A slot for a new cross position: a free one, else one that only keeps a flat
    /// position's leverage setting (the setting is dropped; a slot holding unsettled
    /// profit is never taken).
    pub fn claim_slot(&mut self, market_index: u16) -> Result<usize> {
        let i = self
            .cross_positions
            .iter()
            .position(|p| p.in_use == 0)
            .or_else(|| self.cross_positions.iter().position(|p| p.base == 0 && p.unsettled_pnl == 0))
            .ok_or(ErrorCode::NoFreeCrossSlot)?;
        self.cross_positions[i] = CrossPosition { market_index, in_use: 1, leverage: 1, ..CrossPosition::default() };
        Ok(i)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn account(markets: &[u16]) -> MarginAccount {
        let mut a: MarginAccount = bytemuck::Zeroable::zeroed();
        a.version = ACCOUNT_VERSION;
        a.owner = Pubkey::new_from_array([7; 32]);
        for (slot, &m) in a.cross_positions.iter_mut().zip(markets) {
            *slot = CrossPosition { market_index: m, leverage: 5, in_use: 1, ..CrossPosition::default() };
        }
        a
    }

    fn duplicated(markets: &[u16]) -> bool {
        account(markets).invariant().is_err()
    }

    #[test]
    fn the_invariant_refuses_a_market_held_in_two_slots_wherever_they_are() {
        assert!(!duplicated(&[0, 1, 2, 3]));
        assert!(duplicated(&[2, 2]));
        assert!(duplicated(&[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 0]));
        assert!(duplicated(&[5, 9, 200, 9]));
        // Indices equal modulo 64 share a filter bit without being the same market.
        assert!(!duplicated(&[1, 65, 129, 193]));
        assert!(duplicated(&[1, 65, 129, 65]));
        // A free slot between them does not hide a repeat.
        let mut a = account(&[3, 4, 3]);
        a.cross_positions[1] = CrossPosition::default();
        assert!(a.invariant().is_err());
        a.cross_positions[2] = CrossPosition::default();
        assert!(a.invariant().is_ok());
    }
}
