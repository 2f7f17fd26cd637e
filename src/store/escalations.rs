//! The deadline sweep's writes: each escalation step (remind, urge, list)
//! enqueued once per deadline, and recorded on the timeline and in the audit
//! trail when it is taken.

use super::entities::petition;
use super::outbox::{Indexed, Outbox};
use super::petitions::{EventRow, Petition};
use super::types::Day;
use super::{Store, StoreError, StoreResult};
use crate::domain::events::Escalation;
use crate::domain::ids::PetitionId;
use crate::domain::workflow::State;
use chrono::{NaiveDate, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
};

impl Store {
    /// An escalation step on the internal timeline and in the audit trail.
    pub async fn record_escalation(
        &self,
        petition_id: PetitionId,
        step: Escalation,
        clock: &str,
        due_on: NaiveDate,
        at: chrono::DateTime<Utc>,
    ) -> StoreResult<()> {
        let _lock = crate::audit::APPEND_LOCK.lock().await;
        let txn = self.begin_write().await?;
        let kind = step.event_kind();
        let body = format!("{clock} {due_on}");
        // One reminder, urging or listing per deadline, however many passes ask.
        if escalated(&txn, petition_id, step, &body).await? {
            txn.rollback().await?;
            return Ok(());
        }
        let p: Petition = petition::Entity::find_by_id(petition_id)
            .one(&txn)
            .await?
            .ok_or(StoreError::NotFound)?
            .into();
        // An urging counts for the agency and the handler it was urged on.
        let row = EventRow {
            petition: &p,
            kind,
            public: false,
            actor: "system",
            body,
            at,
            attribution: None,
        };
        row.insert(&txn).await?;
        super::rollups::add(&txn, &row.contributions()).await?;
        crate::audit::append_at(
            &txn,
            at,
            "system",
            kind.as_str(),
            &format!("petition:{petition_id}"),
            &serde_json::json!({"clock": clock, "due_on": due_on}),
            &serde_json::Value::Null,
        )
        .await?;
        petition::ActiveModel {
            id: Set(petition_id),
            updated_at: Set(at),
            ..Default::default()
        }
        .update(&txn)
        .await?;
        let mut outbox = Outbox::new();
        outbox.index(Indexed::Petition(petition_id));
        self.finish(txn, outbox).await
    }

    /// Whether `step` was already taken on the deadline `clock` due `due_on`.
    pub async fn escalated(
        &self,
        petition_id: PetitionId,
        step: Escalation,
        clock: &str,
        due_on: NaiveDate,
    ) -> StoreResult<bool> {
        escalated(self.conn(), petition_id, step, &format!("{clock} {due_on}")).await
    }

    /// The deadline sweep's step for every open deadline of an open petition due
    /// before `due_before` (on it too, when `inclusive`) and, if given, on or
    /// after `due_from` (a reminder is for a deadline still ahead): one job per deadline,
    /// whose dedupe key names the deadline, so a second pass — on another node,
    /// after a restart — adds nothing. One statement whatever the number of petitions.
    pub async fn enqueue_escalations(
        &self,
        step: Escalation,
        due_from: Option<NaiveDate>,
        due_before: NaiveDate,
        inclusive: bool,
    ) -> StoreResult<u64> {
        use crate::domain::events::Notice;
        use sea_orm::{DatabaseBackend, Statement};
        let backend = self.conn().get_database_backend();
        let cmp = if inclusive { "<=" } else { "<" };
        let from = match (due_from, backend) {
            (None, _) => String::new(),
            (Some(_), DatabaseBackend::Postgres) => " AND d.due_on >= $5".to_owned(),
            (Some(_), _) => " AND d.due_on >= ?5".to_owned(),
        };
        let open = State::ALL
            .into_iter()
            .filter(|s| s.is_open())
            .map(|s| format!("'{}'", s.as_str()))
            .collect::<Vec<_>>()
            .join(",");
        let sql = match backend {
            DatabaseBackend::Postgres => format!(
                "INSERT INTO jobs (kind, payload, dedupe_key, status, attempts, run_at_ms, created_at) \
                 SELECT $1, json_build_object('deadline_id', d.id, 'petition_id', d.petition_id), $2 || d.id, 'pending', 0, $3, now() \
                 FROM petition_deadlines d JOIN petitions p ON p.id = d.petition_id \
                 WHERE d.status = 'open' AND d.due_on {cmp} $4{from} AND p.status IN ({open}) \
                 ON CONFLICT (dedupe_key) DO NOTHING"
            ),
            _ => format!(
                "INSERT INTO jobs (kind, payload, dedupe_key, status, attempts, run_at_ms, created_at) \
                 SELECT ?1, json_object('deadline_id', d.id, 'petition_id', d.petition_id), ?2 || d.id, 'pending', 0, ?3, strftime('%Y-%m-%dT%H:%M:%fZ', 'now') \
                 FROM petition_deadlines d JOIN petitions p ON p.id = d.petition_id \
                 WHERE d.status = 'open' AND d.due_on {cmp} ?4{from} AND p.status IN ({open}) \
                 ON CONFLICT (dedupe_key) DO NOTHING"
            ),
        };
        let prefix = format!("{}:", step.as_str());
        let now_ms = Utc::now().timestamp_millis();
        let mut values: Vec<sea_orm::Value> = vec![
            Notice::Deadline(step).job_kind().into(),
            prefix.into(),
            now_ms.into(),
            Day(due_before).into(),
        ];
        if let Some(from) = due_from {
            values.push(Day(from).into());
        }
        Ok(self
            .conn()
            .execute_raw(Statement::from_sql_and_values(backend, sql, values))
            .await?
            .rows_affected())
    }
}

/// Whether the timeline holds `step`'s event with `body` (the deadline it was taken on).
async fn escalated(
    conn: &impl ConnectionTrait,
    petition_id: PetitionId,
    step: Escalation,
    body: &str,
) -> StoreResult<bool> {
    use super::entities::petition_event::{Column, Entity};
    Ok(Entity::find()
        .filter(Column::PetitionId.eq(petition_id))
        .filter(Column::Kind.eq(step.event_kind()))
        .filter(Column::Body.eq(body))
        .one(conn)
        .await?
        .is_some())
}
