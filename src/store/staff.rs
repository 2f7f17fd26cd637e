//! Staff accounts.

use super::entities::staff;
use super::outbox::{Indexed, Outbox};
use super::{Store, StoreResult};
use crate::domain::ids::{AgencyId, StaffId};
use crate::domain::staff::{Email, Role};
use chrono::Utc;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};

/// A signed-in staff member: who they are and the scope they act in.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct StaffMember {
    pub id: StaffId,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub agency_id: AgencyId,
}

impl From<staff::Model> for StaffMember {
    fn from(m: staff::Model) -> Self {
        StaffMember {
            role: m.role,
            id: m.id,
            email: m.email,
            name: m.name,
            agency_id: m.agency_id,
        }
    }
}

impl StaffMember {
    /// How the audit trail and the timeline name this member (谁执法、谁负责).
    pub fn actor(&self) -> String {
        format!("staff:{}", self.id)
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
        Ok(row.map(|m| {
            let hash = m.password_hash.clone();
            (StaffMember::from(m), hash)
        }))
    }

    /// The active account behind a session; a deactivated account's session ends.
    pub async fn active_staff(&self, id: StaffId) -> StoreResult<Option<StaffMember>> {
        Ok(staff::Entity::find_by_id(id)
            .filter(staff::Column::Active.eq(true))
            .one(self.conn())
            .await?
            .map(StaffMember::from))
    }

    pub async fn insert_staff(
        &self,
        email: &Email,
        name: &str,
        role: Role,
        agency_id: AgencyId,
        password_hash: &str,
    ) -> StoreResult<StaffMember> {
        use super::entities::petition;
        use crate::domain::ids::PetitionId;
        use sea_orm::QuerySelect;
        let txn = self.begin_write().await?;
        let member: StaffMember = staff::ActiveModel {
            email: Set(email.as_str().to_owned()),
            name: Set(name.to_owned()),
            role: Set(role),
            agency_id: Set(agency_id),
            password_hash: Set(password_hash.to_owned()),
            active: Set(true),
            created_at: Set(Utc::now()),
            ..Default::default()
        }
        .insert(&txn)
        .await?
        .into();
        // 回避 in search: petitions of the agency that already name the newcomer are
        // indexed again, so that their search never finds them.
        let ids: Vec<PetitionId> = petition::Entity::find()
            .select_only()
            .column(petition::Column::Id)
            .filter(petition::Column::AgencyId.eq(agency_id))
            .filter(super::petitions::naming(name))
            .into_tuple()
            .all(&txn)
            .await?;
        let mut outbox = Outbox::new();
        for id in ids {
            outbox.index(Indexed::Petition(id));
        }
        self.finish(txn, outbox).await?;
        Ok(member)
    }
}

impl Store {
    pub async fn insert_staff_token(
        &self,
        token_hash: &str,
        staff_id: StaffId,
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

    pub async fn staff_for_token(
        &self,
        token_hash: &str,
        now_ms: i64,
    ) -> StoreResult<Option<StaffId>> {
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
            Some(r) => Some(StaffId(r.try_get("", "staff_id")?)),
            None => None,
        })
    }
}

impl Store {
    /// Every active staff member of an agency, by role and name.
    pub async fn agency_members(&self, agency_id: AgencyId) -> StoreResult<Vec<StaffMember>> {
        use sea_orm::QueryOrder;
        Ok(staff::Entity::find()
            .filter(staff::Column::AgencyId.eq(agency_id))
            .filter(staff::Column::Active.eq(true))
            .order_by_asc(staff::Column::Role)
            .order_by_asc(staff::Column::Name)
            .all(self.conn())
            .await?
            .into_iter()
            .map(StaffMember::from)
            .collect())
    }

    /// A staff member, active or not (an officer's record outlives their account).
    pub async fn staff_member(&self, id: StaffId) -> StoreResult<Option<StaffMember>> {
        Ok(staff::Entity::find_by_id(id)
            .one(self.conn())
            .await?
            .map(StaffMember::from))
    }

    /// The active staff of an agency with a role, by name.
    pub async fn agency_staff(
        &self,
        agency_id: AgencyId,
        role: Role,
    ) -> StoreResult<Vec<StaffMember>> {
        use sea_orm::QueryOrder;
        Ok(staff::Entity::find()
            .filter(staff::Column::AgencyId.eq(agency_id))
            .filter(staff::Column::Role.eq(role))
            .filter(staff::Column::Active.eq(true))
            .order_by_asc(staff::Column::Name)
            .all(self.conn())
            .await?
            .into_iter()
            .map(StaffMember::from)
            .collect())
    }
}
