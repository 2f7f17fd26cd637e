use crate::domain::agency::AgencyType;
use crate::domain::ids::AgencyId;
use crate::domain::procedure::{Category, ProcedureStatus};
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "procedures")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub agency_id: AgencyId,
    pub agency_type: AgencyType,
    pub category: Category,
    pub status: ProcedureStatus,
    pub current_version: i32,
    pub title_zh: String,
    pub title_en: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
