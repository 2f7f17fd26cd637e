//! The one outbox writer. A change that others must hear of leaves through
//! rows written in the change's own transaction, so they exist exactly when
//! the change does: job rows (a notice the domain says is due, see
//! `domain::events`) and search rows (a document an index must refresh).
//! The job worker and the search indexer, outside the store, consume them.

use super::entities::{job, search_outbox};
use crate::domain::events::{EventKind, Notice, Reach, notices_of};
use crate::domain::ids::PetitionId;
use chrono::Utc;
use sea_orm::sea_query::InsertStatement;
use sea_orm::{ActiveValue::Set, ConnectionTrait, DbErr, EntityTrait, QueryTrait};

/// A search document that changed: which index, which row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Indexed {
    Procedure(i32),
    Case(i32),
    /// A published answer (答复公开); its id is its petition's.
    Answer(PetitionId),
    Petition(PetitionId),
}

impl Indexed {
    /// The index's name, as `search/<name>.toml` defines it.
    pub fn index(self) -> &'static str {
        match self {
            Indexed::Procedure(_) => "procedures",
            Indexed::Case(_) => "cases",
            Indexed::Answer(_) => "answers",
            Indexed::Petition(_) => "petitions",
        }
    }

    pub fn doc_id(self) -> String {
        match self {
            Indexed::Procedure(id) | Indexed::Case(id) => id.to_string(),
            Indexed::Answer(id) | Indexed::Petition(id) => id.to_string(),
        }
    }
}

/// The dedupe key of the mail telling the petitioner of timeline event
/// `event_id` (how a notice's delivery is found again).
pub fn petitioner_mail_key(event_id: i64) -> String {
    format!("mail:event:{event_id}")
}

/// The dedupe key of the SMS telling the petitioner of timeline event `event_id`.
pub fn petitioner_sms_key(event_id: i64) -> String {
    format!("sms:event:{event_id}")
}

/// What a transaction sends out, collected while it runs and written before it commits.
#[derive(Debug, Default)]
#[must_use = "an outbox does nothing until it is written in the transaction"]
pub struct Outbox {
    jobs: Vec<(Notice, serde_json::Value, Option<String>)>,
    indexed: Vec<Indexed>,
}

impl Outbox {
    pub fn new() -> Self {
        Self::default()
    }

    /// A timeline event of a petition: the notices the domain says it causes.
    pub fn event(
        &mut self,
        petition: PetitionId,
        event_id: i64,
        kind: EventKind,
        public: bool,
        reach: Reach,
    ) -> &mut Self {
        for notice in notices_of(kind, public, reach) {
            let key = match notice {
                Notice::StaffNotice => format!("mail:staff:{event_id}"),
                Notice::PetitionUpdateSms => petitioner_sms_key(event_id),
                _ => petitioner_mail_key(event_id),
            };
            self.jobs.push((
                notice,
                serde_json::json!({ "petition_id": petition, "event_id": event_id }),
                Some(key),
            ));
        }
        self
    }

    /// The acknowledgement of a new petition (once per tracking number), on
    /// each channel that reaches the petitioner.
    pub fn acknowledge(
        &mut self,
        petition: PetitionId,
        tracking_number: &str,
        reach: Reach,
    ) -> &mut Self {
        if reach.mail {
            self.jobs.push((
                Notice::PetitionAck,
                serde_json::json!({ "petition_id": petition }),
                Some(format!("mail:ack:{tracking_number}")),
            ));
        }
        if reach.sms {
            self.jobs.push((
                Notice::PetitionAckSms,
                serde_json::json!({ "petition_id": petition }),
                // `sms::jobs` derives the same key to send once.
                Some(format!("sms:ack:{tracking_number}")),
            ));
        }
        self
    }

    /// The mail of a new monthly bulletin to the supervisors concerned.
    pub fn bulletin(&mut self, bulletin_id: i32) -> &mut Self {
        self.jobs.push((
            Notice::Bulletin,
            serde_json::json!({ "bulletin_id": bulletin_id }),
            Some(format!("mail:bulletin:{bulletin_id}")),
        ));
        self
    }

    /// The mail of a supervision order on a body's backlog to its supervisors.
    pub fn backlog_order(&mut self, order_id: i32) -> &mut Self {
        self.jobs.push((
            Notice::BacklogOrder,
            serde_json::json!({ "order_id": order_id }),
            Some(format!("mail:order:{order_id}")),
        ));
        self
    }

    pub fn index(&mut self, doc: Indexed) -> &mut Self {
        self.indexed.push(doc);
        self
    }

    /// Whether anything will reach the search indexer (the store wakes it after the commit).
    pub fn touches_search(&self) -> bool {
        !self.indexed.is_empty()
    }

    /// Writes every row inside `conn` (the change's transaction).
    pub async fn write<C: ConnectionTrait>(&self, conn: &C) -> Result<(), DbErr> {
        for statement in self.statements() {
            conn.execute(&statement).await?;
        }
        Ok(())
    }

    /// The rows as statements, for a caller that runs them inside a larger
    /// one (the filing's single statement on PostgreSQL).
    pub(crate) fn statements(&self) -> Vec<InsertStatement> {
        let now_ms = Utc::now().timestamp_millis();
        self.jobs
            .iter()
            .map(|(notice, payload, key)| {
                job_row(notice.job_kind(), payload.clone(), key.clone(), now_ms)
            })
            .chain(
                self.indexed
                    .iter()
                    .map(|doc| search_row(doc.index(), doc.doc_id())),
            )
            .collect()
    }
}

/// Adds a job row inside the caller's transaction, to run now. With a
/// `dedupe_key`, a second enqueue of the same key is a no-op.
pub async fn enqueue_job<C: ConnectionTrait>(
    conn: &C,
    kind: &str,
    payload: serde_json::Value,
    dedupe_key: Option<String>,
) -> Result<(), DbErr> {
    enqueue_job_at(
        conn,
        kind,
        payload,
        dedupe_key,
        Utc::now().timestamp_millis(),
    )
    .await
}

/// Like [`enqueue_job`], for a job that must not run before `run_at_ms`.
pub async fn enqueue_job_at<C: ConnectionTrait>(
    conn: &C,
    kind: &str,
    payload: serde_json::Value,
    dedupe_key: Option<String>,
    run_at_ms: i64,
) -> Result<(), DbErr> {
    conn.execute(&job_row(kind, payload, dedupe_key, run_at_ms))
        .await?;
    Ok(())
}

/// A pending job row; a second row with the same `dedupe_key` is not written.
fn job_row(
    kind: &str,
    payload: serde_json::Value,
    dedupe_key: Option<String>,
    run_at_ms: i64,
) -> InsertStatement {
    let row = job::ActiveModel {
        kind: Set(kind.to_owned()),
        payload: Set(payload),
        dedupe_key: Set(dedupe_key),
        status: Set("pending".to_owned()),
        attempts: Set(0),
        run_at_ms: Set(run_at_ms),
        locked_until_ms: Set(None),
        last_error: Set(None),
        created_at: Set(Utc::now()),
        finished_at: Set(None),
        ..Default::default()
    };
    job::Entity::insert(row)
        .on_conflict_do_nothing_on([job::Column::DedupeKey])
        .into_query()
}

/// Marks a search document as changed inside the caller's transaction.
pub async fn enqueue_search<C: ConnectionTrait>(
    conn: &C,
    index: &str,
    doc_id: String,
) -> Result<(), DbErr> {
    conn.execute(&search_row(index, doc_id)).await?;
    Ok(())
}

fn search_row(index: &str, doc_id: String) -> InsertStatement {
    search_outbox::Entity::insert(search_outbox::ActiveModel {
        index_name: Set(index.to_owned()),
        doc_id: Set(doc_id),
        created_at: Set(Utc::now()),
        ..Default::default()
    })
    .into_query()
}
