//! The search outbox: a row per changed document, written in the transaction of
//! the change by the store's outbox writer (`store::outbox`); the [`Indexer`] reads rows in batches, loads each document's current
//! state from the database and applies it to the engine, then deletes the rows it
//! applied. An engine that is down leaves the rows waiting; the indexer retries
//! with backoff and catches up. Applying twice is harmless (upsert by id).

use super::{DEFINITIONS, Engine, Op, SearchError, documents};
use crate::store::Store;
use crate::store::entities::search_outbox;
use chrono::Utc;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::sync::Mutex;
use tokio::sync::Notify;

/// Marks every document of `index` as changed (a new or rebuilt index), in one statement.
pub async fn enqueue_all(conn: &impl ConnectionTrait, index: &str) -> Result<u64, sea_orm::DbErr> {
    let Some(select) = documents::all_ids_sql(index) else {
        return Ok(0);
    };
    let backend = conn.get_database_backend();
    let now = match backend {
        sea_orm::DatabaseBackend::Postgres => "NOW()",
        _ => "strftime('%Y-%m-%d %H:%M:%f+00:00', 'now')",
    };
    let sql = format!(
        "INSERT INTO search_outbox (index_name, doc_id, created_at) \
         SELECT '{index}', CAST(id AS TEXT), {now} FROM ({select}) AS changed"
    );
    Ok(conn
        .execute_raw(sea_orm::Statement::from_string(backend, sql))
        .await?
        .rows_affected())
}

/// Marks the documents of `index` changed at or after `since` (a rebuild's catch-up).
pub async fn enqueue_changed_since(
    conn: &impl ConnectionTrait,
    index: &str,
    since: chrono::DateTime<Utc>,
) -> Result<u64, sea_orm::DbErr> {
    let Some(select) = documents::changed_since_sql(index) else {
        return Ok(0);
    };
    let backend = conn.get_database_backend();
    // $1 (the outbox row's time) comes first in the text: SQLite numbers `$n`
    // parameters in the order they appear.
    let sql = format!(
        "INSERT INTO search_outbox (index_name, doc_id, created_at) \
         SELECT '{index}', CAST(id AS TEXT), $1 FROM ({select}) AS changed"
    );
    Ok(conn
        .execute_raw(sea_orm::Statement::from_sql_and_values(
            backend,
            sql,
            [Utc::now().into(), since.into()],
        ))
        .await?
        .rows_affected())
}

/// How far the index is behind the database.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct Lag {
    /// Changes not yet applied.
    pub pending: u64,
    /// Age of the oldest of them, in seconds.
    pub oldest_seconds: i64,
}

pub async fn lag(store: &Store) -> Result<Lag, SearchError> {
    use sea_orm::PaginatorTrait;
    let pending = search_outbox::Entity::find().count(store.conn()).await?;
    let oldest = search_outbox::Entity::find()
        .order_by_asc(search_outbox::Column::Id)
        .one(store.conn())
        .await?;
    Ok(Lag {
        pending,
        oldest_seconds: oldest.map_or(0, |o| (Utc::now() - o.created_at).num_seconds().max(0)),
    })
}

/// Applies the outbox to the engine.
pub struct Indexer {
    store: Store,
    engine: Arc<dyn Engine>,
    pub(super) wake: Arc<Notify>,
    last_error: Mutex<Option<String>>,
}

impl Indexer {
    pub fn new(store: Store, engine: Arc<dyn Engine>) -> Self {
        Self {
            engine,
            wake: store.search_wake(),
            last_error: Mutex::new(None),
            store,
        }
    }

    /// The last failure to apply a batch, if the last attempt failed.
    pub fn last_error(&self) -> Option<String> {
        self.last_error.lock().ok().and_then(|e| e.clone())
    }

    /// Applies up to `batch` outbox rows; the number applied (0: nothing waiting).
    pub async fn run_once(&self, batch: u64) -> Result<usize, SearchError> {
        let rows = search_outbox::Entity::find()
            .order_by_asc(search_outbox::Column::Id)
            .limit(batch)
            .all(self.store.conn())
            .await?;
        if rows.is_empty() {
            return Ok(0);
        }
        let mut by_index: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
        for r in &rows {
            by_index
                .entry(r.index_name.as_str())
                .or_default()
                .insert(r.doc_id.as_str());
        }
        let result = async {
            for (index, ids) in by_index {
                let Some(def) = DEFINITIONS.by_name(index) else {
                    continue;
                };
                let ids: Vec<&str> = ids.into_iter().collect();
                let mut docs = documents::load(&self.store, index, &ids).await?;
                let ops: Vec<Op> = ids
                    .iter()
                    .map(|id| match docs.remove(*id) {
                        Some(doc) => Op::Upsert(doc),
                        None => Op::Delete((*id).to_owned()),
                    })
                    .collect();
                self.engine.apply(def, ops).await?;
            }
            Ok::<(), SearchError>(())
        }
        .await;
        if let Err(e) = result {
            if let Ok(mut last) = self.last_error.lock() {
                *last = Some(e.to_string());
            }
            return Err(e);
        }
        if let Ok(mut last) = self.last_error.lock() {
            *last = None;
        }
        let applied: Vec<i64> = rows.iter().map(|r| r.id).collect();
        for chunk in applied.chunks(500) {
            search_outbox::Entity::delete_many()
                .filter(search_outbox::Column::Id.is_in(chunk.iter().copied()))
                .exec(self.store.conn())
                .await?;
        }
        Ok(rows.len())
    }

    /// Applies everything waiting; for tests and `mingjing reindex`.
    pub async fn drain(&self) -> Result<usize, SearchError> {
        let mut total = 0;
        loop {
            let n = self.run_once(1000).await?;
            if n == 0 {
                return Ok(total);
            }
            total += n;
        }
    }

    /// Runs until `shutdown`: woken by each change, and every second regardless
    /// (another node may have written); backs off up to 30 s while the engine fails.
    pub async fn run(self: Arc<Self>, mut shutdown: tokio::sync::watch::Receiver<bool>) {
        let mut backoff = std::time::Duration::from_millis(500);
        loop {
            match self.run_once(500).await {
                Ok(n) if n > 0 => {
                    backoff = std::time::Duration::from_millis(500);
                    continue;
                }
                Ok(_) => backoff = std::time::Duration::from_millis(500),
                Err(e) => {
                    tracing::warn!(error = %e, "search indexing failed; the changes wait in the outbox");
                    backoff = (backoff * 2).min(std::time::Duration::from_secs(30));
                }
            }
            let wait = if self.last_error().is_some() {
                backoff
            } else {
                std::time::Duration::from_secs(1)
            };
            tokio::select! {
                _ = self.wake.notified(), if self.last_error().is_none() => {}
                _ = tokio::time::sleep(wait) => {}
                _ = shutdown.changed() => return,
            }
        }
    }
}
