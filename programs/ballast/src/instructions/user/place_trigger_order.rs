use anchor_lang::prelude::*;

use crate::constants::MAX_TRIGGER_TIP;
use crate::controller::triggers;
use crate::error::ErrorCode;
use crate::events::TriggerOrderPlaced;
use crate::state::{MarginAccount, Market, TriggerCondition, TriggerOrder, TriggerSize};

/// A reduce-only order on one open position, fired by the oracle price.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub struct TriggerOrderParams {
    pub market_index: u16,
    /// The isolated position in the market (either isolated mode) rather than the cross one.
    pub isolated: bool,
    pub condition: TriggerCondition,
    /// Oracle price (program price scale) at which the order fires.
    pub trigger_price: u64,
    pub size: TriggerSize,
    /// Worst acceptable fill: closing a long (a sell) fills at or above it, closing a
    /// short (a buy) at or below it.
    pub limit_price: u64,
    /// Paid to the executing keeper, quote native, at most 1 unit of collateral; only the
    /// owner may attach one.
    pub tip: u64,
}

#[derive(Accounts)]
pub struct PlaceTriggerOrder<'info> {
    /// Owner or delegate; pays the trigger book's rent when it is created.
    #[account(mut)]
    pub authority: Signer<'info>,
    /// The trader's margin account (PDA `["margin", owner, sub_id u16 LE]`).
    #[account(constraint = margin_account.load()?.is_trader(&authority.key()) @ ErrorCode::NotOwnerOrDelegate)]
    pub margin_account: AccountLoader<'info, MarginAccount>,
    /// The position's market (PDA `["market", market_index u16 LE]`).
    pub market: AccountLoader<'info, Market>,
    /// The isolated position PDA `["isolated", margin_account, market_index u16 LE]`
    /// (read for an isolated order; any account for a cross one).
    /// CHECK: by `isolated::verify_address` for an isolated order.
    pub isolated_position: UncheckedAccount<'info>,
    /// The account's trigger book (PDA `["triggers", margin_account]`), created here on
    /// first use.
    /// CHECK: created at its PDA, or identified by the margin account it records.
    #[account(mut)]
    pub trigger_book: UncheckedAccount<'info>,
    /// The system program.
    pub system_program: Program<'info, System>,
}

/// Stores a reduce-only trigger order on an open position: when the oracle price reaches
/// `trigger_price` (at or above, or at or below), any keeper may close `size` of the
/// position (`execute_trigger_order`) for the order's tip. The order belongs to the
/// position as it is now: it never acts on a position opened later in the market.
pub fn place_trigger_order(ctx: Context<PlaceTriggerOrder>, params: TriggerOrderParams) -> Result<()> {
    let a = &ctx.accounts;
    let account_key = a.margin_account.key();
    let market = a.market.load()?;
    require!(market.market_index == params.market_index, ErrorCode::WrongMarketIndex);
    triggers::validate_size(params.size, market.lot_size)?;
    require!(params.trigger_price > 0 && params.tip <= MAX_TRIGGER_TIP, ErrorCode::InvalidTriggerOrder);
    // A tip is the owner's money leaving the account: a delegate, who may never withdraw,
    // may not attach one (it could execute the order with a key of its own).
    require!(params.tip == 0 || a.margin_account.load()?.owner == a.authority.key(), ErrorCode::NotOwner);

    // The position it closes, as it stands, and the book it goes in.
    let (base, open_id) = {
        let acct = a.margin_account.load()?;
        triggers::placed_position(&acct, &a.isolated_position, &account_key, params.market_index, params.isolated)?
    };
    let book_ai = a.trigger_book.to_account_info();
    let mut book = triggers::open_book(&book_ai, &a.authority.to_account_info(), &a.system_program.to_account_info(), &account_key)?;
    let k = book.orders.iter().position(TriggerOrder::is_free).ok_or(ErrorCode::TriggerBookFull)?;
    let id = book.next_id;
    book.next_id = id.wrapping_add(1);
    let (size_kind, size) = triggers::encode_size(params.size);
    let side = if base > 0 { 1 } else { 2 };
    book.orders[k] = TriggerOrder {
        id,
        market_index: params.market_index,
        condition: params.condition.as_u8(),
        domain: if params.isolated { 2 } else { 1 },
        side,
        size_kind,
        open_id,
        _padding: [0; 4],
        trigger_price: params.trigger_price,
        size,
        limit_price: params.limit_price,
        tip: params.tip,
    };
    book.invariant()?;
    emit!(TriggerOrderPlaced {
        margin_account: account_key,
        id,
        market_index: params.market_index,
        isolated: params.isolated,
        condition: params.condition.as_u8(),
        side,
        trigger_price: params.trigger_price,
        size_kind,
        size,
        limit_price: params.limit_price,
        tip: params.tip,
    });
    Ok(())
}
