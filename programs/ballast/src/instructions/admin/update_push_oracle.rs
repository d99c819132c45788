use anchor_lang::prelude::*;

use crate::error::ErrorCode;
use crate::events::PushOraclePriceSet;
use crate::state::PushOracle;

#[derive(Accounts)]
pub struct UpdatePushOracle<'info> {
    /// The oracle's authority.
    pub authority: Signer<'info>,
    /// The push oracle; `authority` must be its recorded authority.
    #[account(mut, has_one = authority @ ErrorCode::NotOracleAuthority)]
    pub oracle: AccountLoader<'info, PushOracle>,
}

/// Publishes a new price. `publish_time` of `None` uses the cluster clock; an explicit
/// time lets tests and devnets replay history (it may not be in the future).
pub fn update_push_oracle(ctx: Context<UpdatePushOracle>, price: i64, conf: u64, publish_time: Option<i64>) -> Result<()> {
    let now = Clock::get()?.unix_timestamp;
    let mut o = ctx.accounts.oracle.load_mut()?;
    let t = publish_time.unwrap_or(now);
    require!(t <= now, ErrorCode::OraclePublishTimeInFuture);
    let before = o.price;
    o.price = price;
    o.conf = conf;
    o.publish_time = t;
    o.invariant()?;
    emit!(PushOraclePriceSet {
        oracle: ctx.accounts.oracle.key(),
        price_before: before,
        price_after: price,
        conf,
        exponent: o.exponent,
        publish_time: t
    });
    Ok(())
}
