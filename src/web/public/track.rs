//! A party follows their petition: tracking number + access code open the
//! status page; the grant is kept in the session so the code never appears in
//! a URL. The same page takes follow-up messages and further evidence.

use super::petitions::client_key;
use crate::domain::FieldErrors;
use crate::domain::codes::TrackingNumber;
use crate::intake::{self, LookupError, SubmitError};
use crate::store::petitions::{PetitionRecord, TimelineEvent};
use crate::web::api::petitions::DeadlineOut;
use crate::web::multipart;
use crate::web::session::{csrf_token, verify_csrf};
use crate::web::views::Layout;
use crate::web::{AppError, AppState, Lang, html, see_other};
use actix_multipart::Multipart;
use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
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
}

#[derive(Serialize)]
struct LookupPage<'a> {
    layout: Layout,
    tracking_number: &'a str,
    error: Option<String>,
}

fn lookup_page(
    state: &AppState,
    req: &HttpRequest,
    lang: Lang,
    status: StatusCode,
    tracking_number: &str,
    error: Option<String>,
) -> Result<HttpResponse, AppError> {
    let body = state.views.render(
        "public/track.html",
        &LookupPage {
            layout: Layout::new(req, lang),
            tracking_number,
            error,
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
    )
}

pub async fn lookup(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    lang: Lang,
    form: web::Form<LookupForm>,
) -> Result<HttpResponse, AppError> {
    match intake::open_petition(
        &state,
        &form.tracking_number,
        &form.access_code,
        &client_key(&req),
    )
    .await?
    {
        Ok(petition) => {
            grant(&session, &petition.tracking_number)?;
            Ok(see_other(&format!("/track/{}", petition.tracking_number)))
        }
        Err(e) => {
            let status = match e {
                LookupError::Throttled { .. } => StatusCode::TOO_MANY_REQUESTS,
                LookupError::NoMatch => StatusCode::NOT_FOUND,
                _ => StatusCode::UNPROCESSABLE_ENTITY,
            };
            let mut r = lookup_page(
                &state,
                &req,
                lang,
                status,
                &form.tracking_number,
                Some(lang.t(e.message_key())),
            )?;
            if let LookupError::Throttled { retry_after } = e
                && let Ok(v) = HeaderValue::from_str(&retry_after.to_string())
            {
                r.headers_mut().insert(header::RETRY_AFTER, v);
            }
            Ok(r)
        }
    }
}

#[derive(Serialize)]
struct StatusPage<'a> {
    layout: Layout,
    csrf_token: String,
    tracking_number: String,
    tracking_path: &'a str,
    petition: &'a PetitionRecord,
    agency_name: String,
    deadlines: Vec<DeadlineOut>,
    timeline: Vec<TimelineEvent>,
    errors: FieldErrors,
    form_error: Option<String>,
    message: &'a str,
    flash: Option<String>,
    max_files: usize,
}

async fn granted_petition(
    state: &AppState,
    session: &Session,
    tn: &str,
) -> Result<Option<PetitionRecord>, AppError> {
    let Ok(tn) = TrackingNumber::parse(tn) else {
        return Err(AppError::NotFound);
    };
    if !granted(session, tn.as_str()) {
        return Ok(None);
    }
    Ok(state.store.petition_by_tracking_number(tn.as_str()).await?)
}

#[allow(clippy::too_many_arguments)]
async fn status_page(
    state: &AppState,
    req: &HttpRequest,
    session: &Session,
    lang: Lang,
    status: StatusCode,
    petition: &PetitionRecord,
    errors: FieldErrors,
    form_error: Option<String>,
    message: &str,
    flash: Option<String>,
) -> Result<HttpResponse, AppError> {
    let agency = state.store.agency(petition.agency_id).await?;
    let parts = state.store.petition_status_parts(petition).await?;
    let deadlines = parts
        .deadlines
        .iter()
        .filter(|d| d.status == "open")
        .map(|d| {
            DeadlineOut::localized(
                &d.clock,
                d.due_on.clone(),
                &d.citation_zh,
                &d.citation_en,
                lang,
            )
        })
        .collect();
    let tn = TrackingNumber::parse(&petition.tracking_number)
        .map_err(|e| AppError::internal(anyhow::anyhow!("stored tracking number: {e}")))?;
    let page = StatusPage {
        layout: Layout::new(req, lang),
        csrf_token: csrf_token(session)?,
        tracking_number: tn.display(),
        tracking_path: &petition.tracking_number,
        petition,
        agency_name: if lang == Lang::En {
            agency.name_en
        } else {
            agency.name_zh
        },
        deadlines,
        timeline: parts.timeline.clone(),
        errors,
        form_error,
        message,
        flash,
        max_files: crate::files::MAX_FILES,
    };
    let mut r = html(status, state.views.render("public/status.html", &page)?);
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(r)
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
    let flash = (query.done == "sent").then(|| lang.t("flash-follow-up-sent"));
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
    let data = multipart::read(payload).await?;
    verify_csrf(&session, &data.get("csrf_token"))?;
    let Some(petition) = granted_petition(&state, &session, &tn).await? else {
        return Err(AppError::Forbidden);
    };
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
    let body = message.trim().to_owned();
    if body.is_empty() && data.files.is_empty() {
        let mut e = FieldErrors::new();
        e.add("message", "error-message-or-file");
        return again(StatusCode::UNPROCESSABLE_ENTITY, e, None).await;
    }
    if !body.is_empty()
        && let Err(e) = crate::domain::petition::parse_message(&body)
    {
        return again(StatusCode::UNPROCESSABLE_ENTITY, e, None).await;
    }
    let files = match intake::store_uploads(&state, data.files).await {
        Ok(files) => files,
        Err(SubmitError::File { name, key }) => {
            let text = if name.is_empty() {
                lang.t(key)
            } else {
                format!("{name}: {}", lang.t(key))
            };
            return again(
                StatusCode::UNPROCESSABLE_ENTITY,
                FieldErrors::new(),
                Some(text),
            )
            .await;
        }
        Err(e) => return Err(super::petitions::into_app_error(e)),
    };
    state
        .store
        .add_petitioner_follow_up(petition.id, &body, &files)
        .await?;
    tracing::info!(
        petition.id = petition.id,
        files = files.len(),
        "petitioner follow-up received"
    );
    Ok(see_other(&format!(
        "/track/{}?done=sent",
        petition.tracking_number
    )))
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
    petition_id: i32,
    file_id: i32,
) -> Result<HttpResponse, AppError> {
    let file = state
        .store
        .petition_files(petition_id)
        .await?
        .into_iter()
        .find(|f| f.id == file_id)
        .ok_or(AppError::NotFound)?;
    let files = state.files.clone();
    let sha = file.sha256.clone();
    let bytes = web::block(move || files.read(&sha))
        .await
        .map_err(AppError::internal)?
        .map_err(AppError::internal)?;
    let disposition = format!(
        "attachment; filename=\"evidence-{}\"; filename*=UTF-8''{}",
        file.id,
        url::form_urlencoded::byte_serialize(file.file_name.as_bytes()).collect::<String>()
    );
    Ok(HttpResponse::Ok()
        .content_type(file.mime.as_str())
        .insert_header((header::CONTENT_DISPOSITION, disposition))
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .body(bytes))
}

/// The petitioner rates the answer, asks for a review, or closes the matter.
pub async fn act(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    lang: Lang,
    tn: web::Path<String>,
    form: web::Form<crate::web::staff::petitions::ActionForm>,
) -> Result<HttpResponse, AppError> {
    verify_csrf(&session, &form.csrf_token)?;
    let Some(petition) = granted_petition(&state, &session, &tn).await? else {
        return Err(AppError::Forbidden);
    };
    let Some(command) = crate::web::staff::petitions::command_from_form(&form) else {
        return Err(AppError::BadRequest("error-choose-one"));
    };
    match crate::handling::petitioner_act(&state, &petition, command).await {
        Ok(_) => Ok(see_other(&format!(
            "/track/{}?done=sent",
            petition.tracking_number
        ))),
        Err(crate::handling::ActError::Refused(r)) => {
            status_page(
                &state,
                &req,
                &session,
                lang,
                StatusCode::UNPROCESSABLE_ENTITY,
                &petition,
                FieldErrors::new(),
                Some(lang.t(r.message_key())),
                "",
                None,
            )
            .await
        }
        Err(crate::handling::ActError::Internal(e)) => Err(e),
        Err(other) => Err(AppError::internal(anyhow::anyhow!("{other}"))),
    }
}
