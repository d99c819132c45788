//! Ballast: a perpetual-futures margin program with cross, isolated and strict-isolated
//! margin. This file only forwards; each instruction's accounts, checks and handler live
//! together in `instructions/`. See docs/ARCHITECTURE.md for the layers.
#![allow(clippy::result_large_err)]

#[cfg(target_os = "solana")]
use solana_compiler_builtins as _;

use anchor_lang::prelude::*;

pub mod constants;
pub mod controller;
#[cfg(all(target_os = "solana", feature = "lean-entrypoint", not(feature = "cpi")))]
mod entrypoint;
pub mod error;
pub mod events;
pub mod health;
pub mod instructions;
pub mod oracle;
pub mod safe;
pub mod state;
pub mod token;

use instructions::*;
use state::{MarginMode, MarketParams, MarketStatus, OracleKind};

declare_id!("AQF7dZyFJ36VypUvMs2uXBYoanDhw14CngqrwjgfhDPQ");

#[program]
pub mod ballast {
    use super::*;

    // ----- trading -----
    // First: Anchor's dispatcher compares the instruction's discriminator with each
    // instruction's in declaration order (about 7 CU per comparison), so the instructions
    // traders send most are tried first.

    /// Owner or delegate: trades `base_delta` lots (positive buys) against the pool at the
    /// oracle price moved by confidence and spread against the trader, bounded by
    /// `limit_price`, in `mode`. `leverage` sets an opening position's leverage (0 keeps the
    /// setting). `isolated_position` is always passed (it may not exist yet).
    ///
    /// Remaining accounts: `[market, oracle]` for every cross slot in health (open, or holding
    /// unsettled profit) other than `market`, in slot order.
    pub fn trade<'info>(
        ctx: Context<'info, Trade<'info>>,
        base_delta: i64,
        limit_price: u64,
        mode: MarginMode,
        leverage: u16,
    ) -> Result<()> {
        instructions::trade(ctx, base_delta, limit_price, mode, leverage)
    }

    /// Owner or delegate: changes a position's (or a flat market's) leverage setting. Lowering
    /// an isolated position pulls margin from cross; raising one releases its transferable
    /// margin to cross; a strict-isolated raise is refused. Maintenance never depends on it.
    ///
    /// Remaining accounts: `[market, oracle]` for every cross slot in health (open, or holding
    /// unsettled profit) other than `market`, in slot order.
    pub fn set_leverage<'info>(ctx: Context<'info, AdjustPosition<'info>>, leverage: u16) -> Result<()> {
        instructions::set_leverage(ctx, leverage)
    }

    /// Owner or delegate: moves `amount` of cross collateral into the isolated position.
    ///
    /// Remaining accounts: `[market, oracle]` for every cross slot in health (open, or holding
    /// unsettled profit) other than `market`, in slot order.
    pub fn add_isolated_margin<'info>(ctx: Context<'info, AdjustPosition<'info>>, amount: u64) -> Result<()> {
        instructions::add_isolated_margin(ctx, amount)
    }

    /// Owner or delegate: moves up to the isolated position's transferable margin back to
    /// cross (refused for strict-isolated). No remaining accounts.
    pub fn remove_isolated_margin<'info>(ctx: Context<'info, AdjustPosition<'info>>, amount: u64) -> Result<()> {
        instructions::remove_isolated_margin(ctx, amount)
    }

    // ----- admin -----

    /// Admin: creates the exchange singleton (PDA `["exchange"]`) and its collateral vault
    /// (PDA `["vault", exchange]`, a token account owned by the exchange). Once per program.
    pub fn initialize_exchange(ctx: Context<InitializeExchange>, params: ExchangeParams) -> Result<()> {
        instructions::initialize_exchange(ctx, params)
    }

    /// Admin: creates market `market_index` (PDA `["market", market_index u16 LE]`), which must
    /// be the next index. The oracle must already parse as `oracle_kind` (and, for Pyth,
    /// carry `feed_id`); push oracles only where the exchange allows them.
    pub fn create_market(
        ctx: Context<CreateMarket>,
        market_index: u16,
        oracle_kind: OracleKind,
        feed_id: [u8; 32],
        params: MarketParams,
    ) -> Result<()> {
        instructions::create_market(ctx, market_index, oracle_kind, feed_id, params)
    }

    /// Admin: replaces a market's risk parameters. New tiers apply to new risk at once;
    /// maintenance margin ramps from the old tiers to the new ones over `maintenance_ramp_secs`.
    pub fn update_market(ctx: Context<UpdateMarket>, params: MarketParams) -> Result<()> {
        instructions::update_market(ctx, params)
    }

    /// Admin or guardian: sets the exchange's status (no `market`) or a market's. The guardian
    /// may only make it stricter (Active → ReduceOnly → Paused). Passing the market's oracle
    /// accrues funding up to the change.
    pub fn set_pause(ctx: Context<SetPause>, status: MarketStatus) -> Result<()> {
        instructions::set_pause(ctx, status)
    }

    /// Admin: adds liquidity to the pool that takes the other side of every trade.
    pub fn fund_pool(ctx: Context<AdminTransfer>, amount: u64) -> Result<()> {
        instructions::fund_pool(ctx, amount)
    }

    /// Admin: removes pool liquidity, never below the reserve open positions need.
    ///
    /// Remaining accounts: `[market, oracle]` for every market, in index order.
    pub fn defund_pool<'info>(ctx: Context<'info, AdminTransfer<'info>>, amount: u64) -> Result<()> {
        instructions::defund_pool(ctx, amount)
    }

    /// Admin: seeds the insurance fund, which pays bad debt before the pool.
    pub fn fund_insurance(ctx: Context<AdminTransfer>, amount: u64) -> Result<()> {
        instructions::fund_insurance(ctx, amount)
    }

    /// Admin: withdraws from the insurance fund, never below its floor (1% of open
    /// notional, both sides, at the oracle price).
    ///
    /// Remaining accounts: `[market, oracle]` for every market, in index order.
    pub fn withdraw_insurance<'info>(ctx: Context<'info, AdminTransfer<'info>>, amount: u64) -> Result<()> {
        instructions::withdraw_insurance(ctx, amount)
    }

    /// Admin: moves protocol fees not yet swept to a treasury token account of the
    /// collateral mint.
    pub fn sweep_fees(ctx: Context<SweepFees>, amount: u64) -> Result<()> {
        instructions::sweep_fees(ctx, amount)
    }

    /// Admin: step one of rotating the admin or guardian (a multisig vault address works).
    /// `Pubkey::default()` cancels a pending proposal.
    pub fn propose_authority(ctx: Context<ProposeAuthority>, role: AuthorityRole, proposed: Pubkey) -> Result<()> {
        instructions::propose_authority(ctx, role, proposed)
    }

    /// The proposed admin or guardian signs to take the role (step two of a rotation).
    pub fn accept_authority(ctx: Context<AcceptAuthority>, role: AuthorityRole) -> Result<()> {
        instructions::accept_authority(ctx, role)
    }

    /// Creates a program-owned price feed updated by `authority` (local validators and
    /// devnets; markets may read it only where the exchange allows push oracles).
    pub fn create_push_oracle(ctx: Context<CreatePushOracle>, exponent: i32, price: i64, conf: u64) -> Result<()> {
        instructions::create_push_oracle(ctx, exponent, price, conf)
    }

    /// The push oracle's authority publishes a price (`publish_time` `None`: the cluster clock).
    pub fn update_push_oracle(ctx: Context<UpdatePushOracle>, price: i64, conf: u64, publish_time: Option<i64>) -> Result<()> {
        instructions::update_push_oracle(ctx, price, conf, publish_time)
    }

    // ----- user -----

    /// Opens the signer's sub-account `sub_id` (PDA `["margin", owner, sub_id u16 LE]`).
    pub fn create_margin_account(ctx: Context<CreateMarginAccount>, sub_id: u16) -> Result<()> {
        instructions::create_margin_account(ctx, sub_id)
    }

    /// Owner: closes an empty margin account and returns its rent.
    pub fn close_margin_account(ctx: Context<CloseMarginAccount>) -> Result<()> {
        instructions::close_margin_account(ctx)
    }

    /// Owner: closes a flat isolated position account; collateral it still holds returns to
    /// cross and its rent to the owner.
    pub fn close_isolated_position(ctx: Context<CloseIsolatedPosition>) -> Result<()> {
        instructions::close_isolated_position(ctx)
    }

    /// Owner: opts an isolated position into automatic top-ups from cross when its equity /
    /// maintenance ratio falls below `trigger_ratio_ppm` (0 clears the guard).
    pub fn set_margin_guard(ctx: Context<SetMarginGuard>, trigger_ratio_ppm: u32, top_up_amount: u64, max_total: u64) -> Result<()> {
        instructions::set_margin_guard(ctx, trigger_ratio_ppm, top_up_amount, max_total)
    }

    /// Owner: sets or clears (`Pubkey::default()`) the delegate, who may trade and move margin
    /// between the account's domains but never withdraw.
    pub fn set_delegate(ctx: Context<SetDelegate>, delegate: Pubkey) -> Result<()> {
        instructions::set_delegate(ctx, delegate)
    }

    /// Owner or delegate: moves `amount` from `source` into the cross domain. Always allowed.
    pub fn deposit(ctx: Context<Deposit>, amount: u64) -> Result<()> {
        instructions::deposit(ctx, amount)
    }

    /// Owner: withdraws up to the cross domain's transferable margin to `destination`.
    ///
    /// Remaining accounts: `[market, oracle]` for every cross slot in health (open, or holding
    /// unsettled profit), in slot order, markets writable (profit realised to fund the
    /// withdrawal changes a market's aggregates).
    pub fn withdraw<'info>(ctx: Context<'info, Withdraw<'info>>, amount: u64) -> Result<()> {
        instructions::withdraw(ctx, amount)
    }

    /// Owner or delegate: stores a reduce-only trigger order (stop-loss, take-profit,
    /// partial close) on an open position; creates the account's trigger book (PDA
    /// `["triggers", margin_account]`, at most 8 orders) on first use.
    pub fn place_trigger_order(ctx: Context<PlaceTriggerOrder>, params: TriggerOrderParams) -> Result<()> {
        instructions::place_trigger_order(ctx, params)
    }

    /// Owner or delegate: removes trigger order `id`.
    pub fn cancel_trigger_order(ctx: Context<CancelTriggerOrder>, id: u32) -> Result<()> {
        instructions::cancel_trigger_order(ctx, id)
    }

    /// Owner: closes the trigger book (cancelling its orders) and returns its rent.
    pub fn close_trigger_book(ctx: Context<CloseTriggerBook>) -> Result<()> {
        instructions::close_trigger_book(ctx)
    }

    // ----- views -----

    /// View (simulate only): each domain's equity, initial and maintenance margin,
    /// transferable amount, effective leverage and each position's liquidation price, as
    /// return data.
    ///
    /// Remaining accounts: `[market, oracle]` for every cross slot in health (open, or holding
    /// unsettled profit), in slot order, then `[isolated_position, market, oracle]` for each
    /// isolated position to report.
    pub fn account_health<'info>(ctx: Context<'info, AccountHealth<'info>>) -> Result<AccountHealthView> {
        instructions::account_health(ctx)
    }

    // ----- keeper -----

    /// Permissionless crank: accrues the market's funding up to now.
    pub fn update_funding(ctx: Context<UpdateFunding>) -> Result<()> {
        instructions::update_funding(ctx)
    }

    /// Permissionless: credits what the vault holds beyond every claim to the insurance fund.
    pub fn sync_vault(ctx: Context<SyncVault>) -> Result<()> {
        instructions::sync_vault(ctx)
    }

    /// Permissionless: moves a domain's unsettled profit in `market` into its collateral, within
    /// the market's settle budget for the period. Pass `isolated_position` to settle the
    /// isolated position instead of the cross slot.
    pub fn settle_pnl(ctx: Context<SettlePnl>) -> Result<()> {
        instructions::settle_pnl(ctx)
    }

    /// Permissionless while the pool's equity over every market is negative: closes up to
    /// `max_base` lots of a profitable position (the cross slot in `market`, or
    /// `isolated_position`) at the oracle price, no more than the shortfall needs, and the
    /// position gives back `min(realised profit, shortfall)` to the pool; a position without
    /// open profit gives back `min(unsettled profit, shortfall)`. Keepers pick
    /// positions by the ADL ranking (profit % × effective leverage, `account_health`).
    ///
    /// Remaining accounts: `[market, oracle]` for every market, in index order.
    pub fn auto_deleverage<'info>(ctx: Context<'info, AutoDeleverage<'info>>, max_base: u64) -> Result<()> {
        instructions::auto_deleverage(ctx, max_base)
    }

    /// Permissionless: liquidates up to `max_base` lots of an isolated or strict-isolated
    /// position below maintenance; the keeper's reward goes to `keeper_token`.
    pub fn liquidate_isolated(ctx: Context<LiquidateIsolated>, max_base: u64) -> Result<()> {
        instructions::liquidate_isolated(ctx, max_base)
    }

    /// Permissionless: liquidates up to `max_base` lots of one cross position (in `market`) of
    /// an account whose cross domain is below maintenance.
    ///
    /// Remaining accounts: `[market, oracle]` for every cross slot in health (open, or holding
    /// unsettled profit) other than `market`, in slot order.
    pub fn liquidate_cross<'info>(ctx: Context<'info, LiquidateCross<'info>>, max_base: u64) -> Result<()> {
        instructions::liquidate_cross(ctx, max_base)
    }

    /// Permissionless: runs an isolated position's margin guard when its trigger is met,
    /// moving the top-up from cross and paying the keeper a capped tip.
    ///
    /// Remaining accounts: `[market, oracle]` for every cross slot in health (open, or holding
    /// unsettled profit) other than `market`, in slot order.
    pub fn execute_margin_guard<'info>(ctx: Context<'info, ExecuteMarginGuard<'info>>) -> Result<()> {
        instructions::execute_margin_guard(ctx)
    }

    /// Permissionless: executes trigger order `id` once the oracle price reaches its trigger:
    /// closes its size of the position it was placed on within its limit price and pays
    /// the keeper its tip; an order whose position is gone is removed without trading.
    ///
    /// Remaining accounts: `[market, oracle]` for every cross slot in health (open, or holding
    /// unsettled profit) other than `market`, in slot order (cross orders).
    pub fn execute_trigger_order<'info>(ctx: Context<'info, ExecuteTriggerOrder<'info>>, id: u32) -> Result<()> {
        instructions::execute_trigger_order(ctx, id)
    }

    // ----- price book (last: the dispatcher tries instructions in order) -----

    /// Permissionless: creates the empty price book (PDA `["price_book"]`). Once per program.
    pub fn init_price_book(ctx: Context<InitPriceBook>) -> Result<()> {
        instructions::init_price_book(ctx)
    }

    /// Permissionless crank: copies markets and their oracle readings into the price book,
    /// which cross-reading instructions may pass instead of a `[market, oracle]` pair per
    /// position.
    ///
    /// Remaining accounts: `[market, oracle]` pairs, any markets, any order.
    pub fn refresh_prices<'info>(ctx: Context<'info, RefreshPrices<'info>>) -> Result<()> {
        instructions::refresh_prices(ctx)
    }
}
