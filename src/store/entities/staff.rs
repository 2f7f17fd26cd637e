use crate::domain::ids::{AgencyId, StaffId};
use crate::domain::staff::Role;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "staff")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: StaffId,
    #[sea_orm(unique)]
    pub email: String,
    pub name: String,
    pub role: Role,
    pub agency_id: AgencyId,
    pub password_hash: String,
    pub active: bool,
    pub created_at: DateTimeUtc,
    /// The TOTP key, sealed (`crypto::Secret::seal`); none until enrolled.
    pub totp_secret: Option<String>,
    pub totp_enabled_at: Option<DateTimeUtc>,
    /// The last TOTP time step accepted: a code is used once.
    pub totp_last_step: Option<i64>,
    pub password_changed_at: Option<DateTimeUtc>,
    pub deactivated_at: Option<DateTimeUtc>,
    pub deactivated_by: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
