//! HTTP: routes for the public site, the staff console and the JSON API,
//! with the extractors, CSRF, i18n and the one place errors are rendered.

pub mod api;
pub mod cache;
pub mod error;
pub mod i18n;
pub mod multipart;
pub mod public;
pub mod search_view;
pub mod session;
pub mod staff;
pub mod state;
pub mod static_files;
pub mod views;

pub use error::AppError;
pub use i18n::Lang;
pub use state::AppState;

use actix_web::HttpResponse;

/// An HTML page response.
pub fn html(status: actix_web::http::StatusCode, body: String) -> HttpResponse {
    HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .body(body)
}

/// Post/redirect/get: after a successful form, the browser is sent to a page it can reload safely.
pub fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((actix_web::http::header::LOCATION, location.to_owned()))
        .finish()
}
