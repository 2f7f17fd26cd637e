//! The staff console. Every page here takes `CurrentStaff`, so an anonymous
//! request is redirected to the login page before a handler runs.

pub mod cases;
pub mod login;
pub mod petitions;
pub mod procedures;
pub mod search;

use super::see_other;
use super::session::CurrentStaff;
use actix_web::HttpResponse;

/// `/staff`: the console's front door.
pub async fn index(_staff: CurrentStaff) -> HttpResponse {
    see_other("/staff/procedures")
}
