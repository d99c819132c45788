//! Checked arithmetic and conversions that fail with the program's typed errors, so `?`
//! does the conversion at every call site (the `SafeMath` / `Cast` pattern):
//!
//! * `a.safe_add(b)?`, `a.safe_sub(b)?`, `a.safe_mul(b)?`, `a.safe_neg()?`: overflow is
//!   `MathOverflow`;
//! * `x.cast::<i64>()?`: a value that does not fit the target type is `MathOverflow`;
//! * `ballast_math::f(..).math()?`: the math crate's error becomes the program's
//!   (`MathOverflow`, `MathDivisionByZero` or `MathInvalidInput`), logging the failing
//!   operation.
//!
//! Errors that mean something other than overflow (an amount too large, a pool that
//! cannot pay) keep their own error at the call site.

use anchor_lang::prelude::*;
use ballast_math::MathResult;

use crate::error::ErrorCode;

/// Checked integer arithmetic returning the program's `Result`.
pub trait SafeMath: Sized {
    fn safe_add(self, rhs: Self) -> Result<Self>;
    fn safe_sub(self, rhs: Self) -> Result<Self>;
    fn safe_mul(self, rhs: Self) -> Result<Self>;
}

macro_rules! impl_safe_math {
    ($($t:ty),*) => {$(
        impl SafeMath for $t {
            #[inline(always)]
            fn safe_add(self, rhs: Self) -> Result<Self> {
                self.checked_add(rhs).ok_or_else(|| ErrorCode::MathOverflow.into())
            }
            #[inline(always)]
            fn safe_sub(self, rhs: Self) -> Result<Self> {
                self.checked_sub(rhs).ok_or_else(|| ErrorCode::MathOverflow.into())
            }
            #[inline(always)]
            fn safe_mul(self, rhs: Self) -> Result<Self> {
                self.checked_mul(rhs).ok_or_else(|| ErrorCode::MathOverflow.into())
            }
        }
    )*};
}
impl_safe_math!(u8, u16, u32, u64, u128, i64, i128);

/// Checked negation of signed values.
pub trait SafeNeg: Sized {
    fn safe_neg(self) -> Result<Self>;
}

macro_rules! impl_safe_neg {
    ($($t:ty),*) => {$(
        impl SafeNeg for $t {
            #[inline(always)]
            fn safe_neg(self) -> Result<Self> {
                self.checked_neg().ok_or_else(|| ErrorCode::MathOverflow.into())
            }
        }
    )*};
}
impl_safe_neg!(i64, i128);

/// Lossless integer conversion or `MathOverflow`.
pub trait Cast: Sized {
    #[inline(always)]
    fn cast<T: TryFrom<Self>>(self) -> Result<T> {
        T::try_from(self).map_err(|_| ErrorCode::MathOverflow.into())
    }
}
impl<T> Cast for T {}

/// The math crate's result as the program's.
pub trait MathExt<T> {
    fn math(self) -> Result<T>;
}

impl<T> MathExt<T> for MathResult<T> {
    #[inline(always)]
    fn math(self) -> Result<T> {
        self.map_err(|e| ErrorCode::from(e).into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(e: Error) -> u32 {
        match e {
            Error::AnchorError(a) => a.error_code_number,
            Error::ProgramError(_) => 0,
        }
    }

    #[test]
    fn overflow_and_lossy_casts_are_math_overflow() {
        let overflow = 6000 + ErrorCode::MathOverflow as u32;
        assert_eq!(u64::MAX.safe_add(1).map_err(code), Err(overflow));
        assert_eq!(0u64.safe_sub(1).map_err(code), Err(overflow));
        assert_eq!(i64::MAX.safe_mul(2).map_err(code), Err(overflow));
        assert_eq!(i64::MIN.safe_neg().map_err(code), Err(overflow));
        assert_eq!((-1i64).cast::<u64>().map_err(code), Err(overflow));
        assert_eq!(u64::MAX.cast::<i64>().map_err(code), Err(overflow));
        assert_eq!(7u64.safe_add(5).map_err(code), Ok(12));
        assert_eq!(7i128.cast::<i64>().map_err(code), Ok(7));
    }

    #[test]
    fn math_errors_keep_their_kind() {
        let r: MathResult<u64> = Err(ballast_math::MathError::overflow("test"));
        assert_eq!(r.math().map_err(code), Err(6000 + ErrorCode::MathOverflow as u32));
    }
}
