//! Server-side staff sessions, the second factor's state, recovery codes,
//! password resets and the login backoff counters. Every node reads the same
//! rows, so a session revoked on one node is refused on all of them at once.

use super::{Store, StoreError, StoreResult};
use crate::domain::ids::{AgencyId, StaffId};
use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, QueryResult};

/// A staff session as the server keeps it (the browser holds only its token).
#[derive(Debug, Clone, serde::Serialize)]
pub struct StaffSession {
    /// The SHA-256 of the token (hex); the console names a session by its first characters.
    pub id: String,
    pub staff_id: StaffId,
    pub created_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    /// The second factor is required and not yet passed.
    pub pending_second_factor: bool,
    pub revoked_at: Option<DateTime<Utc>>,
    pub user_agent: String,
}

impl StaffSession {
    fn of(r: &QueryResult) -> StoreResult<Self> {
        let needs: bool = r.try_get("", "needs_second_factor")?;
        let passed: Option<DateTime<Utc>> = r.try_get("", "second_factor_at")?;
        Ok(StaffSession {
            id: r.try_get("", "id")?,
            staff_id: StaffId(r.try_get("", "staff_id")?),
            created_at: r.try_get("", "created_at")?,
            last_seen_at: r.try_get("", "last_seen_at")?,
            expires_at: r.try_get("", "expires_at")?,
            pending_second_factor: needs && passed.is_none(),
            revoked_at: r.try_get("", "revoked_at")?,
            user_agent: r.try_get("", "user_agent")?,
        })
    }

    /// Neither revoked nor expired at `now`.
    pub fn is_live(&self, now: DateTime<Utc>) -> bool {
        self.revoked_at.is_none() && self.expires_at > now
    }
}

/// A live session with whose it is, for an administrator's list.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SignedIn {
    pub session: StaffSession,
    pub name: String,
    pub email: String,
    pub agency_id: AgencyId,
}

const SESSION_COLUMNS: &str = "id, staff_id, created_at, last_seen_at, expires_at, second_factor_at, needs_second_factor, revoked_at, user_agent";

impl Store {
    /// Starts a session: `id` is the token's SHA-256.
    pub async fn create_session(
        &self,
        id: &str,
        staff_id: StaffId,
        needs_second_factor: bool,
        user_agent: &str,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> StoreResult<()> {
        self.write_one(
            "INSERT INTO staff_sessions (id, staff_id, created_at, last_seen_at, expires_at, needs_second_factor, user_agent) \
             VALUES ($1, $2, $3, $3, $4, $5, $6)",
            vec![
                id.into(),
                staff_id.0.into(),
                now.into(),
                expires_at.into(),
                needs_second_factor.into(),
                user_agent.chars().take(200).collect::<String>().into(),
            ],
        )
        .await?;
        Ok(())
    }

    pub async fn session(&self, id: &str) -> StoreResult<Option<StaffSession>> {
        self.row(
            &format!("SELECT {SESSION_COLUMNS} FROM staff_sessions WHERE id = $1"),
            vec![id.into()],
        )
        .await?
        .map(|r| StaffSession::of(&r))
        .transpose()
    }

    /// Notes that the session was used, at most once a minute (a write per
    /// request would cost more than the request).
    pub async fn touch_session(&self, id: &str, now: DateTime<Utc>) -> StoreResult<()> {
        self.write_one(
            "UPDATE staff_sessions SET last_seen_at = $2 WHERE id = $1 AND last_seen_at < $3",
            vec![
                id.into(),
                now.into(),
                (now - chrono::Duration::seconds(60)).into(),
            ],
        )
        .await?;
        Ok(())
    }

    pub async fn pass_second_factor(&self, id: &str, now: DateTime<Utc>) -> StoreResult<()> {
        self.write_one(
            "UPDATE staff_sessions SET second_factor_at = $2 WHERE id = $1",
            vec![id.into(), now.into()],
        )
        .await?;
        Ok(())
    }

    /// The live sessions of one staff member, the most recent first.
    pub async fn sessions_of(
        &self,
        staff_id: StaffId,
        now: DateTime<Utc>,
    ) -> StoreResult<Vec<StaffSession>> {
        let rows = self
            .conn()
            .query_all_raw(self.statement(
                &format!(
                    "SELECT {SESSION_COLUMNS} FROM staff_sessions \
                     WHERE staff_id = $1 AND revoked_at IS NULL AND expires_at > $2 ORDER BY last_seen_at DESC"
                ),
                vec![staff_id.0.into(), now.into()],
            ))
            .await?;
        rows.iter().map(StaffSession::of).collect()
    }

    /// The live sessions of the staff of `agencies`, the most recent first.
    pub async fn sessions_in(
        &self,
        agencies: &[AgencyId],
        now: DateTime<Utc>,
    ) -> StoreResult<Vec<SignedIn>> {
        if agencies.is_empty() {
            return Ok(Vec::new());
        }
        let list = agencies
            .iter()
            .map(|a| a.0.to_string())
            .collect::<Vec<_>>()
            .join(",");
        let rows = self
            .conn()
            .query_all_raw(self.statement(
                &format!(
                    "SELECT s.id, s.staff_id, s.created_at, s.last_seen_at, s.expires_at, s.second_factor_at, \
                       s.needs_second_factor, s.revoked_at, s.user_agent, t.name, t.email, t.agency_id \
                     FROM staff_sessions s JOIN staff t ON t.id = s.staff_id \
                     WHERE t.agency_id IN ({list}) AND s.revoked_at IS NULL AND s.expires_at > $1 \
                     ORDER BY s.last_seen_at DESC LIMIT 500"
                ),
                vec![now.into()],
            ))
            .await?;
        rows.iter()
            .map(|r| {
                Ok(SignedIn {
                    session: StaffSession::of(r)?,
                    name: r.try_get("", "name")?,
                    email: r.try_get("", "email")?,
                    agency_id: AgencyId(r.try_get("", "agency_id")?),
                })
            })
            .collect()
    }

    /// Revokes one session (by its id, of `staff_id`), with its audit entry; whether there was one.
    pub async fn revoke_session(
        &self,
        id: &str,
        staff_id: StaffId,
        actor: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let _lock = crate::audit::APPEND_LOCK.lock().await;
        let txn = self.begin_write().await?;
        let n = txn
            .execute_raw(self.statement(
                "UPDATE staff_sessions SET revoked_at = $3, revoked_by = $4 \
                 WHERE id = $1 AND staff_id = $2 AND revoked_at IS NULL",
                vec![id.into(), staff_id.0.into(), now.into(), actor.into()],
            ))
            .await?
            .rows_affected();
        if n > 0 {
            crate::audit::append(
                &txn,
                actor,
                "session_revoke",
                &format!("staff:{}", staff_id.0),
                &serde_json::Value::Null,
                &serde_json::json!({ "session": &id[..12.min(id.len())] }),
            )
            .await?;
        }
        txn.commit().await?;
        Ok(n > 0)
    }

    /// Ends every session of `staff_id` but `except`, and its API tokens, in `txn`.
    pub(super) async fn end_sessions_in<C: ConnectionTrait>(
        &self,
        txn: &C,
        staff_id: StaffId,
        except: Option<&str>,
        actor: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<u64> {
        let n = txn
            .execute_raw(self.statement(
                "UPDATE staff_sessions SET revoked_at = $2, revoked_by = $3 \
                 WHERE staff_id = $1 AND revoked_at IS NULL AND id <> $4",
                vec![
                    staff_id.0.into(),
                    now.into(),
                    actor.into(),
                    except.unwrap_or("").into(),
                ],
            ))
            .await?
            .rows_affected();
        txn.execute_raw(self.statement(
            "DELETE FROM staff_tokens WHERE staff_id = $1",
            vec![staff_id.0.into()],
        ))
        .await?;
        Ok(n)
    }

    /// Logout: this session ends (no audit entry: signing out is not an act on a record).
    pub async fn end_session(&self, id: &str, now: DateTime<Utc>) -> StoreResult<()> {
        self.write_one(
            "UPDATE staff_sessions SET revoked_at = $2, revoked_by = 'logout' WHERE id = $1 AND revoked_at IS NULL",
            vec![id.into(), now.into()],
        )
        .await?;
        Ok(())
    }

    /// Accepts TOTP time step `step` for `staff_id` if it is later than the
    /// last one accepted (a code is used once, on whichever node).
    pub async fn accept_totp_step(&self, staff_id: StaffId, step: i64) -> StoreResult<bool> {
        Ok(self
            .write_one(
                "UPDATE staff SET totp_last_step = $2 WHERE id = $1 \
                 AND (totp_last_step IS NULL OR totp_last_step < $2)",
                vec![staff_id.0.into(), step.into()],
            )
            .await?
            == 1)
    }

    /// Uses a recovery code (by its keyed hash) once; whether it was unused.
    pub async fn use_recovery_code(
        &self,
        staff_id: StaffId,
        code_hash: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<bool> {
        Ok(self
            .write_one(
                "UPDATE staff_recovery_codes SET used_at = $3 \
                 WHERE staff_id = $1 AND code_hash = $2 AND used_at IS NULL",
                vec![staff_id.0.into(), code_hash.into(), now.into()],
            )
            .await?
            == 1)
    }

    /// Recovery codes not yet used.
    pub async fn recovery_codes_left(&self, staff_id: StaffId) -> StoreResult<i64> {
        let row = self
            .row(
                "SELECT COUNT(*) AS n FROM staff_recovery_codes WHERE staff_id = $1 AND used_at IS NULL",
                vec![staff_id.0.into()],
            )
            .await?;
        Ok(match row {
            Some(r) => r.try_get("", "n")?,
            None => 0,
        })
    }

    /// A reset link's token (by SHA-256) used now, if it is valid: whose it is.
    pub async fn take_password_reset(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<StaffId>> {
        let _guard = self.write_guard().await;
        let row = self
            .row(
                "UPDATE password_resets SET used_at = $2 \
                 WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2 RETURNING staff_id",
                vec![token_hash.into(), now.into()],
            )
            .await?;
        Ok(row
            .map(|r| r.try_get::<i32>("", "staff_id"))
            .transpose()?
            .map(StaffId))
    }

    /// Whether a reset link's token is valid (without using it).
    pub async fn password_reset_valid(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<bool> {
        Ok(self
            .row(
                "SELECT staff_id FROM password_resets WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2",
                vec![token_hash.into(), now.into()],
            )
            .await?
            .is_some())
    }

    /// Keeps a reset link's token hash (the mail job makes the token).
    pub async fn keep_password_reset(
        &self,
        token_hash: &str,
        staff_id: StaffId,
        requested_by: &str,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> StoreResult<()> {
        self.write_one(
            "INSERT INTO password_resets (token_hash, staff_id, expires_at, requested_by, created_at) \
             VALUES ($1, $2, $3, $4, $5)",
            vec![
                token_hash.into(),
                staff_id.0.into(),
                expires_at.into(),
                requested_by.into(),
                now.into(),
            ],
        )
        .await?;
        Ok(())
    }

    /// Counts a failed login for `key` (a keyed hash of account and client):
    /// the failures so far (within `memory_ms` of the last one), after which
    /// the next attempt waits `wait_ms(failures)`. Returns (failures, wait until).
    pub async fn backoff_failure(
        &self,
        key: &str,
        now_ms: i64,
        memory_ms: i64,
        wait_ms: impl Fn(u32) -> i64,
    ) -> StoreResult<(u32, i64)> {
        let _guard = self.write_guard().await;
        let row = self
            .conn()
            .query_one_raw(self.statement(
                "INSERT INTO backoff_counters (key, failures, wait_until_ms, expires_at_ms) VALUES ($1, 1, $2, $3) \
                 ON CONFLICT (key) DO UPDATE SET \
                   failures = CASE WHEN backoff_counters.expires_at_ms <= $2 THEN 1 ELSE backoff_counters.failures + 1 END, \
                   expires_at_ms = $3 \
                 RETURNING failures",
                vec![key.into(), now_ms.into(), (now_ms + memory_ms).into()],
            ))
            .await?
            .ok_or_else(|| StoreError::Corrupt("an upsert returned no row".into()))?;
        let failures = u32::try_from(row.try_get::<i32>("", "failures")?).unwrap_or(u32::MAX);
        let until = now_ms + wait_ms(failures);
        self.conn()
            .execute_raw(self.statement(
                "UPDATE backoff_counters SET wait_until_ms = $2 WHERE key = $1",
                vec![key.into(), until.into()],
            ))
            .await?;
        Ok((failures, until))
    }

    /// Until when `key` must wait (ms), if it must.
    pub async fn backoff_wait(&self, key: &str, now_ms: i64) -> StoreResult<Option<i64>> {
        let row = self
            .row(
                "SELECT wait_until_ms FROM backoff_counters WHERE key = $1 AND wait_until_ms > $2 AND expires_at_ms > $2",
                vec![key.into(), now_ms.into()],
            )
            .await?;
        Ok(row.map(|r| r.try_get("", "wait_until_ms")).transpose()?)
    }

    pub async fn backoff_clear(&self, key: &str) -> StoreResult<()> {
        self.write_one(
            "DELETE FROM backoff_counters WHERE key = $1",
            vec![key.into()],
        )
        .await?;
        Ok(())
    }

    /// Deletes the backoff counters nobody will read again.
    pub async fn prune_backoff(&self, now_ms: i64) -> StoreResult<u64> {
        self.write_one(
            "DELETE FROM backoff_counters WHERE expires_at_ms <= $1",
            vec![now_ms.into()],
        )
        .await
    }
}
