//! The deployment file. Field names are the program's parameter names.

use ballast::instructions::ExchangeParams;
use ballast::state::{AllowedModes, MarketParams, TierParams};
use serde::{Deserialize, Serialize};
use solana_keypair::Keypair;
use solana_signer::Signer;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub collateral_decimals: u8,
    pub exchange: ExchangeConfig,
    /// Quote native units the admin mints to itself and moves into the pool.
    pub pool_funding: u64,
    pub markets: Vec<MarketConfig>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExchangeConfig {
    pub taker_fee_ppm: u32,
    pub protocol_fee_share_ppm: u32,
    pub liquidation_buffer_ppm: u32,
    pub margin_guard_tip: u64,
    /// Push oracles are for local validators and devnets; a production configuration sets false.
    pub allow_push_oracles: bool,
}

/// A push oracle's first reading, in the oracle's own number format.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OracleConfig {
    pub exponent: i32,
    pub price: i64,
    pub conf: u64,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TierConfig {
    pub notional_threshold: u64,
    pub max_leverage: u16,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum ModesConfig {
    Any,
    IsolatedOnly,
    StrictIsolatedOnly,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MarketConfig {
    /// A label for people and front-ends; not stored on chain.
    pub symbol: String,
    pub oracle: OracleConfig,
    pub tiers: Vec<TierConfig>,
    pub allowed_modes: ModesConfig,
    pub max_oracle_age_secs: u32,
    pub max_oracle_conf_ppm: u32,
    pub spread_ppm: u32,
    pub liquidation_fee_ppm: u32,
    pub insurance_share_ppm: u32,
    pub pnl_weight_ppm: u32,
    pub transfer_floor_ppm: u32,
    pub funding_max_rate_ppm: u32,
    pub funding_k_ppm: u32,
    pub max_fill_age_secs: u32,
    pub invalid_price_haircut_ppm: u32,
    pub settle_period_secs: u32,
    pub settle_limit: u64,
    pub maintenance_ramp_secs: u32,
    pub lot_size: u64,
    pub dust_notional: u64,
    pub max_open_interest: u64,
    pub funding_oi_floor: u64,
    /// Volatility-scaled leverage (docs/MATH.md): hourly volatility target, ppm; absent or
    /// 0 turns scaling off.
    #[serde(default)]
    pub vol_target_ppm: u32,
    /// Lowest scale of the tier maximum, ppm (required when the target is set).
    #[serde(default)]
    pub vol_floor_ppm: u32,
    /// Half-life of the volatility estimate, seconds (required when the target is set).
    #[serde(default)]
    pub vol_half_life_secs: u32,
}

impl Config {
    pub fn from_file(path: &std::path::Path) -> Result<Self, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
    }

    pub fn exchange_params(&self, guardian: &Keypair) -> ExchangeParams {
        let e = &self.exchange;
        ExchangeParams {
            guardian: guardian.pubkey(),
            taker_fee_ppm: e.taker_fee_ppm,
            protocol_fee_share_ppm: e.protocol_fee_share_ppm,
            liquidation_buffer_ppm: e.liquidation_buffer_ppm,
            margin_guard_tip: e.margin_guard_tip,
            allow_push_oracles: e.allow_push_oracles,
        }
    }
}

impl MarketConfig {
    pub fn params(&self) -> MarketParams {
        MarketParams {
            tiers: self
                .tiers
                .iter()
                .map(|t| TierParams { notional_threshold: t.notional_threshold, max_leverage: t.max_leverage })
                .collect(),
            allowed_modes: match self.allowed_modes {
                ModesConfig::Any => AllowedModes::Any,
                ModesConfig::IsolatedOnly => AllowedModes::IsolatedOnly,
                ModesConfig::StrictIsolatedOnly => AllowedModes::StrictIsolatedOnly,
            },
            max_oracle_age_secs: self.max_oracle_age_secs,
            max_oracle_conf_ppm: self.max_oracle_conf_ppm,
            spread_ppm: self.spread_ppm,
            liquidation_fee_ppm: self.liquidation_fee_ppm,
            insurance_share_ppm: self.insurance_share_ppm,
            pnl_weight_ppm: self.pnl_weight_ppm,
            transfer_floor_ppm: self.transfer_floor_ppm,
            funding_max_rate_ppm: self.funding_max_rate_ppm,
            funding_k_ppm: self.funding_k_ppm,
            max_fill_age_secs: self.max_fill_age_secs,
            invalid_price_haircut_ppm: self.invalid_price_haircut_ppm,
            settle_period_secs: self.settle_period_secs,
            settle_limit: self.settle_limit,
            maintenance_ramp_secs: self.maintenance_ramp_secs,
            lot_size: self.lot_size,
            dust_notional: self.dust_notional,
            max_open_interest: self.max_open_interest,
            funding_oi_floor: self.funding_oi_floor,
            vol_target_ppm: self.vol_target_ppm,
            vol_floor_ppm: self.vol_floor_ppm,
            vol_half_life_secs: self.vol_half_life_secs,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_committed_localnet_config_parses_and_names_every_parameter() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("localnet.json");
        let c = Config::from_file(&path).unwrap();
        assert!(!c.markets.is_empty());
        let p = c.markets[0].params();
        assert_eq!(p.tiers.len(), c.markets[0].tiers.len());
        // Unknown fields are refused rather than silently ignored.
        let bad = std::fs::read_to_string(&path).unwrap().replacen("\"spread_ppm\"", "\"spred_ppm\"", 1);
        assert!(serde_json::from_str::<Config>(&bad).is_err());
    }
}
