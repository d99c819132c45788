//! Trigger orders: which position an order acts on, how much it closes, and the keeper's
//! tip. `execute_trigger_order` runs the close itself through `controller::trade`.

use anchor_lang::prelude::*;
use ballast_math::margin::DomainHealth;
use ballast_math::trigger;

use core::cell::RefMut;

use super::{isolated, pda};
use crate::constants::TRIGGER_SEED;
use crate::error::ErrorCode;
use crate::events::TradeExecuted;
use crate::safe::{Cast, MathExt, SafeMath};
use crate::state::{
    load_checked, load_checked_mut, IsolatedPosition, MarginAccount, MarginMode, TriggerBook, TriggerCondition, TriggerOrder, TriggerSize,
    ACCOUNT_VERSION,
};

/// The order's size stored as (kind, value): 1 lots, 2 fraction ppm.
pub fn encode_size(size: TriggerSize) -> (u8, u64) {
    match size {
        TriggerSize::Lots(n) => (1, n),
        TriggerSize::Fraction(ppm) => (2, u64::from(ppm)),
    }
}

/// A valid size: lots a non-zero multiple of the market's lot, a fraction in 1..=1e6 ppm.
pub fn validate_size(size: TriggerSize, lot_size: u64) -> Result<()> {
    let ok = match size {
        TriggerSize::Lots(n) => n > 0 && n.is_multiple_of(lot_size) && i64::try_from(n).is_ok(),
        TriggerSize::Fraction(ppm) => (1..=1_000_000).contains(&ppm),
    };
    require!(ok, ErrorCode::InvalidTriggerOrder);
    Ok(())
}

/// The oracle price has reached the order's trigger.
pub fn require_reached(order: &TriggerOrder, price: u64) -> Result<()> {
    let condition = TriggerCondition::from_u8(order.condition).ok_or(ErrorCode::TriggerBookStateInvalid)?;
    require!(condition.met(price, order.trigger_price), ErrorCode::TriggerNotMet);
    Ok(())
}

/// Lots to close of a position of `base` lots (`ballast_math::trigger::close_size`).
pub fn close_size(order: &TriggerOrder, base: i64, lot_size: u64) -> Result<i64> {
    let lots = (order.size_kind == 1).then_some(order.size);
    let fraction = if order.size_kind == 2 { order.size.cast::<u32>()? } else { 0 };
    trigger::close_size(base.unsigned_abs(), lots, fraction, lot_size).math()?.cast::<i64>()
}

/// The position the order was placed on, if it is still open: its size and mode.
/// `None` when it closed, flipped, or was closed and reopened (its `open_id` changed).
pub fn target_position(
    account: &MarginAccount,
    isolated_position: &AccountInfo,
    account_key: &Pubkey,
    order: &TriggerOrder,
) -> Result<Option<(i64, MarginMode)>> {
    let index = order.market_index;
    let (base, open_id, mode) = if order.domain == 1 {
        match account.slot_of(index) {
            Some(i) => {
                let s = &account.cross_positions[i];
                (s.base, s.open_id, MarginMode::Cross)
            }
            None => return Ok(None),
        }
    } else {
        isolated::verify_address(isolated_position, account_key, index, account.isolated_count)?;
        if !isolated::exists(isolated_position) {
            return Ok(None);
        }
        let p = isolated::load_mut(isolated_position, account_key, index)?;
        (p.base, p.open_id, MarginMode::from_isolated(p.mode()?))
    };
    let side = if base > 0 { 1 } else { 2 };
    Ok((base != 0 && side == order.side && open_id == order.open_id).then_some((base, mode)))
}

/// Takes the keeper's tip from the domain that traded (`ballast_math::trigger::affordable_tip`): cross
/// collateral, the isolated position's collateral, or, for an isolated position the order
/// closed, the margin it just returned to cross (all of the tip or nothing). Returns it.
pub fn take_tip(
    account: &mut MarginAccount,
    isolated_position: &AccountInfo,
    account_key: &Pubkey,
    order: &TriggerOrder,
    mode: MarginMode,
    traded: &TradeExecuted,
    after: &DomainHealth,
) -> Result<u64> {
    let tip = if mode == MarginMode::Cross {
        let tip = trigger::affordable_tip(order.tip, account.cross_collateral, after).math()?;
        account.cross_collateral = account.cross_collateral.safe_sub(tip.cast::<i64>()?)?;
        tip
    } else if traded.base_after == 0 {
        let tip = if traded.margin_moved.saturating_neg() >= order.tip.cast::<i64>()? { order.tip } else { 0 };
        account.cross_collateral = account.cross_collateral.safe_sub(tip.cast::<i64>()?)?;
        tip
    } else {
        let mut p = isolated::load_mut(isolated_position, account_key, order.market_index)?;
        let tip = trigger::affordable_tip(order.tip, p.collateral, after).math()?;
        p.collateral = p.collateral.safe_sub(tip.cast::<i64>()?)?;
        p.invariant()?;
        tip
    };
    Ok(tip)
}

/// The open position an order is being placed on: its size and `open_id`.
pub fn placed_position(
    account: &MarginAccount,
    isolated_position: &AccountInfo,
    account_key: &Pubkey,
    market_index: u16,
    in_isolated: bool,
) -> Result<(i64, u16)> {
    let (base, open_id) = if in_isolated {
        isolated::verify_address(isolated_position, account_key, market_index, account.isolated_count)?;
        require!(isolated::exists(isolated_position), ErrorCode::NoOpenPosition);
        let p = load_checked::<IsolatedPosition>(isolated_position)?;
        (p.base, p.open_id)
    } else {
        let i = account.slot_of(market_index).ok_or(ErrorCode::NoOpenPosition)?;
        (account.cross_positions[i].base, account.cross_positions[i].open_id)
    };
    require!(base != 0, ErrorCode::NoOpenPosition);
    Ok((base, open_id))
}

/// The account's trigger book, created at its PDA (`["triggers", margin_account]`, paid
/// by `payer`) when it does not exist yet; an existing one must record the account.
pub fn open_book<'a, 'info>(
    book: &'a AccountInfo<'info>,
    payer: &AccountInfo<'info>,
    system_program: &AccountInfo<'info>,
    account_key: &Pubkey,
) -> Result<RefMut<'a, TriggerBook>> {
    if *book.owner != crate::ID {
        let (pda, bump) = Pubkey::find_program_address(&[TRIGGER_SEED, account_key.as_ref()], &crate::ID);
        require_keys_eq!(book.key(), pda, ErrorCode::WrongTriggerBook);
        let seeds: &[&[u8]] = &[TRIGGER_SEED, account_key.as_ref(), &[bump]];
        pda::create(book, payer, system_program, seeds, TriggerBook::SPACE, TriggerBook::DISCRIMINATOR)?;
        let mut b = load_checked_mut::<TriggerBook>(book)?;
        b.version = ACCOUNT_VERSION;
        b.bump = bump;
        b.margin_account = *account_key;
    }
    let b = load_checked_mut::<TriggerBook>(book)?;
    require!(b.margin_account == *account_key, ErrorCode::WrongTriggerBook);
    Ok(b)
}
