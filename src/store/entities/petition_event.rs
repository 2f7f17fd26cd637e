use crate::domain::events::EventKind;
use crate::domain::ids::PetitionId;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "petition_events")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub petition_id: PetitionId,
    pub kind: EventKind,
    pub public: bool,
    pub actor: String,
    pub body: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
