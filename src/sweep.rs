//! The deadline sweep: finds what is due soon or overdue and escalates it, each
//! step exactly once — remind (提醒) before the deadline, urge (催办) when it
//! has passed, list for the auditor (列入督办) three days later. Each step is a
//! job whose dedupe key names the deadline, and the sweep enqueues them with
//! one `INSERT … SELECT … ON CONFLICT DO NOTHING` per step: running it again,
//! on another node or after a restart, adds nothing, and it costs three
//! statements however many petitions there are.

use crate::store::Store;
use chrono::NaiveDate;
use sea_orm::{ConnectionTrait, DatabaseBackend, DbErr, Statement};

pub const REMIND: &str = "deadline.remind";
pub const URGE: &str = "deadline.urge";
pub const LIST: &str = "deadline.list_for_auditor";

/// Days before a deadline when the reminder goes out.
pub const REMIND_DAYS: u64 = 3;
/// Days after a missed deadline when the matter is listed for the auditor.
pub const LIST_AFTER_DAYS: u64 = 3;

/// Jobs newly enqueued by one pass.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct SweepReport {
    pub reminders: u64,
    pub urgings: u64,
    pub listings: u64,
}

fn statement(
    backend: DatabaseBackend,
    kind: &str,
    prefix: &str,
    due_before: &str,
    inclusive: bool,
    now_ms: i64,
) -> Statement {
    let cmp = if inclusive { "<=" } else { "<" };
    let open = "('received','accepted','assigned','investigating','drafted','review_requested')";
    let sql = match backend {
        DatabaseBackend::Postgres => format!(
            "INSERT INTO jobs (kind, payload, dedupe_key, status, attempts, run_at_ms, created_at) \
             SELECT $1, json_build_object('deadline_id', d.id, 'petition_id', d.petition_id), $2 || d.id, 'pending', 0, $3, now() \
             FROM petition_deadlines d JOIN petitions p ON p.id = d.petition_id \
             WHERE d.status = 'open' AND d.due_on {cmp} $4 AND p.status IN {open} \
             ON CONFLICT (dedupe_key) DO NOTHING"
        ),
        _ => format!(
            "INSERT INTO jobs (kind, payload, dedupe_key, status, attempts, run_at_ms, created_at) \
             SELECT ?1, json_object('deadline_id', d.id, 'petition_id', d.petition_id), ?2 || d.id, 'pending', 0, ?3, strftime('%Y-%m-%dT%H:%M:%fZ', 'now') \
             FROM petition_deadlines d JOIN petitions p ON p.id = d.petition_id \
             WHERE d.status = 'open' AND d.due_on {cmp} ?4 AND p.status IN {open} \
             ON CONFLICT (dedupe_key) DO NOTHING"
        ),
    };
    Statement::from_sql_and_values(
        backend,
        sql,
        [kind.into(), prefix.into(), now_ms.into(), due_before.into()],
    )
}

/// One pass over the open deadlines of open petitions.
pub async fn sweep(store: &Store, today: NaiveDate) -> Result<SweepReport, DbErr> {
    let conn = store.conn();
    let backend = conn.get_database_backend();
    let now_ms = chrono::Utc::now().timestamp_millis();
    let horizon = (today + chrono::Days::new(REMIND_DAYS)).to_string();
    let list_before = (today - chrono::Days::new(LIST_AFTER_DAYS)).to_string();
    let reminders = conn
        .execute_raw(statement(
            backend, REMIND, "remind:", &horizon, true, now_ms,
        ))
        .await?
        .rows_affected();
    let urgings = conn
        .execute_raw(statement(
            backend,
            URGE,
            "urge:",
            &today.to_string(),
            false,
            now_ms,
        ))
        .await?
        .rows_affected();
    let listings = conn
        .execute_raw(statement(
            backend,
            LIST,
            "list:",
            &list_before,
            false,
            now_ms,
        ))
        .await?
        .rows_affected();
    Ok(SweepReport {
        reminders,
        urgings,
        listings,
    })
}
