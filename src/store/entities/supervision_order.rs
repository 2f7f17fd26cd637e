use crate::domain::ids::{AgencyId, PetitionId, StaffId};
use crate::domain::supervision::OrderStatus;
use crate::store::types::Day;
use sea_orm::entity::prelude::*;

/// 督办 (migration 23).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "supervision_orders")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub issuing_agency_id: AgencyId,
    pub issued_by: StaffId,
    pub target_agency_id: AgencyId,
    pub petition_id: Option<PetitionId>,
    pub instructions: String,
    pub reply_by: Day,
    pub status: OrderStatus,
    pub issued_at: DateTimeUtc,
    pub reply_text: Option<String>,
    pub replied_by: Option<StaffId>,
    pub replied_at: Option<DateTimeUtc>,
    pub replied_on: Option<Day>,
    pub withdrawn_by: Option<StaffId>,
    pub withdrawn_at: Option<DateTimeUtc>,
    pub withdraw_reason: Option<String>,
    pub escalated_at: Option<DateTimeUtc>,
    pub escalated_to: Option<AgencyId>,
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
