//! The public site: no login, everything here is public-tier data.

pub mod home;
pub mod procedures;

use super::state::AppState;
use super::{AppError, Lang};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse};

/// Serves a public page from the page cache, rendering it on a miss. Only
/// pages without query parameters (other than `lang`) are cached, so the set of
/// keys is bounded by the content, not by what clients send.
pub async fn cached_page<F, Fut>(
    state: &AppState,
    req: &HttpRequest,
    lang: Lang,
    render: F,
) -> Result<HttpResponse, AppError>
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = Result<String, AppError>>,
{
    let cacheable =
        url::form_urlencoded::parse(req.query_string().as_bytes()).all(|(k, _)| k == "lang");
    let key = format!("{}:{}", lang.tag(), req.path());
    if cacheable && let Some(body) = state.pages.get(&key) {
        return Ok(HttpResponse::Ok()
            .content_type("text/html; charset=utf-8")
            .body(body));
    }
    let body = actix_web::web::Bytes::from(render().await?);
    if cacheable {
        state.pages.put(key, body.clone());
    }
    Ok(HttpResponse::build(StatusCode::OK)
        .content_type("text/html; charset=utf-8")
        .body(body))
}
