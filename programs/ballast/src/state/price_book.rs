//! The price book (PDA `["price_book"]`): per market, what valuing a cross position of it
//! reads, copied from the market and its oracle by the permissionless `refresh_prices`
//! crank. Cross-reading instructions may pass the book instead of a `[market, oracle]`
//! pair per position; they accept an entry only while it is at most
//! [`MAX_PRICE_BOOK_AGE_SLOTS`] old and no market's configuration has changed since it was
//! written (docs/MATH.md, "Price book").

use anchor_lang::prelude::*;
use ballast_math::constants::MAX_TIERS;
use ballast_math::oracle::{classify, OracleValidity};
use ballast_math::tiers::Maintenance;

#[cfg(doc)]
use crate::constants::MAX_PRICE_BOOK_AGE_SLOTS;
use crate::constants::MAX_PRICE_BOOK_MARKETS;
use crate::error::ErrorCode;
use crate::oracle::OraclePrice;
use crate::state::{maintenance_curve, LeverageTier, Market, MarketStatus, WrappedI128, ACCOUNT_VERSION};

/// One market's copy. `refreshed_slot == 0`: never written.
#[zero_copy]
#[derive(Debug, Default, PartialEq, Eq)]
pub struct PriceEntry {
    /// Slot `refresh_prices` wrote the entry in.
    pub refreshed_slot: u64,
    /// The exchange's `market_config_epoch` then.
    pub config_epoch: u64,
    /// The oracle's price converted into the price scale (rounded down; 0 when not positive).
    pub price: u64,
    /// Its confidence in the price scale (rounded up).
    pub conf: u64,
    /// When the reading was published (the refresh's time less the reading's age; a publish
    /// time ahead of the clock counts as the refresh's): its age is counted from it when the
    /// entry is read.
    pub publish_time: i64,
    /// The market's last valid price.
    pub last_valid_price: u64,
    /// The market's funding indices accrued (in memory) to the refresh's time.
    pub long_index: WrappedI128,
    pub short_index: WrappedI128,
    pub pnl_weight_ppm: u32,
    pub transfer_floor_ppm: u32,
    pub invalid_price_haircut_ppm: u32,
    pub max_fill_age_secs: u32,
    /// The market's volatility scale of the tier maximum then, ppm.
    pub leverage_scale_ppm: u32,
    pub max_oracle_age_secs: u32,
    pub market_index: u16,
    /// The market's own [`MarketStatus`].
    pub status: u8,
    /// The reading's class apart from its age: 0 valid, 1 too uncertain, 2 not positive.
    pub quality: u8,
    pub tier_count: u8,
    pub ramp_from_tier_count: u8,
    pub _padding: [u8; 2],
    pub tiers: [LeverageTier; MAX_TIERS],
    pub ramp_from_tiers: [LeverageTier; MAX_TIERS],
    pub ramp_start_ts: i64,
    pub ramp_end_ts: i64,
}
crate::assert_size!(PriceEntry, 256);

const QUALITY_VALID: u8 = 0;
const QUALITY_TOO_UNCERTAIN: u8 = 1;
const QUALITY_NON_POSITIVE: u8 = 2;

#[account(zero_copy)]
#[derive(Debug)]
pub struct PriceBook {
    pub version: u8,
    pub bump: u8,
    pub _padding: [u8; 6],
    pub reserved: [u8; 56],
    /// Entry `i` is market `i`'s.
    pub entries: [PriceEntry; MAX_PRICE_BOOK_MARKETS],
}
crate::assert_size!(PriceBook, 64 + 256 * MAX_PRICE_BOOK_MARKETS);

impl PriceBook {
    pub const SPACE: usize = 8 + core::mem::size_of::<PriceBook>();

    /// Market `market_index`'s entry as a reader may use it: written for that market, at
    /// most `max_age_slots` before `slot` ([`MAX_PRICE_BOOK_AGE_SLOTS`] for lenient reads,
    /// 0 — this slot — for strict ones), under the exchange's current configuration epoch.
    pub fn fresh_entry(&self, market_index: u16, slot: u64, config_epoch: u64, max_age_slots: u64) -> Result<&PriceEntry> {
        let e = self.entries.get(usize::from(market_index)).ok_or(ErrorCode::MarketNotInPriceBook)?;
        require!(e.refreshed_slot != 0 && e.market_index == market_index, ErrorCode::PriceBookStale);
        require!(slot.saturating_sub(e.refreshed_slot) <= max_age_slots, ErrorCode::PriceBookStale);
        require!(e.config_epoch == config_epoch, ErrorCode::PriceBookStale);
        Ok(e)
    }

    pub fn invariant(&self) -> Result<()> {
        require!(self.version == ACCOUNT_VERSION, ErrorCode::InvalidAccountVersion);
        for (i, e) in self.entries.iter().enumerate() {
            require!(e.refreshed_slot == 0 || usize::from(e.market_index) == i, ErrorCode::PriceBookStateInvalid);
            require!(e.quality <= QUALITY_NON_POSITIVE && MarketStatus::from_u8(e.status).is_some(), ErrorCode::PriceBookStateInvalid);
        }
        Ok(())
    }
}

/// Whether `ai` is the price book (this program's account carrying its discriminator;
/// only `init_price_book` creates one, at its PDA).
pub fn is_price_book(ai: &AccountInfo) -> bool {
    *ai.owner == crate::ID && ai.try_borrow_data().is_ok_and(|d| d.len() >= 8 && d[..8] == *PriceBook::DISCRIMINATOR)
}

impl PriceEntry {
    /// Copies what valuation reads from `market` and its `oracle` reading, with the
    /// funding indices accrued to the reading's time.
    pub fn record(market: &Market, oracle: &OraclePrice, indices: (i128, i128), clock: &Clock, config_epoch: u64) -> Result<Self> {
        // The class apart from age (age is judged when the entry is read). A reading already
        // stale was never put to the confidence test: it is taken here on the converted
        // values (confidence rounded up, price down: never more lenient than the raw test).
        let validity = match oracle.validity {
            OracleValidity::Stale => {
                let price = i64::try_from(oracle.price).unwrap_or(i64::MAX);
                classify(price, oracle.conf, clock.unix_timestamp, clock.unix_timestamp, u32::MAX, market.max_oracle_conf_ppm)
            }
            v => v,
        };
        let quality = match validity {
            OracleValidity::NonPositive => QUALITY_NON_POSITIVE,
            OracleValidity::TooUncertain => QUALITY_TOO_UNCERTAIN,
            OracleValidity::Valid | OracleValidity::Stale => QUALITY_VALID,
        };
        let mut long_index = WrappedI128::default();
        long_index.set(indices.0);
        let mut short_index = WrappedI128::default();
        short_index.set(indices.1);
        Ok(Self {
            refreshed_slot: clock.slot,
            config_epoch,
            price: oracle.price,
            conf: oracle.conf,
            publish_time: clock.unix_timestamp.saturating_sub(oracle.age),
            last_valid_price: market.last_valid_price,
            long_index,
            short_index,
            pnl_weight_ppm: market.pnl_weight_ppm,
            transfer_floor_ppm: market.transfer_floor_ppm,
            invalid_price_haircut_ppm: market.invalid_price_haircut_ppm,
            max_fill_age_secs: market.max_fill_age_secs,
            leverage_scale_ppm: market.leverage_scale_ppm()?,
            max_oracle_age_secs: market.max_oracle_age_secs,
            market_index: market.market_index,
            status: market.status,
            quality,
            tier_count: market.tier_count,
            ramp_from_tier_count: market.ramp_from_tier_count,
            _padding: [0; 2],
            tiers: market.tiers,
            ramp_from_tiers: market.ramp_from_tiers,
            ramp_start_ts: market.ramp_start_ts,
            ramp_end_ts: market.ramp_end_ts,
        })
    }

    /// The oracle reading as it classifies at `now`: exactly what reading the oracle
    /// account would give if it had not been updated since the refresh (same precedence:
    /// not positive, stale, too uncertain).
    pub fn reading(&self, now: i64) -> OraclePrice {
        let age = now.saturating_sub(self.publish_time).max(0);
        let validity = if self.quality == QUALITY_NON_POSITIVE {
            OracleValidity::NonPositive
        } else if age > i64::from(self.max_oracle_age_secs) {
            OracleValidity::Stale
        } else if self.quality == QUALITY_TOO_UNCERTAIN {
            OracleValidity::TooUncertain
        } else {
            OracleValidity::Valid
        };
        OraclePrice { price: self.price, conf: self.conf, validity, age }
    }

    pub fn status(&self) -> MarketStatus {
        MarketStatus::from_u8(self.status).unwrap_or(MarketStatus::Paused)
    }

    /// The maintenance curve at `now` (as [`Market::curve_at`]), borrowing the entry's tables.
    pub fn curve_at(&self, now: i64) -> Maintenance<'_> {
        maintenance_curve(
            (&self.tiers, self.tier_count),
            (&self.ramp_from_tiers, self.ramp_from_tier_count),
            (self.ramp_start_ts, self.ramp_end_ts),
            now,
        )
    }
}
