//! One event per state transition, with the before/after values an indexer needs.
use anchor_lang::prelude::*;

#[event]
pub struct ExchangeInitialized {
    pub exchange: Pubkey,
    pub admin: Pubkey,
    pub guardian: Pubkey,
    pub collateral_mint: Pubkey,
    pub vault: Pubkey,
    pub taker_fee_ppm: u32,
    pub protocol_fee_share_ppm: u32,
    pub liquidation_buffer_ppm: u32,
    pub margin_guard_tip: u64,
    pub allow_push_oracles: bool,
}

#[event]
pub struct MarketCreated {
    pub market: Pubkey,
    pub market_index: u16,
    pub oracle: Pubkey,
    pub oracle_kind: u8,
    pub params: crate::state::MarketParams,
}

#[event]
pub struct MarketUpdated {
    pub market: Pubkey,
    pub market_index: u16,
    pub before: crate::state::MarketParams,
    pub after: crate::state::MarketParams,
}

#[event]
pub struct StatusChanged {
    /// `None` for the exchange-wide status.
    pub market_index: Option<u16>,
    pub signer: Pubkey,
    pub before: u8,
    pub after: u8,
}

#[event]
pub struct PoolFunded {
    pub amount: u64,
    /// true for `fund_pool`, false for `defund_pool`.
    pub deposit: bool,
    pub pool_before: u64,
    pub pool_after: u64,
    /// The pool's deficit before and after (a deposit pays it first).
    pub deficit_before: u64,
    pub deficit_after: u64,
}

#[event]
pub struct PushOraclePriceSet {
    pub oracle: Pubkey,
    pub price_before: i64,
    pub price_after: i64,
    pub conf: u64,
    pub exponent: i32,
    pub publish_time: i64,
}

#[event]
pub struct MarginAccountOpened {
    pub margin_account: Pubkey,
    pub owner: Pubkey,
    pub sub_id: u16,
}

#[event]
pub struct MarginAccountClosed {
    pub margin_account: Pubkey,
    pub owner: Pubkey,
    pub sub_id: u16,
}

#[event]
pub struct DelegateSet {
    pub margin_account: Pubkey,
    pub before: Pubkey,
    pub after: Pubkey,
}

#[event]
pub struct CollateralDeposited {
    pub margin_account: Pubkey,
    pub signer: Pubkey,
    pub amount: u64,
    pub collateral_before: i64,
    pub collateral_after: i64,
    pub vault_after: u64,
}

#[event]
pub struct CollateralWithdrawn {
    pub margin_account: Pubkey,
    pub amount: u64,
    pub collateral_before: i64,
    pub collateral_after: i64,
    pub transferable_before: u64,
    /// Positive PnL realised from the pool to fund the withdrawal.
    pub pnl_realised: u64,
    pub initial_margin_after: u64,
    pub maintenance_margin_after: u64,
    pub vault_after: u64,
}

#[event]
pub struct FundingUpdated {
    pub market_index: u16,
    pub from_ts: i64,
    pub to_ts: i64,
    /// Positive: longs pay, ppm per hour.
    pub rate_ppm_per_hour: i64,
    pub price: u64,
    pub long_index: i128,
    pub short_index: i128,
}

/// Before/after values of one margin domain.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DomainSnapshot {
    pub collateral: i64,
    pub equity: i64,
    pub initial_margin: u64,
    pub maintenance_margin: u64,
}

#[event]
pub struct TradeExecuted {
    pub margin_account: Pubkey,
    pub market_index: u16,
    /// 0 cross, 1 isolated, 2 strict-isolated.
    pub mode: u8,
    pub leverage: u16,
    pub base_delta: i64,
    pub base_before: i64,
    pub base_after: i64,
    pub oracle_price: u64,
    pub fill_price: u64,
    pub fee: u64,
    pub realised_pnl: i64,
    /// Part of `realised_pnl` that became unsettled profit (a gain on a down-weighted market).
    pub unsettled_added: i64,
    pub funding_settled: i64,
    /// Moved from cross to the isolated position (negative: back to cross).
    pub margin_moved: i64,
    pub domain_before: DomainSnapshot,
    pub domain_after: DomainSnapshot,
}

#[event]
pub struct LeverageUpdated {
    pub margin_account: Pubkey,
    pub market_index: u16,
    pub mode: u8,
    pub leverage_before: u16,
    pub leverage_after: u16,
    /// Moved from cross into the isolated position (negative: released to cross).
    pub margin_moved: i64,
    pub domain_before: DomainSnapshot,
    pub domain_after: DomainSnapshot,
}

#[event]
pub struct MarginTransferred {
    pub margin_account: Pubkey,
    pub market_index: u16,
    /// Positive: cross → isolated; negative: isolated → cross.
    pub amount: i64,
    /// Positive PnL realised from the pool to fund the transfer.
    pub pnl_realised: u64,
    pub cross_collateral_after: i64,
    pub isolated_before: DomainSnapshot,
    pub isolated_after: DomainSnapshot,
}

#[event]
pub struct IsolatedPositionClosed {
    pub margin_account: Pubkey,
    pub market_index: u16,
}

#[event]
pub struct Liquidated {
    pub keeper: Pubkey,
    /// The margin account (cross) or the isolated position account.
    pub domain_account: Pubkey,
    pub market_index: u16,
    pub isolated: bool,
    pub base_before: i64,
    pub base_after: i64,
    pub oracle_price: u64,
    pub closed_notional: u64,
    pub realised_pnl: i64,
    /// Paid to the keeper (0 when the keeper is the account's owner or delegate).
    pub keeper_reward: u64,
    /// Credited to the insurance fund (including a forfeited self-liquidation reward).
    pub insurance_share: u64,
    /// The keeper was the account's owner or delegate: its reward went to insurance.
    pub self_liquidation: bool,
    pub domain_before: DomainSnapshot,
    pub domain_after: DomainSnapshot,
}

#[event]
pub struct BadDebtCovered {
    pub domain_account: Pubkey,
    pub market_index: u16,
    /// The domain's negative equity after its last position closed.
    pub bad_debt: u64,
    pub insurance_paid: u64,
    pub pool_paid: u64,
    /// What neither could cover: the domain ends at zero and the pool owes it (its
    /// deficit), which opens auto-deleveraging; 0 unless the pool's cash ran out.
    pub uncovered: u64,
}

#[event]
pub struct AutoDeleveraged {
    /// The margin account (cross) or isolated position deleveraged.
    pub domain_account: Pubkey,
    pub market_index: u16,
    pub keeper: Pubkey,
    /// Oracle price the position closed at.
    pub price: u64,
    pub base_before: i64,
    pub base_after: i64,
    /// Profit the close realised, before the haircut.
    pub realised_pnl: i64,
    /// Given back to the pool: `min(realised profit, shortfall)`, or `min(unsettled,
    /// shortfall)` for a position without open profit.
    pub haircut: u64,
    /// Change of the position's unsettled profit: what the pool's cash could not pay (or a
    /// down-weighted market's gain) adds to it; a write-off of unpaid profit takes from it.
    pub unsettled_change: i64,
    /// Pool equity over every market before and after (negative: a shortfall).
    pub pool_equity_before: i64,
    pub pool_equity_after: i64,
    pub pool_deficit_after: u64,
}

#[event]
pub struct MarginGuardSet {
    pub isolated_position: Pubkey,
    pub trigger_ratio_ppm: u32,
    pub top_up_amount: u64,
    pub max_total: u64,
}

#[event]
pub struct MarginGuardExecuted {
    pub keeper: Pubkey,
    pub isolated_position: Pubkey,
    pub ratio_before_ppm: i64,
    pub ratio_after_ppm: i64,
    pub top_up: u64,
    pub tip: u64,
    pub used_total: u64,
    pub cross_collateral_after: i64,
}

#[event]
pub struct InsuranceFunded {
    pub amount: u64,
    /// true for `fund_insurance`, false for `withdraw_insurance`.
    pub deposit: bool,
    pub insurance_before: u64,
    pub insurance_after: u64,
    /// The floor a withdrawal had to respect (0 for a deposit), quote native.
    pub floor: u64,
}

#[event]
pub struct FeesSwept {
    pub amount: u64,
    /// The token account that received them.
    pub treasury: Pubkey,
    pub fees_before: u64,
    pub fees_after: u64,
}

#[event]
pub struct TriggerOrderPlaced {
    pub margin_account: Pubkey,
    pub id: u32,
    pub market_index: u16,
    /// The isolated position in the market rather than the cross one.
    pub isolated: bool,
    /// 1 at or above, 2 at or below.
    pub condition: u8,
    /// The side of the position it closes: 1 long, 2 short.
    pub side: u8,
    pub trigger_price: u64,
    /// 1 lots, 2 fraction (ppm).
    pub size_kind: u8,
    pub size: u64,
    pub limit_price: u64,
    pub tip: u64,
}

#[event]
pub struct TriggerOrderCancelled {
    pub margin_account: Pubkey,
    pub id: u32,
    pub market_index: u16,
    /// 0: by the owner or delegate; 1: its position closed (or was replaced by a new one),
    /// found at execution.
    pub reason: u8,
}

#[event]
pub struct TriggerBookClosed {
    pub margin_account: Pubkey,
    /// Orders still in the book, cancelled with it.
    pub cancelled: u8,
}

#[event]
pub struct TriggerOrderExecuted {
    pub margin_account: Pubkey,
    pub id: u32,
    pub market_index: u16,
    pub keeper: Pubkey,
    pub oracle_price: u64,
    pub trigger_price: u64,
    pub base_before: i64,
    pub base_after: i64,
    pub fill_price: u64,
    /// Paid to the keeper (0 when the domain could not pay it and stay above maintenance).
    pub tip: u64,
}

#[event]
pub struct VaultSynced {
    /// Tokens the vault held beyond every claim, now credited to the insurance fund.
    pub surplus: u64,
    pub insurance_before: u64,
    pub insurance_after: u64,
    pub vault: u64,
}

#[event]
pub struct PnlSettled {
    /// The margin account (cross) or the isolated position account.
    pub domain_account: Pubkey,
    pub market_index: u16,
    /// Offset against a negative balance.
    pub netted: u64,
    /// Moved into collateral within the market's budget.
    pub settled: u64,
    pub unsettled_after: i64,
    pub collateral_after: i64,
    /// What the market's budget has left in this period.
    pub budget_left: u64,
}

#[event]
pub struct AuthorityProposed {
    /// 0 admin, 1 guardian.
    pub role: u8,
    pub current: Pubkey,
    pub proposed: Pubkey,
}

#[event]
pub struct AuthorityAccepted {
    /// 0 admin, 1 guardian.
    pub role: u8,
    pub before: Pubkey,
    pub after: Pubkey,
}

/// An event's log record in a fixed buffer: its discriminator, then its fields in borsh's
/// encoding (declaration order, little-endian), logged with `sol_log_data` exactly as
/// `emit!` logs it. `emit!` builds the same bytes through borsh's derived writer into a
/// growing vector, about 200 to 300 CU more per event; the instructions gated on compute
/// (`set_leverage`, the margin moves) log through this, and a test holds each record equal
/// to `Event::data`.
struct Record<const N: usize> {
    bytes: [u8; N],
    len: usize,
}

impl<const N: usize> Record<N> {
    #[inline(always)]
    fn new(discriminator: &[u8]) -> Self {
        let mut r = Self { bytes: [0; N], len: 0 };
        r.put(discriminator);
        r
    }

    #[inline(always)]
    fn put(&mut self, field: &[u8]) -> &mut Self {
        self.bytes[self.len..self.len + field.len()].copy_from_slice(field);
        self.len += field.len();
        self
    }

    #[inline(always)]
    fn domain(&mut self, d: &DomainSnapshot) -> &mut Self {
        let DomainSnapshot { collateral, equity, initial_margin, maintenance_margin } = d;
        self.put(&collateral.to_le_bytes())
            .put(&equity.to_le_bytes())
            .put(&initial_margin.to_le_bytes())
            .put(&maintenance_margin.to_le_bytes())
    }

    fn log(&self) {
        anchor_lang::solana_program::log::sol_log_data(&[&self.bytes[..self.len]]);
    }
}

/// Bytes of a [`DomainSnapshot`] in a record.
const DOMAIN_BYTES: usize = 4 * 8;

impl LeverageUpdated {
    const RECORD_BYTES: usize = 8 + 32 + 2 + 1 + 2 + 2 + 8 + 2 * DOMAIN_BYTES;

    fn record(&self) -> Record<{ Self::RECORD_BYTES }> {
        // Every field named: a field added to the event does not compile until it is written.
        let Self { margin_account, market_index, mode, leverage_before, leverage_after, margin_moved, domain_before, domain_after } = self;
        let mut r = Record::new(Self::DISCRIMINATOR);
        r.put(margin_account.as_ref())
            .put(&market_index.to_le_bytes())
            .put(&[*mode])
            .put(&leverage_before.to_le_bytes())
            .put(&leverage_after.to_le_bytes())
            .put(&margin_moved.to_le_bytes())
            .domain(domain_before)
            .domain(domain_after);
        r
    }

    /// Logs the event as `emit!` does (see [`Record`]).
    pub fn log(&self) {
        self.record().log();
    }
}

impl MarginTransferred {
    const RECORD_BYTES: usize = 8 + 32 + 2 + 8 + 8 + 8 + 2 * DOMAIN_BYTES;

    fn record(&self) -> Record<{ Self::RECORD_BYTES }> {
        let Self { margin_account, market_index, amount, pnl_realised, cross_collateral_after, isolated_before, isolated_after } = self;
        let mut r = Record::new(Self::DISCRIMINATOR);
        r.put(margin_account.as_ref())
            .put(&market_index.to_le_bytes())
            .put(&amount.to_le_bytes())
            .put(&pnl_realised.to_le_bytes())
            .put(&cross_collateral_after.to_le_bytes())
            .domain(isolated_before)
            .domain(isolated_after);
        r
    }

    /// Logs the event as `emit!` does (see [`Record`]).
    pub fn log(&self) {
        self.record().log();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use anchor_lang::Event;

    const WORDS: [i64; 6] = [0, -1, 1, i64::MIN, i64::MAX, 0x0102_0304_0506_0708];

    fn domain(i: usize) -> DomainSnapshot {
        let w = |k: usize| WORDS[(i + k) % WORDS.len()];
        DomainSnapshot { collateral: w(0), equity: w(1), initial_margin: w(2) as u64, maintenance_margin: w(3) as u64 }
    }

    fn key(i: usize) -> Pubkey {
        Pubkey::new_from_array(core::array::from_fn(|b| (b * 7 + i) as u8))
    }

    #[test]
    fn hand_written_records_are_what_emit_logs() {
        for i in 0..WORDS.len() {
            let w = |k: usize| WORDS[(i + k) % WORDS.len()];
            let e = LeverageUpdated {
                margin_account: key(i),
                market_index: w(0) as u16 ^ 0x1234,
                mode: i as u8,
                leverage_before: w(1) as u16,
                leverage_after: w(2) as u16 ^ 0x00ff,
                margin_moved: w(3),
                domain_before: domain(i),
                domain_after: domain(i + 2),
            };
            assert_eq!(e.record().bytes[..e.record().len], e.data()[..]);
            assert_eq!(e.record().len, LeverageUpdated::RECORD_BYTES);
            let e = MarginTransferred {
                margin_account: key(i + 1),
                market_index: w(1) as u16,
                amount: w(2),
                pnl_realised: w(3) as u64,
                cross_collateral_after: w(4),
                isolated_before: domain(i + 1),
                isolated_after: domain(i + 3),
            };
            assert_eq!(e.record().bytes[..e.record().len], e.data()[..]);
            assert_eq!(e.record().len, MarginTransferred::RECORD_BYTES);
        }
    }
}
