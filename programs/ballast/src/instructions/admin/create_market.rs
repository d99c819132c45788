use anchor_lang::prelude::*;

use crate::constants::MARKET_SEED;
use crate::error::ErrorCode;
use crate::events::MarketCreated;
use crate::oracle::read_raw;
use crate::safe::SafeMath;
use crate::state::{Exchange, Market, MarketParams, MarketStatus, OracleKind, ACCOUNT_VERSION};

#[derive(Accounts)]
#[instruction(market_index: u16)]
pub struct CreateMarket<'info> {
    /// The exchange's admin; pays the market account's rent.
    #[account(mut)]
    pub admin: Signer<'info>,
    /// The exchange singleton (PDA `["exchange"]`); counts the markets.
    #[account(mut, has_one = admin @ ErrorCode::NotAdmin)]
    pub exchange: AccountLoader<'info, Exchange>,
    /// The new market, at PDA `["market", market_index u16 LE]`.
    #[account(init, payer = admin, space = Market::SPACE, seeds = [MARKET_SEED, &market_index.to_le_bytes()], bump)]
    pub market: AccountLoader<'info, Market>,
    /// The oracle to validate (Pyth `PriceUpdateV2` or a push oracle).
    /// CHECK: parsed and validated as `oracle_kind` in the handler.
    pub oracle: UncheckedAccount<'info>,
    /// The system program.
    pub system_program: Program<'info, System>,
}

pub fn create_market(
    ctx: Context<CreateMarket>,
    market_index: u16,
    oracle_kind: OracleKind,
    feed_id: [u8; 32],
    params: MarketParams,
) -> Result<()> {
    let mut ex = ctx.accounts.exchange.load_mut()?;
    require!(market_index == ex.market_count, ErrorCode::WrongMarketIndex);
    params.validate(ex.taker_fee_ppm)?;
    require!(oracle_kind != OracleKind::Push || ex.allow_push_oracles == 1, ErrorCode::PushOraclesDisabled);
    // The oracle must already parse as the declared kind (and, for Pyth, the feed).
    read_raw(oracle_kind, &feed_id, &ctx.accounts.oracle.to_account_info())?;

    let mut m = ctx.accounts.market.load_init()?;
    m.version = ACCOUNT_VERSION;
    m.bump = ctx.bumps.market;
    m.status = MarketStatus::Active.as_u8();
    m.oracle_kind = oracle_kind as u8;
    m.market_index = market_index;
    m.oracle = ctx.accounts.oracle.key();
    m.feed_id = feed_id;
    let now = Clock::get()?.unix_timestamp;
    m.last_funding_ts = now;
    m.settle_period_start = now;
    m.apply_params(&params);
    m.invariant()?;

    ex.market_count = ex.market_count.safe_add(1)?;
    ex.invariant()?;
    emit!(MarketCreated { market: ctx.accounts.market.key(), market_index, oracle: m.oracle, oracle_kind: m.oracle_kind, params });
    Ok(())
}
