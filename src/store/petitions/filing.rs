//! A new petition — its row, first event, deadlines, evidence, mail and
//! search document — in one transaction (one statement on PostgreSQL), and
//! a petitioner's follow-up (补充材料).

use super::rows::*;
use super::*;
use crate::domain::events::EventKind;
use crate::domain::ids::PetitionId;
use crate::domain::petition::Complainant;
use crate::domain::workflow::{Round, State};
use crate::store::entities::{evidence, petition, petition_deadline, petition_event};
use crate::store::outbox::{Indexed, Outbox};
use crate::store::types::Day;
use crate::store::{Store, StoreError, StoreResult};
use chrono::Utc;
use sea_orm::{
    ActiveModelTrait,
    ActiveValue::{NotSet, Set},
    ConnectionTrait, EntityTrait, FromQueryResult, IntoActiveModel, QueryTrait,
};

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
        acted_at: None,
        notify: d.notify.as_str().to_owned(),
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
    if new.status == State::Received {
        outbox.acknowledge(petition.id, &petition.tracking_number, petition.reach());
    }
    outbox.index(Indexed::Petition(petition.id));
    outbox
}

impl Store {
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
        crate::store::rollups::add(&txn, &received.contributions()).await?;
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
        parts.extend(crate::store::duplicates::petition_keys_row(
            petition_id,
            new.keys,
        ));
        parts.extend(crate::store::rollups::additions(
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
            staff_id: None,
            by: None,
        })
    }
}
