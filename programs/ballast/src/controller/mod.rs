//! State transitions on plain values: funding accrual and settlement, fills against the
//! pool, margin moves between domains, settlement of unsettled profit, liquidation
//! charges, and the status table. Handlers load accounts, call these, and write back.

pub mod adl;
pub mod fill;
pub mod funding;
pub mod isolated;
pub mod leverage;
pub mod liquidation;
pub mod pda;
pub mod pool;
pub mod settlement;
pub mod status;
pub mod trade;
pub mod transfer;
pub mod triggers;
