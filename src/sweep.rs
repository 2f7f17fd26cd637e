//! The deadline sweep: finds what is due soon or overdue and escalates it, each
//! step exactly once — remind (提醒) before the deadline, urge (催办) when it
//! has passed, list for the auditor (列入督办) three days later. Each step is a
//! job with a dedupe key per deadline, so running the sweep again, on another
//! node or after a restart, adds nothing.

use crate::jobs;
use crate::store::Store;
use chrono::NaiveDate;
use sea_orm::{ConnectionTrait, DbErr, Statement};

pub const REMIND: &str = "deadline.remind";
pub const URGE: &str = "deadline.urge";
pub const LIST: &str = "deadline.list_for_auditor";

/// Days before a deadline when the reminder goes out.
pub const REMIND_DAYS: u64 = 3;
/// Days after a missed deadline when the matter is listed for the auditor.
pub const LIST_AFTER_DAYS: u64 = 3;

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct SweepReport {
    pub due_soon: usize,
    pub overdue: usize,
}

/// One pass over the open deadlines of open petitions.
pub async fn sweep(store: &Store, today: NaiveDate) -> Result<SweepReport, DbErr> {
    let backend = store.conn().get_database_backend();
    let horizon = (today + chrono::Days::new(REMIND_DAYS)).to_string();
    let sql = if backend == sea_orm::DatabaseBackend::Postgres {
        "SELECT d.id, d.petition_id, d.due_on FROM petition_deadlines d JOIN petitions p ON p.id = d.petition_id \
         WHERE d.status = 'open' AND d.due_on <= $1 AND p.status IN ('received','accepted','assigned','investigating','drafted','review_requested')"
    } else {
        "SELECT d.id, d.petition_id, d.due_on FROM petition_deadlines d JOIN petitions p ON p.id = d.petition_id \
         WHERE d.status = 'open' AND d.due_on <= ?1 AND p.status IN ('received','accepted','assigned','investigating','drafted','review_requested')"
    };
    let rows = store
        .conn()
        .query_all_raw(Statement::from_sql_and_values(
            backend,
            sql,
            [horizon.into()],
        ))
        .await?;
    let mut report = SweepReport::default();
    let today_s = today.to_string();
    let list_before = (today - chrono::Days::new(LIST_AFTER_DAYS)).to_string();
    for row in rows {
        let id: i32 = row.try_get("", "id")?;
        let petition_id: i32 = row.try_get("", "petition_id")?;
        let due_on: String = row.try_get("", "due_on")?;
        let payload = serde_json::json!({ "deadline_id": id, "petition_id": petition_id });
        // Every step that applies is enqueued; those already enqueued are no-ops.
        jobs::enqueue(
            store.conn(),
            REMIND,
            payload.clone(),
            Some(format!("remind:{id}")),
        )
        .await?;
        if due_on < today_s {
            report.overdue += 1;
            jobs::enqueue(
                store.conn(),
                URGE,
                payload.clone(),
                Some(format!("urge:{id}")),
            )
            .await?;
            if due_on < list_before {
                jobs::enqueue(store.conn(), LIST, payload, Some(format!("list:{id}"))).await?;
            }
        } else {
            report.due_soon += 1;
        }
    }
    Ok(report)
}
