//! The deployment file. Field names are the program's parameter names.

use anchor_lang::prelude::Pubkey;
use ballast::instructions::ExchangeParams;
use ballast::state::{AllowedModes, MarketParams, TierParams};
use serde::{Deserialize, Serialize};
use solana_keypair::Keypair;
use solana_signer::Signer;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// An existing collateral mint (mainnet: USDC). Absent: the bootstrap creates one and
    /// mints `pool_funding` with it (local validators, the dry run). With an existing mint
    /// `pool_funding` must be 0: the final admin funds the pool from its treasury later.
    #[serde(default)]
    pub collateral_mint: Option<String>,
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
    /// The admin after the bootstrap (e.g. a multisig vault address). The bootstrap key
    /// administers the set-up, then proposes this address (`propose_authority`), which
    /// takes over when it signs `accept_authority`. Absent: the bootstrap key stays admin.
    #[serde(default)]
    pub admin: Option<String>,
    /// The guardian (e.g. a second multisig's vault): set at initialisation, it never needs
    /// to sign during the bootstrap. Absent: a generated key.
    #[serde(default)]
    pub guardian: Option<String>,
}

/// Where a market reads its price.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(untagged)]
pub enum OracleConfig {
    /// A program-owned push oracle the bootstrap creates (local validators, devnets).
    Push(PushOracleConfig),
    /// A Pyth pull-oracle `PriceUpdateV2` account, kept current by Pyth's price pusher.
    PythPull(PythOracleConfig),
}

/// A push oracle's first reading, in the oracle's own number format.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PushOracleConfig {
    pub exponent: i32,
    pub price: i64,
    pub conf: u64,
}

/// A Pyth feed: its id (64 hex digits, Pyth's price feed id) and the `PriceUpdateV2`
/// account the market reads (owned by the Pyth receiver program).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PythOracleConfig {
    pub pyth_feed_id: String,
    pub price_account: String,
}

impl PythOracleConfig {
    pub fn feed_id(&self) -> Result<[u8; 32], String> {
        let h = self.pyth_feed_id.trim_start_matches("0x");
        if h.len() != 64 {
            return Err(format!("feed id {h}: 64 hex digits"));
        }
        let mut out = [0u8; 32];
        for (i, b) in out.iter_mut().enumerate() {
            *b = u8::from_str_radix(&h[2 * i..2 * i + 2], 16).map_err(|_| format!("feed id {h}: not hex"))?;
        }
        Ok(out)
    }

    pub fn address(&self) -> Result<Pubkey, String> {
        self.price_account.parse().map_err(|_| format!("bad price account {}", self.price_account))
    }
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

    /// The guardian: the configured address, else `generated`.
    pub fn guardian(&self, generated: &Keypair) -> Result<Pubkey, String> {
        match &self.exchange.guardian {
            Some(a) => a.parse().map_err(|_| format!("bad guardian address {a}")),
            None => Ok(generated.pubkey()),
        }
    }

    /// The admin to propose once the bootstrap is done, if any.
    pub fn final_admin(&self) -> Result<Option<Pubkey>, String> {
        self.exchange.admin.as_ref().map(|a| a.parse().map_err(|_| format!("bad admin address {a}"))).transpose()
    }

    pub fn exchange_params(&self, guardian: Pubkey) -> ExchangeParams {
        let e = &self.exchange;
        ExchangeParams {
            guardian,
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
