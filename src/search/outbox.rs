//! The search outbox: a row per changed document, written in the transaction of
//! the change by the store's outbox writer (`store::outbox`). It is a log that
//! every index reads: the [`Indexer`] reads the rows after its index's position,
//! loads each document's current state from the database, applies it and moves
//! the position on (`search_cursors`). Each node's embedded index has its own
//! position, so every node's index converges on the same contents; a Meilisearch
//! index is one for all nodes and has one position. An engine that is down
//! leaves its position where it is; the indexer retries with backoff and catches
//! up. Applying twice is harmless (upsert of the current state by id).
//!
//! Ids are handed out when a row is written but become visible when its
//! transaction commits, so on PostgreSQL a reader can see row 11 before row 10.
//! The indexer remembers such gaps and keeps looking for them for [`SETTLE`]
//! (after which the id belonged to a rolled-back transaction); the stored
//! position stays below the oldest open gap, so a restart never skips a row.
//!
//! Rows are pruned (the sweep, `prune`) once every live index — one whose
//! position moved within [`LIVE_FOR`] — has passed them. An index that was away
//! longer finds its position behind the pruned part on return and is rebuilt
//! from the database (`Indexer::open`), as is a new one.

use super::{DEFINITIONS, Engine, IndexDef, Op, SearchError, documents};
use crate::store::Store;
use crate::store::entities::search_outbox;
use chrono::Utc;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::sync::Mutex;
use std::time::{Duration, Instant};
use tokio::sync::Notify;

/// How long an id missing from the log is waited for (a transaction still open).
pub const SETTLE: Duration = Duration::from_secs(60);
/// An index whose position has not moved for this long no longer holds back pruning.
pub const LIVE_FOR: chrono::TimeDelta = chrono::TimeDelta::hours(1);
/// An idle index still reports its position this often (it is alive).
const REPORT_EVERY: Duration = Duration::from_secs(10);
/// Outbox rows applied in one engine commit at most.
const BATCH: usize = 500;
/// After applying changes, how long the indexer lets the next ones gather
/// before it applies them. A change after a quiet spell is applied at once;
/// under a stream of changes each commit carries what came within this time.
/// Every commit has a fixed cost (a writer, new segment files, a reader
/// reload): at ~850 filings a second a commit per wake-up took a fifth of
/// the server's CPU per filing (README, Performance).
pub const GATHER: Duration = Duration::from_millis(250);

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
    /// Changes not yet applied to this node's index.
    pub pending: u64,
    /// Age of the oldest of them, in seconds.
    pub oldest_seconds: i64,
}

/// Deletes the outbox rows that every live index has applied; how many.
pub async fn prune(store: &Store) -> Result<u64, SearchError> {
    let live_since = Utc::now() - LIVE_FOR;
    match store.slowest_live_cursor(live_since).await? {
        Some(through) if through > store.outbox_pruned_through().await? => {
            Ok(store.prune_outbox(through).await?)
        }
        _ => Ok(0),
    }
}

/// Where this index stands in the log.
#[derive(Debug, Default)]
struct Position {
    /// Whether `open` has run (the position was read or the index rebuilt).
    opened: bool,
    /// The highest id applied.
    high: i64,
    /// Ids below `high` not seen yet, with when they were first missed.
    gaps: BTreeMap<i64, Instant>,
    /// What was last stored, and when.
    stored: Option<(i64, Instant)>,
}

impl Position {
    /// Every id up to this one has been applied (or given up on).
    fn safe(&self) -> i64 {
        self.gaps.keys().next().map_or(self.high, |first| first - 1)
    }
}

/// Applies the outbox to the engine.
pub struct Indexer {
    store: Store,
    engine: Arc<dyn Engine>,
    pub(super) wake: Arc<Notify>,
    last_error: Mutex<Option<String>>,
    position: tokio::sync::Mutex<Position>,
}

impl Indexer {
    pub fn new(store: Store, engine: Arc<dyn Engine>) -> Self {
        Self {
            engine,
            wake: store.search_wake(),
            last_error: Mutex::new(None),
            store,
            position: Default::default(),
        }
    }

    /// The last failure to apply a batch, if the last attempt failed.
    pub fn last_error(&self) -> Option<String> {
        self.last_error.lock().ok().and_then(|e| e.clone())
    }

    fn consumer(&self) -> Result<String, SearchError> {
        self.engine.consumer()
    }

    /// How far this index is behind the log.
    pub async fn lag(&self) -> Result<Lag, SearchError> {
        use sea_orm::PaginatorTrait;
        let after = match self.store.search_cursor(&self.consumer()?).await? {
            Some(p) => p,
            None => self.store.outbox_pruned_through().await?,
        };
        let pending = search_outbox::Entity::find()
            .filter(search_outbox::Column::Id.gt(after))
            .count(self.store.conn())
            .await?;
        let oldest = search_outbox::Entity::find()
            .filter(search_outbox::Column::Id.gt(after))
            .order_by_asc(search_outbox::Column::Id)
            .one(self.store.conn())
            .await?;
        Ok(Lag {
            pending,
            oldest_seconds: oldest.map_or(0, |o| (Utc::now() - o.created_at).num_seconds().max(0)),
        })
    }

    /// Brings the index to the log: reads its position, or — for a new index,
    /// or one that was away while the rows it needed were pruned — fills it
    /// from the database and starts reading where the fill began. `fresh`
    /// names the indexes the engine has just created empty.
    pub async fn open(&self, fresh: &[String]) -> Result<(), SearchError> {
        let mut position = self.position.lock().await;
        let consumer = self.consumer()?;
        let pruned = self.store.outbox_pruned_through().await?;
        let high = match self.store.search_cursor(&consumer).await? {
            Some(at) if at >= pruned => {
                for def in DEFINITIONS
                    .all()
                    .into_iter()
                    .filter(|d| fresh.contains(&d.name))
                {
                    let mut batches = FromDatabase::new(&self.store, def).await?;
                    let n = self.engine.replace(&DEFINITIONS, def, &mut batches).await?;
                    tracing::info!(
                        index = def.name,
                        documents = n,
                        "search index created and filled"
                    );
                }
                at
            }
            known => {
                // Rows of the last `SETTLE` may belong to transactions that had not
                // committed when the fill read the tables: start before them.
                let cutoff = Utc::now() - chrono::TimeDelta::from_std(SETTLE).unwrap_or_default();
                let start = self.store.outbox_settled_through(cutoff).await?.max(pruned);
                // Replaced, not emptied first: searches see the old contents meanwhile.
                for def in DEFINITIONS.all() {
                    let mut batches = FromDatabase::new(&self.store, def).await?;
                    let n = self.engine.replace(&DEFINITIONS, def, &mut batches).await?;
                    tracing::info!(
                        index = def.name,
                        documents = n,
                        behind = known.is_some(),
                        "search index filled from the database"
                    );
                }
                self.store.reset_search_cursor(&consumer, start).await?;
                start
            }
        };
        *position = Position {
            opened: true,
            high,
            gaps: BTreeMap::new(),
            stored: Some((high, Instant::now())),
        };
        Ok(())
    }

    /// Applies up to `batch` outbox rows after the position (and any that were
    /// missing before it); the number applied (0: nothing waiting).
    pub async fn run_once(&self, batch: u64) -> Result<usize, SearchError> {
        let opened = self.position.lock().await.opened;
        if !opened {
            self.open(&[]).await?;
        }
        let mut position = self.position.lock().await;
        let mut rows = search_outbox::Entity::find()
            .filter(search_outbox::Column::Id.gt(position.high))
            .order_by_asc(search_outbox::Column::Id)
            .limit(batch)
            .all(self.store.conn())
            .await?;
        if !position.gaps.is_empty() {
            let missing: Vec<i64> = position.gaps.keys().copied().collect();
            for chunk in missing.chunks(500) {
                rows.extend(
                    search_outbox::Entity::find()
                        .filter(search_outbox::Column::Id.is_in(chunk.iter().copied()))
                        .all(self.store.conn())
                        .await?,
                );
            }
        }
        let result = self.apply(&rows).await;
        if let Ok(mut last) = self.last_error.lock() {
            *last = result.as_ref().err().map(|e| e.to_string());
        }
        result?;
        // Move on: note the ids skipped over, forget the ones found or given up.
        let now = Instant::now();
        let mut ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
        ids.sort_unstable();
        for id in &ids {
            position.gaps.remove(id);
            if *id > position.high {
                for missing in position.high + 1..*id {
                    position.gaps.insert(missing, now);
                }
                position.high = *id;
            }
        }
        position
            .gaps
            .retain(|_, first_missed| now.duration_since(*first_missed) < SETTLE);
        let safe = position.safe();
        let due = position
            .stored
            .is_none_or(|(at, when)| at != safe || now.duration_since(when) >= REPORT_EVERY);
        if due {
            self.store
                .set_search_cursor(&self.consumer()?, safe)
                .await?;
            position.stored = Some((safe, now));
        }
        Ok(rows.len())
    }

    async fn apply(&self, rows: &[search_outbox::Model]) -> Result<(), SearchError> {
        let mut by_index: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
        for r in rows {
            by_index
                .entry(r.index_name.as_str())
                .or_default()
                .insert(r.doc_id.as_str());
        }
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
        Ok(())
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
        let mut backoff = Duration::from_millis(500);
        loop {
            match self.run_once(BATCH as u64).await {
                Ok(n) if n > 0 => {
                    backoff = Duration::from_millis(500);
                    if n < BATCH {
                        // Caught up while changes keep coming: let them gather
                        // for a moment, so a burst is one commit, not dozens.
                        tokio::select! {
                            _ = tokio::time::sleep(GATHER) => {}
                            _ = shutdown.changed() => return,
                        }
                    }
                    continue;
                }
                Ok(_) => backoff = Duration::from_millis(500),
                Err(e) => {
                    tracing::warn!(error = %e, "search indexing failed; the changes wait in the outbox");
                    backoff = (backoff * 2).min(Duration::from_secs(30));
                }
            }
            let wait = if self.last_error().is_some() {
                backoff
            } else {
                Duration::from_secs(1)
            };
            tokio::select! {
                _ = self.wake.notified(), if self.last_error().is_none() => {}
                _ = tokio::time::sleep(wait) => {}
                _ = shutdown.changed() => return,
            }
        }
    }
}

/// The documents of one index, read from the database a page of ids at a time.
pub(super) struct FromDatabase {
    store: Store,
    index: String,
    ids: Vec<String>,
    at: usize,
}

impl FromDatabase {
    pub(super) async fn new(store: &Store, def: &IndexDef) -> Result<Self, SearchError> {
        Ok(Self {
            ids: documents::all_ids(store, &def.name).await?,
            store: store.clone(),
            index: def.name.clone(),
            at: 0,
        })
    }
}

#[async_trait::async_trait]
impl super::Batches for FromDatabase {
    async fn next(&mut self) -> Result<Option<Vec<super::Document>>, SearchError> {
        const BATCH: usize = 5_000;
        if self.at >= self.ids.len() {
            return Ok(None);
        }
        let end = (self.at + BATCH).min(self.ids.len());
        let refs: Vec<&str> = self.ids[self.at..end].iter().map(String::as_str).collect();
        let docs = documents::load(&self.store, &self.index, &refs).await?;
        self.at = end;
        Ok(Some(docs.into_values().collect()))
    }
}
