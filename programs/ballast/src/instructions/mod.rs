pub mod admin;
pub mod user;

pub use admin::*;
pub use user::*;
