//! Real Pyth `PriceUpdateV2` account bytes (the writer lives in `ballast-client`, which the
//! migrations' dry run uses too).

pub use ballast_client::pyth::*;
