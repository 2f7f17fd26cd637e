//! Petitions: everything a receipt promises is written in one transaction.

use super::entities::{evidence, petition, petition_deadline, petition_event};
use super::{Store, StoreError, StoreResult};
use crate::domain::clock::Deadline;
use crate::domain::petition::{
    Complainant, PetitionCategory, PetitionDraft, PetitionKind, PetitionStatus,
};
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder,
    TransactionTrait,
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
    pub agency_id: i32,
    pub tracking_number: &'a str,
    pub access_code_hash: String,
    pub lang: &'a str,
    pub status: PetitionStatus,
    pub quarantine_reason: Option<String>,
    pub received_at: DateTime<Utc>,
    pub deadlines: &'a [Deadline],
    pub files: &'a [StoredFile],
}

/// A petition as its own pages need it (never the access-code hash's users' contact details in public views).
#[derive(Debug, Clone, Serialize)]
pub struct PetitionRecord {
    pub id: i32,
    pub tracking_number: String,
    #[serde(skip)]
    pub access_code_hash: String,
    pub kind: PetitionKind,
    pub category: PetitionCategory,
    pub agency_id: i32,
    pub title: String,
    pub status: PetitionStatus,
    pub anonymous: bool,
    #[serde(skip)]
    pub contact_email: Option<String>,
    pub lang: String,
    pub received_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl TryFrom<petition::Model> for PetitionRecord {
    type Error = StoreError;
    fn try_from(m: petition::Model) -> StoreResult<Self> {
        let corrupt = |what: &str| StoreError::Corrupt(format!("petition {}: {what}", m.id));
        Ok(PetitionRecord {
            kind: PetitionKind::parse(&m.kind).ok_or_else(|| corrupt("kind"))?,
            category: PetitionCategory::parse(&m.category).ok_or_else(|| corrupt("category"))?,
            status: PetitionStatus::parse(&m.status).ok_or_else(|| corrupt("status"))?,
            id: m.id,
            tracking_number: m.tracking_number,
            access_code_hash: m.access_code_hash,
            agency_id: m.agency_id,
            title: m.title,
            anonymous: m.anonymous,
            contact_email: m.contact_email,
            lang: m.lang,
            received_at: m.received_at,
            updated_at: m.updated_at,
        })
    }
}

/// One entry of the public timeline.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TimelineEvent {
    pub id: i64,
    /// `received`, `message`, `evidence_added`, …
    pub kind: String,
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
        }
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DeadlineView {
    pub clock: String,
    /// The last day, in China time (YYYY-MM-DD).
    pub due_on: String,
    pub citation_zh: String,
    pub citation_en: String,
    /// `open`, `met` or `stopped`.
    pub status: String,
}

fn is_unique_violation(e: &sea_orm::DbErr) -> bool {
    matches!(
        e.sql_err(),
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
    )
}

async fn insert_files<C: sea_orm::ConnectionTrait>(
    conn: &C,
    petition_id: i32,
    event_id: i64,
    files: &[StoredFile],
    now: DateTime<Utc>,
) -> StoreResult<()> {
    for f in files {
        evidence::ActiveModel {
            petition_id: Set(petition_id),
            event_id: Set(Some(event_id)),
            sha256: Set(f.sha256.clone()),
            file_name: Set(f.file_name.clone()),
            mime: Set(f.mime.clone()),
            size: Set(f.size),
            metadata_removed: Set(f.metadata_removed),
            created_at: Set(now),
            ..Default::default()
        }
        .insert(conn)
        .await?;
    }
    Ok(())
}

/// The status page's data of recently viewed petitions, keyed by petition and
/// valid while the petition's `updated_at` is unchanged: every write to a
/// petition (new event, deadline, state) sets `updated_at`, so a lookup costs
/// one indexed query unless something changed.
#[derive(Debug, Default)]
pub struct StatusCache {
    entries: std::sync::RwLock<std::collections::HashMap<i32, CachedStatus>>,
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
    pub async fn petition_status_parts(&self, p: &PetitionRecord) -> StoreResult<Arc<StatusParts>> {
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
    pub fn invalidate_status(&self, petition_id: i32) {
        self.status_cache
            .entries
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&petition_id);
    }

    /// Records a new petition with its first event, deadlines, evidence and the
    /// acknowledgement mail job, all or nothing. `Ok(None)` means the tracking
    /// number was taken; the caller draws another.
    pub async fn create_petition(
        &self,
        new: NewPetition<'_>,
    ) -> StoreResult<Option<PetitionRecord>> {
        let d = new.draft;
        let (anonymous, name, email, phone) = match &d.complainant {
            Complainant::Anonymous => (true, None, None, None),
            Complainant::Named { name, email, phone } => (
                false,
                Some(name.clone()),
                email.as_ref().map(|e| e.as_str().to_owned()),
                phone.as_ref().map(|p| p.as_str().to_owned()),
            ),
        };
        let _queue = self.write_guard().await;
        let txn = self.conn().begin().await?;
        let inserted = petition::ActiveModel {
            tracking_number: Set(new.tracking_number.to_owned()),
            access_code_hash: Set(new.access_code_hash),
            kind: Set(d.kind.as_str().to_owned()),
            agency_id: Set(new.agency_id),
            agency_chosen: Set(matches!(
                d.agency,
                crate::domain::petition::AgencyChoice::Chosen(_)
            )),
            category: Set(d.category.as_str().to_owned()),
            subject: Set(d.subject.clone()),
            title: Set(d.title.clone()),
            description: Set(d.description.clone()),
            desired_outcome: Set(d.desired_outcome.clone()),
            related_case_number: Set(d.related_case_number.clone()),
            anonymous: Set(anonymous),
            contact_name: Set(name),
            contact_email: Set(email.clone()),
            contact_phone: Set(phone),
            lang: Set(new.lang.to_owned()),
            status: Set(new.status.as_str().to_owned()),
            quarantine_reason: Set(new.quarantine_reason),
            version: Set(1),
            received_at: Set(new.received_at),
            updated_at: Set(new.received_at),
            ..Default::default()
        }
        .insert(&txn)
        .await;
        let row = match inserted {
            Ok(row) => row,
            Err(e) if is_unique_violation(&e) => {
                txn.rollback().await?;
                return Ok(None);
            }
            Err(e) => return Err(e.into()),
        };
        let event = petition_event::ActiveModel {
            petition_id: Set(row.id),
            kind: Set("received".to_owned()),
            public: Set(true),
            actor: Set("petitioner".to_owned()),
            body: Set(String::new()),
            created_at: Set(new.received_at),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        // One statement for all first deadlines.
        let deadlines: Vec<petition_deadline::ActiveModel> = new
            .deadlines
            .iter()
            .map(|deadline| petition_deadline::ActiveModel {
                petition_id: Set(row.id),
                rule_id: Set(deadline.rule_id.clone()),
                clock: Set(deadline.clock.clone()),
                due_on: Set(deadline.due_on.format("%Y-%m-%d").to_string()),
                citation_zh: Set(deadline.citation_zh.clone()),
                citation_en: Set(deadline.citation_en.clone()),
                status: Set("open".to_owned()),
                created_at: Set(new.received_at),
                ..Default::default()
            })
            .collect();
        if !deadlines.is_empty() {
            petition_deadline::Entity::insert_many(deadlines)
                .exec(&txn)
                .await?;
        }
        insert_files(&txn, row.id, event.id, new.files, new.received_at).await?;
        if email.is_some() && new.status == PetitionStatus::Received {
            crate::jobs::enqueue(
                &txn,
                crate::mail::jobs::PETITION_ACK,
                serde_json::json!({ "petition_id": row.id }),
                Some(format!("mail:ack:{}", row.tracking_number)),
            )
            .await?;
        }
        crate::search::outbox::enqueue(&txn, "petitions", row.id).await?;
        txn.commit().await?;
        self.search_changed();
        Ok(Some(row.try_into()?))
    }

    pub async fn petition_by_tracking_number(
        &self,
        tracking_number: &str,
    ) -> StoreResult<Option<PetitionRecord>> {
        petition::Entity::find()
            .filter(petition::Column::TrackingNumber.eq(tracking_number))
            .one(self.conn())
            .await?
            .map(PetitionRecord::try_from)
            .transpose()
    }

    pub async fn petition_by_id(&self, id: i32) -> StoreResult<PetitionRecord> {
        petition::Entity::find_by_id(id)
            .one(self.conn())
            .await?
            .ok_or(StoreError::NotFound)?
            .try_into()
    }

    /// The petition's timeline in order, with the files each event brought.
    pub async fn petition_timeline(
        &self,
        petition_id: i32,
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

    pub async fn petition_files(&self, petition_id: i32) -> StoreResult<Vec<EvidenceFile>> {
        Ok(evidence::Entity::find()
            .filter(evidence::Column::PetitionId.eq(petition_id))
            .order_by_asc(evidence::Column::Id)
            .all(self.conn())
            .await?
            .into_iter()
            .map(EvidenceFile::from)
            .collect())
    }

    pub async fn petition_deadlines(&self, petition_id: i32) -> StoreResult<Vec<DeadlineView>> {
        Ok(petition_deadline::Entity::find()
            .filter(petition_deadline::Column::PetitionId.eq(petition_id))
            .order_by_asc(petition_deadline::Column::DueOn)
            .order_by_asc(petition_deadline::Column::Id)
            .all(self.conn())
            .await?
            .into_iter()
            .map(|d| DeadlineView {
                clock: d.clock,
                due_on: d.due_on,
                citation_zh: d.citation_zh,
                citation_en: d.citation_en,
                status: d.status,
            })
            .collect())
    }

    /// A follow-up from the petitioner (补充材料): a message, files, or both, in one transaction.
    pub async fn add_petitioner_follow_up(
        &self,
        petition_id: i32,
        message: &str,
        files: &[StoredFile],
    ) -> StoreResult<TimelineEvent> {
        let now = Utc::now();
        let _queue = self.write_guard().await;
        let txn = self.conn().begin().await?;
        let kind = if message.is_empty() {
            "evidence_added"
        } else {
            "message"
        };
        let event = petition_event::ActiveModel {
            petition_id: Set(petition_id),
            kind: Set(kind.to_owned()),
            public: Set(true),
            actor: Set("petitioner".to_owned()),
            body: Set(message.to_owned()),
            created_at: Set(now),
            ..Default::default()
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
        crate::search::outbox::enqueue(&txn, "petitions", petition_id).await?;
        txn.commit().await?;
        self.search_changed();
        Ok(TimelineEvent {
            id: event.id,
            kind: kind.to_owned(),
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
}
