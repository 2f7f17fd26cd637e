//! Petitions: one read model ([`Petition`]) for every page, job and use case;
//! everything a receipt promises is written in one transaction; staff load
//! petitions only through a scoped finder ([`Store::staff_petitions`]).

use super::entities::{evidence, petition, petition_deadline, petition_event};
use super::outbox::{Indexed, Outbox};
use super::types::Day;
use super::{Store, StoreError, StoreResult};
use crate::domain::clock::{Deadline, DeadlineStatus};
use crate::domain::evaluation::{Contribution, EventFact};
use crate::domain::events::EventKind;
use crate::domain::ids::{AgencyId, PetitionId, StaffId};
use crate::domain::petition::{Complainant, PetitionCategory, PetitionDraft, PetitionKind};
use crate::domain::workflow::Attribution;
use crate::domain::workflow::{PetitionState, Rating, Round, State};
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{
    ActiveModelTrait,
    ActiveValue::{NotSet, Set},
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, FromQueryResult, IntoActiveModel,
    QueryFilter, QueryOrder, QueryTrait,
};
use serde::Serialize;
use std::sync::Arc;
use utoipa::ToSchema;

/// A file already written to the file store, to be recorded with the petition.
#[derive(Debug, Clone)]
pub struct StoredFile {
    pub sha256: String,
    pub file_name: String,
    pub mime: String,
    pub size: i64,
    pub metadata_removed: bool,
}

pub struct NewPetition<'a> {
    pub draft: &'a PetitionDraft,
    pub agency_id: AgencyId,
    pub tracking_number: &'a str,
    pub access_code_hash: String,
    pub lang: &'a str,
    pub status: State,
    pub quarantine_reason: Option<String>,
    pub received_at: DateTime<Utc>,
    pub deadlines: &'a [Deadline],
    pub files: &'a [StoredFile],
    /// The Open311 partner filing it on the citizen's behalf.
    pub via_partner: Option<i32>,
    /// The keyed hashes it is recognised by (重复信访: `domain::duplicates`).
    pub keys: &'a [String],
    /// How it arrived, and the clerk who registered it on the petitioner's
    /// behalf (an audit entry names them, in the same transaction).
    pub channel: crate::domain::petition::Channel,
    pub registered_by: Option<(StaffId, String)>,
}

/// A petition, as every part of the portal reads it. The complainant's contact
/// details and the access-code hash are never serialized: pages that may show
/// the identity get it from the application layer, with its audit entry.
#[derive(Debug, Clone, Serialize)]
pub struct Petition {
    pub id: PetitionId,
    /// The canonical form (`MJ26K3FQ9X2MAP7`).
    pub tracking_number: String,
    #[serde(skip)]
    pub access_code_hash: String,
    pub kind: PetitionKind,
    pub category: PetitionCategory,
    pub agency_id: AgencyId,
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
    /// The language the petitioner used (mail is written in it).
    pub lang: String,
    pub status: State,
    pub version: i32,
    pub round: Round,
    pub handler_id: Option<StaffId>,
    pub draft_author_id: Option<StaffId>,
    pub extension_used: bool,
    pub extension_pending: bool,
    pub extension_days: u32,
    pub rating: Option<Rating>,
    pub answered_on: Option<NaiveDate>,
    pub draft_text: Option<String>,
    pub answer_text: Option<String>,
    pub clock_stopped_on: Option<NaiveDate>,
    /// The nearest open deadline (kept by a trigger); none when no clock runs.
    pub next_due_on: Option<NaiveDate>,
    pub received_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// 答复公开: what the public reads of the answer, once published.
    pub public_title: Option<String>,
    pub public_answer: Option<String>,
    pub answer_published_at: Option<DateTime<Utc>>,
    /// In a review round: the agency and handler whose answer is under review,
    /// and what the draft does to it.
    pub reviewed_agency_id: Option<AgencyId>,
    pub reviewed_handler_id: Option<StaffId>,
    pub review_outcome: Option<crate::domain::workflow::ReviewOutcome>,
    /// The day it reached its last state (the retention schedule counts from it).
    pub concluded_on: Option<NaiveDate>,
    /// When the retention schedule erased the petitioner's identity.
    pub anonymised_at: Option<DateTime<Utc>>,
    /// A legal hold (retention waits while it lasts): since when, why, by whom.
    pub held_since: Option<DateTime<Utc>>,
    pub hold_reason: Option<String>,
    pub held_by: Option<String>,
    /// How it arrived: online, or registered by staff at the counter, from a letter or a call.
    pub channel: crate::domain::petition::Channel,
    /// The staff member who registered it (none when the petitioner filed it).
    pub registered_by: Option<StaffId>,
}

impl From<petition::Model> for Petition {
    fn from(m: petition::Model) -> Self {
        Petition {
            id: m.id,
            tracking_number: m.tracking_number,
            access_code_hash: m.access_code_hash,
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
            lang: m.lang,
            status: m.status,
            version: m.version,
            round: m.round,
            handler_id: m.handler_id,
            draft_author_id: m.draft_author_id,
            extension_used: m.extension_used,
            extension_pending: m.extension_pending,
            extension_days: u32::try_from(m.extension_days).unwrap_or(0),
            rating: m.rating,
            answered_on: m.answered_on.map(|d| d.0),
            draft_text: m.draft_text,
            answer_text: m.answer_text,
            clock_stopped_on: m.clock_stopped_on.map(|d| d.0),
            next_due_on: m.next_due_on.date(),
            received_at: m.received_at,
            updated_at: m.updated_at,
            public_title: m.public_title,
            public_answer: m.public_answer,
            answer_published_at: m.answer_published_at,
            reviewed_agency_id: m.reviewed_agency_id,
            reviewed_handler_id: m.reviewed_handler_id,
            review_outcome: m.review_outcome,
            concluded_on: m.concluded_on.and_then(|d| d.date()),
            anonymised_at: m.anonymised_at,
            held_since: m.held_since,
            hold_reason: m.hold_reason,
            held_by: m.held_by,
            channel: m.channel,
            registered_by: m.registered_by,
        }
    }
}

impl Petition {
    /// The workflow's view; `recused` are the staff named in the petition that
    /// the decision concerns (the actor, a handler to be assigned).
    pub fn workflow_state(&self, recused: Vec<StaffId>) -> PetitionState {
        PetitionState {
            state: self.status,
            round: self.round,
            agency_id: self.agency_id,
            handler_id: self.handler_id,
            draft_author_id: self.draft_author_id,
            extension_used: self.extension_used,
            extension_pending: self.extension_pending,
            rating: self.rating,
            answered_on: self.answered_on,
            extension_days: self.extension_days,
            clock_stopped_on: self.clock_stopped_on,
            recused_staff: recused,
            draft_text: self.draft_text.clone(),
            answer_text: self.answer_text.clone(),
            // The caller fills it in from the open deadlines when a decision needs it.
            conclusion_due_on: None,
            reviewed_agency_id: self.reviewed_agency_id,
            reviewed_handler_id: self.reviewed_handler_id,
            review_outcome: self.review_outcome,
        }
    }

    /// 回避: whether a staff member called `name` is named in this petition.
    pub fn names(&self, name: &str) -> bool {
        crate::domain::access::names(&self.subject, &self.title, name)
    }

    /// The form printed on receipts (`MJ26-K3FQ9-X2MAP`); a number that is not
    /// one of ours (synthetic benchmark rows) is shown as stored.
    pub fn display_number(&self) -> String {
        crate::domain::codes::TrackingNumber::parse(&self.tracking_number)
            .map_or_else(|_| self.tracking_number.clone(), |tn| tn.display())
    }
}

/// One entry of a timeline.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TimelineEvent {
    pub id: i64,
    #[schema(value_type = String)]
    pub kind: EventKind,
    /// `petitioner`, `system` or `staff`.
    pub actor: String,
    pub body: String,
    pub at: DateTime<Utc>,
    pub files: Vec<EvidenceFile>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EvidenceFile {
    pub id: i32,
    pub file_name: String,
    pub mime: String,
    pub size: i64,
    pub metadata_removed: bool,
    #[serde(skip)]
    pub sha256: String,
    #[serde(skip)]
    pub event_id: Option<i64>,
    /// Deleted under the retention schedule: listed, no longer served.
    pub deleted: bool,
}

impl From<evidence::Model> for EvidenceFile {
    fn from(m: evidence::Model) -> Self {
        EvidenceFile {
            id: m.id,
            file_name: m.file_name,
            mime: m.mime,
            size: m.size,
            metadata_removed: m.metadata_removed,
            sha256: m.sha256,
            event_id: m.event_id,
            deleted: m.deleted_at.is_some(),
        }
    }
}

/// A stored deadline of a petition.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DeadlineView {
    #[serde(skip)]
    pub id: i32,
    pub clock: String,
    /// The last day, in China time (YYYY-MM-DD).
    #[schema(value_type = String)]
    pub due_on: NaiveDate,
    pub citation_zh: String,
    pub citation_en: String,
    pub status: DeadlineStatus,
    /// Counted over days whose official holidays are not yet published: the
    /// date may move later when they are (never earlier).
    pub provisional: bool,
    /// The last year of the calendar it was counted on.
    pub calendar_year: i32,
    /// When provisional, the first year whose arrangement is not yet published.
    pub unpublished_year: Option<i32>,
}

impl From<petition_deadline::Model> for DeadlineView {
    fn from(d: petition_deadline::Model) -> Self {
        let provisional = chrono::Datelike::year(&d.due_on.0) > d.calendar_year;
        DeadlineView {
            id: d.id,
            provisional,
            unpublished_year: provisional.then_some(d.calendar_year + 1),
            calendar_year: d.calendar_year,
            clock: d.clock,
            due_on: d.due_on.0,
            citation_zh: d.citation_zh,
            citation_en: d.citation_en,
            status: d.status,
        }
    }
}

/// A timeline event about to be written, with who it counts for.
pub(super) struct EventRow<'a> {
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

    fn active_model(&self) -> petition_event::ActiveModel {
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

fn is_unique_violation(e: &sea_orm::DbErr) -> bool {
    matches!(
        e.sql_err(),
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
    )
}

async fn insert_files<C: sea_orm::ConnectionTrait>(
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

fn evidence_rows(
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

/// A new petition's row: what the filing says, and what every petition
/// starts with (first round, version 1, no handler, no answer). Every column
/// is named, so a new column must be decided here. `id` is the sequence's
/// (the single statement) or ignored (the transaction lets the database draw it).
fn new_petition(id: PetitionId, new: &NewPetition<'_>) -> petition::Model {
    let d = new.draft;
    let (anonymous, contact_name, contact_email, contact_phone) = match &d.complainant {
        Complainant::Anonymous => (true, None, None, None),
        Complainant::Named { name, email, phone } => (
            false,
            Some(name.clone()),
            email.as_ref().map(|e| e.as_str().to_owned()),
            phone.as_ref().map(|p| p.as_str().to_owned()),
        ),
    };
    petition::Model {
        id,
        tracking_number: new.tracking_number.to_owned(),
        access_code_hash: new.access_code_hash.clone(),
        kind: d.kind,
        agency_id: new.agency_id,
        agency_chosen: matches!(d.agency, crate::domain::petition::AgencyChoice::Chosen(_)),
        category: d.category,
        subject: d.subject.clone(),
        title: d.title.clone(),
        description: d.description.clone(),
        desired_outcome: d.desired_outcome.clone(),
        related_case_number: d.related_case_number.clone(),
        anonymous,
        contact_name,
        contact_email,
        contact_phone,
        lang: new.lang.to_owned(),
        status: new.status,
        quarantine_reason: new.quarantine_reason.clone(),
        version: 1,
        round: Round::Original,
        handler_id: None,
        draft_author_id: None,
        extension_used: false,
        extension_pending: false,
        extension_days: 0,
        rating: None,
        answered_on: None,
        draft_text: None,
        answer_text: None,
        clock_stopped_on: None,
        next_due_on: crate::domain::clock::next_agency_due(new.deadlines).map_or(Day::NONE, Day),
        public_title: None,
        public_answer: None,
        answer_published_at: None,
        reviewed_agency_id: None,
        reviewed_handler_id: None,
        review_outcome: None,
        // Stored with the database's precision (microseconds), so the row
        // built here is the row read back.
        received_at: new.received_at,
        updated_at: new.received_at,
        via_partner_id: new.via_partner,
        concluded_on: None,
        anonymised_at: None,
        held_since: None,
        hold_reason: None,
        held_by: None,
        channel: new.channel,
        registered_by: new.registered_by.as_ref().map(|(id, _)| *id),
    }
}

/// The event "received" that opens a new petition's timeline.
fn received_event<'a>(petition: &'a Petition, new: &NewPetition<'_>) -> EventRow<'a> {
    EventRow {
        petition,
        kind: EventKind::Received,
        public: true,
        actor: if new.registered_by.is_some() {
            "staff"
        } else {
            "petitioner"
        },
        body: String::new(),
        at: new.received_at,
        attribution: None,
    }
}

/// A new petition's first deadlines, in one statement (none without clocks).
fn first_deadlines(
    petition_id: PetitionId,
    new: &NewPetition<'_>,
) -> Option<sea_orm::sea_query::InsertStatement> {
    let rows: Vec<petition_deadline::ActiveModel> = new
        .deadlines
        .iter()
        .map(|deadline| {
            deadline_row(
                petition_id,
                deadline,
                (new.agency_id, Round::Original),
                new.received_at,
            )
        })
        .collect();
    (!rows.is_empty()).then(|| petition_deadline::Entity::insert_many(rows).into_query())
}

/// What a filing sends out: the acknowledgement (to a petitioner with an
/// address, unless held for review) and the petition's search document.
fn filing_outbox(petition: &Petition, new: &NewPetition<'_>) -> Outbox {
    let mut outbox = Outbox::new();
    if petition.contact_email.is_some() && new.status == State::Received {
        outbox.acknowledge(petition.id, &petition.tracking_number);
    }
    outbox.index(Indexed::Petition(petition.id));
    outbox
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
pub(super) fn deadline_row(
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

/// The status page's data of recently viewed petitions, keyed by petition and
/// valid while the petition's `updated_at` is unchanged: every write to a
/// petition (new event, deadline, state) sets `updated_at`, so a lookup costs
/// one indexed query unless something changed. Bounded by `STATUS_CACHE_MAX`.
#[derive(Debug, Default)]
pub struct StatusCache {
    entries: std::sync::RwLock<std::collections::HashMap<PetitionId, CachedStatus>>,
}

/// When the cached parts were read (the petition's `updated_at`), and the parts.
type CachedStatus = (DateTime<Utc>, Arc<StatusParts>);

#[derive(Debug)]
pub struct StatusParts {
    pub deadlines: Vec<DeadlineView>,
    pub timeline: Vec<TimelineEvent>,
}

const STATUS_CACHE_MAX: usize = 50_000;

impl Store {
    /// Deadlines and public timeline of `p`, from the cache when `p` has not changed since.
    pub async fn petition_status_parts(&self, p: &Petition) -> StoreResult<Arc<StatusParts>> {
        if let Some((at, parts)) = self
            .status_cache
            .entries
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(&p.id)
            && *at == p.updated_at
        {
            return Ok(parts.clone());
        }
        let parts = Arc::new(StatusParts {
            deadlines: self.petition_deadlines(p.id).await?,
            timeline: self.petition_timeline(p.id, true).await?,
        });
        let mut entries = self
            .status_cache
            .entries
            .write()
            .unwrap_or_else(|e| e.into_inner());
        if entries.len() >= STATUS_CACHE_MAX {
            entries.clear();
        }
        entries.insert(p.id, (p.updated_at, parts.clone()));
        Ok(parts)
    }

    /// Forgets the cached status of a petition (its `updated_at` changes anyway; this frees memory early).
    pub fn invalidate_status(&self, petition_id: PetitionId) {
        self.status_cache
            .entries
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&petition_id);
    }

    /// Records a new petition with its first event, deadlines, evidence and the
    /// acknowledgement mail job, all or nothing. `Ok(None)` means the tracking
    /// number was taken; the caller draws another.
    pub async fn create_petition(&self, new: NewPetition<'_>) -> StoreResult<Option<Petition>> {
        if self.is_postgres() && new.registered_by.is_none() {
            return self.create_petition_in_one_statement(new).await;
        }
        // A registration by staff is an audit entry: the audit lock is held
        // from before the transaction begins (`audit::append`). On SQLite the
        // write guard below is that lock already.
        let _audit = if new.registered_by.is_some() && self.is_postgres() {
            Some(crate::audit::APPEND_LOCK.lock().await)
        } else {
            None
        };
        let _queue = self.write_guard().await;
        let txn = self.begin_write().await?;
        let mut petition_row = new_petition(PetitionId(0), &new)
            .into_active_model()
            .reset_all();
        petition_row.id = NotSet;
        let row = match petition_row.insert(&txn).await {
            Ok(row) => row,
            Err(e) if is_unique_violation(&e) => {
                txn.rollback().await?;
                return Ok(None);
            }
            Err(e) => return Err(e.into()),
        };
        let as_read: Petition = row.clone().into();
        let received = received_event(&as_read, &new);
        let event = received.insert(&txn).await?;
        // One statement for all first deadlines.
        if let Some(deadlines) = first_deadlines(row.id, &new) {
            txn.execute(&deadlines).await?;
        }
        insert_files(&txn, row.id, event.id, new.files, new.received_at).await?;
        self.keep_petition_keys(&txn, row.id, new.keys).await?;
        if let Some((_, actor)) = &new.registered_by {
            crate::audit::append(
                &txn,
                actor,
                "register",
                &format!("petition:{}", row.id),
                &serde_json::Value::Null,
                &serde_json::json!({
                    "channel": new.channel.as_str(),
                    "received_on": crate::domain::clock::china_date(new.received_at).to_string(),
                }),
            )
            .await?;
        }
        super::rollups::add(&txn, &received.contributions()).await?;
        self.finish(txn, filing_outbox(&as_read, &new)).await?;
        Ok(Some(row.into()))
    }

    /// PostgreSQL: a filing in one statement — the petition, its first event,
    /// deadlines, evidence and keys, the roll-ups and the outbox rows as
    /// data-modifying `WITH` parts of one `INSERT` — after one round trip
    /// that draws the two ids from their sequences. One statement in
    /// autocommit is as atomic as the transaction the other path runs, and
    /// costs two round trips instead of nine: under 16 concurrent filings the
    /// round trips (each a send, a wake-up and an executor start on both
    /// sides) were most of the CPU a filing cost PostgreSQL. Registrations by
    /// staff keep the transaction (their audit entry takes the audit lock).
    async fn create_petition_in_one_statement(
        &self,
        new: NewPetition<'_>,
    ) -> StoreResult<Option<Petition>> {
        use sea_orm::sea_query::{Alias, Asterisk, CommonTableExpression, Query, WithClause};
        let backend = sea_orm::DatabaseBackend::Postgres;
        let ids = self
            .conn()
            .query_one_raw(sea_orm::Statement::from_string(
                backend,
                "SELECT nextval(pg_get_serial_sequence('petitions', 'id')) AS petition, \
                 nextval(pg_get_serial_sequence('petition_events', 'id')) AS event",
            ))
            .await?
            .ok_or(StoreError::NotFound)?;
        let petition_id = PetitionId(
            i32::try_from(ids.try_get::<i64>("", "petition")?)
                .map_err(|e| StoreError::Corrupt(format!("petition id: {e}")))?,
        );
        let event_id: i64 = ids.try_get("", "event")?;
        let model = new_petition(petition_id, &new);
        let as_read: Petition = model.clone().into();
        let received = received_event(&as_read, &new);
        let mut event = received.active_model();
        event.id = Set(event_id);

        let mut petition_insert =
            petition::Entity::insert(model.into_active_model().reset_all()).into_query();
        petition_insert.returning_all();
        let mut parts = vec![petition_event::Entity::insert(event).into_query()];
        parts.extend(first_deadlines(petition_id, &new));
        let files = evidence_rows(petition_id, event_id, new.files, new.received_at);
        if !files.is_empty() {
            parts.push(evidence::Entity::insert_many(files).into_query());
        }
        parts.extend(super::duplicates::petition_keys_row(petition_id, new.keys));
        parts.extend(super::rollups::additions(
            backend,
            &received.contributions(),
        ));
        let outbox = filing_outbox(&as_read, &new);
        parts.extend(outbox.statements());

        let mut with = WithClause::new();
        with.cte(
            CommonTableExpression::new()
                .query(petition_insert)
                .table_name(Alias::new("filed"))
                .to_owned(),
        );
        for (i, part) in parts.into_iter().enumerate() {
            with.cte(
                CommonTableExpression::new()
                    .query(part)
                    .table_name(Alias::new(format!("part{i}")))
                    .to_owned(),
            );
        }
        let statement = Query::select()
            .column(Asterisk)
            .from(Alias::new("filed"))
            .to_owned()
            .with(with);
        let row = match self.conn().query_one(&statement).await {
            Ok(Some(row)) => row,
            Ok(None) => return Err(StoreError::NotFound),
            Err(e) if is_unique_violation(&e) => return Ok(None),
            Err(e) => return Err(e.into()),
        };
        let row = petition::Model::from_query_result(&row, "")?;
        if outbox.touches_search() {
            self.search_changed();
        }
        Ok(Some(row.into()))
    }

    /// A petition by its canonical tracking number, whoever asks: the party
    /// (after the access code is checked) and the job workers.
    pub async fn petition_by_tracking_number(
        &self,
        tracking_number: &str,
    ) -> StoreResult<Option<Petition>> {
        Ok(petition::Entity::find()
            .filter(petition::Column::TrackingNumber.eq(tracking_number))
            .one(self.conn())
            .await?
            .map(Petition::from))
    }

    pub async fn petition_by_id(&self, id: PetitionId) -> StoreResult<Petition> {
        Ok(petition::Entity::find_by_id(id)
            .one(self.conn())
            .await?
            .ok_or(StoreError::NotFound)?
            .into())
    }

    /// The petition's timeline in order, with the files each event brought.
    pub async fn petition_timeline(
        &self,
        petition_id: PetitionId,
        public_only: bool,
    ) -> StoreResult<Vec<TimelineEvent>> {
        let mut query = petition_event::Entity::find()
            .filter(petition_event::Column::PetitionId.eq(petition_id));
        if public_only {
            query = query.filter(petition_event::Column::Public.eq(true));
        }
        let events = query
            .order_by_asc(petition_event::Column::Id)
            .all(self.conn())
            .await?;
        let files = self.petition_files(petition_id).await?;
        Ok(events
            .into_iter()
            .map(|e| TimelineEvent {
                files: files
                    .iter()
                    .filter(|f| f.event_id == Some(e.id))
                    .cloned()
                    .collect(),
                id: e.id,
                kind: e.kind,
                actor: if e.actor.starts_with("staff:") {
                    "staff".to_owned()
                } else {
                    e.actor
                },
                body: e.body,
                at: e.created_at,
            })
            .collect())
    }

    pub async fn petition_files(&self, petition_id: PetitionId) -> StoreResult<Vec<EvidenceFile>> {
        Ok(evidence::Entity::find()
            .filter(evidence::Column::PetitionId.eq(petition_id))
            .order_by_asc(evidence::Column::Id)
            .all(self.conn())
            .await?
            .into_iter()
            .map(EvidenceFile::from)
            .collect())
    }

    pub async fn petition_deadlines(
        &self,
        petition_id: PetitionId,
    ) -> StoreResult<Vec<DeadlineView>> {
        Ok(petition_deadline::Entity::find()
            .filter(petition_deadline::Column::PetitionId.eq(petition_id))
            .order_by_asc(petition_deadline::Column::DueOn)
            .order_by_asc(petition_deadline::Column::Id)
            .all(self.conn())
            .await?
            .into_iter()
            .map(DeadlineView::from)
            .collect())
    }

    /// One deadline of a petition, by its id.
    pub async fn petition_deadline(
        &self,
        petition_id: PetitionId,
        deadline_id: i32,
    ) -> StoreResult<DeadlineView> {
        Ok(petition_deadline::Entity::find_by_id(deadline_id)
            .filter(petition_deadline::Column::PetitionId.eq(petition_id))
            .one(self.conn())
            .await?
            .ok_or(StoreError::NotFound)?
            .into())
    }

    /// A follow-up from the petitioner (补充材料): a message, files, or both, in one transaction.
    pub async fn add_petitioner_follow_up(
        &self,
        petition_id: PetitionId,
        message: &str,
        files: &[StoredFile],
    ) -> StoreResult<TimelineEvent> {
        let now = Utc::now();
        let _queue = self.write_guard().await;
        let txn = self.begin_write().await?;
        let kind = if message.is_empty() {
            EventKind::EvidenceAdded
        } else {
            EventKind::Message
        };
        let p: Petition = petition::Entity::find_by_id(petition_id)
            .one(&txn)
            .await?
            .ok_or(StoreError::NotFound)?
            .into();
        let event = EventRow {
            petition: &p,
            kind,
            public: true,
            actor: "petitioner",
            body: message.to_owned(),
            at: now,
            attribution: None,
        }
        .insert(&txn)
        .await?;
        insert_files(&txn, petition_id, event.id, files, now).await?;
        petition::ActiveModel {
            id: Set(petition_id),
            updated_at: Set(now),
            ..Default::default()
        }
        .update(&txn)
        .await?;
        let mut outbox = Outbox::new();
        outbox.index(Indexed::Petition(petition_id));
        self.finish(txn, outbox).await?;
        Ok(TimelineEvent {
            id: event.id,
            kind,
            actor: "petitioner".to_owned(),
            body: message.to_owned(),
            at: now,
            files: Vec::new(),
        })
    }

    /// Every evidence row of every petition, for integrity checks.
    pub async fn all_evidence_hashes(&self) -> StoreResult<Vec<String>> {
        Ok(evidence::Entity::find()
            .all(self.conn())
            .await?
            .into_iter()
            .map(|e| e.sha256)
            .collect())
    }

    /// The petitions a staff member may see: their agency's, minus those naming
    /// them (回避). Every staff read of a petition starts here.
    pub fn staff_petitions(&self, agency_id: AgencyId, staff_name: &str) -> StaffPetitions<'_> {
        StaffPetitions {
            store: self,
            agency_id,
            staff_name: staff_name.to_owned(),
        }
    }
}

/// The SQL form of `domain::access::names`: rows that do not name `name`.
pub(super) fn not_naming(name: &str) -> Condition {
    if !crate::domain::access::is_recusable_name(name) {
        return Condition::all();
    }
    let pattern = format!("%{}%", like_escape(name));
    Condition::all()
        .add(petition::Column::Subject.not_like(pattern.clone()))
        .add(petition::Column::Title.not_like(pattern))
}

/// The SQL form of `domain::access::names`: rows that name `name`.
pub(super) fn naming(name: &str) -> Condition {
    if !crate::domain::access::is_recusable_name(name) {
        return Condition::any().add(petition::Column::Id.is_null());
    }
    let pattern = format!("%{}%", like_escape(name));
    Condition::any()
        .add(petition::Column::Subject.like(pattern.clone()))
        .add(petition::Column::Title.like(pattern))
}

/// A name is matched literally: `%` and `_` in it are not wildcards (no escape
/// character is needed for names, which do not contain them in practice; they
/// are dropped so a pattern never widens).
fn like_escape(name: &str) -> String {
    name.chars().filter(|c| !matches!(c, '%' | '_')).collect()
}

/// The petitions one staff member may see (see [`Store::staff_petitions`]).
pub struct StaffPetitions<'a> {
    pub(super) store: &'a Store,
    pub(super) agency_id: AgencyId,
    pub(super) staff_name: String,
}

impl StaffPetitions<'_> {
    pub(super) fn scoped(&self) -> sea_orm::Select<petition::Entity> {
        petition::Entity::find()
            .filter(petition::Column::AgencyId.eq(self.agency_id))
            .filter(not_naming(&self.staff_name))
    }

    /// A petition in scope by its canonical tracking number. (The recusal rule
    /// is applied as the domain states it; queues use its SQL form.)
    pub async fn by_tracking_number(&self, tn: &str) -> StoreResult<Option<Petition>> {
        Ok(petition::Entity::find()
            .filter(petition::Column::AgencyId.eq(self.agency_id))
            .filter(petition::Column::TrackingNumber.eq(tn))
            .one(self.store.conn())
            .await?
            .map(Petition::from)
            .filter(|p| !p.names(&self.staff_name)))
    }
}
