//! The roll-ups of the evaluation (`domain::evaluation`): counts by agency,
//! officer (0 for the agency's own row), day, kind, category and metric
//! (`rollup_days`), and by month without the category (`rollup_months`, what
//! the pages read). They change in the transaction of the act that changes
//! them ([`add`]), are rebuilt exactly from the record ([`Store::rebuild_rollups`]),
//! and one day can be recounted from the record ([`Store::recount_rollup_day`]).

use super::entities::{petition, petition_deadline, petition_event};
use super::{Store, StoreResult};
use crate::domain::evaluation::{Contribution, DeadlineFact, EventFact, Totals};
use crate::domain::ids::{AgencyId, StaffId};
use crate::domain::workflow::Round;
use chrono::{Datelike, NaiveDate, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseBackend, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Statement, Value,
};
use std::collections::{BTreeMap, HashMap};

/// The key of a daily row.
type DayKey = (i32, i32, String, &'static str, &'static str, String);
/// The key of a monthly row.
type MonthKey = (i32, i32, String, &'static str, String);

fn month_of(day: NaiveDate) -> String {
    format!("{:04}-{:02}", day.year(), day.month())
}

/// Sums contributions into daily and monthly rows (the agency's and the officer's).
fn sums(contributions: &[Contribution]) -> (BTreeMap<DayKey, i64>, BTreeMap<MonthKey, i64>) {
    let mut days = BTreeMap::new();
    let mut months = BTreeMap::new();
    for c in contributions {
        let day = c.day.format("%Y-%m-%d").to_string();
        let month = month_of(c.day);
        let staff = [Some(0), c.officer.map(|s| s.0)];
        for s in staff.into_iter().flatten() {
            *days
                .entry((
                    c.agency.0,
                    s,
                    day.clone(),
                    c.kind.as_str(),
                    c.category.as_str(),
                    c.metric.clone(),
                ))
                .or_insert(0) += 1;
            *months
                .entry((
                    c.agency.0,
                    s,
                    month.clone(),
                    c.kind.as_str(),
                    c.metric.clone(),
                ))
                .or_insert(0) += 1;
        }
    }
    (days, months)
}

fn placeholders(backend: DatabaseBackend, rows: usize, cols: usize) -> String {
    let mut n = 0;
    (0..rows)
        .map(|_| {
            let cells: Vec<String> = (0..cols)
                .map(|_| {
                    n += 1;
                    match backend {
                        DatabaseBackend::Postgres => format!("${n}"),
                        _ => format!("?{n}"),
                    }
                })
                .collect();
            format!("({})", cells.join(", "))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Adds (or, with `replace`, writes) the rows, a few hundred per statement.
async fn write<C: ConnectionTrait>(
    conn: &C,
    days: BTreeMap<DayKey, i64>,
    months: BTreeMap<MonthKey, i64>,
    replace: bool,
) -> Result<(), DbErr> {
    let backend = conn.get_database_backend();
    let rows: Vec<Vec<Value>> = days
        .into_iter()
        .map(|((a, s, d, k, c, m), v)| {
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
    for chunk in rows.chunks(500) {
        let conflict = if replace {
            "excluded.value"
        } else {
            "rollup_days.value + excluded.value"
        };
        let sql = format!(
            "INSERT INTO rollup_days (agency_id, staff_id, day, kind, category, metric, value) VALUES {} \
             ON CONFLICT (agency_id, staff_id, day, kind, category, metric) DO UPDATE SET value = {conflict}",
            placeholders(backend, chunk.len(), 7)
        );
        conn.execute_raw(Statement::from_sql_and_values(
            backend,
            sql,
            chunk.iter().flatten().cloned(),
        ))
        .await?;
    }
    let rows: Vec<Vec<Value>> = months
        .into_iter()
        .map(|((a, s, mo, k, m), v)| {
            vec![a.into(), s.into(), mo.into(), k.into(), m.into(), v.into()]
        })
        .collect();
    for chunk in rows.chunks(500) {
        let conflict = if replace {
            "excluded.value"
        } else {
            "rollup_months.value + excluded.value"
        };
        let sql = format!(
            "INSERT INTO rollup_months (agency_id, staff_id, month, kind, metric, value) VALUES {} \
             ON CONFLICT (agency_id, staff_id, month, kind, metric) DO UPDATE SET value = {conflict}",
            placeholders(backend, chunk.len(), 6)
        );
        conn.execute_raw(Statement::from_sql_and_values(
            backend,
            sql,
            chunk.iter().flatten().cloned(),
        ))
        .await?;
    }
    Ok(())
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

/// A met deadline as the evaluation reads it (none for rows older than the evaluation).
pub(crate) fn deadline_fact<'a>(
    d: &'a petition_deadline::Model,
    p: &petition::Model,
) -> Option<DeadlineFact<'a>> {
    Some(DeadlineFact {
        clock: &d.clock,
        round: d.round.unwrap_or(Round::Original),
        agency: d.agency_id?,
        officer: d.officer_id,
        petition_kind: p.kind,
        category: p.category,
        started_on: d
            .started_on
            .map_or_else(|| crate::domain::clock::china_date(d.created_at), |s| s.0),
        due_on: d.due_on.0,
        closed_on: d.closed_on?.0,
    })
}

/// A stored event as the evaluation reads it.
fn event_fact<'a>(e: &'a petition_event::Model, p: &petition::Model) -> EventFact<'a> {
    EventFact {
        kind: e.kind,
        day: crate::domain::clock::china_date(e.created_at),
        petition_kind: p.kind,
        category: p.category,
        round: e.round.unwrap_or(Round::Original),
        agency: e.agency_id.unwrap_or(p.agency_id),
        officer: e.officer_id,
        other_agency: e.other_agency_id,
        other_officer: e.other_officer_id,
        detail: e.detail.as_deref(),
    }
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
                "SELECT agency_id, staff_id, day, kind, category, metric, value FROM rollup_days",
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
                "SELECT agency_id, staff_id, month, kind, metric, value FROM rollup_months",
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
    /// one transaction during which no act adds to them (they wait).
    pub async fn rebuild_rollups(&self) -> StoreResult<RebuildReport> {
        let _queue = self.write_guard().await;
        let txn = self.begin_write().await?;
        lock_rollups(&txn).await?;
        txn.execute_unprepared("DELETE FROM rollup_days").await?;
        txn.execute_unprepared("DELETE FROM rollup_months").await?;
        let mut report = RebuildReport::default();
        // A few thousand petitions at a time: their events and deadlines, summed, then added.
        let mut after = 0;
        loop {
            let petitions: Vec<petition::Model> = petition::Entity::find()
                .filter(petition::Column::Id.gt(crate::domain::ids::PetitionId(after)))
                .order_by_asc(petition::Column::Id)
                .limit(2000)
                .all(&txn)
                .await?;
            let Some(last) = petitions.last() else { break };
            after = last.id.0;
            let by_id: HashMap<i32, &petition::Model> =
                petitions.iter().map(|p| (p.id.0, p)).collect();
            let ids: Vec<crate::domain::ids::PetitionId> = petitions.iter().map(|p| p.id).collect();
            let mut contributions = Vec::new();
            for e in petition_event::Entity::find()
                .filter(petition_event::Column::PetitionId.is_in(ids.clone()))
                .all(&txn)
                .await?
            {
                if let Some(p) = by_id.get(&e.petition_id.0) {
                    contributions.extend(crate::domain::evaluation::of_event(&event_fact(&e, p)));
                    report.events += 1;
                }
            }
            for d in petition_deadline::Entity::find()
                .filter(petition_deadline::Column::PetitionId.is_in(ids))
                .filter(
                    petition_deadline::Column::Status.eq(crate::domain::clock::DeadlineStatus::Met),
                )
                .all(&txn)
                .await?
            {
                if let Some(p) = by_id.get(&d.petition_id.0)
                    && let Some(fact) = deadline_fact(&d, p)
                {
                    contributions.extend(crate::domain::evaluation::of_deadline(&fact));
                    report.deadlines += 1;
                }
            }
            add(&txn, &contributions).await?;
        }
        report.day_rows = count(&txn, "rollup_days").await?;
        report.month_rows = count(&txn, "rollup_months").await?;
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
        // The day in China time, as UTC instants.
        let start = day
            .and_hms_opt(0, 0, 0)
            .map(|t| t.and_utc() - chrono::Duration::hours(8))
            .unwrap_or_else(Utc::now);
        let end = start + chrono::Duration::days(1);
        let events = petition_event::Entity::find()
            .filter(petition_event::Column::CreatedAt.gte(start))
            .filter(petition_event::Column::CreatedAt.lt(end))
            .all(&txn)
            .await?;
        let deadlines = petition_deadline::Entity::find()
            .filter(petition_deadline::Column::DueOn.eq(super::types::Day(day)))
            .filter(petition_deadline::Column::Status.eq(crate::domain::clock::DeadlineStatus::Met))
            .all(&txn)
            .await?;
        let mut ids: Vec<crate::domain::ids::PetitionId> = events
            .iter()
            .map(|e| e.petition_id)
            .chain(deadlines.iter().map(|d| d.petition_id))
            .collect();
        ids.sort();
        ids.dedup();
        let mut petitions: HashMap<i32, petition::Model> = HashMap::new();
        for chunk in ids.chunks(500) {
            for p in petition::Entity::find()
                .filter(petition::Column::Id.is_in(chunk.to_vec()))
                .all(&txn)
                .await?
            {
                petitions.insert(p.id.0, p);
            }
        }
        let mut contributions = Vec::new();
        for e in &events {
            if let Some(p) = petitions.get(&e.petition_id.0) {
                contributions.extend(crate::domain::evaluation::of_event(&event_fact(e, p)));
            }
        }
        for d in &deadlines {
            if let Some(p) = petitions.get(&d.petition_id.0)
                && let Some(fact) = deadline_fact(d, p)
            {
                contributions.extend(crate::domain::evaluation::of_deadline(&fact));
            }
        }
        // Only this day's rows: a deadline's contributions are on its due day.
        contributions.retain(|c| c.day == day);
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
                 WHERE {month_days} = {} GROUP BY agency_id, staff_id, {month_days}, kind, metric",
                p(1)
            ),
            [month.into()],
        ))
        .await?;
        txn.commit().await?;
        Ok(())
    }
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
