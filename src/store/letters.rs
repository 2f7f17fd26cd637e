//! Letters issued (receipts, answers): the frozen facts of each answer
//! letter (`issued_letters`) and each drawn copy's verification record and
//! bytes (`letters`).

use super::entities::{issued_letter, letter};
use super::{Store, StoreResult};
use crate::domain::ids::{AgencyId, PetitionId};
use crate::domain::issued::Facts;
use crate::domain::letter::{AnswerLetter, LetterKind};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder,
};

/// An answer letter or a notice as issued: its facts, frozen (`domain::letter`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuedLetter {
    pub id: i32,
    pub petition_id: PetitionId,
    pub kind: LetterKind,
    /// The body that issued it.
    pub agency_id: AgencyId,
    pub issued_on: chrono::NaiveDate,
    pub facts: Facts,
    /// The timeline event that issued it (none: frozen after the fact).
    pub event_id: Option<i64>,
    /// When retention blanked its personal data (`AnswerLetter::anonymised`).
    pub anonymised_on: Option<chrono::NaiveDate>,
}

impl TryFrom<issued_letter::Model> for IssuedLetter {
    type Error = super::StoreError;
    fn try_from(m: issued_letter::Model) -> Result<Self, Self::Error> {
        let kind = LetterKind::parse(&m.kind)
            .ok_or_else(|| super::StoreError::Corrupt(format!("issued letter {}: kind", m.id)))?;
        Ok(IssuedLetter {
            id: m.id,
            petition_id: PetitionId(m.petition_id),
            kind,
            agency_id: AgencyId(m.agency_id),
            issued_on: m.issued_on,
            facts: Facts::from_json(kind, &m.facts)
                .map_err(|e| super::StoreError::Corrupt(format!("issued letter {}: {e}", m.id)))?,
            event_id: m.event_id,
            anonymised_on: m.anonymised_on,
        })
    }
}

/// Writes an issued letter's frozen facts (with the event that issues it, in its transaction).
pub(super) async fn insert_issued(
    conn: &impl ConnectionTrait,
    petition: PetitionId,
    agency: AgencyId,
    event_id: Option<i64>,
    facts: &Facts,
    now: chrono::DateTime<chrono::Utc>,
) -> StoreResult<i32> {
    let row = issued_letter::ActiveModel {
        petition_id: Set(petition.0),
        kind: Set(facts.kind().as_str().to_owned()),
        agency_id: Set(agency.0),
        event_id: Set(event_id),
        issued_on: Set(facts.issued_on()),
        facts: Set(facts.to_json()),
        anonymised_on: Set(None),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    Ok(row.id)
}

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
    /// The issued letter this is a copy of; none for a receipt.
    pub letter_id: Option<i32>,
    /// The copy's bytes, kept once drawn (none before they were kept, and
    /// after retention removed them).
    pub pdf: Option<Vec<u8>>,
    pub anonymised_on: Option<chrono::NaiveDate>,
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
            letter_id: m.letter_id,
            pdf: m.pdf,
            anonymised_on: m.anonymised_on,
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
            letter_id: Set(r.letter_id),
            pdf: Set(r.pdf.clone()),
            anonymised_on: Set(r.anonymised_on),
        }
        .insert(self.conn())
        .await?;
        Ok(())
    }

    /// Keeps the bytes of a copy drawn before copies were kept, once they
    /// were found to be exactly those its record signed.
    pub async fn keep_letter_bytes(&self, code: &str, pdf: Vec<u8>) -> StoreResult<()> {
        letter::ActiveModel {
            code: Set(code.to_owned()),
            pdf: Set(Some(pdf)),
            ..Default::default()
        }
        .update(self.conn())
        .await?;
        Ok(())
    }

    /// The copy of issued letter `letter_id` in `lang` that is served now
    /// (not one whose bytes retention removed).
    pub async fn letter_copy(
        &self,
        letter_id: i32,
        lang: &str,
    ) -> StoreResult<Option<LetterRecord>> {
        Ok(letter::Entity::find()
            .filter(letter::Column::LetterId.eq(letter_id))
            .filter(letter::Column::Lang.eq(lang))
            .filter(letter::Column::AnonymisedOn.is_null())
            .one(self.conn())
            .await?
            .map(LetterRecord::from))
    }

    /// The letters issued for a petition (answers and notices), newest first.
    pub async fn issued_letters(&self, petition: PetitionId) -> StoreResult<Vec<IssuedLetter>> {
        issued_letter::Entity::find()
            .filter(issued_letter::Column::PetitionId.eq(petition.0))
            .order_by_desc(issued_letter::Column::Id)
            .all(self.conn())
            .await?
            .into_iter()
            .map(IssuedLetter::try_from)
            .collect()
    }

    pub async fn issued_letter(&self, id: i32) -> StoreResult<Option<IssuedLetter>> {
        issued_letter::Entity::find_by_id(id)
            .one(self.conn())
            .await?
            .map(IssuedLetter::try_from)
            .transpose()
    }

    /// Freezes an answer letter outside an answer's transaction: for a
    /// petition answered before letters were frozen (migration 22).
    pub async fn insert_issued_letter(
        &self,
        petition: PetitionId,
        agency: AgencyId,
        facts: &AnswerLetter,
    ) -> StoreResult<i32> {
        insert_issued(
            self.conn(),
            petition,
            agency,
            None,
            &Facts::Answer(facts.clone()),
            chrono::Utc::now(),
        )
        .await
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
