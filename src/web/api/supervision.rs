//! Oversight by exception and supervision orders (督办) by JSON: the same use
//! cases as the console (`app::exceptions`, `app::supervision`).

use super::staff::ApiStaff;
use crate::app::{exceptions, supervision};
use crate::domain::ids::AgencyId;
use crate::web::{AppError, AppState};
use actix_web::{HttpResponse, web};
use serde::Deserialize;

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(default)]
pub struct ExceptionsQuery {
    /// An agency id in the caller's scope; the caller's own when empty.
    agency: String,
}

/// 监督提示: what needs a leader now in an agency and every agency below it,
/// the most severe first, each row naming agency, handler and clock.
#[utoipa::path(get, path = "/api/v1/staff/oversight/exceptions", tag = "staff", params(ExceptionsQuery),
    responses((status = 200, body = Object), (status = 401, body = crate::web::error::ErrorBody), (status = 403, body = crate::web::error::ErrorBody), (status = 404, body = crate::web::error::ErrorBody)))]
pub async fn exceptions(
    state: web::Data<AppState>,
    ApiStaff(staff): ApiStaff,
    query: web::Query<ExceptionsQuery>,
) -> Result<HttpResponse, AppError> {
    let agency: Option<AgencyId> = query.agency.parse().ok();
    let list = exceptions::exceptions(&state.app, &staff, agency).await?;
    Ok(crate::web::no_store(HttpResponse::Ok().json(list)))
}

/// 督办: the orders of the caller's body — to answer, escalated to it, issued by it.
#[utoipa::path(get, path = "/api/v1/staff/supervision-orders", tag = "staff",
    responses((status = 200, body = Object), (status = 401, body = crate::web::error::ErrorBody), (status = 403, body = crate::web::error::ErrorBody)))]
pub async fn orders(
    state: web::Data<AppState>,
    ApiStaff(staff): ApiStaff,
) -> Result<HttpResponse, AppError> {
    let orders = supervision::orders(&state.app, &staff).await?;
    Ok(crate::web::no_store(HttpResponse::Ok().json(orders)))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct IssueIn {
    /// The petition's tracking number; the order goes to the body handling it.
    #[serde(default)]
    tracking_number: Option<String>,
    /// Instead of a petition, a body below the caller's: the order is on its
    /// overdue backlog (督办积案), refused when nothing of it is overdue.
    #[serde(default)]
    agency_id: Option<i32>,
    instructions: String,
    /// `YYYY-MM-DD`, 1 to 90 days from today (China time).
    reply_by: String,
}

/// Issues a supervision order on a petition of a body below the caller's, or
/// on the overdue backlog of such a body (give exactly one of the two).
#[utoipa::path(post, path = "/api/v1/staff/supervision-orders", tag = "staff", request_body = IssueIn,
    responses((status = 201, body = Object), (status = 404, body = crate::web::error::ErrorBody), (status = 422, body = crate::web::error::ErrorBody)))]
pub async fn issue(
    state: web::Data<AppState>,
    ApiStaff(staff): ApiStaff,
    body: web::Json<IssueIn>,
) -> Result<HttpResponse, AppError> {
    let (instructions, reply_by) = (&body.instructions, &body.reply_by);
    let o = match (&body.tracking_number, body.agency_id) {
        (Some(tn), None) => {
            supervision::issue(&state.app, &staff, tn, instructions, reply_by).await?
        }
        (None, Some(agency)) => {
            let agency = crate::domain::ids::AgencyId(agency);
            supervision::issue_on_backlog(&state.app, &staff, agency, instructions, reply_by)
                .await?
        }
        _ => return Err(AppError::BadRequest("order-error-subject")),
    };
    let view = supervision::show(&state.app, &staff, o.id).await?;
    Ok(HttpResponse::Created().json(view))
}

/// One supervision order.
#[utoipa::path(get, path = "/api/v1/staff/supervision-orders/{id}", tag = "staff",
    params(("id" = i32, Path)),
    responses((status = 200, body = Object), (status = 404, body = crate::web::error::ErrorBody)))]
pub async fn order(
    state: web::Data<AppState>,
    ApiStaff(staff): ApiStaff,
    id: web::Path<i32>,
) -> Result<HttpResponse, AppError> {
    let view = supervision::show(&state.app, &staff, *id).await?;
    Ok(crate::web::no_store(HttpResponse::Ok().json(view)))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct ChangeIn {
    /// The order's version as the caller read it; a stale one gets 409.
    version: i32,
    /// The reply (督办回复) or the reason for withdrawing.
    text: String,
}

/// 督办回复: the ordered body's supervisor replies.
#[utoipa::path(post, path = "/api/v1/staff/supervision-orders/{id}/reply", tag = "staff",
    params(("id" = i32, Path)), request_body = ChangeIn,
    responses((status = 200, body = Object), (status = 404, body = crate::web::error::ErrorBody), (status = 409, body = crate::web::error::ErrorBody), (status = 422, body = crate::web::error::ErrorBody)))]
pub async fn reply(
    state: web::Data<AppState>,
    ApiStaff(staff): ApiStaff,
    id: web::Path<i32>,
    body: web::Json<ChangeIn>,
) -> Result<HttpResponse, AppError> {
    supervision::reply(&state.app, &staff, *id, body.version, &body.text).await?;
    let view = supervision::show(&state.app, &staff, *id).await?;
    Ok(HttpResponse::Ok().json(view))
}

/// 撤销督办: the issuing body withdraws an open order, saying why.
#[utoipa::path(post, path = "/api/v1/staff/supervision-orders/{id}/withdraw", tag = "staff",
    params(("id" = i32, Path)), request_body = ChangeIn,
    responses((status = 200, body = Object), (status = 404, body = crate::web::error::ErrorBody), (status = 409, body = crate::web::error::ErrorBody), (status = 422, body = crate::web::error::ErrorBody)))]
pub async fn withdraw(
    state: web::Data<AppState>,
    ApiStaff(staff): ApiStaff,
    id: web::Path<i32>,
    body: web::Json<ChangeIn>,
) -> Result<HttpResponse, AppError> {
    supervision::withdraw(&state.app, &staff, *id, body.version, &body.text).await?;
    let view = supervision::show(&state.app, &staff, *id).await?;
    Ok(HttpResponse::Ok().json(view))
}
