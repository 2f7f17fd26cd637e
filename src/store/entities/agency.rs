use crate::domain::agency::{AgencyLevel, AgencyType};
use crate::domain::ids::AgencyId;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "agencies")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: AgencyId,
    #[sea_orm(unique)]
    pub code: String,
    pub agency_type: AgencyType,
    pub level: AgencyLevel,
    pub parent_id: Option<AgencyId>,
    pub name_zh: String,
    pub name_en: String,
    pub region_zh: String,
    pub region_en: String,
    pub address_zh: String,
    pub address_en: String,
    pub hours_zh: String,
    pub hours_en: String,
    pub phone: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
