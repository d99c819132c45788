//! Creating the exchange and its markets from a [`Config`].

use anchor_lang::prelude::Pubkey;
use ballast::instructions::AuthorityRole;
use ballast::state::OracleKind;
use ballast_client::ix;
use serde::{Deserialize, Serialize};
use solana_keypair::Keypair;
use solana_signer::Signer;

use crate::config::{Config, OracleConfig};
use crate::net::{Net, NetResult};

/// The keypairs that administer a deployment.
pub struct Keys {
    pub admin: Keypair,
    pub guardian: Keypair,
    pub mint_authority: Keypair,
    pub oracle_authority: Keypair,
}

impl Keys {
    pub fn generate() -> Self {
        Self { admin: Keypair::new(), guardian: Keypair::new(), mint_authority: Keypair::new(), oracle_authority: Keypair::new() }
    }

    /// Loads the keypairs from `dir` (Solana CLI format), creating missing ones.
    pub fn load_or_create(dir: &std::path::Path) -> Result<Self, String> {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let get = |name: &str| -> Result<Keypair, String> {
            let path = dir.join(format!("{name}.json"));
            if let Ok(text) = std::fs::read_to_string(&path) {
                let bytes: Vec<u8> = serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
                let secret: [u8; 32] = bytes.get(..32).and_then(|s| s.try_into().ok()).ok_or("keypair files hold 64 bytes")?;
                return Ok(Keypair::new_from_array(secret));
            }
            let k = Keypair::new();
            std::fs::write(&path, serde_json::to_string(&k.to_bytes().to_vec()).map_err(|e| e.to_string())?)
                .map_err(|e| format!("{}: {e}", path.display()))?;
            Ok(k)
        };
        Ok(Self {
            admin: get("admin")?,
            guardian: get("guardian")?,
            mint_authority: get("mint-authority")?,
            oracle_authority: get("oracle-authority")?,
        })
    }
}

/// What a bootstrap created: everything a front-end or keeper needs to connect.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Deployment {
    pub rpc_url: String,
    pub program_id: String,
    pub exchange: String,
    pub vault: String,
    /// The price book (`refresh_prices`); empty in deployments written before it existed.
    #[serde(default)]
    pub price_book: String,
    pub collateral_mint: String,
    pub collateral_decimals: u8,
    pub admin: String,
    /// Proposed admin (the configured final admin), until it accepts.
    #[serde(default)]
    pub pending_admin: Option<String>,
    pub guardian: String,
    pub mint_authority: String,
    pub oracle_authority: String,
    pub markets: Vec<DeployedMarket>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DeployedMarket {
    pub symbol: String,
    pub market_index: u16,
    pub market: String,
    pub oracle: String,
}

impl Deployment {
    pub fn collateral_mint(&self) -> Pubkey {
        self.collateral_mint.parse().expect("deployment mint")
    }

    pub fn oracle(&self, market_index: u16) -> Pubkey {
        self.markets[usize::from(market_index)].oracle.parse().expect("deployment oracle")
    }
}

/// Creates the collateral mint, the exchange, each market with its push oracle, and funds
/// the pool, paid by `net`'s payer. Refuses to run twice against the same exchange.
pub async fn bootstrap(net: &mut Net, config: &Config, keys: &Keys) -> NetResult<Deployment> {
    if net.account(&ix::exchange_pda()).await?.is_some() {
        return Err(format!("an exchange already exists at {} on {}", ix::exchange_pda(), net.url));
    }
    for k in [net.payer.pubkey(), keys.admin.pubkey(), keys.oracle_authority.pubkey()] {
        net.airdrop(&k, 100_000_000_000).await?;
    }
    let mint = match &config.collateral_mint {
        Some(m) => {
            if config.pool_funding > 0 {
                return Err("with an existing collateral mint, pool_funding must be 0 (the final admin funds the pool)".into());
            }
            m.parse().map_err(|_| format!("bad collateral mint {m}"))?
        }
        None => net.create_mint(&keys.mint_authority.pubkey(), config.collateral_decimals).await?,
    };
    let admin_token = net.create_token_account(&keys.admin.pubkey(), &mint).await?;
    if config.pool_funding > 0 {
        net.mint_to(&mint, &admin_token, &keys.mint_authority, config.pool_funding).await?;
    }
    let guardian = config.guardian(&keys.guardian)?;
    net.send(&[ix::initialize_exchange(keys.admin.pubkey(), mint, config.exchange_params(guardian))], &[&keys.admin]).await?;
    if config.pool_funding > 0 {
        net.send(&[ix::fund_pool(keys.admin.pubkey(), admin_token, config.pool_funding)], &[&keys.admin]).await?;
    }
    let mut markets = vec![];
    for (i, m) in config.markets.iter().enumerate() {
        let index = u16::try_from(i).map_err(|_| "too many markets")?;
        let (oracle, kind, feed_id) = match &m.oracle {
            OracleConfig::Push(o) => {
                let oracle = Keypair::new();
                net.send(
                    &[ix::create_push_oracle(
                        net.payer.pubkey(),
                        keys.oracle_authority.pubkey(),
                        oracle.pubkey(),
                        o.exponent,
                        o.price,
                        o.conf,
                    )],
                    &[&keys.oracle_authority, &oracle],
                )
                .await?;
                (oracle.pubkey(), OracleKind::Push, [0; 32])
            }
            // The price account must exist and carry the feed: `create_market` parses it.
            OracleConfig::PythPull(p) => (p.address()?, OracleKind::PythPull, p.feed_id()?),
        };
        net.send(&[ix::create_market(keys.admin.pubkey(), index, oracle, kind, feed_id, m.params())], &[&keys.admin]).await?;
        markets.push(DeployedMarket {
            symbol: m.symbol.clone(),
            market_index: index,
            market: ix::market_pda(index).to_string(),
            oracle: oracle.to_string(),
        });
    }
    // The price book: cross instructions may read it instead of a pair per position once a
    // keeper refreshes it (docs/KEEPERS.md).
    net.send(&[ix::init_price_book(keys.admin.pubkey())], &[&keys.admin]).await?;
    // Hand the exchange over: the final admin (a multisig vault) accepts with its own signature.
    let pending_admin = config.final_admin()?;
    if let Some(admin) = pending_admin {
        net.send(&[ix::propose_authority(keys.admin.pubkey(), AuthorityRole::Admin, admin)], &[&keys.admin]).await?;
    }
    Ok(Deployment {
        rpc_url: net.url.clone(),
        program_id: ballast::ID.to_string(),
        exchange: ix::exchange_pda().to_string(),
        vault: ix::vault_pda().to_string(),
        price_book: ix::price_book_pda().to_string(),
        collateral_mint: mint.to_string(),
        collateral_decimals: config.collateral_decimals,
        admin: keys.admin.pubkey().to_string(),
        pending_admin: pending_admin.map(|a| a.to_string()),
        guardian: guardian.to_string(),
        mint_authority: keys.mint_authority.pubkey().to_string(),
        oracle_authority: keys.oracle_authority.pubkey().to_string(),
        markets,
    })
}
