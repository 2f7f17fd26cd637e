//! The deadline sweep: finds what is due soon or overdue and escalates it, each
//! step exactly once — remind (提醒) before the deadline, urge (催办) when it
//! has passed, list for the auditor (列入督办) three days later. Each step is a
//! job whose dedupe key names the deadline (`Store::enqueue_escalations`):
//! running it again, on another node or after a restart, adds nothing, and it
//! costs three statements however many petitions there are.

use crate::domain::events::Escalation;
use crate::store::{Store, StoreResult};
use chrono::NaiveDate;

/// Days before a deadline when the reminder goes out.
pub const REMIND_DAYS: u64 = 3;
/// Days after a missed deadline when the matter is listed for the auditor.
pub const LIST_AFTER_DAYS: u64 = 3;

/// Jobs newly enqueued by one pass.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct SweepReport {
    pub reminders: u64,
    pub urgings: u64,
    pub listings: u64,
}

/// One pass over the open deadlines of open petitions.
pub async fn sweep(store: &Store, today: NaiveDate) -> StoreResult<SweepReport> {
    let horizon = today + chrono::Days::new(REMIND_DAYS);
    let list_before = today - chrono::Days::new(LIST_AFTER_DAYS);
    Ok(SweepReport {
        reminders: store
            .enqueue_escalations(Escalation::Remind, horizon, true)
            .await?,
        urgings: store
            .enqueue_escalations(Escalation::Urge, today, false)
            .await?,
        listings: store
            .enqueue_escalations(Escalation::List, list_before, false)
            .await?,
    })
}
