//! `GET /api/v1/search`: the public scope, or the staff scope with a bearer token.

use super::staff::ApiStaff;
use crate::search::service::{Params, Results};
use crate::web::{AppError, AppState, Lang};
use actix_web::{FromRequest, HttpRequest, HttpResponse, web};

/// Procedures, disclosed cases and published answers (public); with a staff
/// bearer token, the petitions of the caller's agency instead. Facet counts and
/// totals are within that scope.
#[utoipa::path(get, path = "/api/v1/search", tag = "public",
    params(Params),
    responses((status = 200, body = Results),
              (status = 400, description = "A query longer than 200 characters", body = crate::web::error::ErrorBody),
              (status = 401, description = "A bearer token that is not valid", body = crate::web::error::ErrorBody),
              (status = 503, description = "The search engine does not answer", body = crate::web::error::ErrorBody)))]
pub async fn search(
    req: HttpRequest,
    state: web::Data<AppState>,
    lang: Lang,
    query: web::Query<Params>,
) -> Result<HttpResponse, AppError> {
    // A token that is present must be valid: a staff client never silently gets the public scope.
    let staff = if req
        .headers()
        .contains_key(actix_web::http::header::AUTHORIZATION)
    {
        Some(ApiStaff::extract(&req).await?.0)
    } else {
        None
    };
    let result = match &staff {
        Some(s) => crate::app::search::staff(&state.app, s, &query, lang.tag()).await,
        None => crate::app::search::public(&state.app, &query, lang.tag()).await,
    };
    match result {
        Ok(r) => Ok(HttpResponse::Ok().json(r)),
        // A query the caller can fix is a bad request here (the pages say it beside the box).
        Err(crate::app::Error::Invalid(key)) => Err(AppError::BadRequest(key)),
        Err(e) => Err(e.into()),
    }
}
