use crate::domain::events::EventKind;
use crate::domain::ids::{AgencyId, PetitionId, StaffId};
use crate::domain::workflow::Round;
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
    /// Who it counts for (`domain::evaluation::Attribution`); none on rows older than migration 8.
    pub agency_id: Option<AgencyId>,
    pub officer_id: Option<StaffId>,
    pub other_agency_id: Option<AgencyId>,
    pub other_officer_id: Option<StaffId>,
    pub round: Option<Round>,
    pub detail: Option<String>,
    /// The salt of the body's commitment in the audit trail (`audit::commitment`).
    pub body_salt: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
