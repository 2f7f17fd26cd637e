//! What the status page and the workers read of a petition, with the
//! status cache that keeps a repeated lookup to one indexed query.

use super::*;
use crate::domain::ids::PetitionId;
use crate::store::entities::{evidence, petition, petition_deadline, petition_event};
use crate::store::{Store, StoreError, StoreResult};
use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use std::sync::Arc;

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
                staff_id: e
                    .actor
                    .strip_prefix("staff:")
                    .and_then(|n| n.parse().ok())
                    .map(StaffId),
                by: None,
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
