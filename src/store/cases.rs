//! Disclosed cases (案件公开) and their milestones.

use super::entities::{case, case_milestone};
use super::outbox::{Indexed, Outbox};
use super::types::Day;
use super::{Store, StoreError, StoreResult};
use crate::domain::case::{CaseDraft, CaseStage, CaseType, MilestoneDraft};
use crate::domain::ids::{AgencyId, StaffId};
use crate::domain::page::{PageRequest, Paged};
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect,
};
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CaseView {
    pub id: i32,
    pub agency_id: AgencyId,
    pub case_number: String,
    pub case_type: CaseType,
    pub title: String,
    pub public: bool,
    /// Redacted: what the public may read.
    pub public_summary: String,
    pub stage: CaseStage,
    #[serde(skip)]
    pub query_code_hash: String,
    pub updated_at: DateTime<Utc>,
}

impl From<case::Model> for CaseView {
    fn from(m: case::Model) -> Self {
        CaseView {
            case_type: m.case_type,
            stage: m.stage,
            id: m.id,
            agency_id: m.agency_id,
            case_number: m.case_number,
            title: m.title,
            public: m.public,
            public_summary: m.public_summary,
            query_code_hash: m.query_code_hash,
            updated_at: m.updated_at,
        }
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Milestone {
    pub stage: CaseStage,
    /// YYYY-MM-DD
    #[schema(value_type = String)]
    pub occurred_on: chrono::NaiveDate,
    pub note: String,
}

impl Store {
    /// Cases their agencies marked public, most recently updated first.
    pub async fn public_cases(&self, page: PageRequest) -> StoreResult<Paged<CaseView>> {
        let q = case::Entity::find().filter(case::Column::Public.eq(true));
        let total = q.clone().count(self.conn()).await?;
        let rows = q
            .order_by_desc(case::Column::UpdatedAt)
            .order_by_desc(case::Column::Id)
            .offset(page.offset())
            .limit(page.per_page)
            .all(self.conn())
            .await?;
        Ok(Paged::new(
            rows.into_iter().map(CaseView::from).collect(),
            page,
            total,
        ))
    }

    pub async fn case_by_number(&self, case_number: &str) -> StoreResult<Option<CaseView>> {
        Ok(case::Entity::find()
            .filter(case::Column::CaseNumber.eq(case_number))
            .one(self.conn())
            .await?
            .map(CaseView::from))
    }

    pub async fn case_by_id(&self, id: i32) -> StoreResult<CaseView> {
        case::Entity::find_by_id(id)
            .one(self.conn())
            .await?
            .ok_or(StoreError::NotFound)
            .map(CaseView::from)
    }

    pub async fn case_milestones(&self, case_id: i32) -> StoreResult<Vec<Milestone>> {
        Ok(case_milestone::Entity::find()
            .filter(case_milestone::Column::CaseId.eq(case_id))
            .order_by_asc(case_milestone::Column::OccurredOn)
            .order_by_asc(case_milestone::Column::Id)
            .all(self.conn())
            .await?
            .into_iter()
            .map(|m| Milestone {
                stage: m.stage,
                occurred_on: m.occurred_on.0,
                note: m.note,
            })
            .collect())
    }

    pub fn agency_cases(&self, agency_id: AgencyId) -> AgencyCases<'_> {
        AgencyCases {
            store: self,
            agency_id,
        }
    }
}

/// The cases of one agency, for its staff.
pub struct AgencyCases<'a> {
    store: &'a Store,
    agency_id: AgencyId,
}

impl AgencyCases<'_> {
    pub async fn list(&self) -> StoreResult<Vec<CaseView>> {
        Ok(case::Entity::find()
            .filter(case::Column::AgencyId.eq(self.agency_id))
            .order_by_desc(case::Column::UpdatedAt)
            .all(self.store.conn())
            .await?
            .into_iter()
            .map(CaseView::from)
            .collect())
    }

    pub async fn get(&self, id: i32) -> StoreResult<CaseView> {
        case::Entity::find_by_id(id)
            .filter(case::Column::AgencyId.eq(self.agency_id))
            .one(self.store.conn())
            .await?
            .ok_or(StoreError::NotFound)
            .map(CaseView::from)
    }

    /// Discloses a case with its first milestone (立案 on `filed_on`). `Conflict`
    /// when the case number is already disclosed.
    pub async fn create(
        &self,
        draft: &CaseDraft,
        query_code_hash: String,
        filed_on: chrono::NaiveDate,
        staff_id: StaffId,
    ) -> StoreResult<CaseView> {
        let now = Utc::now();
        let _lock = crate::audit::APPEND_LOCK.lock().await;
        let txn = self.store.begin_write().await?;
        let inserted = case::ActiveModel {
            agency_id: Set(self.agency_id),
            case_number: Set(draft.case_number.clone()),
            case_type: Set(draft.case_type),
            title: Set(draft.title.clone()),
            public: Set(draft.public),
            public_summary: Set(draft.public_summary.clone()),
            query_code_hash: Set(query_code_hash),
            stage: Set(CaseStage::Filed),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(&txn)
        .await;
        let row = match inserted {
            Ok(r) => r,
            Err(e)
                if matches!(
                    e.sql_err(),
                    Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
                ) =>
            {
                txn.rollback().await?;
                return Err(StoreError::Conflict { current: 0 });
            }
            Err(e) => return Err(e.into()),
        };
        case_milestone::ActiveModel {
            case_id: Set(row.id),
            stage: Set(CaseStage::Filed),
            occurred_on: Set(Day(filed_on)),
            note: Set(String::new()),
            recorded_by: Set(Some(staff_id)),
            created_at: Set(now),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        // The query code's hash is not the trail's business; what was disclosed is.
        crate::audit::append(
            &txn,
            &format!("staff:{staff_id}"),
            "case.disclose",
            &format!("case:{}", row.id),
            &serde_json::Value::Null,
            &serde_json::json!({
                "case_number": row.case_number,
                "public": row.public,
                "stage": CaseStage::Filed.as_str(),
                "filed_on": filed_on.to_string(),
            }),
        )
        .await?;
        let mut outbox = Outbox::new();
        outbox.index(Indexed::Case(row.id));
        self.store.finish(txn, outbox).await?;
        Ok(row.into())
    }

    /// Records a milestone; the case's stage becomes the milestone's.
    pub async fn add_milestone(
        &self,
        case_id: i32,
        m: &MilestoneDraft,
        staff_id: StaffId,
    ) -> StoreResult<()> {
        let case = self.get(case_id).await?;
        let now = Utc::now();
        let _lock = crate::audit::APPEND_LOCK.lock().await;
        let txn = self.store.begin_write().await?;
        case_milestone::ActiveModel {
            case_id: Set(case.id),
            stage: Set(m.stage),
            occurred_on: Set(Day(m.occurred_on)),
            note: Set(m.note.clone()),
            recorded_by: Set(Some(staff_id)),
            created_at: Set(now),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        case::ActiveModel {
            id: Set(case.id),
            stage: Set(m.stage),
            updated_at: Set(now),
            ..Default::default()
        }
        .update(&txn)
        .await?;
        crate::audit::append(
            &txn,
            &format!("staff:{staff_id}"),
            "case.milestone",
            &format!("case:{}", case.id),
            &serde_json::json!({ "stage": case.stage.as_str() }),
            &serde_json::json!({ "stage": m.stage.as_str(), "occurred_on": m.occurred_on.to_string(), "note": m.note }),
        )
        .await?;
        let mut outbox = Outbox::new();
        outbox.index(Indexed::Case(case.id));
        self.store.finish(txn, outbox).await
    }
}
