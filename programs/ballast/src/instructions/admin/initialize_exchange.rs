use anchor_lang::prelude::*;
use anchor_spl::token::{Mint, Token, TokenAccount};

use crate::constants::{EXCHANGE_SEED, MAX_MARGIN_GUARD_TIP, MAX_TAKER_FEE_PPM, VAULT_SEED};
use crate::error::ErrorCode;
use crate::events::ExchangeInitialized;
use crate::state::{Exchange, MarketStatus, ACCOUNT_VERSION};

/// Exchange-wide parameters chosen at initialisation.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug, PartialEq, Eq)]
pub struct ExchangeParams {
    pub guardian: Pubkey,
    pub taker_fee_ppm: u32,
    pub protocol_fee_share_ppm: u32,
    pub liquidation_buffer_ppm: u32,
    pub margin_guard_tip: u64,
    /// Whether markets may read program-owned push oracles (local validators and devnets).
    /// False on a production exchange: its markets read Pyth only. Fixed for the
    /// exchange's life.
    pub allow_push_oracles: bool,
}

impl ExchangeParams {
    pub fn validate(&self) -> Result<()> {
        require!(self.guardian != Pubkey::default(), ErrorCode::InvalidExchangeParams);
        require!(self.taker_fee_ppm <= MAX_TAKER_FEE_PPM, ErrorCode::InvalidExchangeParams);
        require!(self.protocol_fee_share_ppm <= 1_000_000, ErrorCode::InvalidExchangeParams);
        // ≤ 100%: initial margin (≥ 2 × maintenance) then always implies the buffered target.
        require!(self.liquidation_buffer_ppm <= 1_000_000, ErrorCode::InvalidExchangeParams);
        require!(self.margin_guard_tip <= MAX_MARGIN_GUARD_TIP, ErrorCode::InvalidExchangeParams);
        Ok(())
    }
}

#[derive(Accounts)]
pub struct InitializeExchange<'info> {
    /// Becomes the exchange's admin; pays the rent.
    #[account(mut)]
    pub admin: Signer<'info>,
    /// The new exchange, at PDA `["exchange"]`.
    #[account(init, payer = admin, space = Exchange::SPACE, seeds = [EXCHANGE_SEED], bump)]
    pub exchange: AccountLoader<'info, Exchange>,
    /// The collateral mint (classic SPL Token).
    pub collateral_mint: Account<'info, Mint>,
    /// The new vault, at PDA `["vault", exchange]`, owned by the exchange.
    #[account(
        init, payer = admin, seeds = [VAULT_SEED, exchange.key().as_ref()], bump,
        token::mint = collateral_mint, token::authority = exchange, token::token_program = token_program,
    )]
    pub vault: Account<'info, TokenAccount>,
    /// The classic SPL Token program.
    pub token_program: Program<'info, Token>,
    /// The system program.
    pub system_program: Program<'info, System>,
}

pub fn initialize_exchange(ctx: Context<InitializeExchange>, params: ExchangeParams) -> Result<()> {
    params.validate()?;
    let mut ex = ctx.accounts.exchange.load_init()?;
    ex.version = ACCOUNT_VERSION;
    ex.bump = ctx.bumps.exchange;
    ex.vault_bump = ctx.bumps.vault;
    ex.status = MarketStatus::Active.as_u8();
    ex.collateral_decimals = ctx.accounts.collateral_mint.decimals;
    ex.admin = ctx.accounts.admin.key();
    ex.guardian = params.guardian;
    ex.collateral_mint = ctx.accounts.collateral_mint.key();
    ex.vault = ctx.accounts.vault.key();
    ex.taker_fee_ppm = params.taker_fee_ppm;
    ex.protocol_fee_share_ppm = params.protocol_fee_share_ppm;
    ex.liquidation_buffer_ppm = params.liquidation_buffer_ppm;
    ex.margin_guard_tip = params.margin_guard_tip;
    ex.allow_push_oracles = u8::from(params.allow_push_oracles);
    ex.invariant()?;
    emit!(ExchangeInitialized {
        exchange: ctx.accounts.exchange.key(),
        admin: ex.admin,
        guardian: ex.guardian,
        collateral_mint: ex.collateral_mint,
        vault: ex.vault,
        taker_fee_ppm: ex.taker_fee_ppm,
        protocol_fee_share_ppm: ex.protocol_fee_share_ppm,
        liquidation_buffer_ppm: ex.liquidation_buffer_ppm,
        margin_guard_tip: ex.margin_guard_tip,
        allow_push_oracles: params.allow_push_oracles,
    });
    Ok(())
}
