//! The roll-ups of the evaluation (`domain::evaluation`): counts by agency,
//! officer (0 for the agency's own row), day, kind, category and metric
//! (`rollup_days`), and by month without the category (`rollup_months`, what
//! the pages read). They change in the transaction of the act that changes
//! them ([`add`]), are rebuilt exactly from the record ([`Store::rebuild_rollups`]),
//! and one day can be recounted from the record ([`Store::recount_rollup_day`]).

use super::entities::{petition_deadline, petition_event};
use super::{Store, StoreResult};
use crate::domain::evaluation::{Contribution, DeadlineFact, EventFact, Totals};
use crate::domain::ids::{AgencyId, StaffId};
use crate::domain::workflow::Round;
use chrono::{Datelike, NaiveDate, Utc};
use sea_orm::sea_query::{Alias, Expr, InsertStatement, OnConflict, Query};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseBackend, DbErr, EntityTrait, QueryFilter, QueryOrder,
    Statement, Value,
};
use std::collections::BTreeMap;

/// The key of a daily row, in the table's key order: day, agency, officer, kind, category, metric.
type DayKey = (String, i32, i32, &'static str, &'static str, String);
/// The key of a monthly row.
type MonthKey = (i32, i32, String, &'static str, String);

fn month_of(day: NaiveDate) -> String {
    format!("{:04}-{:02}", day.year(), day.month())
}

/// Sums contributions into daily and monthly rows: the agency's (officer 0)
/// by kind and category, the officer's by day alone (kind and category
/// empty) — nothing reads an officer's figures by kind, and leaving the two
/// out keeps the officer rows to a few per day.
fn sums(contributions: &[Contribution]) -> (BTreeMap<DayKey, i64>, BTreeMap<MonthKey, i64>) {
    let mut days = BTreeMap::new();
    let mut months = BTreeMap::new();
    for c in contributions {
        let day = c.day.format("%Y-%m-%d").to_string();
        let month = month_of(c.day);
        let rows = [
            Some((0, c.kind.as_str(), c.category.as_str())),
            c.officer.map(|s| (s.0, "", "")),
        ];
        for (s, kind, category) in rows.into_iter().flatten() {
            *days
                .entry((day.clone(), c.agency.0, s, kind, category, c.metric.clone()))
                .or_insert(0) += 1;
            *months
                .entry((c.agency.0, s, month.clone(), kind, c.metric.clone()))
                .or_insert(0) += 1;
        }
    }
    (days, months)
}

/// How many shards a roll-up row has on PostgreSQL (migration 13). Readers
/// sum whatever shards exist, so the number can change without a migration.
const SHARDS: u32 = 32;

/// Which shard of a roll-up row a write adds to. On PostgreSQL: the first
/// shard, counting from the connection's own (backend pid modulo
/// [`SHARDS`]), that no other transaction holds — held with a
/// transaction-scoped advisory lock that is only tried, never waited for. So
/// concurrent acts each add to a row of their own and never queue on a row
/// lock until another transaction's commit is flushed (with the shard fixed
/// per connection, two pool connections whose pids fell on one shard did:
/// 0.9–1.4 ms of lock wait per filing at 16 clients). Every row of one
/// transaction finds the same shard (it holds that lock already), so its rows
/// are still locked in key order. With every shard held (more than
/// [`SHARDS`] writers at once) the connection's own shard, waiting as before.
/// SQLite serialises writers anyway: one shard.
fn shard_of(backend: DatabaseBackend) -> Expr {
    match backend {
        DatabaseBackend::Postgres => Expr::cust(format!(
            "COALESCE((SELECT (g + pg_backend_pid()) % {SHARDS} FROM generate_series(0, {last}) AS g \
             WHERE pg_try_advisory_xact_lock({ROLLUP_SHARD_LOCK}, (g + pg_backend_pid()) % {SHARDS}) LIMIT 1), \
             pg_backend_pid() % {SHARDS})",
            last = SHARDS - 1
        )),
        _ => Expr::val(0),
    }
}

/// The first key of the advisory locks that claim a shard (the second is the
/// shard); `audit` uses the single-key lock 7201358.
const ROLLUP_SHARD_LOCK: i32 = 7_201_359;

/// The key a roll-up row is unique by, for `ON CONFLICT`.
fn day_key(backend: DatabaseBackend) -> &'static [&'static str] {
    match backend {
        DatabaseBackend::Postgres => &[
            "day",
            "agency_id",
            "staff_id",
            "kind",
            "category",
            "metric",
            "shard",
        ],
        _ => &["agency_id", "staff_id", "day", "kind", "category", "metric"],
    }
}

fn month_key(backend: DatabaseBackend) -> &'static [&'static str] {
    match backend {
        DatabaseBackend::Postgres => &["agency_id", "staff_id", "month", "kind", "metric", "shard"],
        _ => &["agency_id", "staff_id", "month", "kind", "metric"],
    }
}

/// `INSERT INTO table (columns…, value, shard) VALUES … ON CONFLICT (key) DO
/// UPDATE` adding to (or, with `replace`, setting) the value, a few hundred
/// rows per statement.
fn upserts(
    backend: DatabaseBackend,
    table: &str,
    columns: &[&str],
    key: &[&str],
    rows: Vec<Vec<Value>>,
    replace: bool,
) -> Vec<InsertStatement> {
    let conflict = if replace {
        "excluded.value".to_owned()
    } else {
        format!("{table}.value + excluded.value")
    };
    rows.chunks(500)
        .map(|chunk| {
            let mut insert = Query::insert();
            insert
                .into_table(Alias::new(table))
                .columns(
                    columns
                        .iter()
                        .chain(&["value", "shard"])
                        .map(|c| Alias::new(*c)),
                )
                .on_conflict(
                    OnConflict::columns(key.iter().map(|c| Alias::new(*c)))
                        .value(Alias::new("value"), Expr::cust(conflict.clone()))
                        .to_owned(),
                );
            for row in chunk {
                insert.values_panic(
                    row.iter()
                        .cloned()
                        .map(Expr::val)
                        .chain([shard_of(backend)]),
                );
            }
            insert
        })
        .collect()
}

/// The statements that add (or, with `replace`, write) the rows. Replacing is
/// done only after the rows were deleted, so no other shard holds a value.
fn statements(
    backend: DatabaseBackend,
    days: BTreeMap<DayKey, i64>,
    months: BTreeMap<MonthKey, i64>,
    replace: bool,
) -> Vec<InsertStatement> {
    let day_rows: Vec<Vec<Value>> = days
        .into_iter()
        .map(|((d, a, s, k, c, m), v)| {
            vec![
                a.into(),
                s.into(),
                d.into(),
                k.into(),
                c.into(),
                m.into(),
                v.into(),
            ]
        })
        .collect();
    let month_rows: Vec<Vec<Value>> = months
        .into_iter()
        .map(|((a, s, mo, k, m), v)| {
            vec![a.into(), s.into(), mo.into(), k.into(), m.into(), v.into()]
        })
        .collect();
    let mut all = upserts(
        backend,
        "rollup_days",
        &["agency_id", "staff_id", "day", "kind", "category", "metric"],
        day_key(backend),
        day_rows,
        replace,
    );
    all.extend(upserts(
        backend,
        "rollup_months",
        &["agency_id", "staff_id", "month", "kind", "metric"],
        month_key(backend),
        month_rows,
        replace,
    ));
    all
}

async fn write<C: ConnectionTrait>(
    conn: &C,
    days: BTreeMap<DayKey, i64>,
    months: BTreeMap<MonthKey, i64>,
    replace: bool,
) -> Result<(), DbErr> {
    for statement in statements(conn.get_database_backend(), days, months, replace) {
        conn.execute(&statement).await?;
    }
    Ok(())
}

/// What an act adds to the roll-ups, as statements for a caller that runs
/// them inside a larger one (the filing's single statement on PostgreSQL).
pub(crate) fn additions(
    backend: DatabaseBackend,
    contributions: &[Contribution],
) -> Vec<InsertStatement> {
    let (days, months) = sums(contributions);
    statements(backend, days, months, false)
}

/// Adds what an act contributes, inside the act's transaction. Rows are
/// written in key order, so two transactions never wait on each other in a circle.
pub(crate) async fn add<C: ConnectionTrait>(
    conn: &C,
    contributions: &[Contribution],
) -> Result<(), DbErr> {
    if contributions.is_empty() {
        return Ok(());
    }
    let (days, months) = sums(contributions);
    write(conn, days, months, false).await
}

/// Where a scope's figures come from.
#[derive(Debug, Clone)]
pub enum Scope {
    /// These agencies' own rows.
    Agencies(Vec<AgencyId>),
    /// One officer's rows (at whatever agency).
    Officer(StaffId),
}

/// How long a rebuild took and what it wrote.
#[derive(Debug, Clone, Copy, Default)]
pub struct RebuildReport {
    pub events: u64,
    pub deadlines: u64,
    pub day_rows: u64,
    pub month_rows: u64,
}

impl Store {
    /// Metric sums of `scope` over the months `from..=to` (YYYY-MM), all kinds.
    pub async fn rollup_totals(&self, scope: &Scope, from: &str, to: &str) -> StoreResult<Totals> {
        Ok(self
            .rollup_by_month(scope, from, to)
            .await?
            .into_values()
            .fold(Totals::new(), |mut acc, m| {
                for (k, v) in m {
                    *acc.entry(k).or_insert(0) += v;
                }
                acc
            }))
    }

    /// Metric sums of `scope` by month (YYYY-MM) over `from..=to`.
    pub async fn rollup_by_month(
        &self,
        scope: &Scope,
        from: &str,
        to: &str,
    ) -> StoreResult<BTreeMap<String, Totals>> {
        let backend = self.conn().get_database_backend();
        let p = |n: usize| match backend {
            DatabaseBackend::Postgres => format!("${n}"),
            _ => format!("?{n}"),
        };
        let (filter, mut values): (String, Vec<Value>) = match scope {
            Scope::Agencies(ids) if ids.is_empty() => return Ok(BTreeMap::new()),
            Scope::Agencies(ids) => (
                format!(
                    "staff_id = 0 AND agency_id IN ({})",
                    ids.iter()
                        .map(|i| i.0.to_string())
                        .collect::<Vec<_>>()
                        .join(",")
                ),
                vec![],
            ),
            Scope::Officer(id) => (format!("staff_id = {}", p(1)), vec![id.0.into()]),
        };
        let base = values.len();
        values.push(from.into());
        values.push(to.into());
        let sql = format!(
            "SELECT month, metric, CAST(SUM(value) AS BIGINT) AS value FROM rollup_months \
             WHERE {filter} AND month >= {} AND month <= {} GROUP BY month, metric",
            p(base + 1),
            p(base + 2)
        );
        let rows = self
            .conn()
            .query_all_raw(Statement::from_sql_and_values(backend, sql, values))
            .await?;
        let mut out: BTreeMap<String, Totals> = BTreeMap::new();
        for r in rows {
            let month: String = r.try_get("", "month")?;
            let metric: String = r.try_get("", "metric")?;
            let value: i64 = r.try_get("", "value")?;
            *out.entry(month).or_default().entry(metric).or_insert(0) += value;
        }
        Ok(out)
    }

    /// Every roll-up row, for comparing an incremental state with a rebuild (tests, `--check`).
    pub async fn rollup_rows(&self) -> StoreResult<(BTreeMap<String, i64>, BTreeMap<String, i64>)> {
        let backend = self.conn().get_database_backend();
        let mut days = BTreeMap::new();
        for r in self
            .conn()
            .query_all_raw(Statement::from_string(
                backend,
                "SELECT agency_id, staff_id, day, kind, category, metric, CAST(SUM(value) AS BIGINT) AS value FROM rollup_days \
                 GROUP BY agency_id, staff_id, day, kind, category, metric",
            ))
            .await?
        {
            let key = format!(
                "{}/{}/{}/{}/{}/{}",
                r.try_get::<i32>("", "agency_id")?,
                r.try_get::<i32>("", "staff_id")?,
                r.try_get::<String>("", "day")?,
                r.try_get::<String>("", "kind")?,
                r.try_get::<String>("", "category")?,
                r.try_get::<String>("", "metric")?
            );
            let v: i64 = r.try_get("", "value")?;
            if v != 0 {
                days.insert(key, v);
            }
        }
        let mut months = BTreeMap::new();
        for r in self
            .conn()
            .query_all_raw(Statement::from_string(
                backend,
                "SELECT agency_id, staff_id, month, kind, metric, CAST(SUM(value) AS BIGINT) AS value FROM rollup_months \
                 GROUP BY agency_id, staff_id, month, kind, metric",
            ))
            .await?
        {
            let key = format!(
                "{}/{}/{}/{}/{}",
                r.try_get::<i32>("", "agency_id")?,
                r.try_get::<i32>("", "staff_id")?,
                r.try_get::<String>("", "month")?,
                r.try_get::<String>("", "kind")?,
                r.try_get::<String>("", "metric")?
            );
            let v: i64 = r.try_get("", "value")?;
            if v != 0 {
                months.insert(key, v);
            }
        }
        Ok((days, months))
    }

    /// Recomputes every roll-up from the record (events and met deadlines), in
    /// one transaction during which no act adds to them (they wait). It goes a
    /// month at a time, so what is held in memory is one month's rows, and
    /// each month's rows are written once.
    pub async fn rebuild_rollups(&self) -> StoreResult<RebuildReport> {
        let _queue = self.write_guard().await;
        let txn = self.begin_write().await?;
        lock_rollups(&txn).await?;
        let sqlite = !self.is_postgres();
        if sqlite {
            // The rebuild is one transaction over the whole record: with
            // SQLite's default 2 MB page cache it spent its time re-reading
            // pages and looking them up in a growing WAL. 256 MB for this
            // transaction only (set back before it commits).
            txn.execute_unprepared("PRAGMA cache_size = -262144")
                .await?;
        }
        txn.execute_unprepared("DELETE FROM rollup_days").await?;
        txn.execute_unprepared("DELETE FROM rollup_months").await?;
        let mut report = RebuildReport::default();
        let china = crate::domain::clock::china_date;
        let first_event = petition_event::Entity::find()
            .order_by_asc(petition_event::Column::CreatedAt)
            .one(&txn)
            .await?
            .map(|e| china(e.created_at));
        let last_event = petition_event::Entity::find()
            .order_by_desc(petition_event::Column::CreatedAt)
            .one(&txn)
            .await?
            .map(|e| china(e.created_at));
        let met = || {
            petition_deadline::Entity::find().filter(
                petition_deadline::Column::Status.eq(crate::domain::clock::DeadlineStatus::Met),
            )
        };
        let first_met = met()
            .order_by_asc(petition_deadline::Column::DueOn)
            .one(&txn)
            .await?
            .map(|d| d.due_on.0);
        let last_met = met()
            .order_by_desc(petition_deadline::Column::DueOn)
            .one(&txn)
            .await?
            .map(|d| d.due_on.0);
        let first = first_event.into_iter().chain(first_met).min();
        let last = last_event.into_iter().chain(last_met).max();
        if let (Some(first), Some(last)) = (first, last) {
            let mut month = first.with_day(1).unwrap_or(first);
            while month <= last {
                let next = month
                    .checked_add_months(chrono::Months::new(1))
                    .unwrap_or(NaiveDate::MAX);
                let to = next.pred_opt().unwrap_or(next);
                let started = std::time::Instant::now();
                let read = contributions_between(&txn, month, to).await?;
                let counted = started.elapsed();
                report.events += read.events;
                report.deadlines += read.deadlines;
                let (days, months) = sums(&read.contributions);
                write(&txn, days, months, false).await?;
                tracing::debug!(
                    rollup.month = %month_of(month),
                    read_ms = counted.as_millis() as u64,
                    written_ms = (started.elapsed() - counted).as_millis() as u64,
                    "roll-ups of a month rebuilt"
                );
                month = next;
            }
        }
        report.day_rows = count(&txn, "rollup_days").await?;
        report.month_rows = count(&txn, "rollup_months").await?;
        if sqlite {
            txn.execute_unprepared("PRAGMA cache_size = -2000").await?;
        }
        txn.commit().await?;
        Ok(report)
    }

    /// Recounts the rows of one day from the record — the events of that day
    /// and the met deadlines that fell due on it — and the month it is in.
    pub async fn recount_rollup_day(&self, day: NaiveDate) -> StoreResult<()> {
        let _queue = self.write_guard().await;
        let txn = self.begin_write().await?;
        lock_rollups(&txn).await?;
        let backend = txn.get_database_backend();
        let p = |n: usize| match backend {
            DatabaseBackend::Postgres => format!("${n}"),
            _ => format!("?{n}"),
        };
        let text = day.format("%Y-%m-%d").to_string();
        txn.execute_raw(Statement::from_sql_and_values(
            backend,
            format!("DELETE FROM rollup_days WHERE day = {}", p(1)),
            [text.clone().into()],
        ))
        .await?;
        let contributions = contributions_between(&txn, day, day).await?.contributions;
        let (days, _) = sums(&contributions);
        write(&txn, days, BTreeMap::new(), true).await?;
        // The month is the sum of its days.
        let month = month_of(day);
        txn.execute_raw(Statement::from_sql_and_values(
            backend,
            format!("DELETE FROM rollup_months WHERE month = {}", p(1)),
            [month.clone().into()],
        ))
        .await?;
        let month_days = match backend {
            DatabaseBackend::Postgres => "substring(day from 1 for 7)",
            _ => "substr(day, 1, 7)",
        };
        txn.execute_raw(Statement::from_sql_and_values(
            backend,
            format!(
                "INSERT INTO rollup_months (agency_id, staff_id, month, kind, metric, value) \
                 SELECT agency_id, staff_id, {month_days}, kind, metric, SUM(value) FROM rollup_days \
                 WHERE day >= {} AND day < {} GROUP BY agency_id, staff_id, {month_days}, kind, metric",
                p(1),
                p(2)
            ),
            // The month's days: one range of the day-first key.
            [format!("{month}-01").into(), format!("{month}-32").into()],
        ))
        .await?;
        txn.commit().await?;
        Ok(())
    }
}

/// What the record contributes on the China days `from..=to`, and how much of it was read.
struct Read {
    contributions: Vec<Contribution>,
    events: u64,
    deadlines: u64,
}

/// An event with what the evaluation reads of its petition: only the columns
/// it needs (whole rows made a rebuild spend its time allocating texts).
#[derive(Debug, sea_orm::FromQueryResult)]
struct EventRead {
    kind: crate::domain::events::EventKind,
    created_at: chrono::DateTime<Utc>,
    round: Option<Round>,
    agency_id: Option<AgencyId>,
    officer_id: Option<StaffId>,
    other_agency_id: Option<AgencyId>,
    other_officer_id: Option<StaffId>,
    detail: Option<String>,
    petition_kind: crate::domain::petition::PetitionKind,
    petition_category: crate::domain::petition::PetitionCategory,
    petition_agency_id: AgencyId,
}

/// A met deadline with what the evaluation reads of its petition.
#[derive(Debug, sea_orm::FromQueryResult)]
pub(crate) struct DeadlineRead {
    clock: String,
    round: Option<Round>,
    agency_id: Option<AgencyId>,
    officer_id: Option<StaffId>,
    started_on: Option<super::types::Day>,
    created_at: chrono::DateTime<Utc>,
    due_on: super::types::Day,
    closed_on: Option<super::types::Day>,
    petition_kind: crate::domain::petition::PetitionKind,
    petition_category: crate::domain::petition::PetitionCategory,
}

impl DeadlineRead {
    /// A stored deadline of a petition of `kind` and `category`.
    pub(crate) fn of(
        d: &petition_deadline::Model,
        kind: crate::domain::petition::PetitionKind,
        category: crate::domain::petition::PetitionCategory,
    ) -> Self {
        Self {
            clock: d.clock.clone(),
            round: d.round,
            agency_id: d.agency_id,
            officer_id: d.officer_id,
            started_on: d.started_on,
            created_at: d.created_at,
            due_on: d.due_on,
            closed_on: d.closed_on,
            petition_kind: kind,
            petition_category: category,
        }
    }

    /// The deadline as the evaluation reads it; none for rows older than the
    /// evaluation (no agency, no closing day).
    pub(crate) fn fact(&self) -> Option<DeadlineFact<'_>> {
        Some(DeadlineFact {
            clock: &self.clock,
            round: self.round.unwrap_or(Round::Original),
            agency: self.agency_id?,
            officer: self.officer_id,
            petition_kind: self.petition_kind,
            category: self.petition_category,
            started_on: self.started_on.map_or_else(
                || crate::domain::clock::china_date(self.created_at),
                |s| s.0,
            ),
            due_on: self.due_on.0,
            closed_on: self.closed_on?.0,
        })
    }
}

/// The events of the days `from..=to` (China time) and the met deadlines that
/// fell due on them, as contributions: two index ranges, each joined to its
/// petitions' kind and category.
async fn contributions_between<C: ConnectionTrait>(
    conn: &C,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Read, DbErr> {
    use sea_orm::FromQueryResult;
    let backend = conn.get_database_backend();
    let p = |n: usize| match backend {
        DatabaseBackend::Postgres => format!("${n}"),
        _ => format!("?{n}"),
    };
    // China midnight as a UTC instant.
    let instant = |d: NaiveDate| {
        d.and_hms_opt(0, 0, 0)
            .map(|t| t.and_utc() - chrono::Duration::hours(8))
            .unwrap_or_else(Utc::now)
    };
    let events = EventRead::find_by_statement(Statement::from_sql_and_values(
        backend,
        format!(
            "SELECT e.kind, e.created_at, e.round, e.agency_id, e.officer_id, e.other_agency_id, \
             e.other_officer_id, e.detail, p.kind AS petition_kind, p.category AS petition_category, \
             p.agency_id AS petition_agency_id \
             FROM petition_events e JOIN petitions p ON p.id = e.petition_id \
             WHERE e.created_at >= {} AND e.created_at < {}",
            p(1),
            p(2)
        ),
        [
            instant(from).into(),
            (instant(to) + chrono::Duration::days(1)).into(),
        ],
    ))
    .all(conn)
    .await?;
    let deadlines = DeadlineRead::find_by_statement(Statement::from_sql_and_values(
        backend,
        format!(
            "SELECT d.clock, d.round, d.agency_id, d.officer_id, d.started_on, d.created_at, \
             d.due_on, d.closed_on, p.kind AS petition_kind, p.category AS petition_category \
             FROM petition_deadlines d JOIN petitions p ON p.id = d.petition_id \
             WHERE d.status = {} AND d.due_on >= {} AND d.due_on <= {}",
            p(1),
            p(2),
            p(3)
        ),
        [
            crate::domain::clock::DeadlineStatus::Met.into(),
            super::types::Day(from).into(),
            super::types::Day(to).into(),
        ],
    ))
    .all(conn)
    .await?;
    let mut read = Read {
        contributions: Vec::new(),
        events: 0,
        deadlines: 0,
    };
    for e in &events {
        read.contributions
            .extend(crate::domain::evaluation::of_event(&EventFact {
                kind: e.kind,
                day: crate::domain::clock::china_date(e.created_at),
                petition_kind: e.petition_kind,
                category: e.petition_category,
                round: e.round.unwrap_or(Round::Original),
                agency: e.agency_id.unwrap_or(e.petition_agency_id),
                officer: e.officer_id,
                other_agency: e.other_agency_id,
                other_officer: e.other_officer_id,
                detail: e.detail.as_deref(),
            }));
        read.events += 1;
    }
    for fact in deadlines.iter().filter_map(DeadlineRead::fact) {
        read.contributions
            .extend(crate::domain::evaluation::of_deadline(&fact));
        read.deadlines += 1;
    }
    // Only these days' rows (a deadline's contributions are on its due day).
    read.contributions.retain(|c| c.day >= from && c.day <= to);
    Ok(read)
}

/// Keeps every act from adding to the roll-ups until this transaction ends
/// (on SQLite the writer's lock already does).
async fn lock_rollups<C: ConnectionTrait>(conn: &C) -> Result<(), DbErr> {
    if conn.get_database_backend() == DatabaseBackend::Postgres {
        conn.execute_unprepared("LOCK TABLE rollup_days, rollup_months IN EXCLUSIVE MODE")
            .await?;
    }
    Ok(())
}

async fn count<C: ConnectionTrait>(conn: &C, table: &str) -> Result<u64, DbErr> {
    let backend = conn.get_database_backend();
    let row = conn
        .query_one_raw(Statement::from_string(
            backend,
            format!("SELECT COUNT(*) AS n FROM {table}"),
        ))
        .await?;
    Ok(row
        .and_then(|r| r.try_get::<i64>("", "n").ok())
        .map_or(0, |n| u64::try_from(n).unwrap_or(0)))
}
