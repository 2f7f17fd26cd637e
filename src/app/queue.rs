//! The job queue as an operator runs it: what waits and what was given up,
//! and putting given-up jobs back (`mingjing jobs`, the console's queue page).

use super::{App, Error, Result};
use crate::domain::staff::Role;
use crate::store::Store;
use crate::store::queue::{JobSummary, Requeue};

/// Dead jobs first, then waiting ones; at most `limit`.
pub async fn list(store: &Store, dead_only: bool, limit: u64) -> Result<Vec<JobSummary>> {
    Ok(store.queued_jobs(dead_only, limit.clamp(1, 1000)).await?)
}

/// Requeues `which`, each an audit entry naming `actor`; the ids requeued.
pub async fn retry(store: &Store, which: Requeue, actor: &str) -> Result<Vec<i64>> {
    let ids = store.requeue_jobs(which, actor).await?;
    if !ids.is_empty() {
        tracing::info!(actor, jobs = ?ids, "dead jobs requeued");
    }
    Ok(ids)
}

/// The queue as the console shows it to an administrator: the errors with
/// e-mail addresses, telephone and identity numbers masked (a relay's refusal
/// quotes the recipient, who may be a petitioner of another agency).
pub async fn for_console(app: &App, role: Role) -> Result<Vec<JobSummary>> {
    if !crate::domain::access::may_run_the_queue(role) {
        return Err(Error::Forbidden);
    }
    let mut jobs = list(&app.store, false, 200).await?;
    for job in &mut jobs {
        job.last_error = job
            .last_error
            .as_deref()
            .map(|e| crate::domain::redaction::redact(e, &[]));
    }
    Ok(jobs)
}

/// [`retry`] from the console, by a staff member allowed to run the queue.
pub async fn retry_from_console(
    app: &App,
    which: Requeue,
    staff: crate::domain::ids::StaffId,
    role: Role,
) -> Result<Vec<i64>> {
    if !crate::domain::access::may_run_the_queue(role) {
        return Err(Error::Forbidden);
    }
    retry(&app.store, which, &format!("staff:{staff}")).await
}
