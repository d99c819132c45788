//! Typed arithmetic failures. Every failure names the operation that failed, so an
//! on-chain log reads `math: overflow in notional` rather than a bare panic.

use core::fmt;

/// What went wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MathErrorKind {
    /// A checked add, sub, mul or pow left the range of its type.
    Overflow,
    /// A division by zero was attempted.
    DivisionByZero,
    /// An input was outside the documented domain of the function (for example a
    /// leverage of zero, or an oracle exponent that cannot be represented).
    InvalidInput,
}

/// A math failure and the name of the operation it happened in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MathError {
    pub kind: MathErrorKind,
    pub op: &'static str,
}

impl MathError {
    pub const fn overflow(op: &'static str) -> Self {
        Self { kind: MathErrorKind::Overflow, op }
    }
    pub const fn div_by_zero(op: &'static str) -> Self {
        Self { kind: MathErrorKind::DivisionByZero, op }
    }
    pub const fn invalid(op: &'static str) -> Self {
        Self { kind: MathErrorKind::InvalidInput, op }
    }
}

impl fmt::Display for MathError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.kind {
            MathErrorKind::Overflow => "overflow",
            MathErrorKind::DivisionByZero => "division by zero",
            MathErrorKind::InvalidInput => "invalid input",
        };
        write!(f, "math: {what} in {}", self.op)
    }
}

pub type MathResult<T> = Result<T, MathError>;
