//! The audit trail (谁执法、谁负责): append-only, each entry naming who did
//! what to which record, when, with the record before and after, and the hash
//! of the previous entry. Changing, deleting or reordering any entry breaks the
//! chain; `verify` names the first entry that does not fit. A rewrite of the
//! whole chain is caught against a signed checkpoint of its head, kept elsewhere.
//!
//! The database refuses UPDATE and DELETE on the table (triggers on both
//! backends); appends are serialised (a process-wide lock, and on PostgreSQL a
//! transaction-scoped advisory lock for several nodes).

pub mod checkpoint;

use sea_orm::{ConnectionTrait, DatabaseBackend, DbErr, Statement};
use serde::Serialize;
use sha2::{Digest, Sha256};

pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The hash of one entry: SHA-256 over its fields, length-prefixed so no two
/// different entries serialise alike.
#[allow(clippy::too_many_arguments)]
pub fn entry_hash(
    id: i64,
    at: &str,
    actor: &str,
    action: &str,
    subject: &str,
    before: &str,
    after: &str,
    prev_hash: &str,
) -> String {
    let mut h = Sha256::new();
    for field in [
        id.to_string().as_str(),
        at,
        actor,
        action,
        subject,
        before,
        after,
        prev_hash,
    ] {
        h.update((field.len() as u64).to_be_bytes());
        h.update(field.as_bytes());
    }
    hex::encode(h.finalize())
}

/// What an audit entry keeps of a free text (a note, a reason, an answer):
/// SHA-256 over a random salt and the text, never the text itself. The text
/// stays with its record (the timeline event, with the salt), so the entry
/// proves what was written without holding a petitioner's words or contact
/// details — which the retention schedule must be able to erase while the
/// chain stays intact. Erasing a text replaces its salt too, so the old
/// commitment cannot be tested against guesses (a phone number has few).
pub fn commitment(salt: &str, text: &str) -> String {
    let mut h = Sha256::new();
    h.update((salt.len() as u64).to_be_bytes());
    h.update(salt.as_bytes());
    h.update(text.as_bytes());
    hex::encode(h.finalize())
}

/// A new random salt for [`commitment`] (128 bits, hex).
pub fn new_salt() -> String {
    hex::encode(rand::random::<[u8; 16]>())
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Entry {
    pub id: i64,
    pub at: String,
    pub actor: String,
    pub action: String,
    pub subject: String,
    pub before: String,
    pub after: String,
    pub prev_hash: String,
    pub hash: String,
}

/// Serialises appends within this process.
pub static APPEND_LOCK: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Appends an entry inside the caller's transaction. Hold `APPEND_LOCK` from
/// before the transaction begins until it commits.
pub async fn append<C: ConnectionTrait>(
    conn: &C,
    actor: &str,
    action: &str,
    subject: &str,
    before: &serde_json::Value,
    after: &serde_json::Value,
) -> Result<Entry, DbErr> {
    append_at(
        conn,
        chrono::Utc::now(),
        actor,
        action,
        subject,
        before,
        after,
    )
    .await
}

/// [`append`] of an act that happened at `at`: a workflow step's entry
/// carries the step's time, so an officer's record (执法档案) dates each act
/// when it happened. The server always acts now; only the demo history and
/// scenario tests record acts of earlier days. The chain is ordered by id,
/// not by time, so its verification is unchanged.
pub async fn append_at<C: ConnectionTrait>(
    conn: &C,
    at: chrono::DateTime<chrono::Utc>,
    actor: &str,
    action: &str,
    subject: &str,
    before: &serde_json::Value,
    after: &serde_json::Value,
) -> Result<Entry, DbErr> {
    let backend = conn.get_database_backend();
    if backend == DatabaseBackend::Postgres {
        conn.execute_unprepared("SELECT pg_advisory_xact_lock(7201358)")
            .await?;
    }
    let (id, prev_hash) = match head(conn).await? {
        Some((last, hash)) => (last + 1, hash),
        None => (1, GENESIS.to_owned()),
    };
    let at = at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
    let (before, after) = (before.to_string(), after.to_string());
    let hash = entry_hash(id, &at, actor, action, subject, &before, &after, &prev_hash);
    let sql = match backend {
        DatabaseBackend::Postgres => {
            "INSERT INTO audit_log (id, at, actor, action, subject, before, after, prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
        }
        _ => {
            "INSERT INTO audit_log (id, at, actor, action, subject, before, after, prev_hash, hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"
        }
    };
    conn.execute_raw(Statement::from_sql_and_values(
        backend,
        sql,
        [
            id.into(),
            at.clone().into(),
            actor.into(),
            action.into(),
            subject.into(),
            before.clone().into(),
            after.clone().into(),
            prev_hash.clone().into(),
            hash.clone().into(),
        ],
    ))
    .await?;
    Ok(Entry {
        id,
        at,
        actor: actor.to_owned(),
        action: action.to_owned(),
        subject: subject.to_owned(),
        before,
        after,
        prev_hash,
        hash,
    })
}

/// The chain's last entry, (id, hash); none while the trail is empty.
pub async fn head<C: ConnectionTrait>(conn: &C) -> Result<Option<(i64, String)>, DbErr> {
    let last = conn
        .query_one_raw(Statement::from_string(
            conn.get_database_backend(),
            "SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1",
        ))
        .await?;
    last.map(|row| Ok((row.try_get("", "id")?, row.try_get("", "hash")?)))
        .transpose()
}

/// Every entry in order of id (the order the chain was written in).
pub async fn entries<C: ConnectionTrait>(
    conn: &C,
    subject: Option<&str>,
) -> Result<Vec<Entry>, DbErr> {
    let backend = conn.get_database_backend();
    let stmt = match subject {
        Some(s) => Statement::from_sql_and_values(
            backend,
            if backend == DatabaseBackend::Postgres {
                "SELECT * FROM audit_log WHERE subject = $1 ORDER BY id"
            } else {
                "SELECT * FROM audit_log WHERE subject = ?1 ORDER BY id"
            },
            [s.into()],
        ),
        None => Statement::from_string(backend, "SELECT * FROM audit_log ORDER BY id"),
    };
    conn.query_all_raw(stmt)
        .await?
        .into_iter()
        .map(|r| {
            Ok(Entry {
                id: r.try_get("", "id")?,
                at: r.try_get("", "at")?,
                actor: r.try_get("", "actor")?,
                action: r.try_get("", "action")?,
                subject: r.try_get("", "subject")?,
                before: r.try_get("", "before")?,
                after: r.try_get("", "after")?,
                prev_hash: r.try_get("", "prev_hash")?,
                hash: r.try_get("", "hash")?,
            })
        })
        .collect()
}

/// Why the chain is not intact, naming the first entry that does not fit.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Broken {
    #[error("entry {id}: its content does not match its hash (changed after it was written)")]
    Altered { id: i64 },
    #[error(
        "entry {id}: it does not follow the entry before it (an entry was removed, inserted or moved)"
    )]
    Unlinked { id: i64 },
    #[error("entry {id}: ids jump from {previous} (an entry is missing)")]
    Gap { id: i64, previous: i64 },
}

/// Checks the chain; `Ok(n)` is the number of entries verified.
pub fn verify(entries: &[Entry]) -> Result<usize, Broken> {
    let mut prev_hash = GENESIS.to_owned();
    let mut prev_id = 0;
    for e in entries {
        if e.id != prev_id + 1 {
            return Err(if e.prev_hash != prev_hash {
                Broken::Unlinked { id: e.id }
            } else {
                Broken::Gap {
                    id: e.id,
                    previous: prev_id,
                }
            });
        }
        if e.prev_hash != prev_hash {
            return Err(Broken::Unlinked { id: e.id });
        }
        if entry_hash(
            e.id,
            &e.at,
            &e.actor,
            &e.action,
            &e.subject,
            &e.before,
            &e.after,
            &e.prev_hash,
        ) != e.hash
        {
            return Err(Broken::Altered { id: e.id });
        }
        prev_hash = e.hash.clone();
        prev_id = e.id;
    }
    Ok(entries.len())
}

/// The database triggers that refuse UPDATE and DELETE on the trail (made by
/// migration 3), by backend. A trail without them can be changed silently, so
/// the server refuses to start (`startup`) until `mingjing audit protect`
/// restores them.
fn guards(backend: DatabaseBackend) -> &'static [(&'static str, &'static [&'static str])] {
    match backend {
        DatabaseBackend::Postgres => &[(
            "audit_log_append_only",
            &[
                "CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger AS $$ \
                 BEGIN RAISE EXCEPTION 'audit_log is append-only'; END $$ LANGUAGE plpgsql",
                "CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log \
                 FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()",
            ],
        )],
        _ => &[
            (
                "audit_log_no_update",
                &[
                    "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END",
                ],
            ),
            (
                "audit_log_no_delete",
                &[
                    "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END",
                ],
            ),
        ],
    }
}

/// The trail's guarding triggers that are missing (or, on PostgreSQL, disabled).
pub async fn unprotected<C: ConnectionTrait>(conn: &C) -> Result<Vec<&'static str>, DbErr> {
    let backend = conn.get_database_backend();
    let mut missing = Vec::new();
    for (name, _) in guards(backend) {
        let sql = match backend {
            DatabaseBackend::Postgres => format!(
                "SELECT 1 AS one FROM pg_trigger WHERE tgname = '{name}' \
                 AND tgrelid = 'audit_log'::regclass AND tgenabled <> 'D'"
            ),
            _ => format!(
                "SELECT 1 AS one FROM sqlite_master WHERE type = 'trigger' AND name = '{name}' AND tbl_name = 'audit_log'"
            ),
        };
        if conn
            .query_one_raw(Statement::from_string(backend, sql))
            .await?
            .is_none()
        {
            missing.push(*name);
        }
    }
    Ok(missing)
}

/// Restores the missing guards; returns those it restored.
pub async fn protect<C: ConnectionTrait>(conn: &C) -> Result<Vec<&'static str>, DbErr> {
    let missing = unprotected(conn).await?;
    let backend = conn.get_database_backend();
    for (name, statements) in guards(backend) {
        if !missing.contains(name) {
            continue;
        }
        if backend == DatabaseBackend::Postgres {
            // A disabled trigger is dropped and made again.
            conn.execute_unprepared(&format!("DROP TRIGGER IF EXISTS {name} ON audit_log"))
                .await?;
        }
        for sql in *statements {
            conn.execute_unprepared(sql).await?;
        }
    }
    Ok(missing)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(n: i64) -> Vec<Entry> {
        let mut prev = GENESIS.to_owned();
        (1..=n)
            .map(|id| {
                let at = format!("2026-11-26T10:00:{id:02}Z");
                let hash = entry_hash(
                    id,
                    &at,
                    "staff:1",
                    "accept",
                    "petition:1",
                    "{}",
                    "{\"state\":\"accepted\"}",
                    &prev,
                );
                let e = Entry {
                    id,
                    at,
                    actor: "staff:1".into(),
                    action: "accept".into(),
                    subject: "petition:1".into(),
                    before: "{}".into(),
                    after: "{\"state\":\"accepted\"}".into(),
                    prev_hash: prev.clone(),
                    hash: hash.clone(),
                };
                prev = hash;
                e
            })
            .collect()
    }

    #[test]
    fn an_intact_chain_verifies() {
        assert_eq!(verify(&chain(5)), Ok(5));
        assert_eq!(verify(&[]), Ok(0));
    }

    #[test]
    fn tampering_is_found_and_named() {
        let mut c = chain(5);
        c[2].after = "{\"state\":\"declined\"}".into();
        assert_eq!(verify(&c), Err(Broken::Altered { id: 3 }));
        let mut c = chain(5);
        c.remove(2);
        assert_eq!(verify(&c), Err(Broken::Unlinked { id: 4 }));
        let mut c = chain(5);
        c.swap(1, 2);
        assert!(matches!(verify(&c), Err(Broken::Unlinked { id: 3 })));
    }
}
