use anchor_lang::prelude::*;

use crate::error::ErrorCode;
use crate::events::MarketUpdated;
use crate::state::{AllowedModes, Exchange, Market, MarketParams, TierParams};

#[derive(Accounts)]
pub struct UpdateMarket<'info> {
    /// The exchange's admin.
    pub admin: Signer<'info>,
    /// The exchange singleton (PDA `["exchange"]`), for its admin.
    /// Written: its market configuration epoch moves, so price-book entries taken before the change are not used.
    #[account(mut, has_one = admin @ ErrorCode::NotAdmin)]
    pub exchange: AccountLoader<'info, Exchange>,
    /// The market (PDA `["market", market_index u16 LE]`).
    #[account(mut)]
    pub market: AccountLoader<'info, Market>,
}

/// The market's current risk parameters, in the form `update_market` takes.
pub fn market_params(m: &Market) -> MarketParams {
    MarketParams {
        tiers: m.tiers[..usize::from(m.tier_count)]
            .iter()
            .map(|t| TierParams { notional_threshold: t.notional_threshold, max_leverage: t.max_leverage })
            .collect(),
        allowed_modes: AllowedModes::from_u8(m.allowed_modes).unwrap_or(AllowedModes::Any),
        max_oracle_age_secs: m.max_oracle_age_secs,
        max_oracle_conf_ppm: m.max_oracle_conf_ppm,
        spread_ppm: m.spread_ppm,
        liquidation_fee_ppm: m.liquidation_fee_ppm,
        insurance_share_ppm: m.insurance_share_ppm,
        pnl_weight_ppm: m.pnl_weight_ppm,
        transfer_floor_ppm: m.transfer_floor_ppm,
        funding_max_rate_ppm: m.funding_max_rate_ppm,
        funding_k_ppm: m.funding_k_ppm,
        max_fill_age_secs: m.max_fill_age_secs,
        invalid_price_haircut_ppm: m.invalid_price_haircut_ppm,
        settle_period_secs: m.settle_period_secs,
        settle_limit: m.settle_limit,
        maintenance_ramp_secs: m.maintenance_ramp_secs,
        lot_size: m.lot_size,
        dust_notional: m.dust_notional,
        max_open_interest: m.max_open_interest,
        funding_oi_floor: m.funding_oi_floor,
        vol_target_ppm: m.vol_target_ppm,
        vol_floor_ppm: m.vol_floor_ppm,
        vol_half_life_secs: m.vol_half_life_secs,
    }
}

/// Replaces a market's risk parameters (oracle and index stay). A new tier table applies
/// to new risk at once (initial margin and leverage caps of opens, increases, raises and
/// transfers), while maintenance margin moves linearly from the old table to the new one
/// over `maintenance_ramp_secs`, so no open position becomes liquidatable the moment a
/// parameter changes (docs/MATH.md, "Maintenance ramp"). One ramp at a time.
pub fn update_market(ctx: Context<UpdateMarket>, params: MarketParams) -> Result<()> {
    let mut ex = ctx.accounts.exchange.load_mut()?;
    params.validate(ex.taker_fee_ppm)?;
    let mut m = ctx.accounts.market.load_mut()?;
    let before = market_params(&m);
    m.ramp_tiers(&params, Clock::get()?.unix_timestamp)?;
    m.apply_params(&params);
    m.invariant()?;
    if before != params {
        // Price-book entries copy the parameters: those taken before are not used.
        ex.market_config_changed();
    }
    emit!(MarketUpdated { market: ctx.accounts.market.key(), market_index: m.market_index, before, after: params });
    Ok(())
}
