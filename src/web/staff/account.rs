//! One's own account: the password, the second factor (enrolment, recovery
//! codes) and the sessions signed in elsewhere. The enrolment pages open for
//! a session whose role requires a second factor it does not have yet.

use crate::app::Error;
use crate::app::accounts::{self, Current, Standing};
use crate::domain::FieldErrors;
use crate::render::Layout;
use crate::store::sessions::StaffSession;
use crate::store::staff::StaffMember;
use crate::web::session::{CurrentSession, CurrentStaff, csrf_token, verify_csrf};
use crate::web::staff::login::safe_next;
use crate::web::{AppError, AppState, Lang, client_key, html, see_other};
use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::{Deserialize, Serialize};

/// The TOTP key being enrolled, kept in the (encrypted) session cookie until
/// a code from it proves the app has it.
const PENDING_KEY: &str = "pending_totp_key";

#[derive(Serialize)]
struct AccountPage {
    layout: Layout,
    staff: StaffMember,
    csrf_token: String,
    sessions: Vec<SessionRow>,
    recovery_codes_left: i64,
    required: bool,
    errors: FieldErrors,
    message: Option<String>,
    flash: Option<String>,
    /// Shown once, just after they were made.
    new_codes: Vec<String>,
}

#[derive(Serialize)]
struct SessionRow {
    #[serde(flatten)]
    session: StaffSession,
    this: bool,
}

#[allow(clippy::too_many_arguments)]
async fn account_page(
    state: &AppState,
    req: &HttpRequest,
    session: &Session,
    lang: Lang,
    status: StatusCode,
    current: &Current,
    errors: FieldErrors,
    message: Option<String>,
    new_codes: Vec<String>,
) -> Result<HttpResponse, AppError> {
    let staff = &current.staff;
    let sessions = accounts::own_sessions(&state.app, staff)
        .await?
        .into_iter()
        .map(|s| SessionRow {
            this: s.id == current.session_id,
            session: s,
        })
        .collect();
    let flash = req
        .query_string()
        .contains("done=1")
        .then(|| lang.t("flash-saved"));
    let page = AccountPage {
        layout: crate::web::layout(req, lang),
        csrf_token: csrf_token(session)?,
        sessions,
        recovery_codes_left: accounts::recovery_codes_left(&state.app, staff).await?,
        required: state.app.second_factor.requires(staff.role),
        staff: staff.clone(),
        errors,
        message,
        flash,
        new_codes,
    };
    Ok(html(status, state.render("staff/account.html", &page)?))
}

pub async fn show(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    lang: Lang,
    CurrentStaff(_): CurrentStaff,
    CurrentSession(current): CurrentSession,
) -> Result<HttpResponse, AppError> {
    account_page(
        &state,
        &req,
        &session,
        lang,
        StatusCode::OK,
        &current,
        FieldErrors::new(),
        None,
        Vec::new(),
    )
    .await
}

#[derive(Debug, Default, Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    new_password: String,
    #[serde(default)]
    confirm_password: String,
}

/// A new password: every other session and API token of the account ends.
pub async fn password(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    lang: Lang,
    CurrentStaff(_): CurrentStaff,
    CurrentSession(current): CurrentSession,
    form: web::Form<PasswordForm>,
) -> Result<HttpResponse, AppError> {
    verify_csrf(&session, &form.csrf_token)?;
    match accounts::change_password(
        &state.app,
        &current,
        &form.current_password,
        &form.new_password,
        &form.confirm_password,
    )
    .await
    {
        Ok(()) => Ok(see_other("/staff/account?done=1")),
        Err(Error::Fields(errors)) => {
            account_page(
                &state,
                &req,
                &session,
                lang,
                StatusCode::UNPROCESSABLE_ENTITY,
                &current,
                errors,
                None,
                Vec::new(),
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

/// A form that carries nothing but its CSRF token.
#[derive(Debug, Default, Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    pub csrf_token: String,
}

#[derive(Debug, Default, Deserialize)]
pub struct CodeForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    next: String,
}

/// New recovery codes after a current code; shown once.
pub async fn recovery_codes(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    lang: Lang,
    CurrentStaff(_): CurrentStaff,
    CurrentSession(current): CurrentSession,
    form: web::Form<CodeForm>,
) -> Result<HttpResponse, AppError> {
    verify_csrf(&session, &form.csrf_token)?;
    let (status, message, codes) = match accounts::renew_recovery_codes(
        &state.app,
        &current.staff,
        &form.code,
        &client_key(&req),
    )
    .await
    {
        Ok(codes) => (StatusCode::OK, None, codes),
        Err(Error::Invalid(key)) => (StatusCode::UNPROCESSABLE_ENTITY, Some(lang.t(key)), vec![]),
        Err(Error::Throttled { retry_after }) => (
            StatusCode::TOO_MANY_REQUESTS,
            Some(lang.t_args("login-throttled", &[("seconds", retry_after.to_string())])),
            vec![],
        ),
        Err(e) => return Err(e.into()),
    };
    account_page(
        &state,
        &req,
        &session,
        lang,
        status,
        &current,
        FieldErrors::new(),
        message,
        codes,
    )
    .await
}

/// Ends one of one's own sessions (another browser, a shared computer).
pub async fn revoke(
    state: web::Data<AppState>,
    session: Session,
    CurrentStaff(staff): CurrentStaff,
    id: web::Path<String>,
    form: web::Form<CsrfForm>,
) -> Result<HttpResponse, AppError> {
    verify_csrf(&session, &form.csrf_token)?;
    accounts::revoke_own_session(&state.app, &staff, &id).await?;
    Ok(see_other("/staff/account?done=1#sessions-h"))
}

#[derive(Serialize)]
struct EnrolPage<'a> {
    layout: Layout,
    staff: &'a StaffMember,
    csrf_token: String,
    /// The key to type into the app, in groups of four.
    key: String,
    uri: String,
    next: &'a str,
    required: bool,
    message: Option<String>,
    /// Shown once, after enrolment.
    codes: Vec<String>,
}

#[allow(clippy::too_many_arguments)]
fn enrol_page(
    state: &AppState,
    req: &HttpRequest,
    session: &Session,
    lang: Lang,
    status: StatusCode,
    current: &Current,
    next: &str,
    message: Option<String>,
    codes: Vec<String>,
) -> Result<HttpResponse, AppError> {
    // One pending key per session: a reload shows the same one.
    let key = match session
        .get::<String>(PENDING_KEY)
        .map_err(|e| AppError::internal(anyhow::anyhow!("session: {e}")))?
        .and_then(|k| crate::auth::totp::Key::parse_base32(&k))
    {
        Some(k) => k,
        None => {
            let k = accounts::new_totp_key();
            session
                .insert(PENDING_KEY, k.base32())
                .map_err(|e| AppError::internal(anyhow::anyhow!("session: {e}")))?;
            k
        }
    };
    let page = EnrolPage {
        layout: crate::web::layout(req, lang),
        staff: &current.staff,
        csrf_token: csrf_token(session)?,
        uri: key.uri(&current.staff.email).unwrap_or_default(),
        key: key.base32(),
        next,
        required: state.app.second_factor.requires(current.staff.role),
        message,
        codes,
    };
    Ok(html(status, state.render("staff/enrol.html", &page)?))
}

#[derive(Debug, Default, Deserialize)]
pub struct NextQuery {
    #[serde(default)]
    next: String,
}

/// Enrolment of a second factor: the key to add to an authenticator app.
pub async fn enrol(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    lang: Lang,
    CurrentSession(current): CurrentSession,
    query: web::Query<NextQuery>,
) -> Result<HttpResponse, AppError> {
    let next = safe_next(&query.next)?;
    if current.standing == Standing::SecondFactorPending {
        return Err(AppError::SecondFactorRequired);
    }
    enrol_page(
        &state,
        &req,
        &session,
        lang,
        StatusCode::OK,
        &current,
        next,
        None,
        Vec::new(),
    )
}

pub async fn enrol_submit(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    lang: Lang,
    CurrentSession(current): CurrentSession,
    form: web::Form<CodeForm>,
) -> Result<HttpResponse, AppError> {
    verify_csrf(&session, &form.csrf_token)?;
    let next = safe_next(&form.next)?;
    if current.standing == Standing::SecondFactorPending {
        return Err(AppError::SecondFactorRequired);
    }
    let key = session
        .get::<String>(PENDING_KEY)
        .map_err(|e| AppError::internal(anyhow::anyhow!("session: {e}")))?
        .unwrap_or_default();
    match accounts::enrol_second_factor(&state.app, &current, &key, &form.code).await {
        Ok(codes) => {
            session.remove(PENDING_KEY);
            enrol_page(
                &state,
                &req,
                &session,
                lang,
                StatusCode::OK,
                &current,
                next,
                None,
                codes,
            )
        }
        Err(Error::Invalid(key)) => enrol_page(
            &state,
            &req,
            &session,
            lang,
            StatusCode::UNPROCESSABLE_ENTITY,
            &current,
            next,
            Some(lang.t(key)),
            Vec::new(),
        ),
        Err(e) => Err(e.into()),
    }
}
