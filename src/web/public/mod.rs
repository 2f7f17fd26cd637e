//! The public site: no login, everything here is public-tier data.

pub mod cases;
pub mod figures;
pub mod home;
pub mod info;
pub mod letters;
pub mod petitions;
pub mod procedures;
pub mod rating;
pub mod search;
pub mod site;
pub mod start;
pub mod statistics;
pub mod track;
pub mod verify;

use super::state::AppState;
use super::{AppError, Lang};
use actix_web::http::StatusCode;
use actix_web::web::{self, ServiceConfig, get, post, resource};
use actix_web::{HttpRequest, HttpResponse};

/// The public site's routes: the catalogue, filing and following petitions,
/// disclosed cases, search and published answers.
pub fn configure(cfg: &mut ServiceConfig) {
    let multipart = || web::PayloadConfig::new(crate::web::multipart::MAX_BODY);
    cfg.route("/", get().to(home::home))
        .route(
            "/static/{path:.*}",
            get().to(crate::web::static_files::serve),
        )
        .route("/procedures", get().to(procedures::list))
        .route("/procedures/{id}", get().to(procedures::show))
        .route("/procedures/{id}/versions", get().to(procedures::history))
        .route(
            "/procedures/{id}/versions/{version}/changes",
            get().to(procedures::changes),
        )
        .route(
            "/procedures/{id}/versions/{version}",
            get().to(procedures::show_version),
        )
        .route("/petitions/new", get().to(petitions::start))
        .route("/petitions/receipt", get().to(petitions::receipt))
        .route("/petitions/receipt.pdf", get().to(letters::receipt_pdf))
        .route("/track/{tn}/letter", get().to(letters::answer_page))
        .route("/track/{tn}/letter.pdf", get().to(letters::answer_pdf))
        .route(
            "/track/{tn}/letters/{id}.pdf",
            get().to(letters::letter_pdf_by_id),
        )
        .route("/track/{tn}/letters/{id}", get().to(letters::letter_by_id))
        .route("/verify", get().to(verify::verify))
        .route("/verify/key", get().to(verify::public_key))
        .service(
            resource("/verify")
                .app_data(multipart())
                .route(post().to(verify::verify_file)),
        )
        .route("/petitions/receipt/kept", post().to(petitions::kept))
        .route("/petitions/new/{kind}", get().to(petitions::form))
        .route(
            "/petitions/start/{kind}",
            get().to(petitions::before_you_start),
        )
        // Forms with files may carry 50 MB of evidence.
        .service(
            resource("/petitions")
                .app_data(multipart())
                .route(post().to(petitions::submit)),
        )
        .route("/captcha/{id}", get().to(petitions::captcha_image))
        .route("/track", get().to(track::lookup_form))
        .route("/track", post().to(track::lookup))
        .route("/track/end", post().to(track::end_session))
        .route("/track/{tn}", get().to(track::status))
        .service(
            resource("/track/{tn}/follow-up")
                .app_data(multipart())
                .route(post().to(track::follow_up)),
        )
        .route("/track/{tn}/files/{id}", get().to(track::file))
        .route("/track/{tn}/actions", post().to(track::act))
        .route("/cases", get().to(cases::list))
        .route("/cases/lookup", get().to(cases::lookup_form))
        .route("/cases/lookup", post().to(cases::lookup))
        .route("/cases/{id}", get().to(cases::show))
        .route("/search", get().to(search::page))
        .route("/help", get().to(info::help))
        .route("/privacy", get().to(info::privacy))
        .route("/accessibility", get().to(info::accessibility))
        .route("/agencies", get().to(info::directory))
        .route("/terms", get().to(info::terms))
        .route("/robots.txt", get().to(site::robots))
        .route("/sitemap.xml", get().to(site::sitemap))
        .route("/answers", get().to(statistics::answers))
        .route("/answers/{id}", get().to(search::answer))
        .route("/statistics", get().to(statistics::page))
        .route("/statistics/method", get().to(statistics::method))
        .route("/statistics/snapshots", get().to(statistics::snapshots))
        .route(
            "/statistics/snapshots/{file}",
            get().to(statistics::snapshot_file),
        );
}

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
