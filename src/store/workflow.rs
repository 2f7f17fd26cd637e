//! Applying a workflow decision: the petition row (guarded by its version),
//! the timeline event, the deadlines, the audit entry and the outbox rows, in
//! one transaction. The decision itself — and everything it implies, down to
//! the texts and the moved dates — is `domain::workflow::decide`'s.

use super::entities::{petition, petition_deadline};
use super::outbox::{Indexed, Outbox};
use super::petitions::{EventRow, Petition, StaffPetitions, deadline_row};
use super::types::Day;
use super::{Store, StoreError, StoreResult};
use crate::domain::clock::DeadlineStatus;
use crate::domain::events::Escalation;
use crate::domain::ids::{AgencyId, PetitionId, StaffId};
use crate::domain::petition::{PetitionCategory, PetitionKind};
use crate::domain::workflow::{Outcome, State};
use chrono::{NaiveDate, Utc};
use sea_orm::sea_query::Query;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
};

/// A petition as a queue lists it (no texts, no contacts).
#[derive(Debug, Clone, serde::Serialize, sea_orm::FromQueryResult)]
pub struct QueueItem {
    pub id: PetitionId,
    pub tracking_number: String,
    pub kind: PetitionKind,
    pub category: PetitionCategory,
    pub title: String,
    pub status: State,
    pub handler_id: Option<StaffId>,
    pub received_at: chrono::DateTime<Utc>,
    pub updated_at: chrono::DateTime<Utc>,
    /// The nearest open deadline; none when no clock runs.
    #[serde(serialize_with = "serialize_next_due")]
    pub next_due_on: Day,
}

fn serialize_next_due<S: serde::Serializer>(due: &Day, s: S) -> Result<S::Ok, S::Error> {
    match due.date() {
        Some(d) => s.serialize_some(&d),
        None => s.serialize_none(),
    }
}

/// The staff queues (工作台).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Queue {
    /// To decide on acceptance: received, reviews requested, held for review.
    New,
    /// Accepted and waiting for a handler (the supervisor's to assign).
    ToAssign,
    /// Assigned to the caller and still with them.
    Mine,
    /// Drafts awaiting approval by someone other than their author.
    Approval,
    /// A deadline within three days.
    Due,
    /// A deadline passed.
    Overdue,
    /// Everything in scope.
    All,
}

impl Queue {
    pub const ALL: [Queue; 7] = [
        Queue::New,
        Queue::ToAssign,
        Queue::Mine,
        Queue::Approval,
        Queue::Due,
        Queue::Overdue,
        Queue::All,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Queue::New => "new",
            Queue::ToAssign => "to_assign",
            Queue::Mine => "mine",
            Queue::Approval => "approval",
            Queue::Due => "due",
            Queue::Overdue => "overdue",
            Queue::All => "all",
        }
    }

    pub fn parse(s: &str) -> Option<Queue> {
        Queue::ALL.into_iter().find(|q| q.as_str() == s)
    }
}

/// How a queue is ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Sort {
    /// The nearest deadline first (the queue's own order when none is asked for).
    Due,
    /// The oldest first.
    Received,
    /// The newest first.
    Newest,
}

impl Sort {
    pub const ALL: [Sort; 3] = [Sort::Due, Sort::Received, Sort::Newest];

    pub fn as_str(self) -> &'static str {
        match self {
            Sort::Due => "due",
            Sort::Received => "received",
            Sort::Newest => "newest",
        }
    }

    pub fn parse(s: &str) -> Option<Sort> {
        Sort::ALL.into_iter().find(|x| x.as_str() == s)
    }
}

/// Rows of a queue on one page.
pub const QUEUE_PAGE: u64 = 50;

/// Days ahead that the "due" queue looks.
pub const DUE_SOON_DAYS: u64 = 3;

impl StaffPetitions<'_> {
    /// The petitions in scope that belong to `queue` for staff member `staff_id`.
    fn in_queue(
        &self,
        queue: Queue,
        staff_id: StaffId,
        today: NaiveDate,
    ) -> sea_orm::Select<petition::Entity> {
        let q = self.scoped();
        let soon = Day(today + chrono::Days::new(DUE_SOON_DAYS));
        let today = Day(today);
        // Queues about time read the petition's own nearest deadline (kept by a trigger,
        // migration 5): one ordered index range each.
        let due = petition::Column::NextDueOn;
        let with_handler = State::ALL.into_iter().filter(|s| s.is_with_handler());
        match queue {
            Queue::New => q.filter(
                petition::Column::Status
                    .is_in(State::ALL.into_iter().filter(|s| s.awaits_intake())),
            ),
            Queue::ToAssign => q
                .filter(petition::Column::Status.eq(State::Accepted))
                .filter(petition::Column::HandlerId.is_null()),
            Queue::Mine => q
                .filter(petition::Column::HandlerId.eq(staff_id))
                .filter(petition::Column::Status.is_in(with_handler)),
            Queue::Approval => q
                .filter(petition::Column::Status.eq(State::Drafted))
                .filter(petition::Column::DraftAuthorId.ne(staff_id)),
            Queue::Due => q.filter(due.gte(today)).filter(due.lte(soon)),
            Queue::Overdue => q.filter(due.lt(today)),
            Queue::All => q,
        }
    }

    /// One page of one of the caller's queues, as list rows, and how many rows
    /// the queue holds. Without a `sort`, the queue's own order: the nearest
    /// deadline first for the queues about work and time, the oldest first
    /// for intake.
    pub async fn queue(
        &self,
        queue: Queue,
        staff_id: StaffId,
        today: NaiveDate,
        sort: Option<Sort>,
        page: u64,
    ) -> StoreResult<(Vec<QueueItem>, u64)> {
        use sea_orm::{PaginatorTrait, QueryOrder, QuerySelect};
        let total = self
            .in_queue(queue, staff_id, today)
            .count(self.store.conn())
            .await?;
        let sort = sort.unwrap_or(match queue {
            Queue::New | Queue::All => Sort::Received,
            _ => Sort::Due,
        });
        let q = self
            .in_queue(queue, staff_id, today)
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
            ]);
        let q = match sort {
            Sort::Due => q.order_by_asc(petition::Column::NextDueOn),
            Sort::Received => q.order_by_asc(petition::Column::ReceivedAt),
            Sort::Newest => q.order_by_desc(petition::Column::ReceivedAt),
        };
        let items = q
            .order_by_asc(petition::Column::Id)
            .offset(page.saturating_sub(1) * QUEUE_PAGE)
            .limit(QUEUE_PAGE)
            .into_model::<QueueItem>()
            .all(self.store.conn())
            .await?;
        Ok((items, total))
    }

    /// How many petitions each queue holds for staff member `staff_id`.
    pub async fn queue_counts(
        &self,
        staff_id: StaffId,
        today: NaiveDate,
    ) -> StoreResult<Vec<(Queue, u64)>> {
        use sea_orm::PaginatorTrait;
        let mut out = Vec::new();
        for queue in Queue::ALL {
            let n = self
                .in_queue(queue, staff_id, today)
                .count(self.store.conn())
                .await?;
            out.push((queue, n));
        }
        Ok(out)
    }
}

impl Store {
    /// Applies `outcome` if the petition is still at `p.version`; `Conflict` otherwise.
    /// `link`: a link to the other petition written with it (a merge);
    /// `letter`: the answer letter it issues, frozen (`domain::letter`).
    #[allow(clippy::too_many_arguments)]
    pub async fn apply_outcome(
        &self,
        p: &Petition,
        actor: &str,
        command: &str,
        outcome: &Outcome,
        link: Option<&super::duplicates::NewLink<'_>>,
        letter: Option<&crate::domain::letter::AnswerLetter>,
        now: chrono::DateTime<Utc>,
    ) -> StoreResult<i32> {
        let _lock = crate::audit::APPEND_LOCK.lock().await;
        let txn = self.begin_write().await?;
        let n = &outcome.new;
        let update = Query::update()
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
            .and_where(petition::Column::Id.eq(p.id))
            .and_where(petition::Column::Version.eq(p.version))
            .to_owned();
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
        if let Some(link) = link {
            self.write_link(&txn, p, link, actor, now).await?;
        }
        if let Some(letter) = letter {
            super::letters::insert_issued(&txn, p.id, n.agency_id, Some(event.id), letter, now)
                .await?;
        }
        let mut contributions = row.contributions();
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
                .all(&txn)
                .await?;
            for d in met {
                let closed = petition_deadline::ActiveModel {
                    id: Set(d.id),
                    status: Set(DeadlineStatus::Met),
                    closed_on: Set(closed_on),
                    officer_id: Set(outcome.attribution.officer),
                    ..Default::default()
                }
                .update(&txn)
                .await?;
                let read = super::rollups::DeadlineRead::of(&closed, p.kind, p.category);
                if let Some(fact) = read.fact() {
                    contributions.extend(crate::domain::evaluation::of_deadline(&fact));
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
                .insert(&txn)
                .await?;
        }
        if !outcome.start_deadlines.is_empty() {
            super::petitions::refresh_next_due(&txn, &[p.id]).await?;
        }
        if let (Some(due), Some(days)) = (outcome.conclusion_due_on, outcome.extend_conclusion_by)
            && let Some(d) = petition_deadline::Entity::find()
                .filter(petition_deadline::Column::PetitionId.eq(p.id))
                .filter(petition_deadline::Column::Status.eq(DeadlineStatus::Open))
                .filter(petition_deadline::Column::Clock.eq("conclusion"))
                .one(&txn)
                .await?
        {
            // The move is kept with the deadline, so it is counted again if the calendar changes.
            let mut moved_by: Vec<u32> =
                serde_json::from_value(d.moved_by.clone()).unwrap_or_default();
            moved_by.push(days);
            petition_deadline::ActiveModel {
                id: Set(d.id),
                due_on: Set(Day(due)),
                moved_by: Set(serde_json::json!(moved_by)),
                calendar_year: Set(outcome.calendar_year),
                ..Default::default()
            }
            .update(&txn)
            .await?;
        }
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
                p.contact_email.is_some(),
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

    /// An escalation step on the internal timeline and in the audit trail.
    pub async fn record_escalation(
        &self,
        petition_id: PetitionId,
        step: Escalation,
        clock: &str,
        due_on: NaiveDate,
        at: chrono::DateTime<Utc>,
    ) -> StoreResult<()> {
        let _lock = crate::audit::APPEND_LOCK.lock().await;
        let txn = self.begin_write().await?;
        let kind = step.event_kind();
        let body = format!("{clock} {due_on}");
        // One reminder, urging or listing per deadline, however many passes ask.
        if escalated(&txn, petition_id, step, &body).await? {
            txn.rollback().await?;
            return Ok(());
        }
        let p: Petition = petition::Entity::find_by_id(petition_id)
            .one(&txn)
            .await?
            .ok_or(StoreError::NotFound)?
            .into();
        // An urging counts for the agency and the handler it was urged on.
        let row = EventRow {
            petition: &p,
            kind,
            public: false,
            actor: "system",
            body,
            at,
            attribution: None,
        };
        row.insert(&txn).await?;
        super::rollups::add(&txn, &row.contributions()).await?;
        crate::audit::append_at(
            &txn,
            at,
            "system",
            kind.as_str(),
            &format!("petition:{petition_id}"),
            &serde_json::json!({"clock": clock, "due_on": due_on}),
            &serde_json::Value::Null,
        )
        .await?;
        petition::ActiveModel {
            id: Set(petition_id),
            updated_at: Set(at),
            ..Default::default()
        }
        .update(&txn)
        .await?;
        let mut outbox = Outbox::new();
        outbox.index(Indexed::Petition(petition_id));
        self.finish(txn, outbox).await
    }

    /// Whether `step` was already taken on the deadline `clock` due `due_on`.
    pub async fn escalated(
        &self,
        petition_id: PetitionId,
        step: Escalation,
        clock: &str,
        due_on: NaiveDate,
    ) -> StoreResult<bool> {
        escalated(self.conn(), petition_id, step, &format!("{clock} {due_on}")).await
    }

    /// The deadline sweep's step for every open deadline of an open petition due
    /// before `due_before` (on it too, when `inclusive`) and, if given, on or
    /// after `due_from` (a reminder is for a deadline still ahead): one job per deadline,
    /// whose dedupe key names the deadline, so a second pass — on another node,
    /// after a restart — adds nothing. One statement whatever the number of petitions.
    pub async fn enqueue_escalations(
        &self,
        step: Escalation,
        due_from: Option<NaiveDate>,
        due_before: NaiveDate,
        inclusive: bool,
    ) -> StoreResult<u64> {
        use crate::domain::events::Notice;
        use sea_orm::{DatabaseBackend, Statement};
        let backend = self.conn().get_database_backend();
        let cmp = if inclusive { "<=" } else { "<" };
        let from = match (due_from, backend) {
            (None, _) => String::new(),
            (Some(_), DatabaseBackend::Postgres) => " AND d.due_on >= $5".to_owned(),
            (Some(_), _) => " AND d.due_on >= ?5".to_owned(),
        };
        let open = State::ALL
            .into_iter()
            .filter(|s| s.is_open())
            .map(|s| format!("'{}'", s.as_str()))
            .collect::<Vec<_>>()
            .join(",");
        let sql = match backend {
            DatabaseBackend::Postgres => format!(
                "INSERT INTO jobs (kind, payload, dedupe_key, status, attempts, run_at_ms, created_at) \
                 SELECT $1, json_build_object('deadline_id', d.id, 'petition_id', d.petition_id), $2 || d.id, 'pending', 0, $3, now() \
                 FROM petition_deadlines d JOIN petitions p ON p.id = d.petition_id \
                 WHERE d.status = 'open' AND d.due_on {cmp} $4{from} AND p.status IN ({open}) \
                 ON CONFLICT (dedupe_key) DO NOTHING"
            ),
            _ => format!(
                "INSERT INTO jobs (kind, payload, dedupe_key, status, attempts, run_at_ms, created_at) \
                 SELECT ?1, json_object('deadline_id', d.id, 'petition_id', d.petition_id), ?2 || d.id, 'pending', 0, ?3, strftime('%Y-%m-%dT%H:%M:%fZ', 'now') \
                 FROM petition_deadlines d JOIN petitions p ON p.id = d.petition_id \
                 WHERE d.status = 'open' AND d.due_on {cmp} ?4{from} AND p.status IN ({open}) \
                 ON CONFLICT (dedupe_key) DO NOTHING"
            ),
        };
        let prefix = format!("{}:", step.as_str());
        let now_ms = Utc::now().timestamp_millis();
        let mut values: Vec<sea_orm::Value> = vec![
            Notice::Deadline(step).job_kind().into(),
            prefix.into(),
            now_ms.into(),
            Day(due_before).into(),
        ];
        if let Some(from) = due_from {
            values.push(Day(from).into());
        }
        Ok(self
            .conn()
            .execute_raw(Statement::from_sql_and_values(backend, sql, values))
            .await?
            .rows_affected())
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

/// Whether the timeline holds `step`'s event with `body` (the deadline it was taken on).
async fn escalated(
    conn: &impl ConnectionTrait,
    petition_id: PetitionId,
    step: Escalation,
    body: &str,
) -> StoreResult<bool> {
    use super::entities::petition_event::{Column, Entity};
    Ok(Entity::find()
        .filter(Column::PetitionId.eq(petition_id))
        .filter(Column::Kind.eq(step.event_kind()))
        .filter(Column::Body.eq(body))
        .one(conn)
        .await?
        .is_some())
}
