//! A fill against the pool on plain values: funding settlement, the fill itself (realised
//! PnL through the pool), the taker fee, and the isolated-margin moves of SPEC §5 `trade`.

use anchor_lang::prelude::*;
use ballast_math::position::{apply_fill, notional, ppm_of};
use ballast_math::settlement::net_against_debt;
use ballast_math::tiers::initial_margin;
use ballast_math::Rounding;
use ballast_math::{BaseLots, Price};

use super::funding;
use super::pool::{self, Pool};
use crate::error::ErrorCode;
use crate::health::{domain_of, MarketView, PositionState};
use crate::safe::{Cast, MathExt, SafeMath, SafeNeg};
use crate::state::{MarginMode, Market};

/// What the trade asks for.
pub struct FillOrder {
    pub mode: MarginMode,
    pub increasing: bool,
    pub base_delta: i64,
    pub fill_price: u64,
    pub leverage: u16,
    pub taker_fee_ppm: u32,
    pub protocol_fee_share_ppm: u32,
    /// The exchange's liquidation buffer (a strict-isolated release keeps maintenance × (1 + buffer)).
    pub liquidation_buffer_ppm: u32,
}

/// The values a fill changes, in and out.
pub struct FillState {
    /// The position, with its unsettled profit.
    pub position: PositionState,
    /// The trading domain's collateral (cross, or the isolated position's own).
    pub collateral: i64,
    pub pool: Pool,
    pub fee_balance: u64,
}

/// What happened, for the handler's write-back and event.
#[derive(Default)]
pub struct FillOutcome {
    pub funding_settled: i64,
    pub realised_pnl: i64,
    /// Part of the realised PnL that became unsettled profit (a down-weighted market's gain).
    pub unsettled_added: i64,
    pub fee: u64,
    /// Change of cross collateral caused by an isolated trade (margin and fee moved in or out).
    pub cross_delta: i64,
    /// Margin moved from cross into the isolated position (negative: back to cross).
    pub margin_moved: i64,
}

/// Realised PnL into a domain: a gain on a market whose PnL weight is below 100% becomes
/// unsettled profit (the audit's H-3), and so does a gain the pool's cash cannot pay
/// (`Pool::pay_or_owe`); anything else, and every loss, moves collateral. Returns the
/// part that became unsettled.
pub fn book_realised(market: &Market, realised: i64, collateral: &mut i64, unsettled: &mut i64, pool: &mut Pool) -> Result<i64> {
    if realised <= 0 {
        *collateral = collateral.safe_add(realised)?;
        pool.receive(realised.unsigned_abs())?;
        return Ok(0);
    }
    if market.down_weighted() {
        pool.pay_or_owe(realised.unsigned_abs())?;
        *unsettled = unsettled.safe_add(realised)?;
        return Ok(realised);
    }
    pool::pay_position(pool, realised, collateral, unsettled)
}

/// Applies one fill. Isolated opens and increases move `notional / leverage` of the opened
/// size from cross, plus the opening cost that would otherwise leave the position below its
/// initial margin, and the fee comes from cross; reductions pay the fee from the position's
/// own collateral; a full close returns what the position holds to cross, and a
/// strict-isolated reduction releases what exceeds the remaining position's requirement
/// (`DomainHealth::release_on_reduction`).
#[inline(never)]
pub fn fill(market: &Market, view: &MarketView, order: &FillOrder, s: &mut FillState) -> Result<FillOutcome> {
    let mut out = FillOutcome {
        funding_settled: funding::settle(market, &mut s.position, &mut s.collateral, &mut s.pool)?,
        ..FillOutcome::default()
    };
    let f = apply_fill(BaseLots(s.position.base), s.position.cost_basis, BaseLots(order.base_delta), Price(order.fill_price)).math()?;
    s.position = PositionState {
        base: f.base,
        cost_basis: f.cost_basis,
        leverage: order.leverage,
        snapshot: funding::side_index(market, f.base),
        unsettled: s.position.unsettled,
    };
    out.realised_pnl = f.realised_pnl;
    out.unsettled_added = book_realised(market, f.realised_pnl, &mut s.collateral, &mut s.position.unsettled, &mut s.pool)?;

    let traded_notional = notional(BaseLots(order.base_delta), Price(order.fill_price), Rounding::Ceil).math()?;
    out.fee = ppm_of(traded_notional, order.taker_fee_ppm, Rounding::Ceil).math()?;
    let protocol_fee = ppm_of(out.fee, order.protocol_fee_share_ppm, Rounding::Floor).math()?;
    let fee_i = out.fee.cast::<i64>()?;
    s.pool.receive(out.fee - protocol_fee)?;
    s.fee_balance = s.fee_balance.safe_add(protocol_fee)?;

    if order.mode == MarginMode::Cross || !order.increasing {
        s.collateral = s.collateral.safe_sub(fee_i)?;
    } else {
        let opened = f.opened.cast::<i64>()?;
        let im = initial_margin(notional(BaseLots(opened), Price(order.fill_price), Rounding::Ceil).math()?, order.leverage).math()?;
        out.margin_moved = im.cast::<i64>()?;
        s.collateral = s.collateral.safe_add(out.margin_moved)?;
        // The opening cost (spread, confidence, and the confidence haircut of the initial
        // view) would leave the position just below its initial margin; cross tops it up
        // so every increase ends at or above initial (SPEC §8.2).
        let d = domain_of(s.collateral, &view.value(&s.position)?)?;
        let shortfall = (d.initial - d.initial_equity).max(0).cast::<i64>()?;
        out.margin_moved = out.margin_moved.safe_add(shortfall)?;
        s.collateral = s.collateral.safe_add(shortfall)?;
        out.cross_delta = out.margin_moved.safe_add(fee_i)?.safe_neg()?;
    }
    if order.mode != MarginMode::Cross && s.position.base == 0 {
        // A closed isolated position returns what it holds to cross; unsettled profit
        // first covers a negative balance, and what stays unsettled stays with the
        // position's account until it settles.
        let (collateral, unsettled) = net_against_debt(s.collateral, s.position.unsettled).math()?;
        (s.collateral, s.position.unsettled) = (collateral, unsettled);
        require!(s.collateral >= 0, ErrorCode::NegativeEquityClose);
        out.cross_delta = out.cross_delta.safe_add(s.collateral)?;
        out.margin_moved = out.margin_moved.safe_sub(s.collateral)?;
        s.collateral = 0;
    } else if order.mode == MarginMode::StrictIsolated && !order.increasing {
        // Strict-isolated margin cannot be removed by hand; it follows the position down.
        let d = domain_of(s.collateral, &view.value(&s.position)?)?;
        let release = d.release_on_reduction(order.liquidation_buffer_ppm).cast::<i64>()?;
        s.collateral = s.collateral.safe_sub(release)?;
        out.cross_delta = out.cross_delta.safe_add(release)?;
        out.margin_moved = out.margin_moved.safe_sub(release)?;
    }
    Ok(out)
}
