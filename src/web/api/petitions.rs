//! Petitions by JSON: the same intake rules as the forms.

use crate::app::filing::{self, CAPTCHA_FORM, CaptchaAnswer};
use crate::app::{self, lookup};
use crate::domain::petition::PetitionInput;
// 状态 — where a petition stands, as the API names the workflow's states.
use crate::domain::workflow::State as PetitionStatus;
use crate::store::petitions::{DeadlineView, Petition, TimelineEvent};
use crate::web::{AppError, AppState, Lang, client_key, multipart};
use actix_multipart::Multipart;
use actix_web::{HttpRequest, HttpResponse, web};
use base64::Engine;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
pub struct CaptchaOut {
    pub captcha_id: String,
    /// A `data:image/png;base64,…` URL.
    pub image: String,
    /// The accessible alternative: answer either this or the image.
    pub question: String,
    /// Or, without anyone reading anything: the proof of work.
    pub pow: PowOut,
}

/// A proof of work: find decimal digits `nonce` such that SHA-256 of
/// `challenge:nonce` (UTF-8) begins with `bits` zero bits; send them as `captcha_pow`.
#[derive(Serialize, ToSchema)]
pub struct PowOut {
    pub challenge: String,
    pub bits: u32,
}

/// A new captcha challenge for `POST /api/v1/petitions`.
/// At most 60 a client in 15 minutes (then 429 with `Retry-After`).
#[utoipa::path(get, path = "/api/v1/captcha", tag = "petitions", responses((status = 200, body = CaptchaOut), (status = 429, body = crate::web::error::ErrorBody)))]
pub async fn captcha(
    req: actix_web::HttpRequest,
    state: web::Data<AppState>,
    lang: Lang,
) -> Result<HttpResponse, AppError> {
    let challenge =
        filing::new_captcha(&state.app, CAPTCHA_FORM, &crate::web::client_key(&req)).await?;
    let png = filing::captcha_image(&state.app, &challenge.id).await?;
    Ok(HttpResponse::Ok().json(CaptchaOut {
        pow: PowOut {
            challenge: challenge.id.clone(),
            bits: crate::antiabuse::pow::BITS,
        },
        captcha_id: challenge.id,
        image: format!(
            "data:image/png;base64,{}",
            base64::engine::general_purpose::STANDARD.encode(png)
        ),
        question: if lang == Lang::En {
            challenge.question_en
        } else {
            challenge.question_zh
        },
    }))
}

#[derive(Deserialize, ToSchema, Default)]
pub struct ContactIn {
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    /// How to be told of each step: `mail`, `sms` (a mainland mobile number
    /// is then required) or `both`; absent: every channel with an address.
    pub notify: Option<String>,
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
    /// The proof of work's nonce (see `GET /api/v1/captcha`).
    #[serde(default)]
    pub captcha_pow: Option<String>,
}

/// A running time limit with its citation in the reader's language (API, receipt, status page).
#[derive(Serialize, ToSchema)]
pub struct DeadlineOut {
    pub clock: String,
    /// The last day, in China time (YYYY-MM-DD).
    #[schema(value_type = String)]
    pub due_on: NaiveDate,
    pub citation: String,
    /// Counted over days whose official holiday arrangement is not yet
    /// published: the date may move later when it is (never earlier).
    pub provisional: bool,
    /// Days from today (China time) to the last day; negative once it has passed.
    pub days_left: i64,
    /// When provisional, the first year whose arrangement is not yet published.
    pub unpublished_year: Option<i32>,
}

impl DeadlineOut {
    fn localized(
        clock: &str,
        due_on: NaiveDate,
        (citation_zh, citation_en): (&str, &str),
        (provisional, calendar_year): (bool, i32),
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
            provisional,
            days_left: (due_on - crate::app::today()).num_days(),
            unpublished_year: provisional.then_some(calendar_year + 1),
        }
    }

    /// A deadline just counted (the receipt, the filing API).
    pub fn of_deadline(d: &crate::domain::clock::Deadline, lang: Lang) -> Self {
        Self::localized(
            &d.clock,
            d.due_on,
            (&d.citation_zh, &d.citation_en),
            (d.provisional(), d.calendar_year),
            lang,
        )
    }

    /// A stored deadline (the status page).
    pub fn of_view(d: &DeadlineView, lang: Lang) -> Self {
        Self::localized(
            &d.clock,
            d.due_on,
            (&d.citation_zh, &d.citation_en),
            (d.provisional, d.calendar_year),
            lang,
        )
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

/// Files a complaint, report or litigation-related petition.
#[utoipa::path(post, path = "/api/v1/petitions", tag = "petitions", request_body = PetitionIn,
    responses((status = 201, body = PetitionCreated), (status = 422, description = "`validation_failed` (with `fields`), `captcha_failed`", body = crate::web::error::ErrorBody), (status = 429, body = crate::web::error::ErrorBody)))]
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
        notify: contact.notify.unwrap_or_default(),
    };
    // The API answers one challenge with its proof of work, or with either
    // of its answers in `captcha_answer`.
    let answer = b.captcha_answer.unwrap_or_default();
    let captcha = CaptchaAnswer {
        captcha_id: b.captcha_id.unwrap_or_default(),
        captcha_answer: answer.clone(),
        captcha_question_answer: answer,
        captcha_pow: b.captcha_pow.unwrap_or_default(),
    };
    let client = client_key(&req);
    let passed = filing::check_captcha(&state.app, CAPTCHA_FORM, &captcha, &client).await?;
    let r = filing::submit(
        &state.app,
        &input,
        Vec::new(),
        filing::Channel::Public {
            honeypot: "",
            client: &client,
            passed,
        },
        lang.tag(),
    )
    .await?;
    Ok(HttpResponse::Created().json(PetitionCreated {
        tracking_number: r.tracking_number.as_str().to_owned(),
        access_code: r.access_code.display(),
        status: r.petition.status,
        deadlines: r
            .deadlines
            .iter()
            .map(|d| DeadlineOut::of_deadline(d, lang))
            .collect(),
    }))
}

#[derive(Serialize, ToSchema)]
pub struct PetitionStatusOut {
    pub tracking_number: String,
    pub kind: crate::domain::petition::PetitionKind,
    pub category: crate::domain::petition::PetitionCategory,
    pub title: String,
    pub status: PetitionStatus,
    #[schema(value_type = i32)]
    pub agency_id: crate::domain::ids::AgencyId,
    pub received_at: chrono::DateTime<chrono::Utc>,
    pub deadlines: Vec<DeadlineView>,
    pub timeline: Vec<TimelineEvent>,
}

/// The `X-Access-Code` header, or nothing.
pub(crate) fn access_code(req: &HttpRequest) -> &str {
    req.headers()
        .get("x-access-code")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
}

/// Opens a petition with `X-Access-Code`; any failure other than a malformed
/// number is the same 404, and failures are throttled.
async fn open(req: &HttpRequest, state: &AppState, tn: &str) -> Result<Petition, AppError> {
    Ok(lookup::open_petition(&state.app, tn, access_code(req), &client_key(req)).await?)
}

/// Status, public timeline and open deadlines of a petition.
#[utoipa::path(get, path = "/api/v1/petitions/{tracking_number}", tag = "petitions",
    params(("tracking_number" = String, Path), ("X-Access-Code" = String, Header)),
    responses((status = 200, body = PetitionStatusOut), (status = 400, body = crate::web::error::ErrorBody), (status = 404, body = crate::web::error::ErrorBody), (status = 429, body = crate::web::error::ErrorBody)))]
pub async fn show(
    req: HttpRequest,
    state: web::Data<AppState>,
    tn: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let p = open(&req, &state, &tn).await?;
    // One query when nothing changed since the last look (see `StatusCache`).
    let parts = lookup::status(&state.app, &p).await?;
    Ok(HttpResponse::Ok().json(PetitionStatusOut {
        deadlines: parts
            .deadlines
            .iter()
            .filter(|d| d.status == crate::domain::clock::DeadlineStatus::Open)
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
    responses((status = 201, body = TimelineEvent), (status = 404, body = crate::web::error::ErrorBody), (status = 422, description = "`validation_failed` (with `fields`)", body = crate::web::error::ErrorBody)))]
pub async fn message(
    req: HttpRequest,
    state: web::Data<AppState>,
    tn: web::Path<String>,
    body: web::Json<MessageIn>,
) -> Result<HttpResponse, AppError> {
    let p = open(&req, &state, &tn).await?;
    let event = lookup::add_message(&state.app, &p, &body.message).await?;
    Ok(HttpResponse::Created().json(event))
}

/// Further evidence (补充材料), as `multipart/form-data` with one or more `evidence` files.
#[utoipa::path(post, path = "/api/v1/petitions/{tracking_number}/evidence", tag = "petitions",
    params(("tracking_number" = String, Path), ("X-Access-Code" = String, Header)),
    responses((status = 201, body = TimelineEvent), (status = 404, body = crate::web::error::ErrorBody), (status = 413, body = crate::web::error::ErrorBody), (status = 422, body = crate::web::error::ErrorBody)))]
pub async fn evidence(
    req: HttpRequest,
    state: web::Data<AppState>,
    tn: web::Path<String>,
    payload: Multipart,
) -> Result<HttpResponse, AppError> {
    let p = open(&req, &state, &tn).await?;
    let data = multipart::read(&req, payload).await?;
    if let Some(problem) = data.file_problem {
        return Err(app::Error::File {
            name: String::new(),
            key: problem,
        }
        .into());
    }
    if data.files.is_empty() {
        return Err(AppError::Unprocessable {
            code: "no_file",
            key: "error-message-or-file",
        });
    }
    let event = lookup::add_evidence(&state.app, &p, data.files).await?;
    Ok(HttpResponse::Created().json(event))
}
