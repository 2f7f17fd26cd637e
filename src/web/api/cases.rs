use crate::store::cases::{CaseView, Milestone};
use crate::web::{AppError, AppState, client_key};
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
    responses((status = 200, body = CaseOut), (status = 404, body = crate::web::error::ErrorBody), (status = 429, body = crate::web::error::ErrorBody)))]
pub async fn show(
    req: HttpRequest,
    state: web::Data<AppState>,
    number: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let code = req
        .headers()
        .get("x-query-code")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let case = crate::app::lookup::open_case(&state.app, &number, code, &client_key(&req)).await?;
    let milestones = crate::app::cases::milestones(&state.app, &case).await?;
    Ok(HttpResponse::Ok().json(CaseOut { case, milestones }))
}
