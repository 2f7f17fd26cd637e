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
        staff::ActiveModel {
            email: Set(email.as_str().to_owned()),
            name: Set(name.to_owned()),
            role: Set(role.as_str().to_owned()),
            agency_id: Set(agency_id),
            password_hash: Set(password_hash.to_owned()),
            active: Set(true),
            created_at: Set(Utc::now()),
            ..Default::default()
        }
        .insert(self.conn())
        .await?
        .try_into()
    }
}
