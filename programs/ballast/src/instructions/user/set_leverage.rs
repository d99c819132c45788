use anchor_lang::prelude::*;
use ballast_math::constants::MAX_LEVERAGE;
use ballast_math::margin::DomainHealth;
use ballast_math::position::notional;
use ballast_math::tiers::max_leverage_at;
use ballast_math::Rounding;

use crate::controller::status::{require_allowed, Gate};
use crate::controller::{funding, isolated, transfer};
use crate::error::ErrorCode;
use crate::events::LeverageUpdated;
use crate::health::{
    cross_domain, domain_of, isolated_health, pnl_to_realise, snapshot, CrossBook, HealthQuery, MarketView, Named, Policy, PositionState,
};
use crate::oracle::read_oracle;
use crate::safe::{Cast, MathExt, SafeMath};
use crate::state::{Exchange, IsolatedMode, MarginAccount, MarginMode, Market, MarketStatus};

/// Accounts of the instructions that adjust one market's position of a margin account:
/// `set_leverage`, `add_isolated_margin`, `remove_isolated_margin`.
#[derive(Accounts)]
pub struct AdjustPosition<'info> {
    /// Owner or delegate: margin only moves between the account's own domains.
    pub authority: Signer<'info>,
    /// The exchange singleton (PDA `["exchange"]`).
    #[account(mut)]
    pub exchange: AccountLoader<'info, Exchange>,
    /// The trader's margin account (PDA `["margin", owner, sub_id u16 LE]`).
    #[account(mut, constraint = margin_account.load()?.is_trader(&authority.key()) @ ErrorCode::NotOwnerOrDelegate)]
    pub margin_account: AccountLoader<'info, MarginAccount>,
    /// The market (PDA `["market", market_index u16 LE]`).
    #[account(mut)]
    pub market: AccountLoader<'info, Market>,
    /// The market's oracle (Pyth `PriceUpdateV2`, or a push oracle where allowed).
    /// CHECK: the market's oracle, checked by `read_oracle`.
    pub oracle: UncheckedAccount<'info>,
    /// CHECK: by `isolated::verify_address` in each handler.
    /// The isolated position PDA `["isolated", margin_account, market_index as u16 LE]`
    /// (may not exist).
    #[account(mut)]
    pub isolated_position: UncheckedAccount<'info>,
    // remaining: [market, oracle] per cross slot in health other than this market, in slot
    // order (set_leverage, add_isolated_margin; remove_isolated_margin needs none).
}

/// The leverage state machine (SPEC §5 `set_leverage`, docs/ARCHITECTURE.md):
///
/// | position | lower | raise |
/// |---|---|---|
/// | cross | cross must meet initial afterwards | frees margin, no transfer |
/// | isolated | pulls `IM_new − equity` from cross (a transfer out of cross), or fails | releases `transferable` to cross |
/// | strict-isolated | pulls from cross, or fails | refused: margin is locked |
/// | flat | stores the setting | stores the setting |
///
/// Leverage never enters maintenance margin; it must be within the max of the
/// position's current size tier.
pub fn set_leverage<'info>(ctx: Context<'info, AdjustPosition<'info>>, leverage: u16) -> Result<()> {
    require!((1..=MAX_LEVERAGE).contains(&leverage), ErrorCode::InvalidLeverage);
    let clock = Clock::get()?;
    let now = clock.unix_timestamp;
    let a = &ctx.accounts;
    let account_key = a.margin_account.key();
    let mut ex = a.exchange.load_mut()?;
    let mut market = a.market.load_mut()?;
    let mut acct = a.margin_account.load_mut()?;
    let status = market.effective_status(ex.status());
    let decimals = ex.collateral_decimals;
    let buffer = ex.liquidation_buffer_ppm;
    let oracle = read_oracle(&market, &a.oracle, decimals, now)?;
    funding::accrue(&mut market, &oracle, now, status == MarketStatus::Paused)?;
    let index = market.market_index;
    let tiers = market.maintenance_at(now);
    let tier_max = |base: i64| -> Result<u16> {
        let notional_now = notional(base, oracle.price, Rounding::Ceil).math()?;
        Ok(max_leverage_at(tiers.tiers(), notional_now))
    };
    let lenient = HealthQuery { decimals, now, policy: Policy::Lenient, exchange_status: ex.status() };
    let strict = HealthQuery { policy: Policy::Strict, ..lenient };

    let iso_ai = a.isolated_position.to_account_info();
    isolated::verify_address(&iso_ai, &account_key, index, acct.isolated_count)?;
    let iso_exists = isolated::exists(&iso_ai);
    let iso_open = iso_exists && isolated::load_mut(&iso_ai, &account_key, index)?.base != 0;
    let slot = acct.slot_of(index);
    let cross_open = slot.is_some_and(|i| acct.cross_positions[i].base != 0);

    let mut margin_moved: i64 = 0;
    let mut pool_balance = ex.pool_balance;
    let mut claims_delta: i64 = 0;
    let (mode, before_lev, domain_before, domain_after) = if iso_open {
        let mut p = isolated::load_mut(&iso_ai, &account_key, index)?;
        let mode = p.mode()?;
        let before_lev = p.leverage;
        require!(leverage <= tier_max(p.base)?, ErrorCode::LeverageAboveTierMax);
        let raising = leverage > before_lev;
        require_allowed(status, if raising { Gate::Transfer } else { Gate::Reduce })?;
        let view = MarketView::of(&market, &oracle, &lenient)?;
        // Valued once: a leverage change moves only the initial margin, and the transfers
        // below move only collateral (unless profit is realised).
        let position = view.value(&PositionState::of_isolated(&p))?;
        let before = domain_of(p.collateral, &position)?;
        p.leverage = leverage;
        let at_new = domain_of(p.collateral, &position.with_leverage(leverage).math()?)?;
        let collateral_at_new = p.collateral;
        let mut realised = false;
        if leverage < before_lev {
            // Lowering: pull the shortfall `IM_new − equity` from cross free collateral. For
            // cross this is a transfer out: fresh prices and the transfer lock (the audit's M-2).
            let shortfall = (at_new.initial - at_new.initial_equity).max(0).cast::<u64>()?;
            if shortfall > 0 {
                let named = Named { market: &market, oracle: &oracle };
                let cross = cross_domain(&acct, ctx.remaining_accounts, &strict, Some(&named))?;
                require!(
                    shortfall <= cross.transferable(buffer) && i128::from(shortfall) <= i128::from(acct.cross_collateral),
                    ErrorCode::InsufficientCrossMargin
                );
                let s = shortfall.cast::<i64>()?;
                acct.add_collateral(-s)?;
                p.collateral = p.collateral.safe_add(s)?;
                margin_moved = s;
            }
        } else if raising {
            // Raising: strict-isolated margin is locked; isolated releases what is transferable.
            require!(mode != IsolatedMode::StrictIsolated, ErrorCode::StrictIsolatedLocked);
            oracle.require_valid()?;
            let release = at_new.transferable(buffer);
            let realise = transfer::realisable(pnl_to_realise(release, p.collateral), at_new.realisable_pnl);
            if realise > 0 {
                view.require_fill()?;
            }
            let release = release.min(u64::try_from(p.collateral.max(0)).unwrap_or(0).saturating_add(realise));
            let (mut cb, mut coll) = (p.cost_basis, p.collateral);
            transfer::realise(&mut market, p.base, realise, &mut cb, &mut coll, &mut pool_balance)?;
            realised = realise > 0;
            let r = release.cast::<i64>()?;
            p.cost_basis = cb;
            p.collateral = coll.safe_sub(r)?;
            acct.add_collateral(r)?;
            claims_delta = realise.cast::<i64>()?;
            margin_moved = -r;
        }
        let after = if realised {
            isolated_health(&p, &view)?
        } else {
            at_new.with_collateral_change(i128::from(p.collateral) - i128::from(collateral_at_new)).math()?
        };
        if margin_moved < 0 {
            require!(after.meets_transfer_lock(buffer), ErrorCode::InsufficientMargin);
        } else {
            require!(after.meets_initial(), ErrorCode::InsufficientMargin);
        }
        p.last_active_slot = clock.slot;
        p.invariant()?;
        (MarginMode::from_isolated(mode), before_lev, before, after)
    } else if cross_open {
        let i = slot.ok_or(ErrorCode::InvariantViolated)?;
        let before_lev = acct.cross_positions[i].leverage;
        require!(leverage <= tier_max(acct.cross_positions[i].base)?, ErrorCode::LeverageAboveTierMax);
        require_allowed(status, Gate::Reduce)?;
        let named = Named { market: &market, oracle: &oracle };
        let book = CrossBook::scan(&acct, ctx.remaining_accounts, &lenient, Some(&named))?;
        let before = book.domain(&acct)?;
        acct.cross_positions[i].leverage = leverage;
        let after = book.domain(&acct)?;
        if leverage < before_lev {
            require!(after.meets_initial(), ErrorCode::InsufficientMargin);
        }
        (MarginMode::Cross, before_lev, before, after)
    } else {
        // Flat: store the setting where the market's records are, or in a new flat slot.
        require!(leverage <= tier_max(0)?, ErrorCode::LeverageAboveTierMax);
        require_allowed(status, Gate::Reduce)?;
        let mut before_lev = 0;
        if iso_exists {
            let mut p = isolated::load_mut(&iso_ai, &account_key, index)?;
            before_lev = p.leverage;
            p.leverage = leverage;
        }
        let i = match slot {
            Some(i) => Some(i),
            None if !iso_exists => Some(acct.claim_slot(index)?),
            None => None,
        };
        if let Some(i) = i {
            before_lev = acct.cross_positions[i].leverage;
            acct.cross_positions[i].leverage = leverage;
        }
        let d = DomainHealth::new(0);
        (if iso_exists { MarginMode::Isolated } else { MarginMode::Cross }, before_lev, d, d)
    };
    require!(domain_before.maintenance == domain_after.maintenance, ErrorCode::InvariantViolated);
    ex.pool_balance = pool_balance;
    ex.add_claims(claims_delta)?;
    acct.last_active_slot = clock.slot;
    acct.invariant()?;
    market.invariant()?;
    ex.invariant()?;
    emit!(LeverageUpdated {
        margin_account: account_key,
        market_index: index,
        mode: mode.as_u8(),
        leverage_before: before_lev,
        leverage_after: leverage,
        margin_moved,
        domain_before: snapshot(&domain_before),
        domain_after: snapshot(&domain_after),
    });
    Ok(())
}
