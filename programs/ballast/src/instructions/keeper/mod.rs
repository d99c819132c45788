pub mod execute_margin_guard;
pub mod liquidate_cross;
pub mod liquidate_isolated;
pub mod update_funding;

pub use execute_margin_guard::*;
pub use liquidate_cross::*;
pub use liquidate_isolated::*;
pub use update_funding::*;
