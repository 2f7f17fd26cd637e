use crate::domain::page::PageRequest;
use crate::store::agencies::Agency;
use crate::store::procedures::{ProcedureSummary, ProcedureVersion, VersionEntry};
use crate::web::public::procedures::ListQuery;
use crate::web::{AppError, AppState};
use actix_web::{HttpResponse, web};
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
pub struct ProcedurePage {
    pub items: Vec<ProcedureSummary>,
    pub page: u64,
    pub per_page: u64,
    pub total: u64,
    pub pages: u64,
}

#[derive(Serialize, ToSchema)]
pub struct ProcedureDetail {
    pub procedure: ProcedureSummary,
    pub agency: Agency,
    /// The current version's text.
    pub current: ProcedureVersion,
    /// Every version, newest first.
    pub versions: Vec<VersionEntry>,
}

/// The published catalogue, filtered and paginated.
#[utoipa::path(get, path = "/api/v1/procedures", tag = "public",
    params(("q" = Option<String>, Query, description = "Words in the title (Chinese or English)"),
           ("agency_type" = Option<String>, Query, description = "court, procuratorate, public_security, justice_bureau, prison, political_legal_committee"),
           ("category" = Option<String>, Query, description = "A procedure category"),
           ("page" = Option<u64>, Query, description = "Page number, from 1"),
           ("per_page" = Option<u64>, Query, description = "Items per page, at most 100")),
    responses((status = 200, description = "One page of procedures", body = ProcedurePage)))]
pub async fn list(
    state: web::Data<AppState>,
    query: web::Query<ListQuery>,
    per_page: web::Query<PerPage>,
) -> Result<HttpResponse, AppError> {
    let page = crate::app::procedures::catalogue(
        &state.app,
        &query.filter(),
        PageRequest::new(query.page, per_page.per_page),
    )
    .await?;
    Ok(HttpResponse::Ok().json(ProcedurePage {
        items: page.items,
        page: page.page,
        per_page: page.per_page,
        total: page.total,
        pages: page.pages,
    }))
}

#[derive(serde::Deserialize)]
pub struct PerPage {
    per_page: Option<u64>,
}

/// One procedure with its current text and its version history.
#[utoipa::path(get, path = "/api/v1/procedures/{id}", tag = "public",
    params(("id" = i32, Path, description = "Procedure id")),
    responses((status = 200, description = "The procedure", body = ProcedureDetail),
               (status = 404, description = "No such procedure", body = crate::web::error::ErrorBody)))]
pub async fn show(
    state: web::Data<AppState>,
    id: web::Path<i32>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let (procedure, current) = crate::app::procedures::read(&state.app, id, None).await?;
    let agency = crate::app::catalogue::agency(&state.app, procedure.agency_id).await?;
    let (_, versions) = crate::app::procedures::history(&state.app, id).await?;
    Ok(HttpResponse::Ok().json(ProcedureDetail {
        procedure,
        agency,
        current,
        versions,
    }))
}
