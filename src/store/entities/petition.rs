use crate::domain::ids::{AgencyId, PetitionId, StaffId};
use crate::domain::petition::{PetitionCategory, PetitionKind};
use crate::domain::workflow::ReviewOutcome;
use crate::domain::workflow::{Rating, Round, State};
use crate::store::types::Day;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "petitions")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: PetitionId,
    #[sea_orm(unique)]
    pub tracking_number: String,
    pub access_code_hash: String,
    pub kind: PetitionKind,
    pub agency_id: AgencyId,
    pub agency_chosen: bool,
    pub category: PetitionCategory,
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
    pub status: State,
    pub quarantine_reason: Option<String>,
    pub version: i32,
    pub round: Round,
    pub handler_id: Option<StaffId>,
    pub draft_author_id: Option<StaffId>,
    pub extension_used: bool,
    pub extension_pending: bool,
    pub extension_days: i32,
    pub rating: Option<Rating>,
    pub answered_on: Option<Day>,
    pub draft_text: Option<String>,
    pub answer_text: Option<String>,
    pub clock_stopped_on: Option<Day>,
    /// The nearest open deadline, kept by a database trigger (migration 5).
    pub next_due_on: Day,
    /// 答复公开: the redacted title and answer, once a supervisor publishes them.
    pub public_title: Option<String>,
    pub public_answer: Option<String>,
    pub answer_published_at: Option<DateTimeUtc>,
    /// In a review round: the agency and handler whose answer is under review.
    pub reviewed_agency_id: Option<AgencyId>,
    pub reviewed_handler_id: Option<StaffId>,
    /// In a review round: `upheld` or `changed` (复查意见).
    pub review_outcome: Option<ReviewOutcome>,
    pub received_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// The Open311 partner that filed it, if one did.
    pub via_partner_id: Option<i32>,
    /// The day it reached its last state (retention counts from it; migration 16).
    pub concluded_on: Option<Day>,
    /// When the retention schedule erased the petitioner's identity.
    pub anonymised_at: Option<DateTimeUtc>,
    /// A legal hold: since when, why, by whom (retention waits while it lasts).
    pub held_since: Option<DateTimeUtc>,
    pub hold_reason: Option<String>,
    pub held_by: Option<String>,
    /// How it arrived (migration 18).
    pub channel: crate::domain::petition::Channel,
    /// The staff member who registered it on the petitioner's behalf.
    pub registered_by: Option<StaffId>,
    /// When the agency last acted on it (a workflow step); none until the
    /// first act after filing (migration 23). Stalled petitions are read from it.
    pub acted_at: Option<DateTimeUtc>,
    /// `mail`, `sms` or `both` (`domain::petition::Notify`).
    pub notify: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
