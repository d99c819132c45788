//! Ballast: a perpetual-futures margin program with cross, isolated and strict-isolated
//! margin. This file only forwards; each instruction's accounts, checks and handler live
//! together in `instructions/`. See docs/ARCHITECTURE.md for the layers.
#![allow(clippy::result_large_err)]

#[cfg(target_os = "solana")]
use solana_compiler_builtins as _;

use anchor_lang::prelude::*;

pub mod constants;
pub mod controller;
pub mod error;
pub mod events;
pub mod health;
pub mod instructions;
pub mod oracle;
pub mod state;
pub mod token;

use instructions::*;
use state::{MarginMode, MarketParams, MarketStatus, OracleKind};

declare_id!("AQF7dZyFJ36VypUvMs2uXBYoanDhw14CngqrwjgfhDPQ");

#[program]
pub mod ballast {
    use super::*;

    // ----- admin -----

    pub fn initialize_exchange(ctx: Context<InitializeExchange>, params: ExchangeParams) -> Result<()> {
        instructions::initialize_exchange(ctx, params)
    }

    pub fn create_market(
        ctx: Context<CreateMarket>,
        market_index: u16,
        oracle_kind: OracleKind,
        feed_id: [u8; 32],
        params: MarketParams,
    ) -> Result<()> {
        instructions::create_market(ctx, market_index, oracle_kind, feed_id, params)
    }

    pub fn update_market(ctx: Context<UpdateMarket>, params: MarketParams) -> Result<()> {
        instructions::update_market(ctx, params)
    }

    pub fn set_pause(ctx: Context<SetPause>, status: MarketStatus) -> Result<()> {
        instructions::set_pause(ctx, status)
    }

    pub fn fund_pool(ctx: Context<PoolTransfer>, amount: u64) -> Result<()> {
        instructions::fund_pool(ctx, amount)
    }

    pub fn defund_pool<'info>(ctx: Context<'info, PoolTransfer<'info>>, amount: u64) -> Result<()> {
        instructions::defund_pool(ctx, amount)
    }

    pub fn propose_authority(ctx: Context<ProposeAuthority>, role: AuthorityRole, proposed: Pubkey) -> Result<()> {
        instructions::propose_authority(ctx, role, proposed)
    }

    pub fn accept_authority(ctx: Context<AcceptAuthority>, role: AuthorityRole) -> Result<()> {
        instructions::accept_authority(ctx, role)
    }

    pub fn create_push_oracle(ctx: Context<CreatePushOracle>, exponent: i32, price: i64, conf: u64) -> Result<()> {
        instructions::create_push_oracle(ctx, exponent, price, conf)
    }

    pub fn update_push_oracle(ctx: Context<UpdatePushOracle>, price: i64, conf: u64, publish_time: Option<i64>) -> Result<()> {
        instructions::update_push_oracle(ctx, price, conf, publish_time)
    }

    // ----- user -----

    pub fn create_margin_account(ctx: Context<CreateMarginAccount>, sub_id: u16) -> Result<()> {
        instructions::create_margin_account(ctx, sub_id)
    }

    pub fn close_margin_account(ctx: Context<CloseMarginAccount>) -> Result<()> {
        instructions::close_margin_account(ctx)
    }

    pub fn close_isolated_position(ctx: Context<CloseIsolatedPosition>) -> Result<()> {
        instructions::close_isolated_position(ctx)
    }

    pub fn set_margin_guard(ctx: Context<SetMarginGuard>, trigger_ratio_ppm: u32, top_up_amount: u64, max_total: u64) -> Result<()> {
        instructions::set_margin_guard(ctx, trigger_ratio_ppm, top_up_amount, max_total)
    }

    pub fn set_delegate(ctx: Context<SetDelegate>, delegate: Pubkey) -> Result<()> {
        instructions::set_delegate(ctx, delegate)
    }

    pub fn deposit(ctx: Context<Deposit>, amount: u64) -> Result<()> {
        instructions::deposit(ctx, amount)
    }

    pub fn withdraw<'info>(ctx: Context<'info, Withdraw<'info>>, amount: u64) -> Result<()> {
        instructions::withdraw(ctx, amount)
    }

    pub fn set_leverage<'info>(ctx: Context<'info, AdjustPosition<'info>>, leverage: u16) -> Result<()> {
        instructions::set_leverage(ctx, leverage)
    }

    pub fn add_isolated_margin<'info>(ctx: Context<'info, AdjustPosition<'info>>, amount: u64) -> Result<()> {
        instructions::add_isolated_margin(ctx, amount)
    }

    pub fn remove_isolated_margin<'info>(ctx: Context<'info, AdjustPosition<'info>>, amount: u64) -> Result<()> {
        instructions::remove_isolated_margin(ctx, amount)
    }

    // ----- views -----

    pub fn account_health<'info>(ctx: Context<'info, AccountHealth<'info>>) -> Result<AccountHealthView> {
        instructions::account_health(ctx)
    }

    // ----- keeper -----

    pub fn update_funding(ctx: Context<UpdateFunding>) -> Result<()> {
        instructions::update_funding(ctx)
    }

    pub fn sync_vault(ctx: Context<SyncVault>) -> Result<()> {
        instructions::sync_vault(ctx)
    }

    pub fn settle_pnl(ctx: Context<SettlePnl>) -> Result<()> {
        instructions::settle_pnl(ctx)
    }

    pub fn liquidate_isolated(ctx: Context<LiquidateIsolated>, max_base: u64) -> Result<()> {
        instructions::liquidate_isolated(ctx, max_base)
    }

    pub fn liquidate_cross<'info>(ctx: Context<'info, LiquidateCross<'info>>, max_base: u64) -> Result<()> {
        instructions::liquidate_cross(ctx, max_base)
    }

    pub fn execute_margin_guard<'info>(ctx: Context<'info, ExecuteMarginGuard<'info>>) -> Result<()> {
        instructions::execute_margin_guard(ctx)
    }

    pub fn trade<'info>(
        ctx: Context<'info, Trade<'info>>,
        base_delta: i64,
        limit_price: u64,
        mode: MarginMode,
        leverage: u16,
    ) -> Result<()> {
        instructions::trade(ctx, base_delta, limit_price, mode, leverage)
    }
}
