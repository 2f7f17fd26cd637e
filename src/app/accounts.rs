//! Staff sign in: a password checked against its argon2id hash, failed
//! attempts throttled per account and per client; and bearer tokens for the
//! API, stored only as their SHA-256.

use super::{App, Error, Result};
use crate::domain::staff::Email;
use crate::store::staff::StaffMember;
use base64::Engine;
use sha2::{Digest, Sha256};

/// How long an API token lasts.
pub const TOKEN_LIFETIME_MS: i64 = 8 * 3600 * 1000;

/// The staff member with this e-mail address and password. The same
/// `LoginFailed` for an unknown address and a wrong password; `Throttled`
/// while the account or the client is locked.
pub async fn authenticate(
    app: &App,
    email: &Email,
    password: &str,
    client: &str,
) -> Result<StaffMember> {
    let now = crate::antiabuse::limits::now_ms();
    if let Some(retry_after) = app
        .login_throttle
        .blocked(email.as_str(), client, now)
        .await?
    {
        return Err(Error::Throttled { retry_after });
    }
    let credentials = app.store.staff_credentials(email).await?;
    let password = password.to_owned();
    let verified = tokio::task::spawn_blocking(move || match credentials {
        Some((staff, hash)) => crate::auth::password::verify(&password, &hash).then_some(staff),
        None => {
            crate::auth::password::verify_against_nothing(&password);
            None
        }
    })
    .await
    .map_err(Error::internal)?;
    match verified {
        Some(staff) => {
            app.login_throttle.record_success(email.as_str()).await?;
            tracing::info!(staff.id = %staff.id, "staff logged in");
            Ok(staff)
        }
        None => {
            app.login_throttle
                .record_failure(email.as_str(), client, now)
                .await?;
            Err(Error::LoginFailed)
        }
    }
}

fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// A new bearer token for `staff` and when it expires (ms since the epoch).
pub async fn issue_token(app: &App, staff: &StaffMember) -> Result<(String, i64)> {
    let mut bytes = [0u8; 32];
    rand::RngCore::fill_bytes(&mut super::os_rng(), &mut bytes);
    let token = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
    let expires = chrono::Utc::now().timestamp_millis() + TOKEN_LIFETIME_MS;
    app.store
        .insert_staff_token(&token_hash(&token), staff.id, expires)
        .await?;
    Ok((token, expires))
}

/// The active staff member behind a bearer token, if it is valid.
pub async fn staff_for_token(app: &App, token: &str) -> Result<Option<StaffMember>> {
    let now = chrono::Utc::now().timestamp_millis();
    let Some(id) = app.store.staff_for_token(&token_hash(token), now).await? else {
        return Ok(None);
    };
    Ok(app.store.active_staff(id).await?)
}

/// The active staff member of a session.
pub async fn active_staff(
    app: &App,
    id: crate::domain::ids::StaffId,
) -> Result<Option<StaffMember>> {
    Ok(app.store.active_staff(id).await?)
}
