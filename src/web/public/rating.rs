//! 评价 — the petitioner's rating of an answer is chosen, then confirmed on
//! a page that says it is final and counts in the agency's satisfaction
//! figures, and (for 基本满意 and 不满意) asks why, optionally: the reason
//! reaches the agency with the rating.

use crate::domain::workflow::Rating;
use crate::render::Layout;
use crate::store::petitions::Petition;
use crate::web::session::csrf_token;
use crate::web::{AppError, AppState, Lang, html};
use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse};
use serde::Serialize;

#[derive(Serialize)]
struct ConfirmPage<'a> {
    layout: Layout,
    csrf_token: String,
    tracking_number: String,
    tracking_path: &'a str,
    petition: &'a Petition,
    rating: &'static str,
    /// 基本满意 and 不满意 ask why.
    asks_why: bool,
    reason: &'a str,
}

/// The page that asks before a rating counts, the choice and any reason
/// carried in its form; "back" returns to the status page unchanged.
pub async fn confirm(
    state: &AppState,
    req: &HttpRequest,
    session: &Session,
    lang: Lang,
    petition: &Petition,
    rating: Rating,
    reason: &str,
) -> Result<HttpResponse, AppError> {
    let page = ConfirmPage {
        layout: crate::web::layout(req, lang),
        csrf_token: csrf_token(session)?,
        tracking_number: petition.display_number(),
        tracking_path: &petition.tracking_number,
        petition,
        rating: rating.as_str(),
        asks_why: rating != Rating::Satisfied,
        reason,
    };
    Ok(crate::web::no_store(html(
        StatusCode::OK,
        state.render("public/rate_confirm.html", &page)?,
    )))
}
