//! Applying a workflow decision: the petition row (guarded by its version),
//! the timeline event, the deadlines, the audit entry and the mail job, in one
//! transaction. The decision itself is `domain::workflow::decide`.

use super::entities::{petition, petition_deadline, petition_event};
use super::{Store, StoreError, StoreResult};
use crate::domain::clock::{Calendar, DayCount, Period, due_date};
use crate::domain::workflow::{Outcome, PetitionState, Rating, Round, State};
use chrono::{NaiveDate, Utc};
use sea_orm::sea_query::Query;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    TransactionTrait,
};

/// A petition as the staff console and the workflow see it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct CasePetition {
    pub id: i32,
    pub tracking_number: String,
    pub kind: String,
    pub category: String,
    pub agency_id: i32,
    pub subject: String,
    pub title: String,
    pub description: String,
    pub desired_outcome: String,
    pub related_case_number: Option<String>,
    pub anonymous: bool,
    #[serde(skip)]
    pub contact_name: Option<String>,
    #[serde(skip)]
    pub contact_email: Option<String>,
    #[serde(skip)]
    pub contact_phone: Option<String>,
    pub status: String,
    pub version: i32,
    pub round: String,
    pub handler_id: Option<i32>,
    pub draft_author_id: Option<i32>,
    pub extension_used: bool,
    pub extension_pending: bool,
    pub extension_days: i32,
    pub rating: Option<String>,
    pub answered_on: Option<String>,
    pub draft_text: Option<String>,
    pub answer_text: Option<String>,
    pub clock_stopped_on: Option<String>,
    pub received_at: chrono::DateTime<Utc>,
    pub updated_at: chrono::DateTime<Utc>,
    /// 答复公开: what the public reads of the answer, once published.
    pub public_title: Option<String>,
    pub public_answer: Option<String>,
    pub answer_published_at: Option<chrono::DateTime<Utc>>,
}

impl From<petition::Model> for CasePetition {
    fn from(m: petition::Model) -> Self {
        CasePetition {
            id: m.id,
            tracking_number: m.tracking_number,
            kind: m.kind,
            category: m.category,
            agency_id: m.agency_id,
            subject: m.subject,
            title: m.title,
            description: m.description,
            desired_outcome: m.desired_outcome,
            related_case_number: m.related_case_number,
            anonymous: m.anonymous,
            contact_name: m.contact_name,
            contact_email: m.contact_email,
            contact_phone: m.contact_phone,
            status: m.status,
            version: m.version,
            round: m.round,
            handler_id: m.handler_id,
            draft_author_id: m.draft_author_id,
            extension_used: m.extension_used,
            extension_pending: m.extension_pending,
            extension_days: m.extension_days,
            rating: m.rating,
            answered_on: m.answered_on,
            draft_text: m.draft_text,
            answer_text: m.answer_text,
            clock_stopped_on: m.clock_stopped_on,
            received_at: m.received_at,
            updated_at: m.updated_at,
            public_title: m.public_title,
            public_answer: m.public_answer,
            answer_published_at: m.answer_published_at,
        }
    }
}

fn round_str(r: Round) -> &'static str {
    match r {
        Round::Original => "original",
        Round::Review => "review",
        Round::ReReview => "re_review",
    }
}

fn parse_round(s: &str) -> Round {
    match s {
        "review" => Round::Review,
        "re_review" => Round::ReReview,
        _ => Round::Original,
    }
}

fn rating_str(r: Rating) -> &'static str {
    match r {
        Rating::Satisfied => "satisfied",
        Rating::BasicallySatisfied => "basically_satisfied",
        Rating::Unsatisfied => "unsatisfied",
    }
}

impl CasePetition {
    /// The workflow's view; `recused` are the staff named in the petition.
    pub fn workflow_state(&self, recused: Vec<i32>) -> StoreResult<PetitionState> {
        Ok(PetitionState {
            state: State::parse(&self.status).ok_or_else(|| {
                StoreError::Corrupt(format!("petition {} status {}", self.id, self.status))
            })?,
            round: parse_round(&self.round),
            agency_id: self.agency_id,
            handler_id: self.handler_id,
            draft_author_id: self.draft_author_id,
            extension_used: self.extension_used,
            extension_pending: self.extension_pending,
            rating: match self.rating.as_deref() {
                Some("satisfied") => Some(Rating::Satisfied),
                Some("basically_satisfied") => Some(Rating::BasicallySatisfied),
                Some("unsatisfied") => Some(Rating::Unsatisfied),
                _ => None,
            },
            answered_on: self.answered_on.as_deref().and_then(|d| d.parse().ok()),
            extension_days: u32::try_from(self.extension_days).unwrap_or(0),
            clock_stopped_on: self
                .clock_stopped_on
                .as_deref()
                .and_then(|d| d.parse().ok()),
            recused_staff: recused,
        })
    }

    /// Whether `name` (a staff member) is named as the subject of the petition.
    pub fn names(&self, name: &str) -> bool {
        name.chars().count() >= 2 && (self.subject.contains(name) || self.title.contains(name))
    }
}

/// A petition as a queue lists it.
#[derive(Debug, Clone, serde::Serialize, sea_orm::FromQueryResult)]
pub struct QueueItem {
    pub id: i32,
    pub tracking_number: String,
    pub kind: String,
    pub category: String,
    pub title: String,
    pub status: String,
    pub handler_id: Option<i32>,
    pub received_at: chrono::DateTime<Utc>,
    pub updated_at: chrono::DateTime<Utc>,
    /// The nearest open deadline; none when no clock runs.
    #[serde(serialize_with = "serialize_next_due")]
    pub next_due_on: String,
}

/// What the database stores when no clock runs (so that it sorts last on both backends).
pub const NO_DEADLINE: &str = "9999-12-31";

fn serialize_next_due<S: serde::Serializer>(due: &str, s: S) -> Result<S::Ok, S::Error> {
    if due == NO_DEADLINE {
        s.serialize_none()
    } else {
        s.serialize_some(due)
    }
}

/// What the caller adds to a decision: texts kept on the petition.
#[derive(Debug, Default)]
pub struct Texts {
    pub draft: Option<String>,
    pub answer_from_draft: bool,
    pub extension_days: Option<u32>,
}

impl Store {
    pub async fn case_petition_by_tracking_number(
        &self,
        tn: &str,
    ) -> StoreResult<Option<CasePetition>> {
        Ok(petition::Entity::find()
            .filter(petition::Column::TrackingNumber.eq(tn))
            .one(self.conn())
            .await?
            .map(CasePetition::from))
    }

    /// Applies `outcome` if the petition is still at `version`; `Conflict` otherwise.
    #[allow(clippy::too_many_arguments)]
    pub async fn apply_outcome(
        &self,
        p: &CasePetition,
        actor: &str,
        command: &str,
        outcome: &Outcome,
        texts: Texts,
        today: NaiveDate,
        calendar: &Calendar,
    ) -> StoreResult<i32> {
        let _lock = crate::audit::APPEND_LOCK.lock().await;
        let now = Utc::now();
        let txn = self.conn().begin().await?;
        let n = &outcome.new;
        let answer_text = if texts.answer_from_draft {
            p.draft_text.clone()
        } else {
            p.answer_text.clone()
        };
        let mut update = Query::update();
        update
            .table(petition::Entity)
            .value(petition::Column::Status, n.state.as_str())
            .value(petition::Column::Round, round_str(n.round))
            .value(petition::Column::AgencyId, n.agency_id)
            .value(petition::Column::HandlerId, n.handler_id)
            .value(petition::Column::DraftAuthorId, n.draft_author_id)
            .value(petition::Column::ExtensionUsed, n.extension_used)
            .value(petition::Column::ExtensionPending, n.extension_pending)
            .value(petition::Column::Rating, n.rating.map(rating_str))
            .value(
                petition::Column::AnsweredOn,
                n.answered_on.map(|d| d.to_string()),
            )
            .value(
                petition::Column::DraftText,
                texts.draft.clone().or(p.draft_text.clone()),
            )
            .value(petition::Column::AnswerText, answer_text)
            .value(
                petition::Column::ClockStoppedOn,
                n.clock_stopped_on.map(|d| d.to_string()),
            )
            .value(petition::Column::Version, p.version + 1)
            .value(petition::Column::UpdatedAt, now)
            .and_where(petition::Column::Id.eq(p.id))
            .and_where(petition::Column::Version.eq(p.version));
        if let Some(days) = texts.extension_days {
            update.value(
                petition::Column::ExtensionDays,
                i32::try_from(days).unwrap_or(0),
            );
        }
        if txn.execute(&update).await?.rows_affected() != 1 {
            txn.rollback().await?;
            let current = self
                .case_petition_by_tracking_number(&p.tracking_number)
                .await?
                .map_or(0, |c| c.version);
            return Err(StoreError::Conflict { current });
        }
        let event = petition_event::ActiveModel {
            petition_id: Set(p.id),
            kind: Set(outcome.event_kind.to_owned()),
            public: Set(outcome.public),
            actor: Set(actor.to_owned()),
            body: Set(outcome.body.clone()),
            created_at: Set(now),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        if !outcome.stop_clocks.is_empty() {
            let stop = Query::update()
                .table(petition_deadline::Entity)
                .value(petition_deadline::Column::Status, "met")
                .and_where(petition_deadline::Column::PetitionId.eq(p.id))
                .and_where(petition_deadline::Column::Status.eq("open"))
                .and_where(
                    petition_deadline::Column::Clock.is_in(outcome.stop_clocks.iter().copied()),
                )
                .to_owned();
            txn.execute(&stop).await?;
        }
        for d in &outcome.start_deadlines {
            let replace = Query::update()
                .table(petition_deadline::Entity)
                .value(petition_deadline::Column::Status, "replaced")
                .and_where(petition_deadline::Column::PetitionId.eq(p.id))
                .and_where(petition_deadline::Column::Status.eq("open"))
                .and_where(petition_deadline::Column::Clock.eq(d.clock.clone()))
                .to_owned();
            txn.execute(&replace).await?;
            petition_deadline::ActiveModel {
                petition_id: Set(p.id),
                rule_id: Set(d.rule_id.clone()),
                clock: Set(d.clock.clone()),
                due_on: Set(d.due_on.to_string()),
                citation_zh: Set(d.citation_zh.clone()),
                citation_en: Set(d.citation_en.clone()),
                status: Set("open".to_owned()),
                created_at: Set(now),
                ..Default::default()
            }
            .insert(&txn)
            .await?;
        }
        if let Some(days) = outcome.extend_conclusion_by {
            // An approved extension (the days asked for, at most 30) or the days a clock was stopped.
            if let Some(d) = petition_deadline::Entity::find()
                .filter(petition_deadline::Column::PetitionId.eq(p.id))
                .filter(petition_deadline::Column::Status.eq("open"))
                .filter(petition_deadline::Column::Clock.eq("conclusion"))
                .one(&txn)
                .await?
            {
                let old: NaiveDate = d.due_on.parse().unwrap_or(today);
                let new_due = due_date(calendar, old, Period::Days(days, DayCount::Calendar));
                petition_deadline::ActiveModel {
                    id: Set(d.id),
                    due_on: Set(new_due.to_string()),
                    ..Default::default()
                }
                .update(&txn)
                .await?;
            }
        }
        let before = serde_json::json!({ "status": p.status, "agency_id": p.agency_id, "handler_id": p.handler_id, "version": p.version });
        let after = serde_json::json!({ "status": n.state.as_str(), "agency_id": n.agency_id, "handler_id": n.handler_id, "version": p.version + 1, "event": event.id, "body": outcome.body });
        crate::audit::append(
            &txn,
            actor,
            command,
            &format!("petition:{}", p.id),
            &before,
            &after,
        )
        .await?;
        // Staff who must act next hear of it.
        if matches!(
            outcome.event_kind,
            "assigned"
                | "drafted"
                | "returned"
                | "extension_requested"
                | "review_requested"
                | "transferred"
        ) {
            crate::jobs::enqueue(
                &txn,
                crate::mail::jobs::STAFF_NOTICE,
                serde_json::json!({ "petition_id": p.id, "event_id": event.id }),
                Some(format!("mail:staff:{}", event.id)),
            )
            .await?;
        }
        if outcome.public && p.contact_email.is_some() {
            crate::jobs::enqueue(
                &txn,
                crate::mail::jobs::PETITION_UPDATE,
                serde_json::json!({ "petition_id": p.id, "event_id": event.id }),
                Some(format!("mail:event:{}", event.id)),
            )
            .await?;
        }
        // A petition's state is searched by staff; a published answer moves with a review.
        crate::search::outbox::enqueue(&txn, "petitions", p.id).await?;
        crate::search::outbox::enqueue(&txn, "answers", p.id).await?;
        txn.commit().await?;
        self.search_changed();
        Ok(p.version + 1)
    }

    /// Records in the audit trail that `actor` read something sensitive (a reporter's identity).
    pub async fn audit_read(&self, actor: &str, action: &str, subject: &str) -> StoreResult<()> {
        let _lock = crate::audit::APPEND_LOCK.lock().await;
        let txn = self.conn().begin().await?;
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

    /// The petitions of one agency in a queue, without those naming `staff_name`
    /// (回避): the 100 oldest, as list rows (no texts, no contacts).
    pub async fn petition_queue(
        &self,
        agency_id: i32,
        staff_id: i32,
        staff_name: &str,
        queue: &str,
        today: NaiveDate,
    ) -> StoreResult<Vec<QueueItem>> {
        use sea_orm::{QueryOrder, QuerySelect};
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
            .filter(petition::Column::AgencyId.eq(agency_id));
        if staff_name.chars().count() >= 2 {
            q = q
                .filter(petition::Column::Subject.not_like(format!("%{staff_name}%")))
                .filter(petition::Column::Title.not_like(format!("%{staff_name}%")));
        }
        let soon = (today + chrono::Days::new(3)).to_string();
        let today = today.to_string();
        // Queues about time read the petition's own nearest deadline (kept by a trigger,
        // migration 5) and list the most pressing first: one ordered index range each.
        let due = petition::Column::NextDueOn;
        q = match queue {
            "new" => q
                .filter(petition::Column::Status.is_in([
                    "received",
                    "review_requested",
                    "quarantined",
                ]))
                .order_by_asc(petition::Column::ReceivedAt),
            "mine" => q
                .filter(petition::Column::HandlerId.eq(staff_id))
                .filter(petition::Column::Status.is_in(["assigned", "investigating", "drafted"]))
                .order_by_asc(due),
            "approval" => q
                .filter(petition::Column::Status.eq("drafted"))
                .filter(petition::Column::DraftAuthorId.ne(staff_id))
                .order_by_asc(petition::Column::ReceivedAt),
            "due" => q
                .filter(due.gte(today))
                .filter(due.lte(soon))
                .order_by_asc(due),
            "overdue" => q.filter(due.lt(today)).order_by_asc(due),
            _ => q.order_by_asc(petition::Column::ReceivedAt),
        };
        Ok(q.order_by_asc(petition::Column::Id)
            .limit(100)
            .into_model::<QueueItem>()
            .all(self.conn())
            .await?)
    }
}

impl Store {
    pub async fn petition_deadline_by_id(&self, id: i64) -> StoreResult<petition_deadline::Model> {
        petition_deadline::Entity::find_by_id(i32::try_from(id).map_err(|_| StoreError::NotFound)?)
            .one(self.conn())
            .await?
            .ok_or(StoreError::NotFound)
    }

    /// An escalation step on the internal timeline and in the audit trail.
    pub async fn record_escalation(
        &self,
        petition_id: i32,
        step: &str,
        clock: &str,
        due_on: &str,
    ) -> StoreResult<()> {
        let _lock = crate::audit::APPEND_LOCK.lock().await;
        let txn = self.conn().begin().await?;
        petition_event::ActiveModel {
            petition_id: Set(petition_id),
            kind: Set(format!("deadline_{step}")),
            public: Set(false),
            actor: Set("system".to_owned()),
            body: Set(format!("{clock} {due_on}")),
            created_at: Set(Utc::now()),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        crate::audit::append(
            &txn,
            "system",
            &format!("deadline_{step}"),
            &format!("petition:{petition_id}"),
            &serde_json::json!({"clock": clock, "due_on": due_on}),
            &serde_json::Value::Null,
        )
        .await?;
        petition::ActiveModel {
            id: Set(petition_id),
            updated_at: Set(Utc::now()),
            ..Default::default()
        }
        .update(&txn)
        .await?;
        crate::search::outbox::enqueue(&txn, "petitions", petition_id).await?;
        txn.commit().await?;
        self.search_changed();
        Ok(())
    }
}

/// A published answer (答复公开), as the public page shows it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct PublicAnswer {
    pub id: i32,
    pub title: String,
    pub answer: String,
    pub agency_id: i32,
    pub kind: String,
    pub category: String,
    pub published_at: chrono::DateTime<Utc>,
}

impl Store {
    /// Publishes (or re-publishes) the redacted answer of a petition, with its audit
    /// entry and its search update, in one transaction.
    pub async fn publish_answer(
        &self,
        petition_id: i32,
        answer: &crate::domain::published::PublishedAnswer,
        actor: &str,
    ) -> StoreResult<()> {
        let _lock = crate::audit::APPEND_LOCK.lock().await;
        let txn = self.conn().begin().await?;
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
        crate::search::outbox::enqueue(&txn, "answers", petition_id).await?;
        txn.commit().await?;
        self.search_changed();
        Ok(())
    }

    pub async fn public_answer(&self, id: i32) -> StoreResult<PublicAnswer> {
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
