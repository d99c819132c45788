//! State transitions on plain values: funding accrual and settlement, fills against the
//! pool, margin moves between domains. Handlers load accounts, call these, and write back.

pub mod funding;
pub mod isolated;
pub mod pool;
pub mod transfer;
