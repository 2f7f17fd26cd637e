//! The roll-ups rebuilt exactly from the record (events and met deadlines),
//! a month at a time under a lock; one day recounted; every row listed for
//! comparing an incremental state with a rebuild.

use super::*;
use crate::domain::evaluation::{Contribution, DeadlineFact, EventFact};
use crate::domain::ids::{AgencyId, StaffId};
use crate::domain::workflow::Round;
use crate::store::entities::{petition_deadline, petition_event};
use crate::store::{Store, StoreResult};
use chrono::{Datelike, NaiveDate, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseBackend, DbErr, EntityTrait, QueryFilter, QueryOrder,
    Statement,
};
use std::collections::BTreeMap;

impl Store {
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
    started_on: Option<crate::store::types::Day>,
    created_at: chrono::DateTime<Utc>,
    due_on: crate::store::types::Day,
    closed_on: Option<crate::store::types::Day>,
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
            crate::store::types::Day(from).into(),
            crate::store::types::Day(to).into(),
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
