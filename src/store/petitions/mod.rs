//! Petitions: one read model ([`Petition`]) for every page, job and use case;
//! everything a receipt promises is written in one transaction; staff load
//! petitions only through a scoped finder ([`Store::staff_petitions`]).
//!
//! This file holds the read model and what a filing brings; `rows` the rows
//! every petition write inserts (events, evidence, deadlines); `filing` the
//! one transaction of a new petition and of a petitioner's follow-up; `reads`
//! the status page's reads and their cache; `scope` the staff's scoped finder.

mod filing;
mod reads;
mod rows;
mod scope;

pub use reads::{StatusCache, StatusParts};
pub(crate) use rows::refresh_next_due;
pub(in crate::store) use rows::{EventRow, deadline_row};
pub use scope::StaffPetitions;
pub(in crate::store) use scope::{naming, not_naming};

use super::entities::{evidence, petition, petition_deadline};
use crate::domain::clock::{Deadline, DeadlineStatus};
use crate::domain::events::EventKind;
use crate::domain::ids::{AgencyId, PetitionId, StaffId};
use crate::domain::petition::{PetitionCategory, PetitionDraft, PetitionKind};
use crate::domain::workflow::{PetitionState, Rating, Round, State};
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use utoipa::ToSchema;

/// A file already written to the file store, to be recorded with the petition.
#[derive(Debug, Clone)]
pub struct StoredFile {
    pub sha256: String,
    pub file_name: String,
    pub mime: String,
    pub size: i64,
    pub metadata_removed: bool,
}

pub struct NewPetition<'a> {
    pub draft: &'a PetitionDraft,
    pub agency_id: AgencyId,
    pub tracking_number: &'a str,
    pub access_code_hash: String,
    pub lang: &'a str,
    pub status: State,
    pub quarantine_reason: Option<String>,
    pub received_at: DateTime<Utc>,
    pub deadlines: &'a [Deadline],
    pub files: &'a [StoredFile],
    /// The Open311 partner filing it on the citizen's behalf.
    pub via_partner: Option<i32>,
    /// The keyed hashes it is recognised by (重复信访: `domain::duplicates`).
    pub keys: &'a [String],
    /// How it arrived, and the clerk who registered it on the petitioner's
    /// behalf (an audit entry names them, in the same transaction).
    pub channel: crate::domain::petition::Channel,
    pub registered_by: Option<(StaffId, String)>,
}

/// A petition, as every part of the portal reads it. The complainant's contact
/// details and the access-code hash are never serialized: pages that may show
/// the identity get it from the application layer, with its audit entry.
#[derive(Debug, Clone, Serialize)]
pub struct Petition {
    pub id: PetitionId,
    /// The canonical form (`MJ26K3FQ9X2MAP7`).
    pub tracking_number: String,
    #[serde(skip)]
    pub access_code_hash: String,
    pub kind: PetitionKind,
    pub category: PetitionCategory,
    pub agency_id: AgencyId,
    pub subject: String,
    pub title: String,
    pub description: String,
    pub desired_outcome: String,
    pub related_case_number: Option<String>,
    pub anonymous: bool,
    #[serde(skip)]
    pub contact_name: Option<String>,
    #[serde(skip)]
    pub contact_email: Option<String>,
    #[serde(skip)]
    pub contact_phone: Option<String>,
    /// How the petitioner chose to be told of each step.
    #[serde(skip)]
    pub notify: crate::domain::petition::Notify,
    /// The language the petitioner used (mail is written in it).
    pub lang: String,
    pub status: State,
    pub version: i32,
    pub round: Round,
    pub handler_id: Option<StaffId>,
    pub draft_author_id: Option<StaffId>,
    pub extension_used: bool,
    pub extension_pending: bool,
    pub extension_days: u32,
    pub rating: Option<Rating>,
    pub answered_on: Option<NaiveDate>,
    pub draft_text: Option<String>,
    pub answer_text: Option<String>,
    pub clock_stopped_on: Option<NaiveDate>,
    /// The nearest open deadline (kept by a trigger); none when no clock runs.
    pub next_due_on: Option<NaiveDate>,
    pub received_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// 答复公开: what the public reads of the answer, once published.
    pub public_title: Option<String>,
    pub public_answer: Option<String>,
    pub answer_published_at: Option<DateTime<Utc>>,
    /// In a review round: the agency and handler whose answer is under review,
    /// and what the draft does to it.
    pub reviewed_agency_id: Option<AgencyId>,
    pub reviewed_handler_id: Option<StaffId>,
    pub review_outcome: Option<crate::domain::workflow::ReviewOutcome>,
    /// The day it reached its last state (the retention schedule counts from it).
    pub concluded_on: Option<NaiveDate>,
    /// When the retention schedule erased the petitioner's identity.
    pub anonymised_at: Option<DateTime<Utc>>,
    /// A legal hold (retention waits while it lasts): since when, why, by whom.
    pub held_since: Option<DateTime<Utc>>,
    pub hold_reason: Option<String>,
    pub held_by: Option<String>,
    /// How it arrived: online, or registered by staff at the counter, from a letter or a call.
    pub channel: crate::domain::petition::Channel,
    /// The staff member who registered it (none when the petitioner filed it).
    pub registered_by: Option<StaffId>,
}

impl From<petition::Model> for Petition {
    fn from(m: petition::Model) -> Self {
        Petition {
            id: m.id,
            tracking_number: m.tracking_number,
            access_code_hash: m.access_code_hash,
            kind: m.kind,
            category: m.category,
            agency_id: m.agency_id,
            subject: m.subject,
            title: m.title,
            description: m.description,
            desired_outcome: m.desired_outcome,
            related_case_number: m.related_case_number,
            anonymous: m.anonymous,
            contact_name: m.contact_name,
            contact_email: m.contact_email,
            contact_phone: m.contact_phone,
            notify: crate::domain::petition::Notify::parse(&m.notify).unwrap_or_default(),
            lang: m.lang,
            status: m.status,
            version: m.version,
            round: m.round,
            handler_id: m.handler_id,
            draft_author_id: m.draft_author_id,
            extension_used: m.extension_used,
            extension_pending: m.extension_pending,
            extension_days: u32::try_from(m.extension_days).unwrap_or(0),
            rating: m.rating,
            answered_on: m.answered_on.map(|d| d.0),
            draft_text: m.draft_text,
            answer_text: m.answer_text,
            clock_stopped_on: m.clock_stopped_on.map(|d| d.0),
            next_due_on: m.next_due_on.date(),
            received_at: m.received_at,
            updated_at: m.updated_at,
            public_title: m.public_title,
            public_answer: m.public_answer,
            answer_published_at: m.answer_published_at,
            reviewed_agency_id: m.reviewed_agency_id,
            reviewed_handler_id: m.reviewed_handler_id,
            review_outcome: m.review_outcome,
            concluded_on: m.concluded_on.and_then(|d| d.date()),
            anonymised_at: m.anonymised_at,
            held_since: m.held_since,
            hold_reason: m.hold_reason,
            held_by: m.held_by,
            channel: m.channel,
            registered_by: m.registered_by,
        }
    }
}

impl Petition {
    /// The channels that reach the petitioner now: those chosen that have
    /// an address (retention blanks the addresses, and with them the reach).
    pub fn reach(&self) -> crate::domain::events::Reach {
        crate::domain::events::Reach {
            mail: self.notify.by_mail() && self.contact_email.is_some(),
            sms: self.notify.by_sms()
                && self
                    .contact_phone
                    .as_deref()
                    .is_some_and(crate::domain::petition::is_mobile),
        }
    }

    /// The workflow's view; `recused` are the staff named in the petition that
    /// the decision concerns (the actor, a handler to be assigned).
    pub fn workflow_state(&self, recused: Vec<StaffId>) -> PetitionState {
        PetitionState {
            state: self.status,
            round: self.round,
            agency_id: self.agency_id,
            handler_id: self.handler_id,
            draft_author_id: self.draft_author_id,
            extension_used: self.extension_used,
            extension_pending: self.extension_pending,
            rating: self.rating,
            answered_on: self.answered_on,
            extension_days: self.extension_days,
            clock_stopped_on: self.clock_stopped_on,
            recused_staff: recused,
            draft_text: self.draft_text.clone(),
            answer_text: self.answer_text.clone(),
            // The caller fills it in from the open deadlines when a decision needs it.
            conclusion_due_on: None,
            reviewed_agency_id: self.reviewed_agency_id,
            reviewed_handler_id: self.reviewed_handler_id,
            review_outcome: self.review_outcome,
        }
    }

    /// 回避: whether a staff member called `name` is named in this petition.
    pub fn names(&self, name: &str) -> bool {
        crate::domain::access::names(&self.subject, &self.title, name)
    }

    /// The form printed on receipts (`MJ26-K3FQ9-X2MAP`); a number that is not
    /// one of ours (synthetic benchmark rows) is shown as stored.
    pub fn display_number(&self) -> String {
        crate::domain::codes::TrackingNumber::display_stored(&self.tracking_number)
    }
}

/// One entry of a timeline.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TimelineEvent {
    pub id: i64,
    #[schema(value_type = String)]
    pub kind: EventKind,
    /// `petitioner`, `system` or `staff`.
    pub actor: String,
    pub body: String,
    pub at: DateTime<Utc>,
    pub files: Vec<EvidenceFile>,
    /// The staff member who acted; never serialised (the public timeline says "staff").
    #[serde(skip)]
    pub staff_id: Option<StaffId>,
    /// Who acted, by name and post: filled for staff readers only (`app::records`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub by: Option<crate::domain::staff::Named>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EvidenceFile {
    pub id: i32,
    pub file_name: String,
    pub mime: String,
    pub size: i64,
    pub metadata_removed: bool,
    #[serde(skip)]
    pub sha256: String,
    #[serde(skip)]
    pub event_id: Option<i64>,
    /// Deleted under the retention schedule: listed, no longer served.
    pub deleted: bool,
}

impl From<evidence::Model> for EvidenceFile {
    fn from(m: evidence::Model) -> Self {
        EvidenceFile {
            id: m.id,
            file_name: m.file_name,
            mime: m.mime,
            size: m.size,
            metadata_removed: m.metadata_removed,
            sha256: m.sha256,
            event_id: m.event_id,
            deleted: m.deleted_at.is_some(),
        }
    }
}

/// A stored deadline of a petition.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DeadlineView {
    #[serde(skip)]
    pub id: i32,
    pub clock: String,
    /// The last day, in China time (YYYY-MM-DD).
    #[schema(value_type = String)]
    pub due_on: NaiveDate,
    pub citation_zh: String,
    pub citation_en: String,
    pub status: DeadlineStatus,
    /// Counted over days whose official holidays are not yet published: the
    /// date may move later when they are (never earlier).
    pub provisional: bool,
    /// The last year of the calendar it was counted on.
    pub calendar_year: i32,
    /// When provisional, the first year whose arrangement is not yet published.
    pub unpublished_year: Option<i32>,
}

impl From<petition_deadline::Model> for DeadlineView {
    fn from(d: petition_deadline::Model) -> Self {
        let provisional = chrono::Datelike::year(&d.due_on.0) > d.calendar_year;
        DeadlineView {
            id: d.id,
            provisional,
            unpublished_year: provisional.then_some(d.calendar_year + 1),
            calendar_year: d.calendar_year,
            clock: d.clock,
            due_on: d.due_on.0,
            citation_zh: d.citation_zh,
            citation_en: d.citation_en,
            status: d.status,
        }
    }
}
