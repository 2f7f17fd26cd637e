//! Agencies and their hierarchy; public data, read by everyone.

use super::entities::agency;
use super::{Store, StoreResult};
use crate::domain::agency::{AgencyLevel, AgencyType};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder,
};
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Agency {
    pub id: i32,
    pub code: String,
    pub agency_type: AgencyType,
    pub level: AgencyLevel,
    pub parent_id: Option<i32>,
    pub name_zh: String,
    pub name_en: String,
    pub region_zh: String,
    pub region_en: String,
}

impl TryFrom<agency::Model> for Agency {
    type Error = super::StoreError;
    fn try_from(m: agency::Model) -> StoreResult<Self> {
        Ok(Agency {
            agency_type: AgencyType::parse(&m.agency_type).ok_or_else(|| {
                super::StoreError::Corrupt(format!("agency type {}", m.agency_type))
            })?,
            level: AgencyLevel::parse(&m.level)
                .ok_or_else(|| super::StoreError::Corrupt(format!("agency level {}", m.level)))?,
            id: m.id,
            code: m.code,
            parent_id: m.parent_id,
            name_zh: m.name_zh,
            name_en: m.name_en,
            region_zh: m.region_zh,
            region_en: m.region_en,
        })
    }
}

/// A new agency, as the demo seeder or an operator creates it.
pub struct NewAgency<'a> {
    pub code: &'a str,
    pub agency_type: AgencyType,
    pub level: AgencyLevel,
    pub parent_id: Option<i32>,
    pub name_zh: &'a str,
    pub name_en: &'a str,
    pub region_zh: &'a str,
    pub region_en: &'a str,
}

impl Store {
    /// All agencies, parents before children (province, city, county), then by code.
    pub async fn agencies(&self) -> StoreResult<Vec<Agency>> {
        let rows = agency::Entity::find()
            .order_by_asc(agency::Column::Id)
            .all(self.conn())
            .await?;
        rows.into_iter().map(Agency::try_from).collect()
    }

    pub async fn agency(&self, id: i32) -> StoreResult<Agency> {
        agency::Entity::find_by_id(id)
            .one(self.conn())
            .await?
            .ok_or(super::StoreError::NotFound)?
            .try_into()
    }

    pub async fn agency_by_code(&self, code: &str) -> StoreResult<Agency> {
        agency::Entity::find()
            .filter(agency::Column::Code.eq(code))
            .one(self.conn())
            .await?
            .ok_or(super::StoreError::NotFound)?
            .try_into()
    }

    pub async fn insert_agency(&self, new: NewAgency<'_>) -> StoreResult<Agency> {
        let model = agency::ActiveModel {
            code: Set(new.code.to_owned()),
            agency_type: Set(new.agency_type.as_str().to_owned()),
            level: Set(new.level.as_str().to_owned()),
            parent_id: Set(new.parent_id),
            name_zh: Set(new.name_zh.to_owned()),
            name_en: Set(new.name_en.to_owned()),
            region_zh: Set(new.region_zh.to_owned()),
            region_en: Set(new.region_en.to_owned()),
            ..Default::default()
        }
        .insert(self.conn())
        .await?;
        model.try_into()
    }
}
