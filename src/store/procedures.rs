//! Procedures and their versions. Public reads see the published catalogue;
//! every staff write goes through `AgencyProcedures`, which is bound to one agency.

use super::entities::{procedure, procedure_version};
use super::outbox::{Indexed, Outbox};
use super::{Store, StoreError, StoreResult, from_json};
use crate::domain::agency::AgencyType;
use crate::domain::ids::{AgencyId, StaffId};
use crate::domain::page::{PageRequest, Paged};
use crate::domain::procedure::{Category, LegalCitation, ProcedureDraft, ProcedureStatus};
use chrono::{DateTime, Utc};
use sea_orm::sea_query::Query;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};
use serde::Serialize;
use utoipa::ToSchema;

/// A procedure as listed: identity, classification and its current title.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct ProcedureSummary {
    pub id: i32,
    pub agency_id: AgencyId,
    pub agency_type: AgencyType,
    pub category: Category,
    pub status: ProcedureStatus,
    pub current_version: i32,
    pub title_zh: String,
    pub title_en: String,
    pub updated_at: DateTime<Utc>,
}

impl From<procedure::Model> for ProcedureSummary {
    fn from(m: procedure::Model) -> Self {
        ProcedureSummary {
            agency_type: m.agency_type,
            category: m.category,
            status: m.status,
            id: m.id,
            agency_id: m.agency_id,
            current_version: m.current_version,
            title_zh: m.title_zh,
            title_en: m.title_en,
            updated_at: m.updated_at,
        }
    }
}

/// One published text of a procedure. Versions are immutable once written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct ProcedureVersion {
    pub procedure_id: i32,
    pub version: i32,
    pub title_zh: String,
    pub title_en: String,
    pub summary_zh: String,
    pub summary_en: String,
    pub legal_basis: Vec<LegalCitation>,
    /// The steps, in order.
    pub steps: Vec<String>,
    pub time_limit: String,
    pub materials: Vec<String>,
    pub fees: String,
    pub appeal: String,
    pub change_note: String,
    pub published_at: DateTime<Utc>,
}

impl TryFrom<procedure_version::Model> for ProcedureVersion {
    type Error = StoreError;
    fn try_from(m: procedure_version::Model) -> StoreResult<Self> {
        Ok(ProcedureVersion {
            legal_basis: from_json(&m.legal_basis, "legal_basis")?,
            steps: from_json(&m.steps, "steps")?,
            materials: from_json(&m.materials, "materials")?,
            procedure_id: m.procedure_id,
            version: m.version,
            title_zh: m.title_zh,
            title_en: m.title_en,
            summary_zh: m.summary_zh,
            summary_en: m.summary_en,
            time_limit: m.time_limit,
            fees: m.fees,
            appeal: m.appeal,
            change_note: m.change_note,
            published_at: m.created_at,
        })
    }
}

/// An entry of the version history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct VersionEntry {
    pub version: i32,
    pub title_zh: String,
    pub title_en: String,
    pub change_note: String,
    pub published_at: DateTime<Utc>,
}

/// What the public catalogue may be narrowed to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProcedureFilter {
    pub agency_type: Option<AgencyType>,
    pub category: Option<Category>,
    pub agency_id: Option<AgencyId>,
    /// Words in the title, either language.
    pub q: Option<String>,
}

impl ProcedureFilter {
    fn condition(&self) -> Condition {
        let mut c = Condition::all().add(procedure::Column::Status.eq(ProcedureStatus::Published));
        if let Some(t) = self.agency_type {
            c = c.add(procedure::Column::AgencyType.eq(t));
        }
        if let Some(cat) = self.category {
            c = c.add(procedure::Column::Category.eq(cat));
        }
        if let Some(a) = self.agency_id {
            c = c.add(procedure::Column::AgencyId.eq(a));
        }
        if let Some(q) = self.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
            c = c.add(
                Condition::any()
                    .add(procedure::Column::TitleZh.contains(q))
                    .add(procedure::Column::TitleEn.contains(q)),
            );
        }
        c
    }
}

fn version_row(
    procedure_id: i32,
    version: i32,
    draft: &ProcedureDraft,
    author_id: Option<StaffId>,
    now: DateTime<Utc>,
) -> procedure_version::ActiveModel {
    procedure_version::ActiveModel {
        procedure_id: Set(procedure_id),
        version: Set(version),
        title_zh: Set(draft.title_zh.clone()),
        title_en: Set(draft.title_en.clone()),
        summary_zh: Set(draft.summary_zh.clone()),
        summary_en: Set(draft.summary_en.clone()),
        legal_basis: Set(serde_json::json!(draft.legal_basis)),
        steps: Set(serde_json::json!(draft.steps)),
        time_limit: Set(draft.time_limit.clone()),
        materials: Set(serde_json::json!(draft.materials)),
        fees: Set(draft.fees.clone()),
        appeal: Set(draft.appeal.clone()),
        change_note: Set(draft.change_note.clone()),
        author_id: Set(author_id),
        created_at: Set(now),
        ..Default::default()
    }
}

impl Store {
    /// The published catalogue, newest changes first within a stable order.
    pub async fn published_procedures(
        &self,
        filter: &ProcedureFilter,
        page: PageRequest,
    ) -> StoreResult<Paged<ProcedureSummary>> {
        let query = procedure::Entity::find().filter(filter.condition());
        let total = query.clone().count(self.conn()).await?;
        let rows = query
            .order_by_asc(procedure::Column::AgencyType)
            .order_by_asc(procedure::Column::Category)
            .order_by_asc(procedure::Column::Id)
            .offset(page.offset())
            .limit(page.per_page)
            .all(self.conn())
            .await?;
        let items = rows.into_iter().map(ProcedureSummary::from).collect();
        Ok(Paged::new(items, page, total))
    }

    /// Number of published procedures per agency type, for the home page.
    pub async fn procedure_counts_by_type(&self) -> StoreResult<Vec<(AgencyType, u64)>> {
        let rows: Vec<(AgencyType, i64)> = procedure::Entity::find()
            .select_only()
            .column(procedure::Column::AgencyType)
            .column_as(procedure::Column::Id.count(), "n")
            .filter(procedure::Column::Status.eq(ProcedureStatus::Published))
            .group_by(procedure::Column::AgencyType)
            .into_tuple()
            .all(self.conn())
            .await?;
        Ok(AgencyType::ALL
            .into_iter()
            .map(|t| {
                let n = rows.iter().find(|(s, _)| *s == t).map_or(0, |(_, n)| *n);
                (t, u64::try_from(n).unwrap_or(0))
            })
            .collect())
    }

    /// Any procedure the public may open: published, or withdrawn (shown with a notice).
    pub async fn procedure(&self, id: i32) -> StoreResult<ProcedureSummary> {
        procedure::Entity::find_by_id(id)
            .one(self.conn())
            .await?
            .ok_or(StoreError::NotFound)
            .map(ProcedureSummary::from)
    }

    pub async fn procedure_version(&self, id: i32, version: i32) -> StoreResult<ProcedureVersion> {
        procedure_version::Entity::find()
            .filter(procedure_version::Column::ProcedureId.eq(id))
            .filter(procedure_version::Column::Version.eq(version))
            .one(self.conn())
            .await?
            .ok_or(StoreError::NotFound)?
            .try_into()
    }

    /// The version history, newest first.
    pub async fn procedure_history(&self, id: i32) -> StoreResult<Vec<VersionEntry>> {
        let rows = procedure_version::Entity::find()
            .filter(procedure_version::Column::ProcedureId.eq(id))
            .order_by_desc(procedure_version::Column::Version)
            .all(self.conn())
            .await?;
        Ok(rows
            .into_iter()
            .map(|m| VersionEntry {
                version: m.version,
                title_zh: m.title_zh,
                title_en: m.title_en,
                change_note: m.change_note,
                published_at: m.created_at,
            })
            .collect())
    }

    /// The procedures of one agency, for its staff: every write starts here.
    pub fn agency_procedures(&self, agency_id: AgencyId) -> AgencyProcedures<'_> {
        AgencyProcedures {
            store: self,
            agency_id,
        }
    }
}

/// The procedures owned by one agency. Reads and writes outside it find nothing.
pub struct AgencyProcedures<'a> {
    store: &'a Store,
    agency_id: AgencyId,
}

impl AgencyProcedures<'_> {
    fn scoped(&self) -> sea_orm::Select<procedure::Entity> {
        procedure::Entity::find().filter(procedure::Column::AgencyId.eq(self.agency_id))
    }

    /// Every procedure of the agency, withdrawn ones included.
    pub async fn list(&self) -> StoreResult<Vec<ProcedureSummary>> {
        Ok(self
            .scoped()
            .order_by_desc(procedure::Column::UpdatedAt)
            .order_by_desc(procedure::Column::Id)
            .all(self.store.conn())
            .await?
            .into_iter()
            .map(ProcedureSummary::from)
            .collect())
    }

    pub async fn get(&self, id: i32) -> StoreResult<ProcedureSummary> {
        self.scoped()
            .filter(procedure::Column::Id.eq(id))
            .one(self.store.conn())
            .await?
            .ok_or(StoreError::NotFound)
            .map(ProcedureSummary::from)
    }

    /// The current text of one of the agency's procedures.
    pub async fn current(&self, id: i32) -> StoreResult<(ProcedureSummary, ProcedureVersion)> {
        let summary = self.get(id).await?;
        let version = self
            .store
            .procedure_version(id, summary.current_version)
            .await?;
        Ok((summary, version))
    }

    /// Publishes a new procedure as version 1, in one transaction.
    pub async fn create(
        &self,
        agency_type: AgencyType,
        draft: &ProcedureDraft,
        author_id: Option<StaffId>,
    ) -> StoreResult<ProcedureSummary> {
        let now = Utc::now();
        let _lock = crate::audit::APPEND_LOCK.lock().await;
        let txn = self.store.begin_write().await?;
        let row = procedure::ActiveModel {
            agency_id: Set(self.agency_id),
            agency_type: Set(agency_type),
            category: Set(draft.category),
            status: Set(ProcedureStatus::Published),
            current_version: Set(1),
            title_zh: Set(draft.title_zh.clone()),
            title_en: Set(draft.title_en.clone()),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        version_row(row.id, 1, draft, author_id, now)
            .insert(&txn)
            .await?;
        crate::audit::append(
            &txn,
            &actor_of(author_id),
            "procedure.create",
            &format!("procedure:{}", row.id),
            &serde_json::Value::Null,
            &serde_json::json!({ "version": 1, "title_zh": draft.title_zh, "status": "published" }),
        )
        .await?;
        let mut outbox = Outbox::new();
        outbox.index(Indexed::Procedure(row.id));
        self.store.finish(txn, outbox).await?;
        Ok(row.into())
    }

    /// Publishes `draft` as the next version, provided nobody published since
    /// `base_version` (optimistic concurrency); the old versions stay as they were.
    pub async fn publish(
        &self,
        id: i32,
        base_version: i32,
        draft: &ProcedureDraft,
        author_id: Option<StaffId>,
    ) -> StoreResult<ProcedureSummary> {
        let now = Utc::now();
        let _lock = crate::audit::APPEND_LOCK.lock().await;
        let txn = self.store.begin_write().await?;
        let next = base_version + 1;
        let update = Query::update()
            .table(procedure::Entity)
            .value(procedure::Column::CurrentVersion, next)
            .value(procedure::Column::TitleZh, draft.title_zh.clone())
            .value(procedure::Column::TitleEn, draft.title_en.clone())
            .value(procedure::Column::Category, draft.category)
            .value(procedure::Column::UpdatedAt, now)
            .and_where(procedure::Column::Id.eq(id))
            .and_where(procedure::Column::AgencyId.eq(self.agency_id))
            .and_where(procedure::Column::CurrentVersion.eq(base_version))
            .to_owned();
        let result = txn.execute(&update).await?;
        if result.rows_affected() != 1 {
            txn.rollback().await?;
            let current = self.get(id).await?;
            return Err(StoreError::Conflict {
                current: current.current_version,
            });
        }
        version_row(id, next, draft, author_id, now)
            .insert(&txn)
            .await?;
        crate::audit::append(
            &txn,
            &actor_of(author_id),
            "procedure.publish",
            &format!("procedure:{id}"),
            &serde_json::json!({ "version": base_version }),
            &serde_json::json!({ "version": next, "title_zh": draft.title_zh }),
        )
        .await?;
        let mut outbox = Outbox::new();
        outbox.index(Indexed::Procedure(id));
        self.store.finish(txn, outbox).await?;
        self.get(id).await
    }

    /// Withdraws a procedure from the catalogue, or publishes it again, with
    /// its audit entry naming who did it.
    pub async fn set_status(
        &self,
        id: i32,
        status: ProcedureStatus,
        actor: StaffId,
    ) -> StoreResult<ProcedureSummary> {
        let before = self.get(id).await?;
        let update = Query::update()
            .table(procedure::Entity)
            .value(procedure::Column::Status, status)
            .value(procedure::Column::UpdatedAt, Utc::now())
            .and_where(procedure::Column::Id.eq(id))
            .and_where(procedure::Column::AgencyId.eq(self.agency_id))
            .to_owned();
        let _lock = crate::audit::APPEND_LOCK.lock().await;
        let txn = self.store.begin_write().await?;
        let result = txn.execute(&update).await?;
        if result.rows_affected() != 1 {
            txn.rollback().await?;
            return Err(StoreError::NotFound);
        }
        crate::audit::append(
            &txn,
            &actor_of(Some(actor)),
            match status {
                ProcedureStatus::Withdrawn => "procedure.withdraw",
                _ => "procedure.restore",
            },
            &format!("procedure:{id}"),
            &serde_json::json!({ "status": before.status.as_str() }),
            &serde_json::json!({ "status": status.as_str() }),
        )
        .await?;
        // Withdrawn: the indexer finds no document and deletes it from the index.
        let mut outbox = Outbox::new();
        outbox.index(Indexed::Procedure(id));
        self.store.finish(txn, outbox).await?;
        self.get(id).await
    }
}

/// Who an act on a procedure is recorded as: the staff member, or the system
/// (the demo seeding, which has no author).
fn actor_of(staff: Option<StaffId>) -> String {
    staff.map_or_else(|| "system".to_owned(), |s| format!("staff:{s}"))
}
