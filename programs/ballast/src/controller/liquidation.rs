//! The parts of a liquidation shared by the cross and isolated instructions, on plain
//! values: sizing within `max_base`, penalties, and covering bad debt.

use anchor_lang::prelude::*;
use ballast_math::liquidation::{penalties, LiquidationInput};

use crate::error::ErrorCode;
use crate::safe::{Cast, MathExt, SafeMath};
use crate::state::Market;

/// The size to close: the math's target size, bounded by the keeper's `max_base` and
/// rounded down to a lot when bounded (unless the bound closes everything).
pub fn bounded_size(input: &LiquidationInput, max_base: u64) -> Result<u64> {
    let target = input.close_size().math()?;
    let abs = input.base.unsigned_abs();
    if max_base >= target {
        return Ok(target);
    }
    let lot = input.lot_size.max(1);
    let q = max_base - max_base % lot;
    require!(q > 0, ErrorCode::LiquidationSizeTooSmall);
    Ok(q.min(abs))
}

/// Result of covering a domain's negative collateral after its last position closed.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct BadDebt {
    pub bad_debt: u64,
    pub insurance_paid: u64,
    pub pool_paid: u64,
    pub uncovered: u64,
}

impl BadDebt {
    /// Emits `BadDebtCovered` when there was any.
    pub fn emit(&self, domain_account: Pubkey, market_index: u16) {
        if self.bad_debt > 0 {
            emit!(crate::events::BadDebtCovered {
                domain_account,
                market_index,
                bad_debt: self.bad_debt,
                insurance_paid: self.insurance_paid,
                pool_paid: self.pool_paid,
                uncovered: self.uncovered,
            });
        }
    }
}

/// Insurance first, then the pool; whatever neither holds stays as negative collateral.
pub fn cover_bad_debt(collateral: &mut i64, insurance: &mut u64, pool: &mut u64) -> Result<BadDebt> {
    if *collateral >= 0 {
        return Ok(BadDebt::default());
    }
    let debt = collateral.unsigned_abs();
    let insurance_paid = debt.min(*insurance);
    let pool_paid = (debt - insurance_paid).min(*pool);
    *insurance -= insurance_paid;
    *pool -= pool_paid;
    let paid = (insurance_paid + pool_paid).cast::<i64>()?;
    *collateral = collateral.safe_add(paid)?;
    Ok(BadDebt { bad_debt: debt, insurance_paid, pool_paid, uncovered: debt - insurance_paid - pool_paid })
}

/// The balances a liquidation settles against.
pub struct Settlement<'a> {
    /// The liquidated domain's collateral.
    pub collateral: &'a mut i64,
    /// The liquidated domain's unsettled profit (per position): when the domain ends flat
    /// with a negative balance, it covers the debt first.
    pub unsettled: &'a mut [i64],
    pub insurance: &'a mut u64,
    pub pool: &'a mut u64,
}

/// What a liquidation charged.
pub struct Charged {
    /// Paid to the keeper (0 when the keeper is the account's owner or delegate).
    pub reward: u64,
    /// Credited to the insurance fund (its share, plus a self-liquidator's forfeited reward).
    pub insurance: u64,
    pub bad_debt: BadDebt,
}

/// Charges the keeper reward and the insurance share on `closed_notional` to the domain —
/// capped together at its `available` equity, reward first — credits the insurance fund,
/// and, when the domain has no position left (`flat`), nets unsettled profit against a
/// negative balance and covers what remains with the insurance fund, then the pool.
///
/// When the keeper is the account's owner or delegate (`self_liquidation`) the domain pays
/// the same penalty but the reward goes to the insurance fund: liquidating one's own account
/// earns nothing (the audit's M-7).
pub fn charge(
    market: &Market,
    closed_notional: u64,
    available: i128,
    flat: bool,
    self_liquidation: bool,
    s: Settlement,
) -> Result<Charged> {
    let (reward, insurance) = penalties(closed_notional, market.liquidation_fee_ppm, market.insurance_share_ppm, available).math()?;
    let paid = reward.safe_add(insurance)?.cast::<i64>()?;
    *s.collateral = s.collateral.safe_sub(paid)?;
    let (reward, insurance) = if self_liquidation { (0, reward.safe_add(insurance)?) } else { (reward, insurance) };
    *s.insurance = s.insurance.safe_add(insurance)?;
    let bad_debt = if flat {
        for u in s.unsettled.iter_mut() {
            let (c, left) = ballast_math::settlement::net_against_debt(*s.collateral, *u).math()?;
            (*s.collateral, *u) = (c, left);
        }
        cover_bad_debt(s.collateral, s.insurance, s.pool)?
    } else {
        BadDebt::default()
    };
    Ok(Charged { reward, insurance, bad_debt })
}
