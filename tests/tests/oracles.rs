//! Oracles: real Pyth `PriceUpdateV2` bytes and push oracles, read by the program's own
//! parser, converted into the price scale and classified once (SPEC §6).

use anchor_lang::prelude::{AccountInfo, Pubkey};
use ballast::constants::PYTH_RECEIVER_ID;
use ballast::error::ErrorCode;
use ballast::oracle::{read_oracle, OraclePrice};
use ballast::state::{Market, OracleKind};
use ballast_math::{OracleAction, OracleValidity};
use ballast_tests::pyth::{PriceUpdate, Verification};
use ballast_tests::*;
use solana_signer::Signer;

const FEED: [u8; 32] = [0xe6; 32];

fn update(price: i64, conf: u64, publish_time: i64) -> PriceUpdate {
    PriceUpdate { feed_id: FEED, price, conf, exponent: -8, publish_time, verification: Verification::Full, posted_slot: 42 }
}

/// Reads `data` (owned by `owner`) as `market`'s oracle, the way instructions do.
fn read(market: &Market, key: Pubkey, owner: Pubkey, mut data: Vec<u8>, now: i64) -> anchor_lang::Result<OraclePrice> {
    let mut lamports = 1_000_000u64;
    let ai = AccountInfo::new(&key, false, false, &mut lamports, &mut data, &owner, false);
    read_oracle(market, &ai, 6, now)
}

async fn pyth_market(h: &mut Harness) -> (Pubkey, Market) {
    let key = Pubkey::new_unique();
    h.set_account(key, PYTH_RECEIVER_ID, update(6_543_210_000_000, 3_000_000_000, h.now).to_account_data());
    let info = h.add_market(key, OracleKind::PythPull, FEED, default_market_params()).await;
    (key, h.load(info.address).await)
}

#[tokio::test]
async fn a_fully_verified_pyth_update_is_converted_into_the_price_scale() {
    let h = &mut Harness::new().await;
    let (key, market) = pyth_market(h).await;
    let now = h.now;
    let r = read(&market, key, PYTH_RECEIVER_ID, update(6_543_210_000_000, 3_000_000_000, now).to_account_data(), now).unwrap();
    // $65,432.10 ± $30 → 65_432.10 × 1e9 in the price scale.
    assert_eq!(r, OraclePrice { price: 65_432_100_000_000, conf: 30_000_000_000, validity: OracleValidity::Valid, age: 0 });
}

#[tokio::test]
async fn pyth_readings_are_classified_once_and_gated_per_action() {
    let h = &mut Harness::new().await;
    let (key, market) = pyth_market(h).await;
    let now = h.now;
    let at = |u: PriceUpdate| read(&market, key, PYTH_RECEIVER_ID, u.to_account_data(), now).unwrap();
    // 61 s old with a 60 s limit: stale; usable only to reduce risk.
    let stale = at(update(100_000_000, 0, now - 61));
    assert_eq!(stale.validity, OracleValidity::Stale);
    assert!(stale.require(OracleAction::RiskReducing).is_ok());
    assert_eq!(code_of(stale.require(OracleAction::RiskIncreasing).unwrap_err()), code(ErrorCode::OracleStale));
    assert_eq!(code_of(stale.require(OracleAction::Liquidation).unwrap_err()), code(ErrorCode::OracleStale));
    // A fill against the pool needs a price no older than the fill age (30 s): 30 s is
    // fresh enough, 31 s is valid for everything but a fill.
    let fill_age = market.max_fill_age_secs;
    assert_eq!(fill_age, 30);
    let at_limit = at(update(100_000_000, 0, now - 30));
    assert_eq!((at_limit.validity, at_limit.age), (OracleValidity::Valid, 30));
    assert!(at_limit.require_fill(fill_age).is_ok());
    let old = at(update(100_000_000, 0, now - 31));
    assert!(old.require_valid().is_ok());
    assert_eq!(code_of(old.require_fill(fill_age).unwrap_err()), code(ErrorCode::OracleStaleForFill));
    assert_eq!(code_of(stale.require_fill(fill_age).unwrap_err()), code(ErrorCode::OracleStale));
    // Confidence 2% is the limit; 2% + 1 unit is too uncertain.
    assert_eq!(at(update(100_000_000, 2_000_000, now)).validity, OracleValidity::Valid);
    let wide = at(update(100_000_000, 2_000_001, now));
    assert_eq!(wide.validity, OracleValidity::TooUncertain);
    assert_eq!(code_of(wide.require(OracleAction::RiskIncreasing).unwrap_err()), code(ErrorCode::OracleTooUncertain));
    // Non-positive prices are refused even for reductions.
    for p in [0, -5] {
        let bad = at(update(p, 0, now));
        assert_eq!(bad.validity, OracleValidity::NonPositive);
        assert_eq!(code_of(bad.require(OracleAction::RiskReducing).unwrap_err()), code(ErrorCode::OracleNonPositive));
    }
}

#[tokio::test]
async fn forged_pyth_accounts_are_refused() {
    let h = &mut Harness::new().await;
    let (key, market) = pyth_market(h).await;
    let now = h.now;
    let good = update(100_000_000, 0, now);
    let err = |owner: Pubkey, data: Vec<u8>| read(&market, key, owner, data, now).unwrap_err();
    // Right bytes, wrong owner (anyone can write these bytes into their own account).
    assert_eq!(code_of(err(Pubkey::new_unique(), good.to_account_data())), code(ErrorCode::InvalidOracleAccount));
    // Partially verified updates are not trusted.
    let partial = PriceUpdate { verification: Verification::Partial(5), ..good };
    assert_eq!(code_of(err(PYTH_RECEIVER_ID, partial.to_account_data())), code(ErrorCode::OracleNotFullyVerified));
    // Another feed's update.
    let other = PriceUpdate { feed_id: [1; 32], ..good };
    assert_eq!(code_of(err(PYTH_RECEIVER_ID, other.to_account_data())), code(ErrorCode::WrongOracleFeed));
    // Another account type of the receiver, or truncated data.
    let mut wrong_disc = good.to_account_data();
    wrong_disc[0] ^= 1;
    assert_eq!(code_of(err(PYTH_RECEIVER_ID, wrong_disc)), code(ErrorCode::InvalidOracleAccount));
    assert_eq!(code_of(err(PYTH_RECEIVER_ID, good.to_account_data()[..60].to_vec())), code(ErrorCode::InvalidOracleAccount));
    // The right bytes at another address than the market's oracle.
    let mut lamports = 1u64;
    let mut data = good.to_account_data();
    let elsewhere = Pubkey::new_unique();
    let ai = AccountInfo::new(&elsewhere, false, false, &mut lamports, &mut data, &PYTH_RECEIVER_ID, false);
    assert_eq!(code_of(read_oracle(&market, &ai, 6, now).unwrap_err()), code(ErrorCode::WrongOracle));
}

#[tokio::test]
async fn a_market_cannot_be_created_on_an_oracle_that_does_not_parse() {
    let h = &mut Harness::new().await;
    let admin = h.admin.insecure_clone();
    let now = h.now;
    let cases: Vec<(PriceUpdate, Pubkey, OracleKind, u32)> = vec![
        (
            PriceUpdate { verification: Verification::Partial(3), ..update(1, 0, now) },
            PYTH_RECEIVER_ID,
            OracleKind::PythPull,
            code(ErrorCode::OracleNotFullyVerified),
        ),
        (PriceUpdate { feed_id: [2; 32], ..update(1, 0, now) }, PYTH_RECEIVER_ID, OracleKind::PythPull, code(ErrorCode::WrongOracleFeed)),
        (update(1, 0, now), Pubkey::new_unique(), OracleKind::PythPull, code(ErrorCode::InvalidOracleAccount)),
        // Pyth bytes declared as a push oracle.
        (update(1, 0, now), PYTH_RECEIVER_ID, OracleKind::Push, code(ErrorCode::InvalidOracleAccount)),
    ];
    for (u, owner, kind, expected) in cases {
        let key = Pubkey::new_unique();
        h.set_account(key, owner, u.to_account_data());
        h.expect_failure(&[ix::create_market(admin.pubkey(), 1, key, kind, FEED, default_market_params())], &[&admin], expected).await;
    }
    // A push oracle declared as Pyth.
    let push = h.markets[0].oracle;
    h.expect_failure(
        &[ix::create_market(admin.pubkey(), 1, push, OracleKind::PythPull, FEED, default_market_params())],
        &[&admin],
        code(ErrorCode::InvalidOracleAccount),
    )
    .await;
}

#[tokio::test]
async fn push_oracle_readings_follow_the_same_policy() {
    let h = &mut Harness::new().await;
    let info = h.markets[0].clone();
    let market: Market = h.load(info.address).await;
    h.set_price(0, 50_000.0, 5.0).await;
    let acct = h.account(info.oracle).await.unwrap();
    let now = h.now;
    let fresh = read(&market, info.oracle, ballast::ID, acct.data.clone(), now).unwrap();
    assert_eq!(fresh, OraclePrice { price: 50_000_000_000_000, conf: 5_000_000_000, validity: OracleValidity::Valid, age: 0 });
    let later = read(&market, info.oracle, ballast::ID, acct.data, now + 61).unwrap();
    assert_eq!(later.validity, OracleValidity::Stale);
}
