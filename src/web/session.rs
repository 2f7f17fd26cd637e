//! Staff sessions and CSRF tokens.
//!
//! A session is a row on the server (`app::accounts`): the encrypted session
//! cookie carries only a random token naming it, and the CSRF token. Logout,
//! a password change, a deactivation or an administrator revoke the row, and
//! every node refuses the cookie from then on — a copied cookie is worthless
//! after logout. The CSRF defence is the synchronizer-token pattern: a random
//! token kept in the session and echoed by every form as `csrf_token`; a
//! POST whose token does not match is refused before anything is read from
//! its body.

use super::error::AppError;
use super::state::AppState;
use crate::app::accounts::{Current, Standing};
use crate::store::staff::StaffMember;
use actix_session::{Session, SessionExt};
use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, web};
use base64::Engine;
use futures_util::future::LocalBoxFuture;
use rand::RngCore;
use subtle::ConstantTimeEq;

const SESSION_TOKEN: &str = "sid";
const CSRF: &str = "csrf";
/// The device cookie (`app::accounts::device_cookie`): a browser that signed in to an account.
pub const DEVICE_COOKIE: &str = "mingjing_device";

fn session_error(e: impl std::fmt::Display) -> AppError {
    AppError::internal(anyhow::anyhow!("session: {e}"))
}

/// The session's CSRF token, created on first use.
pub fn csrf_token(session: &Session) -> Result<String, AppError> {
    if let Some(token) = session.get::<String>(CSRF).map_err(session_error)? {
        return Ok(token);
    }
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let token = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
    session.insert(CSRF, &token).map_err(session_error)?;
    Ok(token)
}

/// Refuses the request unless `submitted` is the session's token.
pub fn verify_csrf(session: &Session, submitted: &str) -> Result<(), AppError> {
    let expected = session
        .get::<String>(CSRF)
        .map_err(session_error)?
        .ok_or(AppError::Csrf)?;
    if !submitted.is_empty() && bool::from(expected.as_bytes().ct_eq(submitted.as_bytes())) {
        Ok(())
    } else {
        Err(AppError::Csrf)
    }
}

/// Puts a new session's token in the cookie, under a fresh cookie session
/// (no fixation) with a fresh CSRF token.
pub fn log_in(session: &Session, token: &str) -> Result<(), AppError> {
    session.renew();
    session.clear();
    session
        .insert(SESSION_TOKEN, token)
        .map_err(session_error)?;
    csrf_token(session)?;
    Ok(())
}

/// Ends the session on the server, then forgets the cookie.
pub async fn log_out(state: &AppState, session: &Session) -> Result<(), AppError> {
    if let Some(token) = session
        .get::<String>(SESSION_TOKEN)
        .map_err(session_error)?
    {
        crate::app::accounts::end_session(&state.app, &token).await?;
    }
    session.purge();
    Ok(())
}

/// The live session of the request, whatever its standing.
async fn current(req: &HttpRequest) -> Result<Current, AppError> {
    let session = req.get_session();
    let state = req
        .app_data::<web::Data<AppState>>()
        .cloned()
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("no app state")))?;
    let token = session
        .get::<String>(SESSION_TOKEN)
        .map_err(session_error)?
        .ok_or(AppError::LoginRequired)?;
    match crate::app::accounts::session(&state.app, &token).await? {
        Some(c) => Ok(c),
        None => {
            // Revoked, expired, or its account deactivated: the cookie is worthless.
            session.purge();
            Err(AppError::LoginRequired)
        }
    }
}

/// The signed-in staff member (password and, where required, second factor
/// passed), or a redirect to the step still missing.
pub struct CurrentStaff(pub StaffMember);

impl FromRequest for CurrentStaff {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let c = current(&req).await?;
            match c.standing {
                Standing::Ready => Ok(CurrentStaff(c.staff)),
                Standing::SecondFactorPending => Err(AppError::SecondFactorRequired),
                Standing::MustEnrol => Err(AppError::EnrolRequired),
            }
        })
    }
}

/// Any live session, with its id and standing: the pages of the second
/// factor and of one's own account, which a session not yet ready may open.
pub struct CurrentSession(pub Current);

impl FromRequest for CurrentSession {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move { Ok(CurrentSession(current(&req).await?)) })
    }
}
