//! Applying a workflow decision: the petition row (guarded by its version),
//! the timeline event, the deadlines, the audit entry and the outbox rows, in
//! one transaction. The decision itself — and everything it implies, down to
//! the texts and the moved dates — is `domain::workflow::decide`'s.

use super::entities::{petition, petition_deadline};
use super::outbox::{Indexed, Outbox};
use super::petitions::{EventRow, Petition, deadline_row};
use super::types::Day;
use super::{Store, StoreError, StoreResult};
use crate::domain::clock::DeadlineStatus;
use crate::domain::ids::{AgencyId, PetitionId};
use crate::domain::petition::{PetitionCategory, PetitionKind};
use crate::domain::workflow::Outcome;
use chrono::Utc;
use sea_orm::sea_query::Query;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
};

impl Store {
    /// Applies `outcome` if the petition is still at `p.version`; `Conflict` otherwise.
    /// `link`: a link to the other petition written with it (a merge);
    /// `letter`: the answer letter or notice it issues, frozen (`domain::letter`).
    #[allow(clippy::too_many_arguments)]
    pub async fn apply_outcome(
        &self,
        p: &Petition,
        actor: &str,
        command: &str,
        outcome: &Outcome,
        link: Option<&super::duplicates::NewLink<'_>>,
        letter: Option<&crate::domain::issued::Facts>,
        now: chrono::DateTime<Utc>,
    ) -> StoreResult<i32> {
        let _lock = crate::audit::APPEND_LOCK.lock().await;
        let txn = self.begin_write().await?;
        let n = &outcome.new;
        let update = versioned_update(p, outcome, now);
        if txn.execute(&update).await?.rows_affected() != 1 {
            txn.rollback().await?;
            let current = self.petition_by_id(p.id).await.map_or(0, |c| c.version);
            return Err(StoreError::Conflict { current });
        }
        let row = EventRow {
            petition: p,
            kind: outcome.event_kind,
            public: outcome.public,
            actor,
            body: outcome.body.clone(),
            at: now,
            attribution: Some(&outcome.attribution),
        };
        let event = row.insert(&txn).await?;
        if outcome.event_kind == crate::domain::events::EventKind::Drafted {
            // Submitted: the saved draft it came from is done with.
            super::drafts::remove(&txn, p.id).await?;
        }
        if let Some(link) = link {
            self.write_link(&txn, p, link, actor, now).await?;
        }
        if let Some(letter) = letter {
            super::letters::insert_issued(&txn, p.id, n.agency_id, Some(event.id), letter, now)
                .await?;
        }
        let mut contributions = row.contributions();
        contributions.extend(apply_clocks(&txn, p, outcome, now).await?);
        let before = serde_json::json!({ "status": p.status, "agency_id": p.agency_id, "handler_id": p.handler_id, "version": p.version });
        // The text is committed to, not copied (`audit::commitment`).
        let body =
            crate::audit::commitment(event.body_salt.as_deref().unwrap_or_default(), &event.body);
        let after = serde_json::json!({ "status": n.state, "agency_id": n.agency_id, "handler_id": n.handler_id, "version": p.version + 1, "event": event.id, "body_sha256": body });
        crate::audit::append_at(
            &txn,
            now,
            actor,
            command,
            &format!("petition:{}", p.id),
            &before,
            &after,
        )
        .await?;
        super::rollups::add(&txn, &contributions).await?;
        let mut outbox = Outbox::new();
        outbox
            .event(
                p.id,
                event.id,
                outcome.event_kind,
                outcome.public,
                p.reach(),
            )
            // A petition's state is searched by staff; a published answer moves with a review.
            .index(Indexed::Petition(p.id))
            .index(Indexed::Answer(p.id));
        if let Some(link) = link {
            outbox.index(Indexed::Petition(link.other.id));
        }
        self.finish(txn, outbox).await?;
        self.invalidate_status(p.id);
        if let Some(link) = link {
            self.invalidate_status(link.other.id);
        }
        Ok(p.version + 1)
    }

    /// Records in the audit trail that `actor` read something sensitive (a reporter's identity).
    pub async fn audit_read(&self, actor: &str, action: &str, subject: &str) -> StoreResult<()> {
        let _lock = crate::audit::APPEND_LOCK.lock().await;
        let txn = self.begin_write().await?;
        crate::audit::append(
            &txn,
            actor,
            action,
            subject,
            &serde_json::Value::Null,
            &serde_json::Value::Null,
        )
        .await?;
        txn.commit().await?;
        Ok(())
    }

    /// Like [`Store::audit_read`], once a day: nothing is written when the
    /// trail already shows `actor` reading `subject` since midnight (China
    /// time). Who read whose record, and on which days, stays in the trail;
    /// a page read again and again does not write each time. Two first reads
    /// at the same moment may both be written, which is harmless.
    pub async fn audit_read_daily(
        &self,
        actor: &str,
        action: &str,
        subject: &str,
    ) -> StoreResult<()> {
        use sea_orm::ConnectionTrait;
        let backend = self.conn().get_database_backend();
        let today = crate::domain::clock::china_date(Utc::now());
        let midnight = today
            .and_hms_opt(0, 0, 0)
            .map(|t| t.and_utc() - chrono::Duration::hours(8))
            .unwrap_or_else(Utc::now)
            .to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
        let p = |n: usize| match backend {
            sea_orm::DatabaseBackend::Postgres => format!("${n}"),
            _ => format!("?{n}"),
        };
        let seen = self
            .conn()
            .query_one_raw(sea_orm::Statement::from_sql_and_values(
                backend,
                format!(
                    "SELECT id FROM audit_log WHERE actor = {} AND at >= {} AND action = {} AND subject = {} LIMIT 1",
                    p(1),
                    p(2),
                    p(3),
                    p(4)
                ),
                [actor.into(), midnight.into(), action.into(), subject.into()],
            ))
            .await?;
        if seen.is_some() {
            return Ok(());
        }
        self.audit_read(actor, action, subject).await
    }
}

/// A published answer (答复公开), as the public page shows it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct PublicAnswer {
    pub id: PetitionId,
    pub title: String,
    pub answer: String,
    pub agency_id: AgencyId,
    pub kind: PetitionKind,
    pub category: PetitionCategory,
    pub published_at: chrono::DateTime<Utc>,
}

impl Store {
    /// Publishes (or re-publishes) the redacted answer of a petition, with its audit
    /// entry and its search update, in one transaction.
    pub async fn publish_answer(
        &self,
        petition_id: PetitionId,
        answer: &crate::domain::published::PublishedAnswer,
        actor: &str,
    ) -> StoreResult<()> {
        let _lock = crate::audit::APPEND_LOCK.lock().await;
        let txn = self.begin_write().await?;
        petition::ActiveModel {
            id: Set(petition_id),
            public_title: Set(Some(answer.title.clone())),
            public_answer: Set(Some(answer.answer.clone())),
            answer_published_at: Set(Some(Utc::now())),
            ..Default::default()
        }
        .update(&txn)
        .await?;
        crate::audit::append(
            &txn,
            actor,
            "publish_answer",
            &format!("petition:{petition_id}"),
            &serde_json::Value::Null,
            &serde_json::json!({ "title": answer.title, "answer": answer.answer }),
        )
        .await?;
        let mut outbox = Outbox::new();
        outbox.index(Indexed::Answer(petition_id));
        self.finish(txn, outbox).await
    }

    pub async fn public_answer(&self, id: PetitionId) -> StoreResult<PublicAnswer> {
        let p = petition::Entity::find_by_id(id)
            .filter(petition::Column::AnswerPublishedAt.is_not_null())
            .one(self.conn())
            .await?
            .ok_or(StoreError::NotFound)?;
        Ok(PublicAnswer {
            id: p.id,
            title: p.public_title.unwrap_or_default(),
            answer: p.public_answer.unwrap_or_default(),
            agency_id: p.agency_id,
            kind: p.kind,
            category: p.category,
            published_at: p.answer_published_at.ok_or(StoreError::NotFound)?,
        })
    }
}

/// The petition row's new state, written only if it is still at `p.version`.
fn versioned_update(
    p: &Petition,
    outcome: &Outcome,
    now: chrono::DateTime<Utc>,
) -> sea_orm::sea_query::UpdateStatement {
    let n = &outcome.new;
    Query::update()
        .table(petition::Entity)
        .value(petition::Column::Status, n.state)
        .value(petition::Column::Round, n.round)
        .value(petition::Column::AgencyId, n.agency_id)
        .value(petition::Column::HandlerId, n.handler_id)
        .value(petition::Column::DraftAuthorId, n.draft_author_id)
        .value(petition::Column::ExtensionUsed, n.extension_used)
        .value(petition::Column::ExtensionPending, n.extension_pending)
        .value(
            petition::Column::ExtensionDays,
            i32::try_from(n.extension_days).unwrap_or(0),
        )
        .value(petition::Column::Rating, n.rating)
        .value(petition::Column::AnsweredOn, n.answered_on.map(Day))
        .value(petition::Column::DraftText, n.draft_text.clone())
        .value(petition::Column::AnswerText, n.answer_text.clone())
        .value(
            petition::Column::ClockStoppedOn,
            n.clock_stopped_on.map(Day),
        )
        .value(petition::Column::ReviewedAgencyId, n.reviewed_agency_id)
        .value(petition::Column::ReviewedHandlerId, n.reviewed_handler_id)
        .value(petition::Column::ReviewOutcome, n.review_outcome)
        .value(
            petition::Column::ConcludedOn,
            crate::domain::retention::concluded_on(n.state, n.answered_on, outcome.on).map(Day),
        )
        .value(petition::Column::Version, p.version + 1)
        .value(petition::Column::UpdatedAt, now)
        .value(petition::Column::ActedAt, now)
        .and_where(petition::Column::Id.eq(p.id))
        .and_where(petition::Column::Version.eq(p.version))
        .to_owned()
}

/// The outcome's clocks in `txn`: the deadlines it meets are closed (each
/// counting on time or late for whoever is responsible — returned as the
/// roll-up contributions), those it starts replace the open ones of their
/// clock, and a moved conclusion clock keeps its move with it.
async fn apply_clocks(
    txn: &sea_orm::DatabaseTransaction,
    p: &Petition,
    outcome: &Outcome,
    now: chrono::DateTime<Utc>,
) -> StoreResult<Vec<crate::domain::evaluation::Contribution>> {
    let n = &outcome.new;
    let mut met_now = Vec::new();
    let open = |clock: sea_orm::Condition| {
        Query::update()
            .table(petition_deadline::Entity)
            .and_where(petition_deadline::Column::PetitionId.eq(p.id))
            .and_where(petition_deadline::Column::Status.eq(DeadlineStatus::Open))
            .cond_where(clock)
            .to_owned()
    };
    let closed_on = Some(Day(outcome.on));
    if !outcome.stop_clocks.is_empty() {
        // Met now, by whoever is responsible: each counts on time or late.
        let met = petition_deadline::Entity::find()
            .filter(petition_deadline::Column::PetitionId.eq(p.id))
            .filter(petition_deadline::Column::Status.eq(DeadlineStatus::Open))
            .filter(petition_deadline::Column::Clock.is_in(outcome.stop_clocks.iter().copied()))
            .all(txn)
            .await?;
        for d in met {
            let closed = petition_deadline::ActiveModel {
                id: Set(d.id),
                status: Set(DeadlineStatus::Met),
                closed_on: Set(closed_on),
                officer_id: Set(outcome.attribution.officer),
                ..Default::default()
            }
            .update(txn)
            .await?;
            let read = super::rollups::DeadlineRead::of(&closed, p.kind, p.category);
            if let Some(fact) = read.fact() {
                met_now.extend(crate::domain::evaluation::of_deadline(&fact));
            }
        }
    }
    for d in &outcome.start_deadlines {
        let mut replace = open(
            sea_orm::Condition::all().add(petition_deadline::Column::Clock.eq(d.clock.clone())),
        );
        replace.value(petition_deadline::Column::Status, DeadlineStatus::Replaced);
        replace.value(petition_deadline::Column::ClosedOn, closed_on);
        txn.execute(&replace).await?;
        deadline_row(p.id, d, (n.agency_id, n.round), now)
            .insert(txn)
            .await?;
    }
    if !outcome.start_deadlines.is_empty() {
        super::petitions::refresh_next_due(txn, &[p.id]).await?;
    }
    if let (Some(due), Some(days)) = (outcome.conclusion_due_on, outcome.extend_conclusion_by)
        && let Some(d) = petition_deadline::Entity::find()
            .filter(petition_deadline::Column::PetitionId.eq(p.id))
            .filter(petition_deadline::Column::Status.eq(DeadlineStatus::Open))
            .filter(petition_deadline::Column::Clock.eq("conclusion"))
            .one(txn)
            .await?
    {
        // The move is kept with the deadline, so it is counted again if the calendar changes.
        let mut moved_by: Vec<u32> = serde_json::from_value(d.moved_by.clone()).unwrap_or_default();
        moved_by.push(days);
        petition_deadline::ActiveModel {
            id: Set(d.id),
            due_on: Set(Day(due)),
            moved_by: Set(serde_json::json!(moved_by)),
            calendar_year: Set(outcome.calendar_year),
            ..Default::default()
        }
        .update(txn)
        .await?;
    }
    Ok(met_now)
}
