use crate::domain::clock::DeadlineStatus;
use crate::domain::ids::PetitionId;
use crate::store::types::Day;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "petition_deadlines")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub petition_id: PetitionId,
    pub rule_id: String,
    pub clock: String,
    pub due_on: Day,
    pub citation_zh: String,
    pub citation_en: String,
    pub status: DeadlineStatus,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
