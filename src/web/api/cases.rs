use crate::store::cases::{CaseView, Milestone};
use crate::web::error::json_error;
use crate::web::public::cases::open_case;
use crate::web::{AppError, AppState, Lang};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
pub struct CaseOut {
    pub case: CaseView,
    pub milestones: Vec<Milestone>,
}

/// A disclosed case, for the party holding its query code (`X-Query-Code`).
#[utoipa::path(get, path = "/api/v1/cases/{case_number}", tag = "cases",
    params(("case_number" = String, Path), ("X-Query-Code" = String, Header)),
    responses((status = 200, body = CaseOut), (status = 404, body = crate::web::error::ErrorBody)))]
pub async fn show(
    req: HttpRequest,
    state: web::Data<AppState>,
    lang: Lang,
    number: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let code = req
        .headers()
        .get("x-query-code")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let client = crate::web::public::petitions::client_key(&req);
    let now = std::time::Instant::now();
    if state.rate_limits_on
        && state.limits.lookup_client.count(&client, now) >= crate::intake::LOOKUP_CLIENT_LIMIT
    {
        return Err(AppError::TooManyRequests {
            retry_after: state.limits.lookup_client.retry_after(&client, now),
        });
    }
    match open_case(&state, &number, code).await? {
        Some(case) => {
            let milestones = state.store.case_milestones(case.id).await?;
            Ok(HttpResponse::Ok().json(CaseOut { case, milestones }))
        }
        None => {
            state.limits.lookup_client.hit(&client, now);
            Ok(json_error(
                StatusCode::NOT_FOUND,
                "not_found",
                lang.t("error-case-no-match"),
            ))
        }
    }
}
