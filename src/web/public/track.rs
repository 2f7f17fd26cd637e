//! A party follows their petition: tracking number + access code open the
//! status page; the grant is kept in the session so the code never appears in
//! a URL. The same page takes follow-up messages and further evidence.

use crate::app::{self, Error, lookup};
use crate::domain::FieldErrors;
use crate::domain::codes::TrackingNumberError;
use crate::domain::workflow::State;
use crate::render::Layout;
use crate::store::petitions::{Petition, TimelineEvent};
use crate::web::api::petitions::DeadlineOut;
use crate::web::multipart;
use crate::web::session::{csrf_token, verify_csrf};
use crate::web::{AppError, AppState, Lang, client_key, html, see_other};
use actix_multipart::Multipart;
use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::{Deserialize, Serialize};

const GRANTS: &str = "petition_grants";

fn granted(session: &Session, tn: &str) -> bool {
    session
        .get::<Vec<String>>(GRANTS)
        .ok()
        .flatten()
        .is_some_and(|g| g.iter().any(|t| t == tn))
}

fn grant(session: &Session, tn: &str) -> Result<(), AppError> {
    let mut grants = session
        .get::<Vec<String>>(GRANTS)
        .ok()
        .flatten()
        .unwrap_or_default();
    if !grants.iter().any(|t| t == tn) {
        grants.push(tn.to_owned());
        if grants.len() > 20 {
            grants.remove(0);
        }
    }
    session
        .insert(GRANTS, grants)
        .map_err(|e| AppError::internal(anyhow::anyhow!("session: {e}")))
}

#[derive(Debug, Default, Deserialize, Serialize, Clone)]
pub struct LookupForm {
    #[serde(default)]
    pub tracking_number: String,
    #[serde(default)]
    pub access_code: String,
    /// `1` after "end this session".
    #[serde(default)]
    pub ended: String,
}

#[derive(Serialize)]
struct LookupPage<'a> {
    layout: Layout,
    tracking_number: &'a str,
    error: Option<String>,
    ended: bool,
}

fn lookup_page(
    state: &AppState,
    req: &HttpRequest,
    lang: Lang,
    status: StatusCode,
    tracking_number: &str,
    error: Option<String>,
    ended: bool,
) -> Result<HttpResponse, AppError> {
    let body = state.render(
        "public/track.html",
        &LookupPage {
            layout: crate::web::layout(req, lang),
            tracking_number,
            error,
            ended,
        },
    )?;
    Ok(html(status, body))
}

pub async fn lookup_form(
    req: HttpRequest,
    state: web::Data<AppState>,
    lang: Lang,
    query: web::Query<LookupForm>,
) -> Result<HttpResponse, AppError> {
    lookup_page(
        &state,
        &req,
        lang,
        StatusCode::OK,
        &query.tracking_number,
        None,
        query.ended == "1",
    )
}

pub async fn lookup(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    lang: Lang,
    form: web::Form<LookupForm>,
) -> Result<HttpResponse, AppError> {
    let refused = |status: StatusCode, key: &str| {
        lookup_page(
            &state,
            &req,
            lang,
            status,
            &form.tracking_number,
            Some(lang.t(key)),
            false,
        )
    };
    match lookup::open_petition(
        &state.app,
        &form.tracking_number,
        &form.access_code,
        &client_key(&req),
    )
    .await
    {
        Ok(petition) => {
            grant(&session, &petition.tracking_number)?;
            Ok(see_other(&format!("/track/{}", petition.tracking_number)))
        }
        Err(Error::Throttled { retry_after }) => Ok(crate::web::retry_after(
            refused(StatusCode::TOO_MANY_REQUESTS, "error-lookup-throttled")?,
            retry_after,
        )),
        Err(Error::NoMatch) => refused(StatusCode::NOT_FOUND, "error-lookup-no-match"),
        Err(Error::TrackingNumber(TrackingNumberError::Malformed)) => {
            refused(StatusCode::UNPROCESSABLE_ENTITY, "error-tracking-malformed")
        }
        Err(Error::TrackingNumber(TrackingNumberError::CheckFailed)) => {
            refused(StatusCode::UNPROCESSABLE_ENTITY, "error-tracking-typo")
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Serialize)]
struct StatusPage<'a> {
    layout: Layout,
    csrf_token: String,
    tracking_number: String,
    tracking_path: &'a str,
    petition: &'a Petition,
    agency_name: String,
    deadlines: Vec<DeadlineOut>,
    timeline: Vec<TimelineEvent>,
    errors: FieldErrors,
    form_error: Option<String>,
    message: &'a str,
    flash: Option<String>,
    max_files: usize,
    /// 登记 → 受理 → 办理 → 答复 → 评价/复查, and where this one stands.
    stages: [(&'static str, crate::domain::workflow::StageStatus); 5],
    /// Every letter issued on the petition, newest first.
    letters: Vec<LetterLink>,
    /// Answered (or closed after an answer): the decision leads the page.
    decided: bool,
}

/// A letter issued on the petition, as the status page lists it.
#[derive(Serialize)]
struct LetterLink {
    id: i32,
    kind: &'static str,
    issuer: String,
    issued_on: chrono::NaiveDate,
}

/// The petition `tn` if this session opened it with its code (the answer
/// letter's pages ask this too).
pub(crate) async fn opened(
    state: &AppState,
    session: &Session,
    tn: &str,
) -> Result<Option<Petition>, AppError> {
    granted_petition(state, session, tn).await
}

async fn granted_petition(
    state: &AppState,
    session: &Session,
    tn: &str,
) -> Result<Option<Petition>, AppError> {
    let Ok(tn) = crate::domain::codes::TrackingNumber::parse(tn) else {
        return Err(AppError::NotFound);
    };
    if !granted(session, tn.as_str()) {
        return Ok(None);
    }
    Ok(lookup::granted_petition(&state.app, tn.as_str()).await?)
}

#[allow(clippy::too_many_arguments)]
async fn status_page(
    state: &AppState,
    req: &HttpRequest,
    session: &Session,
    lang: Lang,
    status: StatusCode,
    petition: &Petition,
    errors: FieldErrors,
    form_error: Option<String>,
    message: &str,
    flash: Option<String>,
) -> Result<HttpResponse, AppError> {
    let agency = crate::app::catalogue::agency(&state.app, petition.agency_id).await?;
    let parts = lookup::status(&state.app, petition).await?;
    let letters = crate::app::letters::issued(&state.app, petition)
        .await?
        .into_iter()
        .map(|l| LetterLink {
            id: l.id,
            kind: l.kind.as_str(),
            issuer: l.facts.issuer().get(lang == Lang::En).to_owned(),
            issued_on: l.issued_on,
        })
        .collect();
    let deadlines = parts
        .deadlines
        .iter()
        .filter(|d| d.status == crate::domain::clock::DeadlineStatus::Open)
        .map(|d| DeadlineOut::of_view(d, lang))
        .collect();
    let page = StatusPage {
        layout: crate::web::layout(req, lang),
        csrf_token: csrf_token(session)?,
        tracking_number: petition.display_number(),
        tracking_path: &petition.tracking_number,
        petition,
        agency_name: agency.name(lang == Lang::En).to_owned(),
        deadlines,
        timeline: parts.timeline.clone(),
        errors,
        form_error,
        message,
        flash,
        max_files: crate::files::MAX_FILES,
        stages: crate::domain::workflow::stages(petition.status),
        letters,
        decided: petition.answer_text.is_some()
            && matches!(petition.status, State::Answered | State::Closed),
    };
    Ok(crate::web::no_store(html(
        status,
        state.render("public/status.html", &page)?,
    )))
}

#[derive(Debug, Default, Deserialize)]
pub struct StatusQuery {
    #[serde(default)]
    done: String,
}

pub async fn status(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    lang: Lang,
    tn: web::Path<String>,
    query: web::Query<StatusQuery>,
) -> Result<HttpResponse, AppError> {
    let Some(petition) = granted_petition(&state, &session, &tn).await? else {
        return Ok(see_other(&format!(
            "/track?tracking_number={}",
            url::form_urlencoded::byte_serialize(tn.as_bytes()).collect::<String>()
        )));
    };
    let flash = match query.done.as_str() {
        "sent" => Some(lang.t("flash-follow-up-sent")),
        "rated" => Some(lang.t("flash-rated")),
        "review" => Some(lang.t("flash-review-requested")),
        _ => None,
    };
    status_page(
        &state,
        &req,
        &session,
        lang,
        StatusCode::OK,
        &petition,
        FieldErrors::new(),
        None,
        "",
        flash,
    )
    .await
}

pub async fn follow_up(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    lang: Lang,
    tn: web::Path<String>,
    payload: Multipart,
) -> Result<HttpResponse, AppError> {
    // Only a session that opened this petition gets its upload read.
    let Some(petition) = granted_petition(&state, &session, &tn).await? else {
        return Err(AppError::Forbidden);
    };
    let data = multipart::read(&req, payload).await?;
    verify_csrf(&session, &data.get("csrf_token"))?;
    let message = data.get("message");
    let again = |status: StatusCode, errors: FieldErrors, error: Option<String>| {
        let (state, req, session, message, petition) = (
            state.clone(),
            req.clone(),
            session.clone(),
            message.clone(),
            petition.clone(),
        );
        async move {
            status_page(
                &state, &req, &session, lang, status, &petition, errors, error, &message, None,
            )
            .await
        }
    };
    if let Some(problem) = data.file_problem {
        return again(
            StatusCode::UNPROCESSABLE_ENTITY,
            FieldErrors::new(),
            Some(lang.t(problem)),
        )
        .await;
    }
    match lookup::follow_up(&state.app, &petition, &message, data.files).await {
        Ok(_) => Ok(see_other(&format!(
            "/track/{}?done=sent",
            petition.tracking_number
        ))),
        Err(Error::Fields(e)) => again(StatusCode::UNPROCESSABLE_ENTITY, e, None).await,
        Err(e @ Error::File { .. }) => {
            let text = AppError::from(e).message(lang);
            again(
                StatusCode::UNPROCESSABLE_ENTITY,
                FieldErrors::new(),
                Some(text),
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

/// A file of the petition, for whoever opened it with its code.
pub async fn file(
    state: web::Data<AppState>,
    session: Session,
    path: web::Path<(String, i32)>,
) -> Result<HttpResponse, AppError> {
    let (tn, id) = path.into_inner();
    let petition = granted_petition(&state, &session, &tn)
        .await?
        .ok_or(AppError::NotFound)?;
    serve_evidence(&state, petition.id, id).await
}

pub async fn serve_evidence(
    state: &AppState,
    petition_id: crate::domain::ids::PetitionId,
    file_id: i32,
) -> Result<HttpResponse, AppError> {
    let (file, bytes) = lookup::evidence_file(&state.app, petition_id, file_id).await?;
    Ok(crate::web::evidence::response(&file, bytes, false))
}

/// The status page's forms: rate the answer, ask for a review (with a
/// reason), or close the matter. The citizen's own form, so that a change to
/// the staff console's forms never changes what a citizen may post.
#[derive(Debug, Default, Deserialize)]
pub struct PetitionerForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    action: String,
    /// The reason of a review request, or of a rating.
    #[serde(default)]
    text: String,
    /// A rating chosen (`satisfied`, `basically_satisfied`, `unsatisfied`).
    #[serde(default)]
    rating: String,
    /// `yes` once the rating's confirmation page was seen.
    #[serde(default)]
    confirm: String,
}

impl PetitionerForm {
    /// The command asked for; none for an action the petitioner has not.
    fn command(&self) -> Option<crate::domain::workflow::Command> {
        use crate::domain::workflow::{Command, Rating};
        let rating = match self.action.as_str() {
            "rate" => self.rating.as_str(),
            // The one-button forms of earlier pages.
            other => other.strip_prefix("rate_").unwrap_or_default(),
        };
        if let Some(rating) = Rating::parse(rating) {
            return Some(Command::Rate {
                rating,
                reason: self.text.trim().to_owned(),
            });
        }
        Some(match self.action.as_str() {
            "request_review" => Command::RequestReview {
                reason: self.text.trim().to_owned(),
            },
            "close" => Command::Close,
            _ => return None,
        })
    }
}

/// The petitioner rates the answer, asks for a review, or closes the matter.
pub async fn act(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    lang: Lang,
    tn: web::Path<String>,
    form: web::Form<PetitionerForm>,
) -> Result<HttpResponse, AppError> {
    verify_csrf(&session, &form.csrf_token)?;
    let Some(petition) = granted_petition(&state, &session, &tn).await? else {
        return Err(AppError::Forbidden);
    };
    // A refusal is said at the form it concerns (422, the page again).
    let refused = |errors: FieldErrors, form_error: Option<String>| {
        status_page(
            &state,
            &req,
            &session,
            lang,
            StatusCode::UNPROCESSABLE_ENTITY,
            &petition,
            errors,
            form_error,
            "",
            None,
        )
    };
    let Some(command) = form.command() else {
        if form.action == "rate" {
            // Nothing chosen: said at the rating's own form.
            let mut errors = FieldErrors::new();
            errors.add("rating", "error-choose-rating");
            return refused(errors, None).await;
        }
        return Err(AppError::BadRequest("error-choose-one"));
    };
    if let crate::domain::workflow::Command::Rate { rating, reason } = &command
        && form.confirm != "yes"
    {
        return super::rating::confirm(&state, &req, &session, lang, &petition, *rating, reason)
            .await;
    }
    let done = match command {
        crate::domain::workflow::Command::Rate { .. } => "rated",
        crate::domain::workflow::Command::RequestReview { .. } => "review",
        _ => "sent",
    };
    match app::acting::petitioner_act(&state.app, &petition, command).await {
        Ok(_) => Ok(see_other(&format!(
            "/track/{}?done={done}",
            petition.tracking_number
        ))),
        // The review's refusal at the review form; any other above the forms.
        Err(Error::Refused(r)) if form.action == "request_review" => {
            let mut errors = FieldErrors::new();
            errors.add("review_text", r.message_key());
            refused(errors, None).await
        }
        Err(Error::Refused(r)) => refused(FieldErrors::new(), Some(lang.t(r.message_key()))).await,
        Err(e @ (Error::Internal(_) | Error::NotFound)) => Err(e.into()),
        Err(other) => Err(AppError::internal(anyhow::anyhow!("{other}"))),
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct EndForm {
    #[serde(default)]
    csrf_token: String,
}

/// "End this session" on a shared computer: every petition this browser
/// opened, and a receipt waiting in it, are forgotten; the code is needed again.
pub async fn end_session(
    session: Session,
    form: web::Form<EndForm>,
) -> Result<HttpResponse, AppError> {
    verify_csrf(&session, &form.csrf_token)?;
    session.purge();
    Ok(crate::web::see_other("/track?ended=1"))
}
