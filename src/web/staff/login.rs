//! Staff sign-in: the password (throttled per client and per account without
//! locking the real user out), then the second factor where the account has
//! one; sign-out; and setting a password through a one-time link.

use crate::app::accounts::{self, Standing};
use crate::app::{self, Error};
use crate::domain::FieldErrors;
use crate::domain::staff::Email;
use crate::render::Layout;
use crate::web::session::{
    CurrentSession, DEVICE_COOKIE, csrf_token, log_in, log_out, verify_csrf,
};
use crate::web::{AppError, AppState, Lang, client_key, html, see_other};
use actix_session::Session;
use actix_web::cookie::{Cookie, SameSite};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::{Deserialize, Serialize};

/// Where the console starts after sign-in.
pub const START: &str = "/staff";

#[derive(Debug, Default, Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: String,
}

#[derive(Debug, Default, Deserialize)]
pub struct NextQuery {
    #[serde(default)]
    next: String,
}

#[derive(Serialize)]
struct LoginPage<'a> {
    layout: Layout,
    csrf_token: String,
    email: &'a str,
    next: &'a str,
    errors: FieldErrors,
    message: Option<String>,
}

/// Where to go after sign-in: a path of the console, or the start page when
/// none is given. Anything else — another site, a control character (CR/LF),
/// a backslash — is refused with a 400 before anything else happens.
pub fn safe_next(next: &str) -> Result<&str, AppError> {
    if next.is_empty() {
        return Ok(START);
    }
    if next.starts_with("/staff")
        && !next.starts_with("//")
        && !next.contains('\\')
        && !next.chars().any(char::is_control)
    {
        Ok(next)
    } else {
        Err(AppError::BadRequest("error-bad-next"))
    }
}

#[allow(clippy::too_many_arguments)]
fn page(
    state: &AppState,
    req: &HttpRequest,
    session: &Session,
    lang: Lang,
    status: StatusCode,
    email: &str,
    next: &str,
    errors: FieldErrors,
    message: Option<String>,
) -> Result<HttpResponse, AppError> {
    let body = state.render(
        "staff/login.html",
        &LoginPage {
            layout: crate::web::layout(req, lang),
            csrf_token: csrf_token(session)?,
            email,
            next,
            errors,
            message,
        },
    )?;
    Ok(html(status, body))
}

pub async fn show(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    lang: Lang,
    query: web::Query<NextQuery>,
) -> Result<HttpResponse, AppError> {
    let next = safe_next(&query.next)?;
    page(
        &state,
        &req,
        &session,
        lang,
        StatusCode::OK,
        "",
        next,
        FieldErrors::new(),
        None,
    )
}

/// A throttled attempt: 429 with `Retry-After` and the wait in minutes.
fn throttled(response: HttpResponse, retry_after: u64) -> Result<HttpResponse, AppError> {
    Ok(crate::web::retry_after(response, retry_after))
}

/// The device cookie for a browser that has just signed in to `staff`.
fn device_cookie(state: &AppState, staff: &crate::store::staff::StaffMember) -> Cookie<'static> {
    Cookie::build(DEVICE_COOKIE, accounts::device_cookie(&state.app, staff.id))
        .path("/staff")
        .http_only(true)
        .secure(state.secure_cookies)
        .same_site(SameSite::Lax)
        .max_age(actix_web::cookie::time::Duration::days(
            accounts::DEVICE_LIFETIME_DAYS,
        ))
        .finish()
}

/// After a step of sign-in: on to the next step, or into the console.
fn onwards(
    state: &AppState,
    staff: &crate::store::staff::StaffMember,
    standing: Standing,
    next: &str,
) -> HttpResponse {
    let encoded = url::form_urlencoded::byte_serialize(next.as_bytes()).collect::<String>();
    match standing {
        Standing::SecondFactorPending => {
            see_other(&format!("/staff/login/second-factor?next={encoded}"))
        }
        Standing::MustEnrol => {
            let mut r = see_other(&format!("/staff/account/second-factor?next={encoded}"));
            let _ = r.add_cookie(&device_cookie(state, staff));
            r
        }
        Standing::Ready => {
            let mut r = see_other(next);
            let _ = r.add_cookie(&device_cookie(state, staff));
            r
        }
    }
}

pub async fn submit(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    lang: Lang,
    form: web::Form<LoginForm>,
) -> Result<HttpResponse, AppError> {
    verify_csrf(&session, &form.csrf_token)?;
    let next = safe_next(&form.next)?;
    let mut errors = FieldErrors::new();
    let email = Email::parse(&form.email);
    if form.email.trim().is_empty() {
        errors.add("email", "error-required");
    } else if email.is_none() {
        errors.add("email", "error-email");
    }
    if form.password.is_empty() {
        errors.add("password", "error-required");
    }
    let (Some(email), true) = (email, errors.is_empty()) else {
        return page(
            &state,
            &req,
            &session,
            lang,
            StatusCode::UNPROCESSABLE_ENTITY,
            &form.email,
            next,
            errors,
            None,
        );
    };

    let again = |status: StatusCode, message: String| {
        page(
            &state,
            &req,
            &session,
            lang,
            status,
            &form.email,
            next,
            FieldErrors::new(),
            Some(message),
        )
    };
    let device = req.cookie(DEVICE_COOKIE);
    match accounts::authenticate(
        &state.app,
        &email,
        &form.password,
        &client_key(&req),
        device.as_ref().map(|c| c.value()),
    )
    .await
    {
        Ok(staff) => {
            let user_agent = req
                .headers()
                .get(actix_web::http::header::USER_AGENT)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            let started = accounts::start_session(&state.app, &staff, user_agent).await?;
            log_in(&session, &started.token)?;
            Ok(onwards(&state, &staff, started.standing, next))
        }
        Err(Error::Throttled { retry_after }) => {
            let seconds = retry_after.max(1);
            let message = lang.t_args("login-throttled", &[("seconds", seconds.to_string())]);
            throttled(again(StatusCode::TOO_MANY_REQUESTS, message)?, retry_after)
        }
        // The same words for an unknown address and a wrong password.
        Err(Error::LoginFailed) => again(StatusCode::UNAUTHORIZED, lang.t("login-failed")),
        Err(e) => Err(e.into()),
    }
}

#[derive(Serialize)]
struct SecondFactorPage<'a> {
    layout: Layout,
    csrf_token: String,
    next: &'a str,
    message: Option<String>,
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

fn second_factor_page(
    state: &AppState,
    req: &HttpRequest,
    session: &Session,
    lang: Lang,
    status: StatusCode,
    next: &str,
    message: Option<String>,
) -> Result<HttpResponse, AppError> {
    let body = state.render(
        "staff/second_factor.html",
        &SecondFactorPage {
            layout: crate::web::layout(req, lang),
            csrf_token: csrf_token(session)?,
            next,
            message,
        },
    )?;
    Ok(html(status, body))
}

/// The second step of sign-in: the code from the authenticator app, or a recovery code.
pub async fn second_factor(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    lang: Lang,
    CurrentSession(current): CurrentSession,
    query: web::Query<NextQuery>,
) -> Result<HttpResponse, AppError> {
    let next = safe_next(&query.next)?;
    if current.standing != Standing::SecondFactorPending {
        return Ok(see_other(next));
    }
    second_factor_page(&state, &req, &session, lang, StatusCode::OK, next, None)
}

pub async fn second_factor_submit(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    lang: Lang,
    CurrentSession(current): CurrentSession,
    form: web::Form<CodeForm>,
) -> Result<HttpResponse, AppError> {
    verify_csrf(&session, &form.csrf_token)?;
    let next = safe_next(&form.next)?;
    if current.standing != Standing::SecondFactorPending {
        return Ok(see_other(next));
    }
    match accounts::pass_second_factor(&state.app, &current, &form.code, &client_key(&req)).await {
        Ok(()) => {
            let standing = if state.app.second_factor.requires(current.staff.role)
                && !current.staff.second_factor
            {
                Standing::MustEnrol
            } else {
                Standing::Ready
            };
            Ok(onwards(&state, &current.staff, standing, next))
        }
        Err(Error::Throttled { retry_after }) => {
            let message = lang.t_args(
                "login-throttled",
                &[("seconds", retry_after.max(1).to_string())],
            );
            throttled(
                second_factor_page(
                    &state,
                    &req,
                    &session,
                    lang,
                    StatusCode::TOO_MANY_REQUESTS,
                    next,
                    Some(message),
                )?,
                retry_after,
            )
        }
        Err(Error::Invalid(key)) => second_factor_page(
            &state,
            &req,
            &session,
            lang,
            StatusCode::UNPROCESSABLE_ENTITY,
            next,
            Some(lang.t(key)),
        ),
        Err(e) => Err(e.into()),
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct LogoutForm {
    #[serde(default)]
    csrf_token: String,
}

/// Sign-out: the session ends on the server (a copied cookie opens nothing).
pub async fn logout(
    state: web::Data<AppState>,
    session: Session,
    form: web::Form<LogoutForm>,
) -> Result<HttpResponse, AppError> {
    verify_csrf(&session, &form.csrf_token)?;
    log_out(&state, &session).await?;
    Ok(see_other("/"))
}

#[derive(Serialize)]
struct ResetPage {
    layout: Layout,
    csrf_token: String,
    token: String,
    valid: bool,
    done: bool,
    errors: FieldErrors,
    message: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct ResetForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    new_password: String,
    #[serde(default)]
    confirm_password: String,
}

#[allow(clippy::too_many_arguments)]
fn reset_page(
    state: &AppState,
    req: &HttpRequest,
    session: &Session,
    lang: Lang,
    status: StatusCode,
    token: &str,
    valid: bool,
    done: bool,
    errors: FieldErrors,
    message: Option<String>,
) -> Result<HttpResponse, AppError> {
    let body = state.render(
        "staff/reset.html",
        &ResetPage {
            layout: crate::web::layout(req, lang),
            csrf_token: csrf_token(session)?,
            token: token.to_owned(),
            valid,
            done,
            errors,
            message,
        },
    )?;
    Ok(html(status, body))
}

/// A one-time link to set a password (mailed by an administrator's request).
pub async fn reset(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    lang: Lang,
    token: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let valid = accounts::reset_link_valid(&state.app, &token).await?;
    let status = if valid {
        StatusCode::OK
    } else {
        StatusCode::GONE
    };
    reset_page(
        &state,
        &req,
        &session,
        lang,
        status,
        &token,
        valid,
        false,
        FieldErrors::new(),
        None,
    )
}

pub async fn reset_submit(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    lang: Lang,
    token: web::Path<String>,
    form: web::Form<ResetForm>,
) -> Result<HttpResponse, AppError> {
    verify_csrf(&session, &form.csrf_token)?;
    match accounts::reset_password(
        &state.app,
        &token,
        &form.new_password,
        &form.confirm_password,
    )
    .await
    {
        Ok(()) => reset_page(
            &state,
            &req,
            &session,
            lang,
            StatusCode::OK,
            &token,
            false,
            true,
            FieldErrors::new(),
            None,
        ),
        Err(app::Error::Fields(errors)) => reset_page(
            &state,
            &req,
            &session,
            lang,
            StatusCode::UNPROCESSABLE_ENTITY,
            &token,
            true,
            false,
            errors,
            None,
        ),
        Err(app::Error::Invalid(key)) => reset_page(
            &state,
            &req,
            &session,
            lang,
            StatusCode::GONE,
            &token,
            false,
            false,
            FieldErrors::new(),
            Some(lang.t(key)),
        ),
        Err(e) => Err(e.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn next_stays_on_the_console_or_is_refused() {
        assert_eq!(
            safe_next("/staff/procedures/3/edit").unwrap(),
            "/staff/procedures/3/edit"
        );
        assert_eq!(safe_next("").unwrap(), "/staff");
        for evil in [
            "https://evil.example",
            "//evil.example",
            "/\\evil",
            "/procedures",
            "/staff/x\r\nSet-Cookie: a=b",
            "/staff/\n",
        ] {
            assert!(safe_next(evil).is_err(), "{evil:?}");
        }
    }
}
