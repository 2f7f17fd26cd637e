use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "sms_log")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The job's dedupe key: one row per message however often the job ran.
    pub job_key: String,
    pub petition_id: Option<i32>,
    /// The number as a keyed hash (`crypto::Secret::keyed_hash`), never the number.
    pub phone_hash: String,
    pub template: String,
    pub template_id: String,
    pub text: String,
    /// `submitted`, `delivered`, `failed`.
    pub state: String,
    pub provider_id: Option<String>,
    pub sent_at: DateTimeUtc,
    pub reported_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
