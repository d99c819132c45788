//! Isolated-position accounts: existence, creation at their PDA, loading.

use anchor_lang::prelude::*;

use crate::constants::ISOLATED_SEED;
use crate::error::ErrorCode;
use crate::state::{load_checked, load_checked_mut, IsolatedPosition, ACCOUNT_VERSION};

/// True once the PDA holds an `IsolatedPosition` of this program. An account whose data
/// is borrowed already (another of the instruction's own accounts passed here) counts as
/// existing, so that loading it reports the conflict instead of this check panicking.
pub fn exists(ai: &AccountInfo) -> bool {
    *ai.owner == crate::ID && ai.try_data_len().map_or(true, |len| len > 0)
}

/// Loads an existing isolated position and checks that it belongs to `margin_account` and `market_index`.
pub fn load_mut<'a>(ai: &'a AccountInfo, margin_account: &Pubkey, market_index: u16) -> Result<core::cell::RefMut<'a, IsolatedPosition>> {
    let p = load_checked_mut::<IsolatedPosition>(ai)?;
    require!(p.margin_account == *margin_account && p.market_index == market_index, ErrorCode::WrongIsolatedPosition);
    Ok(p)
}

/// Checks that `ai` is `margin_account`'s isolated position account for `market_index`,
/// without a PDA search where none is needed. An existing account is identified by its
/// contents: only this program writes an `IsolatedPosition`, and only at its PDA, so its
/// recorded margin account and market identify it. An empty account matters only when
/// the margin account has isolated positions (it then stands for "none in this market"),
/// and must then be the PDA itself.
pub fn verify_address(ai: &AccountInfo, margin_account: &Pubkey, market_index: u16, isolated_count: u8) -> Result<()> {
    if exists(ai) {
        let p = load_checked::<IsolatedPosition>(ai)?;
        require!(p.margin_account == *margin_account && p.market_index == market_index, ErrorCode::WrongIsolatedPosition);
    } else if isolated_count > 0 {
        pda_bump(ai, margin_account, market_index)?;
    }
    Ok(())
}

/// Checks that `ai` is `margin_account`'s isolated position account for `market_index`
/// (as [`verify_address`] does) and borrows the position when the account exists.
pub fn load_for<'a>(
    ai: &'a AccountInfo,
    margin_account: &Pubkey,
    market_index: u16,
    isolated_count: u8,
) -> Result<Option<core::cell::RefMut<'a, IsolatedPosition>>> {
    if exists(ai) {
        return Ok(Some(load_mut(ai, margin_account, market_index)?));
    }
    if isolated_count > 0 {
        pda_bump(ai, margin_account, market_index)?;
    }
    Ok(None)
}

/// The bump of the isolated position PDA, after checking that `ai` is that PDA.
pub fn pda_bump(ai: &AccountInfo, margin_account: &Pubkey, market_index: u16) -> Result<u8> {
    let (pda, bump) = Pubkey::find_program_address(&[ISOLATED_SEED, margin_account.as_ref(), &market_index.to_le_bytes()], &crate::ID);
    require_keys_eq!(ai.key(), pda, anchor_lang::error::ErrorCode::ConstraintSeeds);
    Ok(bump)
}

/// Creates the isolated position PDA `["isolated", margin_account, market_index]` paid by
/// `payer`. Works even if someone pre-funded the address (transfer + allocate + assign).
pub fn create<'info>(
    ai: &AccountInfo<'info>,
    payer: &AccountInfo<'info>,
    system: &AccountInfo<'info>,
    margin_account: &Pubkey,
    market_index: u16,
    bump: u8,
) -> Result<()> {
    let index = market_index.to_le_bytes();
    let bump_bytes = [bump];
    let seeds: &[&[u8]] = &[ISOLATED_SEED, margin_account.as_ref(), &index, &bump_bytes];
    super::pda::create(ai, payer, system, seeds, IsolatedPosition::SPACE, IsolatedPosition::DISCRIMINATOR)?;
    let mut p = load_checked_mut::<IsolatedPosition>(ai)?;
    p.version = ACCOUNT_VERSION;
    p.bump = bump;
    p.margin_account = *margin_account;
    p.market_index = market_index;
    p.leverage = 1;
    p.mode = crate::state::IsolatedMode::Isolated.as_u8();
    Ok(())
}
