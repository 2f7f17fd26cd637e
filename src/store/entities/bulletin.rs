use crate::domain::ids::AgencyId;
use sea_orm::entity::prelude::*;

/// A monthly 执法情况通报 of an agency: its figures and lists as generated.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "bulletins")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub agency_id: AgencyId,
    /// YYYY-MM
    pub month: String,
    pub body: Json,
    pub generated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
