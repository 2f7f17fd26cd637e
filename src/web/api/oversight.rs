//! The oversight figures by JSON (`/api/v1/staff/oversight…`): the same use
//! cases as the console, scoped to the caller's agency tree.

use super::staff::ApiStaff;
use crate::app::{self, oversight};
use crate::domain::evaluation::Period;
use crate::domain::ids::{AgencyId, StaffId};
use crate::web::AppError;
use crate::web::AppState;
use actix_web::{HttpResponse, web};
use serde::Deserialize;

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(default)]
pub struct OversightQuery {
    /// An agency id in the caller's scope; the caller's own when empty.
    agency: String,
    /// `YYYY-MM`, `YYYY-Qn` or `YYYY`; when empty, the current month for
    /// lists, the last full month for the evaluation and an officer's record.
    period: String,
    /// For lists: overdue, due_week, extension_pending, review_pending,
    /// returned, urged, reversed, unsatisfied, or stage:<state>.
    what: String,
    page: String,
}

impl OversightQuery {
    fn agency(&self) -> Option<AgencyId> {
        self.agency.parse().ok()
    }
    fn period(&self) -> Result<Period, AppError> {
        if self.period.trim().is_empty() {
            Ok(Period::month_of(app::today()))
        } else {
            Period::parse(&self.period).ok_or(AppError::BadRequest("error-bad-query"))
        }
    }
    /// An evaluation's or a record's period: the last full month when none is asked for.
    fn evaluation_period(&self) -> Result<Period, AppError> {
        if self.period.trim().is_empty() {
            Ok(Period::last_full_month(app::today()))
        } else {
            self.period()
        }
    }
}

/// Where the petitions of an agency and every agency below it stand now, and
/// the trend of the last twelve months.
#[utoipa::path(get, path = "/api/v1/staff/oversight", tag = "staff", params(OversightQuery),
    responses((status = 200, body = Object), (status = 401, body = crate::web::error::ErrorBody), (status = 403, body = crate::web::error::ErrorBody), (status = 404, body = crate::web::error::ErrorBody)))]
pub async fn overview(
    state: web::Data<AppState>,
    ApiStaff(staff): ApiStaff,
    query: web::Query<OversightQuery>,
) -> Result<HttpResponse, AppError> {
    let o = oversight::overview(&state.app, &staff, query.agency()).await?;
    Ok(crate::web::no_store(HttpResponse::Ok().json(o)))
}

/// The petitions behind one count of the oversight figures.
#[utoipa::path(get, path = "/api/v1/staff/oversight/list", tag = "staff", params(OversightQuery),
    responses((status = 200, body = Object), (status = 400, body = crate::web::error::ErrorBody), (status = 404, body = crate::web::error::ErrorBody)))]
pub async fn list(
    state: web::Data<AppState>,
    ApiStaff(staff): ApiStaff,
    query: web::Query<OversightQuery>,
) -> Result<HttpResponse, AppError> {
    let what = crate::web::staff::oversight::listing_of(&query.what)
        .ok_or(AppError::BadRequest("error-bad-query"))?;
    let (_, items) = oversight::list(
        &state.app,
        &staff,
        query.agency().unwrap_or(staff.agency_id),
        what,
        query.period()?,
        query.page.parse().unwrap_or(1),
    )
    .await?;
    Ok(crate::web::no_store(HttpResponse::Ok().json(items)))
}

/// 考评: the indicators and score of each agency in scope and of the officers
/// whose record the caller may read, for a period.
#[utoipa::path(get, path = "/api/v1/staff/oversight/evaluation", tag = "staff", params(OversightQuery),
    responses((status = 200, body = Object), (status = 400, body = crate::web::error::ErrorBody), (status = 404, body = crate::web::error::ErrorBody)))]
pub async fn evaluation(
    state: web::Data<AppState>,
    ApiStaff(staff): ApiStaff,
    query: web::Query<OversightQuery>,
) -> Result<HttpResponse, AppError> {
    let e = oversight::evaluation(
        &state.app,
        &staff,
        query.agency(),
        query.evaluation_period()?,
    )
    .await?;
    Ok(crate::web::no_store(HttpResponse::Ok().json(e)))
}

/// 执法档案: an officer's acts (50 a page) and indicators for a period.
#[utoipa::path(get, path = "/api/v1/staff/oversight/officers/{id}", tag = "staff",
    params(("id" = i32, Path), OversightQuery),
    responses((status = 200, body = Object), (status = 404, description = "No such officer, or not one whose record the caller may read", body = crate::web::error::ErrorBody)))]
pub async fn officer(
    state: web::Data<AppState>,
    ApiStaff(staff): ApiStaff,
    id: web::Path<i32>,
    query: web::Query<OversightQuery>,
) -> Result<HttpResponse, AppError> {
    let r = crate::app::officer_record::record(
        &state.app,
        &staff,
        StaffId(id.into_inner()),
        query.evaluation_period()?,
        query.page.parse().ok(),
    )
    .await?;
    Ok(crate::web::no_store(HttpResponse::Ok().json(r)))
}

/// The monthly bulletins (执法情况通报) of an agency in scope, newest first.
#[utoipa::path(get, path = "/api/v1/staff/oversight/bulletins", tag = "staff", params(OversightQuery),
    responses((status = 200, body = Object), (status = 404, body = crate::web::error::ErrorBody)))]
pub async fn bulletins(
    state: web::Data<AppState>,
    ApiStaff(staff): ApiStaff,
    query: web::Query<OversightQuery>,
) -> Result<HttpResponse, AppError> {
    let (_, list, _) = app::bulletins::of_agency(&state.app, &staff, query.agency()).await?;
    Ok(crate::web::no_store(HttpResponse::Ok().json(list)))
}

/// One bulletin, as generated.
#[utoipa::path(get, path = "/api/v1/staff/oversight/bulletins/{id}", tag = "staff",
    params(("id" = i32, Path)),
    responses((status = 200, body = Object), (status = 404, body = crate::web::error::ErrorBody)))]
pub async fn bulletin(
    state: web::Data<AppState>,
    ApiStaff(staff): ApiStaff,
    id: web::Path<i32>,
) -> Result<HttpResponse, AppError> {
    let (b, _) = app::bulletins::read(&state.app, &staff, id.into_inner()).await?;
    Ok(crate::web::no_store(HttpResponse::Ok().json(b)))
}

/// 红黑榜: the bodies directly below an agency ranked for a period (the last
/// full month when none), with red and black lists when enough are ranked.
#[utoipa::path(get, path = "/api/v1/staff/oversight/ranking", tag = "staff", params(OversightQuery),
    responses((status = 200, body = Object), (status = 400, body = crate::web::error::ErrorBody), (status = 404, body = crate::web::error::ErrorBody)))]
pub async fn ranking(
    state: web::Data<AppState>,
    ApiStaff(staff): ApiStaff,
    query: web::Query<OversightQuery>,
) -> Result<HttpResponse, AppError> {
    let r = crate::app::ranking::ranking(
        &state.app,
        &staff,
        query.agency(),
        query.evaluation_period()?,
    )
    .await?;
    Ok(crate::web::no_store(HttpResponse::Ok().json(r)))
}
