use anchor_lang::prelude::*;
use ballast_math::constants::{MAX_TIERS, PPM};
use ballast_math::pool::SideTotals;
use ballast_math::settlement::SettleBudget;
use ballast_math::tiers::{self, Maintenance, Tier};
use ballast_math::volatility::{leverage_scale_ppm, scaled_max_leverage, VolState};

use crate::error::ErrorCode;
use crate::safe::{MathExt, SafeMath};
use crate::state::{WrappedI128, ACCOUNT_VERSION};

/// Trading status, ordered from least to most restrictive.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum MarketStatus {
    /// Everything allowed.
    Active,
    /// Only risk-reducing actions: reduce/close, deposits, adding margin, lowering
    /// leverage with funds, liquidations; withdrawals of transferable margin stay open.
    ReduceOnly,
    /// Nothing but deposits (and admin actions).
    Paused,
}

impl MarketStatus {
    pub fn from_u8(v: u8) -> Option<Self> {
        match v {
            0 => Some(Self::Active),
            1 => Some(Self::ReduceOnly),
            2 => Some(Self::Paused),
            _ => None,
        }
    }
    pub fn as_u8(self) -> u8 {
        self as u8
    }
}

/// Which margin modes a market accepts for new positions.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub enum AllowedModes {
    /// Cross, isolated and strict-isolated.
    Any,
    /// Isolated and strict-isolated only.
    IsolatedOnly,
    /// Strict-isolated only.
    StrictIsolatedOnly,
}

impl AllowedModes {
    /// Whether a new position may open in `mode`.
    pub fn permits(self, mode: crate::state::MarginMode) -> bool {
        use crate::state::MarginMode::*;
        match self {
            AllowedModes::Any => true,
            AllowedModes::IsolatedOnly => mode != Cross,
            AllowedModes::StrictIsolatedOnly => mode == StrictIsolated,
        }
    }

    pub fn from_u8(v: u8) -> Option<Self> {
        match v {
            0 => Some(Self::Any),
            1 => Some(Self::IsolatedOnly),
            2 => Some(Self::StrictIsolatedOnly),
            _ => None,
        }
    }
}

/// Where a market reads its price.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub enum OracleKind {
    /// A [`crate::state::PushOracle`] owned by this program (local validators, devnets).
    Push,
    /// A Pyth pull-oracle `PriceUpdateV2` account owned by the Pyth receiver program.
    PythPull,
}

impl OracleKind {
    pub fn from_u8(v: u8) -> Option<Self> {
        match v {
            0 => Some(Self::Push),
            1 => Some(Self::PythPull),
            _ => None,
        }
    }
}

/// One leverage tier as stored in a market.
#[zero_copy]
#[derive(Debug, Default, PartialEq, Eq)]
pub struct LeverageTier {
    /// Lowest notional at which the tier applies, quote native.
    pub notional_threshold: u64,
    /// Highest leverage in the tier.
    pub max_leverage: u16,
    pub _padding: [u8; 6],
}
crate::assert_size!(LeverageTier, 16);

/// A perpetual market (PDA `["market", index as u16 LE]`).
#[account(zero_copy)]
#[derive(Debug)]
pub struct Market {
    pub version: u8,
    pub bump: u8,
    /// [`MarketStatus`].
    pub status: u8,
    /// [`AllowedModes`].
    pub allowed_modes: u8,
    /// [`OracleKind`].
    pub oracle_kind: u8,
    /// Number of tiers in use (1..=4).
    pub tier_count: u8,
    pub market_index: u16,
    /// Oracle account address.
    pub oracle: Pubkey,
    /// Pyth feed id (zero for a push oracle).
    pub feed_id: [u8; 32],
    /// Oldest acceptable oracle publish time, seconds.
    pub max_oracle_age_secs: u32,
    /// Widest acceptable confidence / price, ppm.
    pub max_oracle_conf_ppm: u32,
    /// The tier table new risk is measured against (initial margin, leverage caps) and,
    /// once a ramp has ended, maintenance margin too.
    pub tiers: [LeverageTier; MAX_TIERS],
    /// Half-spread charged on fills against the pool, ppm of price.
    pub spread_ppm: u32,
    /// Keeper reward on liquidated notional, ppm.
    pub liquidation_fee_ppm: u32,
    /// Insurance fund's share of liquidated notional, ppm.
    pub insurance_share_ppm: u32,
    /// Weight of positive PnL (unrealised and unsettled) for initial margin and transfers, ppm.
    pub pnl_weight_ppm: u32,
    /// Part of notional that stays in a domain whatever the leverage, ppm (default 10%).
    pub transfer_floor_ppm: u32,
    /// Funding rate cap, ppm per hour.
    pub funding_max_rate_ppm: u32,
    /// Funding rate at full skew, ppm per hour.
    pub funding_k_ppm: u32,
    /// Oldest price a fill against the pool may use (trades, liquidations, realised
    /// profit), seconds; at most `max_oracle_age_secs`.
    pub max_fill_age_secs: u32,
    /// Smallest trade increment, base lots.
    pub lot_size: u64,
    /// A liquidation closes the whole position when the rest would be below this notional, quote native.
    pub dust_notional: u64,
    /// Cap on each side's open interest, base lots.
    pub max_open_interest: u64,
    /// Σ long sizes, base lots.
    pub open_interest_long: u64,
    /// Σ |short sizes|, base lots.
    pub open_interest_short: u64,
    /// Skew denominator floor for funding, base lots.
    pub funding_oi_floor: u64,
    /// Cumulative funding per whole base unit paid by longs, quote native × 1e6.
    pub cumulative_funding_long: WrappedI128,
    /// Cumulative funding per whole base unit paid by shorts, quote native × 1e6.
    pub cumulative_funding_short: WrappedI128,
    /// Unix time of the last funding accrual.
    pub last_funding_ts: i64,
    /// Σ cost basis of the market's long positions (cross and isolated), quote native.
    pub cost_basis_long: WrappedI128,
    /// Σ cost basis of the market's short positions (≤ 0), quote native.
    pub cost_basis_short: WrappedI128,
    /// The last price read as valid (price scale), the reference when the oracle
    /// publishes a non-positive price; 0 before the first.
    pub last_valid_price: u64,
    /// Unix time `last_valid_price` was read.
    pub last_valid_ts: i64,
    /// Widening, beyond the confidence, of the last price of a position valued while its
    /// oracle is not valid, ppm of the price.
    pub invalid_price_haircut_ppm: u32,
    /// Length of a settle period, seconds.
    pub settle_period_secs: u32,
    /// Most down-weighted profit that settles into collateral per period, all accounts together, quote native.
    pub settle_limit: u64,
    /// Start of the period `settled_in_period` counts (a multiple of `settle_period_secs`).
    pub settle_period_start: i64,
    /// Profit settled in the current period, quote native.
    pub settled_in_period: u64,
    /// How long maintenance margin takes to move from the old to the new tier table
    /// after `update_market` changes it, seconds.
    pub maintenance_ramp_secs: u32,
    /// Tiers in use in `ramp_from_tiers` (0 when no ramp has happened).
    pub ramp_from_tier_count: u8,
    pub _padding1: [u8; 3],
    /// The tier table maintenance margin ramps away from.
    pub ramp_from_tiers: [LeverageTier; MAX_TIERS],
    /// Unix time the ramp started.
    pub ramp_start_ts: i64,
    /// Unix time the ramp ends (maintenance uses `tiers` alone from then on).
    pub ramp_end_ts: i64,
    /// Σ profit this market's positions gave back to the pool in auto-deleveraging, quote native.
    pub adl_haircut_total: u64,
    /// Volatility estimate: EWMA of squared oracle returns normalised to one hour, ppm²
    /// (`ballast_math::volatility`).
    pub vol_variance: u64,
    /// Price of the estimate's last sample (price scale); 0 before the first.
    pub vol_last_price: u64,
    /// Unix time of the estimate's last sample.
    pub vol_last_ts: i64,
    /// Hourly volatility up to which new risk keeps the tier's full leverage, ppm (0: no scaling).
    pub vol_target_ppm: u32,
    /// Lowest scale of the tier maximum, ppm.
    pub vol_floor_ppm: u32,
    /// Half-life of the estimate, seconds.
    pub vol_half_life_secs: u32,
    pub _padding2: [u8; 4],
    pub reserved: [u8; 16],
}
crate::assert_size!(Market, 496);

/// Risk parameters of a market, as passed to `create_market` and `update_market`.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug, PartialEq, Eq)]
pub struct MarketParams {
    /// `(notional threshold, max leverage)` pairs: first threshold 0, thresholds
    /// increasing, max leverage non-increasing; 1 to 4 tiers.
    pub tiers: Vec<TierParams>,
    pub allowed_modes: AllowedModes,
    pub max_oracle_age_secs: u32,
    pub max_oracle_conf_ppm: u32,
    pub spread_ppm: u32,
    pub liquidation_fee_ppm: u32,
    pub insurance_share_ppm: u32,
    pub pnl_weight_ppm: u32,
    pub transfer_floor_ppm: u32,
    pub funding_max_rate_ppm: u32,
    pub funding_k_ppm: u32,
    /// Oldest price a fill may use, seconds (1..=`max_oracle_age_secs`).
    pub max_fill_age_secs: u32,
    /// Widening of an invalid price's last value, ppm (≤ 50%).
    pub invalid_price_haircut_ppm: u32,
    /// Settle period, seconds (1 s..=7 days).
    pub settle_period_secs: u32,
    /// Down-weighted profit settled per period, quote native (non-zero when the weight is below 100%).
    pub settle_limit: u64,
    /// Maintenance ramp after a tier change, seconds (≤ 30 days).
    pub maintenance_ramp_secs: u32,
    pub lot_size: u64,
    pub dust_notional: u64,
    pub max_open_interest: u64,
    pub funding_oi_floor: u64,
    /// Hourly volatility up to which new risk keeps the tier's full leverage, ppm (≤ 100%;
    /// 0 turns volatility scaling off).
    pub vol_target_ppm: u32,
    /// Lowest scale of the tier maximum when scaling is on, ppm (1..=1e6).
    pub vol_floor_ppm: u32,
    /// Half-life of the volatility estimate when scaling is on, seconds (1 minute..=30 days).
    pub vol_half_life_secs: u32,
}

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub struct TierParams {
    pub notional_threshold: u64,
    pub max_leverage: u16,
}

/// Longest acceptable oracle age a market may configure (1 hour).
pub const MAX_ORACLE_AGE_LIMIT_SECS: u32 = 3_600;
/// Widest acceptable confidence a market may configure (10%).
pub const MAX_ORACLE_CONF_LIMIT_PPM: u32 = 100_000;
/// Highest funding rate cap a market may configure (4% per hour, Hyperliquid's cap).
pub const MAX_FUNDING_RATE_LIMIT_PPM: u32 = 40_000;
/// Widest haircut on an invalid price (50%).
pub const MAX_INVALID_PRICE_HAIRCUT_PPM: u32 = 500_000;
/// Longest settle period (7 days).
pub const MAX_SETTLE_PERIOD_SECS: u32 = 7 * 24 * 3_600;
/// Longest maintenance ramp (30 days).
pub const MAX_MAINTENANCE_RAMP_SECS: u32 = 30 * 24 * 3_600;
/// Shortest and longest half-life of the volatility estimate (1 minute, 30 days).
pub const MIN_VOL_HALF_LIFE_SECS: u32 = 60;
pub const MAX_VOL_HALF_LIFE_SECS: u32 = 30 * 24 * 3_600;

impl MarketParams {
    /// Validates the parameters (SPEC §5 `update_market`); `taker_fee_ppm` is the exchange's.
    pub fn validate(&self, taker_fee_ppm: u32) -> Result<()> {
        let tiers: Vec<Tier> =
            self.tiers.iter().map(|t| Tier { notional_threshold: t.notional_threshold, max_leverage: t.max_leverage }).collect();
        tiers::validate_tiers(&tiers).map_err(|_| ErrorCode::InvalidLeverageTiers)?;
        require!(self.max_oracle_age_secs > 0 && self.max_oracle_age_secs <= MAX_ORACLE_AGE_LIMIT_SECS, ErrorCode::InvalidOracleLimits);
        require!(self.max_oracle_conf_ppm > 0 && self.max_oracle_conf_ppm <= MAX_ORACLE_CONF_LIMIT_PPM, ErrorCode::InvalidOracleLimits);
        require!(self.max_fill_age_secs > 0 && self.max_fill_age_secs <= self.max_oracle_age_secs, ErrorCode::InvalidOracleLimits);
        require!(self.invalid_price_haircut_ppm <= MAX_INVALID_PRICE_HAIRCUT_PPM, ErrorCode::InvalidOracleLimits);
        require!(self.settle_period_secs > 0 && self.settle_period_secs <= MAX_SETTLE_PERIOD_SECS, ErrorCode::InvalidSettleParams);
        require!(u64::from(self.pnl_weight_ppm) >= PPM as u64 || self.settle_limit > 0, ErrorCode::InvalidSettleParams);
        require!(self.maintenance_ramp_secs <= MAX_MAINTENANCE_RAMP_SECS, ErrorCode::InvalidRampParams);
        let ppm = PPM as u64;
        if self.vol_target_ppm > 0 {
            require!(
                u64::from(self.vol_target_ppm) <= ppm
                    && self.vol_floor_ppm > 0
                    && u64::from(self.vol_floor_ppm) <= ppm
                    && (MIN_VOL_HALF_LIFE_SECS..=MAX_VOL_HALF_LIFE_SECS).contains(&self.vol_half_life_secs),
                ErrorCode::InvalidVolatilityParams
            );
        }
        for r in [self.pnl_weight_ppm, self.transfer_floor_ppm] {
            require!(u64::from(r) <= ppm, ErrorCode::InvalidRatio);
        }
        // Fees and rewards taken on a fill or a liquidation must be covered by the
        // smallest maintenance rate (the first tier's): fees < maintenance.
        let min_rate = tiers::maintenance_rate_ppm(tiers[0].max_leverage).math()?;
        let costs = i128::from(taker_fee_ppm)
            + i128::from(self.spread_ppm)
            + i128::from(self.liquidation_fee_ppm)
            + i128::from(self.insurance_share_ppm);
        require!(costs < min_rate, ErrorCode::FeesNotBelowMaintenance);
        require!(self.lot_size > 0, ErrorCode::InvalidLotSize);
        require!(self.max_open_interest > 0, ErrorCode::InvalidOpenInterestCap);
        require!(
            self.funding_max_rate_ppm <= MAX_FUNDING_RATE_LIMIT_PPM
                && self.funding_k_ppm <= MAX_FUNDING_RATE_LIMIT_PPM
                && self.funding_oi_floor > 0,
            ErrorCode::InvalidFundingParams
        );
        Ok(())
    }
}

impl Market {
    pub const SPACE: usize = 8 + core::mem::size_of::<Market>();

    /// Writes validated risk parameters.
    pub fn apply_params(&mut self, p: &MarketParams) {
        self.tier_count = p.tiers.len() as u8;
        self.tiers = [LeverageTier::default(); MAX_TIERS];
        for (slot, t) in self.tiers.iter_mut().zip(p.tiers.iter()) {
            *slot = LeverageTier { notional_threshold: t.notional_threshold, max_leverage: t.max_leverage, _padding: [0; 6] };
        }
        self.allowed_modes = p.allowed_modes as u8;
        self.max_oracle_age_secs = p.max_oracle_age_secs;
        self.max_oracle_conf_ppm = p.max_oracle_conf_ppm;
        self.spread_ppm = p.spread_ppm;
        self.liquidation_fee_ppm = p.liquidation_fee_ppm;
        self.insurance_share_ppm = p.insurance_share_ppm;
        self.pnl_weight_ppm = p.pnl_weight_ppm;
        self.transfer_floor_ppm = p.transfer_floor_ppm;
        self.funding_max_rate_ppm = p.funding_max_rate_ppm;
        self.funding_k_ppm = p.funding_k_ppm;
        self.max_fill_age_secs = p.max_fill_age_secs;
        self.invalid_price_haircut_ppm = p.invalid_price_haircut_ppm;
        self.settle_period_secs = p.settle_period_secs;
        self.settle_limit = p.settle_limit;
        self.maintenance_ramp_secs = p.maintenance_ramp_secs;
        self.lot_size = p.lot_size;
        self.dust_notional = p.dust_notional;
        self.max_open_interest = p.max_open_interest;
        self.funding_oi_floor = p.funding_oi_floor;
        self.vol_target_ppm = p.vol_target_ppm;
        self.vol_floor_ppm = p.vol_floor_ppm;
        self.vol_half_life_secs = p.vol_half_life_secs;
    }

    /// The volatility estimate (`ballast_math::volatility`).
    pub fn vol_state(&self) -> VolState {
        VolState { variance: self.vol_variance, last_price: self.vol_last_price, last_ts: self.vol_last_ts }
    }

    /// Samples a valid price into the volatility estimate (a no-op while scaling is off).
    pub fn sample_volatility(&mut self, price: u64, now: i64) -> Result<()> {
        if self.vol_target_ppm == 0 {
            return Ok(());
        }
        let s = self.vol_state().sample(price, now, self.vol_half_life_secs).math()?;
        (self.vol_variance, self.vol_last_price, self.vol_last_ts) = (s.variance, s.last_price, s.last_ts);
        Ok(())
    }

    /// The scale of the tier maximum for new risk now, ppm (1e6 when scaling is off).
    pub fn leverage_scale_ppm(&self) -> Result<u32> {
        leverage_scale_ppm(self.vol_variance, self.vol_target_ppm, self.vol_floor_ppm).math()
    }

    /// Checks a leverage setting for new risk at `notional`: within the tier's maximum
    /// (`LeverageAboveTierMax`) and within it scaled by volatility (`LeverageAboveVolatilityCap`).
    pub fn require_leverage_for_new_risk(&self, notional: u64, leverage: u16) -> Result<()> {
        let tier_max = tiers::max_leverage_at(self.tier_table(), notional);
        require!(leverage <= tier_max, ErrorCode::LeverageAboveTierMax);
        require!(leverage <= scaled_max_leverage(tier_max, self.leverage_scale_ppm()?), ErrorCode::LeverageAboveVolatilityCap);
        Ok(())
    }

    /// The tier table in force, as the math crate reads it (no copy).
    pub fn tier_table(&self) -> &[Tier] {
        math_tiers(&self.tiers, self.tier_count)
    }

    /// The maintenance curve at `now`: the tier table, and the table a ramp started by
    /// `update_market` is moving away from with its progress (ppm) while it lasts. Borrows
    /// the market's tables; [`Self::maintenance_at`] is the owned copy.
    pub fn curve_at(&self, now: i64) -> Maintenance<'_> {
        maintenance_curve(
            (&self.tiers, self.tier_count),
            (&self.ramp_from_tiers, self.ramp_from_tier_count),
            (self.ramp_start_ts, self.ramp_end_ts),
            now,
        )
    }

    /// [`Self::curve_at`], copied out of the account (for a view that outlives the borrow).
    pub fn maintenance_at(&self, now: i64) -> MaintenanceTables {
        MaintenanceTables::copy(
            (&self.tiers, self.tier_count),
            (&self.ramp_from_tiers, self.ramp_from_tier_count),
            (self.ramp_start_ts, self.ramp_end_ts),
            now,
        )
    }

    /// Replaces a position's contribution to open interest and to the side's aggregate
    /// cost basis: every change of a position's size or cost basis goes through here.
    pub fn record_position_change(&mut self, before: (i64, i64), after: (i64, i64)) -> Result<()> {
        let long = |b: i64| b.max(0).unsigned_abs();
        let short = |b: i64| b.min(0).unsigned_abs();
        let oi = |total: u64, old: u64, new: u64| {
            total.checked_sub(old).and_then(|t| t.checked_add(new)).ok_or(ErrorCode::OpenInterestOutOfSync)
        };
        self.open_interest_long = oi(self.open_interest_long, long(before.0), long(after.0))?;
        self.open_interest_short = oi(self.open_interest_short, short(before.0), short(after.0))?;
        let side = |base: i64, cb: i64| {
            if base > 0 {
                (i128::from(cb), 0)
            } else if base < 0 {
                (0, i128::from(cb))
            } else {
                (0, 0)
            }
        };
        let (old_long, old_short) = side(before.0, before.1);
        let (new_long, new_short) = side(after.0, after.1);
        let cb_long = self.cost_basis_long.get() - old_long + new_long;
        let cb_short = self.cost_basis_short.get() - old_short + new_short;
        self.cost_basis_long.set(cb_long);
        self.cost_basis_short.set(cb_short);
        Ok(())
    }

    /// The market's open interest and aggregate cost basis per side.
    pub fn side_totals(&self) -> SideTotals {
        SideTotals {
            open_interest_long: self.open_interest_long,
            open_interest_short: self.open_interest_short,
            cost_basis_long: self.cost_basis_long.get(),
            cost_basis_short: self.cost_basis_short.get(),
        }
    }

    /// The settle budget for down-weighted profit.
    pub fn settle_budget(&self) -> SettleBudget {
        SettleBudget {
            limit: self.settle_limit,
            period_secs: self.settle_period_secs.max(1),
            period_start: self.settle_period_start,
            used: self.settled_in_period,
        }
    }

    pub fn store_settle_budget(&mut self, b: &SettleBudget) {
        self.settle_period_start = b.period_start;
        self.settled_in_period = b.used;
    }

    /// Positive PnL on this market counts at less than 100%: its realised profit is
    /// unsettled until it settles through the budget.
    pub fn down_weighted(&self) -> bool {
        u64::from(self.pnl_weight_ppm) < PPM as u64
    }

    /// Starts a maintenance ramp from the tiers in force to `new` when they differ.
    pub fn ramp_tiers(&mut self, new: &MarketParams, now: i64) -> Result<()> {
        let mut incoming = [LeverageTier::default(); MAX_TIERS];
        for (slot, t) in incoming.iter_mut().zip(new.tiers.iter()) {
            *slot = LeverageTier { notional_threshold: t.notional_threshold, max_leverage: t.max_leverage, _padding: [0; 6] };
        }
        let changed = incoming != self.tiers || new.tiers.len() != usize::from(self.tier_count);
        if !changed || new.maintenance_ramp_secs == 0 {
            return Ok(());
        }
        // One ramp at a time: the blend of two tables is not a table to ramp from.
        require!(self.curve_at(now).ramp_from.is_none(), ErrorCode::InvalidRampParams);
        self.ramp_from_tiers = self.tiers;
        self.ramp_from_tier_count = self.tier_count;
        self.ramp_start_ts = now;
        self.ramp_end_ts = now.safe_add(i64::from(new.maintenance_ramp_secs))?;
        Ok(())
    }

    pub fn status(&self) -> MarketStatus {
        MarketStatus::from_u8(self.status).unwrap_or(MarketStatus::Paused)
    }

    /// The stricter of the market's and the exchange's status.
    pub fn effective_status(&self, exchange_status: MarketStatus) -> MarketStatus {
        self.status().max(exchange_status)
    }

    pub fn invariant(&self) -> Result<()> {
        require!(self.version == ACCOUNT_VERSION, ErrorCode::InvalidAccountVersion);
        require!(MarketStatus::from_u8(self.status).is_some(), ErrorCode::MarketStateInvalid);
        require!(AllowedModes::from_u8(self.allowed_modes).is_some(), ErrorCode::MarketStateInvalid);
        require!(OracleKind::from_u8(self.oracle_kind).is_some(), ErrorCode::MarketStateInvalid);
        require!(tiers::validate_tiers(self.tier_table()).is_ok(), ErrorCode::MarketStateInvalid);
        if self.ramp_from_tier_count > 0 {
            require!(
                tiers::validate_tiers(math_tiers(&self.ramp_from_tiers, self.ramp_from_tier_count)).is_ok(),
                ErrorCode::MarketStateInvalid
            );
            require!(self.ramp_end_ts >= self.ramp_start_ts, ErrorCode::MarketStateInvalid);
        }
        require!(self.lot_size > 0, ErrorCode::MarketStateInvalid);
        require!(self.max_fill_age_secs > 0 && self.max_fill_age_secs <= self.max_oracle_age_secs, ErrorCode::MarketStateInvalid);
        require!(self.settle_period_secs > 0, ErrorCode::MarketStateInvalid);
        require!(
            self.vol_target_ppm == 0
                || (self.vol_target_ppm <= 1_000_000
                    && (1..=1_000_000).contains(&self.vol_floor_ppm)
                    && (MIN_VOL_HALF_LIFE_SECS..=MAX_VOL_HALF_LIFE_SECS).contains(&self.vol_half_life_secs)),
            ErrorCode::MarketStateInvalid
        );
        Ok(())
    }
}

/// The maintenance curve at `now` from a stored tier table, the table a ramp moves away
/// from (count 0: none) and the ramp's start and end (shared by the market and its
/// price-book entry).
pub fn maintenance_curve<'a>(
    tiers: (&'a [LeverageTier; MAX_TIERS], u8),
    ramp_from: (&'a [LeverageTier; MAX_TIERS], u8),
    (ramp_start_ts, ramp_end_ts): (i64, i64),
    now: i64,
) -> Maintenance<'a> {
    let ramp = if ramp_from.1 > 0 { tiers::ramp_progress_ppm(ramp_start_ts, ramp_end_ts, now) } else { None };
    Maintenance { tiers: math_tiers(tiers.0, tiers.1), ramp_from: ramp.map(|f| (math_tiers(ramp_from.0, ramp_from.1), f)) }
}

/// The first `count` stored tiers as the math crate's [`Tier`]s, in place.
pub fn math_tiers(stored: &[LeverageTier; MAX_TIERS], count: u8) -> &[Tier] {
    let stored = &stored[..usize::from(count).min(MAX_TIERS)];
    // SAFETY: `Tier` is `repr(C)` with the same size, alignment, field offsets and field
    // types as `LeverageTier` (all checked below at compile time), and its padding may
    // hold any bytes; the slice is only read, for the borrow of `stored`.
    unsafe { core::slice::from_raw_parts(stored.as_ptr().cast::<Tier>(), stored.len()) }
}

// The fields' types: this fails to compile if either struct's field types change, or if
// `Tier` gains a field.
const _: fn(&LeverageTier) -> Tier = |t| Tier { notional_threshold: t.notional_threshold, max_leverage: t.max_leverage };

const _: () = {
    use core::mem::{align_of, offset_of, size_of};
    assert!(size_of::<Tier>() == size_of::<LeverageTier>() && align_of::<Tier>() == align_of::<LeverageTier>());
    assert!(offset_of!(Tier, notional_threshold) == offset_of!(LeverageTier, notional_threshold));
    assert!(offset_of!(Tier, max_leverage) == offset_of!(LeverageTier, max_leverage));
};

fn table(stored: &[LeverageTier; MAX_TIERS], count: u8) -> ([Tier; MAX_TIERS], usize) {
    let mut out = [Tier { notional_threshold: 0, max_leverage: 1 }; MAX_TIERS];
    for (o, t) in out.iter_mut().zip(stored.iter()) {
        *o = Tier { notional_threshold: t.notional_threshold, max_leverage: t.max_leverage };
    }
    (out, usize::from(count).min(MAX_TIERS))
}

/// A market's maintenance curve at one moment, owned (see [`Market::maintenance_at`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MaintenanceTables {
    pub tiers: [Tier; MAX_TIERS],
    pub count: usize,
    /// The table being ramped away from, its length, and the ramp's progress (ppm).
    pub ramp: Option<([Tier; MAX_TIERS], usize, u32)>,
}

impl MaintenanceTables {
    /// [`maintenance_curve`], copied out of the stored tables.
    pub fn copy(
        tiers: (&[LeverageTier; MAX_TIERS], u8),
        ramp_from: (&[LeverageTier; MAX_TIERS], u8),
        (ramp_start_ts, ramp_end_ts): (i64, i64),
        now: i64,
    ) -> Self {
        let (tiers, count) = table(tiers.0, tiers.1);
        let ramp = (ramp_from.1 > 0).then(|| tiers::ramp_progress_ppm(ramp_start_ts, ramp_end_ts, now)).flatten().map(|f| {
            let (from, n) = table(ramp_from.0, ramp_from.1);
            (from, n, f)
        });
        Self { tiers, count, ramp }
    }

    /// A copy of a borrowed `curve` (each array past its table's length is filler: compare
    /// copies through [`Self::curve`]).
    pub fn of(curve: Maintenance) -> Self {
        let padded = |t: &[Tier]| {
            let mut out = [Tier { notional_threshold: 0, max_leverage: 1 }; MAX_TIERS];
            out.iter_mut().zip(t).for_each(|(o, t)| *o = *t);
            (out, t.len().min(MAX_TIERS))
        };
        let (tiers, count) = padded(curve.tiers);
        Self { tiers, count, ramp: curve.ramp_from.map(|(from, f)| (padded(from).0, from.len().min(MAX_TIERS), f)) }
    }

    /// The tiers in force.
    pub fn tiers(&self) -> &[Tier] {
        &self.tiers[..self.count]
    }

    /// The ramp's old table and progress, as the math takes it.
    pub fn ramp_from(&self) -> Option<(&[Tier], u32)> {
        self.ramp.as_ref().map(|(t, n, f)| (&t[..*n], *f))
    }

    pub fn curve(&self) -> Maintenance<'_> {
        Maintenance { tiers: self.tiers(), ramp_from: self.ramp_from() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stored(tiers: &[(u64, u16)]) -> [LeverageTier; MAX_TIERS] {
        let mut out = [LeverageTier::default(); MAX_TIERS];
        for (o, &(notional_threshold, max_leverage)) in out.iter_mut().zip(tiers) {
            // Padding bytes set on purpose: the math view must not read them.
            *o = LeverageTier { notional_threshold, max_leverage, _padding: [0xAB; 6] };
        }
        out
    }

    #[test]
    fn the_math_view_of_stored_tiers_reads_the_same_tiers_as_a_copy() {
        let t = stored(&[(0, 50), (1_000_000, 20), (50_000_000, 5)]);
        let view = math_tiers(&t, 3);
        let (copy, n) = table(&t, 3);
        assert_eq!(view, &copy[..n]);
        assert_eq!(view[1], Tier { notional_threshold: 1_000_000, max_leverage: 20 });
        // A count past the table is clamped to it, as the copy does.
        assert_eq!(math_tiers(&t, u8::MAX).len(), MAX_TIERS);
        assert!(math_tiers(&t, 0).is_empty());
    }

    #[test]
    fn the_borrowed_curve_equals_the_owned_one_during_and_after_a_ramp() {
        let (to, from) = (stored(&[(0, 50), (1_000_000, 10)]), stored(&[(0, 20)]));
        for now in [99, 100, 150, 200, 201] {
            let borrowed = maintenance_curve((&to, 2), (&from, 1), (100, 200), now);
            let owned = MaintenanceTables::copy((&to, 2), (&from, 1), (100, 200), now);
            assert_eq!(borrowed, owned.curve(), "at {now}");
            assert_eq!(MaintenanceTables::of(borrowed).curve(), borrowed, "at {now}");
        }
        let none = maintenance_curve((&to, 2), (&from, 0), (100, 200), 150);
        assert_eq!(none.ramp_from, None);
    }
}
