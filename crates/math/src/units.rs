//! Typed quantities at the position boundary.
//!
//! Two of the protocol's units share a scale and a width with each other and with quote
//! amounts: a size in base lots (1e9 = one unit, `i64`) and a price (quote native per unit
//! × 1e3, i.e. 1e9 = $1 for a 6-decimal quote, `u64`). Passing one for the other, or a
//! size where a cost basis is expected, compiles silently with plain integers and is off
//! by orders of magnitude. So the functions that combine them ([`crate::position`],
//! [`crate::margin::liquidation_price`]) take [`BaseLots`] and [`Price`], and return
//! [`Price`] where they compute one.
//!
//! Quote amounts stay plain integers (`i64` signed, `u64` unsigned, `i128` for
//! intermediate sums) and ratios stay `u32` parts per million: they are the crate's
//! default units, and their primitive types already differ from each other's. Account
//! layouts store plain integers (they are `Pod`); the wrappers are applied where a stored
//! field enters the math. Both wrappers are `repr(transparent)`: they cost nothing on chain.
//!
//! A size passed as a price, or the other way round, does not compile:
//!
//! ```compile_fail,E0308
//! use ballast_math::{position::notional, BaseLots, Price, Rounding};
//! let _ = notional(Price(5_000_000_000_000), BaseLots(2_000_000_000), Rounding::Ceil);
//! ```
//!
//! nor does a size where a cost basis (quote native) is expected:
//!
//! ```compile_fail,E0308
//! use ballast_math::{position::unrealized_pnl, BaseLots, Price};
//! let (base, cost_basis) = (BaseLots(2_000_000_000), 10_000_000_000i64);
//! let _ = unrealized_pnl(cost_basis, base, Price(5_000_000_000_000));
//! ```
//!
//! while the intended calls do (the same imports, so the examples above fail only for
//! their argument types):
//!
//! ```
//! use ballast_math::{position::notional, position::unrealized_pnl, BaseLots, Price, Rounding};
//! // 2 units at $5,000 = $10,000 in quote native units.
//! assert_eq!(notional(BaseLots(2_000_000_000), Price(5_000_000_000_000), Rounding::Ceil), Ok(10_000_000_000));
//! // Bought for $10,000, worth $10,000: no profit yet.
//! let (base, cost_basis) = (BaseLots(2_000_000_000), 10_000_000_000i64);
//! assert_eq!(unrealized_pnl(base, cost_basis, Price(5_000_000_000_000)), Ok(0));
//! ```

/// A position size or fill in base lots: 1e9 lots = one unit of the asset, negative for a
/// short.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[repr(transparent)]
pub struct BaseLots(pub i64);

/// A price in the price scale: quote native units per unit of the asset × 1e3.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[repr(transparent)]
pub struct Price(pub u64);

impl BaseLots {
    /// The size as stored (lots).
    #[inline(always)]
    pub const fn get(self) -> i64 {
        self.0
    }

    /// The size without its side.
    #[inline(always)]
    pub const fn unsigned_abs(self) -> u64 {
        self.0.unsigned_abs()
    }

    #[inline(always)]
    pub const fn is_flat(self) -> bool {
        self.0 == 0
    }

    #[inline(always)]
    pub const fn is_long(self) -> bool {
        self.0 > 0
    }
}

impl Price {
    /// The price as stored (price scale).
    #[inline(always)]
    pub const fn get(self) -> u64 {
        self.0
    }
}

/// The stored integer (lots), as clients and vectors print it.
impl core::fmt::Display for BaseLots {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        self.0.fmt(f)
    }
}

/// The stored integer (price scale), as clients and vectors print it.
impl core::fmt::Display for Price {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        self.0.fmt(f)
    }
}
