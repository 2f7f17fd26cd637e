//! HTTP: the public site, the staff console and the JSON API — each area
//! registers its own routes (`public::configure`, `staff::configure`,
//! `api::configure`) — with the extractors, CSRF, sessions, the request's
//! language and the one place errors are rendered (`error`). Handlers extract,
//! call a use case of `app`, and render.

pub mod api;
pub mod cache;
pub mod error;
pub mod evidence;
pub mod i18n;
pub mod multipart;
pub mod open311;
pub mod public;
pub mod search_view;
pub mod session;
pub mod staff;
pub mod state;
pub mod static_files;

pub use error::AppError;
pub use i18n::Lang;
pub use state::AppState;

use crate::render::Layout;
use actix_web::{HttpRequest, HttpResponse};

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

/// The layout of the requested page (language switch, navigation, the
/// captcha-off notice).
pub fn layout(req: &HttpRequest, lang: Lang) -> Layout {
    let state = req.app_data::<actix_web::web::Data<AppState>>();
    let captcha_off = state.is_some_and(|s| !s.app.captcha_on);
    let mut layout = Layout::for_path(req.path(), req.query_string(), lang, captcha_off);
    if req.path().starts_with("/staff") {
        layout.calendar_warning = state
            .and_then(|s| crate::app::calendar::current_warning(&s.app))
            .map(|w| {
                let key = if w.days_left < 0 {
                    "calendar-warning-ended"
                } else {
                    "calendar-warning"
                };
                lang.t_args(
                    key,
                    &[
                        ("ends", w.ends_on.to_string()),
                        ("days", w.days_left.max(0).to_string()),
                        ("next", (w.last_year + 1).to_string()),
                    ],
                )
            });
    }
    layout
}

/// The key rate limits count a client by: its address (hashed before it is kept).
/// Behind a reverse proxy listed in `MINGJING_TRUSTED_PROXIES`, the address is
/// the last one in `X-Forwarded-For` that is not itself a trusted proxy; a
/// header from anyone else is ignored (it could name any address).
pub fn client_key(req: &HttpRequest) -> String {
    let peer = req.peer_addr().map(|a| a.ip());
    let trusted: &[std::net::IpAddr] = req
        .app_data::<actix_web::web::Data<AppState>>()
        .map_or(&[], |s| s.trusted_proxies.as_slice());
    client_address(
        peer,
        req.headers()
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok()),
        trusted,
    )
    .map(|ip| ip.to_string())
    .unwrap_or_default()
}

fn client_address(
    peer: Option<std::net::IpAddr>,
    forwarded_for: Option<&str>,
    trusted: &[std::net::IpAddr],
) -> Option<std::net::IpAddr> {
    let peer = peer?;
    if !trusted.contains(&peer) {
        return Some(peer);
    }
    let mut client = peer;
    for hop in forwarded_for.unwrap_or_default().rsplit(',') {
        match hop.trim().parse::<std::net::IpAddr>() {
            Ok(ip) => {
                client = ip;
                if !trusted.contains(&ip) {
                    break;
                }
            }
            Err(_) => break,
        }
    }
    Some(client)
}

/// Marks a response as one no cache may keep (an access code, a complainant's identity).
pub fn no_store(mut response: HttpResponse) -> HttpResponse {
    response.headers_mut().insert(
        actix_web::http::header::CACHE_CONTROL,
        actix_web::http::header::HeaderValue::from_static("no-store"),
    );
    response
}

/// `HEAD` is answered wherever `GET` is: the request is routed as a `GET`,
/// and the HTTP layer sends the headers without the body (it remembers the
/// request was a `HEAD`).
pub async fn head_as_get(
    mut req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody>,
) -> Result<actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>, actix_web::Error> {
    if req.method() == actix_web::http::Method::HEAD {
        req.head_mut().method = actix_web::http::Method::GET;
    }
    next.call(req).await
}

/// Whether a path's answers may carry a petitioner's identity, an access
/// code's grant or a staff member's work: the console, the status pages, the
/// party's case lookup, the petition and staff API.
pub fn is_private_path(path: &str) -> bool {
    [
        "/staff",
        "/track",
        "/petitions/receipt",
        "/cases/lookup",
        "/api/v1/staff",
        "/api/v1/petitions",
        "/api/v1/auth",
    ]
    .iter()
    .any(|p| path.starts_with(p))
}

/// No cache keeps what [`is_private_path`] answers (`Cache-Control: no-store`),
/// whatever the handler set.
pub async fn private_no_store(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody>,
) -> Result<actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>, actix_web::Error> {
    let private = is_private_path(req.path());
    let mut res = next.call(req).await?;
    if private {
        res.headers_mut().insert(
            actix_web::http::header::CACHE_CONTROL,
            actix_web::http::header::HeaderValue::from_static("no-store"),
        );
    }
    Ok(res)
}

/// Adds `Retry-After` to a throttled answer.
pub fn retry_after(mut response: HttpResponse, seconds: u64) -> HttpResponse {
    if let Ok(v) = actix_web::http::header::HeaderValue::from_str(&seconds.to_string()) {
        response
            .headers_mut()
            .insert(actix_web::http::header::RETRY_AFTER, v);
    }
    response
}

#[cfg(test)]
mod client_tests {
    use super::client_address;

    #[test]
    fn forwarded_addresses_count_only_from_a_trusted_proxy() {
        let ip = |s: &str| s.parse::<std::net::IpAddr>().unwrap();
        let proxy = [ip("10.0.0.1")];
        let header = Some("6.6.6.6, 203.0.113.7");
        assert_eq!(
            client_address(Some(ip("10.0.0.1")), header, &proxy),
            Some(ip("203.0.113.7"))
        );
        assert_eq!(
            client_address(Some(ip("198.51.100.2")), header, &proxy),
            Some(ip("198.51.100.2")),
            "a client cannot choose its own address"
        );
        assert_eq!(
            client_address(Some(ip("10.0.0.1")), None, &proxy),
            Some(ip("10.0.0.1"))
        );
        assert_eq!(
            client_address(Some(ip("10.0.0.1")), Some("203.0.113.7, 10.0.0.1"), &proxy),
            Some(ip("203.0.113.7"))
        );
    }
}
