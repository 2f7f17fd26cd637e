//! The monthly bulletins (执法情况通报): one per agency and month, kept as
//! generated, with the mail to its supervisors written in the same transaction.

use super::entities::bulletin;
use super::outbox::Outbox;
use super::{Store, StoreResult};
use crate::domain::ids::AgencyId;
use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder,
};

/// A bulletin as kept.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Bulletin {
    pub id: i32,
    pub agency_id: AgencyId,
    pub month: String,
    pub body: serde_json::Value,
    pub generated_at: chrono::DateTime<Utc>,
}

impl From<bulletin::Model> for Bulletin {
    fn from(m: bulletin::Model) -> Self {
        Bulletin {
            id: m.id,
            agency_id: m.agency_id,
            month: m.month,
            body: m.body,
            generated_at: m.generated_at,
        }
    }
}

impl Store {
    /// Keeps the bulletin of `agency` for `month` unless one exists (then
    /// `None`: a bulletin is generated once, whoever tries again).
    pub async fn keep_bulletin(
        &self,
        agency: AgencyId,
        month: &str,
        body: serde_json::Value,
    ) -> StoreResult<Option<i32>> {
        let _queue = self.write_guard().await;
        let txn = self.begin_write().await?;
        if bulletin::Entity::find()
            .filter(bulletin::Column::AgencyId.eq(agency))
            .filter(bulletin::Column::Month.eq(month))
            .one(&txn)
            .await?
            .is_some()
        {
            txn.rollback().await?;
            return Ok(None);
        }
        let inserted = bulletin::ActiveModel {
            agency_id: Set(agency),
            month: Set(month.to_owned()),
            body: Set(body),
            generated_at: Set(Utc::now()),
            ..Default::default()
        }
        .insert(&txn)
        .await;
        let row = match inserted {
            Ok(row) => row,
            // Another node kept it first (the unique index): that one stands.
            Err(e)
                if matches!(
                    e.sql_err(),
                    Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
                ) =>
            {
                txn.rollback().await?;
                return Ok(None);
            }
            Err(e) => return Err(e.into()),
        };
        let mut outbox = Outbox::new();
        outbox.bulletin(row.id);
        self.finish(txn, outbox).await?;
        Ok(Some(row.id))
    }

    pub async fn bulletin(&self, id: i32) -> StoreResult<Option<Bulletin>> {
        Ok(bulletin::Entity::find_by_id(id)
            .one(self.conn())
            .await?
            .map(Bulletin::from))
    }

    /// The bulletins of an agency, newest first.
    pub async fn bulletins_of(&self, agency: AgencyId) -> StoreResult<Vec<Bulletin>> {
        Ok(bulletin::Entity::find()
            .filter(bulletin::Column::AgencyId.eq(agency))
            .order_by_desc(bulletin::Column::Month)
            .all(self.conn())
            .await?
            .into_iter()
            .map(Bulletin::from)
            .collect())
    }

    /// How many bulletins exist for `month`.
    pub async fn bulletins_for_month(&self, month: &str) -> StoreResult<u64> {
        use sea_orm::PaginatorTrait;
        Ok(bulletin::Entity::find()
            .filter(bulletin::Column::Month.eq(month))
            .count(self.conn())
            .await?)
    }
}
