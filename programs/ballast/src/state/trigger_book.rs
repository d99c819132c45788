use anchor_lang::prelude::*;

use crate::error::ErrorCode;
use crate::state::ACCOUNT_VERSION;

/// Most trigger orders one margin account holds at once.
pub const MAX_TRIGGER_ORDERS: usize = 8;

/// When a trigger order fires, against the oracle price.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub enum TriggerCondition {
    /// The price is at or above the trigger (a long's take-profit, a short's stop-loss).
    AtOrAbove,
    /// The price is at or below the trigger (a long's stop-loss, a short's take-profit).
    AtOrBelow,
}

impl TriggerCondition {
    pub fn from_u8(v: u8) -> Option<Self> {
        match v {
            1 => Some(Self::AtOrAbove),
            2 => Some(Self::AtOrBelow),
            _ => None,
        }
    }
    pub fn as_u8(self) -> u8 {
        match self {
            Self::AtOrAbove => 1,
            Self::AtOrBelow => 2,
        }
    }
    pub fn met(self, price: u64, trigger: u64) -> bool {
        match self {
            Self::AtOrAbove => price >= trigger,
            Self::AtOrBelow => price <= trigger,
        }
    }
}

/// How much a trigger order closes.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub enum TriggerSize {
    /// A number of base lots (at most the position's size when it fires).
    Lots(u64),
    /// A fraction of the position's size when it fires, ppm (1e6 closes it all).
    Fraction(u32),
}

/// One stored reduce-only trigger order. A slot is free when `condition == 0`.
#[zero_copy]
#[derive(Debug, Default, PartialEq, Eq)]
pub struct TriggerOrder {
    /// Unique within the book (the book's counter when it was placed).
    pub id: u32,
    pub market_index: u16,
    /// [`TriggerCondition`] as 1 or 2; 0 for a free slot.
    pub condition: u8,
    /// 1 for the cross position in the market, 2 for the isolated one (either mode).
    pub domain: u8,
    /// The side of the position it closes: 1 long, 2 short.
    pub side: u8,
    /// 1: `size` is base lots; 2: `size` is a fraction of the position, ppm.
    pub size_kind: u8,
    /// The position's `open_id` when the order was placed: the order belongs to that
    /// position only, never to one opened later in the same market.
    pub open_id: u16,
    pub _padding: [u8; 4],
    /// Oracle price (program price scale) at which it fires.
    pub trigger_price: u64,
    pub size: u64,
    /// Worst acceptable fill: a sell fills at or above it, a buy at or below it.
    pub limit_price: u64,
    /// Paid to the keeper that executes it, quote native (at most `MAX_TRIGGER_TIP`).
    pub tip: u64,
}
crate::assert_size!(TriggerOrder, 48);

impl TriggerOrder {
    pub fn is_free(&self) -> bool {
        self.condition == 0
    }
}

/// A margin account's trigger orders (PDA `["triggers", margin_account]`).
#[account(zero_copy)]
#[derive(Debug)]
pub struct TriggerBook {
    pub version: u8,
    pub bump: u8,
    pub _padding0: [u8; 2],
    /// Id the next order gets.
    pub next_id: u32,
    pub margin_account: Pubkey,
    pub orders: [TriggerOrder; MAX_TRIGGER_ORDERS],
    pub reserved: [u8; 64],
}
crate::assert_size!(TriggerBook, 488);

impl TriggerBook {
    pub const SPACE: usize = 8 + core::mem::size_of::<TriggerBook>();

    pub fn find(&self, id: u32) -> Result<usize> {
        self.orders.iter().position(|o| !o.is_free() && o.id == id).ok_or_else(|| error!(ErrorCode::TriggerOrderNotFound))
    }

    pub fn invariant(&self) -> Result<()> {
        require!(self.version == ACCOUNT_VERSION, ErrorCode::InvalidAccountVersion);
        for o in self.orders.iter().filter(|o| !o.is_free()) {
            require!(TriggerCondition::from_u8(o.condition).is_some(), ErrorCode::TriggerBookStateInvalid);
            require!(
                matches!(o.domain, 1 | 2) && matches!(o.side, 1 | 2) && matches!(o.size_kind, 1 | 2),
                ErrorCode::TriggerBookStateInvalid
            );
            require!(o.size > 0 && o.trigger_price > 0, ErrorCode::TriggerBookStateInvalid);
        }
        Ok(())
    }
}
