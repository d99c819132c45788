use anchor_lang::prelude::*;
use anchor_spl::token::{Token, TokenAccount};

use crate::controller::funding;
use crate::controller::liquidation::{liquidate, CrossDomain};
use crate::error::ErrorCode;
use crate::events::Liquidated;
use crate::health::{snapshot, CrossBook, HealthQuery, MarketView, Policy};
use crate::oracle::read_oracle;
use crate::state::{Exchange, MarginAccount, Market, MarketStatus};
use crate::token::pay_out;

#[derive(Accounts)]
pub struct LiquidateCross<'info> {
    /// Anyone; receives the reward in `keeper_token` (nothing when it is the account's
    /// owner or delegate).
    pub keeper: Signer<'info>,
    /// The exchange singleton (PDA `["exchange"]`).
    #[account(mut)]
    pub exchange: AccountLoader<'info, Exchange>,
    /// The trader's margin account (PDA `["margin", owner, sub_id u16 LE]`).
    #[account(mut)]
    pub margin_account: AccountLoader<'info, MarginAccount>,
    /// The market of the cross position to close.
    #[account(mut)]
    pub market: AccountLoader<'info, Market>,
    /// The market's oracle (Pyth `PriceUpdateV2`, or a push oracle where allowed).
    /// CHECK: the market's oracle, checked by `read_oracle`.
    pub oracle: UncheckedAccount<'info>,
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

/// Liquidates one cross position of an account whose cross domain is below maintenance
/// (SPEC §5). The liquidated market needs a valid price no older than its fill age; every
/// other cross position is valued at its price when valid and against the trader when not
/// (a stale market cannot shield the account, the audit's H-1). Isolated positions are
/// never touched. Allowed in every status: a pause stops new risk, never liquidations.
/// Once started, a liquidation may continue (`being_liquidated`) until the domain is back
/// to maintenance × (1 + buffer), for a limited number of slots, so a keeper limited by
/// `max_base` can finish it.
pub fn liquidate_cross<'info>(ctx: Context<'info, LiquidateCross<'info>>, max_base: u64) -> Result<()> {
    let clock = Clock::get()?;
    let now = clock.unix_timestamp;
    let a = &mut *ctx.accounts;
    let account_key = a.margin_account.key();
    let mut ex = a.exchange.load_mut()?;
    let mut market = a.market.load_mut()?;
    let mut acct = a.margin_account.load_mut()?;
    let status = market.effective_status(ex.status());
    let index = market.market_index;
    let slot = acct.slot_of(index).filter(|&i| acct.cross_positions[i].base != 0).ok_or(ErrorCode::NoOpenPosition)?;
    let oracle = read_oracle(&market, &a.oracle, ex.collateral_decimals, now)?;
    oracle.require_fill(market.max_fill_age_secs)?;
    funding::accrue(&mut market, &oracle, now, status == MarketStatus::Paused)?;
    let keeper = a.keeper.key();
    let self_liquidation = acct.is_trader(&keeper);
    // Every other cross position is read and valued once.
    let book = {
        let q = HealthQuery::new(&ex, &clock, Policy::Lenient);
        CrossBook::scan(&acct, ctx.remaining_accounts, &q, Some(MarketView::of(&market, &oracle, &q)?))?
    };

    let mut domain = CrossDomain { account: &mut acct, slot, book: &book, clock_slot: clock.slot };
    let done = liquidate(&mut domain, &mut market, &mut ex, oracle.price, now, max_base, self_liquidation)?;
    acct.being_liquidated = u8::from(!done.flat && !done.after.restored(ex.liquidation_buffer_ppm));
    acct.liquidation_slot = clock.slot;
    acct.last_active_slot = clock.slot;
    acct.invariant()?;
    market.invariant()?;
    drop(ex);
    pay_out(&a.token_program, &mut a.vault, &a.keeper_token, &a.exchange, done.reward)?;
    emit!(Liquidated {
        keeper,
        domain_account: account_key,
        market_index: index,
        isolated: false,
        base_before: done.base_before,
        base_after: done.base_after,
        oracle_price: oracle.price,
        closed_notional: done.closed_notional,
        realised_pnl: done.realised_pnl,
        keeper_reward: done.reward,
        insurance_share: done.insurance,
        self_liquidation,
        domain_before: snapshot(&done.before),
        domain_after: snapshot(&done.after),
    });
    done.bad_debt.emit(account_key, index);
    Ok(())
}
