//! Staff accounts: sign-in (a password against its argon2id hash, throttled
//! per client and per account without locking the real user out —
//! `auth::throttle`), the second factor (TOTP, with one-time recovery codes;
//! required for the roles `MINGJING_SECOND_FACTOR` names), server-side
//! sessions that logout, a password change, a deactivation or an
//! administrator end on every node, one's own password and second factor,
//! and (in `app::administration`) the administration of the accounts of an agency tree (create,
//! change role, deactivate, reactivate, reset by a one-time link by mail,
//! sessions seen and revoked). Every change to an account is an audit entry.
//! Bearer tokens for the API are stored only as their SHA-256.

use super::{App, Error, Result};
use crate::domain::FieldErrors;
use crate::domain::ids::StaffId;
use crate::domain::staff::{Email, password_is_acceptable};
use crate::store::sessions::StaffSession;
use crate::store::staff::{AccountChange, StaffMember};
use base64::Engine;
use chrono::Utc;

/// How long an API token lasts.
pub const TOKEN_LIFETIME_MS: i64 = 8 * 3600 * 1000;
/// A console session ends this long after sign-in, whatever the browser keeps.
pub const SESSION_LIFETIME: chrono::TimeDelta = chrono::TimeDelta::hours(10);
/// How long a device cookie vouches for a browser that signed in to an account.
pub const DEVICE_LIFETIME_DAYS: i64 = 90;
/// Recovery codes issued at a time.
pub const RECOVERY_CODES: usize = 10;

/// What the store keeps of a session token, an API token or a reset link.
fn sha256_hex(text: &str) -> String {
    crate::auth::reset::token_hash(text)
}

pub(super) fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::RngCore::fill_bytes(&mut super::os_rng(), &mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// The device cookie of a browser that has signed in to `staff`'s account:
/// `<staff id>.<expiry day>.<mac>` (keyed with the installation secret).
pub fn device_cookie(app: &App, staff: StaffId) -> String {
    let until = (Utc::now() + chrono::TimeDelta::days(DEVICE_LIFETIME_DAYS)).timestamp() / 86_400;
    let body = format!("{}.{until}", staff.0);
    format!("{body}.{}", app.hex_hash("device-cookie", &body))
}

/// The account a device cookie vouches for, if it is genuine and current.
fn device_of(app: &App, cookie: Option<&str>) -> Option<StaffId> {
    let (body, mac) = cookie?.rsplit_once('.')?;
    if !super::limits::hashes_match(&app.hex_hash("device-cookie", body), mac) {
        return None;
    }
    let (id, until) = body.split_once('.')?;
    let until: i64 = until.parse().ok()?;
    (until >= Utc::now().timestamp() / 86_400)
        .then(|| id.parse().ok().map(StaffId))
        .flatten()
}

/// The staff member with this e-mail address and password. The same
/// `LoginFailed` for an unknown address and a wrong password; `Throttled`
/// while this client must wait (`auth::throttle`). `device` is the browser's
/// device cookie, if any.
pub async fn authenticate(
    app: &App,
    email: &Email,
    password: &str,
    client: &str,
    device: Option<&str>,
) -> Result<StaffMember> {
    let now = crate::antiabuse::limits::now_ms();
    let credentials = app.store.staff_credentials(email).await?;
    let known = device_of(app, device)
        .is_some_and(|id| credentials.as_ref().is_some_and(|(s, _)| s.id == id));
    if let Some(retry_after) = app
        .login_throttle
        .blocked(email.as_str(), client, known, now)
        .await?
    {
        return Err(Error::Throttled { retry_after });
    }
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
            app.login_throttle
                .record_success(email.as_str(), client)
                .await?;
            Ok(staff)
        }
        None => {
            app.login_throttle
                .record_failure(email.as_str(), client, known, now)
                .await?;
            Err(Error::LoginFailed)
        }
    }
}

/// Where a session stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    /// Signed in.
    Ready,
    /// The password was right; the second factor is still to come.
    SecondFactorPending,
    /// The role requires a second factor that the account has not enrolled:
    /// only the enrolment pages are open.
    MustEnrol,
}

/// A session's token (for the browser) and where it stands.
pub struct Started {
    pub token: String,
    pub standing: Standing,
}

/// Starts a session for `staff` after a right password.
pub async fn start_session(app: &App, staff: &StaffMember, user_agent: &str) -> Result<Started> {
    let token = random_token();
    let now = Utc::now();
    app.store
        .create_session(
            &sha256_hex(&token),
            staff.id,
            staff.second_factor,
            user_agent,
            now,
            now + SESSION_LIFETIME,
        )
        .await?;
    tracing::info!(staff.id = %staff.id, "staff signed in");
    Ok(Started {
        standing: standing(app, staff, staff.second_factor),
        token,
    })
}

fn standing(app: &App, staff: &StaffMember, pending: bool) -> Standing {
    if pending {
        Standing::SecondFactorPending
    } else if app.second_factor.requires(staff.role) && !staff.second_factor {
        Standing::MustEnrol
    } else {
        Standing::Ready
    }
}

/// A live session behind a token: its id, whose it is, where it stands.
pub struct Current {
    pub session_id: String,
    pub staff: StaffMember,
    pub standing: Standing,
}

/// The session behind `token`, if it is live and its account active.
pub async fn session(app: &App, token: &str) -> Result<Option<Current>> {
    let id = sha256_hex(token);
    let now = Utc::now();
    let Some(s) = app.store.session(&id).await? else {
        return Ok(None);
    };
    if !s.is_live(now) {
        return Ok(None);
    }
    let Some(staff) = app.store.active_staff(s.staff_id).await? else {
        return Ok(None);
    };
    app.store.touch_session(&id, now).await?;
    Ok(Some(Current {
        standing: standing(app, &staff, s.pending_second_factor),
        session_id: id,
        staff,
    }))
}

/// Ends the session behind `token` (logout), on every node.
pub async fn end_session(app: &App, token: &str) -> Result<()> {
    app.store
        .end_session(&sha256_hex(token), Utc::now())
        .await?;
    Ok(())
}

/// Checks a second-factor code — six digits from the app, or a recovery code
/// (each once) — for `staff`. Throttled like a password.
async fn check_second_factor(
    app: &App,
    staff: &StaffMember,
    code: &str,
    client: &str,
) -> Result<bool> {
    let now_ms = crate::antiabuse::limits::now_ms();
    let account = format!("second-factor:{}", staff.id.0);
    if let Some(retry_after) = app
        .login_throttle
        .blocked(&account, client, true, now_ms)
        .await?
    {
        return Err(Error::Throttled { retry_after });
    }
    let ok = match app.store.staff_secrets(staff.id).await? {
        Some((_, Some(sealed))) => {
            let key = app
                .secret
                .open(crate::auth::totp::SEAL_PURPOSE, &sealed)
                .and_then(crate::auth::totp::Key::from_bytes)
                .ok_or_else(|| {
                    Error::internal(anyhow::anyhow!(
                        "the TOTP key of staff {} does not open with this installation's secret",
                        staff.id
                    ))
                })?;
            let unix = u64::try_from(Utc::now().timestamp()).unwrap_or(0);
            match key.check(code, unix) {
                Some(step) => {
                    app.store
                        .accept_totp_step(staff.id, i64::try_from(step).unwrap_or(i64::MAX))
                        .await?
                }
                None => {
                    let hash = recovery_hash(app, staff.id, code);
                    let used = app
                        .store
                        .use_recovery_code(staff.id, &hash, Utc::now())
                        .await?;
                    if used {
                        app.store
                            .audit_read(
                                &staff.actor(),
                                "recovery_code_used",
                                &format!("staff:{}", staff.id.0),
                            )
                            .await?;
                    }
                    used
                }
            }
        }
        _ => false,
    };
    if ok {
        app.login_throttle.record_success(&account, client).await?;
    } else {
        app.login_throttle
            .record_failure(&account, client, true, now_ms)
            .await?;
    }
    Ok(ok)
}

/// The second step of sign-in: the session's second factor.
pub async fn pass_second_factor(
    app: &App,
    current: &Current,
    code: &str,
    client: &str,
) -> Result<()> {
    if !check_second_factor(app, &current.staff, code, client).await? {
        return Err(Error::Invalid("error-second-factor"));
    }
    app.store
        .pass_second_factor(&current.session_id, Utc::now())
        .await?;
    Ok(())
}

/// A recovery code as stored: keyed, and bound to its account.
fn recovery_hash(app: &App, staff: StaffId, code: &str) -> String {
    let normal: String = code
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect::<String>()
        .to_uppercase();
    app.hex_hash("recovery-code", &format!("{}:{normal}", staff.0))
}

/// New recovery codes (shown once) and their stored hashes.
fn new_recovery_codes(app: &App, staff: StaffId) -> (Vec<String>, Vec<String>) {
    let mut rng = super::os_rng();
    let codes: Vec<String> = (0..RECOVERY_CODES)
        .map(|_| {
            let c = crate::domain::codes::AccessCode::generate(&mut rng);
            // Eight characters of the unambiguous alphabet, as XXXX-XXXX.
            let s: String = c.as_str().chars().take(8).collect();
            format!("{}-{}", &s[..4], &s[4..])
        })
        .collect();
    let hashes = codes.iter().map(|c| recovery_hash(app, staff, c)).collect();
    (codes, hashes)
}

/// A new TOTP key for `staff` to enrol (not kept until a code from it is shown).
pub fn new_totp_key() -> crate::auth::totp::Key {
    crate::auth::totp::Key::generate()
}

/// Enrols the TOTP key `typed_key` (base32, as shown) once a current `code`
/// from it proves the app has it; returns the recovery codes, shown once.
/// The session that enrolled has shown the factor: it goes on.
pub async fn enrol_second_factor(
    app: &App,
    current: &Current,
    typed_key: &str,
    code: &str,
) -> Result<Vec<String>> {
    let staff = &current.staff;
    let key = crate::auth::totp::Key::parse_base32(typed_key)
        .ok_or(Error::Invalid("error-second-factor"))?;
    let unix = u64::try_from(Utc::now().timestamp()).unwrap_or(0);
    let Some(step) = key.check(code, unix) else {
        return Err(Error::Invalid("error-second-factor"));
    };
    let (codes, hashes) = new_recovery_codes(app, staff.id);
    app.store
        .change_account(
            staff.id,
            &AccountChange::SecondFactor {
                sealed_key: app
                    .secret
                    .seal(crate::auth::totp::SEAL_PURPOSE, key.bytes()),
                step: i64::try_from(step).unwrap_or(i64::MAX),
                recovery_hashes: hashes,
            },
            &staff.actor(),
        )
        .await?;
    app.store
        .pass_second_factor(&current.session_id, Utc::now())
        .await?;
    tracing::info!(staff.id = %staff.id, "second factor enrolled");
    Ok(codes)
}

/// New recovery codes for `staff` (the old ones stop working), after a current code.
pub async fn renew_recovery_codes(
    app: &App,
    staff: &StaffMember,
    code: &str,
    client: &str,
) -> Result<Vec<String>> {
    if !check_second_factor(app, staff, code, client).await? {
        return Err(Error::Invalid("error-second-factor"));
    }
    let (codes, hashes) = new_recovery_codes(app, staff.id);
    app.store
        .change_account(
            staff.id,
            &AccountChange::RecoveryCodes(hashes),
            &staff.actor(),
        )
        .await?;
    Ok(codes)
}

pub async fn recovery_codes_left(app: &App, staff: &StaffMember) -> Result<i64> {
    Ok(app.store.recovery_codes_left(staff.id).await?)
}

/// Hashes a new password, after checking it is acceptable (the field errors otherwise).
async fn new_password_hash(new: &str, confirm: &str) -> Result<String> {
    let mut e = FieldErrors::new();
    if !password_is_acceptable(new) {
        e.add("new_password", "error-password-weak");
    } else if new != confirm {
        e.add("confirm_password", "error-password-mismatch");
    }
    if !e.is_empty() {
        return Err(Error::Fields(e));
    }
    let new = new.to_owned();
    tokio::task::spawn_blocking(move || crate::auth::password::hash(&new))
        .await
        .map_err(Error::internal)?
        .map_err(Error::internal)
}

/// A staff member changes their own password: every other session and API
/// token of theirs ends, on every node; this one goes on.
pub async fn change_password(
    app: &App,
    current: &Current,
    old: &str,
    new: &str,
    confirm: &str,
) -> Result<()> {
    let (hash, _) = app
        .store
        .staff_secrets(current.staff.id)
        .await?
        .ok_or(Error::NotFound)?;
    let old = old.to_owned();
    let right = tokio::task::spawn_blocking(move || crate::auth::password::verify(&old, &hash))
        .await
        .map_err(Error::internal)?;
    if !right {
        let mut e = FieldErrors::new();
        e.add("current_password", "error-password-wrong");
        return Err(Error::Fields(e));
    }
    let hash = new_password_hash(new, confirm).await?;
    app.store
        .change_account(
            current.staff.id,
            &AccountChange::Password {
                hash,
                keep_session: Some(current.session_id.clone()),
            },
            &current.staff.actor(),
        )
        .await?;
    Ok(())
}

/// One's own live sessions.
pub async fn own_sessions(app: &App, staff: &StaffMember) -> Result<Vec<StaffSession>> {
    Ok(app.store.sessions_of(staff.id, Utc::now()).await?)
}

/// Ends one of one's own sessions (another browser, a shared computer).
pub async fn revoke_own_session(app: &App, staff: &StaffMember, session: &str) -> Result<()> {
    if !app
        .store
        .revoke_session(session, staff.id, &staff.actor(), Utc::now())
        .await?
    {
        return Err(Error::NotFound);
    }
    Ok(())
}

// --- Administration ---------------------------------------------------------

/// Whether a reset link's token is still good (the page asks before showing its form).
pub async fn reset_link_valid(app: &App, token: &str) -> Result<bool> {
    Ok(app
        .store
        .password_reset_valid(&sha256_hex(token), Utc::now())
        .await?)
}

/// Sets a new password through a reset link (once); every session and API
/// token of the account ends.
pub async fn reset_password(app: &App, token: &str, new: &str, confirm: &str) -> Result<()> {
    let hash = new_password_hash(new, confirm).await?;
    let id = app
        .store
        .take_password_reset(&sha256_hex(token), Utc::now())
        .await?
        .ok_or(Error::Invalid("error-reset-link"))?;
    app.store
        .change_account(
            id,
            &AccountChange::Password {
                hash,
                keep_session: None,
            },
            &format!("staff:{}", id.0),
        )
        .await?;
    Ok(())
}

// --- API tokens ---------------------------------------------------------------

/// A new bearer token for `staff` and when it expires (ms since the epoch).
/// An account with a second factor gives its current code too; one whose
/// role requires it and has none enrolls in the console first.
pub async fn issue_token(
    app: &App,
    staff: &StaffMember,
    code: Option<&str>,
    client: &str,
) -> Result<(String, i64)> {
    if staff.second_factor {
        let ok = match code {
            Some(c) => check_second_factor(app, staff, c, client).await?,
            None => false,
        };
        if !ok {
            return Err(Error::Invalid("error-second-factor"));
        }
    } else if app.second_factor.requires(staff.role) {
        return Err(Error::Invalid("error-second-factor-enrol"));
    }
    let token = random_token();
    let expires = Utc::now().timestamp_millis() + TOKEN_LIFETIME_MS;
    app.store
        .insert_staff_token(&sha256_hex(&token), staff.id, expires)
        .await?;
    Ok((token, expires))
}

/// The active staff member behind a bearer token, if it is valid.
pub async fn staff_for_token(app: &App, token: &str) -> Result<Option<StaffMember>> {
    let now = Utc::now().timestamp_millis();
    let Some(id) = app.store.staff_for_token(&sha256_hex(token), now).await? else {
        return Ok(None);
    };
    Ok(app.store.active_staff(id).await?)
}

/// The active staff member of a session.
pub async fn active_staff(app: &App, id: StaffId) -> Result<Option<StaffMember>> {
    Ok(app.store.active_staff(id).await?)
}
