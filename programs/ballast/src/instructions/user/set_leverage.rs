use core::cell::RefMut;

use anchor_lang::prelude::*;
use ballast_math::constants::MAX_LEVERAGE;

use crate::controller::funding;
use crate::controller::isolated;
use crate::controller::leverage::{self, LeverageAccounts};
use crate::controller::pool::Pool;
use crate::error::ErrorCode;
use crate::events::LeverageUpdated;
use crate::health::{snapshot, HealthQuery, Policy};
use crate::oracle::read_oracle;
use crate::state::{load_checked_mut, Exchange, IsolatedPosition, MarginAccount, Market, MarketStatus};

/// Accounts of the instructions that adjust one market's position of a margin account:
/// `set_leverage`, `add_isolated_margin`, `remove_isolated_margin`.
///
/// The three program accounts are taken unchecked here and checked once, together, by
/// [`AdjustPosition::load`]: the same checks an `AccountLoader` makes (owner, discriminator,
/// writable), without Anchor's exit, which compares owner keys again and rewrites each
/// discriminator (docs/ARCHITECTURE.md, "Checked loads").
#[derive(Accounts)]
pub struct AdjustPosition<'info> {
    /// Owner or delegate: margin only moves between the account's own domains.
    pub authority: Signer<'info>,
    /// The exchange singleton (PDA `["exchange"]`).
    /// CHECK: owner and discriminator, by `AdjustPosition::load`.
    #[account(mut)]
    pub exchange: UncheckedAccount<'info>,
    /// The trader's margin account (PDA `["margin", owner, sub_id u16 LE]`).
    /// CHECK: owner, discriminator and owner-or-delegate signer, by `AdjustPosition::load`.
    #[account(mut)]
    pub margin_account: UncheckedAccount<'info>,
    /// The market (PDA `["market", market_index u16 LE]`).
    /// CHECK: owner and discriminator, by `AdjustPosition::load`.
    #[account(mut)]
    pub market: UncheckedAccount<'info>,
    /// The market's oracle (Pyth `PriceUpdateV2`, or a push oracle where allowed).
    /// CHECK: the market's oracle, checked by `read_oracle`.
    pub oracle: UncheckedAccount<'info>,
    /// CHECK: by `AdjustPosition::load` (`isolated::load_for`).
    /// The isolated position PDA `["isolated", margin_account, market_index as u16 LE]`
    /// (may not exist).
    #[account(mut)]
    pub isolated_position: UncheckedAccount<'info>,
    // remaining: [market, oracle] per cross slot in health other than this market, in slot
    // order (set_leverage, add_isolated_margin; remove_isolated_margin needs none).
}

/// The accounts of an [`AdjustPosition`] instruction after their checks, each borrowed once
/// for the whole instruction.
pub struct Adjusting<'a> {
    pub exchange: RefMut<'a, Exchange>,
    pub market: RefMut<'a, Market>,
    pub margin_account: RefMut<'a, MarginAccount>,
    /// The margin account's address.
    pub margin_account_key: &'a Pubkey,
    /// The market's isolated position of the account, when its account exists.
    pub isolated: Option<RefMut<'a, IsolatedPosition>>,
}

impl AdjustPosition<'_> {
    /// Checks and borrows the program's accounts: each owned by this program, carrying its
    /// type's discriminator and writable; the signer is the margin account's owner or
    /// delegate; the isolated position account is the account's PDA for this market. The
    /// first step of each handler, called once (see [`passed_twice`]).
    pub fn load(&self) -> Result<Adjusting<'_>> {
        let exchange = load_checked_mut::<Exchange>(&self.exchange)?;
        let market = load_checked_mut::<Market>(&self.market).map_err(passed_twice)?;
        let margin_account = load_checked_mut::<MarginAccount>(&self.margin_account).map_err(passed_twice)?;
        require!(margin_account.is_trader(self.authority.key), ErrorCode::NotOwnerOrDelegate);
        let margin_account_key = self.margin_account.key;
        let isolated = isolated::load_for(&self.isolated_position, margin_account_key, market.market_index, margin_account.isolated_count)
            .map_err(passed_twice)?;
        Ok(Adjusting { exchange, market, margin_account, margin_account_key, isolated })
    }
}

/// Changes a position's (or a flat market's) leverage setting: the state machine of
/// `controller::leverage` (docs/ARCHITECTURE.md, "Leverage state machine"). Lowering an
/// isolated position pulls margin from cross; raising one releases its transferable
/// margin; maintenance never depends on the setting.
pub fn set_leverage<'info>(ctx: Context<'info, AdjustPosition<'info>>, leverage: u16) -> Result<()> {
    let Adjusting { exchange: mut ex, mut market, margin_account: mut acct, margin_account_key, mut isolated } = ctx.accounts.load()?;
    require!((1..=MAX_LEVERAGE).contains(&leverage), ErrorCode::InvalidLeverage);
    let clock = Clock::get()?;
    let now = clock.unix_timestamp;
    let status = market.effective_status(ex.status());
    let oracle = read_oracle(&market, &ctx.accounts.oracle, ex.collateral_decimals, now)?;
    funding::accrue(&mut market, &oracle, now, status == MarketStatus::Paused)?;
    let mut pool = Pool::of(&ex);
    let change = leverage::set(
        LeverageAccounts {
            market: &mut market,
            account: &mut acct,
            oracle: &oracle,
            remaining: ctx.remaining_accounts,
            status,
            query: HealthQuery::new(&ex, &clock, Policy::Lenient),
            liquidation_buffer_ppm: ex.liquidation_buffer_ppm,
            pool: &mut pool,
            clock_slot: clock.slot,
        },
        isolated.as_deref_mut(),
        leverage,
    )?;
    pool.store(&mut ex);
    ex.add_claims(change.claims_delta)?;
    acct.last_active_slot = clock.slot;
    acct.invariant()?;
    market.invariant()?;
    ex.invariant()?;
    LeverageUpdated {
        margin_account: *margin_account_key,
        market_index: market.market_index,
        mode: change.mode.as_u8(),
        leverage_before: change.leverage_before,
        leverage_after: leverage,
        margin_moved: change.margin_moved,
        domain_before: snapshot(&change.before),
        domain_after: snapshot(&change.after),
    }
    .log();
    Ok(())
}

/// Inside [`AdjustPosition::load`] (called once per instruction) an account can already be
/// borrowed only by that load itself, so a borrow conflict means one account passed in two
/// writable slots, of which the one `load` checks first (in the order exchange, market,
/// margin account, isolated position) had the right type: refused as Anchor refuses a
/// duplicate mutable account (2040).
fn passed_twice(e: Error) -> Error {
    match &e {
        Error::ProgramError(p) if p.program_error == ProgramError::AccountBorrowFailed => {
            anchor_lang::error::ErrorCode::ConstraintDuplicateMutableAccount.into()
        }
        _ => e,
    }
}
