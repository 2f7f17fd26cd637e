//! Persistence, and only that: sea-orm entities with typed columns
//! ([`types`]), one read model per record, and the writes that keep a change
//! and its consequences together — every transaction that others must hear
//! of writes its job and search rows through the one [`outbox`] writer.
//!
//! Queries that touch data owned by an agency start from a scoped constructor
//! (`Store::agency_procedures(agency_id)`, `Store::staff_petitions(…)`), so a
//! forgotten permission check cannot happen: there is no unscoped path to
//! forget it on. The store imports nothing from the layers above it (app,
//! web, mail, jobs, search); the rules it applies come from `domain`.

pub mod agencies;
pub mod bulletins;
pub mod calendar;
pub mod captchas;
pub mod cases;
pub mod cluster;
pub mod drafts;
pub mod duplicates;
pub mod entities;
pub mod escalations;
pub mod exceptions;
pub mod letters;
pub mod outbox;
pub mod oversight;
pub mod petitions;
pub mod procedures;
pub mod queue;
pub mod queues;
pub mod retention;
pub mod rollups;
pub mod sessions;
pub mod sms;
pub mod staff;
pub mod statistics;
pub mod supervision;
pub mod types;
pub mod workflow;

use sea_orm::{ConnectOptions, Database, DatabaseConnection, DbErr};
use sea_orm_migration::MigratorTrait;
use std::time::Duration;

/// The store layer's error. `Conflict` and `NotFound` are outcomes a caller
/// turns into a message; `Db` is a failure that becomes a 500.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("not found")]
    NotFound,
    #[error("changed meanwhile (current version {current})")]
    Conflict { current: i32 },
    #[error("database error")]
    Db(#[from] DbErr),
    #[error("stored data is malformed: {0}")]
    Corrupt(String),
}

pub type StoreResult<T> = Result<T, StoreError>;

#[derive(Clone, Copy)]
enum Durability {
    Full,
    DemoLoad,
}

#[derive(Clone, Debug)]
pub struct Store {
    db: DatabaseConnection,
    agency_cache: std::sync::Arc<agencies::AgencyCache>,
    calendar_cache: std::sync::Arc<calendar::CalendarCache>,
    status_cache: std::sync::Arc<petitions::StatusCache>,
    /// Rung after a commit that wrote to the search outbox, so the indexer starts at once.
    search_changed: std::sync::Arc<tokio::sync::Notify>,
}

impl Store {
    /// Connects and applies pending migrations. SQLite runs in WAL mode with
    /// `synchronous=FULL`: a write acknowledged to a user survives power loss.
    pub async fn connect(database_url: &str) -> Result<Self, DbErr> {
        Self::connect_with(database_url, Durability::Full).await
    }

    /// A connection for loading demo data only: on SQLite the commits are not
    /// flushed to disk one by one (`synchronous=OFF`), which halves the time a
    /// seeded year of handling takes. A crash mid-load can lose the demo rows,
    /// never a user's: nothing a user was told is saved goes through it.
    pub async fn connect_for_demo_load(database_url: &str) -> Result<Self, DbErr> {
        Self::connect_with(database_url, Durability::DemoLoad).await
    }

    async fn connect_with(database_url: &str, durability: Durability) -> Result<Self, DbErr> {
        let mut options = ConnectOptions::new(database_url.to_owned());
        options
            .max_connections(if database_url.starts_with("sqlite") {
                8
            } else {
                16
            })
            .min_connections(1)
            .connect_timeout(Duration::from_secs(10))
            .acquire_timeout(Duration::from_secs(10))
            .sqlx_logging(false)
            // A broken connection surfaces as an error on use; pinging before every
            // query would double the round trips of the hot read paths.
            .test_before_acquire(false)
            .map_sqlx_sqlite_opts(move |o| {
                use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
                o.create_if_missing(true)
                    .journal_mode(SqliteJournalMode::Wal)
                    .synchronous(match durability {
                        Durability::Full => SqliteSynchronous::Full,
                        Durability::DemoLoad => SqliteSynchronous::Off,
                    })
                    .foreign_keys(true)
                    .busy_timeout(Duration::from_secs(10))
            });
        let db = Database::connect(options).await?;
        migrations::Migrator::up(&db, None).await?;
        Ok(Self::from_connection(db))
    }

    pub fn from_connection(db: DatabaseConnection) -> Self {
        Self {
            db,
            agency_cache: Default::default(),
            calendar_cache: Default::default(),
            status_cache: Default::default(),
            search_changed: Default::default(),
        }
    }

    /// Tells the search indexer that the outbox has new rows (after the commit).
    pub fn search_changed(&self) {
        self.search_changed.notify_one();
    }

    /// Writes `outbox` into `txn`, commits, and wakes the search indexer when
    /// the outbox holds search rows.
    pub(crate) async fn finish(
        &self,
        txn: sea_orm::DatabaseTransaction,
        outbox: outbox::Outbox,
    ) -> StoreResult<()> {
        outbox.write(&txn).await?;
        txn.commit().await?;
        if outbox.touches_search() {
            self.search_changed();
        }
        Ok(())
    }

    pub fn search_wake(&self) -> std::sync::Arc<tokio::sync::Notify> {
        self.search_changed.clone()
    }

    pub fn conn(&self) -> &DatabaseConnection {
        &self.db
    }

    /// On SQLite, write transactions queue here instead of in SQLite's busy
    /// handler, whose sleeps make the slowest writes very slow under load.
    /// (PostgreSQL has row locks and needs no queue.) Shared with the audit
    /// log's append lock so the two never wait on each other.
    pub async fn write_guard(&self) -> Option<tokio::sync::MutexGuard<'static, ()>> {
        if self.is_postgres() {
            None
        } else {
            Some(crate::audit::APPEND_LOCK.lock().await)
        }
    }

    /// Begins a transaction that writes. On SQLite it is `BEGIN IMMEDIATE`:
    /// the write lock is taken at the start, waiting out other writers within
    /// the busy timeout. A deferred `BEGIN` that reads before it writes fails
    /// at once with "database is locked" (SQLite cannot wait there without
    /// risking a deadlock) whenever another connection writes in between —
    /// and the job runner, the mail and search outboxes and the bulletins
    /// write on their own connections all the time. PostgreSQL has row locks
    /// and begins as usual.
    pub async fn begin_write(&self) -> Result<sea_orm::DatabaseTransaction, DbErr> {
        use sea_orm::{SqliteTransactionMode, TransactionOptions, TransactionTrait};
        let options = TransactionOptions {
            sqlite_transaction_mode: (!self.is_postgres())
                .then_some(SqliteTransactionMode::Immediate),
            ..Default::default()
        };
        self.db.begin_with_options(options).await
    }

    pub fn is_postgres(&self) -> bool {
        self.db.get_database_backend() == sea_orm::DatabaseBackend::Postgres
    }

    /// A cheap round trip for `/healthz`.
    pub async fn ping(&self) -> Result<(), DbErr> {
        self.db.ping().await
    }

    pub async fn close(self) -> Result<(), DbErr> {
        self.db.close().await
    }
}

/// Decodes a JSON column written by this application; a failure means the row
/// was changed outside it, which is reported rather than papered over.
/// The `n`th bind parameter of a raw statement: `$n` on PostgreSQL, `?n` on SQLite.
pub(crate) fn param(backend: sea_orm::DatabaseBackend, n: usize) -> String {
    match backend {
        sea_orm::DatabaseBackend::Postgres => format!("${n}"),
        _ => format!("?{n}"),
    }
}

pub(crate) fn from_json<T: serde::de::DeserializeOwned>(
    value: &serde_json::Value,
    what: &str,
) -> StoreResult<T> {
    serde_json::from_value(value.clone()).map_err(|e| StoreError::Corrupt(format!("{what}: {e}")))
}
