pub mod auto_deleverage;
pub mod execute_margin_guard;
pub mod execute_trigger_order;
pub mod liquidate_cross;
pub mod liquidate_isolated;
pub mod settle_pnl;
pub mod sync_vault;
pub mod update_funding;

pub use auto_deleverage::*;
pub use execute_margin_guard::*;
pub use execute_trigger_order::*;
pub use liquidate_cross::*;
pub use liquidate_isolated::*;
pub use settle_pnl::*;
pub use sync_vault::*;
pub use update_funding::*;
