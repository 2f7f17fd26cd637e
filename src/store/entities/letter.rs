use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "letters")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub code: String,
    pub petition_id: i32,
    pub kind: String,
    pub lang: String,
    pub agency_id: i32,
    pub tracking_number: String,
    pub issued_on: Date,
    pub sha256: String,
    pub signature: String,
    pub created_at: DateTimeUtc,
    /// The issued letter this is a copy of (`issued_letters`); none for a receipt.
    pub letter_id: Option<i32>,
    /// The copy's PDF, kept once drawn; none before migration 22 and after retention.
    pub pdf: Option<Vec<u8>>,
    pub anonymised_on: Option<Date>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
