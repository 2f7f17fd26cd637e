use crate::domain::ids::PetitionId;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "evidence")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub petition_id: PetitionId,
    pub event_id: Option<i64>,
    pub sha256: String,
    pub file_name: String,
    pub mime: String,
    pub size: i64,
    pub metadata_removed: bool,
    pub created_at: DateTimeUtc,
    /// Deleted under the retention schedule: the row says there was a file.
    pub deleted_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
