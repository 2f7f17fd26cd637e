//! The administrator's accounts page: the accounts of their agency and every
//! agency below it, a new account (its owner sets the password through a
//! mailed one-time link), role changes, deactivation and reactivation, reset
//! links, and who is signed in, each session revocable. Every act is an
//! audit entry (`app::accounts`).

use crate::app::Error;
use crate::app::administration::{self, NewAccount};
use crate::domain::FieldErrors;
use crate::domain::ids::{AgencyId, StaffId};
use crate::domain::staff::Role;
use crate::render::Layout;
use crate::store::sessions::SignedIn;
use crate::store::staff::{Account, AccountChange, StaffMember};
use crate::web::session::{CurrentStaff, csrf_token, verify_csrf};
use crate::web::staff::account::CsrfForm;
use crate::web::{AppError, AppState, Lang, html, see_other};
use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::{Deserialize, Serialize};

#[derive(Serialize)]
struct AccountsPage {
    layout: Layout,
    staff: StaffMember,
    csrf_token: String,
    accounts: Vec<Account>,
    sessions: Vec<SignedIn>,
    /// The agencies an account may be created in: (id, name).
    agencies: Vec<(AgencyId, String)>,
    roles: Vec<&'static str>,
    input: NewAccount,
    errors: FieldErrors,
    message: Option<String>,
    flash: Option<String>,
}

#[allow(clippy::too_many_arguments)]
async fn page(
    state: &AppState,
    req: &HttpRequest,
    session: &Session,
    lang: Lang,
    status: StatusCode,
    staff: StaffMember,
    input: NewAccount,
    errors: FieldErrors,
    message: Option<String>,
) -> Result<HttpResponse, AppError> {
    let administration::Administered {
        accounts,
        sessions,
        agencies: tree,
    } = administration::administered(&state.app, &staff).await?;
    let agencies: Vec<(AgencyId, String)> =
        crate::app::agencies::agency_names(&state.app, lang == Lang::En)
            .await?
            .into_iter()
            .filter(|(id, _)| tree.contains(id))
            .collect();
    let flash = req
        .query_string()
        .contains("done=1")
        .then(|| lang.t("flash-saved"));
    let page = AccountsPage {
        layout: crate::web::layout(req, lang),
        csrf_token: csrf_token(session)?,
        staff,
        accounts,
        sessions,
        agencies,
        roles: Role::ALL.map(Role::as_str).to_vec(),
        input,
        errors,
        message,
        flash,
    };
    Ok(html(status, state.render("staff/accounts.html", &page)?))
}

pub async fn list(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    lang: Lang,
    CurrentStaff(staff): CurrentStaff,
) -> Result<HttpResponse, AppError> {
    if !administration::administers(&staff) {
        return Err(AppError::Forbidden);
    }
    page(
        &state,
        &req,
        &session,
        lang,
        StatusCode::OK,
        staff,
        NewAccount::default(),
        FieldErrors::new(),
        None,
    )
    .await
}

#[derive(Debug, Default, Deserialize)]
pub struct CreateForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(flatten)]
    input: NewAccount,
}

pub async fn create(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    lang: Lang,
    CurrentStaff(staff): CurrentStaff,
    form: web::Form<CreateForm>,
) -> Result<HttpResponse, AppError> {
    verify_csrf(&session, &form.csrf_token)?;
    let form = form.into_inner();
    match administration::create_account(&state.app, &staff, &form.input).await {
        Ok(_) => Ok(see_other("/staff/accounts?done=1")),
        Err(Error::Fields(errors)) => {
            page(
                &state,
                &req,
                &session,
                lang,
                StatusCode::UNPROCESSABLE_ENTITY,
                staff,
                form.input,
                errors,
                None,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct ChangeForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    role: String,
    /// `on` to (re)activate, `off` to deactivate.
    #[serde(default)]
    active: String,
}

/// Runs one change and answers with the page (a refusal beside the list) or a redirect.
async fn changed(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    lang: Lang,
    staff: StaffMember,
    done: Result<(), Error>,
) -> Result<HttpResponse, AppError> {
    match done {
        Ok(()) => Ok(see_other("/staff/accounts?done=1")),
        Err(Error::Invalid(key)) => {
            page(
                &state,
                &req,
                &session,
                lang,
                StatusCode::UNPROCESSABLE_ENTITY,
                staff,
                NewAccount::default(),
                FieldErrors::new(),
                Some(lang.t(key)),
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn role(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    lang: Lang,
    CurrentStaff(staff): CurrentStaff,
    id: web::Path<i32>,
    form: web::Form<ChangeForm>,
) -> Result<HttpResponse, AppError> {
    verify_csrf(&session, &form.csrf_token)?;
    let role = Role::parse(form.role.trim()).ok_or(AppError::BadRequest("error-choose-one"))?;
    let done =
        administration::change_account(&state.app, &staff, StaffId(*id), AccountChange::Role(role))
            .await
            .map(drop);
    changed(req, state, session, lang, staff, done).await
}

pub async fn active(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    lang: Lang,
    CurrentStaff(staff): CurrentStaff,
    id: web::Path<i32>,
    form: web::Form<ChangeForm>,
) -> Result<HttpResponse, AppError> {
    verify_csrf(&session, &form.csrf_token)?;
    let active = match form.active.as_str() {
        "on" => true,
        "off" => false,
        _ => return Err(AppError::BadRequest("error-choose-one")),
    };
    let done = administration::change_account(
        &state.app,
        &staff,
        StaffId(*id),
        AccountChange::Active(active),
    )
    .await
    .map(drop);
    changed(req, state, session, lang, staff, done).await
}

/// Mails the account's owner a one-time link to set a new password.
pub async fn reset(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    lang: Lang,
    CurrentStaff(staff): CurrentStaff,
    id: web::Path<i32>,
    form: web::Form<CsrfForm>,
) -> Result<HttpResponse, AppError> {
    verify_csrf(&session, &form.csrf_token)?;
    let done = administration::send_reset_link(&state.app, &staff, StaffId(*id)).await;
    changed(req, state, session, lang, staff, done).await
}

pub async fn revoke(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    lang: Lang,
    CurrentStaff(staff): CurrentStaff,
    path: web::Path<(i32, String)>,
    form: web::Form<CsrfForm>,
) -> Result<HttpResponse, AppError> {
    verify_csrf(&session, &form.csrf_token)?;
    let (id, sid) = path.into_inner();
    let done = administration::revoke_session(&state.app, &staff, StaffId(id), &sid).await;
    changed(req, state, session, lang, staff, done).await
}
