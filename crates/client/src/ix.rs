//! Instruction builders and PDA helpers, from the program's own Anchor-generated
//! account and argument types (the same layout the IDL gives front-ends).

use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::instruction::{AccountMeta, Instruction};
use anchor_lang::{InstructionData, ToAccountMetas};
use ballast::constants::{EXCHANGE_SEED, ISOLATED_SEED, MARGIN_SEED, MARKET_SEED, PRICE_BOOK_SEED, VAULT_SEED};
use ballast::instructions::{AuthorityRole, ExchangeParams};
use ballast::state::{MarginMode, MarketParams, MarketStatus, OracleKind};

pub const TOKEN_PROGRAM: Pubkey = spl_token_interface::ID;
pub const SYSTEM_PROGRAM: Pubkey = anchor_lang::system_program::ID;

pub fn exchange_pda() -> Pubkey {
    Pubkey::find_program_address(&[EXCHANGE_SEED], &ballast::ID).0
}

pub fn vault_pda() -> Pubkey {
    Pubkey::find_program_address(&[VAULT_SEED, exchange_pda().as_ref()], &ballast::ID).0
}

pub fn market_pda(index: u16) -> Pubkey {
    Pubkey::find_program_address(&[MARKET_SEED, &index.to_le_bytes()], &ballast::ID).0
}

pub fn margin_pda(owner: &Pubkey, sub_id: u16) -> Pubkey {
    Pubkey::find_program_address(&[MARGIN_SEED, owner.as_ref(), &sub_id.to_le_bytes()], &ballast::ID).0
}

pub fn isolated_pda(margin_account: &Pubkey, market_index: u16) -> Pubkey {
    Pubkey::find_program_address(&[ISOLATED_SEED, margin_account.as_ref(), &market_index.to_le_bytes()], &ballast::ID).0
}

/// The price book. Passed alone as the health accounts of a cross-reading instruction,
/// it replaces the `[market, oracle]` pairs (its entries must be fresh: see `refresh_prices`).
pub fn price_book_pda() -> Pubkey {
    Pubkey::find_program_address(&[PRICE_BOOK_SEED], &ballast::ID).0
}

fn with_health(mut accounts: Vec<AccountMeta>, health: &[Pubkey]) -> Vec<AccountMeta> {
    accounts.extend(health.iter().map(|k| AccountMeta::new_readonly(*k, false)));
    accounts
}

fn ix(accounts: Vec<AccountMeta>, data: Vec<u8>) -> Instruction {
    Instruction { program_id: ballast::ID, accounts, data }
}

pub fn initialize_exchange(admin: Pubkey, mint: Pubkey, params: ExchangeParams) -> Instruction {
    ix(
        ballast::accounts::InitializeExchange {
            admin,
            exchange: exchange_pda(),
            collateral_mint: mint,
            vault: vault_pda(),
            token_program: TOKEN_PROGRAM,
            system_program: SYSTEM_PROGRAM,
        }
        .to_account_metas(None),
        ballast::instruction::InitializeExchange { params }.data(),
    )
}

pub fn create_market(
    admin: Pubkey,
    market_index: u16,
    oracle: Pubkey,
    oracle_kind: OracleKind,
    feed_id: [u8; 32],
    params: MarketParams,
) -> Instruction {
    ix(
        ballast::accounts::CreateMarket {
            admin,
            exchange: exchange_pda(),
            market: market_pda(market_index),
            oracle,
            system_program: SYSTEM_PROGRAM,
        }
        .to_account_metas(None),
        ballast::instruction::CreateMarket { market_index, oracle_kind, feed_id, params }.data(),
    )
}

pub fn update_market(admin: Pubkey, market: Pubkey, params: MarketParams) -> Instruction {
    ix(
        ballast::accounts::UpdateMarket { admin, exchange: exchange_pda(), market }.to_account_metas(None),
        ballast::instruction::UpdateMarket { params }.data(),
    )
}

/// `market`: `None` for the exchange-wide status; `Some((market, oracle))` for a market,
/// with its oracle so that funding accrues up to the change.
pub fn set_pause(signer: Pubkey, market: Option<(Pubkey, Pubkey)>, status: MarketStatus) -> Instruction {
    ix(
        ballast::accounts::SetPause { signer, exchange: exchange_pda(), market: market.map(|m| m.0), oracle: market.map(|m| m.1) }
            .to_account_metas(None),
        ballast::instruction::SetPause { status }.data(),
    )
}

pub fn propose_authority(admin: Pubkey, role: AuthorityRole, proposed: Pubkey) -> Instruction {
    ix(
        ballast::accounts::ProposeAuthority { admin, exchange: exchange_pda() }.to_account_metas(None),
        ballast::instruction::ProposeAuthority { role, proposed }.data(),
    )
}

pub fn accept_authority(new_authority: Pubkey, role: AuthorityRole) -> Instruction {
    ix(
        ballast::accounts::AcceptAuthority { new_authority, exchange: exchange_pda() }.to_account_metas(None),
        ballast::instruction::AcceptAuthority { role }.data(),
    )
}

/// Credits tokens sent straight to the vault to the insurance fund (anyone may call it).
pub fn sync_vault() -> Instruction {
    ix(
        ballast::accounts::SyncVault { exchange: exchange_pda(), vault: vault_pda() }.to_account_metas(None),
        ballast::instruction::SyncVault {}.data(),
    )
}

/// Settles the unsettled profit of `margin_account`'s cross slot in `market_index`, or of
/// its isolated position there when `isolated` (anyone may call it).
pub fn settle_pnl(margin_account: Pubkey, market_index: u16, isolated: bool) -> Instruction {
    ix(
        ballast::accounts::SettlePnl {
            exchange: exchange_pda(),
            market: market_pda(market_index),
            margin_account,
            isolated_position: isolated.then(|| isolated_pda(&margin_account, market_index)),
        }
        .to_account_metas(None),
        ballast::instruction::SettlePnl {}.data(),
    )
}

pub fn fund_pool(admin: Pubkey, admin_token: Pubkey, amount: u64) -> Instruction {
    ix(pool_accounts(admin, admin_token), ballast::instruction::FundPool { amount }.data())
}

/// `markets`: `[market, oracle]` for every market, in index order (the pool reserve is
/// taken over all of them).
pub fn defund_pool(admin: Pubkey, admin_token: Pubkey, amount: u64, markets: &[Pubkey]) -> Instruction {
    ix(with_health(pool_accounts(admin, admin_token), markets), ballast::instruction::DefundPool { amount }.data())
}

pub fn fund_insurance(admin: Pubkey, admin_token: Pubkey, amount: u64) -> Instruction {
    ix(pool_accounts(admin, admin_token), ballast::instruction::FundInsurance { amount }.data())
}

/// `markets`: `[market, oracle]` for every market, in index order (the insurance floor is
/// taken over all of them).
pub fn withdraw_insurance(admin: Pubkey, admin_token: Pubkey, amount: u64, markets: &[Pubkey]) -> Instruction {
    ix(with_health(pool_accounts(admin, admin_token), markets), ballast::instruction::WithdrawInsurance { amount }.data())
}

pub fn sweep_fees(admin: Pubkey, treasury: Pubkey, amount: u64) -> Instruction {
    ix(
        ballast::accounts::SweepFees { admin, exchange: exchange_pda(), vault: vault_pda(), treasury, token_program: TOKEN_PROGRAM }
            .to_account_metas(None),
        ballast::instruction::SweepFees { amount }.data(),
    )
}

fn pool_accounts(admin: Pubkey, admin_token: Pubkey) -> Vec<AccountMeta> {
    ballast::accounts::AdminTransfer { admin, exchange: exchange_pda(), vault: vault_pda(), admin_token, token_program: TOKEN_PROGRAM }
        .to_account_metas(None)
}

pub fn create_push_oracle(payer: Pubkey, authority: Pubkey, oracle: Pubkey, exponent: i32, price: i64, conf: u64) -> Instruction {
    ix(
        ballast::accounts::CreatePushOracle { payer, authority, oracle, system_program: SYSTEM_PROGRAM }.to_account_metas(None),
        ballast::instruction::CreatePushOracle { exponent, price, conf }.data(),
    )
}

pub fn update_push_oracle(authority: Pubkey, oracle: Pubkey, price: i64, conf: u64, publish_time: Option<i64>) -> Instruction {
    ix(
        ballast::accounts::UpdatePushOracle { authority, oracle }.to_account_metas(None),
        ballast::instruction::UpdatePushOracle { price, conf, publish_time }.data(),
    )
}

pub fn create_margin_account(owner: Pubkey, sub_id: u16) -> Instruction {
    ix(
        ballast::accounts::CreateMarginAccount { owner, margin_account: margin_pda(&owner, sub_id), system_program: SYSTEM_PROGRAM }
            .to_account_metas(None),
        ballast::instruction::CreateMarginAccount { sub_id }.data(),
    )
}

pub fn close_margin_account(owner: Pubkey, margin_account: Pubkey) -> Instruction {
    ix(
        ballast::accounts::CloseMarginAccount { owner, margin_account }.to_account_metas(None),
        ballast::instruction::CloseMarginAccount {}.data(),
    )
}

pub fn set_delegate(owner: Pubkey, margin_account: Pubkey, delegate: Pubkey) -> Instruction {
    ix(
        ballast::accounts::SetDelegate { owner, margin_account }.to_account_metas(None),
        ballast::instruction::SetDelegate { delegate }.data(),
    )
}

pub fn deposit(authority: Pubkey, margin_account: Pubkey, source: Pubkey, amount: u64) -> Instruction {
    ix(
        ballast::accounts::Deposit {
            authority,
            exchange: exchange_pda(),
            margin_account,
            vault: vault_pda(),
            source,
            token_program: TOKEN_PROGRAM,
        }
        .to_account_metas(None),
        ballast::instruction::Deposit { amount }.data(),
    )
}

/// `health` holds `[market, oracle]` per cross slot in health (open, or holding unsettled
/// profit), in slot order. The markets are passed writable: a withdrawal may realise profit
/// from them (their aggregate cost basis changes).
pub fn withdraw(owner: Pubkey, margin_account: Pubkey, destination: Pubkey, amount: u64, health: &[Pubkey]) -> Instruction {
    let mut accounts = ballast::accounts::Withdraw {
        owner,
        exchange: exchange_pda(),
        margin_account,
        vault: vault_pda(),
        destination,
        token_program: TOKEN_PROGRAM,
    }
    .to_account_metas(None);
    // Markets (even positions) writable, oracles read-only; the price book alone read-only.
    let pairs = health.len().is_multiple_of(2);
    accounts.extend(health.iter().enumerate().map(|(i, k)| {
        if pairs && i % 2 == 0 {
            AccountMeta::new(*k, false)
        } else {
            AccountMeta::new_readonly(*k, false)
        }
    }));
    ix(accounts, ballast::instruction::Withdraw { amount }.data())
}

/// `health`: `[market, oracle]` per cross slot in health other than `market_index`, in slot order.
#[allow(clippy::too_many_arguments)]
pub fn trade(
    authority: Pubkey,
    margin_account: Pubkey,
    market_index: u16,
    oracle: Pubkey,
    base_delta: i64,
    limit_price: u64,
    mode: MarginMode,
    leverage: u16,
    health: &[Pubkey],
) -> Instruction {
    let accounts = ballast::accounts::Trade {
        authority,
        exchange: exchange_pda(),
        margin_account,
        market: market_pda(market_index),
        oracle,
        isolated_position: isolated_pda(&margin_account, market_index),
        system_program: SYSTEM_PROGRAM,
    }
    .to_account_metas(None);
    ix(with_health(accounts, health), ballast::instruction::Trade { base_delta, limit_price, mode, leverage }.data())
}

fn adjust_accounts(authority: Pubkey, margin_account: Pubkey, market_index: u16, oracle: Pubkey) -> ballast::accounts::AdjustPosition {
    ballast::accounts::AdjustPosition {
        authority,
        exchange: exchange_pda(),
        margin_account,
        market: market_pda(market_index),
        oracle,
        isolated_position: isolated_pda(&margin_account, market_index),
    }
}

pub fn set_leverage(
    authority: Pubkey,
    margin_account: Pubkey,
    market_index: u16,
    oracle: Pubkey,
    leverage: u16,
    health: &[Pubkey],
) -> Instruction {
    let accounts = adjust_accounts(authority, margin_account, market_index, oracle).to_account_metas(None);
    ix(with_health(accounts, health), ballast::instruction::SetLeverage { leverage }.data())
}

pub fn add_isolated_margin(
    authority: Pubkey,
    margin_account: Pubkey,
    market_index: u16,
    oracle: Pubkey,
    amount: u64,
    health: &[Pubkey],
) -> Instruction {
    let accounts = adjust_accounts(authority, margin_account, market_index, oracle).to_account_metas(None);
    ix(with_health(accounts, health), ballast::instruction::AddIsolatedMargin { amount }.data())
}

pub fn remove_isolated_margin(authority: Pubkey, margin_account: Pubkey, market_index: u16, oracle: Pubkey, amount: u64) -> Instruction {
    let accounts = adjust_accounts(authority, margin_account, market_index, oracle).to_account_metas(None);
    ix(accounts, ballast::instruction::RemoveIsolatedMargin { amount }.data())
}

pub fn update_funding(market_index: u16, oracle: Pubkey) -> Instruction {
    ix(
        ballast::accounts::UpdateFunding { exchange: exchange_pda(), market: market_pda(market_index), oracle }.to_account_metas(None),
        ballast::instruction::UpdateFunding {}.data(),
    )
}

pub fn init_price_book(payer: Pubkey) -> Instruction {
    ix(
        ballast::accounts::InitPriceBook { payer, price_book: price_book_pda(), system_program: SYSTEM_PROGRAM }.to_account_metas(None),
        ballast::instruction::InitPriceBook {}.data(),
    )
}

/// Refreshes the price book's entries of the given `(market, oracle)` pairs.
pub fn refresh_prices(markets: &[(Pubkey, Pubkey)]) -> Instruction {
    let accounts = ballast::accounts::RefreshPrices { exchange: exchange_pda(), price_book: price_book_pda() }.to_account_metas(None);
    let pairs: Vec<Pubkey> = markets.iter().flat_map(|(m, o)| [*m, *o]).collect();
    ix(with_health(accounts, &pairs), ballast::instruction::RefreshPrices {}.data())
}

pub fn account_health(margin_account: Pubkey, health: &[Pubkey]) -> Instruction {
    let accounts = ballast::accounts::AccountHealth { exchange: exchange_pda(), margin_account }.to_account_metas(None);
    ix(with_health(accounts, health), ballast::instruction::AccountHealth {}.data())
}

pub fn close_isolated_position(owner: Pubkey, margin_account: Pubkey, market_index: u16) -> Instruction {
    ix(
        ballast::accounts::CloseIsolatedPosition { owner, margin_account, isolated_position: isolated_pda(&margin_account, market_index) }
            .to_account_metas(None),
        ballast::instruction::CloseIsolatedPosition {}.data(),
    )
}

pub fn liquidate_isolated(
    keeper: Pubkey,
    keeper_token: Pubkey,
    margin_account: Pubkey,
    market_index: u16,
    oracle: Pubkey,
    max_base: u64,
) -> Instruction {
    ix(
        ballast::accounts::LiquidateIsolated {
            keeper,
            exchange: exchange_pda(),
            market: market_pda(market_index),
            oracle,
            isolated_position: isolated_pda(&margin_account, market_index),
            margin_account,
            vault: vault_pda(),
            keeper_token,
            token_program: TOKEN_PROGRAM,
        }
        .to_account_metas(None),
        ballast::instruction::LiquidateIsolated { max_base }.data(),
    )
}

/// `markets`: `[market, oracle]` for every market, in index order (the pool's equity is
/// taken over all of them). `isolated`: deleverage the isolated position in `market_index`
/// instead of the cross slot.
pub fn auto_deleverage(
    keeper: Pubkey,
    margin_account: Pubkey,
    market_index: u16,
    oracle: Pubkey,
    isolated: bool,
    max_base: u64,
    markets: &[Pubkey],
) -> Instruction {
    ix(
        with_health(
            ballast::accounts::AutoDeleverage {
                keeper,
                exchange: exchange_pda(),
                market: market_pda(market_index),
                oracle,
                margin_account,
                isolated_position: isolated.then(|| isolated_pda(&margin_account, market_index)),
            }
            .to_account_metas(None),
            markets,
        ),
        ballast::instruction::AutoDeleverage { max_base }.data(),
    )
}

/// `health`: `[market, oracle]` per cross slot in health other than `market_index`, in slot order.
#[allow(clippy::too_many_arguments)]
pub fn liquidate_cross(
    keeper: Pubkey,
    keeper_token: Pubkey,
    margin_account: Pubkey,
    market_index: u16,
    oracle: Pubkey,
    max_base: u64,
    health: &[Pubkey],
) -> Instruction {
    let accounts = ballast::accounts::LiquidateCross {
        keeper,
        exchange: exchange_pda(),
        margin_account,
        market: market_pda(market_index),
        oracle,
        vault: vault_pda(),
        keeper_token,
        token_program: TOKEN_PROGRAM,
    }
    .to_account_metas(None);
    ix(with_health(accounts, health), ballast::instruction::LiquidateCross { max_base }.data())
}

pub fn set_margin_guard(
    owner: Pubkey,
    margin_account: Pubkey,
    market_index: u16,
    trigger_ratio_ppm: u32,
    top_up_amount: u64,
    max_total: u64,
) -> Instruction {
    ix(
        ballast::accounts::SetMarginGuard { owner, margin_account, isolated_position: isolated_pda(&margin_account, market_index) }
            .to_account_metas(None),
        ballast::instruction::SetMarginGuard { trigger_ratio_ppm, top_up_amount, max_total }.data(),
    )
}

/// `health`: `[market, oracle]` per cross slot in health other than `market_index`, in slot order.
pub fn execute_margin_guard(
    keeper: Pubkey,
    keeper_token: Pubkey,
    margin_account: Pubkey,
    market_index: u16,
    oracle: Pubkey,
    health: &[Pubkey],
) -> Instruction {
    let accounts = ballast::accounts::ExecuteMarginGuard {
        keeper,
        exchange: exchange_pda(),
        margin_account,
        market: market_pda(market_index),
        oracle,
        isolated_position: isolated_pda(&margin_account, market_index),
        vault: vault_pda(),
        keeper_token,
        token_program: TOKEN_PROGRAM,
    }
    .to_account_metas(None);
    ix(with_health(accounts, health), ballast::instruction::ExecuteMarginGuard {}.data())
}

pub fn trigger_book_pda(margin_account: &Pubkey) -> Pubkey {
    Pubkey::find_program_address(&[ballast::constants::TRIGGER_SEED, margin_account.as_ref()], &ballast::ID).0
}

pub fn place_trigger_order(authority: Pubkey, margin_account: Pubkey, params: ballast::instructions::TriggerOrderParams) -> Instruction {
    let market_index = params.market_index;
    ix(
        ballast::accounts::PlaceTriggerOrder {
            authority,
            margin_account,
            market: market_pda(market_index),
            isolated_position: isolated_pda(&margin_account, market_index),
            trigger_book: trigger_book_pda(&margin_account),
            system_program: SYSTEM_PROGRAM,
        }
        .to_account_metas(None),
        ballast::instruction::PlaceTriggerOrder { params }.data(),
    )
}

pub fn cancel_trigger_order(authority: Pubkey, margin_account: Pubkey, id: u32) -> Instruction {
    ix(
        ballast::accounts::CancelTriggerOrder { authority, margin_account, trigger_book: trigger_book_pda(&margin_account) }
            .to_account_metas(None),
        ballast::instruction::CancelTriggerOrder { id }.data(),
    )
}

/// `health`: `[market, oracle]` per cross slot in health other than `market_index`, in
/// slot order (what the order's close needs, as for `trade`).
pub fn execute_trigger_order(
    keeper: Pubkey,
    keeper_token: Pubkey,
    margin_account: Pubkey,
    id: u32,
    market_index: u16,
    oracle: Pubkey,
    health: &[Pubkey],
) -> Instruction {
    let accounts = ballast::accounts::ExecuteTriggerOrder {
        keeper,
        exchange: exchange_pda(),
        margin_account,
        market: market_pda(market_index),
        oracle,
        isolated_position: isolated_pda(&margin_account, market_index),
        trigger_book: trigger_book_pda(&margin_account),
        vault: vault_pda(),
        keeper_token,
        token_program: TOKEN_PROGRAM,
    };
    ix(with_health(accounts.to_account_metas(None), health), ballast::instruction::ExecuteTriggerOrder { id }.data())
}

pub fn close_trigger_book(owner: Pubkey, margin_account: Pubkey) -> Instruction {
    ix(
        ballast::accounts::CloseTriggerBook { owner, margin_account, trigger_book: trigger_book_pda(&margin_account) }
            .to_account_metas(None),
        ballast::instruction::CloseTriggerBook {}.data(),
    )
}
