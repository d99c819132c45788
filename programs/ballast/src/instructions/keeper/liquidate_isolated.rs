use anchor_lang::prelude::*;
use anchor_spl::token::{Token, TokenAccount};

use crate::controller::funding;
use crate::controller::liquidation::{liquidate, IsolatedDomain};
use crate::error::ErrorCode;
use crate::events::Liquidated;
use crate::health::{snapshot, HealthQuery, MarketView, Policy};
use crate::oracle::read_oracle;
use crate::state::{Exchange, IsolatedPosition, MarginAccount, Market, MarketStatus};
use crate::token::pay_out;

#[derive(Accounts)]
pub struct LiquidateIsolated<'info> {
    /// Anyone; receives the reward in `keeper_token` (nothing when it is the account's
    /// owner or delegate).
    pub keeper: Signer<'info>,
    /// The exchange singleton (PDA `["exchange"]`).
    #[account(mut)]
    pub exchange: AccountLoader<'info, Exchange>,
    /// The market (PDA `["market", market_index u16 LE]`).
    #[account(mut)]
    pub market: AccountLoader<'info, Market>,
    /// The market's oracle (Pyth `PriceUpdateV2`, or a push oracle where allowed).
    /// CHECK: the market's oracle, checked by `read_oracle`.
    pub oracle: UncheckedAccount<'info>,
    /// The isolated position (PDA `["isolated", margin_account, market_index u16 LE]`).
    #[account(
        mut,
        constraint = isolated_position.load()?.market_index == market.load()?.market_index @ ErrorCode::WrongIsolatedPosition,
    )]
    pub isolated_position: AccountLoader<'info, IsolatedPosition>,
    /// The position's margin account, read only to know its owner and delegate (it is
    /// never written: cross is untouched).
    #[account(constraint = margin_account.key() == isolated_position.load()?.margin_account @ ErrorCode::WrongIsolatedPosition)]
    pub margin_account: AccountLoader<'info, MarginAccount>,
    /// The exchange's collateral vault (PDA `["vault", exchange]`).
    #[account(mut, address = exchange.load()?.vault @ ErrorCode::WrongVault)]
    pub vault: Account<'info, TokenAccount>,
    /// The keeper's collateral token account.
    #[account(mut, constraint = keeper_token.mint == exchange.load()?.collateral_mint @ ErrorCode::WrongMint)]
    pub keeper_token: Account<'info, TokenAccount>,
    /// The classic SPL Token program.
    pub token_program: Program<'info, Token>,
}

/// Liquidates an isolated or strict-isolated position below its maintenance margin
/// (SPEC §5). Needs the position, its market, a valid oracle price no older than the
/// market's fill age, and the vault: cross collateral and every other position stay
/// untouched. Allowed in every status. The steps are `controller::liquidation::liquidate`.
pub fn liquidate_isolated(ctx: Context<LiquidateIsolated>, max_base: u64) -> Result<()> {
    let clock = Clock::get()?;
    let a = &mut *ctx.accounts;
    let position_key = a.isolated_position.key();
    let keeper = a.keeper.key();
    let self_liquidation = a.margin_account.load()?.is_trader(&keeper);
    let mut ex = a.exchange.load_mut()?;
    let mut market = a.market.load_mut()?;
    let mut p = a.isolated_position.load_mut()?;
    require!(p.base != 0, ErrorCode::NoOpenPosition);
    let status = market.effective_status(ex.status());
    let oracle = read_oracle(&market, &a.oracle, ex.collateral_decimals, clock.unix_timestamp)?;
    oracle.require_fill(market.max_fill_age_secs)?;
    funding::accrue(&mut market, &oracle, clock.unix_timestamp, status == MarketStatus::Paused)?;
    let q = HealthQuery::new(&ex, &clock, Policy::Lenient);
    let view = MarketView::of(&market, &oracle, &q)?;

    let mut domain = IsolatedDomain { position: &mut p, view: &view };
    let done = liquidate(&mut domain, &mut market, &mut ex, oracle.price, clock.unix_timestamp, max_base, self_liquidation)?;
    p.last_active_slot = clock.slot;
    p.invariant()?;
    market.invariant()?;
    let market_index = market.market_index;
    drop(ex);
    pay_out(&a.token_program, &mut a.vault, &a.keeper_token, &a.exchange, done.reward)?;
    emit!(Liquidated {
        keeper,
        domain_account: position_key,
        market_index,
        isolated: true,
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
    done.bad_debt.emit(position_key, market_index);
    Ok(())
}
