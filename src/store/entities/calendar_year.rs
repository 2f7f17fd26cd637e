use sea_orm::entity::prelude::*;

/// A year of the holiday calendar an operator loaded (`mingjing calendar import`).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "calendar_years")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub year: i32,
    pub notice: String,
    pub notice_date: String,
    /// The checked year (`domain::calendar::CalendarYear`) as JSON.
    pub days: Json,
    pub loaded_by: String,
    pub loaded_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
