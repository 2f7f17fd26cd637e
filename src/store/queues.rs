//! The staff queues (待办): the petitions of one staff member's scope that
//! wait for intake, for them, or are due soon or overdue, sorted and paged,
//! with their counts — read from the scoped finder only.

use super::StoreResult;
use super::entities::petition;
use super::petitions::StaffPetitions;
use super::types::Day;
use crate::domain::ids::{PetitionId, StaffId};
use crate::domain::petition::{PetitionCategory, PetitionKind};
use crate::domain::workflow::State;
use chrono::{NaiveDate, Utc};
use sea_orm::{ColumnTrait, QueryFilter};

/// A petition as a queue lists it (no texts, no contacts).
#[derive(Debug, Clone, serde::Serialize, sea_orm::FromQueryResult)]
pub struct QueueItem {
    pub id: PetitionId,
    pub tracking_number: String,
    pub kind: PetitionKind,
    pub category: PetitionCategory,
    pub title: String,
    pub status: State,
    pub handler_id: Option<StaffId>,
    /// Who wrote the draft under approval or returned (`draft_author_id`).
    pub draft_author_id: Option<StaffId>,
    pub received_at: chrono::DateTime<Utc>,
    pub updated_at: chrono::DateTime<Utc>,
    /// The nearest open deadline; none when no clock runs.
    #[serde(serialize_with = "serialize_next_due")]
    pub next_due_on: Day,
}

fn serialize_next_due<S: serde::Serializer>(due: &Day, s: S) -> Result<S::Ok, S::Error> {
    match due.date() {
        Some(d) => s.serialize_some(&d),
        None => s.serialize_none(),
    }
}

/// The staff queues (工作台).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Queue {
    /// To decide on acceptance: received, reviews requested, held for review.
    New,
    /// Accepted and waiting for a handler (the supervisor's to assign).
    ToAssign,
    /// Assigned to the caller and still with them.
    Mine,
    /// Drafts awaiting approval by someone other than their author.
    Approval,
    /// A deadline within three days.
    Due,
    /// A deadline passed.
    Overdue,
    /// Everything in scope.
    All,
}

impl Queue {
    pub const ALL: [Queue; 7] = [
        Queue::New,
        Queue::ToAssign,
        Queue::Mine,
        Queue::Approval,
        Queue::Due,
        Queue::Overdue,
        Queue::All,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Queue::New => "new",
            Queue::ToAssign => "to_assign",
            Queue::Mine => "mine",
            Queue::Approval => "approval",
            Queue::Due => "due",
            Queue::Overdue => "overdue",
            Queue::All => "all",
        }
    }

    pub fn parse(s: &str) -> Option<Queue> {
        Queue::ALL.into_iter().find(|q| q.as_str() == s)
    }
}

/// How a queue is ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Sort {
    /// The nearest deadline first (the queue's own order when none is asked for).
    Due,
    /// The oldest first.
    Received,
    /// The newest first.
    Newest,
}

impl Sort {
    pub const ALL: [Sort; 3] = [Sort::Due, Sort::Received, Sort::Newest];

    pub fn as_str(self) -> &'static str {
        match self {
            Sort::Due => "due",
            Sort::Received => "received",
            Sort::Newest => "newest",
        }
    }

    pub fn parse(s: &str) -> Option<Sort> {
        Sort::ALL.into_iter().find(|x| x.as_str() == s)
    }
}

/// Rows of a queue on one page.
pub const QUEUE_PAGE: u64 = 50;

/// Days ahead that the "due" queue looks.
pub const DUE_SOON_DAYS: u64 = 3;

impl StaffPetitions<'_> {
    /// The petitions in scope that belong to `queue` for staff member `staff_id`.
    fn in_queue(
        &self,
        queue: Queue,
        staff_id: StaffId,
        today: NaiveDate,
    ) -> sea_orm::Select<petition::Entity> {
        let q = self.scoped();
        let soon = Day(today + chrono::Days::new(DUE_SOON_DAYS));
        let today = Day(today);
        // Queues about time read the petition's own nearest deadline (kept by a trigger,
        // migration 5): one ordered index range each.
        let due = petition::Column::NextDueOn;
        let with_handler = State::ALL.into_iter().filter(|s| s.is_with_handler());
        match queue {
            Queue::New => q.filter(
                petition::Column::Status
                    .is_in(State::ALL.into_iter().filter(|s| s.awaits_intake())),
            ),
            Queue::ToAssign => q
                .filter(petition::Column::Status.eq(State::Accepted))
                .filter(petition::Column::HandlerId.is_null()),
            Queue::Mine => q
                .filter(petition::Column::HandlerId.eq(staff_id))
                .filter(petition::Column::Status.is_in(with_handler)),
            Queue::Approval => q
                .filter(petition::Column::Status.eq(State::Drafted))
                .filter(petition::Column::DraftAuthorId.ne(staff_id)),
            Queue::Due => q.filter(due.gte(today)).filter(due.lte(soon)),
            Queue::Overdue => q.filter(due.lt(today)),
            Queue::All => q,
        }
    }

    /// One page of one of the caller's queues, as list rows, and how many rows
    /// the queue holds. Without a `sort`, the queue's own order: the nearest
    /// deadline first for the queues about work and time, the oldest first
    /// for intake.
    pub async fn queue(
        &self,
        queue: Queue,
        staff_id: StaffId,
        today: NaiveDate,
        sort: Option<Sort>,
        page: u64,
    ) -> StoreResult<(Vec<QueueItem>, u64)> {
        use sea_orm::{PaginatorTrait, QueryOrder, QuerySelect};
        let total = self
            .in_queue(queue, staff_id, today)
            .count(self.store.conn())
            .await?;
        let sort = sort.unwrap_or(match queue {
            Queue::New | Queue::All => Sort::Received,
            _ => Sort::Due,
        });
        let q = self
            .in_queue(queue, staff_id, today)
            .select_only()
            .columns([
                petition::Column::Id,
                petition::Column::TrackingNumber,
                petition::Column::Kind,
                petition::Column::Category,
                petition::Column::Title,
                petition::Column::Status,
                petition::Column::HandlerId,
                petition::Column::DraftAuthorId,
                petition::Column::ReceivedAt,
                petition::Column::UpdatedAt,
                petition::Column::NextDueOn,
            ]);
        let q = match sort {
            Sort::Due => q.order_by_asc(petition::Column::NextDueOn),
            Sort::Received => q.order_by_asc(petition::Column::ReceivedAt),
            Sort::Newest => q.order_by_desc(petition::Column::ReceivedAt),
        };
        let items = q
            .order_by_asc(petition::Column::Id)
            .offset(page.saturating_sub(1) * QUEUE_PAGE)
            .limit(QUEUE_PAGE)
            .into_model::<QueueItem>()
            .all(self.store.conn())
            .await?;
        Ok((items, total))
    }

    /// How many petitions each queue holds for staff member `staff_id`.
    pub async fn queue_counts(
        &self,
        staff_id: StaffId,
        today: NaiveDate,
    ) -> StoreResult<Vec<(Queue, u64)>> {
        use sea_orm::PaginatorTrait;
        let mut out = Vec::new();
        for queue in Queue::ALL {
            let n = self
                .in_queue(queue, staff_id, today)
                .count(self.store.conn())
                .await?;
            out.push((queue, n));
        }
        Ok(out)
    }
}
