use anchor_lang::prelude::*;
use ballast_math::constants::MAX_LEVERAGE;
use ballast_math::margin::DomainHealth;
use ballast_math::position::{apply_fill, fill_price, notional, ppm_of};
use ballast_math::tiers::{initial_margin, max_leverage_at};
use ballast_math::{OracleAction, Rounding};

use crate::constants::ISOLATED_SEED;
use crate::controller::{funding, isolated, pool};
use crate::error::ErrorCode;
use crate::events::TradeExecuted;
use crate::health::{cross_health, isolated_health, position_health, snapshot, HealthQuery, Named, PositionState};
use crate::oracle::read_oracle;
use crate::state::{Exchange, MarginAccount, MarginMode, Market, MarketStatus};

#[derive(Accounts)]
pub struct Trade<'info> {
    /// Owner or delegate; pays the rent of a new isolated position account.
    #[account(mut)]
    pub authority: Signer<'info>,
    #[account(mut)]
    pub exchange: AccountLoader<'info, Exchange>,
    #[account(mut)]
    pub margin_account: AccountLoader<'info, MarginAccount>,
    #[account(mut)]
    pub market: AccountLoader<'info, Market>,
    /// CHECK: must be the market's oracle; checked and parsed by `read_oracle`.
    pub oracle: UncheckedAccount<'info>,
    /// CHECK: the account's isolated position PDA for this market (may not exist yet; it is
    /// created when an isolated position first opens). Always passed so a cross trade can
    /// see that no isolated position is open in the market, and vice versa.
    #[account(
        mut,
        seeds = [ISOLATED_SEED, margin_account.key().as_ref(), &market.load()?.market_index.to_le_bytes()],
        bump,
    )]
    pub isolated_position: UncheckedAccount<'info>,
    pub system_program: Program<'info, System>,
    // remaining: [market, oracle] per open cross position other than this market, in slot order.
}

/// Opens, increases, reduces, closes or flips a position against the pool at the oracle
/// price plus the market's spread (SPEC §5 `trade`). An isolated open or increase moves
/// `notional / leverage` of the opened size from cross, plus the opening cost that would
/// otherwise leave the position below its initial margin; the fee is paid by cross.
/// `leverage` 0 keeps the position's setting; on an open position a different non-zero
/// value is refused (use set_leverage).
/// `limit_price` bounds the fill: a buy fills at or below it, a sell at or above it.
pub fn trade<'info>(ctx: Context<'info, Trade<'info>>, base_delta: i64, limit_price: u64, mode: MarginMode, leverage: u16) -> Result<()> {
    require!(base_delta != 0, ErrorCode::ZeroSize);
    let clock = Clock::get()?;
    let now = clock.unix_timestamp;
    let a = &ctx.accounts;
    let account_key = a.margin_account.key();
    let mut ex = a.exchange.load_mut()?;
    let mut market = a.market.load_mut()?;
    let mut acct = a.margin_account.load_mut()?;
    require!(acct.is_trader(&a.authority.key()), ErrorCode::NotOwnerOrDelegate);
    require!(base_delta.unsigned_abs().is_multiple_of(market.lot_size), ErrorCode::SizeNotLotMultiple);
    let decimals = ex.collateral_decimals;
    let oracle = read_oracle(&market, &a.oracle, decimals, now)?;
    funding::accrue(&mut market, oracle.price, now)?;
    let index = market.market_index;

    // ---- where the market stands for this account ----
    let iso_ai = a.isolated_position.to_account_info();
    let iso_exists = isolated::exists(&iso_ai);
    let slot = acct.slot_of(index);
    let cross_open = slot.is_some_and(|i| acct.cross_positions[i].base != 0);
    let (iso_open, iso_mode, iso_pos) = if iso_exists {
        let p = isolated::load_mut(&iso_ai, &account_key, index)?;
        (
            p.base != 0,
            p.mode()?,
            PositionState { base: p.base, cost_basis: p.cost_basis, snapshot: p.funding_snapshot.get(), leverage: p.leverage },
        )
    } else {
        (false, crate::state::IsolatedMode::Isolated, PositionState::default())
    };
    let open_mode = if cross_open {
        Some(MarginMode::Cross)
    } else if iso_open {
        Some(MarginMode::from_isolated(iso_mode))
    } else {
        None
    };
    if let Some(m) = open_mode {
        require!(m == mode, ErrorCode::ModeMismatch);
    }
    let before = match (mode, slot) {
        (MarginMode::Cross, Some(i)) => {
            let s = &acct.cross_positions[i];
            PositionState { base: s.base, cost_basis: s.cost_basis, snapshot: s.funding_snapshot.get(), leverage: s.leverage }
        }
        (MarginMode::Cross, None) => PositionState::default(),
        _ if iso_exists => iso_pos,
        _ => PositionState::default(),
    };
    let lev = if before.base != 0 {
        require!(leverage == 0 || leverage == before.leverage, ErrorCode::LeverageMismatch);
        before.leverage
    } else if leverage != 0 {
        leverage
    } else {
        before.leverage
    };
    require!((1..=MAX_LEVERAGE).contains(&lev), ErrorCode::InvalidLeverage);

    // ---- classify the trade and gate it ----
    let new_base = before.base.checked_add(base_delta).ok_or(ErrorCode::MathOverflow)?;
    let flips = before.base != 0 && new_base != 0 && (before.base > 0) != (new_base > 0);
    let increasing = new_base.unsigned_abs() > before.base.unsigned_abs() || flips;
    match market.effective_status(ex.status()) {
        MarketStatus::Paused => return err!(ErrorCode::Paused),
        MarketStatus::ReduceOnly if increasing => return err!(ErrorCode::ReduceOnly),
        _ => {}
    }
    if before.base == 0 || flips {
        let allowed = crate::state::AllowedModes::from_u8(market.allowed_modes).ok_or(ErrorCode::InvariantViolated)?;
        require!(allowed.permits(mode), ErrorCode::ModeNotAllowed);
    }
    oracle.require(if increasing { OracleAction::RiskIncreasing } else { OracleAction::RiskReducing })?;
    let is_buy = base_delta > 0;
    let fill = fill_price(oracle.price, market.spread_ppm, is_buy).map_err(ErrorCode::from)?;
    if is_buy {
        require!(fill <= limit_price, ErrorCode::LimitPriceExceeded);
    } else {
        require!(fill >= limit_price, ErrorCode::LimitPriceExceeded);
    }

    let named = Named { market: &market, oracle: &oracle };
    let cross_before = if mode == MarginMode::Cross {
        Some(
            cross_health(&acct, ctx.remaining_accounts, &HealthQuery { decimals, now, action: OracleAction::RiskReducing }, Some(&named))?
                .domain,
        )
    } else {
        None
    };

    // ---- the fill, on plain values ----
    let mut pos = before;
    let mut domain_collateral: i64 = match mode {
        MarginMode::Cross => acct.cross_collateral,
        _ => {
            if iso_exists {
                isolated::load_mut(&iso_ai, &account_key, index)?.collateral
            } else {
                0
            }
        }
    };
    let iso_before = if mode != MarginMode::Cross && iso_exists {
        let p = isolated::load_mut(&iso_ai, &account_key, index)?;
        Some(isolated_health(&p, &market, &oracle)?)
    } else {
        None
    };
    let collateral_start = domain_collateral;
    let mut pool_balance = ex.pool_balance;
    let funding_settled = funding::settle(&market, pos.base, &mut pos.snapshot, &mut domain_collateral, &mut pool_balance)?;
    let f = apply_fill(pos.base, pos.cost_basis, base_delta, fill).map_err(ErrorCode::from)?;
    pos.base = f.base;
    pos.cost_basis = f.cost_basis;
    pos.leverage = lev;
    pos.snapshot = funding::side_index(&market, pos.base);
    domain_collateral = domain_collateral.checked_add(f.realised_pnl).ok_or(ErrorCode::MathOverflow)?;
    pool::credit(&mut pool_balance, f.realised_pnl.checked_neg().ok_or(ErrorCode::MathOverflow)?)?;

    let traded_notional = notional(base_delta, fill, Rounding::Ceil).map_err(ErrorCode::from)?;
    let fee = ppm_of(traded_notional, ex.taker_fee_ppm, Rounding::Ceil).map_err(ErrorCode::from)?;
    let protocol_fee = ppm_of(fee, ex.protocol_fee_share_ppm, Rounding::Floor).map_err(ErrorCode::from)?;
    let fee_i = i64::try_from(fee).map_err(|_| ErrorCode::MathOverflow)?;
    pool::credit(&mut pool_balance, i64::try_from(fee - protocol_fee).map_err(|_| ErrorCode::MathOverflow)?)?;
    ex.fee_balance = ex.fee_balance.checked_add(protocol_fee).ok_or(ErrorCode::MathOverflow)?;

    // Isolated opens and increases: margin `notional / leverage` of the opened size and the
    // fee come from cross; reductions pay the fee from the position's own collateral.
    let mut cross_delta: i64 = 0; // change of cross collateral other than a cross position's own flows
    let mut margin_moved: i64 = 0;
    match mode {
        MarginMode::Cross => {
            domain_collateral = domain_collateral.checked_sub(fee_i).ok_or(ErrorCode::MathOverflow)?;
        }
        _ => {
            if increasing {
                let opened_notional = notional(i64::try_from(f.opened).map_err(|_| ErrorCode::MathOverflow)?, fill, Rounding::Ceil)
                    .map_err(ErrorCode::from)?;
                let im = initial_margin(opened_notional, lev).map_err(ErrorCode::from)?;
                margin_moved = i64::try_from(im).map_err(|_| ErrorCode::MathOverflow)?;
                domain_collateral = domain_collateral.checked_add(margin_moved).ok_or(ErrorCode::MathOverflow)?;
                // The opening cost (spread, and the confidence haircut of the initial view)
                // would leave the position just below its initial margin; cross tops it up
                // so every increase ends at or above initial (SPEC §8.2).
                let h = position_health(&market, &oracle, &PositionState { leverage: lev, ..pos })?;
                let mut d = DomainHealth::new(domain_collateral);
                d.add(&h).map_err(ErrorCode::from)?;
                let shortfall = i64::try_from((d.initial - d.initial_equity).max(0)).map_err(|_| ErrorCode::MathOverflow)?;
                margin_moved = margin_moved.checked_add(shortfall).ok_or(ErrorCode::MathOverflow)?;
                domain_collateral = domain_collateral.checked_add(shortfall).ok_or(ErrorCode::MathOverflow)?;
                cross_delta = -(margin_moved.checked_add(fee_i).ok_or(ErrorCode::MathOverflow)?);
            } else {
                domain_collateral = domain_collateral.checked_sub(fee_i).ok_or(ErrorCode::MathOverflow)?;
            }
            if pos.base == 0 {
                // A closed isolated position returns what it holds to cross.
                require!(domain_collateral >= 0, ErrorCode::NegativeEquityClose);
                cross_delta = cross_delta.checked_add(domain_collateral).ok_or(ErrorCode::MathOverflow)?;
                margin_moved = margin_moved.checked_sub(domain_collateral).ok_or(ErrorCode::MathOverflow)?;
                domain_collateral = 0;
            }
        }
    }

    // ---- open interest ----
    crate::controller::update_open_interest(&mut market, before.base, pos.base)?;
    if increasing {
        let side_oi = if pos.base > 0 { market.open_interest_long } else { market.open_interest_short };
        require!(side_oi <= market.max_open_interest, ErrorCode::OpenInterestCapExceeded);
    }

    // ---- write back ----
    // Margin moved between cross and the isolated position cancels out in the total.
    let collateral_net =
        domain_collateral.checked_sub(collateral_start).and_then(|d| d.checked_add(cross_delta)).ok_or(ErrorCode::MathOverflow)?;
    ex.add_collateral(collateral_net)?;
    ex.pool_balance = pool_balance;
    acct.last_active_slot = clock.slot;
    match mode {
        MarginMode::Cross => {
            let i = match slot {
                Some(i) => i,
                None => acct.claim_slot(index)?,
            };
            let s = &mut acct.cross_positions[i];
            s.base = pos.base;
            s.cost_basis = pos.cost_basis;
            s.leverage = pos.leverage;
            s.funding_snapshot.set(if pos.base == 0 { 0 } else { pos.snapshot });
            acct.cross_collateral = domain_collateral;
        }
        _ => {
            if !iso_exists {
                drop(acct);
                isolated::create(
                    &iso_ai,
                    &a.authority.to_account_info(),
                    &a.system_program.to_account_info(),
                    &account_key,
                    index,
                    ctx.bumps.isolated_position,
                )?;
                acct = a.margin_account.load_mut()?;
                acct.isolated_count = acct.isolated_count.checked_add(1).ok_or(ErrorCode::MathOverflow)?;
            }
            let mut p = isolated::load_mut(&iso_ai, &account_key, index)?;
            if before.base == 0 {
                p.mode = mode.isolated().ok_or(ErrorCode::InvariantViolated)?.as_u8();
            }
            p.base = pos.base;
            p.cost_basis = pos.cost_basis;
            p.leverage = pos.leverage;
            p.funding_snapshot.set(if pos.base == 0 { 0 } else { pos.snapshot });
            p.collateral = domain_collateral;
            p.last_active_slot = clock.slot;
            acct.cross_collateral = acct.cross_collateral.checked_add(cross_delta).ok_or(ErrorCode::MathOverflow)?;
        }
    }

    // ---- post-checks ----
    let max_lev = {
        let (tiers, n) = market.tier_table();
        let n_after = notional(pos.base, oracle.price, Rounding::Ceil).map_err(ErrorCode::from)?;
        max_leverage_at(&tiers[..n], n_after)
    };
    if increasing {
        require!(lev <= max_lev, ErrorCode::LeverageAboveTierMax);
    }
    let named = Named { market: &market, oracle: &oracle };
    let (domain_before, domain_after): (DomainHealth, DomainHealth) = match mode {
        MarginMode::Cross => {
            let action = if increasing { OracleAction::RiskIncreasing } else { OracleAction::RiskReducing };
            let after = cross_health(&acct, ctx.remaining_accounts, &HealthQuery { decimals, now, action }, Some(&named))?.domain;
            if crate::controller::liquidation::restored(&after, ex.liquidation_buffer_ppm) {
                acct.being_liquidated = 0;
            }
            (cross_before.unwrap_or_default(), after)
        }
        _ => {
            let p = isolated::load_mut(&iso_ai, &account_key, index)?;
            let after = isolated_health(&p, &market, &oracle)?;
            p.invariant()?;
            (iso_before.unwrap_or(DomainHealth::new(0)), after)
        }
    };
    if increasing {
        require!(domain_after.meets_initial(), ErrorCode::InsufficientMargin);
        if mode != MarginMode::Cross {
            let cross =
                cross_health(&acct, ctx.remaining_accounts, &HealthQuery { decimals, now, action: OracleAction::RiskIncreasing }, None)?
                    .domain;
            require!(cross.meets_initial(), ErrorCode::InsufficientCrossMargin);
        }
    } else {
        let excess = |d: &DomainHealth| d.maintenance_equity - d.maintenance;
        require!(domain_after.meets_maintenance() || excess(&domain_after) >= excess(&domain_before), ErrorCode::HealthWorsened);
    }
    acct.invariant()?;
    market.invariant()?;
    ex.invariant()?;
    emit!(TradeExecuted {
        margin_account: account_key,
        market_index: index,
        mode: mode.as_u8(),
        leverage: lev,
        base_delta,
        base_before: before.base,
        base_after: pos.base,
        oracle_price: oracle.price,
        fill_price: fill,
        fee,
        realised_pnl: f.realised_pnl,
        funding_settled,
        margin_moved,
        domain_before: snapshot(&domain_before),
        domain_after: snapshot(&domain_after),
    });
    Ok(())
}
