use anchor_lang::prelude::*;
use ballast_math::margin::{liquidation_price, DomainHealth, PositionHealth};
use ballast_math::position::entry_price;
use ballast_math::OracleAction;

use crate::error::ErrorCode;
use crate::health::{cross_health, isolated_health, position_health, HealthQuery, PositionState};
use crate::oracle::read_oracle;
use crate::state::{load_checked, Exchange, IsolatedPosition, MarginAccount, Market};

#[derive(Accounts)]
pub struct AccountHealth<'info> {
    pub exchange: AccountLoader<'info, Exchange>,
    pub margin_account: AccountLoader<'info, MarginAccount>,
    // remaining: [market, oracle] per open cross position in slot order, then
    // [isolated_position, market, oracle] for each isolated position to report.
}

/// One position as a front-end shows it.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub struct PositionView {
    pub market_index: u16,
    pub leverage: u16,
    /// Base lots, negative short.
    pub base: i64,
    /// Price scale, rounded down.
    pub entry_price: u64,
    /// Unrealised PnL at the oracle price, quote native.
    pub unrealized_pnl: i64,
    /// Funding owed (negative: owed to the position), quote native.
    pub pending_funding: i64,
    /// Oracle price at which the domain reaches maintenance, moving only this market.
    pub liquidation_price: Option<u64>,
}

/// A domain's numbers, computed by the same functions the instructions use.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug, PartialEq, Eq)]
pub struct DomainView {
    pub collateral: i64,
    /// Maintenance view (oracle price, unweighted PnL).
    pub equity: i64,
    pub initial_margin: u64,
    pub maintenance_margin: u64,
    pub transferable: u64,
    /// Notional / equity × 1e6; `None` when equity ≤ 0.
    pub effective_leverage: Option<u64>,
    pub liquidatable: bool,
    pub positions: Vec<PositionView>,
}

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug, PartialEq, Eq)]
pub struct AccountHealthView {
    pub cross: DomainView,
    /// In the order the isolated positions were passed.
    pub isolated: Vec<DomainView>,
}

fn clamp_i64(v: i128) -> i64 {
    i64::try_from(v).unwrap_or(if v < 0 { i64::MIN } else { i64::MAX })
}

fn clamp_u64(v: i128) -> u64 {
    u64::try_from(v.max(0)).unwrap_or(u64::MAX)
}

fn domain_view(d: &DomainHealth, positions: Vec<PositionView>) -> Result<DomainView> {
    Ok(DomainView {
        collateral: clamp_i64(d.collateral),
        equity: clamp_i64(d.maintenance_equity),
        initial_margin: clamp_u64(d.initial),
        maintenance_margin: clamp_u64(d.maintenance),
        transferable: d.transferable(),
        effective_leverage: d.effective_leverage().map_err(ErrorCode::from)?,
        liquidatable: d.is_liquidatable(),
        positions,
    })
}

/// `rest` for the liquidation price: the domain without this position's PnL and margin.
fn position_view(market: &Market, d: &DomainHealth, h: &PositionHealth, base: i64, cost_basis: i64, leverage: u16) -> Result<PositionView> {
    let (tiers, n) = market.tier_table();
    let rest = d.maintenance_equity - h.pnl - (d.maintenance - i128::from(h.maintenance));
    Ok(PositionView {
        market_index: market.market_index,
        leverage,
        base,
        entry_price: entry_price(base, cost_basis).map_err(ErrorCode::from)?.unwrap_or(0),
        unrealized_pnl: clamp_i64(h.pnl),
        pending_funding: h.pending_funding,
        liquidation_price: liquidation_price(base, cost_basis, &tiers[..n], rest).map_err(ErrorCode::from)?,
    })
}

/// Simulate-only view (SPEC §5 "Views"): per domain equity, initial and maintenance
/// margin, transferable, effective leverage, and each position's liquidation price.
/// Return data is limited to 1,024 bytes: a full cross domain (16 positions) plus about
/// four isolated positions fit in one call.
pub fn account_health<'info>(ctx: Context<'info, AccountHealth<'info>>) -> Result<AccountHealthView> {
    let now = Clock::get()?.unix_timestamp;
    let decimals = ctx.accounts.exchange.load()?.collateral_decimals;
    let acct = ctx.accounts.margin_account.load()?;
    compute_account_health(&acct, &ctx.accounts.margin_account.key(), ctx.remaining_accounts, decimals, now)
}

/// The view's computation over a margin account and its health accounts (the
/// instruction's remaining accounts). Public so off-chain code can run the exact same
/// code on fetched account data. Split into non-inlined parts so that no SBF stack frame
/// exceeds 4 KiB.
pub fn compute_account_health(
    acct: &MarginAccount,
    account_key: &Pubkey,
    remaining: &[AccountInfo],
    decimals: u8,
    now: i64,
) -> Result<AccountHealthView> {
    let cross_pairs = acct.open_cross_positions().count() * 2;
    require!(remaining.len() >= cross_pairs, ErrorCode::MissingHealthAccounts);
    let (cross_accounts, isolated_accounts) = remaining.split_at(cross_pairs);
    let cross = cross_view(acct, cross_accounts, decimals, now)?;
    require!(isolated_accounts.len() % 3 == 0, ErrorCode::ExtraHealthAccounts);
    let mut isolated = Vec::with_capacity(isolated_accounts.len() / 3);
    for triple in isolated_accounts.chunks(3) {
        isolated.push(isolated_view(triple, account_key, decimals, now)?);
    }
    Ok(AccountHealthView { cross, isolated })
}

#[inline(never)]
fn cross_view(acct: &MarginAccount, cross_accounts: &[AccountInfo], decimals: u8, now: i64) -> Result<DomainView> {
    let cross = cross_health(acct, cross_accounts, &HealthQuery { decimals, now, action: OracleAction::RiskReducing }, None)?;
    let mut positions = Vec::new();
    for (i, slot) in acct.cross_positions.iter().enumerate() {
        let Some(h) = cross.positions[i] else { continue };
        let market = load_checked::<Market>(&cross_accounts[positions.len() * 2])?;
        positions.push(position_view(&market, &cross.domain, &h, slot.base, slot.cost_basis, slot.leverage)?);
    }
    domain_view(&cross.domain, positions)
}

#[inline(never)]
fn isolated_view(triple: &[AccountInfo], account_key: &Pubkey, decimals: u8, now: i64) -> Result<DomainView> {
    let p = load_checked::<IsolatedPosition>(&triple[0])?;
    require_keys_eq!(p.margin_account, *account_key, ErrorCode::WrongIsolatedPosition);
    let market = load_checked::<Market>(&triple[1]).map_err(|_| error!(ErrorCode::HealthAccountMismatch))?;
    require!(market.market_index == p.market_index, ErrorCode::HealthAccountMismatch);
    let oracle = read_oracle(&market, &triple[2], decimals, now)?;
    oracle.require(OracleAction::RiskReducing)?;
    let d = isolated_health(&p, &market, &oracle)?;
    let mut positions = Vec::new();
    if p.base != 0 {
        let h = position_health(
            &market,
            &oracle,
            &PositionState { base: p.base, cost_basis: p.cost_basis, leverage: p.leverage, snapshot: p.funding_snapshot.get() },
        )?;
        positions.push(position_view(&market, &d, &h, p.base, p.cost_basis, p.leverage)?);
    }
    domain_view(&d, positions)
}
