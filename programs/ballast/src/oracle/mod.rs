//! Reading a market's oracle: check the account against the market, parse it (push
//! oracle or Pyth `PriceUpdateV2`), convert into the price scale and classify once.
//! Callers then ask [`OraclePrice::require`] for the action at hand (SPEC §6).

pub mod pyth;

use anchor_lang::prelude::*;
use ballast_math::oracle::{classify, to_price, OracleAction, OracleValidity};
use ballast_math::Rounding;

use crate::error::ErrorCode;
use crate::safe::MathExt;
use crate::state::{load_checked, Market, OracleKind, PushOracle};

/// A raw reading in the oracle's own number format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RawPrice {
    pub price: i64,
    pub conf: u64,
    pub exponent: i32,
    pub publish_time: i64,
}

/// A reading converted into the program's price scale and classified.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OraclePrice {
    /// Price scale (quote native per whole base unit × 1e3), rounded down; 0 when non-positive.
    pub price: u64,
    /// Confidence in the price scale, rounded up.
    pub conf: u64,
    pub validity: OracleValidity,
    /// Seconds since the price was published (0 for a publish time ahead of the clock).
    pub age: i64,
}

impl OraclePrice {
    /// Refuses anything but a valid reading (fresh, confident, positive).
    pub fn require_valid(&self) -> Result<()> {
        self.require(OracleAction::RiskIncreasing)
    }

    /// A fill against the pool (a trade, a liquidation's close, realised profit) needs a
    /// valid reading no older than the market's fill age (the audit's H-2).
    pub fn require_fill(&self, max_fill_age_secs: u32) -> Result<()> {
        self.require_valid()?;
        require!(self.age <= i64::from(max_fill_age_secs), ErrorCode::OracleStaleForFill);
        Ok(())
    }

    /// Refuses the reading when the action's policy does not allow its class.
    pub fn require(&self, action: OracleAction) -> Result<()> {
        if self.validity.permits(action) {
            return Ok(());
        }
        Err(match self.validity {
            OracleValidity::Stale => ErrorCode::OracleStale,
            OracleValidity::TooUncertain => ErrorCode::OracleTooUncertain,
            OracleValidity::NonPositive | OracleValidity::Valid => ErrorCode::OracleNonPositive,
        }
        .into())
    }
}

/// Parses an oracle account of the given kind (owner, layout, feed id for Pyth).
pub fn read_raw(kind: OracleKind, feed_id: &[u8; 32], account: &AccountInfo) -> Result<RawPrice> {
    match kind {
        OracleKind::Push => {
            let o = load_checked::<PushOracle>(account).map_err(|_| error!(ErrorCode::InvalidOracleAccount))?;
            Ok(RawPrice { price: o.price, conf: o.conf, exponent: o.exponent, publish_time: o.publish_time })
        }
        OracleKind::PythPull => pyth::read_price_update(account, feed_id),
    }
}

/// Reads and classifies the market's oracle. `account` must be the market's oracle.
pub fn read_oracle(market: &Market, account: &AccountInfo, quote_decimals: u8, now: i64) -> Result<OraclePrice> {
    require!(*account.key == market.oracle, ErrorCode::WrongOracle);
    let kind = OracleKind::from_u8(market.oracle_kind).ok_or(ErrorCode::MarketStateInvalid)?;
    let raw = read_raw(kind, &market.feed_id, account)?;
    let validity = classify(raw.price, raw.conf, raw.publish_time, now, market.max_oracle_age_secs, market.max_oracle_conf_ppm);
    let price = if raw.price > 0 { to_price(raw.price.unsigned_abs(), raw.exponent, quote_decimals, Rounding::Floor).math()? } else { 0 };
    let conf = to_price(raw.conf, raw.exponent, quote_decimals, Rounding::Ceil).math()?;
    // A positive mantissa below the price scale's resolution is not a usable price.
    let validity = if price == 0 { OracleValidity::NonPositive } else { validity };
    let age = now.saturating_sub(raw.publish_time).max(0);
    Ok(OraclePrice { price, conf, validity, age })
}
