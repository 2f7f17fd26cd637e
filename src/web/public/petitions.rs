//! Filing a petition: choose the kind, fill the form that fits it, get a receipt.
//! The pages before the form (the kinds, and what to know before starting) are `public::start`.

use crate::app::Error;
use crate::app::filing::{self, CAPTCHA_FORM, CaptchaAnswer, Receipt};
use crate::domain::FieldErrors;
use crate::domain::petition::{PetitionCategory, PetitionInput, PetitionKind};
use crate::render::Layout;
use crate::store::agencies::Agency;
use crate::web::multipart::{self, FormData};
use crate::web::{AppError, AppState, Lang, html};
use actix_multipart::Multipart;
use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Serialize;

pub use super::start::{before_you_start, start};

/// What the captcha part of a form shows.
#[derive(Serialize)]
pub struct CaptchaView {
    pub id: String,
    pub question: String,
    /// The proof of work's difficulty (`static/pow.js`).
    pub pow_bits: u32,
}

pub async fn captcha_view(
    state: &AppState,
    req: &HttpRequest,
    form: &str,
    lang: Lang,
) -> Result<Option<CaptchaView>, AppError> {
    if !state.app.captcha_on {
        return Ok(None);
    }
    let challenge = filing::new_captcha(&state.app, form, &crate::web::client_key(req)).await?;
    Ok(Some(CaptchaView {
        pow_bits: crate::antiabuse::pow::BITS,
        id: challenge.id,
        question: if lang == Lang::En {
            challenge.question_en
        } else {
            challenge.question_zh
        },
    }))
}

#[derive(Serialize)]
struct FormPage<'a> {
    layout: Layout,
    kind: &'static str,
    may_be_anonymous: bool,
    /// The agencies by kind and level, the province first (one `<optgroup>` each).
    agency_groups: Vec<AgencyGroup<'a>>,
    /// Where "not sure" sends a petition of each category.
    unsure_routes: Vec<UnsureRoute<'a>>,
    categories: Vec<&'static str>,
    input: &'a PetitionInput,
    errors: FieldErrors,
    /// A problem that belongs to no single field (captcha, throttling).
    form_error: Option<String>,
    /// What was wrong with the files sent, said at the file field (with the file's name).
    evidence_error: Option<String>,
    /// Files were sent with a form that came back: the browser must be asked to choose them again.
    files_sent: bool,
    /// Told to the browser, which refuses a larger file before the upload (the server still checks).
    max_file_bytes: usize,
    captcha: Option<CaptchaView>,
    max_files: usize,
}

#[derive(Serialize)]
struct AgencyGroup<'a> {
    agency_type: &'static str,
    level: &'static str,
    agencies: Vec<&'a Agency>,
}

#[derive(Serialize)]
struct UnsureRoute<'a> {
    category: &'static str,
    agency: &'a Agency,
}

fn agency_groups(agencies: &[Agency]) -> Vec<AgencyGroup<'_>> {
    let mut sorted: Vec<&Agency> = agencies.iter().collect();
    sorted.sort_by_key(|a| (a.agency_type as u8, a.level as u8, a.id));
    let mut groups: Vec<AgencyGroup<'_>> = Vec::new();
    for a in sorted {
        match groups.last_mut() {
            Some(g) if g.agency_type == a.agency_type.as_str() && g.level == a.level.as_str() => {
                g.agencies.push(a);
            }
            _ => groups.push(AgencyGroup {
                agency_type: a.agency_type.as_str(),
                level: a.level.as_str(),
                agencies: vec![a],
            }),
        }
    }
    groups
}

/// What a form that comes back says about the files sent with it.
#[derive(Default)]
struct FilesBack {
    error: Option<String>,
    sent: bool,
}

#[allow(clippy::too_many_arguments)]
async fn form_page(
    state: &AppState,
    req: &HttpRequest,
    lang: Lang,
    status: StatusCode,
    kind: PetitionKind,
    input: &PetitionInput,
    errors: FieldErrors,
    form_error: Option<String>,
    files: FilesBack,
) -> Result<HttpResponse, AppError> {
    let agencies = crate::app::catalogue::agencies(&state.app).await?;
    let page = FormPage {
        layout: crate::web::layout(req, lang),
        kind: kind.as_str(),
        may_be_anonymous: kind.may_be_anonymous(),
        agency_groups: agency_groups(&agencies),
        unsure_routes: PetitionCategory::ALL
            .iter()
            .filter_map(|c| {
                filing::unsure_destination(&agencies, *c).map(|agency| UnsureRoute {
                    category: c.as_str(),
                    agency,
                })
            })
            .collect(),
        categories: PetitionCategory::ALL.iter().map(|c| c.as_str()).collect(),
        input,
        errors,
        // The error summary already says the form has problems.
        form_error: form_error.filter(|m| *m != lang.t("form-has-errors")),
        evidence_error: files.error,
        files_sent: files.sent,
        max_file_bytes: crate::files::MAX_FILE_BYTES,
        captcha: captcha_view(state, req, CAPTCHA_FORM, lang).await?,
        max_files: crate::files::MAX_FILES,
    };
    Ok(html(
        status,
        state.render("public/petition_form.html", &page)?,
    ))
}

/// Where a form was opened from: a procedure page's "file about this"
/// names its agency and itself, and the form starts with both filled in.
#[derive(Debug, Default, serde::Deserialize)]
pub struct FormQuery {
    #[serde(default)]
    agency: Option<String>,
    #[serde(default)]
    procedure: Option<i32>,
}

pub async fn form(
    req: HttpRequest,
    state: web::Data<AppState>,
    lang: Lang,
    kind: web::Path<String>,
    query: web::Query<FormQuery>,
) -> Result<HttpResponse, AppError> {
    let kind = PetitionKind::parse(&kind).ok_or(AppError::NotFound)?;
    let mut input = PetitionInput {
        kind: kind.as_str().to_owned(),
        ..Default::default()
    };
    if let Some(agency) = query.agency.as_deref() {
        // Only an agency that exists; a stale link just leaves the choice open.
        if crate::app::catalogue::agencies(&state.app)
            .await?
            .iter()
            .any(|a| a.id.to_string() == agency)
        {
            input.agency = agency.to_owned();
        }
    }
    if let Some(id) = query.procedure
        && let Ok((procedure, _)) = crate::app::procedures::read(&state.app, id, None).await
    {
        let title = if lang == Lang::En && !procedure.title_en.is_empty() {
            &procedure.title_en
        } else {
            &procedure.title_zh
        };
        input.subject = lang.t_args("procedure-subject", &[("title", title.clone())]);
    }
    form_page(
        &state,
        &req,
        lang,
        StatusCode::OK,
        kind,
        &input,
        FieldErrors::new(),
        None,
        FilesBack::default(),
    )
    .await
}

/// The session key of the receipt of what this browser filed last: the
/// number always, the access code until the citizen says they kept it. The
/// session cookie is encrypted (`CookieContentSecurity::Private`) and ends
/// with the browser session.
const RECEIPT: &str = "filed_receipt";

#[derive(Serialize, serde::Deserialize)]
struct Filed {
    tracking_number: String,
    access_code: Option<String>,
    has_email: bool,
    /// The citizen chose "not sure": the receipt says where it went and why.
    #[serde(default)]
    routed_unsure: bool,
}

#[derive(Serialize)]
struct ReceiptPage {
    layout: Layout,
    csrf_token: String,
    tracking_number: String,
    access_code: Option<String>,
    kind: &'static str,
    title: String,
    agency: Agency,
    received_at: chrono::DateTime<chrono::Utc>,
    deadlines: Vec<DeadlineOut>,
    files: Vec<crate::store::petitions::EvidenceFile>,
    has_email: bool,
    routed_unsure: bool,
    category: &'static str,
}

use crate::web::api::petitions::DeadlineOut;

fn session_error(e: impl std::fmt::Display) -> AppError {
    AppError::Internal(anyhow::anyhow!("session: {e}"))
}

/// The receipt (post/redirect/get): reached by redirect after filing, so a
/// refresh, the back button or a restored tab shows it again instead of
/// posting the form twice.
pub async fn receipt(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    lang: Lang,
) -> Result<HttpResponse, AppError> {
    let Some(filed) = session.get::<Filed>(RECEIPT).map_err(session_error)? else {
        return Ok(crate::web::see_other("/track"));
    };
    let facts = filing::filed(&state.app, &filed.tracking_number).await?;
    let page = ReceiptPage {
        layout: crate::web::layout(&req, lang),
        csrf_token: crate::web::session::csrf_token(&session)?,
        tracking_number: facts.petition.display_number(),
        access_code: filed.access_code,
        kind: facts.petition.kind.as_str(),
        title: facts.petition.title.clone(),
        received_at: facts.petition.received_at,
        deadlines: facts
            .deadlines
            .iter()
            .map(|d| DeadlineOut::of_view(d, lang))
            .collect(),
        files: facts.files,
        agency: facts.agency,
        has_email: filed.has_email,
        routed_unsure: filed.routed_unsure,
        category: facts.petition.category.as_str(),
    };
    // The access code may be on this page: no cache may keep it.
    Ok(crate::web::no_store(html(
        StatusCode::OK,
        state.render("public/receipt.html", &page)?,
    )))
}

#[derive(serde::Deserialize)]
pub struct KeptForm {
    #[serde(default)]
    csrf_token: String,
}

/// The tracking number of the filing this session made, if any (the PDF receipt's).
pub fn filed_number(session: &Session) -> Result<Option<String>, AppError> {
    Ok(session
        .get::<Filed>(RECEIPT)
        .map_err(session_error)?
        .map(|f| f.tracking_number))
}

/// The citizen has kept the access code: it leaves the session, and the
/// receipt shows the number only.
pub async fn kept(session: Session, form: web::Form<KeptForm>) -> Result<HttpResponse, AppError> {
    crate::web::session::verify_csrf(&session, &form.csrf_token)?;
    if let Some(mut filed) = session.get::<Filed>(RECEIPT).map_err(session_error)? {
        filed.access_code = None;
        session.insert(RECEIPT, filed).map_err(session_error)?;
    }
    Ok(crate::web::see_other("/petitions/receipt"))
}

/// A client over its hourly limit is told so before its upload is read.
async fn over_the_limit(
    state: &AppState,
    req: &HttpRequest,
    lang: Lang,
) -> Result<Option<HttpResponse>, AppError> {
    let Err(Error::Throttled { retry_after }) =
        filing::admit(&state.app, &crate::web::client_key(req)).await
    else {
        return Ok(None);
    };
    let page = form_page(
        state,
        req,
        lang,
        StatusCode::TOO_MANY_REQUESTS,
        PetitionKind::Complaint,
        &PetitionInput::default(),
        FieldErrors::new(),
        Some(lang.t("error-too-many-submissions")),
        FilesBack::default(),
    )
    .await?;
    Ok(Some(crate::web::retry_after(page, retry_after)))
}

/// The status of a form whose files were refused while it was read.
fn file_problem_status(problem: &str) -> StatusCode {
    if problem == "error-files-total-too-large" {
        StatusCode::PAYLOAD_TOO_LARGE
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    }
}

pub async fn submit(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    lang: Lang,
    payload: Multipart,
) -> Result<HttpResponse, AppError> {
    if let Some(refused) = over_the_limit(&state, &req, lang).await? {
        return Ok(refused);
    }
    let data: FormData = multipart::read(&req, payload).await?;
    let input: PetitionInput = data.parse()?;
    let kind = PetitionKind::parse(&input.kind).ok_or(AppError::BadRequest("error-bad-form"))?;
    let captcha: CaptchaAnswer = data.parse()?;
    let files_sent = !data.files.is_empty() || data.file_problem.is_some();
    let again = |status: StatusCode, errors: FieldErrors, message_key: &'static str| {
        let state = state.clone();
        let req = req.clone();
        let input = input.clone();
        async move {
            form_page(
                &state,
                &req,
                lang,
                status,
                kind,
                &input,
                errors,
                Some(lang.t(message_key)),
                FilesBack {
                    error: None,
                    sent: files_sent,
                },
            )
            .await
        }
    };
    if let Some(problem) = data.file_problem {
        // Said at the file field, naming the file when one file is the problem.
        let message = match &data.file_problem_name {
            Some(name) => format!("{name}: {}", lang.t("error-file-too-large-named")),
            None => lang.t(problem),
        };
        return form_page(
            &state,
            &req,
            lang,
            file_problem_status(problem),
            kind,
            &input,
            FieldErrors::new(),
            None,
            FilesBack {
                error: Some(message),
                sent: true,
            },
        )
        .await;
    }
    // The captcha is consumed first; field errors are still all reported with it.
    let client = crate::web::client_key(&req);
    let captcha_result = filing::check_captcha(&state.app, CAPTCHA_FORM, &captcha, &client).await;
    let field_errors = crate::domain::petition::PetitionDraft::parse(&input).err();
    let passed = match (captcha_result, field_errors) {
        (Err(Error::Captcha), errors) => {
            return again(
                StatusCode::UNPROCESSABLE_ENTITY,
                errors.unwrap_or_default(),
                "error-captcha",
            )
            .await;
        }
        (Err(Error::Throttled { retry_after }), errors) => {
            let page = again(
                StatusCode::TOO_MANY_REQUESTS,
                errors.unwrap_or_default(),
                "error-captcha-question-limit",
            )
            .await?;
            return Ok(crate::web::retry_after(page, retry_after));
        }
        (Err(other), _) => return Err(other.into()),
        (Ok(_), Some(errors)) => {
            return again(StatusCode::UNPROCESSABLE_ENTITY, errors, "form-has-errors").await;
        }
        (Ok(passed), None) => passed,
    };
    let has_email = !input.contact_email.trim().is_empty() && input.anonymous.trim().is_empty();
    let honeypot = data.get("website");
    match filing::submit(
        &state.app,
        &input,
        data.files,
        filing::Channel::Public {
            honeypot: &honeypot,
            client: &client,
            passed,
        },
        lang.tag(),
    )
    .await
    {
        Ok(receipt) => {
            keep_receipt(&session, &receipt, has_email, input.agency == "unsure")?;
            // In the language the form was filled in.
            Ok(crate::web::see_other(if lang == Lang::En {
                "/petitions/receipt?lang=en"
            } else {
                "/petitions/receipt"
            }))
        }
        Err(Error::Fields(errors)) => {
            again(StatusCode::UNPROCESSABLE_ENTITY, errors, "form-has-errors").await
        }
        Err(e @ Error::File { .. }) => {
            let message = AppError::from(e).message(lang);
            form_page(
                &state,
                &req,
                lang,
                StatusCode::UNPROCESSABLE_ENTITY,
                kind,
                &input,
                FieldErrors::new(),
                None,
                FilesBack {
                    error: Some(message),
                    sent: files_sent,
                },
            )
            .await
        }
        Err(Error::Throttled { retry_after }) => Ok(crate::web::retry_after(
            again(
                StatusCode::TOO_MANY_REQUESTS,
                FieldErrors::new(),
                "error-too-many-submissions",
            )
            .await?,
            retry_after,
        )),
        Err(e) => Err(e.into()),
    }
}

/// Puts the receipt in the session for the page the filing redirects to.
fn keep_receipt(
    session: &Session,
    receipt: &Receipt,
    has_email: bool,
    routed_unsure: bool,
) -> Result<(), AppError> {
    session
        .insert(
            RECEIPT,
            Filed {
                tracking_number: receipt.tracking_number.as_str().to_owned(),
                access_code: Some(receipt.access_code.display()),
                has_email,
                routed_unsure,
            },
        )
        .map_err(session_error)
}

/// The captcha image of a live challenge.
pub async fn captcha_image(
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let png = filing::captcha_image(&state.app, id.trim_end_matches(".png")).await?;
    Ok(HttpResponse::Ok()
        .content_type("image/png")
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
        .body(png))
}
