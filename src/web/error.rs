//! Which error belongs where:
//! - `domain` returns typed refusals (`FieldErrors`, `Refusal`) with the key of
//!   their translated explanation;
//! - `store` returns `StoreError`; `app` returns `app::Error`, which says what
//!   the reader can be told (a refusal, a conflict, invalid fields, a throttle)
//!   or that something failed (`Internal`);
//! - handlers return `AppError`, converted from `app::Error` here and nowhere
//!   else: its status, stable code and translated message are decided in this
//!   file, for the HTML pages and the JSON API alike. A handler that shows an
//!   error next to the form it re-renders asks `status_code()` and `message()`.
//!   The body of every error response is made in one place, `render_errors`,
//!   which knows the request: a translated HTML page, or the JSON shape
//!   `{"error": {"code", "message"}}` under `/api/`, `/healthz` and
//!   `/open311/` (validation errors add `fields`). A 500 is logged there, once,
//!   with its whole cause chain; the reader sees no internals.

use super::i18n::{Lang, lang_of};
use super::state::AppState;
use crate::app;
use crate::domain::FieldErrors;
use crate::domain::codes::TrackingNumberError;
use crate::render::Layout;
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
    /// A number and code that open nothing (the same for a wrong number); the
    /// key says which kind of number.
    #[error("no match for that number and code")]
    NoMatch(&'static str),
    #[error("forbidden")]
    Forbidden,
    #[error("login required")]
    LoginRequired,
    /// Signed in with the password; the second factor is still to come.
    #[error("second factor required")]
    SecondFactorRequired,
    /// The role requires a second factor the account has not enrolled.
    #[error("second factor enrolment required")]
    EnrolRequired,
    #[error("bearer token missing or invalid")]
    Unauthorized,
    #[error("login failed")]
    LoginFailed,
    #[error("CSRF token missing or invalid")]
    Csrf,
    #[error("request body too large")]
    PayloadTooLarge,
    /// A request the reader can fix; the key names the translated explanation.
    #[error("bad request ({0})")]
    BadRequest(&'static str),
    /// Not a tracking number, or one with a typo.
    #[error("bad tracking number ({0})")]
    BadTrackingNumber(&'static str),
    /// Understood but refused (422), with a stable code: `refused`, `invalid`,
    /// `captcha_failed`, `no_file`.
    #[error("{code} ({key})")]
    Unprocessable {
        code: &'static str,
        key: &'static str,
    },
    /// A workflow refusal that names what it refused (`refused`): the
    /// template placeholder left in a draft.
    #[error("refused ({key}: {name})")]
    RefusedNaming { key: &'static str, name: String },
    /// A file refused; `name` may be empty.
    #[error("file refused: {name} ({key})")]
    FileRefused { name: String, key: &'static str },
    /// Fields of a form or a JSON body, each with its problem.
    #[error("validation failed")]
    Validation(FieldErrors),
    /// Changed meanwhile; `current` is the version now.
    #[error("conflict (now version {current})")]
    Conflict { current: i32 },
    #[error("too many requests; retry after {retry_after} s")]
    TooManyRequests { retry_after: u64 },
    #[error("search unavailable")]
    SearchUnavailable,
    /// No CJK font on this machine to draw PDFs with (`render::pdf`).
    #[error("PDF letters unavailable: no CJK font")]
    PdfUnavailable,
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl AppError {
    pub fn code(&self) -> &'static str {
        match self {
            AppError::NotFound | AppError::NoMatch(_) => "not_found",
            AppError::Forbidden => "forbidden",
            AppError::LoginRequired
            | AppError::SecondFactorRequired
            | AppError::EnrolRequired
            | AppError::Unauthorized
            | AppError::LoginFailed => "unauthorized",
            AppError::Csrf => "csrf_rejected",
            AppError::PayloadTooLarge => "payload_too_large",
            AppError::BadRequest(_) => "bad_request",
            AppError::BadTrackingNumber(_) => "bad_tracking_number",
            AppError::Unprocessable { code, .. } => code,
            AppError::RefusedNaming { .. } => "refused",
            AppError::FileRefused { .. } => "file_refused",
            AppError::Validation(_) => "validation_failed",
            AppError::Conflict { .. } => "conflict",
            AppError::TooManyRequests { .. } => "too_many_requests",
            AppError::SearchUnavailable => "search_unavailable",
            AppError::PdfUnavailable => "pdf_unavailable",
            AppError::Internal(_) => "internal",
        }
    }

    /// The Fluent key of the explanation a reader sees.
    pub fn message_key(&self) -> &'static str {
        match self {
            AppError::NotFound => "error-not-found",
            AppError::NoMatch(key) => key,
            AppError::Forbidden => "error-forbidden",
            AppError::LoginRequired
            | AppError::SecondFactorRequired
            | AppError::EnrolRequired
            | AppError::Unauthorized => "error-unauthorized",
            AppError::LoginFailed => "login-failed",
            AppError::Csrf => "error-csrf",
            AppError::PayloadTooLarge => "error-payload-too-large",
            AppError::BadRequest(key)
            | AppError::BadTrackingNumber(key)
            | AppError::Unprocessable { key, .. }
            | AppError::RefusedNaming { key, .. }
            | AppError::FileRefused { key, .. } => key,
            AppError::Validation(_) => "form-has-errors",
            AppError::Conflict { .. } => "error-petition-conflict",
            AppError::TooManyRequests { .. } => "error-too-many-requests",
            AppError::SearchUnavailable => "error-search-unavailable",
            AppError::PdfUnavailable => "error-pdf-unavailable",
            AppError::Internal(_) => "error-internal",
        }
    }

    /// The explanation in `lang`, with what it names (a file, a version).
    pub fn message(&self, lang: Lang) -> String {
        match self {
            AppError::FileRefused { name, key } if !name.is_empty() => {
                format!("{name}: {}", lang.t(key))
            }
            AppError::RefusedNaming { key, name } => lang.t_args(key, &[("name", name.clone())]),
            AppError::Conflict { current } => lang.t_args(
                "error-petition-conflict",
                &[("version", current.to_string())],
            ),
            other => lang.t(other.message_key()),
        }
    }

    pub fn internal(e: impl Into<anyhow::Error>) -> Self {
        AppError::Internal(e.into())
    }
}

impl From<app::Error> for AppError {
    fn from(e: app::Error) -> Self {
        use app::Error as E;
        match e {
            E::NotFound => AppError::NotFound,
            E::NoMatch => AppError::NoMatch("error-lookup-no-match"),
            E::NoCaseMatch => AppError::NoMatch("error-case-no-match"),
            E::TrackingNumber(TrackingNumberError::Malformed) => {
                AppError::BadTrackingNumber("error-tracking-malformed")
            }
            E::TrackingNumber(TrackingNumberError::CheckFailed) => {
                AppError::BadTrackingNumber("error-tracking-typo")
            }
            E::Forbidden => AppError::Forbidden,
            E::Refused(r) if r.names().is_some() => AppError::RefusedNaming {
                key: r.message_key(),
                name: r.names().unwrap_or_default().to_owned(),
            },
            E::Refused(r) => AppError::Unprocessable {
                code: "refused",
                key: r.message_key(),
            },
            E::Conflict { current } => AppError::Conflict { current },
            E::Invalid(key) => AppError::Unprocessable {
                code: "invalid",
                key,
            },
            E::Fields(f) => AppError::Validation(f),
            E::Captcha => AppError::Unprocessable {
                code: "captcha_failed",
                key: "error-captcha",
            },
            E::Throttled { retry_after } => AppError::TooManyRequests { retry_after },
            E::File { name, key } => AppError::FileRefused { name, key },
            E::LoginFailed => AppError::LoginFailed,
            E::SearchUnavailable(_) => AppError::SearchUnavailable,
            E::Internal(e) => AppError::Internal(e),
        }
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        app::Error::from(e).into()
    }
}

impl From<crate::render::RenderError> for AppError {
    fn from(e: crate::render::RenderError) -> Self {
        AppError::Internal(anyhow::Error::new(e))
    }
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            AppError::NotFound | AppError::NoMatch(_) => StatusCode::NOT_FOUND,
            AppError::Forbidden | AppError::Csrf => StatusCode::FORBIDDEN,
            AppError::LoginRequired | AppError::SecondFactorRequired | AppError::EnrolRequired => {
                StatusCode::SEE_OTHER
            }
            AppError::Unauthorized | AppError::LoginFailed => StatusCode::UNAUTHORIZED,
            AppError::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::FileRefused { key, .. } if *key == "error-files-total-too-large" => {
                StatusCode::PAYLOAD_TOO_LARGE
            }
            AppError::BadRequest(_) | AppError::BadTrackingNumber(_) => StatusCode::BAD_REQUEST,
            AppError::Unprocessable { .. }
            | AppError::RefusedNaming { .. }
            | AppError::FileRefused { .. }
            | AppError::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::Conflict { .. } => StatusCode::CONFLICT,
            AppError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::SearchUnavailable | AppError::PdfUnavailable => {
                StatusCode::SERVICE_UNAVAILABLE
            }
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
    /// Stable, machine-readable: `not_found`, `bad_request`, `unauthorized`,
    /// `validation_failed`, `refused`, `conflict`, …
    pub code: String,
    /// Human-readable, in the request's language.
    pub message: String,
    /// `validation_failed` only: field name → translated problem.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fields: Option<std::collections::BTreeMap<String, String>>,
}

fn json_error(
    status: StatusCode,
    error: Option<&AppError>,
    lang: Lang,
    code: &str,
    message: String,
) -> HttpResponse {
    let fields = match error {
        Some(AppError::Validation(f)) => Some(
            f.iter()
                .map(|(field, key)| (field.to_owned(), lang.t(key)))
                .collect(),
        ),
        _ => None,
    };
    HttpResponse::build(status).json(ErrorBody {
        error: ErrorDetail {
            code: code.to_owned(),
            message,
            fields,
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
            lang: lang_of(req),
            state: req.app_data::<web::Data<AppState>>().cloned(),
        }
    }
}

fn render(cx: &ErrorContext, status: StatusCode, error: Option<&AppError>) -> HttpResponse {
    let lang = cx.lang;
    if let Some(AppError::Internal(cause)) = error {
        tracing::error!(http.path = %cx.path, error = %format!("{cause:#}"), "request failed");
    }
    let step = match error {
        Some(AppError::LoginRequired) => Some("/staff/login"),
        Some(AppError::SecondFactorRequired) => Some("/staff/login/second-factor"),
        Some(AppError::EnrolRequired) => Some("/staff/account/second-factor"),
        _ => None,
    };
    if let Some(step) = step
        && !is_api_path(&cx.path)
    {
        let next = url::form_urlencoded::byte_serialize(cx.uri.as_bytes()).collect::<String>();
        return HttpResponse::SeeOther()
            .insert_header((header::LOCATION, format!("{step}?next={next}")))
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
    let message = error.map_or_else(|| lang.t(key), |e| e.message(lang));
    let status = if status == StatusCode::SEE_OTHER {
        StatusCode::UNAUTHORIZED
    } else {
        status
    };
    let mut response = if is_api_path(&cx.path) {
        json_error(status, error, lang, code, message)
    } else {
        let html = cx
            .state
            .as_ref()
            .and_then(|state| {
                let layout = Layout::for_path(&cx.path, &cx.query, lang, !state.app.captcha_on);
                state.views.error_page(layout, status.as_u16(), key).ok()
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
