use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "issued_letters")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub petition_id: i32,
    pub kind: String,
    pub agency_id: i32,
    pub event_id: Option<i64>,
    pub issued_on: Date,
    /// `domain::letter::AnswerLetter` as JSON.
    pub facts: String,
    pub anonymised_on: Option<Date>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
