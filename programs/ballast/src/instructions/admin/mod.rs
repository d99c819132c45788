pub mod create_market;
pub mod create_push_oracle;
pub mod defund_pool;
pub mod fund_pool;
pub mod initialize_exchange;
pub mod set_pause;
pub mod update_market;
pub mod update_push_oracle;

pub use create_market::*;
pub use create_push_oracle::*;
pub use defund_pool::*;
pub use fund_pool::*;
pub use initialize_exchange::*;
pub use set_pause::*;
pub use update_market::*;
pub use update_push_oracle::*;
