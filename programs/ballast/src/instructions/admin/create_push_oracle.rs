use anchor_lang::prelude::*;

use crate::error::ErrorCode;
use crate::events::PushOraclePriceSet;
use crate::state::{PushOracle, ACCOUNT_VERSION};

#[derive(Accounts)]
pub struct CreatePushOracle<'info> {
    /// Pays the oracle account's rent.
    #[account(mut)]
    pub payer: Signer<'info>,
    /// Becomes the only signer allowed to update the price.
    pub authority: Signer<'info>,
    /// A new account (a fresh keypair) that becomes the price feed.
    #[account(init, payer = payer, space = PushOracle::SPACE)]
    pub oracle: AccountLoader<'info, PushOracle>,
    /// The system program.
    pub system_program: Program<'info, System>,
}

/// Creates a program-owned price feed (for local validators and devnets).
pub fn create_push_oracle(ctx: Context<CreatePushOracle>, exponent: i32, price: i64, conf: u64) -> Result<()> {
    require!((-18..=18).contains(&exponent), ErrorCode::InvalidOracleExponent);
    let mut o = ctx.accounts.oracle.load_init()?;
    o.version = ACCOUNT_VERSION;
    o.exponent = exponent;
    o.authority = ctx.accounts.authority.key();
    o.price = price;
    o.conf = conf;
    o.publish_time = Clock::get()?.unix_timestamp;
    o.invariant()?;
    emit!(PushOraclePriceSet {
        oracle: ctx.accounts.oracle.key(),
        price_before: 0,
        price_after: price,
        conf,
        exponent,
        publish_time: o.publish_time
    });
    Ok(())
}
