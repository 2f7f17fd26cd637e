//! The holiday calendar as operators keep it: a year is loaded when the State
//! Council publishes its notice (`mingjing calendar import FILE`), checked
//! (`domain::calendar::parse`), kept with who loaded it and the notice it
//! follows (audit trail), and every open provisional deadline is counted again
//! on it — never moving earlier than the date already given, and each moved
//! date a timeline event the petitioner sees.

use crate::domain::calendar::{self, Calendar, CalendarError, CalendarWarning, CalendarYear};
use crate::domain::clock::{ClockRules, Counted, recount as recount_one};
use crate::store::{Store, StoreResult};

/// Why a load was refused.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("{0}")]
    File(#[from] CalendarError),
    #[error("{year} is already in the calendar (notice {notice}); pass --replace to load it again")]
    AlreadyKnown { year: i32, notice: String },
    #[error("{0}")]
    Gap(String),
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
}

/// What a load did.
#[derive(Debug, Clone)]
pub struct LoadReport {
    pub years: Vec<CalendarYear>,
    pub last_year: i32,
    pub recount: RecountReport,
}

/// Checks `text` (a calendar file: one or more years) and keeps its years,
/// then counts the provisional deadlines again. `replace` allows loading a
/// year the calendar already has (a corrected notice).
pub async fn load(
    store: &Store,
    text: &str,
    loaded_by: &str,
    replace: bool,
) -> Result<LoadReport, LoadError> {
    let years = calendar::parse(text)?;
    let current = store.calendar().await?;
    if !replace && let Some(known) = years.iter().find(|y| current.year(y.year).is_some()) {
        return Err(LoadError::AlreadyKnown {
            year: known.year,
            notice: current
                .year(known.year)
                .map(|y| y.notice.clone())
                .unwrap_or_default(),
        });
    }
    // The calendar it would make must hold together (no gap after its last year).
    let loaded = store.loaded_calendar_years().await?;
    let mut all: Vec<CalendarYear> = loaded.into_iter().map(|l| l.year).collect();
    all.retain(|y| !years.iter().any(|n| n.year == y.year));
    all.extend(years.iter().cloned());
    let next = Calendar::with_extra(all).map_err(LoadError::Gap)?;
    store.keep_calendar_years(&years, loaded_by).await?;
    tracing::info!(
        calendar.years = ?years.iter().map(|y| y.year).collect::<Vec<_>>(),
        calendar.last_year = next.last_year,
        loaded_by,
        "holiday calendar loaded"
    );
    let recount = recount(store).await?;
    Ok(LoadReport {
        years,
        last_year: next.last_year,
        recount,
    })
}

/// What a recount did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RecountReport {
    /// Open provisional deadlines counted again.
    pub counted: usize,
    /// Of those, the ones whose date moved (later; never earlier).
    pub moved: usize,
}

/// Counts every open deadline that was counted on an older calendar than the
/// one known now, and is provisional, again. Idempotent: a deadline counted
/// again carries the calendar's last year and is not picked up twice.
pub async fn recount(store: &Store) -> StoreResult<RecountReport> {
    let calendar = store.calendar().await?;
    let rules = ClockRules::official();
    let mut report = RecountReport::default();
    for d in store.deadlines_to_recount(calendar.last_year).await? {
        let Some(due) = recount_one(
            rules,
            &calendar,
            Counted {
                rule_id: &d.rule_id,
                started_on: d.started_on,
                moved_by: &d.moved_by,
                due_on: d.due_on,
            },
        ) else {
            tracing::warn!(deadline.id = d.id, rule = %d.rule_id, "deadline of an unknown rule not recounted");
            continue;
        };
        if store.recount_deadline(&d, due, calendar.last_year).await? {
            report.moved += 1;
        }
        report.counted += 1;
    }
    if report.counted > 0 {
        tracing::info!(
            deadlines.counted = report.counted,
            deadlines.moved = report.moved,
            calendar.last_year = calendar.last_year,
            "provisional deadlines counted again"
        );
    }
    Ok(report)
}

/// The warning an operator should see today, if the calendar ends soon.
pub async fn warning(store: &Store) -> StoreResult<Option<CalendarWarning>> {
    Ok(store.calendar().await?.warning(super::today()))
}

/// The calendar's part in the sweep, per node: count provisional deadlines
/// again whenever this node sees the calendar grow (also at start, which
/// catches deadlines another node counted on an older calendar), and warn in
/// the log once a day while the calendar ends within 60 days.
#[derive(Debug, Default)]
pub struct Upkeep {
    recounted_to: Option<i32>,
    warned_on: Option<chrono::NaiveDate>,
}

impl Upkeep {
    pub async fn run(&mut self, store: &Store) -> StoreResult<()> {
        let calendar = store.calendar().await?;
        if self.recounted_to.is_none_or(|y| y < calendar.last_year) {
            recount(store).await?;
            self.recounted_to = Some(calendar.last_year);
        }
        let today = super::today();
        if self.warned_on != Some(today) {
            if let Some(w) = calendar.warning(today) {
                log_warning(&w);
            }
            self.warned_on = Some(today);
        }
        Ok(())
    }
}

/// The operator's warning in the log.
pub fn log_warning(w: &CalendarWarning) {
    tracing::warn!(
        calendar.last_year = w.last_year,
        calendar.ends_on = %w.ends_on,
        calendar.days_left = w.days_left,
        "the holiday calendar ends on {}: load the State Council's arrangement for {} \
         (mingjing calendar import FILE); until then deadlines after {} are provisional",
        w.ends_on,
        w.last_year + 1,
        w.ends_on
    );
}

/// The warning today from the calendar this node last loaded (no database
/// round trip: for the console's banner on every page).
pub fn current_warning(app: &super::App) -> Option<CalendarWarning> {
    app.store
        .cached_calendar()
        .and_then(|c| c.warning(super::today()))
}

/// Whether a date is past the calendar this node last loaded (a deadline on it
/// is provisional); false before the first load.
pub fn is_provisional(app: &super::App, due: chrono::NaiveDate) -> bool {
    app.store
        .cached_calendar()
        .is_some_and(|c| c.is_provisional(due))
}
