//! Admin and guardian powers: exchange initialisation, markets and their parameter
//! validation, pause levels, the pool, push oracles. Every refusal changes nothing.

use ballast::error::ErrorCode;
use ballast::instructions::ExchangeParams;
use ballast::state::{Exchange, Market, MarketParams, MarketStatus, OracleKind, TierParams};
use ballast_tests::*;
use solana_keypair::Keypair;
use solana_signer::Signer;

#[tokio::test]
async fn initialisation_records_authorities_mint_vault_and_parameters() {
    let h = &mut Harness::new().await;
    let ex: Exchange = h.exchange_state().await;
    assert_eq!(ex.admin, h.admin.pubkey());
    assert_eq!(ex.guardian, h.guardian.pubkey());
    assert_eq!(ex.collateral_mint, h.mint);
    assert_eq!(ex.vault, h.vault);
    assert_eq!(ex.collateral_decimals, 6);
    assert_eq!(ex.taker_fee_ppm, 500);
    assert_eq!(ex.status, MarketStatus::Active as u8);
    // The vault is a token account of the collateral mint owned by the exchange PDA.
    let vault = h.account(h.vault).await.unwrap();
    let parsed = <spl_token_interface::state::Account as solana_program_pack::Pack>::unpack(&vault.data).unwrap();
    assert_eq!((parsed.mint, parsed.owner), (h.mint, h.exchange));
    // A second initialisation is refused (the singleton exists) and changes nothing.
    let admin = h.admin.insecure_clone();
    let again = ix::initialize_exchange(admin.pubkey(), h.mint, default_exchange_params(admin.pubkey()));
    h.expect_rejected(&[again], &[&admin]).await;
}

#[tokio::test]
async fn out_of_bounds_exchange_parameters_are_refused() {
    let h = &mut Harness::bare().await;
    let admin = h.admin.insecure_clone();
    let good = default_exchange_params(h.guardian.pubkey());
    let bad: [ExchangeParams; 4] = [
        ExchangeParams { guardian: Default::default(), ..good.clone() },
        ExchangeParams { taker_fee_ppm: 10_001, ..good.clone() },
        ExchangeParams { protocol_fee_share_ppm: 1_000_001, ..good.clone() },
        ExchangeParams { margin_guard_tip: 10_000_001, ..good.clone() },
    ];
    for p in bad {
        h.expect_failure(&[ix::initialize_exchange(admin.pubkey(), h.mint, p)], &[&admin], code(ErrorCode::InvalidExchangeParams)).await;
    }
    h.init_exchange(good).await;
}

#[tokio::test]
async fn markets_are_created_by_the_admin_in_index_order() {
    let h = &mut Harness::new().await;
    let oracle = h.create_push_oracle(3_000.0).await;
    let stranger = Keypair::new();
    h.airdrop(stranger.pubkey(), 1_000_000_000).await;
    let by_stranger = ix::create_market(stranger.pubkey(), 1, oracle, OracleKind::Push, [0; 32], default_market_params());
    h.expect_failure(&[by_stranger], &[&stranger], code(ErrorCode::NotAdmin)).await;
    let admin = h.admin.insecure_clone();
    let skipping = ix::create_market(admin.pubkey(), 2, oracle, OracleKind::Push, [0; 32], default_market_params());
    h.expect_failure(&[skipping], &[&admin], code(ErrorCode::WrongMarketIndex)).await;
    let eth = h.add_market(oracle, OracleKind::Push, [0; 32], default_market_params()).await;
    let m: Market = h.load(eth.address).await;
    assert_eq!((m.market_index, m.oracle, m.tier_count), (1, oracle, 3));
    assert_eq!(h.exchange_state().await.market_count, 2);
}

/// Each invalid parameter set and the error it must produce.
fn invalid_market_params() -> Vec<(&'static str, MarketParams, ErrorCode)> {
    let p = default_market_params;
    let tiers = |t: &[(u64, u16)]| t.iter().map(|&(n, l)| TierParams { notional_threshold: n, max_leverage: l }).collect::<Vec<_>>();
    vec![
        ("no tiers", MarketParams { tiers: vec![], ..p() }, ErrorCode::InvalidLeverageTiers),
        ("five tiers", MarketParams { tiers: tiers(&[(0, 20), (1, 10), (2, 5), (3, 4), (4, 3)]), ..p() }, ErrorCode::InvalidLeverageTiers),
        ("first threshold not 0", MarketParams { tiers: tiers(&[(1, 20)]), ..p() }, ErrorCode::InvalidLeverageTiers),
        ("leverage rises with size", MarketParams { tiers: tiers(&[(0, 10), (100, 20)]), ..p() }, ErrorCode::InvalidLeverageTiers),
        (
            "thresholds not increasing",
            MarketParams { tiers: tiers(&[(0, 20), (100, 10), (100, 5)]), ..p() },
            ErrorCode::InvalidLeverageTiers,
        ),
        ("leverage 0", MarketParams { tiers: tiers(&[(0, 0)]), ..p() }, ErrorCode::InvalidLeverageTiers),
        ("leverage above 1000", MarketParams { tiers: tiers(&[(0, 1001)]), ..p() }, ErrorCode::InvalidLeverageTiers),
        ("zero staleness", MarketParams { max_oracle_age_secs: 0, ..p() }, ErrorCode::InvalidOracleLimits),
        ("zero confidence", MarketParams { max_oracle_conf_ppm: 0, ..p() }, ErrorCode::InvalidOracleLimits),
        ("confidence above 10%", MarketParams { max_oracle_conf_ppm: 100_001, ..p() }, ErrorCode::InvalidOracleLimits),
        // 20x → 2.5% maintenance; 0.05% fee + 0.01% spread + rewards must stay below it.
        (
            "liquidation fee at maintenance",
            MarketParams { liquidation_fee_ppm: 25_000 - 500 - 100 - 2_500, ..p() },
            ErrorCode::FeesNotBelowMaintenance,
        ),
        ("spread above maintenance", MarketParams { spread_ppm: 30_000, ..p() }, ErrorCode::FeesNotBelowMaintenance),
        ("pnl weight above 100%", MarketParams { pnl_weight_ppm: 1_000_001, ..p() }, ErrorCode::InvalidRatio),
        ("transfer floor above 100%", MarketParams { transfer_floor_ppm: 1_000_001, ..p() }, ErrorCode::InvalidRatio),
        ("zero lot", MarketParams { lot_size: 0, ..p() }, ErrorCode::InvalidLotSize),
        ("zero open-interest cap", MarketParams { max_open_interest: 0, ..p() }, ErrorCode::InvalidOpenInterestCap),
        ("funding cap above 4%/h", MarketParams { funding_max_rate_ppm: 40_001, ..p() }, ErrorCode::InvalidFundingParams),
        ("zero funding floor", MarketParams { funding_oi_floor: 0, ..p() }, ErrorCode::InvalidFundingParams),
    ]
}

#[tokio::test]
async fn invalid_market_parameters_are_refused_at_creation_and_update() {
    let h = &mut Harness::new().await;
    let admin = h.admin.insecure_clone();
    let oracle = h.markets[0].oracle;
    let market = h.markets[0].address;
    for (what, params, err) in invalid_market_params() {
        println!("{what}");
        let create = ix::create_market(admin.pubkey(), 1, oracle, OracleKind::Push, [0; 32], params.clone());
        h.expect_failure(&[create], &[&admin], code(err)).await;
        h.expect_failure(&[ix::update_market(admin.pubkey(), market, params)], &[&admin], code(err)).await;
    }
    // One unit below the limit is accepted.
    let edge = MarketParams { liquidation_fee_ppm: 25_000 - 500 - 100 - 2_500 - 1, ..default_market_params() };
    h.ok(&[ix::update_market(admin.pubkey(), market, edge)], &[&admin]).await;
}

#[tokio::test]
async fn the_admin_updates_risk_parameters_and_nobody_else_can() {
    let h = &mut Harness::new().await;
    let market = h.markets[0].address;
    let new = MarketParams { transfer_floor_ppm: 50_000, pnl_weight_ppm: 0, ..default_market_params() };
    let guardian = h.guardian.insecure_clone();
    h.expect_failure(&[ix::update_market(guardian.pubkey(), market, new.clone())], &[&guardian], code(ErrorCode::NotAdmin)).await;
    let admin = h.admin.insecure_clone();
    h.ok(&[ix::update_market(admin.pubkey(), market, new)], &[&admin]).await;
    let m: Market = h.load(market).await;
    assert_eq!((m.transfer_floor_ppm, m.pnl_weight_ppm), (50_000, 0));
}

#[tokio::test]
async fn the_guardian_can_only_tighten_and_only_the_admin_resumes() {
    let h = &mut Harness::new().await;
    let (admin, guardian) = (h.admin.insecure_clone(), h.guardian.insecure_clone());
    let market = Some(h.market_and_oracle(0));
    let set = |who: &Keypair, m, s| ix::set_pause(who.pubkey(), m, s);
    // Exchange-wide and per market alike.
    for target in [None, market] {
        h.ok(&[set(&guardian, target, MarketStatus::ReduceOnly)], &[&guardian]).await;
        h.expect_failure(&[set(&guardian, target, MarketStatus::Active)], &[&guardian], code(ErrorCode::GuardianCannotLoosen)).await;
        h.ok(&[set(&guardian, target, MarketStatus::Paused)], &[&guardian]).await;
        h.expect_failure(&[set(&guardian, target, MarketStatus::ReduceOnly)], &[&guardian], code(ErrorCode::GuardianCannotLoosen)).await;
        h.ok(&[set(&admin, target, MarketStatus::Active)], &[&admin]).await;
    }
    let ex = h.exchange_state().await;
    assert_eq!(ex.status, MarketStatus::Active as u8);
    let stranger = Keypair::new();
    h.expect_failure(&[set(&stranger, None, MarketStatus::Paused)], &[&stranger], code(ErrorCode::NotAdminOrGuardian)).await;
    // A market's effective status is the stricter of its own and the exchange's.
    h.ok(&[set(&guardian, None, MarketStatus::ReduceOnly)], &[&guardian]).await;
    let m: Market = h.load(h.markets[0].address).await;
    assert_eq!(m.effective_status(MarketStatus::ReduceOnly), MarketStatus::ReduceOnly);
    assert_eq!(m.effective_status(MarketStatus::Paused), MarketStatus::Paused);
}

#[tokio::test]
async fn the_pool_is_funded_and_defunded_by_the_admin_within_its_balance() {
    let h = &mut Harness::new().await;
    let admin = h.admin.insecure_clone();
    let pool = h.exchange_state().await.pool_balance;
    h.ok(&[ix::defund_pool(admin.pubkey(), h.admin_token, 1_000 * USD, &h.all_markets())], &[&admin]).await;
    assert_eq!(h.exchange_state().await.pool_balance, pool - 1_000 * USD);
    let too_much = ix::defund_pool(admin.pubkey(), h.admin_token, pool, &h.all_markets());
    h.expect_failure(&[too_much], &[&admin], code(ErrorCode::InsufficientPoolBalance)).await;
    h.expect_failure(&[ix::fund_pool(admin.pubkey(), h.admin_token, 0)], &[&admin], code(ErrorCode::ZeroAmount)).await;
    h.expect_failure(&[ix::fund_pool(admin.pubkey(), h.admin_token, u64::MAX)], &[&admin], code(ErrorCode::AmountTooLarge)).await;
    let guardian = h.guardian.insecure_clone();
    let g_token = h.create_token_account(guardian.pubkey(), h.mint).await;
    h.mint_to(g_token, 10 * USD).await;
    h.expect_failure(&[ix::fund_pool(guardian.pubkey(), g_token, USD)], &[&guardian], code(ErrorCode::NotAdmin)).await;
    h.expect_failure(&[ix::defund_pool(guardian.pubkey(), g_token, USD, &h.all_markets())], &[&guardian], code(ErrorCode::NotAdmin)).await;
    let other_mint = h.create_mint(6).await;
    let foreign = h.create_token_account(admin.pubkey(), other_mint).await;
    h.expect_failure(&[ix::defund_pool(admin.pubkey(), foreign, USD, &h.all_markets())], &[&admin], code(ErrorCode::WrongMint)).await;
}

#[tokio::test]
async fn only_the_oracle_authority_publishes_and_never_from_the_future() {
    let h = &mut Harness::new().await;
    let oracle = h.markets[0].oracle;
    let stranger = Keypair::new();
    let forged = ix::update_push_oracle(stranger.pubkey(), oracle, oracle_price(1.0), 0, None);
    h.expect_failure(&[forged], &[&stranger], code(ErrorCode::NotOracleAuthority)).await;
    let auth = h.oracle_authority.insecure_clone();
    let future = ix::update_push_oracle(auth.pubkey(), oracle, oracle_price(1.0), 0, Some(h.now + 1_000));
    h.expect_failure(&[future], &[&auth], code(ErrorCode::OraclePublishTimeInFuture)).await;
    h.set_price(0, 51_234.5, 10.0).await;
    let o: ballast::state::PushOracle = h.load(oracle).await;
    assert_eq!((o.price, o.conf, o.publish_time), (oracle_price(51_234.5), oracle_price(10.0) as u64, h.now));
    // A push oracle with an absurd exponent cannot be created.
    let bad = Keypair::new();
    let payer = h.payer();
    let create = ix::create_push_oracle(payer, auth.pubkey(), bad.pubkey(), 40, 1, 0);
    h.expect_failure(&[create], &[&auth, &bad], code(ErrorCode::InvalidOracleExponent)).await;
}

#[tokio::test]
async fn the_insurance_fund_is_seeded_and_withdrawn_only_above_one_percent_of_open_notional() {
    use ballast::state::MarginMode;
    let h = &mut Harness::new().await;
    let admin = h.admin.insecure_clone();
    let insurance0 = h.exchange_state().await.insurance_balance;
    h.ok(&[ix::fund_insurance(admin.pubkey(), h.admin_token, 1_000 * USD)], &[&admin]).await;
    if let Some(e) = h.events::<ballast::events::InsuranceFunded>() {
        assert_eq!((e[0].amount, e[0].deposit, e[0].insurance_after), (1_000 * USD, true, insurance0 + 1_000 * USD));
    }
    // 1 BTC long (cross) and 0.5 BTC short (isolated) open: $75,000 of open notional at
    // $50,000, so the fund keeps $750.
    let (alice, bob) = (h.user("alice", 100_000 * USD).await, h.user("bob", 100_000 * USD).await);
    h.deposit(&alice, 20_000 * USD).await;
    h.deposit(&bob, 20_000 * USD).await;
    h.trade(&alice, 0, UNIT, MarginMode::Cross, 10).await;
    h.trade(&bob, 0, -UNIT / 2, MarginMode::Isolated, 5).await;
    let free = insurance0 + 250 * USD;
    let over = ix::withdraw_insurance(admin.pubkey(), h.admin_token, free + 1, &h.all_markets());
    h.expect_failure(&[over], &[&admin], code(ErrorCode::InsuranceFloorRequired)).await;
    let wallet = h.token_balance(h.admin_token).await;
    h.ok(&[ix::withdraw_insurance(admin.pubkey(), h.admin_token, free, &h.all_markets())], &[&admin]).await;
    if let Some(e) = h.events::<ballast::events::InsuranceFunded>() {
        assert_eq!((e[0].amount, e[0].deposit, e[0].insurance_after, e[0].floor), (free, false, 750 * USD, 750 * USD));
    }
    assert_eq!(h.exchange_state().await.insurance_balance, 750 * USD);
    assert_eq!(h.token_balance(h.admin_token).await, wallet + free);
    // The floor follows the price: at $52,000 it is 1% × 1.5 × $52,000 = $780, above the
    // $750 left.
    h.set_price(0, 52_000.0, 5.0).await;
    let one = ix::withdraw_insurance(admin.pubkey(), h.admin_token, 1, &h.all_markets());
    h.expect_failure(&[one], &[&admin], code(ErrorCode::InsuranceFloorRequired)).await;
    // Every market must be valued: a missing one could hide open interest.
    h.expect_failure(&[ix::withdraw_insurance(admin.pubkey(), h.admin_token, 1, &[])], &[&admin], code(ErrorCode::ReserveAccountsMismatch))
        .await;
    let everything = ix::withdraw_insurance(admin.pubkey(), h.admin_token, 750 * USD + 1, &h.all_markets());
    h.expect_failure(&[everything], &[&admin], code(ErrorCode::InsufficientInsuranceBalance)).await;
    // Once every position is closed the floor is zero and the fund can be emptied.
    h.trade(&alice, 0, -UNIT, MarginMode::Cross, 0).await;
    h.trade(&bob, 0, UNIT / 2, MarginMode::Isolated, 0).await;
    h.ok(&[ix::withdraw_insurance(admin.pubkey(), h.admin_token, 750 * USD, &h.all_markets())], &[&admin]).await;
    assert_eq!(h.exchange_state().await.insurance_balance, 0);
    h.expect_failure(&[ix::fund_insurance(admin.pubkey(), h.admin_token, 0)], &[&admin], code(ErrorCode::ZeroAmount)).await;
    let foreign = h.create_mint(6).await;
    let foreign = h.create_token_account(admin.pubkey(), foreign).await;
    h.expect_failure(&[ix::fund_insurance(admin.pubkey(), foreign, USD)], &[&admin], code(ErrorCode::WrongMint)).await;
}

#[tokio::test]
async fn protocol_fees_are_swept_to_a_treasury_and_nothing_else_moves() {
    use ballast::state::MarginMode;
    let h = &mut Harness::new().await;
    let admin = h.admin.insecure_clone();
    let alice = h.user("alice", 100_000 * USD).await;
    h.deposit(&alice, 10_000 * USD).await;
    // Fill $50,010.0005, fee $25.00500025 rounded up; 20% of it, rounded down, is the
    // protocol's (the trading tests derive it).
    h.trade(&alice, 0, UNIT, MarginMode::Cross, 10).await;
    let before = h.exchange_state().await;
    assert_eq!(before.fee_balance, 5_001_000);
    let treasury = h.create_token_account(Keypair::new().pubkey(), h.mint).await;
    let too_much = ix::sweep_fees(admin.pubkey(), treasury, 5_001_001);
    h.expect_failure(&[too_much], &[&admin], code(ErrorCode::InsufficientFeeBalance)).await;
    h.ok(&[ix::sweep_fees(admin.pubkey(), treasury, 1_000_000)], &[&admin]).await;
    if let Some(e) = h.events::<ballast::events::FeesSwept>() {
        assert_eq!((e[0].amount, e[0].treasury, e[0].fees_before, e[0].fees_after), (1_000_000, treasury, 5_001_000, 4_001_000));
    }
    h.ok(&[ix::sweep_fees(admin.pubkey(), treasury, 4_001_000)], &[&admin]).await;
    assert_eq!(h.token_balance(treasury).await, 5_001_000);
    let after = h.exchange_state().await;
    assert_eq!(after.fee_balance, 0);
    assert_eq!(
        (after.pool_balance, after.insurance_balance, after.account_claims),
        (before.pool_balance, before.insurance_balance, before.account_claims)
    );
    h.expect_failure(&[ix::sweep_fees(admin.pubkey(), treasury, 1)], &[&admin], code(ErrorCode::InsufficientFeeBalance)).await;
    h.expect_failure(&[ix::sweep_fees(admin.pubkey(), treasury, 0)], &[&admin], code(ErrorCode::ZeroAmount)).await;
    let foreign = h.create_mint(6).await;
    let foreign = h.create_token_account(admin.pubkey(), foreign).await;
    h.trade(&alice, 0, -UNIT, MarginMode::Cross, 0).await;
    h.expect_failure(&[ix::sweep_fees(admin.pubkey(), foreign, 1)], &[&admin], code(ErrorCode::WrongMint)).await;
}

#[tokio::test]
async fn the_guardian_and_strangers_can_neither_seed_nor_withdraw_insurance_nor_sweep_fees() {
    use ballast::state::MarginMode;
    let h = &mut Harness::new().await;
    let admin = h.admin.insecure_clone();
    h.ok(&[ix::fund_insurance(admin.pubkey(), h.admin_token, 100 * USD)], &[&admin]).await;
    let alice = h.user("alice", 100_000 * USD).await;
    h.deposit(&alice, 10_000 * USD).await;
    h.trade(&alice, 0, UNIT / 10, MarginMode::Cross, 10).await;
    let guardian = h.guardian.insecure_clone();
    let stranger = Keypair::new();
    h.airdrop(stranger.pubkey(), 1_000_000_000).await;
    for who in [&guardian, &stranger] {
        let token = h.create_token_account(who.pubkey(), h.mint).await;
        h.mint_to(token, 10 * USD).await;
        h.expect_failure(&[ix::fund_insurance(who.pubkey(), token, USD)], &[who], code(ErrorCode::NotAdmin)).await;
        let take = ix::withdraw_insurance(who.pubkey(), token, USD, &h.all_markets());
        h.expect_failure(&[take], &[who], code(ErrorCode::NotAdmin)).await;
        h.expect_failure(&[ix::sweep_fees(who.pubkey(), token, 1)], &[who], code(ErrorCode::NotAdmin)).await;
    }
    // Naming the admin without its signature is refused by the runtime.
    let mut unsigned = ix::sweep_fees(admin.pubkey(), h.admin_token, 1);
    unsigned.accounts[0].is_signer = false;
    h.expect_rejected(&[unsigned], &[]).await;
}

/// Sends without the harness's world checks (the world is broken on purpose) and
/// returns the program's error code.
#[allow(deprecated)] // `ProgramTestContext::payer`, as the harness reads it
async fn refused_code(h: &mut Harness, ixs: &[solana_instruction::Instruction], signers: &[&Keypair]) -> Option<u32> {
    let payer = h.ctx.payer.insecure_clone();
    let mut all: Vec<&Keypair> = vec![&payer];
    all.extend_from_slice(signers);
    let blockhash = h.ctx.banks_client.get_latest_blockhash().await.expect("blockhash");
    let tx = ballast_tests::rt::Transaction::new_signed_with_payer(ixs, Some(&payer.pubkey()), &all, blockhash);
    let res = h.ctx.banks_client.process_transaction_with_metadata(tx).await.expect("banks transport");
    res.result.err().and_then(|e| custom_code(&e))
}

#[tokio::test]
async fn a_broken_account_invariant_names_the_account_it_broke_in() {
    use anchor_lang::Discriminator;
    let h = &mut Harness::new().await;
    let market_key = h.markets[0].address;
    let oracle = h.markets[0].oracle;
    let alice = h.user("alice", 1_000 * USD).await;
    h.advance_time(60);
    h.set_price(0, 50_000.0, 5.0).await;
    // A market whose lot size is 0 cannot be written back: the crank refuses with the
    // market's own invariant error.
    let mut m: Market = h.load(market_key).await;
    m.lot_size = 0;
    h.set_account(market_key, ballast::ID, [Market::DISCRIMINATOR, bytemuck::bytes_of(&m)].concat());
    assert_eq!(refused_code(h, &[ix::update_funding(0, oracle)], &[]).await, Some(code(ErrorCode::MarketStateInvalid)));
    // A margin account whose delegate is its owner: the owner's deposit refuses with the
    // margin account's invariant error.
    let mut a: ballast::state::MarginAccount = h.load(alice.account).await;
    a.delegate = a.owner;
    h.set_account(alice.account, ballast::ID, [ballast::state::MarginAccount::DISCRIMINATOR, bytemuck::bytes_of(&a)].concat());
    let deposit = ix::deposit(alice.pubkey(), alice.account, alice.token, USD);
    assert_eq!(refused_code(h, &[deposit], &[&alice.key]).await, Some(code(ErrorCode::MarginAccountStateInvalid)));
}
