//! Staff sessions (in the signed and encrypted session cookie) and CSRF tokens.
//!
//! The CSRF defence is the synchronizer-token pattern: a random token kept in
//! the session and echoed by every form as `csrf_token`; a POST whose token
//! does not match is refused before anything is read from its body.

use super::error::AppError;
use super::state::AppState;
use crate::domain::ids::StaffId;
use crate::store::staff::StaffMember;
use actix_session::{Session, SessionExt};
use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, web};
use base64::Engine;
use chrono::Utc;
use futures_util::future::LocalBoxFuture;
use rand::RngCore;
use subtle::ConstantTimeEq;

const STAFF_ID: &str = "staff_id";
const LOGGED_IN_AT: &str = "logged_in_at";
const CSRF: &str = "csrf";
/// A session older than this must log in again, whatever the browser keeps.
pub const MAX_SESSION_AGE: chrono::Duration = chrono::Duration::hours(10);

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

/// Starts a staff session under a fresh session id (no fixation) and a fresh CSRF token.
pub fn log_in(session: &Session, staff_id: StaffId) -> Result<(), AppError> {
    session.renew();
    session.clear();
    session.insert(STAFF_ID, staff_id).map_err(session_error)?;
    session
        .insert(LOGGED_IN_AT, Utc::now().timestamp())
        .map_err(session_error)?;
    csrf_token(session)?;
    Ok(())
}

pub fn log_out(session: &Session) {
    session.purge();
}

/// The signed-in staff member, or a redirect to the login page.
pub struct CurrentStaff(pub StaffMember);

impl FromRequest for CurrentStaff {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let session = req.get_session();
        let state = req.app_data::<web::Data<AppState>>().cloned();
        Box::pin(async move {
            let state = state.ok_or_else(|| AppError::internal(anyhow::anyhow!("no app state")))?;
            let id = session
                .get::<StaffId>(STAFF_ID)
                .map_err(session_error)?
                .ok_or(AppError::LoginRequired)?;
            let at = session
                .get::<i64>(LOGGED_IN_AT)
                .map_err(session_error)?
                .unwrap_or(0);
            if Utc::now().timestamp() - at > MAX_SESSION_AGE.num_seconds() {
                session.purge();
                return Err(AppError::LoginRequired);
            }
            match crate::app::accounts::active_staff(&state.app, id).await? {
                Some(staff) => Ok(CurrentStaff(staff)),
                None => {
                    session.purge();
                    Err(AppError::LoginRequired)
                }
            }
        })
    }
}
