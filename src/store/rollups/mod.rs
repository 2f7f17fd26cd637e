//! The roll-ups of the evaluation (`domain::evaluation`): counts by agency,
//! officer (0 for the agency's own row), day, kind, category and metric
//! (`rollup_days`), and by month without the category (`rollup_months`, what
//! the pages read). They change in the transaction of the act that changes
//! them ([`add`]), are rebuilt exactly from the record ([`Store::rebuild_rollups`]),
//! and one day can be recounted from the record ([`Store::recount_rollup_day`]).//!
//! This file holds the writes and the reads of the pages; `rebuild` the
//! rebuild, the recount of a day and the comparison with the record.

mod rebuild;

pub(crate) use rebuild::DeadlineRead;

use super::{Store, StoreResult};
use crate::domain::evaluation::{Contribution, Totals};
use crate::domain::ids::{AgencyId, StaffId};
use chrono::{Datelike, NaiveDate};
use sea_orm::sea_query::{Alias, Expr, InsertStatement, OnConflict, Query};
use sea_orm::{ConnectionTrait, DatabaseBackend, DbErr, Statement, Value};
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
}
