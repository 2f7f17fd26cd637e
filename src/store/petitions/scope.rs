//! The staff's scoped finder: an agency's petitions minus those naming the
//! reader (回避). Every staff read of a petition starts here.

use super::*;
use crate::domain::ids::AgencyId;
use crate::store::entities::petition;
use crate::store::{Store, StoreResult};
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter};

impl Store {
    /// The petitions a staff member may see: their agency's, minus those naming
    /// them (回避). Every staff read of a petition starts here.
    pub fn staff_petitions(&self, agency_id: AgencyId, staff_name: &str) -> StaffPetitions<'_> {
        StaffPetitions {
            store: self,
            agency_id,
            staff_name: staff_name.to_owned(),
        }
    }
}

/// The SQL form of `domain::access::names`: rows that do not name `name`.
pub(in crate::store) fn not_naming(name: &str) -> Condition {
    if !crate::domain::access::is_recusable_name(name) {
        return Condition::all();
    }
    let pattern = format!("%{}%", like_escape(name));
    Condition::all()
        .add(petition::Column::Subject.not_like(pattern.clone()))
        .add(petition::Column::Title.not_like(pattern))
}

/// The SQL form of `domain::access::names`: rows that name `name`.
pub(in crate::store) fn naming(name: &str) -> Condition {
    if !crate::domain::access::is_recusable_name(name) {
        return Condition::any().add(petition::Column::Id.is_null());
    }
    let pattern = format!("%{}%", like_escape(name));
    Condition::any()
        .add(petition::Column::Subject.like(pattern.clone()))
        .add(petition::Column::Title.like(pattern))
}

/// A name is matched literally: `%` and `_` in it are not wildcards (no escape
/// character is needed for names, which do not contain them in practice; they
/// are dropped so a pattern never widens).
fn like_escape(name: &str) -> String {
    name.chars().filter(|c| !matches!(c, '%' | '_')).collect()
}

/// The petitions one staff member may see (see [`Store::staff_petitions`]).
pub struct StaffPetitions<'a> {
    pub(in crate::store) store: &'a Store,
    pub(in crate::store) agency_id: AgencyId,
    pub(in crate::store) staff_name: String,
}

impl StaffPetitions<'_> {
    pub(in crate::store) fn scoped(&self) -> sea_orm::Select<petition::Entity> {
        petition::Entity::find()
            .filter(petition::Column::AgencyId.eq(self.agency_id))
            .filter(not_naming(&self.staff_name))
    }

    /// A petition in scope by its canonical tracking number. (The recusal rule
    /// is applied as the domain states it; queues use its SQL form.)
    pub async fn by_tracking_number(&self, tn: &str) -> StoreResult<Option<Petition>> {
        Ok(petition::Entity::find()
            .filter(petition::Column::AgencyId.eq(self.agency_id))
            .filter(petition::Column::TrackingNumber.eq(tn))
            .one(self.store.conn())
            .await?
            .map(Petition::from)
            .filter(|p| !p.names(&self.staff_name)))
    }
}
