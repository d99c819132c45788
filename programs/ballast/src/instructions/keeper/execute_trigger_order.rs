use anchor_lang::prelude::*;
use anchor_spl::token::{Token, TokenAccount};

use crate::controller::trade::{self, TradeAccounts, TradeOrder};
use crate::controller::triggers;
use crate::error::ErrorCode;
use crate::events::{TriggerOrderCancelled, TriggerOrderExecuted};
use crate::oracle::read_oracle;
use crate::safe::{Cast, SafeNeg};
use crate::state::{Exchange, MarginAccount, Market, TriggerBook, TriggerOrder};
use crate::token::pay_out;

#[derive(Accounts)]
pub struct ExecuteTriggerOrder<'info> {
    /// Anyone; receives the order's tip in `keeper_token`.
    pub keeper: Signer<'info>,
    /// The exchange singleton (PDA `["exchange"]`).
    #[account(mut)]
    pub exchange: AccountLoader<'info, Exchange>,
    /// The trader's margin account (PDA `["margin", owner, sub_id u16 LE]`).
    #[account(mut)]
    pub margin_account: AccountLoader<'info, MarginAccount>,
    /// The order's market (PDA `["market", market_index u16 LE]`).
    #[account(mut)]
    pub market: AccountLoader<'info, Market>,
    /// The market's oracle (Pyth `PriceUpdateV2`, or a push oracle where allowed).
    /// CHECK: the market's oracle, checked by `read_oracle`.
    pub oracle: UncheckedAccount<'info>,
    /// CHECK: by `isolated::verify_address`. The isolated position PDA
    /// `["isolated", margin_account, market_index u16 LE]` (passed for cross orders too).
    #[account(mut)]
    pub isolated_position: UncheckedAccount<'info>,
    /// The account's trigger book (PDA `["triggers", margin_account]`).
    #[account(mut, has_one = margin_account @ ErrorCode::WrongTriggerBook)]
    pub trigger_book: AccountLoader<'info, TriggerBook>,
    /// The exchange's collateral vault (PDA `["vault", exchange]`).
    #[account(mut, address = exchange.load()?.vault @ ErrorCode::WrongVault)]
    pub vault: Account<'info, TokenAccount>,
    /// The keeper's collateral token account.
    #[account(mut, constraint = keeper_token.mint == exchange.load()?.collateral_mint @ ErrorCode::WrongMint)]
    pub keeper_token: Account<'info, TokenAccount>,
    /// The classic SPL Token program.
    pub token_program: Program<'info, Token>,
    // remaining: [market, oracle] per cross slot in health other than `market`, in slot order.
}

/// Permissionless: executes trigger order `id` once the oracle price has reached its
/// trigger, closing its size of the position it was placed on as a reduce-only trade
/// (`controller::trade`, the same steps, fee and checks as the owner's own trade) within
/// the order's limit price, and pays the keeper the order's tip when the domain can pay
/// it and stay above maintenance (never to the account's owner or delegate). The order is then removed. An order whose position has
/// closed, flipped or been replaced is removed without trading (and without a tip).
pub fn execute_trigger_order<'info>(ctx: Context<'info, ExecuteTriggerOrder<'info>>, id: u32) -> Result<()> {
    let clock = Clock::get()?;
    let a = &mut *ctx.accounts;
    let account_key = a.margin_account.key();
    let mut book = a.trigger_book.load_mut()?;
    let k = book.find(id)?;
    let order = book.orders[k];
    book.orders[k] = TriggerOrder::default();
    book.invariant()?;
    let mut ex = a.exchange.load_mut()?;
    let mut market = a.market.load_mut()?;
    let mut acct = a.margin_account.load_mut()?;
    require!(market.market_index == order.market_index, ErrorCode::WrongMarketIndex);
    let Some((base, mode)) = triggers::target_position(&acct, &a.isolated_position, &account_key, &order)? else {
        emit!(TriggerOrderCancelled { margin_account: account_key, id, market_index: order.market_index, reason: 1 });
        return Ok(());
    };
    let oracle = read_oracle(&market, &a.oracle, ex.collateral_decimals, clock.unix_timestamp)?;
    oracle.require_fill(market.max_fill_age_secs)?;
    triggers::require_reached(&order, oracle.price)?;

    let q = triggers::close_size(&order, base, market.lot_size)?;
    let close = TradeOrder { base_delta: if base > 0 { -q } else { q }, limit_price: order.limit_price, mode, leverage: 0 };
    let accounts = TradeAccounts {
        exchange: &mut ex,
        market: &mut market,
        account: &mut acct,
        account_key,
        oracle: &a.oracle,
        reading: Some(oracle),
        isolated_position: &a.isolated_position,
        payer: None,
        remaining: ctx.remaining_accounts,
    };
    let (traded, after) = trade::execute(accounts, &close, &clock)?;

    // The owner or delegate executing its own order earns nothing: the tip would be a
    // withdrawal that skips the transfer lock.
    let own = acct.is_trader(&a.keeper.key());
    let tip = if own { 0 } else { triggers::take_tip(&mut acct, &a.isolated_position, &account_key, &order, mode, &traded, &after)? };
    ex.add_claims(tip.cast::<i64>()?.safe_neg()?)?;
    acct.invariant()?;
    drop((ex, market, acct, book));
    pay_out(&a.token_program, &mut a.vault, &a.keeper_token, &a.exchange, tip)?;
    emit!(traded);
    emit!(TriggerOrderExecuted {
        margin_account: account_key,
        id,
        market_index: order.market_index,
        keeper: a.keeper.key(),
        oracle_price: traded.oracle_price,
        trigger_price: order.trigger_price,
        base_before: traded.base_before,
        base_after: traded.base_after,
        fill_price: traded.fill_price,
        tip,
    });
    Ok(())
}
