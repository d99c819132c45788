pub mod admin;
pub mod keeper;
pub mod user;
pub mod view;

pub use admin::*;
pub use keeper::*;
pub use user::*;
pub use view::*;
