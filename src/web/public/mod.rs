//! The public site: no login, everything here is public-tier data.

pub mod cases;
pub mod home;
pub mod petitions;
pub mod procedures;
pub mod search;
pub mod track;

use super::state::AppState;
use super::{AppError, Lang};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse};

/// The cache key of a page addressed by its path alone: only pages without
/// query parameters (other than `lang`) qualify, so the set of keys is bounded
/// by the content, not by what clients send.
pub fn path_key(req: &HttpRequest, lang: Lang) -> Option<String> {
    url::form_urlencoded::parse(req.query_string().as_bytes())
        .all(|(k, _)| k == "lang")
        .then(|| format!("{}:{}", lang.tag(), req.path()))
}

/// Serves a public page from the page cache under `key`, rendering it on a
/// miss; `None` renders without caching.
pub async fn cached_page<F, Fut>(
    state: &AppState,
    key: Option<String>,
    render: F,
) -> Result<HttpResponse, AppError>
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = Result<String, AppError>>,
{
    if let Some(body) = key.as_deref().and_then(|k| state.pages.get(k)) {
        return Ok(HttpResponse::Ok()
            .content_type("text/html; charset=utf-8")
            .body(body));
    }
    let body = actix_web::web::Bytes::from(render().await?);
    if let Some(key) = key {
        state.pages.put(key, body.clone());
    }
    Ok(HttpResponse::build(StatusCode::OK)
        .content_type("text/html; charset=utf-8")
        .body(body))
}
