//! Ballast's fixed-point margin math: the single home of every formula in the
//! specification (§2 units, §5 margin and transfer rules, §6 oracle policy).
//!
//! Pure functions over integers: no accounts, no Anchor, no floats. Every operation is
//! checked and returns a [`MathError`] naming the operation; every division states its
//! rounding direction (see [`checked::Rounding`] and docs/MATH.md for the list of sites).
#![cfg_attr(
    test,
    allow(
        clippy::arithmetic_side_effects,
        clippy::integer_division,
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        clippy::cast_possible_wrap
    )
)]

pub mod adl;
pub mod checked;
pub mod constants;
pub mod error;
pub mod funding;
pub mod liquidation;
pub mod margin;
pub mod oracle;
pub mod pool;
pub mod position;
pub mod settlement;
pub mod tiers;
pub mod trigger;
pub mod units;
pub mod volatility;

pub use checked::Rounding;
pub use error::{MathError, MathErrorKind, MathResult};
pub use margin::{liquidation_price, DomainHealth, PositionHealth, PositionRisk};
pub use oracle::{OracleAction, OracleValidity};
pub use tiers::Tier;
pub use units::{BaseLots, Price};
