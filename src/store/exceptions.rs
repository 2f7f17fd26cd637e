//! What is wrong in an agency's tree now (`domain::exceptions`): the store
//! finds each kind of problem from an index range — overdue and due soon
//! from (agency, next due), stalled from (agency, status) and the last act,
//! returns, reversals, unsatisfied ratings and repeats from (kind, created
//! at) over the look-back window — at most `limit` of each, then names the
//! petitions and their clocks. The domain ranks them.

use super::entities::{petition, petition_deadline, petition_event};
use super::types::Day;
use super::{Store, StoreResult};
use crate::domain::clock::china_date;
use crate::domain::events::EventKind;
use crate::domain::exceptions::{ExceptionKind, Sighting, Window};
use crate::domain::ids::{AgencyId, PetitionId, StaffId};
use crate::domain::workflow::State;
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, Condition, EntityTrait, Order, QueryFilter, QueryOrder, QuerySelect};
use std::collections::BTreeMap;

#[derive(Debug, Clone, sea_orm::FromQueryResult)]
struct Row {
    id: PetitionId,
    tracking_number: String,
    title: String,
    agency_id: AgencyId,
    handler_id: Option<StaffId>,
    status: State,
    next_due_on: Day,
    received_at: DateTime<Utc>,
    acted_at: Option<DateTime<Utc>>,
}

/// An event that makes a problem: its petition, who it counts for, when.
struct Mark {
    kind: ExceptionKind,
    petition: PetitionId,
    agency: AgencyId,
    officer: Option<StaffId>,
    day: NaiveDate,
    times: i64,
    /// An unsatisfied rating's reason (the event's body).
    note: Option<String>,
}

/// The first instant of a China day, in UTC.
fn start_of(day: NaiveDate) -> DateTime<Utc> {
    day.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc() - chrono::Duration::hours(8)
}

fn rows() -> sea_orm::Select<petition::Entity> {
    petition::Entity::find().select_only().columns([
        petition::Column::Id,
        petition::Column::TrackingNumber,
        petition::Column::Title,
        petition::Column::AgencyId,
        petition::Column::HandlerId,
        petition::Column::Status,
        petition::Column::NextDueOn,
        petition::Column::ReceivedAt,
        petition::Column::ActedAt,
    ])
}

impl Store {
    /// The problems of `agencies` now (see the module), without those that
    /// name `viewer_name` (回避).
    pub async fn exception_sightings(
        &self,
        agencies: &[AgencyId],
        viewer_name: &str,
        w: &Window,
    ) -> StoreResult<Vec<Sighting>> {
        if agencies.is_empty() {
            return Ok(Vec::new());
        }
        let limit = u64::from(w.limit);
        let scoped = || {
            rows()
                .filter(petition::Column::AgencyId.is_in(agencies.to_vec()))
                .filter(super::petitions::not_naming(viewer_name))
        };
        let due = petition::Column::NextDueOn;
        let overdue: Vec<Row> = scoped()
            .filter(due.lt(Day(w.today)))
            .order_by_asc(due)
            .limit(limit)
            .into_model()
            .all(self.conn())
            .await?;
        let soon: Vec<Row> = scoped()
            .filter(due.gte(Day(w.today)))
            .filter(due.lte(Day(w.due_soon_until)))
            .order_by_asc(due)
            .limit(limit)
            .into_model()
            .all(self.conn())
            .await?;
        let before = start_of(w.stalled_before);
        let last_act = Expr::cust("COALESCE(acted_at, received_at)");
        let stalled: Vec<Row> = scoped()
            .filter(petition::Column::Status.is_in(State::ALL.into_iter().filter(|s| s.is_open())))
            .filter(petition::Column::ClockStoppedOn.is_null())
            .filter(
                Condition::any()
                    .add(petition::Column::ActedAt.lt(before))
                    .add(
                        Condition::all()
                            .add(petition::Column::ActedAt.is_null())
                            .add(petition::Column::ReceivedAt.lt(before)),
                    ),
            )
            .order_by(last_act, Order::Asc)
            .limit(limit)
            .into_model()
            .all(self.conn())
            .await?;
        let marks = self.marks(agencies, w).await?;

        let mut out = Vec::new();
        let clocks = self
            .nearest_clocks(overdue.iter().chain(&soon).map(|r| r.id).collect())
            .await?;
        for (kind, list) in [
            (ExceptionKind::Overdue, &overdue),
            (ExceptionKind::DueSoon, &soon),
        ] {
            for r in list {
                let Some(day) = r.next_due_on.date() else {
                    continue;
                };
                out.push(sighting(kind, r, day, clocks.get(&r.id).cloned(), 1));
            }
        }
        for r in &stalled {
            let day = china_date(r.acted_at.unwrap_or(r.received_at));
            out.push(sighting(ExceptionKind::Stalled, r, day, None, 1));
        }
        // The petitions the marks are on, named (and screened for 回避).
        let mut ids: Vec<PetitionId> = marks.iter().map(|m| m.petition).collect();
        ids.sort();
        ids.dedup();
        let mut named: BTreeMap<PetitionId, Row> = BTreeMap::new();
        for chunk in ids.chunks(500) {
            let found: Vec<Row> = rows()
                .filter(petition::Column::Id.is_in(chunk.to_vec()))
                .filter(super::petitions::not_naming(viewer_name))
                .into_model()
                .all(self.conn())
                .await?;
            named.extend(found.into_iter().map(|r| (r.id, r)));
        }
        for m in marks {
            let Some(r) = named.get(&m.petition) else {
                continue;
            };
            // Repeated returns matter while the petition is still being handled.
            if m.kind == ExceptionKind::Returned && !r.status.is_open() {
                continue;
            }
            let mut s = sighting(m.kind, r, m.day, None, m.times);
            s.note = m.note;
            s.agency_id = m.agency;
            s.handler_id = m.officer.or(r.handler_id);
            out.push(s);
        }
        Ok(out)
    }

    /// Returns, reversals, unsatisfied ratings and repeats in the window,
    /// one mark per petition and kind (the latest; returns counted).
    async fn marks(&self, agencies: &[AgencyId], w: &Window) -> StoreResult<Vec<Mark>> {
        type Ev = (
            PetitionId,
            EventKind,
            Option<AgencyId>,
            Option<StaffId>,
            Option<AgencyId>,
            Option<StaffId>,
            DateTime<Utc>,
            String,
        );
        let since = start_of(w.since);
        let mut found: BTreeMap<(ExceptionKind, PetitionId), Mark> = BTreeMap::new();
        for (kind, events, detail) in [
            (ExceptionKind::Returned, vec![EventKind::Returned], None),
            (
                ExceptionKind::Reversed,
                vec![EventKind::Answered],
                Some("changed"),
            ),
            (
                ExceptionKind::Unsatisfied,
                vec![EventKind::Rated],
                Some("unsatisfied"),
            ),
            (
                ExceptionKind::RaisedAgain,
                vec![EventKind::MergedIn, EventKind::Linked],
                None,
            ),
        ] {
            // A reversal counts against the agency and handler whose answer it changed.
            let agency_col = if kind == ExceptionKind::Reversed {
                petition_event::Column::OtherAgencyId
            } else {
                petition_event::Column::AgencyId
            };
            let mut q = petition_event::Entity::find()
                .select_only()
                .columns([
                    petition_event::Column::PetitionId,
                    petition_event::Column::Kind,
                    petition_event::Column::AgencyId,
                    petition_event::Column::OfficerId,
                    petition_event::Column::OtherAgencyId,
                    petition_event::Column::OtherOfficerId,
                    petition_event::Column::CreatedAt,
                ])
                // The body only where it is the petitioner's reason: an
                // answer's or a return's text is not read for the list.
                .expr(if kind == ExceptionKind::Unsatisfied {
                    sea_orm::sea_query::Expr::col(petition_event::Column::Body)
                } else {
                    sea_orm::sea_query::Expr::val("")
                })
                .filter(petition_event::Column::Kind.is_in(events))
                .filter(petition_event::Column::CreatedAt.gte(since))
                .filter(agency_col.is_in(agencies.to_vec()));
            if let Some(detail) = detail {
                q = q.filter(petition_event::Column::Detail.eq(detail));
            }
            let rows: Vec<Ev> = q
                .order_by_desc(petition_event::Column::CreatedAt)
                .limit(u64::from(w.limit) * 4)
                .into_tuple()
                .all(self.conn())
                .await?;
            for (petition, _, agency, officer, other_agency, other_officer, at, body) in rows {
                let (agency, officer) = if kind == ExceptionKind::Reversed {
                    (other_agency, other_officer)
                } else {
                    (agency, officer)
                };
                let Some(agency) = agency else { continue };
                let mark = found.entry((kind, petition)).or_insert(Mark {
                    kind,
                    petition,
                    agency,
                    officer,
                    day: china_date(at),
                    times: 0,
                    note: Some(body).filter(|b| !b.trim().is_empty()),
                });
                mark.times += 1;
            }
        }
        let threshold = i64::from(w.returned_at_least);
        let mut marks: Vec<Mark> = found
            .into_values()
            .filter(|m| m.kind != ExceptionKind::Returned || m.times >= threshold)
            .collect();
        marks.sort_by_key(|m| std::cmp::Reverse(m.day));
        let mut per_kind: BTreeMap<ExceptionKind, u32> = BTreeMap::new();
        marks.retain(|m| {
            let n = per_kind.entry(m.kind).or_insert(0);
            *n += 1;
            *n <= w.limit
        });
        Ok(marks)
    }

    /// The clock of each petition's nearest open agency deadline.
    async fn nearest_clocks(
        &self,
        ids: Vec<PetitionId>,
    ) -> StoreResult<BTreeMap<PetitionId, String>> {
        let mut out: BTreeMap<PetitionId, (Day, String)> = BTreeMap::new();
        for chunk in ids.chunks(500) {
            let rows: Vec<(PetitionId, String, Day)> = petition_deadline::Entity::find()
                .select_only()
                .columns([
                    petition_deadline::Column::PetitionId,
                    petition_deadline::Column::Clock,
                    petition_deadline::Column::DueOn,
                ])
                .filter(petition_deadline::Column::PetitionId.is_in(chunk.to_vec()))
                .filter(
                    petition_deadline::Column::Status
                        .eq(crate::domain::clock::DeadlineStatus::Open),
                )
                .filter(petition_deadline::Column::Clock.ne("review_request"))
                .into_tuple()
                .all(self.conn())
                .await?;
            for (id, clock, due) in rows {
                let e = out.entry(id).or_insert((due, clock.clone()));
                if due < e.0 {
                    *e = (due, clock);
                }
            }
        }
        Ok(out.into_iter().map(|(id, (_, c))| (id, c)).collect())
    }
}

fn sighting(
    kind: ExceptionKind,
    r: &Row,
    day: NaiveDate,
    clock: Option<String>,
    times: i64,
) -> Sighting {
    Sighting {
        kind,
        petition_id: r.id,
        tracking_number: r.tracking_number.clone(),
        title: r.title.clone(),
        agency_id: r.agency_id,
        handler_id: r.handler_id,
        clock,
        day,
        times,
        order_id: None,
        note: None,
    }
}
