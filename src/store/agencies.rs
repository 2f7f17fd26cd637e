//! Agencies and their hierarchy; public data, read by everyone.

use super::entities::agency;
use super::{Store, StoreResult};
use crate::domain::agency::{AgencyContact, AgencyLevel, AgencyType};
use crate::domain::ids::AgencyId;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder,
};
use serde::Serialize;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};
use utoipa::ToSchema;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Agency {
    pub id: AgencyId,
    pub code: String,
    pub agency_type: AgencyType,
    pub level: AgencyLevel,
    pub parent_id: Option<AgencyId>,
    pub name_zh: String,
    pub name_en: String,
    pub region_zh: String,
    pub region_en: String,
    /// Where and when its petition reception office (信访接待) is open
    /// (empty fields until the operator loads them).
    pub contact: AgencyContact,
}

impl From<agency::Model> for Agency {
    fn from(m: agency::Model) -> Self {
        Agency {
            agency_type: m.agency_type,
            level: m.level,
            id: m.id,
            code: m.code,
            parent_id: m.parent_id,
            name_zh: m.name_zh,
            name_en: m.name_en,
            region_zh: m.region_zh,
            region_en: m.region_en,
            contact: AgencyContact {
                address_zh: m.address_zh,
                address_en: m.address_en,
                hours_zh: m.hours_zh,
                hours_en: m.hours_en,
                phone: m.phone,
            },
        }
    }
}

impl Agency {
    /// The name in the reader's language (`en` or anything else for Chinese).
    pub fn name(&self, english: bool) -> &str {
        if english {
            &self.name_en
        } else {
            &self.name_zh
        }
    }
}

/// A new agency, as the demo seeder or an operator creates it.
pub struct NewAgency<'a> {
    pub code: &'a str,
    pub agency_type: AgencyType,
    pub level: AgencyLevel,
    pub parent_id: Option<AgencyId>,
    pub name_zh: &'a str,
    pub name_en: &'a str,
    pub region_zh: &'a str,
    pub region_en: &'a str,
}

/// The agency hierarchy is read on almost every page and changes almost never
/// (an operator adds an agency), so it is kept in memory. Entries older than
/// `AGENCY_CACHE_TTL` are reloaded, so an agency added by another process or
/// node shows up within that time; an unknown id forces a reload at once.
#[derive(Debug, Default)]
pub struct AgencyCache {
    inner: RwLock<Option<(Instant, Arc<Vec<Agency>>)>>,
}

const AGENCY_CACHE_TTL: Duration = Duration::from_secs(60);

impl AgencyCache {
    fn fresh(&self) -> Option<Arc<Vec<Agency>>> {
        let guard = self.inner.read().unwrap_or_else(|p| p.into_inner());
        guard
            .as_ref()
            .filter(|(at, _)| at.elapsed() < AGENCY_CACHE_TTL)
            .map(|(_, list)| list.clone())
    }

    fn store(&self, list: Arc<Vec<Agency>>) {
        *self.inner.write().unwrap_or_else(|p| p.into_inner()) = Some((Instant::now(), list));
    }

    pub(super) fn clear(&self) {
        *self.inner.write().unwrap_or_else(|p| p.into_inner()) = None;
    }
}

impl Store {
    async fn load_agencies(&self) -> StoreResult<Arc<Vec<Agency>>> {
        let rows = agency::Entity::find()
            .order_by_asc(agency::Column::Id)
            .all(self.conn())
            .await?;
        let list = Arc::new(rows.into_iter().map(Agency::from).collect::<Vec<_>>());
        self.agency_cache.store(list.clone());
        Ok(list)
    }

    /// All agencies in the order they were created (parents before children).
    pub async fn agencies(&self) -> StoreResult<Arc<Vec<Agency>>> {
        match self.agency_cache.fresh() {
            Some(list) => Ok(list),
            None => self.load_agencies().await,
        }
    }

    pub async fn agency(&self, id: AgencyId) -> StoreResult<Agency> {
        if let Some(a) = self.agencies().await?.iter().find(|a| a.id == id) {
            return Ok(a.clone());
        }
        self.load_agencies()
            .await?
            .iter()
            .find(|a| a.id == id)
            .cloned()
            .ok_or(super::StoreError::NotFound)
    }

    pub async fn agency_by_code(&self, code: &str) -> StoreResult<Agency> {
        agency::Entity::find()
            .filter(agency::Column::Code.eq(code))
            .one(self.conn())
            .await?
            .ok_or(super::StoreError::NotFound)
            .map(Agency::from)
    }

    /// Sets the contact details of the agency with `code`; whether there is one.
    pub async fn set_agency_contact(
        &self,
        code: &str,
        contact: &AgencyContact,
    ) -> StoreResult<bool> {
        let Some(model) = agency::Entity::find()
            .filter(agency::Column::Code.eq(code))
            .one(self.conn())
            .await?
        else {
            return Ok(false);
        };
        let mut active: agency::ActiveModel = model.into();
        active.address_zh = Set(contact.address_zh.clone());
        active.address_en = Set(contact.address_en.clone());
        active.hours_zh = Set(contact.hours_zh.clone());
        active.hours_en = Set(contact.hours_en.clone());
        active.phone = Set(contact.phone.clone());
        active.update(self.conn()).await?;
        self.forget_cached(super::cluster::Topic::Agencies);
        self.announce(super::cluster::Topic::Agencies).await?;
        Ok(true)
    }

    pub async fn insert_agency(&self, new: NewAgency<'_>) -> StoreResult<Agency> {
        let model = agency::ActiveModel {
            code: Set(new.code.to_owned()),
            agency_type: Set(new.agency_type),
            level: Set(new.level),
            parent_id: Set(new.parent_id),
            name_zh: Set(new.name_zh.to_owned()),
            name_en: Set(new.name_en.to_owned()),
            region_zh: Set(new.region_zh.to_owned()),
            region_en: Set(new.region_en.to_owned()),
            ..Default::default()
        }
        .insert(self.conn())
        .await?;
        self.forget_cached(super::cluster::Topic::Agencies);
        self.announce(super::cluster::Topic::Agencies).await?;
        Ok(model.into())
    }
}
