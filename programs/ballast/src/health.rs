//! Building a domain's health from accounts: the bridge between account layouts and
//! the pure margin math. The cross domain needs, for each open cross position in slot
//! order, its market and its oracle as remaining accounts; nothing may be missing,
//! extra, reordered or substituted.

use anchor_lang::prelude::*;
use ballast_math::funding::pending_funding;
use ballast_math::margin::{DomainHealth, PositionRisk};
use ballast_math::OracleAction;

use crate::error::ErrorCode;
use crate::oracle::{read_oracle, OraclePrice};
use crate::state::{load_checked, CrossPosition, MarginAccount, Market, WrappedI128};

/// The market's cumulative funding index for the side of `base`.
pub fn side_index(market: &Market, base: i64) -> i128 {
    if base >= 0 {
        market.cumulative_funding_long.get()
    } else {
        market.cumulative_funding_short.get()
    }
}

/// Funding a position owes at the market's current index.
pub fn position_pending_funding(market: &Market, base: i64, snapshot: &WrappedI128) -> Result<i64> {
    Ok(pending_funding(base, side_index(market, base), snapshot.get()).map_err(ErrorCode::from)?)
}

/// Values one position of `market` at `oracle`.
pub fn position_risk<'t>(
    market: &Market,
    tiers: &'t [ballast_math::Tier],
    oracle: &OraclePrice,
    base: i64,
    cost_basis: i64,
    leverage: u16,
    pending_funding: i64,
) -> PositionRisk<'t> {
    PositionRisk {
        base,
        cost_basis,
        pending_funding,
        leverage,
        price: oracle.price,
        conf: oracle.conf,
        tiers,
        pnl_weight_ppm: market.pnl_weight_ppm,
        transfer_floor_ppm: market.transfer_floor_ppm,
    }
}

/// Health of the cross domain. `remaining` holds `[market, oracle]` per open cross
/// position, in slot order. Every oracle must permit `action`.
pub fn cross_health(
    account: &MarginAccount,
    remaining: &[AccountInfo],
    quote_decimals: u8,
    now: i64,
    action: OracleAction,
) -> Result<DomainHealth> {
    let mut health = DomainHealth::new(account.cross_collateral);
    let mut accounts = remaining.iter();
    for slot in account.open_cross_positions() {
        let market_ai = accounts.next().ok_or(ErrorCode::MissingHealthAccounts)?;
        let oracle_ai = accounts.next().ok_or(ErrorCode::MissingHealthAccounts)?;
        add_cross_position(&mut health, slot, market_ai, oracle_ai, quote_decimals, now, action)?;
    }
    require!(accounts.next().is_none(), ErrorCode::ExtraHealthAccounts);
    Ok(health)
}

fn add_cross_position(
    health: &mut DomainHealth,
    slot: &CrossPosition,
    market_ai: &AccountInfo,
    oracle_ai: &AccountInfo,
    quote_decimals: u8,
    now: i64,
    action: OracleAction,
) -> Result<()> {
    let market = load_checked::<Market>(market_ai).map_err(|_| error!(ErrorCode::HealthAccountMismatch))?;
    require!(market.market_index == slot.market_index, ErrorCode::HealthAccountMismatch);
    require_keys_eq!(oracle_ai.key(), market.oracle, ErrorCode::HealthAccountMismatch);
    let oracle = read_oracle(&market, oracle_ai, quote_decimals, now)?;
    oracle.require(action)?;
    let (tiers, n) = market.tier_table();
    let funding = position_pending_funding(&market, slot.base, &slot.funding_snapshot)?;
    let risk = position_risk(&market, &tiers[..n], &oracle, slot.base, slot.cost_basis, slot.leverage, funding);
    health.add(&risk.health().map_err(ErrorCode::from)?).map_err(ErrorCode::from)?;
    Ok(())
}
