//! Petitions by JSON: the same intake rules as the forms.

use crate::domain::FieldErrors;
use crate::domain::petition::{PetitionInput, PetitionStatus};
use crate::intake::{self, CaptchaAnswer, LookupError, SubmitError};
use crate::store::petitions::{DeadlineView, PetitionRecord, TimelineEvent};
use crate::web::error::json_error;
use crate::web::public::petitions::{CAPTCHA_FORM, client_key};
use crate::web::{AppError, AppState, Lang, multipart};
use actix_multipart::Multipart;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use base64::Engine;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
pub struct CaptchaOut {
    pub captcha_id: String,
    /// A `data:image/png;base64,…` URL.
    pub image: String,
    /// The accessible alternative: answer either this or the image.
    pub question: String,
}

/// A new captcha challenge for `POST /api/v1/petitions`.
#[utoipa::path(get, path = "/api/v1/captcha", tag = "petitions", responses((status = 200, body = CaptchaOut)))]
pub async fn captcha(state: web::Data<AppState>, lang: Lang) -> Result<HttpResponse, AppError> {
    let id = intake::new_captcha(&state, CAPTCHA_FORM).await?;
    let now = chrono::Utc::now().timestamp_millis();
    let png = state
        .store
        .captcha_image(&id, now)
        .await?
        .unwrap_or_default();
    let (zh, en) = state
        .store
        .captcha_questions(&id)
        .await?
        .unwrap_or_default();
    Ok(HttpResponse::Ok().json(CaptchaOut {
        captcha_id: id,
        image: format!(
            "data:image/png;base64,{}",
            base64::engine::general_purpose::STANDARD.encode(png)
        ),
        question: if lang == Lang::En { en } else { zh },
    }))
}

#[derive(Deserialize, ToSchema, Default)]
pub struct ContactIn {
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
}

#[derive(Deserialize, ToSchema)]
pub struct PetitionIn {
    /// complaint, report or litigation
    pub kind: String,
    /// An agency id; omit when not sure (routed by category).
    pub agency_id: Option<i32>,
    pub category: String,
    pub title: String,
    pub description: String,
    #[serde(default)]
    pub subject: Option<String>,
    #[serde(default)]
    pub desired_outcome: Option<String>,
    #[serde(default)]
    pub related_case_number: Option<String>,
    #[serde(default)]
    pub anonymous: Option<bool>,
    #[serde(default)]
    pub contact: Option<ContactIn>,
    #[serde(default)]
    pub captcha_id: Option<String>,
    #[serde(default)]
    pub captcha_answer: Option<String>,
}

/// A running time limit with its citation in the reader's language (API, receipt, status page).
#[derive(Serialize, ToSchema)]
pub struct DeadlineOut {
    pub clock: String,
    pub due_on: String,
    pub citation: String,
}

impl DeadlineOut {
    pub fn localized(
        clock: &str,
        due_on: String,
        citation_zh: &str,
        citation_en: &str,
        lang: Lang,
    ) -> Self {
        Self {
            clock: clock.to_owned(),
            due_on,
            citation: if lang == Lang::En {
                citation_en
            } else {
                citation_zh
            }
            .to_owned(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct PetitionCreated {
    pub tracking_number: String,
    /// Shown once; only a keyed hash of it is kept.
    pub access_code: String,
    pub status: PetitionStatus,
    pub deadlines: Vec<DeadlineOut>,
}

#[derive(Serialize, ToSchema)]
pub struct ValidationError {
    pub error: ValidationDetail,
}

#[derive(Serialize, ToSchema)]
pub struct ValidationDetail {
    pub code: String,
    pub message: String,
    /// Field name → translated problem.
    pub fields: std::collections::BTreeMap<String, String>,
}

fn validation_error(lang: Lang, errors: &FieldErrors) -> HttpResponse {
    HttpResponse::UnprocessableEntity().json(ValidationError {
        error: ValidationDetail {
            code: "validation_failed".to_owned(),
            message: lang.t("form-has-errors"),
            fields: errors
                .iter()
                .map(|(f, k)| (f.to_owned(), lang.t(k)))
                .collect(),
        },
    })
}

fn submit_error(lang: Lang, e: SubmitError) -> Result<HttpResponse, AppError> {
    Ok(match e {
        SubmitError::Invalid(errors) => validation_error(lang, &errors),
        SubmitError::Captcha => json_error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "captcha_failed",
            lang.t("error-captcha"),
        ),
        SubmitError::File { name, key } => json_error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "file_refused",
            format!("{name}: {}", lang.t(key)),
        ),
        SubmitError::Throttled { retry_after } => {
            return Err(AppError::TooManyRequests { retry_after });
        }
        SubmitError::Internal(e) => return Err(e),
    })
}

/// Files a complaint, report or litigation-related petition.
#[utoipa::path(post, path = "/api/v1/petitions", tag = "petitions", request_body = PetitionIn,
    responses((status = 201, body = PetitionCreated), (status = 422, body = ValidationError), (status = 429, body = crate::web::error::ErrorBody)))]
pub async fn create(
    req: HttpRequest,
    state: web::Data<AppState>,
    lang: Lang,
    body: web::Json<PetitionIn>,
) -> Result<HttpResponse, AppError> {
    let b = body.into_inner();
    let contact = b.contact.unwrap_or_default();
    let input = PetitionInput {
        kind: b.kind,
        agency: b
            .agency_id
            .map_or_else(|| "unsure".to_owned(), |id| id.to_string()),
        category: b.category,
        subject: b.subject.unwrap_or_default(),
        title: b.title,
        description: b.description,
        desired_outcome: b.desired_outcome.unwrap_or_default(),
        related_case_number: b.related_case_number.unwrap_or_default(),
        anonymous: if b.anonymous.unwrap_or(false) {
            "on".into()
        } else {
            String::new()
        },
        contact_name: contact.name,
        contact_email: contact.email.unwrap_or_default(),
        contact_phone: contact.phone.unwrap_or_default(),
    };
    // The API answers one challenge with either of its answers.
    let answer = b.captcha_answer.unwrap_or_default();
    let captcha = CaptchaAnswer {
        captcha_id: b.captcha_id.unwrap_or_default(),
        captcha_answer: answer.clone(),
        captcha_question_answer: answer,
    };
    if let Err(e) = intake::check_captcha(&state, CAPTCHA_FORM, &captcha).await {
        return submit_error(lang, e);
    }
    match intake::submit(&state, &input, Vec::new(), "", &client_key(&req), lang).await {
        Ok(r) => Ok(HttpResponse::Created().json(PetitionCreated {
            tracking_number: r.tracking_number.as_str().to_owned(),
            access_code: r.access_code.display(),
            status: r.petition.status,
            deadlines: r
                .deadlines
                .iter()
                .map(|d| {
                    DeadlineOut::localized(
                        &d.clock,
                        d.due_on.to_string(),
                        &d.citation_zh,
                        &d.citation_en,
                        lang,
                    )
                })
                .collect(),
        })),
        Err(e) => submit_error(lang, e),
    }
}

#[derive(Serialize, ToSchema)]
pub struct PetitionStatusOut {
    pub tracking_number: String,
    pub kind: crate::domain::petition::PetitionKind,
    pub category: crate::domain::petition::PetitionCategory,
    pub title: String,
    pub status: PetitionStatus,
    pub agency_id: i32,
    pub received_at: chrono::DateTime<chrono::Utc>,
    pub deadlines: Vec<DeadlineView>,
    pub timeline: Vec<TimelineEvent>,
}

/// Opens a petition with `X-Access-Code`; any failure other than a malformed
/// number is the same 404, and failures are throttled.
async fn open(
    req: &HttpRequest,
    state: &AppState,
    lang: Lang,
    tn: &str,
) -> Result<Result<PetitionRecord, HttpResponse>, AppError> {
    let code = req
        .headers()
        .get("x-access-code")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    Ok(
        match intake::open_petition(state, tn, code, &client_key(req)).await? {
            Ok(p) => Ok(p),
            Err(e @ (LookupError::Malformed | LookupError::CheckFailed)) => Err(json_error(
                StatusCode::BAD_REQUEST,
                "bad_tracking_number",
                lang.t(e.message_key()),
            )),
            Err(LookupError::NoMatch) => Err(json_error(
                StatusCode::NOT_FOUND,
                "not_found",
                lang.t("error-lookup-no-match"),
            )),
            Err(LookupError::Throttled { retry_after }) => {
                return Err(AppError::TooManyRequests { retry_after });
            }
        },
    )
}

/// Status, public timeline and open deadlines of a petition.
#[utoipa::path(get, path = "/api/v1/petitions/{tracking_number}", tag = "petitions",
    params(("tracking_number" = String, Path), ("X-Access-Code" = String, Header)),
    responses((status = 200, body = PetitionStatusOut), (status = 400, body = crate::web::error::ErrorBody), (status = 404, body = crate::web::error::ErrorBody), (status = 429, body = crate::web::error::ErrorBody)))]
pub async fn show(
    req: HttpRequest,
    state: web::Data<AppState>,
    lang: Lang,
    tn: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let p = match open(&req, &state, lang, &tn).await? {
        Ok(p) => p,
        Err(r) => return Ok(r),
    };
    // One query when nothing changed since the last look (see `StatusCache`).
    let parts = state.store.petition_status_parts(&p).await?;
    Ok(HttpResponse::Ok().json(PetitionStatusOut {
        deadlines: parts
            .deadlines
            .iter()
            .filter(|d| d.status == "open")
            .cloned()
            .collect(),
        timeline: parts.timeline.clone(),
        tracking_number: p.tracking_number,
        kind: p.kind,
        category: p.category,
        title: p.title,
        status: p.status,
        agency_id: p.agency_id,
        received_at: p.received_at,
    }))
}

#[derive(Deserialize, ToSchema)]
pub struct MessageIn {
    pub message: String,
}

/// A follow-up message from the petitioner.
#[utoipa::path(post, path = "/api/v1/petitions/{tracking_number}/messages", tag = "petitions", request_body = MessageIn,
    params(("tracking_number" = String, Path), ("X-Access-Code" = String, Header)),
    responses((status = 201, body = TimelineEvent), (status = 404, body = crate::web::error::ErrorBody), (status = 422, body = ValidationError)))]
pub async fn message(
    req: HttpRequest,
    state: web::Data<AppState>,
    lang: Lang,
    tn: web::Path<String>,
    body: web::Json<MessageIn>,
) -> Result<HttpResponse, AppError> {
    let p = match open(&req, &state, lang, &tn).await? {
        Ok(p) => p,
        Err(r) => return Ok(r),
    };
    let text = match crate::domain::petition::parse_message(&body.message) {
        Ok(t) => t,
        Err(errors) => return Ok(validation_error(lang, &errors)),
    };
    let event = state
        .store
        .add_petitioner_follow_up(p.id, &text, &[])
        .await?;
    Ok(HttpResponse::Created().json(event))
}

/// Further evidence (补充材料), as `multipart/form-data` with one or more `evidence` files.
#[utoipa::path(post, path = "/api/v1/petitions/{tracking_number}/evidence", tag = "petitions",
    params(("tracking_number" = String, Path), ("X-Access-Code" = String, Header)),
    responses((status = 201, body = TimelineEvent), (status = 404, body = crate::web::error::ErrorBody), (status = 413, body = crate::web::error::ErrorBody), (status = 422, body = crate::web::error::ErrorBody)))]
pub async fn evidence(
    req: HttpRequest,
    state: web::Data<AppState>,
    lang: Lang,
    tn: web::Path<String>,
    payload: Multipart,
) -> Result<HttpResponse, AppError> {
    let p = match open(&req, &state, lang, &tn).await? {
        Ok(p) => p,
        Err(r) => return Ok(r),
    };
    let data = multipart::read(payload).await?;
    if let Some(problem) = data.file_problem {
        let status = if problem == "error-files-total-too-large" {
            StatusCode::PAYLOAD_TOO_LARGE
        } else {
            StatusCode::UNPROCESSABLE_ENTITY
        };
        return Ok(json_error(status, "file_refused", lang.t(problem)));
    }
    if data.files.is_empty() {
        return Ok(json_error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "no_file",
            lang.t("error-message-or-file"),
        ));
    }
    let files = match intake::store_uploads(&state, data.files).await {
        Ok(f) => f,
        Err(e) => return submit_error(lang, e),
    };
    let mut event = state
        .store
        .add_petitioner_follow_up(p.id, "", &files)
        .await?;
    event.files = state
        .store
        .petition_files(p.id)
        .await?
        .into_iter()
        .filter(|f| f.event_id == Some(event.id))
        .collect();
    Ok(HttpResponse::Created().json(event))
}
