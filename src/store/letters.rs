//! Letters issued (receipts, answers): their verification records.

use super::entities::letter;
use super::{Store, StoreResult};
use crate::domain::ids::{AgencyId, PetitionId};
use crate::domain::letter::LetterKind;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder,
};

/// A letter's verification record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LetterRecord {
    pub code: String,
    pub petition_id: PetitionId,
    pub kind: LetterKind,
    pub lang: String,
    pub agency_id: AgencyId,
    /// The compact tracking number the letter is about.
    pub tracking_number: String,
    pub issued_on: chrono::NaiveDate,
    pub sha256: String,
    /// Ed25519 over `domain::letter::signed_statement`, hex.
    pub signature: String,
}

impl From<letter::Model> for LetterRecord {
    fn from(m: letter::Model) -> Self {
        LetterRecord {
            kind: LetterKind::parse(&m.kind).unwrap_or(LetterKind::Receipt),
            code: m.code,
            petition_id: PetitionId(m.petition_id),
            lang: m.lang,
            agency_id: AgencyId(m.agency_id),
            tracking_number: m.tracking_number,
            issued_on: m.issued_on,
            sha256: m.sha256,
            signature: m.signature,
        }
    }
}

impl Store {
    pub async fn insert_letter(&self, r: &LetterRecord) -> StoreResult<()> {
        letter::ActiveModel {
            code: Set(r.code.clone()),
            petition_id: Set(r.petition_id.0),
            kind: Set(r.kind.as_str().to_owned()),
            lang: Set(r.lang.clone()),
            agency_id: Set(r.agency_id.0),
            tracking_number: Set(r.tracking_number.clone()),
            issued_on: Set(r.issued_on),
            sha256: Set(r.sha256.clone()),
            signature: Set(r.signature.clone()),
            created_at: Set(chrono::Utc::now()),
        }
        .insert(self.conn())
        .await?;
        Ok(())
    }

    /// The letters of one kind and language issued for a petition, newest first.
    pub async fn letters_of(
        &self,
        petition: PetitionId,
        kind: LetterKind,
        lang: &str,
    ) -> StoreResult<Vec<LetterRecord>> {
        Ok(letter::Entity::find()
            .filter(letter::Column::PetitionId.eq(petition.0))
            .filter(letter::Column::Kind.eq(kind.as_str()))
            .filter(letter::Column::Lang.eq(lang))
            .order_by_desc(letter::Column::CreatedAt)
            .all(self.conn())
            .await?
            .into_iter()
            .map(LetterRecord::from)
            .collect())
    }

    pub async fn letter(&self, code: &str) -> StoreResult<Option<LetterRecord>> {
        Ok(letter::Entity::find_by_id(code.to_owned())
            .one(self.conn())
            .await?
            .map(LetterRecord::from))
    }
}

impl Store {
    /// Who approved the answer in force (the actor of the petition's latest
    /// `answered` event), if a staff member did.
    pub async fn answer_approver(
        &self,
        petition: PetitionId,
    ) -> StoreResult<Option<crate::domain::ids::StaffId>> {
        use super::entities::petition_event;
        let event = petition_event::Entity::find()
            .filter(petition_event::Column::PetitionId.eq(petition))
            .filter(petition_event::Column::Kind.eq(crate::domain::events::EventKind::Answered))
            .order_by_desc(petition_event::Column::Id)
            .one(self.conn())
            .await?;
        Ok(event
            .and_then(|e| {
                e.actor
                    .strip_prefix("staff:")
                    .and_then(|id| id.parse().ok())
            })
            .map(crate::domain::ids::StaffId))
    }
}
