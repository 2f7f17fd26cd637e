//! Which error belongs where:
//! - `domain` returns typed refusals (`FieldErrors`, `VersionConflict`) that a
//!   handler shows next to the form it re-renders; they never reach here.
//! - `store` returns `StoreError`; `NotFound` becomes a 404, the rest a 500.
//! - handlers return `AppError`. Its `ResponseError` impl only sets the status;
//!   the body is made in one place, `render_errors`, which knows the request:
//!   a translated HTML page, or the JSON shape `{"error": {"code", "message"}}`
//!   under `/api/`, `/healthz` and `/open311/`. A 500 is logged there, once,
//!   with its whole cause chain; the reader sees no internals.

use super::i18n::Lang;
use super::state::AppState;
use super::views::Layout;
use crate::store::StoreError;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{HttpRequest, HttpResponse, ResponseError, web};

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("not found")]
    NotFound,
    #[error("forbidden")]
    Forbidden,
    #[error("login required")]
    LoginRequired,
    #[error("bearer token missing or invalid")]
    Unauthorized,
    #[error("CSRF token missing or invalid")]
    Csrf,
    #[error("request body too large")]
    PayloadTooLarge,
    /// A request the reader can fix; the key names the translated explanation.
    #[error("bad request ({0})")]
    BadRequest(&'static str),
    #[error("too many requests; retry after {retry_after} s")]
    TooManyRequests { retry_after: u64 },
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl AppError {
    pub fn code(&self) -> &'static str {
        match self {
            AppError::NotFound => "not_found",
            AppError::Forbidden => "forbidden",
            AppError::LoginRequired | AppError::Unauthorized => "unauthorized",
            AppError::Csrf => "csrf_rejected",
            AppError::PayloadTooLarge => "payload_too_large",
            AppError::BadRequest(_) => "bad_request",
            AppError::TooManyRequests { .. } => "too_many_requests",
            AppError::Internal(_) => "internal",
        }
    }

    /// The Fluent key of the explanation a reader sees.
    pub fn message_key(&self) -> &'static str {
        match self {
            AppError::NotFound => "error-not-found",
            AppError::Forbidden => "error-forbidden",
            AppError::LoginRequired | AppError::Unauthorized => "error-unauthorized",
            AppError::Csrf => "error-csrf",
            AppError::PayloadTooLarge => "error-payload-too-large",
            AppError::BadRequest(key) => key,
            AppError::TooManyRequests { .. } => "error-too-many-requests",
            AppError::Internal(_) => "error-internal",
        }
    }

    pub fn internal(e: impl Into<anyhow::Error>) -> Self {
        AppError::Internal(e.into())
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => AppError::NotFound,
            other => AppError::Internal(anyhow::Error::new(other)),
        }
    }
}

impl From<sea_orm::DbErr> for AppError {
    fn from(e: sea_orm::DbErr) -> Self {
        AppError::Internal(anyhow::Error::new(e))
    }
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::Forbidden | AppError::Csrf => StatusCode::FORBIDDEN,
            AppError::LoginRequired => StatusCode::SEE_OTHER,
            AppError::Unauthorized => StatusCode::UNAUTHORIZED,
            AppError::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        HttpResponse::build(self.status_code()).finish()
    }
}

pub fn is_api_path(path: &str) -> bool {
    path.starts_with("/api/") || path == "/healthz" || path.starts_with("/open311/")
}

#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    /// Stable, machine-readable: `not_found`, `bad_request`, `unauthorized`, …
    pub code: String,
    /// Human-readable, in the request's language.
    pub message: String,
}

/// The JSON error shape, for handlers that answer errors themselves.
pub fn json_error(status: StatusCode, code: &str, message: String) -> HttpResponse {
    HttpResponse::build(status).json(ErrorBody {
        error: ErrorDetail {
            code: code.to_owned(),
            message,
        },
    })
}

/// What rendering an error needs from the request, taken before the request
/// is handed on (an `HttpRequest` must not be cloned while it is being routed).
struct ErrorContext {
    path: String,
    query: String,
    uri: String,
    lang: Lang,
    state: Option<web::Data<AppState>>,
}

impl ErrorContext {
    fn of(req: &HttpRequest) -> Self {
        ErrorContext {
            path: req.path().to_owned(),
            query: req.query_string().to_owned(),
            uri: req.uri().to_string(),
            lang: Lang::of(req),
            state: req.app_data::<web::Data<AppState>>().cloned(),
        }
    }
}

fn render(cx: &ErrorContext, status: StatusCode, error: Option<&AppError>) -> HttpResponse {
    let lang = cx.lang;
    if let Some(AppError::Internal(cause)) = error {
        tracing::error!(http.path = %cx.path, error = %format!("{cause:#}"), "request failed");
    }
    if let Some(AppError::LoginRequired) = error
        && !is_api_path(&cx.path)
    {
        let next = url::form_urlencoded::byte_serialize(cx.uri.as_bytes()).collect::<String>();
        return HttpResponse::SeeOther()
            .insert_header((header::LOCATION, format!("/staff/login?next={next}")))
            .finish();
    }
    let (code, key) = match error {
        Some(e) => (e.code(), e.message_key()),
        None => match status {
            StatusCode::NOT_FOUND => ("not_found", "error-not-found"),
            StatusCode::METHOD_NOT_ALLOWED => ("method_not_allowed", "error-method-not-allowed"),
            StatusCode::PAYLOAD_TOO_LARGE => ("payload_too_large", "error-payload-too-large"),
            s if s.is_server_error() => ("internal", "error-internal"),
            _ => ("bad_request", "error-bad-request"),
        },
    };
    let status = if status == StatusCode::SEE_OTHER {
        StatusCode::UNAUTHORIZED
    } else {
        status
    };
    let mut response = if is_api_path(&cx.path) {
        json_error(status, code, lang.t(key))
    } else {
        let html = cx
            .state
            .as_ref()
            .and_then(|state| {
                let layout = Layout::for_path(&cx.path, &cx.query, lang, !state.captcha_on);
                state.views.error_page(layout, status, key).ok()
            })
            .unwrap_or_else(|| {
                format!(
                    "<!doctype html><title>{0}</title><h1>{0}</h1>",
                    status.as_u16()
                )
            });
        HttpResponse::build(status)
            .content_type("text/html; charset=utf-8")
            .body(html)
    };
    if let Some(AppError::TooManyRequests { retry_after }) = error
        && let Ok(v) = HeaderValue::from_str(&retry_after.to_string())
    {
        response.headers_mut().insert(header::RETRY_AFTER, v);
    }
    response
}

/// Gives every error response its body: the one place errors are rendered.
pub async fn render_errors(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let cx = ErrorContext::of(req.request());
    match next.call(req).await {
        Ok(res) => {
            let status = res.status();
            if !(status.is_client_error()
                || status.is_server_error()
                || res.response().error().is_some())
            {
                return Ok(res.map_into_boxed_body());
            }
            let app_error = res
                .response()
                .error()
                .and_then(|e| e.as_error::<AppError>());
            let handled_elsewhere =
                app_error.is_none() && res.response().headers().contains_key(header::CONTENT_TYPE);
            if handled_elsewhere {
                return Ok(res.map_into_boxed_body());
            }
            let rendered = render(&cx, status, app_error);
            let (req, _) = res.into_parts();
            Ok(ServiceResponse::new(req, rendered))
        }
        Err(e) => {
            // An inner middleware failed; the request is gone, so answer through actix.
            let status = e.as_response_error().status_code();
            if e.as_error::<AppError>().is_none() && status.is_server_error() {
                tracing::error!(http.path = %cx.path, error = %e, "request failed");
            }
            let rendered = render(&cx, status, e.as_error::<AppError>());
            Err(actix_web::error::InternalError::from_response(e.to_string(), rendered).into())
        }
    }
}
