//! Account layouts. Every account is zero-copy `#[repr(C)]` with explicit padding, a
//! compile-time size assertion, a version byte, reserved bytes, and an `invariant()`
//! that each mutating instruction calls before it returns.

pub mod exchange;
pub mod isolated_position;
pub mod margin_account;
pub mod market;
pub mod price_book;
pub mod push_oracle;
pub mod trigger_book;

pub use exchange::*;
pub use isolated_position::*;
pub use margin_account::*;
pub use market::*;
pub use price_book::*;
pub use push_oracle::*;
pub use trigger_book::*;

/// Layout version written into every account this program creates.
pub const ACCOUNT_VERSION: u8 = 1;

/// Compile-time check that a zero-copy struct has exactly the documented size.
#[macro_export]
macro_rules! assert_size {
    ($t:ty, $n:expr) => {
        const _: () = assert!(core::mem::size_of::<$t>() == $n);
        const _: () = assert!(core::mem::align_of::<$t>() <= 8);
    };
}

/// A signed 128-bit integer stored as little-endian bytes, so the account layout does
/// not depend on the target's i128 alignment.
#[derive(
    Clone, Copy, Default, PartialEq, Eq, bytemuck::Pod, bytemuck::Zeroable, anchor_lang::AnchorSerialize, anchor_lang::AnchorDeserialize,
)]
#[repr(transparent)]
pub struct WrappedI128(pub [u8; 16]);

impl WrappedI128 {
    pub fn get(&self) -> i128 {
        i128::from_le_bytes(self.0)
    }
    pub fn set(&mut self, v: i128) {
        self.0 = v.to_le_bytes();
    }
}

impl core::fmt::Debug for WrappedI128 {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "{}", self.get())
    }
}

use anchor_lang::prelude::*;
use core::cell::Ref;

/// Borrows a zero-copy account of type `T` from any `AccountInfo` after checking that
/// this program owns it and that it carries `T`'s discriminator (what `AccountLoader`
/// checks, without tying the borrow to the instruction's lifetime).
pub fn load_checked<'a, T>(ai: &'a AccountInfo) -> Result<Ref<'a, T>>
where
    T: anchor_lang::ZeroCopy + anchor_lang::Owner + anchor_lang::Discriminator,
{
    if *ai.owner != T::owner() {
        return Err(anchor_lang::error::ErrorCode::AccountOwnedByWrongProgram.into());
    }
    let data = ai.try_borrow_data()?;
    let disc = T::DISCRIMINATOR;
    let end = disc.len() + core::mem::size_of::<T>();
    if data.len() < end || data[..disc.len()] != *disc {
        return Err(anchor_lang::error::ErrorCode::AccountDiscriminatorMismatch.into());
    }
    Ok(Ref::map(data, |d| bytemuck::from_bytes(&d[disc.len()..end])))
}

/// Mutable counterpart of [`load_checked`].
pub fn load_checked_mut<'a, T>(ai: &'a AccountInfo) -> Result<core::cell::RefMut<'a, T>>
where
    T: anchor_lang::ZeroCopy + anchor_lang::Owner + anchor_lang::Discriminator,
{
    if *ai.owner != T::owner() {
        return Err(anchor_lang::error::ErrorCode::AccountOwnedByWrongProgram.into());
    }
    if !ai.is_writable {
        return Err(anchor_lang::error::ErrorCode::AccountNotMutable.into());
    }
    let data = ai.try_borrow_mut_data()?;
    let disc = T::DISCRIMINATOR;
    let end = disc.len() + core::mem::size_of::<T>();
    if data.len() < end || data[..disc.len()] != *disc {
        return Err(anchor_lang::error::ErrorCode::AccountDiscriminatorMismatch.into());
    }
    Ok(core::cell::RefMut::map(data, |d| bytemuck::from_bytes_mut(&mut d[disc.len()..end])))
}
