pub mod admin;
pub mod user;
pub mod view;

pub use admin::*;
pub use user::*;
pub use view::*;
