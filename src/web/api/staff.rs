//! The staff API: bearer tokens, the queues, a petition, and its actions —
//! the same use cases as the console pages.

use crate::app::acting;
use crate::app::records;
use crate::app::{self, Error, accounts, handling};
use crate::domain::staff::Email;
use crate::domain::workflow::Command;
use crate::store::petitions::{DeadlineView, Petition, TimelineEvent};
use crate::store::queues::Queue;
use crate::store::staff::StaffMember;
use crate::web::{AppError, AppState, client_key};
use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, HttpResponse, web};
use futures_util::future::LocalBoxFuture;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The staff member behind `Authorization: Bearer …`.
pub struct ApiStaff(pub StaffMember);

impl FromRequest for ApiStaff {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<Self, AppError>>;
    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let token = req
            .headers()
            .get(actix_web::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::to_owned);
        let state = req.app_data::<web::Data<AppState>>().cloned();
        Box::pin(async move {
            let (Some(token), Some(state)) = (token, state) else {
                return Err(AppError::Unauthorized);
            };
            accounts::staff_for_token(&state.app, &token)
                .await?
                .map(ApiStaff)
                .ok_or(AppError::Unauthorized)
        })
    }
}

#[derive(Deserialize, ToSchema)]
pub struct TokenIn {
    pub email: String,
    pub password: String,
    /// The current code of the account's second factor (or a recovery code),
    /// when it has one.
    #[serde(default)]
    pub code: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct TokenOut {
    pub token: String,
    pub expires_at: chrono::DateTime<chrono::Utc>,
}

/// A bearer token for a staff member (8 hours). Failed attempts are throttled
/// like the login form; an account with a second factor gives its `code` too.
#[utoipa::path(post, path = "/api/v1/auth/token", tag = "staff", request_body = TokenIn,
    responses((status = 200, body = TokenOut), (status = 401, body = crate::web::error::ErrorBody), (status = 429, body = crate::web::error::ErrorBody)))]
pub async fn token(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: web::Json<TokenIn>,
) -> Result<HttpResponse, AppError> {
    let email = Email::parse(&body.email).ok_or(AppError::LoginFailed)?;
    let client = client_key(&req);
    let staff = accounts::authenticate(&state.app, &email, &body.password, &client, None).await?;
    let (token, expires) =
        accounts::issue_token(&state.app, &staff, body.code.as_deref(), &client).await?;
    Ok(HttpResponse::Ok().json(TokenOut {
        token,
        expires_at: chrono::DateTime::from_timestamp_millis(expires).unwrap_or_default(),
    }))
}

#[derive(Deserialize)]
pub struct QueueQuery {
    #[serde(default)]
    queue: String,
    #[serde(default)]
    sort: String,
    #[serde(default)]
    page: Option<u64>,
}

/// The petitions in one of the caller's queues (new, to_assign, mine,
/// approval, due, overdue, or all), 50 a page; `X-Total-Count` says how many
/// the queue holds.
#[utoipa::path(get, path = "/api/v1/staff/petitions", tag = "staff",
    params(("queue" = Option<String>, Query, description = "new, to_assign, mine, approval, due, overdue; empty for all in scope"),
           ("sort" = Option<String>, Query, description = "due, received or newest; the queue's own order when empty"),
           ("page" = Option<u64>, Query, description = "from 1")),
    responses((status = 200, body = [Object]), (status = 401, body = crate::web::error::ErrorBody)))]
pub async fn list(
    state: web::Data<AppState>,
    ApiStaff(staff): ApiStaff,
    query: web::Query<QueueQuery>,
) -> Result<HttpResponse, AppError> {
    let queue = Queue::parse(&query.queue).unwrap_or(Queue::All);
    let sort = crate::store::queues::Sort::parse(&query.sort);
    let page = handling::queue(&state.app, &staff, queue, sort, query.page.unwrap_or(1)).await?;
    Ok(HttpResponse::Ok()
        .insert_header(("X-Total-Count", page.total.to_string()))
        .json(page.rows))
}

#[derive(Serialize)]
pub struct StaffPetitionOut {
    pub petition: Petition,
    /// Only for those who handle it; every read is audited.
    pub complainant: Option<records::Identity>,
    pub deadlines: Vec<DeadlineView>,
    pub timeline: Vec<TimelineEvent>,
    /// Links to other petitions of the same matter (重复信访).
    pub links: Vec<crate::store::duplicates::Link>,
}

/// A petition in scope with its whole timeline.
#[utoipa::path(get, path = "/api/v1/staff/petitions/{tracking_number}", tag = "staff",
    params(("tracking_number" = String, Path)),
    responses((status = 200, body = Object), (status = 404, body = crate::web::error::ErrorBody)))]
pub async fn show(
    state: web::Data<AppState>,
    ApiStaff(staff): ApiStaff,
    tn: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let r = records::record(&state.app, &staff, &tn).await?;
    Ok(HttpResponse::Ok().json(StaffPetitionOut {
        deadlines: r.deadlines,
        timeline: r.timeline,
        links: r.links,
        complainant: r.complainant,
        petition: r.petition,
    }))
}

#[derive(Deserialize)]
pub struct ActionIn {
    #[serde(flatten)]
    pub command: Command,
    /// The version the caller saw; a stale one gets 409.
    #[serde(default)]
    pub version: Option<i32>,
}

/// Acts on a petition: `{"action": "accept"}`, `{"action": "assign", "handler_id": 5}`, …
#[utoipa::path(post, path = "/api/v1/staff/petitions/{tracking_number}/actions", tag = "staff",
    params(("tracking_number" = String, Path)),
    responses((status = 200, body = Object), (status = 404, body = crate::web::error::ErrorBody), (status = 409, body = crate::web::error::ErrorBody), (status = 422, body = crate::web::error::ErrorBody)))]
pub async fn action(
    state: web::Data<AppState>,
    ApiStaff(staff): ApiStaff,
    tn: web::Path<String>,
    body: web::Json<ActionIn>,
) -> Result<HttpResponse, AppError> {
    let body = body.into_inner();
    let version = handling::act(&state.app, &staff, &tn, body.command, body.version).await?;
    let p = records::visible_petition(&state.app, &staff, &tn)
        .await
        .ok();
    Ok(HttpResponse::Ok()
        .json(serde_json::json!({ "version": version, "status": p.map(|p| p.status) })))
}

/// Earlier petitions that may be the same matter (重复信访), for intake clerks
/// and supervisors: likely the same matter, other matters of the same
/// petitioner, and the refusal to offer after a re-review. Never an identity.
#[utoipa::path(get, path = "/api/v1/staff/petitions/{tracking_number}/duplicates", tag = "staff",
    params(("tracking_number" = String, Path)),
    responses((status = 200, body = Object), (status = 404, body = crate::web::error::ErrorBody)))]
pub async fn duplicates(
    state: web::Data<AppState>,
    ApiStaff(staff): ApiStaff,
    tn: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let p = records::visible_petition(&state.app, &staff, &tn).await?;
    let s = app::duplicates::suggestions(&state.app, &staff, &p).await?;
    Ok(HttpResponse::Ok().json(s))
}

#[derive(Deserialize, ToSchema)]
pub struct LinkIn {
    /// The other petition's tracking number (any form).
    pub other: String,
    pub reason: String,
}

/// Records two petitions as the same matter (关联); both go on. To merge one
/// into the other, use the `merge` action.
#[utoipa::path(post, path = "/api/v1/staff/petitions/{tracking_number}/links", tag = "staff",
    params(("tracking_number" = String, Path)), request_body = LinkIn,
    responses((status = 201, body = Object), (status = 403, body = crate::web::error::ErrorBody), (status = 404, body = crate::web::error::ErrorBody), (status = 422, body = crate::web::error::ErrorBody)))]
pub async fn link(
    state: web::Data<AppState>,
    ApiStaff(staff): ApiStaff,
    tn: web::Path<String>,
    body: web::Json<LinkIn>,
) -> Result<HttpResponse, AppError> {
    app::duplicates::link(&state.app, &staff, &tn, &body.other, &body.reason).await?;
    Ok(HttpResponse::Created().json(serde_json::json!({ "linked": true })))
}

/// The petitioner's own actions (rate, request_review, close) with `X-Access-Code`.
#[utoipa::path(post, path = "/api/v1/petitions/{tracking_number}/actions", tag = "petitions",
    params(("tracking_number" = String, Path), ("X-Access-Code" = String, Header)),
    responses((status = 200, body = Object), (status = 404, body = crate::web::error::ErrorBody), (status = 422, body = crate::web::error::ErrorBody)))]
pub async fn petitioner_action(
    req: HttpRequest,
    state: web::Data<AppState>,
    tn: web::Path<String>,
    body: web::Json<ActionIn>,
) -> Result<HttpResponse, AppError> {
    let code = super::petitions::access_code(&req);
    let record = match app::lookup::open_petition(&state.app, &tn, code, &client_key(&req)).await {
        Ok(r) => r,
        Err(e @ Error::Throttled { .. }) => return Err(e.into()),
        // Any other failure to open it is the same answer as a wrong code.
        Err(Error::TrackingNumber(_) | Error::NoMatch) => return Err(Error::NoMatch.into()),
        Err(e) => return Err(e.into()),
    };
    let version = acting::petitioner_act(&state.app, &record, body.into_inner().command).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "version": version })))
}
