//! The program's entrypoint on chain: Anchor's, except where the list of accounts lives.
//!
//! Anchor's entrypoint (the SDK's `entrypoint!`) reads the runtime's input into a heap
//! vector of `AccountInfo` and drops it after the instruction. This one reads up to
//! [`STACK_ACCOUNTS`] accounts into an array on the stack with the SDK's own reader
//! (`deserialize_into`) and never drops it, which saves about 30 to 45 CU per account of
//! every instruction (benches/compute_units.md). An instruction with more accounts (while a
//! transaction locks at most 64 distinct accounts, only with an account listed more than
//! once) is read into a vector as before. Both paths hand the same slice to Anchor's
//! `entry`, so dispatch, account checks and errors are unchanged.
//!
//! Compiled only for the chain with the `lean-entrypoint` feature (on by default), which also
//! turns Anchor's entrypoint off (`no-entrypoint`). A program that calls Ballast on chain
//! depends on it with the `cpi` feature (Anchor's convention), which leaves this entrypoint
//! out too, or without default features.

use core::mem::MaybeUninit;

use anchor_lang::prelude::*;
use anchor_lang::solana_program::entrypoint::{deserialize, deserialize_into, ProgramResult, SUCCESS};

/// Accounts read into the stack array (48 bytes each: 3 KiB of the entrypoint's 4 KiB frame).
/// The SDK's no-allocation entrypoint uses the same bound.
const STACK_ACCOUNTS: usize = 64;

/// The runtime calls this with its serialised input.
///
/// # Safety
/// `input` is the buffer the runtime serialised for this instruction (the contract of every
/// Solana entrypoint).
#[no_mangle]
pub unsafe extern "C" fn entrypoint(input: *mut u8) -> u64 {
    // The input starts with the number of accounts as a u64 (the SDK's readers rely on it too).
    let num_accounts = unsafe { *(input as *const u64) } as usize;
    if num_accounts <= STACK_ACCOUNTS {
        let mut slots = [const { MaybeUninit::<AccountInfo>::uninit() }; STACK_ACCOUNTS];
        // SAFETY: runtime input, and at most `STACK_ACCOUNTS` accounts (checked above, so the
        // reader's own bound never panics).
        let (program_id, read, data) = unsafe { deserialize_into(input, &mut slots) };
        // SAFETY: the reader initialised the first `read` slots.
        let accounts = unsafe { core::slice::from_raw_parts(slots.as_ptr().cast::<AccountInfo>(), read) };
        code(run(program_id, accounts, data))
    } else {
        // SAFETY: runtime input.
        unsafe { from_heap(input) }
    }
}

/// More than [`STACK_ACCOUNTS`] accounts: read into a heap vector, as Anchor's entrypoint
/// does, in a frame of its own (the entrypoint's is mostly the array).
///
/// # Safety
/// As [`entrypoint`].
#[inline(never)]
unsafe fn from_heap(input: *mut u8) -> u64 {
    // SAFETY: runtime input (the caller's contract).
    let (program_id, accounts, data) = unsafe { deserialize(input) };
    code(run(program_id, &accounts, data))
}

/// Anchor's `entry`, in a frame of its own: the account array fills most of the
/// entrypoint's frame, and the instruction must not be inlined into it.
#[inline(never)]
fn run<'info>(program_id: &'info Pubkey, accounts: &'info [AccountInfo<'info>], data: &'info [u8]) -> ProgramResult {
    crate::entry(program_id, accounts, data)
}

fn code(result: ProgramResult) -> u64 {
    match result {
        Ok(()) => SUCCESS,
        Err(error) => error.into(),
    }
}

anchor_lang::solana_program::entrypoint::custom_heap_default!();
anchor_lang::solana_program::entrypoint::custom_panic_default!();
