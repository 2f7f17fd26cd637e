use crate::domain::case::CaseStage;
use crate::domain::ids::StaffId;
use crate::store::types::Day;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "case_milestones")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub case_id: i32,
    pub stage: CaseStage,
    pub occurred_on: Day,
    pub note: String,
    pub recorded_by: Option<StaffId>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
