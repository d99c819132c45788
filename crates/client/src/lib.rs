//! Client-side pieces of Ballast that every off-chain component shares: instruction
//! builders and PDA helpers built from the program's own Anchor types (the layout the
//! IDL gives front-ends), so the tests, the keeper and the migrations cannot drift apart.

pub mod ix;
pub mod pyth;
