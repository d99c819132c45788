use anchor_lang::prelude::*;

use crate::error::ErrorCode;
use crate::events::{AuthorityAccepted, AuthorityProposed};
use crate::state::Exchange;

/// Which authority a rotation changes.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub enum AuthorityRole {
    Admin,
    Guardian,
}

#[derive(Accounts)]
pub struct ProposeAuthority<'info> {
    /// The admin proposes both roles.
    pub admin: Signer<'info>,
    /// The exchange singleton (PDA `["exchange"]`).
    #[account(mut, has_one = admin @ ErrorCode::NotAdmin)]
    pub exchange: AccountLoader<'info, Exchange>,
}

#[derive(Accounts)]
pub struct AcceptAuthority<'info> {
    /// The proposed key: it proves it can sign before it holds the role.
    pub new_authority: Signer<'info>,
    /// The exchange singleton (PDA `["exchange"]`), holding the proposal.
    #[account(mut)]
    pub exchange: AccountLoader<'info, Exchange>,
}

/// Step one of a rotation: the admin names the next admin or guardian (a multisig vault
/// address works). `Pubkey::default()` cancels a pending proposal. Nothing changes until
/// the proposed key accepts, so a typo cannot lock the exchange.
pub fn propose_authority(ctx: Context<ProposeAuthority>, role: AuthorityRole, proposed: Pubkey) -> Result<()> {
    let mut ex = ctx.accounts.exchange.load_mut()?;
    let current = match role {
        AuthorityRole::Admin => {
            ex.pending_admin = proposed;
            ex.admin
        }
        AuthorityRole::Guardian => {
            ex.pending_guardian = proposed;
            ex.guardian
        }
    };
    ex.invariant()?;
    emit!(AuthorityProposed { role: role as u8, current, proposed });
    Ok(())
}

/// Step two: the proposed key signs and takes the role.
pub fn accept_authority(ctx: Context<AcceptAuthority>, role: AuthorityRole) -> Result<()> {
    let signer = ctx.accounts.new_authority.key();
    let mut ex = ctx.accounts.exchange.load_mut()?;
    let (pending, current) = match role {
        AuthorityRole::Admin => (ex.pending_admin, ex.admin),
        AuthorityRole::Guardian => (ex.pending_guardian, ex.guardian),
    };
    require!(pending != Pubkey::default(), ErrorCode::NoPendingAuthority);
    require_keys_eq!(pending, signer, ErrorCode::NotPendingAuthority);
    match role {
        AuthorityRole::Admin => (ex.admin, ex.pending_admin) = (signer, Pubkey::default()),
        AuthorityRole::Guardian => (ex.guardian, ex.pending_guardian) = (signer, Pubkey::default()),
    }
    ex.invariant()?;
    emit!(AuthorityAccepted { role: role as u8, before: current, after: signer });
    Ok(())
}
