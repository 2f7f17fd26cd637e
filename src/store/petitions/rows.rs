//! The rows every petition write inserts: a timeline event with who it
//! counts for, evidence files, deadlines, and the next-due date they keep.

use super::*;
use crate::domain::clock::{Deadline, DeadlineStatus};
use crate::domain::evaluation::{Contribution, EventFact};
use crate::domain::events::EventKind;
use crate::domain::ids::{AgencyId, PetitionId};
use crate::domain::workflow::Attribution;
use crate::domain::workflow::Round;
use crate::store::StoreResult;
use crate::store::entities::{evidence, petition, petition_deadline, petition_event};
use crate::store::types::Day;
use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryTrait};

/// A timeline event about to be written, with who it counts for.
pub(in crate::store) struct EventRow<'a> {
    /// The petition as it was before the event.
    pub petition: &'a Petition,
    pub kind: EventKind,
    pub public: bool,
    pub actor: &'a str,
    pub body: String,
    pub at: DateTime<Utc>,
    /// From the workflow's decision; none: the petition's agency and handler.
    pub attribution: Option<&'a Attribution>,
}

impl EventRow<'_> {
    fn attribution(&self) -> Attribution {
        self.attribution.cloned().unwrap_or(Attribution {
            agency: Some(self.petition.agency_id),
            officer: self.petition.handler_id,
            ..Attribution::default()
        })
    }

    pub async fn insert<C: sea_orm::ConnectionTrait>(
        &self,
        conn: &C,
    ) -> Result<petition_event::Model, sea_orm::DbErr> {
        self.active_model().insert(conn).await
    }

    pub(super) fn active_model(&self) -> petition_event::ActiveModel {
        let a = self.attribution();
        petition_event::ActiveModel {
            petition_id: Set(self.petition.id),
            kind: Set(self.kind),
            public: Set(self.public),
            actor: Set(self.actor.to_owned()),
            body: Set(self.body.clone()),
            created_at: Set(self.at),
            agency_id: Set(a.agency),
            officer_id: Set(a.officer),
            other_agency_id: Set(a.other_agency),
            other_officer_id: Set(a.other_officer),
            round: Set(Some(self.petition.round)),
            detail: Set(a.detail),
            body_salt: Set((!self.body.is_empty()).then(crate::audit::new_salt)),
            ..Default::default()
        }
    }

    /// What it adds to the roll-ups.
    pub fn contributions(&self) -> Vec<Contribution> {
        let a = self.attribution();
        crate::domain::evaluation::of_event(&EventFact {
            kind: self.kind,
            day: crate::domain::clock::china_date(self.at),
            petition_kind: self.petition.kind,
            category: self.petition.category,
            round: self.petition.round,
            agency: a.agency.unwrap_or(self.petition.agency_id),
            officer: a.officer,
            other_agency: a.other_agency,
            other_officer: a.other_officer,
            detail: a.detail.as_deref(),
        })
    }
}

pub(super) fn is_unique_violation(e: &sea_orm::DbErr) -> bool {
    matches!(
        e.sql_err(),
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
    )
}

pub(super) async fn insert_files<C: sea_orm::ConnectionTrait>(
    conn: &C,
    petition_id: PetitionId,
    event_id: i64,
    files: &[StoredFile],
    now: DateTime<Utc>,
) -> StoreResult<()> {
    let rows = evidence_rows(petition_id, event_id, files, now);
    if !rows.is_empty() {
        conn.execute(&evidence::Entity::insert_many(rows).into_query())
            .await?;
    }
    Ok(())
}

pub(super) fn evidence_rows(
    petition_id: PetitionId,
    event_id: i64,
    files: &[StoredFile],
    now: DateTime<Utc>,
) -> Vec<evidence::ActiveModel> {
    files
        .iter()
        .map(|f| evidence::ActiveModel {
            petition_id: Set(petition_id),
            event_id: Set(Some(event_id)),
            sha256: Set(f.sha256.clone()),
            file_name: Set(f.file_name.clone()),
            mime: Set(f.mime.clone()),
            size: Set(f.size),
            metadata_removed: Set(f.metadata_removed),
            created_at: Set(now),
            ..Default::default()
        })
        .collect()
}

/// Recomputes `next_due_on` of `ids` from their open agency deadlines, in
/// `conn`'s transaction. A writer that inserts an open deadline calls it
/// (migration 21: no insert trigger; an update of a deadline goes through the
/// trigger). Rows whose date is already right are not written.
pub(crate) async fn refresh_next_due(
    conn: &impl sea_orm::ConnectionTrait,
    ids: &[PetitionId],
) -> Result<(), sea_orm::DbErr> {
    use sea_orm::sea_query::{Expr, Query};
    const NEAREST: &str = "COALESCE((SELECT MIN(d.due_on) FROM petition_deadlines d \
         WHERE d.petition_id = petitions.id AND d.status = 'open' \
         AND d.clock <> 'review_request'), '9999-12-31')";
    if ids.is_empty() {
        return Ok(());
    }
    let update = Query::update()
        .table(petition::Entity)
        .value(petition::Column::NextDueOn, Expr::cust(NEAREST))
        .and_where(petition::Column::Id.is_in(ids.iter().copied()))
        .and_where(Expr::cust(format!("petitions.next_due_on <> {NEAREST}")))
        .to_owned();
    conn.execute(&update).await?;
    Ok(())
}

/// A new deadline row, open, on the clock of `agency_id` in `round`.
pub(in crate::store) fn deadline_row(
    petition_id: PetitionId,
    d: &Deadline,
    (agency_id, round): (AgencyId, Round),
    now: DateTime<Utc>,
) -> petition_deadline::ActiveModel {
    petition_deadline::ActiveModel {
        petition_id: Set(petition_id),
        agency_id: Set(Some(agency_id)),
        round: Set(Some(round)),
        officer_id: Set(None),
        closed_on: Set(None),
        rule_id: Set(d.rule_id.clone()),
        clock: Set(d.clock.clone()),
        started_on: Set(Some(Day(d.started_on))),
        due_on: Set(Day(d.due_on)),
        citation_zh: Set(d.citation_zh.clone()),
        citation_en: Set(d.citation_en.clone()),
        status: Set(DeadlineStatus::Open),
        moved_by: Set(serde_json::json!([])),
        calendar_year: Set(d.calendar_year),
        created_at: Set(now),
        ..Default::default()
    }
}
