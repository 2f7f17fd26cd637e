use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "petitions")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(unique)]
    pub tracking_number: String,
    pub access_code_hash: String,
    pub kind: String,
    pub agency_id: i32,
    pub agency_chosen: bool,
    pub category: String,
    pub subject: String,
    pub title: String,
    pub description: String,
    pub desired_outcome: String,
    pub related_case_number: Option<String>,
    pub anonymous: bool,
    pub contact_name: Option<String>,
    pub contact_email: Option<String>,
    pub contact_phone: Option<String>,
    pub lang: String,
    pub status: String,
    pub quarantine_reason: Option<String>,
    pub version: i32,
    pub round: String,
    pub handler_id: Option<i32>,
    pub draft_author_id: Option<i32>,
    pub extension_used: bool,
    pub extension_pending: bool,
    pub extension_days: i32,
    pub rating: Option<String>,
    pub answered_on: Option<String>,
    pub draft_text: Option<String>,
    pub answer_text: Option<String>,
    pub clock_stopped_on: Option<String>,
    /// The nearest open deadline, kept by a database trigger (migration 5).
    pub next_due_on: String,
    /// 答复公开: the redacted title and answer, once a supervisor publishes them.
    pub public_title: Option<String>,
    pub public_answer: Option<String>,
    pub answer_published_at: Option<DateTimeUtc>,
    pub received_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
