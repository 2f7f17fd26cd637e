//! The staff API: bearer tokens, the queues, a petition, and its actions —
//! the same domain functions as the console pages.

use crate::domain::staff::Email;
use crate::domain::workflow::Command;
use crate::handling::{self, ActError};
use crate::store::petitions::{DeadlineView, TimelineEvent};
use crate::store::staff::StaffMember;
use crate::store::workflow::CasePetition;
use crate::web::error::json_error;
use crate::web::public::petitions::client_key;
use crate::web::{AppError, AppState, Lang};
use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::{FromRequest, HttpRequest, HttpResponse, web};
use base64::Engine;
use futures_util::future::LocalBoxFuture;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

const TOKEN_LIFETIME_MS: i64 = 8 * 3600 * 1000;

fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

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
            let now = chrono::Utc::now().timestamp_millis();
            let staff_id = state
                .store
                .staff_for_token(&token_hash(&token), now)
                .await?
                .ok_or(AppError::Unauthorized)?;
            let staff = state
                .store
                .active_staff(staff_id)
                .await?
                .ok_or(AppError::Unauthorized)?;
            Ok(ApiStaff(staff))
        })
    }
}

#[derive(Deserialize, ToSchema)]
pub struct TokenIn {
    pub email: String,
    pub password: String,
}

#[derive(Serialize, ToSchema)]
pub struct TokenOut {
    pub token: String,
    pub expires_at: chrono::DateTime<chrono::Utc>,
}

/// A bearer token for a staff member (8 hours). Failed attempts are throttled like the login form.
#[utoipa::path(post, path = "/api/v1/auth/token", tag = "staff", request_body = TokenIn,
    responses((status = 200, body = TokenOut), (status = 401, body = crate::web::error::ErrorBody), (status = 429, body = crate::web::error::ErrorBody)))]
pub async fn token(
    req: HttpRequest,
    state: web::Data<AppState>,
    lang: Lang,
    body: web::Json<TokenIn>,
) -> Result<HttpResponse, AppError> {
    let Some(email) = Email::parse(&body.email) else {
        return Ok(json_error(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            lang.t("login-failed"),
        ));
    };
    let client = client_key(&req);
    let now = std::time::Instant::now();
    if let Some(wait) = state.login_throttle.blocked(email.as_str(), &client, now) {
        return Err(AppError::TooManyRequests {
            retry_after: wait.as_secs().max(1),
        });
    }
    let credentials = state.store.staff_credentials(&email).await?;
    let password = body.password.clone();
    let verified = web::block(move || match credentials {
        Some((staff, hash)) => crate::auth::password::verify(&password, &hash).then_some(staff),
        None => {
            crate::auth::password::verify_against_nothing(&password);
            None
        }
    })
    .await
    .map_err(AppError::internal)?;
    let Some(staff) = verified else {
        state
            .login_throttle
            .record_failure(email.as_str(), &client, now);
        return Ok(json_error(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            lang.t("login-failed"),
        ));
    };
    state.login_throttle.record_success(email.as_str());
    let mut bytes = [0u8; 32];
    rand::RngCore::fill_bytes(&mut rand::rng(), &mut bytes);
    let token = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
    let expires = chrono::Utc::now().timestamp_millis() + TOKEN_LIFETIME_MS;
    state
        .store
        .insert_staff_token(&token_hash(&token), staff.id, expires)
        .await?;
    Ok(HttpResponse::Ok().json(TokenOut {
        token,
        expires_at: chrono::DateTime::from_timestamp_millis(expires).unwrap_or_default(),
    }))
}

#[derive(Deserialize)]
pub struct QueueQuery {
    #[serde(default)]
    queue: String,
}

/// The petitions in one of the caller's queues: new, mine, approval, due, overdue (or all).
#[utoipa::path(get, path = "/api/v1/staff/petitions", tag = "staff",
    params(("queue" = Option<String>, Query, description = "new, mine, approval, due, overdue; empty for all in scope")),
    responses((status = 200, body = [Object]), (status = 401, body = crate::web::error::ErrorBody)))]
pub async fn list(
    state: web::Data<AppState>,
    ApiStaff(staff): ApiStaff,
    query: web::Query<QueueQuery>,
) -> Result<HttpResponse, AppError> {
    let today = crate::domain::clock::china_date(chrono::Utc::now());
    let items = state
        .store
        .petition_queue(staff.agency_id, staff.id, &staff.name, &query.queue, today)
        .await?;
    Ok(HttpResponse::Ok().json(items))
}

#[derive(Serialize)]
pub struct StaffPetitionOut {
    pub petition: CasePetition,
    /// Only for those who handle it; every read is audited.
    pub complainant: Option<handling::Identity>,
    pub deadlines: Vec<DeadlineView>,
    pub timeline: Vec<TimelineEvent>,
}

fn act_error(lang: Lang, e: ActError) -> Result<HttpResponse, AppError> {
    Ok(match e {
        ActError::NotFound => json_error(
            StatusCode::NOT_FOUND,
            "not_found",
            lang.t("error-not-found"),
        ),
        ActError::Refused(r) => json_error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "refused",
            lang.t(r.message_key()),
        ),
        ActError::Conflict { current } => json_error(
            StatusCode::CONFLICT,
            "conflict",
            lang.t_args(
                "error-petition-conflict",
                &[("version", current.to_string())],
            ),
        ),
        ActError::Invalid(key) => {
            json_error(StatusCode::UNPROCESSABLE_ENTITY, "invalid", lang.t(key))
        }
        ActError::Internal(e) => return Err(e),
    })
}

/// A petition in scope with its whole timeline.
#[utoipa::path(get, path = "/api/v1/staff/petitions/{tracking_number}", tag = "staff",
    params(("tracking_number" = String, Path)),
    responses((status = 200, body = Object), (status = 404, body = crate::web::error::ErrorBody)))]
pub async fn show(
    state: web::Data<AppState>,
    lang: Lang,
    ApiStaff(staff): ApiStaff,
    tn: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let p = match handling::visible_petition(&state, &staff, &tn).await {
        Ok(p) => p,
        Err(e) => return act_error(lang, e),
    };
    let complainant = handling::read_identity(&state, &staff, &p).await?;
    Ok(HttpResponse::Ok().json(StaffPetitionOut {
        deadlines: state.store.petition_deadlines(p.id).await?,
        timeline: state.store.petition_timeline(p.id, false).await?,
        complainant,
        petition: p,
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
    lang: Lang,
    ApiStaff(staff): ApiStaff,
    tn: web::Path<String>,
    body: web::Json<ActionIn>,
) -> Result<HttpResponse, AppError> {
    let body = body.into_inner();
    match handling::act(&state, &staff, &tn, body.command, body.version).await {
        Ok(version) => {
            let p = handling::visible_petition(&state, &staff, &tn).await.ok();
            Ok(HttpResponse::Ok()
                .json(serde_json::json!({ "version": version, "status": p.map(|p| p.status) })))
        }
        Err(e) => act_error(lang, e),
    }
}

/// The petitioner's own actions (rate, request_review, close) with `X-Access-Code`.
#[utoipa::path(post, path = "/api/v1/petitions/{tracking_number}/actions", tag = "petitions",
    params(("tracking_number" = String, Path), ("X-Access-Code" = String, Header)),
    responses((status = 200, body = Object), (status = 404, body = crate::web::error::ErrorBody), (status = 422, body = crate::web::error::ErrorBody)))]
pub async fn petitioner_action(
    req: HttpRequest,
    state: web::Data<AppState>,
    lang: Lang,
    tn: web::Path<String>,
    body: web::Json<ActionIn>,
) -> Result<HttpResponse, AppError> {
    let code = req
        .headers()
        .get("x-access-code")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let record = match crate::intake::open_petition(&state, &tn, code, &client_key(&req)).await? {
        Ok(r) => r,
        Err(crate::intake::LookupError::Throttled { retry_after }) => {
            return Err(AppError::TooManyRequests { retry_after });
        }
        Err(_) => {
            return Ok(json_error(
                StatusCode::NOT_FOUND,
                "not_found",
                lang.t("error-lookup-no-match"),
            ));
        }
    };
    match handling::petitioner_act(&state, &record, body.into_inner().command).await {
        Ok(version) => Ok(HttpResponse::Ok().json(serde_json::json!({ "version": version }))),
        Err(e) => act_error(lang, e),
    }
}
