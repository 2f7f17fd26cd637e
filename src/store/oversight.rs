//! The live side of supervision (执法监督): where each agency's petitions stand
//! now — by stage, overdue and by how long, due this week, extensions and
//! reviews awaiting a decision — read from indexes, never from every row; the
//! lists behind each count; and an officer's acts from the audit trail.

use super::entities::{petition, petition_event};
use super::queues::QueueItem;
use super::rollups::Scope;
use super::types::Day;
use super::{Store, StoreResult};
use crate::domain::events::EventKind;
use crate::domain::ids::{AgencyId, StaffId};
use crate::domain::workflow::State;
use chrono::NaiveDate;
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    Statement, Value,
};
use std::collections::BTreeMap;

/// One agency's petitions now.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Live {
    /// Petitions by stage (every state, including closed ones).
    pub by_stage: BTreeMap<String, i64>,
    /// Open petitions past their nearest deadline, and how long: 1–7 days,
    /// 8–30 days, more than 30 days.
    pub overdue: i64,
    pub overdue_week: i64,
    pub overdue_month: i64,
    pub overdue_longer: i64,
    /// Open petitions whose nearest deadline falls in the next 7 days (today included).
    pub due_week: i64,
    /// Extensions asked for and not yet decided.
    pub extension_pending: i64,
    /// Reviews (复查/复核) requested of this agency and not yet taken up.
    pub review_pending: i64,
}

/// What a list behind an oversight count holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Listing {
    Overdue,
    DueWeek,
    ExtensionPending,
    ReviewPending,
    Stage(State),
    /// Answers returned on approval, urgings, reversals in a period (from the timeline).
    Events(EventKind),
    /// Answers rated unsatisfied in a period.
    Unsatisfied,
}

use super::param as p;

fn id_list(ids: &[AgencyId]) -> String {
    ids.iter()
        .map(|a| a.0.to_string())
        .collect::<Vec<_>>()
        .join(",")
}

impl Store {
    /// Where the petitions of `agencies` stand now, by agency.
    pub async fn live_figures(
        &self,
        agencies: &[AgencyId],
        today: NaiveDate,
    ) -> StoreResult<BTreeMap<AgencyId, Live>> {
        let mut out: BTreeMap<AgencyId, Live> =
            agencies.iter().map(|a| (*a, Live::default())).collect();
        if agencies.is_empty() {
            return Ok(out);
        }
        let backend = self.conn().get_database_backend();
        let ids = id_list(agencies);
        // Stages and pending extensions: one pass over the (agency, status, extension) index.
        let sql = format!(
            "SELECT agency_id, status, extension_pending, COUNT(*) AS n FROM petitions \
             WHERE agency_id IN ({ids}) GROUP BY agency_id, status, extension_pending"
        );
        for r in self
            .conn()
            .query_all_raw(Statement::from_string(backend, sql))
            .await?
        {
            let agency = AgencyId(r.try_get("", "agency_id")?);
            let status: String = r.try_get("", "status")?;
            let pending: bool = r.try_get("", "extension_pending")?;
            let n: i64 = r.try_get("", "n")?;
            let live = out.entry(agency).or_default();
            *live.by_stage.entry(status.clone()).or_insert(0) += n;
            if status == State::ReviewRequested.as_str() {
                live.review_pending += n;
            }
            if pending && State::parse(&status).is_some_and(State::is_open) {
                live.extension_pending += n;
            }
        }
        // Overdue by age and due this week: ranges of the (agency, next due) index.
        let day = |d: NaiveDate| -> Value { Day(d).into() };
        let sql = format!(
            "SELECT agency_id, \
             SUM(CASE WHEN next_due_on < {t} THEN 1 ELSE 0 END) AS overdue, \
             SUM(CASE WHEN next_due_on < {t} AND next_due_on >= {w} THEN 1 ELSE 0 END) AS overdue_week, \
             SUM(CASE WHEN next_due_on < {w} AND next_due_on >= {m} THEN 1 ELSE 0 END) AS overdue_month, \
             SUM(CASE WHEN next_due_on < {m} THEN 1 ELSE 0 END) AS overdue_longer, \
             SUM(CASE WHEN next_due_on >= {t} THEN 1 ELSE 0 END) AS due_week \
             FROM petitions WHERE agency_id IN ({ids}) AND next_due_on < {e} GROUP BY agency_id",
            t = p(backend, 1),
            w = p(backend, 2),
            m = p(backend, 3),
            e = p(backend, 4),
        );
        let values = [
            day(today),
            day(today - chrono::Days::new(7)),
            day(today - chrono::Days::new(30)),
            day(today + chrono::Days::new(7)),
        ];
        for r in self
            .conn()
            .query_all_raw(Statement::from_sql_and_values(backend, sql, values))
            .await?
        {
            let agency = AgencyId(r.try_get("", "agency_id")?);
            let get =
                |c: &str| -> StoreResult<i64> { Ok(r.try_get::<Option<i64>>("", c)?.unwrap_or(0)) };
            let live = out.entry(agency).or_default();
            live.overdue = get("overdue")?;
            live.overdue_week = get("overdue_week")?;
            live.overdue_month = get("overdue_month")?;
            live.overdue_longer = get("overdue_longer")?;
            live.due_week = get("due_week")?;
        }
        Ok(out)
    }

    /// Open deadlines of `scope` that fell due in `from..=to` and are still
    /// open after their last day (before `today`): `overdue:<clock>:<round>` → count.
    /// They count as late in the on-time rates.
    pub async fn open_overdue_clocks(
        &self,
        scope: &Scope,
        from: NaiveDate,
        to: NaiveDate,
        today: NaiveDate,
    ) -> StoreResult<BTreeMap<String, i64>> {
        let last = to.min(today.pred_opt().unwrap_or(today));
        if last < from {
            return Ok(BTreeMap::new());
        }
        let backend = self.conn().get_database_backend();
        let (from_tables, filter, mut values): (&str, String, Vec<Value>) = match scope {
            Scope::Agencies(ids) if ids.is_empty() => return Ok(BTreeMap::new()),
            Scope::Agencies(ids) => (
                "petition_deadlines d",
                format!("d.agency_id IN ({})", id_list(ids)),
                vec![],
            ),
            // From the officer's petitions that have an agency deadline open
            // past its last day (their `next_due_on` is at most that day): a
            // range of the (handler, next due) index, then their deadlines.
            // CROSS JOIN keeps SQLite from starting at every open deadline of
            // the period instead; PostgreSQL plans it as the inner join it is.
            Scope::Officer(id) => (
                "petitions p CROSS JOIN petition_deadlines d",
                format!(
                    "d.petition_id = p.id AND p.handler_id = {} AND p.next_due_on <= {}",
                    p(backend, 1),
                    p(backend, 2)
                ),
                vec![id.0.into(), Day(last).into()],
            ),
        };
        let n = values.len();
        values.push(Day(from).into());
        values.push(Day(last).into());
        let sql = format!(
            "SELECT d.clock, d.round, COUNT(*) AS n FROM {from_tables} \
             WHERE {filter} AND d.status = 'open' AND d.clock <> 'review_request' \
             AND d.due_on >= {} AND d.due_on <= {} \
             GROUP BY d.clock, d.round",
            p(backend, n + 1),
            p(backend, n + 2)
        );
        let mut out = BTreeMap::new();
        for r in self
            .conn()
            .query_all_raw(Statement::from_sql_and_values(backend, sql, values))
            .await?
        {
            let clock: String = r.try_get("", "clock")?;
            let round: Option<String> = r.try_get("", "round")?;
            let n: i64 = r.try_get("", "n")?;
            *out.entry(format!(
                "overdue:{clock}:{}",
                round.as_deref().unwrap_or("original")
            ))
            .or_insert(0) += n;
        }
        Ok(out)
    }

    /// The petitions behind an oversight count, the most pressing first, 100 a page.
    pub async fn oversight_list(
        &self,
        agency: AgencyId,
        viewer_name: &str,
        listing: Listing,
        today: NaiveDate,
        period: (NaiveDate, NaiveDate),
        page: u64,
    ) -> StoreResult<Vec<QueueItem>> {
        let mut q = petition::Entity::find()
            .select_only()
            .columns([
                petition::Column::Id,
                petition::Column::TrackingNumber,
                petition::Column::Kind,
                petition::Column::Category,
                petition::Column::Title,
                petition::Column::Status,
                petition::Column::HandlerId,
                petition::Column::ReceivedAt,
                petition::Column::UpdatedAt,
                petition::Column::NextDueOn,
            ])
            .filter(petition::Column::AgencyId.eq(agency))
            // 回避: an overseer named in a petition does not see it listed.
            .filter(super::petitions::not_naming(viewer_name));
        let due = petition::Column::NextDueOn;
        q = match listing {
            Listing::Overdue => q.filter(due.lt(Day(today))).order_by_asc(due),
            Listing::DueWeek => q
                .filter(due.gte(Day(today)))
                .filter(due.lt(Day(today + chrono::Days::new(7))))
                .order_by_asc(due),
            Listing::ExtensionPending => q
                .filter(petition::Column::ExtensionPending.eq(true))
                .filter(
                    petition::Column::Status.is_in(State::ALL.into_iter().filter(|s| s.is_open())),
                )
                .order_by_asc(due),
            Listing::ReviewPending => q
                .filter(petition::Column::Status.eq(State::ReviewRequested))
                .order_by_asc(petition::Column::UpdatedAt),
            Listing::Stage(s) => q.filter(petition::Column::Status.eq(s)).order_by_asc(due),
            Listing::Events(_) | Listing::Unsatisfied => {
                let (kind, detail) = match listing {
                    Listing::Events(kind) => (kind, None),
                    _ => (EventKind::Rated, Some("unsatisfied")),
                };
                // Petitions with such an event in the period at this agency.
                let (from, to) = period;
                let start = from
                    .and_hms_opt(0, 0, 0)
                    .map(|t| t.and_utc() - chrono::Duration::hours(8));
                let end = to
                    .succ_opt()
                    .and_then(|d| d.and_hms_opt(0, 0, 0))
                    .map(|t| t.and_utc() - chrono::Duration::hours(8));
                let mut events = petition_event::Entity::find()
                    .select_only()
                    .column(petition_event::Column::PetitionId)
                    .filter(petition_event::Column::Kind.eq(kind));
                events = match kind {
                    // A reversal counts against the answer it changed.
                    EventKind::Answered => events
                        .filter(petition_event::Column::OtherAgencyId.eq(agency))
                        .filter(petition_event::Column::Detail.eq("changed")),
                    _ => events.filter(petition_event::Column::AgencyId.eq(agency)),
                };
                if let Some(detail) = detail {
                    events = events.filter(petition_event::Column::Detail.eq(detail));
                }
                if let (Some(s), Some(e)) = (start, end) {
                    events = events
                        .filter(petition_event::Column::CreatedAt.gte(s))
                        .filter(petition_event::Column::CreatedAt.lt(e));
                }
                let ids: Vec<crate::domain::ids::PetitionId> =
                    events.into_tuple().all(self.conn()).await?;
                petition::Entity::find()
                    .select_only()
                    .columns([
                        petition::Column::Id,
                        petition::Column::TrackingNumber,
                        petition::Column::Kind,
                        petition::Column::Category,
                        petition::Column::Title,
                        petition::Column::Status,
                        petition::Column::HandlerId,
                        petition::Column::ReceivedAt,
                        petition::Column::UpdatedAt,
                        petition::Column::NextDueOn,
                    ])
                    .filter(Condition::all().add(petition::Column::Id.is_in(ids)))
                    .filter(super::petitions::not_naming(viewer_name))
                    .order_by_desc(petition::Column::UpdatedAt)
            }
        };
        Ok(q.order_by_asc(petition::Column::Id)
            .offset(page.saturating_sub(1) * 100)
            .limit(100)
            .into_model::<QueueItem>()
            .all(self.conn())
            .await?)
    }

    /// The audit entries of `staff`'s acts, newest first, within `from..=to`
    /// (China dates); `limit` 0 for all.
    pub async fn acts_of(
        &self,
        staff: StaffId,
        from: NaiveDate,
        to: NaiveDate,
        offset: u64,
        limit: u64,
    ) -> StoreResult<(Vec<crate::audit::Entry>, u64)> {
        let backend = self.conn().get_database_backend();
        let instant = |d: NaiveDate| {
            d.and_hms_opt(0, 0, 0)
                .map(|t| t.and_utc() - chrono::Duration::hours(8))
                .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true))
                .unwrap_or_default()
        };
        let (start, end) = (instant(from), instant(to + chrono::Days::new(1)));
        let actor = format!("staff:{staff}");
        let where_ = format!(
            "actor = {} AND at >= {} AND at < {}",
            p(backend, 1),
            p(backend, 2),
            p(backend, 3)
        );
        let values = || -> Vec<Value> {
            vec![
                actor.clone().into(),
                start.clone().into(),
                end.clone().into(),
            ]
        };
        let total = self
            .conn()
            .query_one_raw(Statement::from_sql_and_values(
                backend,
                format!("SELECT COUNT(*) AS n FROM audit_log WHERE {where_}"),
                values(),
            ))
            .await?
            .and_then(|r| r.try_get::<i64>("", "n").ok())
            .map_or(0, |n| u64::try_from(n).unwrap_or(0));
        let limit = if limit == 0 {
            "".to_owned()
        } else {
            format!(" LIMIT {limit} OFFSET {offset}")
        };
        let rows = self
            .conn()
            .query_all_raw(Statement::from_sql_and_values(
                backend,
                format!(
                    "SELECT id, at, actor, action, subject, before, after, prev_hash, hash FROM audit_log \
                     WHERE {where_} ORDER BY at DESC, id DESC{limit}"
                ),
                values(),
            ))
            .await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            out.push(crate::audit::Entry {
                id: r.try_get("", "id")?,
                at: r.try_get("", "at")?,
                actor: r.try_get("", "actor")?,
                action: r.try_get("", "action")?,
                subject: r.try_get("", "subject")?,
                before: r.try_get("", "before")?,
                after: r.try_get("", "after")?,
                prev_hash: r.try_get("", "prev_hash")?,
                hash: r.try_get("", "hash")?,
            });
        }
        Ok((out, total))
    }

    /// When the first petition was received (none before any).
    pub async fn first_received_at(&self) -> StoreResult<Option<chrono::DateTime<chrono::Utc>>> {
        Ok(petition::Entity::find()
            .select_only()
            .column_as(petition::Column::ReceivedAt.min(), "first")
            .into_tuple::<Option<chrono::DateTime<chrono::Utc>>>()
            .one(self.conn())
            .await?
            .flatten())
    }

    /// The tracking numbers and titles of petitions by id (to name the subject of an act).
    pub async fn petition_titles(
        &self,
        ids: &[crate::domain::ids::PetitionId],
    ) -> StoreResult<BTreeMap<crate::domain::ids::PetitionId, (String, String)>> {
        let mut out = BTreeMap::new();
        for chunk in ids.chunks(500) {
            let rows: Vec<(crate::domain::ids::PetitionId, String, String)> =
                petition::Entity::find()
                    .select_only()
                    .columns([
                        petition::Column::Id,
                        petition::Column::TrackingNumber,
                        petition::Column::Title,
                    ])
                    .filter(petition::Column::Id.is_in(chunk.to_vec()))
                    .into_tuple()
                    .all(self.conn())
                    .await?;
            for (id, tn, title) in rows {
                out.insert(id, (tn, title));
            }
        }
        Ok(out)
    }

    /// The tracking number, title and handler of petitions by id (to name
    /// the petition and who has it).
    pub async fn petition_heads(
        &self,
        ids: &[crate::domain::ids::PetitionId],
    ) -> StoreResult<BTreeMap<crate::domain::ids::PetitionId, (String, String, Option<StaffId>)>>
    {
        let mut out = BTreeMap::new();
        for chunk in ids.chunks(500) {
            let rows: Vec<(
                crate::domain::ids::PetitionId,
                String,
                String,
                Option<StaffId>,
            )> = petition::Entity::find()
                .select_only()
                .columns([
                    petition::Column::Id,
                    petition::Column::TrackingNumber,
                    petition::Column::Title,
                    petition::Column::HandlerId,
                ])
                .filter(petition::Column::Id.is_in(chunk.to_vec()))
                .into_tuple()
                .all(self.conn())
                .await?;
            out.extend(rows.into_iter().map(|(id, tn, t, h)| (id, (tn, t, h))));
        }
        Ok(out)
    }
}
