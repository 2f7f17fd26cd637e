use crate::domain::case::{CaseStage, CaseType};
use crate::domain::ids::AgencyId;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "cases")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub agency_id: AgencyId,
    #[sea_orm(unique)]
    pub case_number: String,
    pub case_type: CaseType,
    pub title: String,
    pub public: bool,
    pub public_summary: String,
    pub query_code_hash: String,
    pub stage: CaseStage,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
