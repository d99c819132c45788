//! Creating a program account at its PDA from inside an instruction.

use anchor_lang::prelude::*;
use anchor_lang::system_program;

/// Creates the program-owned account `ai` of `space` bytes at the PDA signed by `seeds`
/// (bump included), paid by `payer`, and writes `discriminator`. Works even if someone
/// pre-funded the address (transfer + allocate + assign instead of create).
pub fn create<'info>(
    ai: &AccountInfo<'info>,
    payer: &AccountInfo<'info>,
    system: &AccountInfo<'info>,
    seeds: &[&[u8]],
    space: usize,
    discriminator: &[u8],
) -> Result<()> {
    let lamports = Rent::get()?.minimum_balance(space);
    let signer = &[seeds];
    if ai.lamports() == 0 {
        let accounts = system_program::CreateAccount { from: payer.clone(), to: ai.clone() };
        system_program::create_account(CpiContext::new_with_signer(system.key(), accounts, signer), lamports, space as u64, &crate::ID)?;
    } else {
        let top_up = lamports.saturating_sub(ai.lamports());
        if top_up > 0 {
            let accounts = system_program::Transfer { from: payer.clone(), to: ai.clone() };
            system_program::transfer(CpiContext::new(system.key(), accounts), top_up)?;
        }
        let accounts = system_program::Allocate { account_to_allocate: ai.clone() };
        system_program::allocate(CpiContext::new_with_signer(system.key(), accounts, signer), space as u64)?;
        let accounts = system_program::Assign { account_to_assign: ai.clone() };
        system_program::assign(CpiContext::new_with_signer(system.key(), accounts, signer), &crate::ID)?;
    }
    ai.try_borrow_mut_data()?[..discriminator.len()].copy_from_slice(discriminator);
    Ok(())
}
