use anchor_lang::prelude::*;
use ballast_math::constants::{MAX_TIERS, PPM};
use ballast_math::tiers::{self, Tier};

use crate::error::ErrorCode;
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
    pub tiers: [LeverageTier; MAX_TIERS],
    /// Half-spread charged on fills against the pool, ppm of price.
    pub spread_ppm: u32,
    /// Keeper reward on liquidated notional, ppm.
    pub liquidation_fee_ppm: u32,
    /// Insurance fund's share of liquidated notional, ppm.
    pub insurance_share_ppm: u32,
    /// Weight of positive unrealised PnL for initial margin and transfers, ppm.
    pub pnl_weight_ppm: u32,
    /// Part of notional that stays in a domain whatever the leverage, ppm (default 10%).
    pub transfer_floor_ppm: u32,
    /// Funding rate cap, ppm per hour.
    pub funding_max_rate_ppm: u32,
    /// Funding rate at full skew, ppm per hour.
    pub funding_k_ppm: u32,
    pub _padding0: [u8; 4],
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
    pub reserved: [u8; 128],
}
crate::assert_size!(Market, 392);

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
    pub lot_size: u64,
    pub dust_notional: u64,
    pub max_open_interest: u64,
    pub funding_oi_floor: u64,
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

impl MarketParams {
    /// Validates the parameters (SPEC §5 `update_market`); `taker_fee_ppm` is the exchange's.
    pub fn validate(&self, taker_fee_ppm: u32) -> Result<()> {
        let tiers: Vec<Tier> =
            self.tiers.iter().map(|t| Tier { notional_threshold: t.notional_threshold, max_leverage: t.max_leverage }).collect();
        tiers::validate_tiers(&tiers).map_err(|_| ErrorCode::InvalidLeverageTiers)?;
        require!(self.max_oracle_age_secs > 0 && self.max_oracle_age_secs <= MAX_ORACLE_AGE_LIMIT_SECS, ErrorCode::InvalidOracleLimits);
        require!(self.max_oracle_conf_ppm > 0 && self.max_oracle_conf_ppm <= MAX_ORACLE_CONF_LIMIT_PPM, ErrorCode::InvalidOracleLimits);
        let ppm = PPM as u64;
        for r in [self.pnl_weight_ppm, self.transfer_floor_ppm] {
            require!(u64::from(r) <= ppm, ErrorCode::InvalidRatio);
        }
        // Fees and rewards taken on a fill or a liquidation must be covered by the
        // smallest maintenance rate (the first tier's): fees < maintenance.
        let min_rate = tiers::maintenance_rate_ppm(tiers[0].max_leverage).map_err(ErrorCode::from)?;
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
        self.lot_size = p.lot_size;
        self.dust_notional = p.dust_notional;
        self.max_open_interest = p.max_open_interest;
        self.funding_oi_floor = p.funding_oi_floor;
    }

    /// The tier table as the math crate sees it (on the stack, no allocation).
    pub fn tier_table(&self) -> ([Tier; MAX_TIERS], usize) {
        let mut out = [Tier { notional_threshold: 0, max_leverage: 1 }; MAX_TIERS];
        for (o, t) in out.iter_mut().zip(self.tiers.iter()) {
            *o = Tier { notional_threshold: t.notional_threshold, max_leverage: t.max_leverage };
        }
        (out, usize::from(self.tier_count).min(MAX_TIERS))
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
        require!(MarketStatus::from_u8(self.status).is_some(), ErrorCode::InvariantViolated);
        require!(AllowedModes::from_u8(self.allowed_modes).is_some(), ErrorCode::InvariantViolated);
        require!(OracleKind::from_u8(self.oracle_kind).is_some(), ErrorCode::InvariantViolated);
        let (t, n) = self.tier_table();
        require!(tiers::validate_tiers(&t[..n]).is_ok(), ErrorCode::InvariantViolated);
        require!(self.lot_size > 0, ErrorCode::InvariantViolated);
        Ok(())
    }
}
