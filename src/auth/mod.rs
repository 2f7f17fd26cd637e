//! Staff authentication: password hashes and the throttling of failed logins.

pub mod password;
pub mod reset;
pub mod throttle;
pub mod totp;
