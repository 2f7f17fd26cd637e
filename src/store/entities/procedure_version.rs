use crate::domain::ids::StaffId;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "procedure_versions")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub procedure_id: i32,
    pub version: i32,
    pub title_zh: String,
    pub title_en: String,
    pub summary_zh: String,
    pub summary_en: String,
    pub legal_basis: Json,
    pub steps: Json,
    pub time_limit: String,
    pub materials: Json,
    pub fees: String,
    pub appeal: String,
    pub change_note: String,
    pub author_id: Option<StaffId>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
