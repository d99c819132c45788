pub mod account_health;

pub use account_health::*;
