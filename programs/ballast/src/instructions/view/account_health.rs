use anchor_lang::prelude::*;
use ballast_math::adl::{adl_light, adl_score_ppm};
use ballast_math::margin::{liquidation_price, DomainHealth, PositionHealth};
use ballast_math::position::entry_price;
use ballast_math::tiers::Maintenance;
use ballast_math::{BaseLots, Price};

use crate::error::ErrorCode;
use crate::health::{domain_of, CrossBook, HealthQuery, MarketView, Policy, PositionState};
use crate::oracle::read_oracle;
use crate::safe::MathExt;
use crate::state::{is_price_book, load_checked, Exchange, IsolatedPosition, MarginAccount, Market};

#[derive(Accounts)]
pub struct AccountHealth<'info> {
    /// The exchange singleton (PDA `["exchange"]`).
    pub exchange: AccountLoader<'info, Exchange>,
    /// The margin account to report on.
    pub margin_account: AccountLoader<'info, MarginAccount>,
    // remaining: [market, oracle] per cross slot in health (open, or holding unsettled
    // profit) in slot order, then [isolated_position, market, oracle] for each isolated
    // position to report.
}

/// One position as a front-end shows it.
// The program serialises it by hand (below); the IDL build derives it, for its type.
// `DomainView` derives `AnchorSerialize`, whose IDL half needs this type's: a build that
// turns on `anchor-lang/idl-build` must do it through this crate's `idl-build` feature.
#[cfg_attr(feature = "idl-build", derive(AnchorSerialize))]
#[derive(AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub struct PositionView {
    pub market_index: u16,
    pub leverage: u16,
    /// Base lots, negative short.
    pub base: i64,
    /// Price scale, rounded down.
    pub entry_price: u64,
    /// Unrealised PnL at the oracle price, quote native.
    pub unrealized_pnl: i64,
    /// Funding owed to now (negative: owed to the position), quote native.
    pub pending_funding: i64,
    /// Realised profit waiting to settle into collateral (`settle_pnl`), quote native.
    pub unsettled_pnl: i64,
    /// Oracle price at which the domain reaches maintenance, moving only this market.
    pub liquidation_price: Option<u64>,
    /// Auto-deleveraging indicator: 0 without profit, 1 to 5 by the ranking score
    /// (profit % × effective leverage; `ballast_math::adl::adl_light`).
    pub adl_light: u8,
}

/// Borsh's encoding of [`PositionView`] (its fields in order, little-endian, the option as
/// a 0/1 tag and its value), written as one buffer: borsh's derived writer makes a call
/// per field, which cost about 150 CU per position in the view's return data.
#[cfg(not(feature = "idl-build"))]
impl AnchorSerialize for PositionView {
    fn serialize<W: borsh::io::Write>(&self, writer: &mut W) -> borsh::io::Result<()> {
        let mut buf = [0u8; POSITION_VIEW_MAX_BYTES];
        buf[0..2].copy_from_slice(&self.market_index.to_le_bytes());
        buf[2..4].copy_from_slice(&self.leverage.to_le_bytes());
        buf[4..12].copy_from_slice(&self.base.to_le_bytes());
        buf[12..20].copy_from_slice(&self.entry_price.to_le_bytes());
        buf[20..28].copy_from_slice(&self.unrealized_pnl.to_le_bytes());
        buf[28..36].copy_from_slice(&self.pending_funding.to_le_bytes());
        buf[36..44].copy_from_slice(&self.unsettled_pnl.to_le_bytes());
        let len = match self.liquidation_price {
            Some(p) => {
                buf[44] = 1;
                buf[45..53].copy_from_slice(&p.to_le_bytes());
                buf[53] = self.adl_light;
                54
            }
            None => {
                buf[45] = self.adl_light;
                46
            }
        };
        writer.write_all(&buf[..len])
    }
}

/// The longest encoding of a [`PositionView`] (with a liquidation price).
#[cfg(not(feature = "idl-build"))]
const POSITION_VIEW_MAX_BYTES: usize = 54;

/// A domain's numbers, computed by the same functions the instructions use.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug, PartialEq, Eq)]
pub struct DomainView {
    pub collateral: i64,
    /// Maintenance view (oracle price, unweighted PnL).
    pub equity: i64,
    pub initial_margin: u64,
    pub maintenance_margin: u64,
    pub transferable: u64,
    /// Notional / equity × 1e6; `None` when equity ≤ 0.
    pub effective_leverage: Option<u64>,
    pub liquidatable: bool,
    pub positions: Vec<PositionView>,
}

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug, PartialEq, Eq)]
pub struct AccountHealthView {
    pub cross: DomainView,
    /// In the order the isolated positions were passed.
    pub isolated: Vec<DomainView>,
}

fn clamp_i64(v: i128) -> i64 {
    i64::try_from(v).unwrap_or(if v < 0 { i64::MIN } else { i64::MAX })
}

fn clamp_u64(v: i128) -> u64 {
    u64::try_from(v.max(0)).unwrap_or(u64::MAX)
}

fn domain_view(d: &DomainHealth, positions: Vec<PositionView>, buffer_ppm: u32) -> Result<DomainView> {
    Ok(DomainView {
        collateral: clamp_i64(d.collateral),
        equity: clamp_i64(d.maintenance_equity),
        initial_margin: clamp_u64(d.initial),
        maintenance_margin: clamp_u64(d.maintenance),
        transferable: d.transferable(buffer_ppm),
        effective_leverage: d.effective_leverage().math()?,
        liquidatable: d.is_liquidatable(),
        positions,
    })
}

/// `rest` for the liquidation price: the domain without this position's PnL and margin,
/// from `spare` = the domain's maintenance equity less its maintenance margin.
fn position_view(
    market_index: u16,
    curve: Maintenance,
    (d, spare): (&DomainHealth, i128),
    h: &PositionHealth,
    p: &PositionState,
) -> Result<PositionView> {
    let rest = spare - h.pnl + i128::from(h.maintenance);
    Ok(PositionView {
        market_index,
        leverage: p.leverage,
        base: p.base,
        entry_price: entry_price(BaseLots(p.base), p.cost_basis).math()?.map_or(0, Price::get),
        unrealized_pnl: clamp_i64(h.pnl),
        pending_funding: h.pending_funding,
        unsettled_pnl: p.unsettled,
        liquidation_price: liquidation_price(BaseLots(p.base), p.cost_basis, &curve, rest).math()?.map(Price::get),
        adl_light: adl_light(adl_score_ppm(h.pnl, p.cost_basis, h.notional, d.maintenance_equity).math()?),
    })
}

/// Simulate-only view (SPEC §5 "Views"): per domain equity, initial and maintenance
/// margin, transferable, effective leverage, and each position's liquidation price — the
/// numbers a keeper and the instructions act on (funding counted to now, invalid prices
/// valued against the trader, and then nothing transferable).
/// Return data is limited to 1,024 bytes (a position is 54 bytes, a domain 54 plus its
/// positions): a full cross domain (16 positions) fits in one call, and with 15 cross
/// positions one isolated position fits beside it; fewer leave room for more.
pub fn account_health<'info>(ctx: Context<'info, AccountHealth<'info>>) -> Result<AccountHealthView> {
    let clock = Clock::get()?;
    let ex = ctx.accounts.exchange.load()?;
    let q = HealthQuery::new(&ex, &clock, Policy::Lenient);
    let acct = ctx.accounts.margin_account.load()?;
    compute_account_health(&acct, &ctx.accounts.margin_account.key(), ctx.remaining_accounts, &q, ex.liquidation_buffer_ppm)
}

/// The view's computation over a margin account and its health accounts (the
/// instruction's remaining accounts). Public so off-chain code can run the exact same
/// code on fetched account data. Split into non-inlined parts so that no SBF stack frame
/// exceeds 4 KiB.
pub fn compute_account_health(
    acct: &MarginAccount,
    account_key: &Pubkey,
    remaining: &[AccountInfo],
    q: &HealthQuery,
    buffer_ppm: u32,
) -> Result<AccountHealthView> {
    // The cross positions' accounts: the price book alone, or a pair per position.
    let cross_len = if remaining.first().is_some_and(is_price_book) { 1 } else { acct.health_slots().count() * 2 };
    require!(remaining.len() >= cross_len, ErrorCode::MissingHealthAccounts);
    let (cross_accounts, isolated_accounts) = remaining.split_at(cross_len);
    let cross = cross_view(acct, cross_accounts, q, buffer_ppm)?;
    require!(isolated_accounts.len() % 3 == 0, ErrorCode::ExtraHealthAccounts);
    let mut isolated = Vec::with_capacity(isolated_accounts.len() / 3);
    for triple in isolated_accounts.chunks(3) {
        isolated.push(isolated_view(triple, account_key, q, buffer_ppm)?);
    }
    Ok(AccountHealthView { cross, isolated })
}

#[inline(never)]
fn cross_view(acct: &MarginAccount, cross_accounts: &[AccountInfo], q: &HealthQuery, buffer_ppm: u32) -> Result<DomainView> {
    let (book, domain) = CrossBook::scan_with_domain(acct, cross_accounts, q, None)?;
    let spare = domain.maintenance_equity - domain.maintenance;
    let mut positions = Vec::with_capacity(book.entries().len());
    // Each liquidation price on the curve of the market account the book read.
    book.each_with_curve(cross_accounts, |e, curve| {
        positions.push(position_view(e.market_index, curve, (&domain, spare), &e.health, &e.state)?);
        Ok(())
    })?;
    domain_view(&domain, positions, buffer_ppm)
}

#[inline(never)]
fn isolated_view(triple: &[AccountInfo], account_key: &Pubkey, q: &HealthQuery, buffer_ppm: u32) -> Result<DomainView> {
    let p = load_checked::<IsolatedPosition>(&triple[0])?;
    require_keys_eq!(p.margin_account, *account_key, ErrorCode::WrongIsolatedPosition);
    let market = load_checked::<Market>(&triple[1]).map_err(|_| error!(ErrorCode::HealthAccountMismatch))?;
    require!(market.market_index == p.market_index, ErrorCode::HealthAccountMismatch);
    let oracle = read_oracle(&market, &triple[2], q.decimals, q.now)?;
    let view = MarketView::of(&market, &oracle, q)?;
    let state = PositionState::of_isolated(&p);
    let h = view.value(&state)?;
    let d = domain_of(p.collateral, &h)?;
    let mut positions = Vec::new();
    if p.base != 0 || p.unsettled_pnl != 0 {
        let spare = d.maintenance_equity - d.maintenance;
        positions.push(position_view(view.market_index(), view.maintenance().curve(), (&d, spare), &h, &state)?);
    }
    domain_view(&d, positions, buffer_ppm)
}

#[cfg(all(test, not(feature = "idl-build")))]
mod tests {
    use super::*;

    /// The same fields with borsh's derived encoding: what clients decode.
    #[derive(AnchorSerialize)]
    struct Derived {
        market_index: u16,
        leverage: u16,
        base: i64,
        entry_price: u64,
        unrealized_pnl: i64,
        pending_funding: i64,
        unsettled_pnl: i64,
        liquidation_price: Option<u64>,
        adl_light: u8,
    }

    #[test]
    fn the_hand_written_encoding_is_borsh() {
        let words = [0u64, 1, 0x0102_0304_0506_0708, u64::MAX - 1, u64::MAX];
        let signed = [0i64, -1, 1, i64::MIN, i64::MAX, 0x0102_0304_0506_0708];
        let mut cases = 0;
        for (i, &w) in words.iter().enumerate() {
            for (j, &v) in signed.iter().enumerate() {
                for lp in [None, Some(w), Some(u64::MAX - w)] {
                    let view = PositionView {
                        market_index: (w as u16) ^ 0x1234,
                        leverage: (v as u16).wrapping_add(7),
                        base: v,
                        entry_price: w,
                        unrealized_pnl: signed[(j + 1) % signed.len()],
                        pending_funding: signed[(j + 2) % signed.len()],
                        unsettled_pnl: signed[(i + j) % signed.len()],
                        liquidation_price: lp,
                        adl_light: (i * 7 + j) as u8,
                    };
                    let derived = Derived {
                        market_index: view.market_index,
                        leverage: view.leverage,
                        base: view.base,
                        entry_price: view.entry_price,
                        unrealized_pnl: view.unrealized_pnl,
                        pending_funding: view.pending_funding,
                        unsettled_pnl: view.unsettled_pnl,
                        liquidation_price: view.liquidation_price,
                        adl_light: view.adl_light,
                    };
                    let (mut ours, mut theirs) = (Vec::new(), Vec::new());
                    view.serialize(&mut ours).unwrap();
                    derived.serialize(&mut theirs).unwrap();
                    assert_eq!(ours, theirs);
                    assert_eq!(PositionView::try_from_slice(&ours).unwrap(), view);
                    cases += 1;
                }
            }
        }
        assert_eq!(cases, 90);
    }
}
