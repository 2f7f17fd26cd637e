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
    /// Supervision orders (督办) left unanswered past their date, escalated.
    pub orders_escalated: u64,
}

/// One pass over the open deadlines of open petitions.
pub async fn sweep(store: &Store, today: NaiveDate) -> StoreResult<SweepReport> {
    let horizon = today + chrono::Days::new(REMIND_DAYS);
    let list_before = today - chrono::Days::new(LIST_AFTER_DAYS);
    Ok(SweepReport {
        reminders: store
            .enqueue_escalations(Escalation::Remind, Some(today), horizon, true)
            .await?,
        urgings: store
            .enqueue_escalations(Escalation::Urge, None, today, false)
            .await?,
        listings: store
            .enqueue_escalations(Escalation::List, None, list_before, false)
            .await?,
        orders_escalated: super::supervision::escalate_due(store, today).await?,
    })
}

/// The nightly part of the sweep, per node: once a day, recount yesterday's
/// roll-ups from the record (they are kept current as acts happen; this makes
/// sure), enqueue the day's statistics snapshot and retention run (one job a
/// day whichever node enqueues it), and the monthly bulletins when they are due.
#[derive(Debug, Default)]
pub struct Nightly {
    done_on: Option<NaiveDate>,
}

impl Nightly {
    pub async fn run(&mut self, store: &Store) -> super::Result<()> {
        let today = super::today();
        super::bulletins::schedule(store).await?;
        if self.done_on == Some(today) {
            return Ok(());
        }
        super::snapshots::schedule(store).await?;
        super::retention::schedule(store).await?;
        if let Some(yesterday) = today.pred_opt() {
            let started = std::time::Instant::now();
            store.recount_rollup_day(yesterday).await?;
            tracing::info!(
                rollup.day = %yesterday,
                elapsed_ms = started.elapsed().as_millis() as u64,
                "roll-up of yesterday recounted"
            );
        }
        self.done_on = Some(today);
        Ok(())
    }
}

/// The minute's upkeep, on a node that runs the worker, until `stop`: the
/// deadline sweep, pruning the throttles' and the search outbox's spent rows,
/// the calendar's upkeep and the nightly roll-ups and bulletins. Each part
/// logs its own failure and the next minute tries again.
pub async fn every_minute(store: Store, mut stop: tokio::sync::watch::Receiver<bool>) {
    let mut calendar = super::calendar::Upkeep::default();
    let mut rollups = Nightly::default();
    loop {
        let today = crate::domain::clock::china_date(chrono::Utc::now());
        if let Err(e) = sweep(&store, today).await {
            tracing::error!(error = %e, "deadline sweep failed");
        }
        let now_ms = crate::antiabuse::limits::now_ms();
        if let Err(e) = store.prune_throttles(now_ms).await {
            tracing::error!(error = %e, "pruning the throttles' counters failed");
        }
        if let Err(e) = store.prune_backoff(now_ms).await {
            tracing::error!(error = %e, "pruning the login backoff counters failed");
        }
        if let Err(e) = crate::search::outbox::prune(&store).await {
            tracing::error!(error = %e, "pruning the search outbox failed");
        }
        if let Err(e) = calendar.run(&store).await {
            tracing::error!(error = %e, "calendar upkeep failed");
        }
        if let Err(e) = rollups.run(&store).await {
            tracing::error!(error = %e, "nightly roll-up or bulletins failed");
        }
        tokio::select! {
            _ = tokio::time::sleep(std::time::Duration::from_secs(60)) => {}
            _ = stop.changed() => break,
        }
    }
}
