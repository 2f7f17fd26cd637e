//! The durable job queue (outbox). A job is written in the same database
//! transaction as the change that causes it, so it exists exactly when the
//! change does. Workers claim due jobs with a lease; a job whose worker died
//! is claimed again when the lease runs out, so delivery is at-least-once and
//! every handler must be idempotent (sending the same mail twice is harmless
//! only when the handler checks; indexing a document twice is harmless).
//!
//! On PostgreSQL the claim uses `FOR UPDATE SKIP LOCKED`, so workers on many
//! nodes never take the same job; on SQLite the single writer serialises claims.

use crate::store::Store;
use crate::store::entities::job;
use chrono::Utc;
use futures_util::future::BoxFuture;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseBackend, DbErr, EntityTrait,
    PaginatorTrait, QueryFilter, QuerySelect, Statement,
};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

/// How long a claimed job is reserved for the worker that claimed it.
pub const LEASE: Duration = Duration::from_secs(120);

pub use crate::domain::retry::{AfterFailure, RetryPolicies, RetryPolicy};

fn now_ms() -> i64 {
    Utc::now().timestamp_millis()
}

fn millis(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

/// Adds a job inside the caller's transaction (the store's one outbox writer).
/// With a `dedupe_key`, a second enqueue of the same key is a no-op, which
/// makes enqueueing idempotent too.
pub use crate::store::outbox::{enqueue_job as enqueue, enqueue_job_at as enqueue_at};

/// A job reserved for this worker until its lease ends.
#[derive(Debug, Clone)]
pub struct ClaimedJob {
    pub id: i64,
    pub kind: String,
    pub payload: serde_json::Value,
    /// Attempts including this one.
    pub attempts: i32,
    /// When it was queued, or requeued by an operator (ms): its give-up age counts from here.
    pub queued_ms: i64,
}

/// What a handler does with a job's payload. An `Err` schedules a retry.
pub type HandlerFn =
    Arc<dyn Fn(serde_json::Value) -> BoxFuture<'static, anyhow::Result<()>> + Send + Sync>;

/// The handlers by job kind; later features register theirs at start-up.
#[derive(Clone, Default)]
pub struct Handlers(HashMap<String, HandlerFn>);

impl Handlers {
    pub fn register<F, Fut>(&mut self, kind: &str, f: F)
    where
        F: Fn(serde_json::Value) -> Fut + Send + Sync + 'static,
        Fut: std::future::Future<Output = anyhow::Result<()>> + Send + 'static,
    {
        self.0
            .insert(kind.to_owned(), Arc::new(move |v| Box::pin(f(v))));
    }
}

/// Queue figures for `/healthz`.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct QueueStats {
    pub pending: u64,
    pub dead: u64,
    /// Seconds the oldest due job has been waiting; the queue's lag.
    pub lag_seconds: i64,
}

pub struct Queue {
    store: Store,
    handlers: Handlers,
    policies: RetryPolicies,
}

impl Queue {
    /// A queue with the shipped retry policies (`domain::retry`).
    pub fn new(store: Store, handlers: Handlers) -> Self {
        Self {
            store,
            handlers,
            policies: RetryPolicies::default(),
        }
    }

    pub fn with_policies(mut self, policies: RetryPolicies) -> Self {
        self.policies = policies;
        self
    }

    /// Reserves the next due job, if any.
    pub async fn claim(&self) -> Result<Option<ClaimedJob>, DbErr> {
        let now = now_ms();
        let until = now + millis(LEASE);
        let backend = self.store.conn().get_database_backend();
        let sql = match backend {
            DatabaseBackend::Postgres => {
                "UPDATE jobs SET locked_until_ms = $1, attempts = attempts + 1 \
                 WHERE id = (SELECT id FROM jobs WHERE status = 'pending' AND run_at_ms <= $2 \
                   AND (locked_until_ms IS NULL OR locked_until_ms < $2) \
                   ORDER BY run_at_ms, id LIMIT 1 FOR UPDATE SKIP LOCKED) \
                 RETURNING id, kind, payload, attempts, COALESCE(requeued_at, created_at) AS queued_at"
            }
            _ => {
                "UPDATE jobs SET locked_until_ms = ?1, attempts = attempts + 1 \
                 WHERE id = (SELECT id FROM jobs WHERE status = 'pending' AND run_at_ms <= ?2 \
                   AND (locked_until_ms IS NULL OR locked_until_ms < ?2) \
                   ORDER BY run_at_ms, id LIMIT 1) \
                 RETURNING id, kind, payload, attempts, COALESCE(requeued_at, created_at) AS queued_at"
            }
        };
        let row = self
            .store
            .conn()
            .query_one_raw(Statement::from_sql_and_values(
                backend,
                sql,
                [until.into(), now.into()],
            ))
            .await?;
        let Some(row) = row else { return Ok(None) };
        let payload: serde_json::Value = match backend {
            DatabaseBackend::Postgres => row.try_get("", "payload")?,
            // SQLite keeps JSON as text.
            _ => {
                let text: String = row.try_get("", "payload")?;
                serde_json::from_str(&text)
                    .map_err(|e| DbErr::Custom(format!("job payload: {e}")))?
            }
        };
        Ok(Some(ClaimedJob {
            id: row.try_get("", "id")?,
            kind: row.try_get("", "kind")?,
            payload,
            attempts: row.try_get("", "attempts")?,
            queued_ms: queued_at(&row)?,
        }))
    }

    async fn finish(&self, job: &ClaimedJob, outcome: Result<(), String>) -> Result<(), DbErr> {
        let mut update = job::ActiveModel {
            id: Set(job.id),
            locked_until_ms: Set(None),
            ..Default::default()
        };
        match outcome {
            Ok(()) => {
                update.status = Set("done".to_owned());
                update.finished_at = Set(Some(Utc::now()));
                update.last_error = Set(None);
            }
            Err(error) => {
                update.last_error = Set(Some(error));
                let policy = self.policies.for_kind(&job.kind);
                match policy.after_failure(job.attempts, job.queued_ms, now_ms()) {
                    AfterFailure::RetryAt(at) => update.run_at_ms = Set(at),
                    AfterFailure::GiveUp => {
                        tracing::error!(job.id = job.id, job.kind = %job.kind, job.attempts = job.attempts,
                            "job given up after failing for {} hours; `mingjing jobs retry {}` requeues it",
                            policy.give_up_after.as_secs() / 3600, job.id);
                        update.status = Set("dead".to_owned());
                        update.finished_at = Set(Some(Utc::now()));
                    }
                }
            }
        }
        job::Entity::update(update).exec(self.store.conn()).await?;
        Ok(())
    }

    /// Claims and runs one due job. Returns whether there was one; tests call
    /// this to drain the queue synchronously.
    pub async fn run_one(&self) -> Result<bool, DbErr> {
        let Some(job) = self.claim().await? else {
            return Ok(false);
        };
        let outcome = match self.handlers.0.get(&job.kind) {
            Some(handler) => handler(job.payload.clone())
                .await
                .map_err(|e| format!("{e:#}")),
            None => Err(format!("no handler for job kind {}", job.kind)),
        };
        match &outcome {
            Ok(()) => tracing::debug!(job.id = job.id, job.kind = %job.kind, "job done"),
            Err(e) => {
                tracing::warn!(job.id = job.id, job.kind = %job.kind, job.attempts = job.attempts, error = %e, "job failed; will retry")
            }
        }
        self.finish(&job, outcome).await?;
        Ok(true)
    }

    /// Runs every due job now; returns how many ran.
    pub async fn drain(&self) -> Result<usize, DbErr> {
        let mut n = 0;
        while self.run_one().await? {
            n += 1;
        }
        Ok(n)
    }

    /// The worker loop: runs due jobs until `shutdown` turns true. A job in
    /// progress at shutdown finishes; one cut off by a crash is re-run later.
    pub async fn run(self, mut shutdown: watch::Receiver<bool>, poll: Duration) {
        loop {
            if *shutdown.borrow() {
                break;
            }
            match self.run_one().await {
                Ok(true) => continue,
                Ok(false) => {}
                Err(e) => tracing::error!(error = %e, "job queue unavailable"),
            }
            tokio::select! {
                _ = tokio::time::sleep(poll) => {}
                _ = shutdown.changed() => {}
            }
        }
    }

    pub async fn stats(&self) -> Result<QueueStats, DbErr> {
        stats(&self.store).await
    }
}

pub async fn stats(store: &Store) -> Result<QueueStats, DbErr> {
    let pending = job::Entity::find()
        .filter(job::Column::Status.eq("pending"))
        .count(store.conn())
        .await?;
    let dead = job::Entity::find()
        .filter(job::Column::Status.eq("dead"))
        .count(store.conn())
        .await?;
    let oldest: Option<i64> = job::Entity::find()
        .select_only()
        .column_as(job::Column::RunAtMs.min(), "m")
        .filter(job::Column::Status.eq("pending"))
        .into_tuple::<Option<i64>>()
        .one(store.conn())
        .await?
        .flatten();
    let lag_seconds = oldest.map_or(0, |t| ((now_ms() - t) / 1000).max(0));
    Ok(QueueStats {
        pending,
        dead,
        lag_seconds,
    })
}

/// The claim's `queued_at` in ms.
fn queued_at(row: &sea_orm::QueryResult) -> Result<i64, DbErr> {
    let at: chrono::DateTime<Utc> = row.try_get("", "queued_at")?;
    Ok(at.timestamp_millis())
}
