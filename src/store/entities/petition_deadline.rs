use crate::domain::clock::DeadlineStatus;
use crate::domain::ids::{AgencyId, PetitionId, StaffId};
use crate::domain::workflow::Round;
use crate::store::types::Day;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "petition_deadlines")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub petition_id: PetitionId,
    pub rule_id: String,
    pub clock: String,
    /// The day its period started from; none only on rows older than migration 7.
    pub started_on: Option<Day>,
    pub due_on: Day,
    pub citation_zh: String,
    pub citation_en: String,
    pub status: DeadlineStatus,
    /// The days it was moved by since it started, in order (JSON array).
    pub moved_by: Json,
    /// The last year of the calendar it was counted on; past it, it is provisional.
    pub calendar_year: i32,
    /// The agency whose clock it is, its round and the officer responsible.
    pub agency_id: Option<AgencyId>,
    pub officer_id: Option<StaffId>,
    pub round: Option<Round>,
    /// The day it was met or replaced.
    pub closed_on: Option<Day>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
