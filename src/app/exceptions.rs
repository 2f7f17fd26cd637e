//! 监督提示 — the exceptions list of an agency and every agency below it:
//! what needs a leader now, most severe first (`domain::exceptions`), each
//! row naming the agency and the handler. Scoped like the oversight console
//! (`app::oversight::resolve`): down the hierarchy, never sideways.

use super::oversight::{choices, resolve};
use super::{App, Result};
use crate::domain::exceptions::{self, Exception, ExceptionKind, ExceptionRules, Window};
use crate::domain::ids::{AgencyId, StaffId};
use crate::store::agencies::Agency;
use crate::store::staff::StaffMember;
use std::collections::BTreeMap;

/// The lists found, ranked and named, per tree, reader (recusal) and day,
/// for the live figures' few seconds (`app::cache`), with how many petitions
/// have each kind.
pub type Cache = super::cache::TtlCache<
    (Vec<AgencyId>, String, chrono::NaiveDate),
    (Vec<Row>, BTreeMap<ExceptionKind, usize>),
>;

/// An empty cache.
pub fn cache() -> Cache {
    super::cache::TtlCache::new(super::cache::LIVE_TTL)
}

/// A row of the list with the names a reader needs.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Row {
    #[serde(flatten)]
    pub exception: Exception,
    pub agency_name_zh: String,
    pub agency_name_en: String,
    /// The handler (or the officer an event counts for); none when unassigned.
    pub handler_name: Option<String>,
}

/// The exceptions of an agency's tree.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ExceptionList {
    pub root: Agency,
    pub rows: Vec<Row>,
    /// Petitions with each kind, every kind listed (zeros too), in the rules' order.
    pub counts: Vec<(ExceptionKind, usize)>,
    /// The days that bound each kind (for the page's explanations).
    pub window: Window,
    pub rules: RulesShown,
    pub choices: Vec<Agency>,
    /// 督办积案 unanswered past their date in the tree: orders on a body's
    /// backlog, not on one petition, so listed beside the rows.
    pub backlog_orders: Vec<super::supervision::OrderView>,
}

/// The thresholds a reader is told.
#[derive(Debug, Clone, serde::Serialize)]
pub struct RulesShown {
    pub due_soon_working_days: u32,
    pub stalled_working_days: u32,
    pub returned_at_least: u32,
    pub look_back_days: u32,
}

pub async fn exceptions(
    app: &App,
    staff: &StaffMember,
    agency: Option<AgencyId>,
) -> Result<ExceptionList> {
    let (root, all, h) = resolve(app, staff, agency).await?;
    let ids = h.subtree(root.id);
    let rules = ExceptionRules::official();
    let today = super::today();
    let calendar = app.store.calendar().await?;
    let window = rules.window(today, &calendar);
    // Found, ranked and named at most every few seconds per tree and reader
    // (the oversight page shows them on every load; the figures beside them
    // are as fresh): only the page's own rows are then turned into views.
    let found = app
        .exceptions
        .get_or((ids.clone(), staff.name.clone(), today), || async {
            let mut found = app
                .store
                .exception_sightings(&ids, &staff.name, &window)
                .await?;
            found.extend(super::supervision::unanswered_sightings(app, &ids, today).await?);
            let ranked = exceptions::rank(rules, found, today);
            let rows = named(app, &all, ranked.rows).await?;
            Ok::<_, super::Error>((rows, ranked.counts))
        })
        .await?;
    let (rows, found_counts) = found.as_ref().clone();
    let counts = rules
        .order
        .iter()
        .map(|k| (*k, found_counts.get(k).copied().unwrap_or(0)))
        .collect();
    Ok(ExceptionList {
        root,
        rows,
        counts,
        window,
        rules: RulesShown {
            due_soon_working_days: rules.due_soon_working_days,
            stalled_working_days: rules.stalled_working_days,
            returned_at_least: rules.returned_at_least,
            look_back_days: rules.look_back_days,
        },
        choices: choices(&all, &h, staff),
        backlog_orders: super::supervision::unanswered_backlog(app, staff, &ids, today).await?,
    })
}

/// The ranked rows with the names of their agencies and handlers.
async fn named(app: &App, all: &[Agency], ranked: Vec<Exception>) -> Result<Vec<Row>> {
    let mut handlers: Vec<StaffId> = ranked.iter().filter_map(|r| r.handler_id).collect();
    handlers.sort();
    handlers.dedup();
    let names = app.store.staff_names(&handlers).await?;
    let by_id: BTreeMap<AgencyId, &Agency> = all.iter().map(|a| (a.id, a)).collect();
    Ok(ranked
        .into_iter()
        .map(|e| {
            let a = by_id.get(&e.agency_id);
            Row {
                agency_name_zh: a.map(|a| a.name_zh.clone()).unwrap_or_default(),
                agency_name_en: a.map(|a| a.name_en.clone()).unwrap_or_default(),
                handler_name: e.handler_id.and_then(|h| names.get(&h).cloned()),
                exception: e,
            }
        })
        .collect())
}
