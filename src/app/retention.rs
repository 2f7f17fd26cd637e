//! 保存期限 — the retention schedule, carried out: which schedule applies
//! (the newest an operator loaded, else the shipped one), what the next run
//! would do (`mingjing retention --dry-run`), the run itself (once a day by
//! the worker, or `mingjing retention`), and legal holds that stop it.
//!
//! Each petition is done in its own transactions (anonymise; delete files),
//! each with its audit entry and search update, so a run cut short loses
//! nothing and the next one carries on. File bytes are deleted after the
//! commit that stops referring to them; a run that stopped in between
//! finishes that on the next one (`Store::recently_deleted_files`).

use super::{App, Error, Result};
use crate::domain::access;
use crate::domain::retention::{Action, Schedule, Subject, due};
use crate::files::FileStore;
use crate::store::Store;
use crate::store::staff::StaffMember;
use chrono::{DateTime, NaiveDate, Utc};

/// The job kind of the daily run.
pub const RUN: &str = "retention.run";

/// Petitions read at a time.
const BATCH: u64 = 500;

/// How far back a run looks for file bytes a cut-short run left behind.
const LEFT_BEHIND: chrono::TimeDelta = chrono::TimeDelta::days(7);

/// Where the schedule in force comes from.
#[derive(Debug, Clone, serde::Serialize)]
pub struct InForce {
    pub schedule: Schedule,
    /// Who loaded it and when; none: the shipped schedule.
    pub loaded_by: Option<String>,
    pub loaded_at: Option<DateTime<Utc>>,
}

/// The schedule in force, as the privacy notice states it.
pub async fn published(app: &super::App) -> Result<InForce> {
    in_force(&app.store).await
}

/// The schedule in force.
pub async fn in_force(store: &Store) -> Result<InForce> {
    match store.loaded_retention_schedule().await? {
        Some(loaded) => Ok(InForce {
            // Checked when it was loaded; a stored schedule that no longer parses
            // (a newer version's format) is an error, never "keep everything".
            schedule: Schedule::parse(&loaded.body).map_err(|e| {
                Error::internal(anyhow::anyhow!("the loaded retention schedule: {e}"))
            })?,
            loaded_by: Some(loaded.loaded_by),
            loaded_at: Some(loaded.loaded_at),
        }),
        None => Ok(InForce {
            schedule: Schedule::shipped().map_err(|e| {
                Error::internal(anyhow::anyhow!("the shipped retention schedule: {e}"))
            })?,
            loaded_by: None,
            loaded_at: None,
        }),
    }
}

/// Checks `text` and makes it the schedule in force (audited).
pub async fn load(
    store: &Store,
    text: &str,
    loaded_by: &str,
) -> std::result::Result<Schedule, LoadError> {
    let schedule = Schedule::parse(text)?;
    let summary = serde_json::json!({
        "rules": schedule.rules.iter().map(|r| serde_json::json!({
            "id": r.id, "action": r.action, "after_years": r.after_years,
            "kinds": r.kinds, "outcomes": r.outcomes,
        })).collect::<Vec<_>>(),
    });
    store
        .keep_retention_schedule(text, summary, loaded_by)
        .await?;
    tracing::info!(
        loaded_by,
        rules = schedule.rules.len(),
        "retention schedule loaded"
    );
    Ok(schedule)
}

/// Why a schedule was not loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("{0}")]
    File(#[from] crate::domain::retention::ScheduleError),
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
}

/// One thing a run does to one petition.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Step {
    pub tracking_number: String,
    pub action: Action,
    pub rule: String,
}

/// What a run did, or (dry) would do.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Report {
    pub steps: Vec<Step>,
    /// Petitions anonymised, and evidence sets deleted.
    pub anonymised: usize,
    pub files_deleted: usize,
    /// File contents removed from the file store.
    pub blobs_removed: usize,
}

impl Report {
    pub fn count(&self, action: Action) -> usize {
        self.steps.iter().filter(|s| s.action == action).count()
    }
}

/// Runs the schedule in force as of `today`; with `dry`, only says what it would do.
pub async fn run(
    store: &Store,
    files: &dyn FileStore,
    today: NaiveDate,
    dry: bool,
    actor: &str,
) -> Result<Report> {
    let InForce { schedule, .. } = in_force(store).await?;
    let mut report = Report::default();
    let Some(concluded_by) = schedule.concluded_by(today) else {
        return Ok(report);
    };
    let mut after = crate::domain::ids::PetitionId(0);
    loop {
        let batch = store
            .retention_candidates(concluded_by, after, BATCH)
            .await?;
        let Some(last) = batch.last() else { break };
        after = last.id;
        for row in batch {
            let subject = Subject {
                kind: row.kind,
                status: row.status,
                concluded_on: row.concluded_on,
                held: false,
                anonymised: row.anonymised,
                has_files: row.has_files,
            };
            for (action, rule) in due(&schedule, &subject, today) {
                report.steps.push(Step {
                    tracking_number: row.tracking_number.clone(),
                    action,
                    rule: rule.id.clone(),
                });
                if dry {
                    continue;
                }
                let now = Utc::now();
                match action {
                    Action::Anonymise => {
                        store
                            .anonymise_petition(
                                row.id,
                                &rule.id,
                                actor,
                                crate::domain::redaction::anonymise,
                                now,
                            )
                            .await?;
                        report.anonymised += 1;
                    }
                    Action::DeleteFiles => {
                        let unused = store
                            .delete_petition_files(row.id, &rule.id, actor, now)
                            .await?;
                        report.files_deleted += 1;
                        report.blobs_removed += remove_blobs(files, unused).await?;
                    }
                }
                tracing::info!(petition.id = %row.id, action = action.as_str(), rule = %rule.id, "retention");
            }
        }
    }
    if !dry {
        // Bytes a run cut short between its commit and the deletion left behind.
        let left = store
            .recently_deleted_files(Utc::now() - LEFT_BEHIND)
            .await?;
        report.blobs_removed += remove_blobs(files, left).await?;
    }
    Ok(report)
}

async fn remove_blobs(files: &dyn FileStore, shas: Vec<String>) -> Result<usize> {
    let decided = Utc::now();
    let mut removed = 0;
    for sha in shas {
        if files.delete(&sha, decided).await.map_err(Error::internal)? {
            removed += 1;
        }
    }
    Ok(removed)
}

/// The daily run, as the worker's job.
pub async fn run_today(app_store: &Store, files: &dyn FileStore) -> Result<Report> {
    let report = run(app_store, files, super::today(), false, "system:retention").await?;
    if !report.steps.is_empty() {
        tracing::info!(
            anonymised = report.anonymised,
            files_deleted = report.files_deleted,
            "retention run"
        );
    }
    Ok(report)
}

/// Enqueues today's run (once a day: the job's dedupe key names the day).
pub async fn schedule(store: &Store) -> Result<()> {
    let today = super::today();
    crate::store::outbox::enqueue_job(
        store.conn(),
        RUN,
        serde_json::json!({ "day": today.to_string() }),
        Some(format!("retention:{today}")),
    )
    .await?;
    Ok(())
}

/// Places a legal hold on a petition in the caller's scope, or lifts it.
pub async fn set_hold(
    app: &App,
    staff: &StaffMember,
    tn: &str,
    reason: Option<&str>,
) -> Result<()> {
    if !access::may_hold(staff.role) {
        return Err(Error::Forbidden);
    }
    let p = super::records::visible_petition(app, staff, tn).await?;
    let reason = match reason.map(str::trim) {
        Some("") => {
            let mut e = crate::domain::FieldErrors::new();
            e.add("hold_reason", "error-required");
            return Err(Error::Fields(e));
        }
        other => other,
    };
    if reason.is_some() == p.held_since.is_some() {
        return Ok(());
    }
    app.store
        .set_hold(p.id, reason, &staff.actor(), Utc::now())
        .await?;
    Ok(())
}
