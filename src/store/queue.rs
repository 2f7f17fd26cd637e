//! What an operator sees of the job queue and does to it (`mingjing jobs`, the
//! console's queue page), and the outside transports' shared health.

use super::{Store, StoreResult};
use crate::store::entities::job;
use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

/// One queued job as an operator sees it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct JobSummary {
    pub id: i64,
    pub kind: String,
    /// `pending` or `dead` (finished jobs are not listed).
    pub status: String,
    pub attempts: i32,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    /// The next attempt (pending jobs).
    pub next_attempt: Option<DateTime<Utc>>,
    /// When it was given up (dead jobs).
    pub given_up_at: Option<DateTime<Utc>>,
    pub requeued_at: Option<DateTime<Utc>>,
}

impl From<job::Model> for JobSummary {
    fn from(j: job::Model) -> Self {
        let pending = j.status == "pending";
        Self {
            id: j.id,
            kind: j.kind,
            next_attempt: pending
                .then(|| DateTime::from_timestamp_millis(j.run_at_ms))
                .flatten(),
            given_up_at: (!pending).then_some(j.finished_at).flatten(),
            status: j.status,
            attempts: j.attempts,
            last_error: j.last_error,
            created_at: j.created_at,
            requeued_at: j.requeued_at,
        }
    }
}

/// A job found by its dedupe key ([`Store::jobs_by_key`]).
#[derive(Debug, Clone)]
pub struct KeyedJob {
    pub key: String,
    pub kind: String,
    pub status: String,
    pub attempts: i32,
    pub last_error: Option<String>,
    pub finished_at: Option<DateTime<Utc>>,
}

/// Which jobs an operator puts back in the queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Requeue {
    One(i64),
    AllDead,
}

/// An outside transport's health, as the last node to use it found it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct TransportHealth {
    /// Since when every attempt has failed; absent while it works.
    pub failing_since: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    pub last_ok: Option<DateTime<Utc>>,
}

/// The mail transport's name in `transport_health`.
pub const MAIL_TRANSPORT: &str = "mail";
/// The SMS transport's name in `transport_health`.
pub const SMS_TRANSPORT: &str = "sms";

/// A success is written at most this often (ms) while the transport works, so
/// that a busy mail queue does not rewrite one row for every message.
const OK_REFRESH_MS: i64 = 60_000;

impl Store {
    /// Pending and dead jobs (`dead_only`: only the dead), most pressing first:
    /// the dead by when they were given up, newest first, then the pending by
    /// their next attempt. At most `limit`.
    pub async fn queued_jobs(&self, dead_only: bool, limit: u64) -> StoreResult<Vec<JobSummary>> {
        let mut dead = job::Entity::find()
            .filter(job::Column::Status.eq("dead"))
            .order_by_desc(job::Column::FinishedAt)
            .order_by_desc(job::Column::Id)
            .limit(limit)
            .all(self.conn())
            .await?;
        if !dead_only {
            let room = limit.saturating_sub(dead.len() as u64);
            dead.extend(
                job::Entity::find()
                    .filter(job::Column::Status.eq("pending"))
                    .order_by_asc(job::Column::RunAtMs)
                    .order_by_asc(job::Column::Id)
                    .limit(room)
                    .all(self.conn())
                    .await?,
            );
        }
        Ok(dead.into_iter().map(JobSummary::from).collect())
    }

    /// The jobs written under these dedupe keys (a notice's messages, say),
    /// whatever their state: (key, kind, `pending`/`done`/`dead`, attempts,
    /// last error, finished at).
    pub async fn jobs_by_key(&self, keys: &[String]) -> StoreResult<Vec<KeyedJob>> {
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        Ok(job::Entity::find()
            .filter(job::Column::DedupeKey.is_in(keys.iter().cloned()))
            .order_by_asc(job::Column::Id)
            .all(self.conn())
            .await?
            .into_iter()
            .map(|j| KeyedJob {
                key: j.dedupe_key.unwrap_or_default(),
                kind: j.kind,
                status: j.status,
                attempts: j.attempts,
                last_error: j.last_error,
                finished_at: j.finished_at,
            })
            .collect())
    }

    /// Counts of dead jobs by kind, for `/healthz`.
    pub async fn dead_jobs_by_kind(&self) -> StoreResult<Vec<(String, i64)>> {
        Ok(job::Entity::find()
            .select_only()
            .column(job::Column::Kind)
            .column_as(job::Column::Id.count(), "n")
            .filter(job::Column::Status.eq("dead"))
            .group_by(job::Column::Kind)
            .order_by_asc(job::Column::Kind)
            .into_tuple::<(String, i64)>()
            .all(self.conn())
            .await?)
    }

    /// Puts dead jobs back in the queue to run now, their give-up age counting
    /// from now; each requeue is an audit entry naming `actor`, in the same
    /// transaction. Returns the ids requeued (a job that is not dead is left alone).
    pub async fn requeue_jobs(&self, which: Requeue, actor: &str) -> StoreResult<Vec<i64>> {
        let _queue = self.write_guard().await;
        let txn = self.begin_write().await?;
        let mut query = job::Entity::find().filter(job::Column::Status.eq("dead"));
        if let Requeue::One(id) = which {
            query = query.filter(job::Column::Id.eq(id));
        }
        let dead = query.order_by_asc(job::Column::Id).all(&txn).await?;
        let now = Utc::now();
        for j in &dead {
            job::Entity::update_many()
                .col_expr(job::Column::Status, "pending".into())
                .col_expr(job::Column::Attempts, 0.into())
                .col_expr(job::Column::RunAtMs, now.timestamp_millis().into())
                .col_expr(job::Column::LockedUntilMs, Option::<i64>::None.into())
                .col_expr(
                    job::Column::FinishedAt,
                    Option::<DateTime<Utc>>::None.into(),
                )
                .col_expr(job::Column::RequeuedAt, Some(now).into())
                .filter(job::Column::Id.eq(j.id))
                .filter(job::Column::Status.eq("dead"))
                .exec(&txn)
                .await?;
            crate::audit::append(
                &txn,
                actor,
                "job.retry",
                &format!("job:{}", j.id),
                &serde_json::json!({
                    "kind": j.kind,
                    "status": "dead",
                    "attempts": j.attempts,
                    "last_error": j.last_error,
                }),
                &serde_json::json!({"kind": j.kind, "status": "pending"}),
            )
            .await?;
        }
        txn.commit().await?;
        Ok(dead.into_iter().map(|j| j.id).collect())
    }

    /// Records a failed delivery through `transport`: failing since the first
    /// failure after the last success.
    pub async fn transport_failed(&self, transport: &str, error: &str) -> StoreResult<()> {
        let now = Utc::now();
        self.write_one(
            "INSERT INTO transport_health (transport, failing_since, last_error, updated_at) \
             VALUES ($1, $2, $3, $2) ON CONFLICT (transport) DO UPDATE SET \
             failing_since = COALESCE(transport_health.failing_since, excluded.failing_since), \
             last_error = excluded.last_error, updated_at = excluded.updated_at",
            vec![transport.into(), now.into(), error.into()],
        )
        .await?;
        Ok(())
    }

    /// Records a delivery through `transport` that worked: it is no longer failing.
    pub async fn transport_worked(&self, transport: &str) -> StoreResult<()> {
        let now = Utc::now();
        let stale =
            DateTime::from_timestamp_millis(now.timestamp_millis() - OK_REFRESH_MS).unwrap_or(now);
        self.write_one(
            "INSERT INTO transport_health (transport, last_ok, updated_at) VALUES ($1, $2, $2) \
             ON CONFLICT (transport) DO UPDATE SET failing_since = NULL, last_ok = excluded.last_ok, \
             updated_at = excluded.updated_at \
             WHERE transport_health.failing_since IS NOT NULL OR transport_health.last_ok IS NULL \
             OR transport_health.last_ok < $3",
            vec![transport.into(), now.into(), stale.into()],
        )
        .await?;
        Ok(())
    }

    pub async fn transport_health(&self, transport: &str) -> StoreResult<Option<TransportHealth>> {
        let Some(row) = self
            .row(
                "SELECT failing_since, last_error, last_ok FROM transport_health WHERE transport = $1",
                vec![transport.into()],
            )
            .await?
        else {
            return Ok(None);
        };
        Ok(Some(TransportHealth {
            failing_since: row.try_get("", "failing_since")?,
            last_error: row.try_get("", "last_error")?,
            last_ok: row.try_get("", "last_ok")?,
        }))
    }
}
