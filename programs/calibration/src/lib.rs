//! Compute-unit calibration: a subset of the instructions of Anchor's own benchmark
//! program (`tests/bench` in the Anchor repository, whose compute units Anchor publishes
//! in `bench/COMPUTE_UNITS.md` for the official toolchain), with the same names and
//! account lists. Each instruction does nothing but Anchor's dispatch and account
//! validation, so measuring them with the toolchain and runtime that measure Ballast
//! says how this build's numbers compare with published ones. Not deployed anywhere.

// Anchor deprecates bare `AccountInfo` fields; the benchmark measures them, so do we.
#![allow(deprecated)]

use anchor_lang::prelude::*;
// The SBF build's memcpy/memset and integer libcalls.
#[cfg(target_os = "solana")]
use solana_compiler_builtins as _;

declare_id!("Bench11111111111111111111111111111111111111");

#[program]
pub mod calibration {
    use super::*;

    pub fn account_info1(_ctx: Context<AccountInfo1>) -> Result<()> {
        Ok(())
    }

    pub fn account_info2(_ctx: Context<AccountInfo2>) -> Result<()> {
        Ok(())
    }

    pub fn account_info4(_ctx: Context<AccountInfo4>) -> Result<()> {
        Ok(())
    }

    pub fn account_info8(_ctx: Context<AccountInfo8>) -> Result<()> {
        Ok(())
    }

    pub fn account_empty1(_ctx: Context<AccountEmpty1>) -> Result<()> {
        Ok(())
    }

    pub fn account_empty2(_ctx: Context<AccountEmpty2>) -> Result<()> {
        Ok(())
    }

    pub fn account_empty4(_ctx: Context<AccountEmpty4>) -> Result<()> {
        Ok(())
    }

    pub fn account_empty8(_ctx: Context<AccountEmpty8>) -> Result<()> {
        Ok(())
    }

    pub fn account_sized1(_ctx: Context<AccountSized1>) -> Result<()> {
        Ok(())
    }

    pub fn account_sized2(_ctx: Context<AccountSized2>) -> Result<()> {
        Ok(())
    }

    pub fn account_sized4(_ctx: Context<AccountSized4>) -> Result<()> {
        Ok(())
    }

    pub fn account_sized8(_ctx: Context<AccountSized8>) -> Result<()> {
        Ok(())
    }

    pub fn signer1(_ctx: Context<Signer1>) -> Result<()> {
        Ok(())
    }

    pub fn signer2(_ctx: Context<Signer2>) -> Result<()> {
        Ok(())
    }

    pub fn signer4(_ctx: Context<Signer4>) -> Result<()> {
        Ok(())
    }

    pub fn signer8(_ctx: Context<Signer8>) -> Result<()> {
        Ok(())
    }

    pub fn system_account1(_ctx: Context<SystemAccount1>) -> Result<()> {
        Ok(())
    }

    pub fn system_account2(_ctx: Context<SystemAccount2>) -> Result<()> {
        Ok(())
    }

    pub fn system_account4(_ctx: Context<SystemAccount4>) -> Result<()> {
        Ok(())
    }

    pub fn system_account8(_ctx: Context<SystemAccount8>) -> Result<()> {
        Ok(())
    }

    pub fn unchecked_account1(_ctx: Context<UncheckedAccount1>) -> Result<()> {
        Ok(())
    }

    pub fn unchecked_account2(_ctx: Context<UncheckedAccount2>) -> Result<()> {
        Ok(())
    }

    pub fn unchecked_account4(_ctx: Context<UncheckedAccount4>) -> Result<()> {
        Ok(())
    }

    pub fn unchecked_account8(_ctx: Context<UncheckedAccount8>) -> Result<()> {
        Ok(())
    }

    pub fn program1(_ctx: Context<Program1>) -> Result<()> {
        Ok(())
    }

    pub fn program2(_ctx: Context<Program2>) -> Result<()> {
        Ok(())
    }

    pub fn program4(_ctx: Context<Program4>) -> Result<()> {
        Ok(())
    }

    pub fn program8(_ctx: Context<Program8>) -> Result<()> {
        Ok(())
    }

    pub fn account_empty_init1(_ctx: Context<AccountEmptyInit1>) -> Result<()> {
        Ok(())
    }
}

#[account]
pub struct Empty {}

#[account]
pub struct Sized {
    pub field: [u8; 8],
}

#[derive(Accounts)]
pub struct AccountInfo1<'info> {
    /// CHECK: measured as is.
    pub account1: AccountInfo<'info>,
}

#[derive(Accounts)]
pub struct AccountInfo2<'info> {
    /// CHECK: measured as is.
    pub account1: AccountInfo<'info>,
    /// CHECK: measured as is.
    pub account2: AccountInfo<'info>,
}

#[derive(Accounts)]
pub struct AccountInfo4<'info> {
    /// CHECK: measured as is.
    pub account1: AccountInfo<'info>,
    /// CHECK: measured as is.
    pub account2: AccountInfo<'info>,
    /// CHECK: measured as is.
    pub account3: AccountInfo<'info>,
    /// CHECK: measured as is.
    pub account4: AccountInfo<'info>,
}

#[derive(Accounts)]
pub struct AccountInfo8<'info> {
    /// CHECK: measured as is.
    pub account1: AccountInfo<'info>,
    /// CHECK: measured as is.
    pub account2: AccountInfo<'info>,
    /// CHECK: measured as is.
    pub account3: AccountInfo<'info>,
    /// CHECK: measured as is.
    pub account4: AccountInfo<'info>,
    /// CHECK: measured as is.
    pub account5: AccountInfo<'info>,
    /// CHECK: measured as is.
    pub account6: AccountInfo<'info>,
    /// CHECK: measured as is.
    pub account7: AccountInfo<'info>,
    /// CHECK: measured as is.
    pub account8: AccountInfo<'info>,
}

#[derive(Accounts)]
pub struct AccountEmpty1<'info> {
    pub account1: Account<'info, Empty>,
}

#[derive(Accounts)]
pub struct AccountEmpty2<'info> {
    pub account1: Account<'info, Empty>,
    pub account2: Account<'info, Empty>,
}

#[derive(Accounts)]
pub struct AccountEmpty4<'info> {
    pub account1: Account<'info, Empty>,
    pub account2: Account<'info, Empty>,
    pub account3: Account<'info, Empty>,
    pub account4: Account<'info, Empty>,
}

#[derive(Accounts)]
pub struct AccountEmpty8<'info> {
    pub account1: Account<'info, Empty>,
    pub account2: Account<'info, Empty>,
    pub account3: Account<'info, Empty>,
    pub account4: Account<'info, Empty>,
    pub account5: Account<'info, Empty>,
    pub account6: Account<'info, Empty>,
    pub account7: Account<'info, Empty>,
    pub account8: Account<'info, Empty>,
}

#[derive(Accounts)]
pub struct AccountSized1<'info> {
    pub account1: Account<'info, Sized>,
}

#[derive(Accounts)]
pub struct AccountSized2<'info> {
    pub account1: Account<'info, Sized>,
    pub account2: Account<'info, Sized>,
}

#[derive(Accounts)]
pub struct AccountSized4<'info> {
    pub account1: Account<'info, Sized>,
    pub account2: Account<'info, Sized>,
    pub account3: Account<'info, Sized>,
    pub account4: Account<'info, Sized>,
}

#[derive(Accounts)]
pub struct AccountSized8<'info> {
    pub account1: Account<'info, Sized>,
    pub account2: Account<'info, Sized>,
    pub account3: Account<'info, Sized>,
    pub account4: Account<'info, Sized>,
    pub account5: Account<'info, Sized>,
    pub account6: Account<'info, Sized>,
    pub account7: Account<'info, Sized>,
    pub account8: Account<'info, Sized>,
}

#[derive(Accounts)]
pub struct Signer1<'info> {
    pub account1: Signer<'info>,
}

#[derive(Accounts)]
pub struct Signer2<'info> {
    pub account1: Signer<'info>,
    pub account2: Signer<'info>,
}

#[derive(Accounts)]
pub struct Signer4<'info> {
    pub account1: Signer<'info>,
    pub account2: Signer<'info>,
    pub account3: Signer<'info>,
    pub account4: Signer<'info>,
}

#[derive(Accounts)]
pub struct Signer8<'info> {
    pub account1: Signer<'info>,
    pub account2: Signer<'info>,
    pub account3: Signer<'info>,
    pub account4: Signer<'info>,
    pub account5: Signer<'info>,
    pub account6: Signer<'info>,
    pub account7: Signer<'info>,
    pub account8: Signer<'info>,
}

#[derive(Accounts)]
pub struct SystemAccount1<'info> {
    pub account1: SystemAccount<'info>,
}

#[derive(Accounts)]
pub struct SystemAccount2<'info> {
    pub account1: SystemAccount<'info>,
    pub account2: SystemAccount<'info>,
}

#[derive(Accounts)]
pub struct SystemAccount4<'info> {
    pub account1: SystemAccount<'info>,
    pub account2: SystemAccount<'info>,
    pub account3: SystemAccount<'info>,
    pub account4: SystemAccount<'info>,
}

#[derive(Accounts)]
pub struct SystemAccount8<'info> {
    pub account1: SystemAccount<'info>,
    pub account2: SystemAccount<'info>,
    pub account3: SystemAccount<'info>,
    pub account4: SystemAccount<'info>,
    pub account5: SystemAccount<'info>,
    pub account6: SystemAccount<'info>,
    pub account7: SystemAccount<'info>,
    pub account8: SystemAccount<'info>,
}

#[derive(Accounts)]
pub struct UncheckedAccount1<'info> {
    /// CHECK: measured as is.
    pub account1: UncheckedAccount<'info>,
}

#[derive(Accounts)]
pub struct UncheckedAccount2<'info> {
    /// CHECK: measured as is.
    pub account1: UncheckedAccount<'info>,
    /// CHECK: measured as is.
    pub account2: UncheckedAccount<'info>,
}

#[derive(Accounts)]
pub struct UncheckedAccount4<'info> {
    /// CHECK: measured as is.
    pub account1: UncheckedAccount<'info>,
    /// CHECK: measured as is.
    pub account2: UncheckedAccount<'info>,
    /// CHECK: measured as is.
    pub account3: UncheckedAccount<'info>,
    /// CHECK: measured as is.
    pub account4: UncheckedAccount<'info>,
}

#[derive(Accounts)]
pub struct UncheckedAccount8<'info> {
    /// CHECK: measured as is.
    pub account1: UncheckedAccount<'info>,
    /// CHECK: measured as is.
    pub account2: UncheckedAccount<'info>,
    /// CHECK: measured as is.
    pub account3: UncheckedAccount<'info>,
    /// CHECK: measured as is.
    pub account4: UncheckedAccount<'info>,
    /// CHECK: measured as is.
    pub account5: UncheckedAccount<'info>,
    /// CHECK: measured as is.
    pub account6: UncheckedAccount<'info>,
    /// CHECK: measured as is.
    pub account7: UncheckedAccount<'info>,
    /// CHECK: measured as is.
    pub account8: UncheckedAccount<'info>,
}

#[derive(Accounts)]
pub struct Program1<'info> {
    pub account1: Program<'info, System>,
}

#[derive(Accounts)]
pub struct Program2<'info> {
    pub account1: Program<'info, System>,
    pub account2: Program<'info, System>,
}

#[derive(Accounts)]
pub struct Program4<'info> {
    pub account1: Program<'info, System>,
    pub account2: Program<'info, System>,
    pub account3: Program<'info, System>,
    pub account4: Program<'info, System>,
}

#[derive(Accounts)]
pub struct Program8<'info> {
    pub account1: Program<'info, System>,
    pub account2: Program<'info, System>,
    pub account3: Program<'info, System>,
    pub account4: Program<'info, System>,
    pub account5: Program<'info, System>,
    pub account6: Program<'info, System>,
    pub account7: Program<'info, System>,
    pub account8: Program<'info, System>,
}

#[derive(Accounts)]
pub struct AccountEmptyInit1<'info> {
    #[account(mut)]
    pub payer: Signer<'info>,
    #[account(init, payer = payer, space = 8)]
    pub account1: Account<'info, Empty>,
    pub system_program: Program<'info, System>,
}
