//! Staff login and logout, with failed attempts throttled per account and per client.

use crate::app::{self, Error};
use crate::domain::FieldErrors;
use crate::domain::staff::Email;
use crate::render::Layout;
use crate::web::session::{csrf_token, log_in, log_out, verify_csrf};
use crate::web::{AppError, AppState, Lang, client_key, html, see_other};
use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::{Deserialize, Serialize};

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
pub struct LoginQuery {
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

/// Only a path on this site is a safe place to return to after login; a
/// control character (CR/LF) could not even be sent back as a header.
fn safe_next(next: &str) -> &str {
    if next.starts_with("/staff")
        && !next.starts_with("//")
        && !next.contains('\\')
        && !next.chars().any(char::is_control)
    {
        next
    } else {
        "/staff/procedures"
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
    query: web::Query<LoginQuery>,
) -> Result<HttpResponse, AppError> {
    page(
        &state,
        &req,
        &session,
        lang,
        StatusCode::OK,
        "",
        safe_next(&query.next),
        FieldErrors::new(),
        None,
    )
}

pub async fn submit(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    lang: Lang,
    form: web::Form<LoginForm>,
) -> Result<HttpResponse, AppError> {
    verify_csrf(&session, &form.csrf_token)?;
    let next = safe_next(&form.next);
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
    match app::accounts::authenticate(&state.app, &email, &form.password, &client_key(&req)).await {
        Ok(staff) => {
            log_in(&session, staff.id)?;
            Ok(see_other(next))
        }
        Err(Error::Throttled { retry_after }) => {
            let minutes = retry_after.div_ceil(60).max(1);
            let message = lang.t_args("login-throttled", &[("minutes", minutes.to_string())]);
            Ok(crate::web::retry_after(
                again(StatusCode::TOO_MANY_REQUESTS, message)?,
                retry_after,
            ))
        }
        // The same words for an unknown address and a wrong password.
        Err(Error::LoginFailed) => again(StatusCode::UNAUTHORIZED, lang.t("login-failed")),
        Err(e) => Err(e.into()),
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct LogoutForm {
    #[serde(default)]
    csrf_token: String,
}

pub async fn logout(
    session: Session,
    form: web::Form<LogoutForm>,
) -> Result<HttpResponse, AppError> {
    verify_csrf(&session, &form.csrf_token)?;
    log_out(&session);
    Ok(see_other("/"))
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn next_stays_on_the_console() {
        assert_eq!(
            safe_next("/staff/procedures/3/edit"),
            "/staff/procedures/3/edit"
        );
        for evil in [
            "https://evil.example",
            "//evil.example",
            "/\\evil",
            "",
            "/procedures",
            "/staff/x\r\nSet-Cookie: a=b",
            "/staff/\n",
        ] {
            assert_eq!(safe_next(evil), "/staff/procedures");
        }
    }
}
