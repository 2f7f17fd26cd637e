//! Staff accounts.

use super::entities::staff;
use super::{Store, StoreError, StoreResult};
use crate::domain::staff::{Email, Role};
use chrono::Utc;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};

/// A signed-in staff member: who they are and the scope they act in.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct StaffMember {
    pub id: i32,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub agency_id: i32,
}

impl TryFrom<staff::Model> for StaffMember {
    type Error = StoreError;
    fn try_from(m: staff::Model) -> StoreResult<Self> {
        Ok(StaffMember {
            role: Role::parse(&m.role)
                .ok_or_else(|| StoreError::Corrupt(format!("role {}", m.role)))?,
            id: m.id,
            email: m.email,
            name: m.name,
            agency_id: m.agency_id,
        })
    }
}

impl Store {
    /// The active account with this e-mail and its password hash, for login.
    pub async fn staff_credentials(
        &self,
        email: &Email,
    ) -> StoreResult<Option<(StaffMember, String)>> {
        let row = staff::Entity::find()
            .filter(staff::Column::Email.eq(email.as_str()))
            .filter(staff::Column::Active.eq(true))
            .one(self.conn())
            .await?;
        row.map(|m| {
            let hash = m.password_hash.clone();
            StaffMember::try_from(m).map(|s| (s, hash))
        })
        .transpose()
    }

    /// The active account behind a session; a deactivated account's session ends.
    pub async fn active_staff(&self, id: i32) -> StoreResult<Option<StaffMember>> {
        staff::Entity::find_by_id(id)
            .filter(staff::Column::Active.eq(true))
            .one(self.conn())
            .await?
            .map(StaffMember::try_from)
            .transpose()
    }

    pub async fn insert_staff(
        &self,
        email: &Email,
        name: &str,
        role: Role,
        agency_id: i32,
        password_hash: &str,
    ) -> StoreResult<StaffMember> {
        use sea_orm::TransactionTrait;
        let txn = self.conn().begin().await?;
        let member: StaffMember = staff::ActiveModel {
            email: Set(email.as_str().to_owned()),
            name: Set(name.to_owned()),
            role: Set(role.as_str().to_owned()),
            agency_id: Set(agency_id),
            password_hash: Set(password_hash.to_owned()),
            active: Set(true),
            created_at: Set(Utc::now()),
            ..Default::default()
        }
        .insert(&txn)
        .await?
        .try_into()?;
        // 回避 in search: petitions of the agency that already name the newcomer are
        // indexed again, so that their search never finds them.
        if name.chars().count() >= 2 {
            use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QuerySelect};
            let pattern = format!("%{name}%");
            let ids: Vec<i32> = crate::store::entities::petition::Entity::find()
                .select_only()
                .column(crate::store::entities::petition::Column::Id)
                .filter(crate::store::entities::petition::Column::AgencyId.eq(agency_id))
                .filter(
                    sea_orm::Condition::any()
                        .add(crate::store::entities::petition::Column::Subject.like(&pattern))
                        .add(crate::store::entities::petition::Column::Title.like(&pattern)),
                )
                .into_tuple()
                .all(&txn)
                .await?;
            for id in ids {
                crate::search::outbox::enqueue(&txn, "petitions", id).await?;
            }
        }
        txn.commit().await?;
        self.search_changed();
        Ok(member)
    }
}

impl Store {
    pub async fn insert_staff_token(
        &self,
        token_hash: &str,
        staff_id: i32,
        expires_at_ms: i64,
    ) -> StoreResult<()> {
        let backend = sea_orm::ConnectionTrait::get_database_backend(self.conn());
        let sql = if backend == sea_orm::DatabaseBackend::Postgres {
            "INSERT INTO staff_tokens (token_hash, staff_id, expires_at_ms) VALUES ($1, $2, $3)"
        } else {
            "INSERT INTO staff_tokens (token_hash, staff_id, expires_at_ms) VALUES (?1, ?2, ?3)"
        };
        sea_orm::ConnectionTrait::execute_raw(
            self.conn(),
            sea_orm::Statement::from_sql_and_values(
                backend,
                sql,
                [token_hash.into(), staff_id.into(), expires_at_ms.into()],
            ),
        )
        .await?;
        Ok(())
    }

    pub async fn staff_for_token(&self, token_hash: &str, now_ms: i64) -> StoreResult<Option<i32>> {
        let backend = sea_orm::ConnectionTrait::get_database_backend(self.conn());
        let sql = if backend == sea_orm::DatabaseBackend::Postgres {
            "SELECT staff_id FROM staff_tokens WHERE token_hash = $1 AND expires_at_ms > $2"
        } else {
            "SELECT staff_id FROM staff_tokens WHERE token_hash = ?1 AND expires_at_ms > ?2"
        };
        let row = sea_orm::ConnectionTrait::query_one_raw(
            self.conn(),
            sea_orm::Statement::from_sql_and_values(
                backend,
                sql,
                [token_hash.into(), now_ms.into()],
            ),
        )
        .await?;
        Ok(match row {
            Some(r) => Some(r.try_get("", "staff_id")?),
            None => None,
        })
    }
}

impl Store {
    /// The active staff of an agency with a role, by name.
    pub async fn agency_staff(&self, agency_id: i32, role: Role) -> StoreResult<Vec<StaffMember>> {
        use sea_orm::QueryOrder;
        staff::Entity::find()
            .filter(staff::Column::AgencyId.eq(agency_id))
            .filter(staff::Column::Role.eq(role.as_str()))
            .filter(staff::Column::Active.eq(true))
            .order_by_asc(staff::Column::Name)
            .all(self.conn())
            .await?
            .into_iter()
            .map(StaffMember::try_from)
            .collect()
    }
}
