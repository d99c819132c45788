//! Building a domain's health from accounts: the bridge between account layouts and the
//! pure margin math.
//!
//! The cross domain needs, for each open cross position in slot order, its market and
//! its oracle as remaining accounts — except the market the instruction itself names
//! (its market and oracle are already loaded, and are used from memory). Nothing may be
//! missing, extra, reordered or substituted.

use anchor_lang::prelude::*;
use ballast_math::margin::{DomainHealth, PositionHealth, PositionRisk};
use ballast_math::OracleAction;

use crate::controller::funding;
use crate::error::ErrorCode;
use crate::events::DomainSnapshot;
use crate::oracle::{read_oracle, OraclePrice};
use crate::state::{load_checked, IsolatedPosition, MarginAccount, Market, MAX_CROSS_POSITIONS};

/// A market (and its oracle reading) the instruction already holds.
#[derive(Clone, Copy)]
pub struct Named<'a> {
    pub market: &'a Market,
    pub oracle: &'a OraclePrice,
}

/// What a health computation reads prices for, and how strictly (the oracle policy).
#[derive(Clone, Copy)]
pub struct HealthQuery {
    pub decimals: u8,
    pub now: i64,
    pub action: OracleAction,
}

/// A position's fields, whichever domain holds it.
#[derive(Clone, Copy, Default)]
pub struct PositionState {
    pub base: i64,
    pub cost_basis: i64,
    pub leverage: u16,
    /// Funding index snapshot (quote native × 1e6 per unit).
    pub snapshot: i128,
}

/// Values one position of `market` at `oracle`, with its pending funding.
pub fn position_health(market: &Market, oracle: &OraclePrice, p: &PositionState) -> Result<PositionHealth> {
    let (tiers, n) = market.tier_table();
    let risk = PositionRisk {
        base: p.base,
        cost_basis: p.cost_basis,
        pending_funding: funding::pending(market, p.base, p.snapshot)?,
        leverage: p.leverage,
        price: oracle.price,
        conf: oracle.conf,
        tiers: &tiers[..n],
        pnl_weight_ppm: market.pnl_weight_ppm,
        transfer_floor_ppm: market.transfer_floor_ppm,
    };
    Ok(risk.health().map_err(ErrorCode::from)?)
}

/// Health of the cross domain, and each open slot's position health (by slot index).
pub struct CrossHealth {
    pub domain: DomainHealth,
    pub positions: [Option<PositionHealth>; MAX_CROSS_POSITIONS],
}

/// Health of the cross domain. `remaining` holds `[market, oracle]` per open cross
/// position in slot order, skipping the `named` market. Every oracle read must permit
/// `action`.
pub fn cross_health(
    account: &MarginAccount,
    remaining: &[AccountInfo],
    q: &HealthQuery,
    named: Option<&Named>,
) -> Result<Box<CrossHealth>> {
    let (quote_decimals, now, action) = (q.decimals, q.now, q.action);
    // Boxed: sixteen position healths are too large for an SBF stack frame next to a handler's.
    let mut out = Box::new(CrossHealth { domain: DomainHealth::new(account.cross_collateral), positions: [None; MAX_CROSS_POSITIONS] });
    let mut accounts = remaining.iter();
    for (i, slot) in account.cross_positions.iter().enumerate() {
        if slot.in_use == 0 || slot.base == 0 {
            continue;
        }
        let state =
            PositionState { base: slot.base, cost_basis: slot.cost_basis, leverage: slot.leverage, snapshot: slot.funding_snapshot.get() };
        let health = match named {
            Some(n) if n.market.market_index == slot.market_index => {
                n.oracle.require(action)?;
                position_health(n.market, n.oracle, &state)?
            }
            _ => {
                let market_ai = accounts.next().ok_or(ErrorCode::MissingHealthAccounts)?;
                let oracle_ai = accounts.next().ok_or(ErrorCode::MissingHealthAccounts)?;
                let market = load_checked::<Market>(market_ai).map_err(|_| error!(ErrorCode::HealthAccountMismatch))?;
                require!(market.market_index == slot.market_index, ErrorCode::HealthAccountMismatch);
                require_keys_eq!(oracle_ai.key(), market.oracle, ErrorCode::HealthAccountMismatch);
                let oracle = read_oracle(&market, oracle_ai, quote_decimals, now)?;
                oracle.require(action)?;
                position_health(&market, &oracle, &state)?
            }
        };
        out.domain.add(&health).map_err(ErrorCode::from)?;
        out.positions[i] = Some(health);
    }
    require!(accounts.next().is_none(), ErrorCode::ExtraHealthAccounts);
    Ok(out)
}

/// Health of one isolated position's domain.
pub fn isolated_health(p: &IsolatedPosition, market: &Market, oracle: &OraclePrice) -> Result<DomainHealth> {
    let mut d = DomainHealth::new(p.collateral);
    if p.base != 0 {
        let h = position_health(
            market,
            oracle,
            &PositionState { base: p.base, cost_basis: p.cost_basis, leverage: p.leverage, snapshot: p.funding_snapshot.get() },
        )?;
        d.add(&h).map_err(ErrorCode::from)?;
    }
    Ok(d)
}

/// The event form of a domain's health.
pub fn snapshot(d: &DomainHealth) -> DomainSnapshot {
    let clamp_i64 = |v: i128| i64::try_from(v).unwrap_or(if v < 0 { i64::MIN } else { i64::MAX });
    let clamp_u64 = |v: i128| u64::try_from(v.max(0)).unwrap_or(u64::MAX);
    DomainSnapshot {
        collateral: clamp_i64(d.collateral),
        equity: clamp_i64(d.maintenance_equity),
        initial_margin: clamp_u64(d.initial),
        maintenance_margin: clamp_u64(d.maintenance),
    }
}

/// For a transfer of `amount` out of a domain holding `collateral`, how much positive
/// PnL must be realised first (0 when collateral covers it).
pub fn pnl_to_realise(amount: u64, collateral: i64) -> u64 {
    let short = i128::from(amount) - i128::from(collateral.max(0));
    u64::try_from(short.max(0)).unwrap_or(u64::MAX)
}
