//! What several app nodes on one database share through it: the installation's
//! identity (a fingerprint of its secret and its signing key), the throttles'
//! counters, evidence kept in the database, the search indexes' positions in
//! the outbox log, and each node's heartbeat. Raw statements, because each is
//! one upsert or one range that both backends take in the same words.

use super::{Store, StoreError, StoreResult};
use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, QueryResult, Statement, Value};
use serde::Serialize;

/// What the database says the installation is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Installation {
    pub secret_fingerprint: String,
    pub signing_public_key: Option<String>,
}

/// A node's heartbeat as `/healthz` lists it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct NodeBeat {
    pub id: String,
    pub version: String,
    /// `web` or `web+worker`.
    pub role: String,
    pub search_engine: String,
    pub started_at: DateTime<Utc>,
    pub seen_at: DateTime<Utc>,
}

/// One fixed window of a counter after a hit: its count and when it started (ms).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub count: u32,
    pub started_ms: i64,
}

impl Store {
    /// `sql` written with `$n` parameters, numbered as this backend takes them
    /// (SQLite: `?n`; none of these statements holds a literal `$`).
    pub(super) fn statement(&self, sql: &str, values: Vec<Value>) -> Statement {
        let sql = if self.is_postgres() {
            sql.to_owned()
        } else {
            sql.replace('$', "?")
        };
        Statement::from_sql_and_values(self.conn().get_database_backend(), sql, values)
    }

    /// One write, queued behind the other writers on SQLite; the rows it touched.
    pub(super) async fn write_one(&self, sql: &str, values: Vec<Value>) -> StoreResult<u64> {
        let _guard = self.write_guard().await;
        Ok(self
            .conn()
            .execute_raw(self.statement(sql, values))
            .await?
            .rows_affected())
    }

    /// The first row a statement returns (a write's `RETURNING` takes the write guard first).
    pub(super) async fn row(
        &self,
        sql: &str,
        values: Vec<Value>,
    ) -> StoreResult<Option<QueryResult>> {
        Ok(self
            .conn()
            .query_one_raw(self.statement(sql, values))
            .await?)
    }

    /// The installation row, creating it from `mine` when the database has none
    /// (the first node to start on a new database defines the installation).
    /// The signing key is recorded when first seen, too.
    pub async fn claim_installation(&self, mine: &Installation) -> StoreResult<Installation> {
        self.write_one(
            "INSERT INTO installation (id, secret_fingerprint, signing_public_key, created_at) \
             VALUES (1, $1, $2, $3) ON CONFLICT (id) DO NOTHING",
            vec![
                mine.secret_fingerprint.clone().into(),
                mine.signing_public_key.clone().into(),
                Utc::now().into(),
            ],
        )
        .await?;
        if let Some(key) = &mine.signing_public_key {
            self.write_one(
                "UPDATE installation SET signing_public_key = $1 WHERE id = 1 AND signing_public_key IS NULL",
                vec![key.clone().into()],
            )
            .await?;
        }
        let row = self
            .row(
                "SELECT secret_fingerprint, signing_public_key FROM installation WHERE id = 1",
                vec![],
            )
            .await?
            .ok_or_else(|| StoreError::Corrupt("the installation row vanished".into()))?;
        Ok(Installation {
            secret_fingerprint: row.try_get("", "secret_fingerprint")?,
            signing_public_key: row.try_get("", "signing_public_key")?,
        })
    }

    /// Counts one hit on `key` in a fixed window of `window_ms` starting at its
    /// first hit, and returns the window after the hit. One statement, so two
    /// nodes counting at once both count.
    pub async fn throttle_hit(
        &self,
        key: &str,
        window_ms: i64,
        now_ms: i64,
    ) -> StoreResult<Window> {
        // $2 is now, $3 the end of a window that starts now; a window whose
        // end has passed starts again at 1.
        let _guard = self.write_guard().await;
        let row = self
            .row(
                "INSERT INTO throttle_counters (key, window_start, count, expires_at) VALUES ($1, $2, 1, $3) \
                 ON CONFLICT (key) DO UPDATE SET \
                   count = CASE WHEN throttle_counters.expires_at <= $2 THEN 1 ELSE throttle_counters.count + 1 END, \
                   window_start = CASE WHEN throttle_counters.expires_at <= $2 THEN $2 ELSE throttle_counters.window_start END, \
                   expires_at = CASE WHEN throttle_counters.expires_at <= $2 THEN $3 ELSE throttle_counters.expires_at END \
                 RETURNING count, window_start",
                vec![key.into(), now_ms.into(), (now_ms + window_ms).into()],
            )
            .await?
            .ok_or_else(|| StoreError::Corrupt("an upsert returned no row".into()))?;
        window_of(&row)
    }

    /// The current window of `key`, if one is open at `now_ms`.
    pub async fn throttle_window(&self, key: &str, now_ms: i64) -> StoreResult<Option<Window>> {
        self.row(
            "SELECT count, window_start FROM throttle_counters WHERE key = $1 AND expires_at > $2",
            vec![key.into(), now_ms.into()],
        )
        .await?
        .map(|r| window_of(&r))
        .transpose()
    }

    /// Forgets `key`'s window (a successful login clears its account's failures).
    pub async fn throttle_clear(&self, key: &str) -> StoreResult<()> {
        self.write_one(
            "DELETE FROM throttle_counters WHERE key = $1",
            vec![key.into()],
        )
        .await?;
        Ok(())
    }

    /// Deletes the windows that ended before `now_ms`; how many.
    pub async fn prune_throttles(&self, now_ms: i64) -> StoreResult<u64> {
        self.write_one(
            "DELETE FROM throttle_counters WHERE expires_at <= $1",
            vec![now_ms.into()],
        )
        .await
    }

    /// Stores a file's bytes under their SHA-256 (once: the same content again is a no-op).
    pub async fn put_blob(&self, sha256: &str, bytes: &[u8]) -> StoreResult<()> {
        self.write_one(
            // Storing it again renews `created_at`: deletion spares a blob
            // stored since it decided (`FileStore::delete`).
            "INSERT INTO file_blobs (sha256, bytes, size, created_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (sha256) DO UPDATE SET created_at = $4",
            vec![
                sha256.into(),
                bytes.to_vec().into(),
                i64::try_from(bytes.len()).unwrap_or(i64::MAX).into(),
                Utc::now().into(),
            ],
        )
        .await?;
        Ok(())
    }

    /// Deletes a blob not stored again since `stored_before`; whether it did.
    pub async fn delete_blob(
        &self,
        sha256: &str,
        stored_before: DateTime<Utc>,
    ) -> StoreResult<bool> {
        Ok(self
            .write_one(
                "DELETE FROM file_blobs WHERE sha256 = $1 AND created_at < $2",
                vec![sha256.into(), stored_before.into()],
            )
            .await?
            > 0)
    }

    pub async fn blob(&self, sha256: &str) -> StoreResult<Option<Vec<u8>>> {
        let row = self
            .row(
                "SELECT bytes FROM file_blobs WHERE sha256 = $1",
                vec![sha256.into()],
            )
            .await?;
        Ok(row.map(|r| r.try_get("", "bytes")).transpose()?)
    }

    /// Where `consumer` (one search index) has read the outbox up to, if it has.
    pub async fn search_cursor(&self, consumer: &str) -> StoreResult<Option<i64>> {
        let row = self
            .row(
                "SELECT position FROM search_cursors WHERE consumer = $1",
                vec![consumer.into()],
            )
            .await?;
        Ok(row.map(|r| r.try_get("", "position")).transpose()?)
    }

    /// Records that `consumer` has applied every outbox row up to `position`
    /// (and is alive now). A position never moves back.
    pub async fn set_search_cursor(&self, consumer: &str, position: i64) -> StoreResult<()> {
        self.write_one(
            "INSERT INTO search_cursors (consumer, position, seen_at) VALUES ($1, $2, $3) \
             ON CONFLICT (consumer) DO UPDATE SET seen_at = $3, \
             position = CASE WHEN search_cursors.position > $2 THEN search_cursors.position ELSE $2 END",
            vec![consumer.into(), position.into(), Utc::now().into()],
        )
        .await?;
        Ok(())
    }

    /// Moves `consumer` to exactly `position` (a rebuilt index starts over).
    pub async fn reset_search_cursor(&self, consumer: &str, position: i64) -> StoreResult<()> {
        self.write_one(
            "INSERT INTO search_cursors (consumer, position, seen_at) VALUES ($1, $2, $3) \
             ON CONFLICT (consumer) DO UPDATE SET seen_at = $3, position = $2",
            vec![consumer.into(), position.into(), Utc::now().into()],
        )
        .await?;
        Ok(())
    }

    /// The lowest position of the consumers seen since `live_since`: every live
    /// index has applied the outbox up to it.
    pub async fn slowest_live_cursor(&self, live_since: DateTime<Utc>) -> StoreResult<Option<i64>> {
        let row = self
            .row(
                "SELECT MIN(position) AS position FROM search_cursors WHERE seen_at >= $1 AND consumer <> $2",
                vec![live_since.into(), PRUNED.into()],
            )
            .await?;
        Ok(row.and_then(|r| r.try_get::<Option<i64>>("", "position").ok().flatten()))
    }

    /// The highest outbox id among rows written at or before `cutoff`.
    pub async fn outbox_settled_through(&self, cutoff: DateTime<Utc>) -> StoreResult<i64> {
        let row = self
            .row(
                "SELECT COALESCE(MAX(id), 0) AS head FROM search_outbox WHERE created_at <= $1",
                vec![cutoff.into()],
            )
            .await?;
        Ok(row.map(|r| r.try_get("", "head")).transpose()?.unwrap_or(0))
    }

    /// Every outbox row up to this id has been deleted: an index behind it must be rebuilt.
    pub async fn outbox_pruned_through(&self) -> StoreResult<i64> {
        Ok(self.search_cursor(PRUNED).await?.unwrap_or(0))
    }

    /// Deletes the outbox rows up to `through` and records that it did.
    pub async fn prune_outbox(&self, through: i64) -> StoreResult<u64> {
        let deleted = self
            .write_one(
                "DELETE FROM search_outbox WHERE id <= $1",
                vec![through.into()],
            )
            .await?;
        self.set_search_cursor(PRUNED, through).await?;
        Ok(deleted)
    }

    /// Records that node `beat.id` is alive now.
    pub async fn heartbeat(&self, beat: &NodeBeat) -> StoreResult<()> {
        self.write_one(
            "INSERT INTO nodes (id, version, role, search_engine, started_at, seen_at) \
             VALUES ($1, $2, $3, $4, $5, $6) \
             ON CONFLICT (id) DO UPDATE SET seen_at = $6, version = $2, role = $3",
            vec![
                beat.id.clone().into(),
                beat.version.clone().into(),
                beat.role.clone().into(),
                beat.search_engine.clone().into(),
                beat.started_at.into(),
                beat.seen_at.into(),
            ],
        )
        .await?;
        Ok(())
    }

    /// A node stopping cleanly takes itself off the list.
    pub async fn forget_node(&self, id: &str) -> StoreResult<()> {
        self.write_one("DELETE FROM nodes WHERE id = $1", vec![id.into()])
            .await?;
        Ok(())
    }

    /// The nodes seen since `since`, most recently started first; older rows
    /// (nodes gone without saying so) are deleted when older than `forget_before`.
    pub async fn nodes(
        &self,
        since: DateTime<Utc>,
        forget_before: DateTime<Utc>,
    ) -> StoreResult<Vec<NodeBeat>> {
        self.write_one(
            "DELETE FROM nodes WHERE seen_at < $1",
            vec![forget_before.into()],
        )
        .await?;
        let rows = self
            .conn()
            .query_all_raw(self.statement(
                "SELECT id, version, role, search_engine, started_at, seen_at FROM nodes \
                 WHERE seen_at >= $1 ORDER BY started_at DESC, id",
                vec![since.into()],
            ))
            .await?;
        rows.iter()
            .map(|r| {
                Ok(NodeBeat {
                    id: r.try_get("", "id")?,
                    version: r.try_get("", "version")?,
                    role: r.try_get("", "role")?,
                    search_engine: r.try_get("", "search_engine")?,
                    started_at: r.try_get("", "started_at")?,
                    seen_at: r.try_get("", "seen_at")?,
                })
            })
            .collect()
    }

    /// Tells every node that cached copies of `topic` are stale: on PostgreSQL a
    /// `NOTIFY` on [`CHANGES_CHANNEL`] (delivered at the commit of this
    /// statement, i.e. at once, to every node listening — this one included);
    /// on SQLite there is one node, which has already dropped its own copies.
    pub async fn announce(&self, topic: Topic) -> StoreResult<()> {
        if self.is_postgres() {
            self.conn()
                .execute_raw(self.statement(
                    "SELECT pg_notify($1, $2)",
                    vec![CHANGES_CHANNEL.into(), topic.as_str().into()],
                ))
                .await?;
        }
        Ok(())
    }

    /// Drops this node's cached copies of `topic` that the store keeps.
    pub fn forget_cached(&self, topic: Topic) {
        match topic {
            Topic::Agencies => self.agency_cache.clear(),
            Topic::Calendar => {
                *self
                    .calendar_cache
                    .inner
                    .write()
                    .unwrap_or_else(|p| p.into_inner()) = None;
            }
            Topic::Pages => {}
        }
    }

    /// Listens for other nodes' announcements until the process ends (PostgreSQL
    /// only; returns at once on SQLite). The store's own caches are dropped here;
    /// `on_change` hears every topic. When the listening connection was lost,
    /// announcements may have been missed, so every topic counts as changed.
    pub async fn listen_for_changes(self, on_change: impl Fn(Topic) + Send + 'static) {
        if !self.is_postgres() {
            return;
        }
        let pool = self.conn().get_postgres_connection_pool().clone();
        let everything = |store: &Store| {
            for topic in Topic::ALL {
                store.forget_cached(topic);
                on_change(topic);
            }
        };
        loop {
            let mut listener = match sea_orm::sqlx::postgres::PgListener::connect_with(&pool).await
            {
                Ok(l) => l,
                Err(e) => {
                    tracing::warn!(error = %e, "cannot listen for other nodes' changes; retrying");
                    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
                    continue;
                }
            };
            if let Err(e) = listener.listen(CHANGES_CHANNEL).await {
                tracing::warn!(error = %e, "cannot listen for other nodes' changes; retrying");
                tokio::time::sleep(std::time::Duration::from_secs(2)).await;
                continue;
            }
            // Whatever was announced before this LISTEN took effect is unknown.
            everything(&self);
            loop {
                match listener.try_recv().await {
                    Ok(Some(n)) => {
                        if let Some(topic) = Topic::parse(n.payload()) {
                            self.forget_cached(topic);
                            on_change(topic);
                        }
                    }
                    // The connection was lost and is re-established on the next call.
                    Ok(None) => everything(&self),
                    Err(e) => {
                        tracing::warn!(error = %e, "lost the change listener; reconnecting");
                        break;
                    }
                }
            }
        }
    }
}

/// What a node caches and another node's write makes stale.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Topic {
    /// The public pages (procedures, the home page).
    Pages,
    Agencies,
    Calendar,
}

impl Topic {
    pub const ALL: [Topic; 3] = [Topic::Pages, Topic::Agencies, Topic::Calendar];

    pub fn as_str(self) -> &'static str {
        match self {
            Topic::Pages => "pages",
            Topic::Agencies => "agencies",
            Topic::Calendar => "calendar",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == s)
    }
}

fn window_of(row: &QueryResult) -> StoreResult<Window> {
    let count: i32 = row.try_get("", "count")?;
    Ok(Window {
        count: u32::try_from(count).unwrap_or(0),
        started_ms: row.try_get("", "window_start")?,
    })
}

/// The channel on which nodes announce changes to what they cache.
pub const CHANGES_CHANNEL: &str = "mingjing_changes";
/// The pseudo-consumer whose position records how far the outbox was pruned.
const PRUNED: &str = "(pruned)";
