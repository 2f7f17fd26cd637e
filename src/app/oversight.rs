//! 执法监督与考评: the oversight console (where an agency's petitions stand
//! now, for its agency and every agency below it), the evaluation per agency
//! and per officer (`domain::evaluation`, from the roll-ups), and the officer's
//! record (执法档案: every act from the audit trail, with their indicators).
//! Who may see what is `domain::access`: supervisors and auditors look down
//! the hierarchy, never sideways; an officer's record is theirs, their
//! leaders' and the auditors' above.

use super::agencies::hierarchy;
use super::cache::{LIVE_TTL, SUMS_TTL, TtlCache};
use super::{App, Error, Result};
use crate::domain::access::{self, Viewer};
use crate::domain::agency::Hierarchy;
use crate::domain::evaluation::{self, EvaluationRules, Period, Totals, Value};
use crate::domain::ids::AgencyId;
use crate::domain::scoring;
use crate::store::agencies::Agency;
use crate::store::oversight::{Listing, Live};
use crate::store::queues::QueueItem;
use crate::store::rollups::Scope;
use crate::store::staff::StaffMember;
use std::collections::BTreeMap;
use std::sync::Arc;

/// The cached figures (see `app::cache`).
pub struct Figures {
    live: TtlCache<Vec<AgencyId>, BTreeMap<AgencyId, Live>>,
    sums: TtlCache<(String, String, String), Totals>,
    by_month: TtlCache<(String, String, String), BTreeMap<String, Totals>>,
    overdue: TtlCache<(String, String, String), BTreeMap<String, i64>>,
}

impl Default for Figures {
    fn default() -> Self {
        Figures {
            live: TtlCache::new(LIVE_TTL),
            sums: TtlCache::new(SUMS_TTL),
            by_month: TtlCache::new(SUMS_TTL),
            overdue: TtlCache::new(LIVE_TTL),
        }
    }
}

impl Figures {
    /// Forgets every cached figure (after a rebuild of the roll-ups).
    pub fn clear(&self) {
        self.live.clear();
        self.sums.clear();
        self.by_month.clear();
        self.overdue.clear();
    }
}

fn scope_key(scope: &Scope) -> String {
    match scope {
        Scope::Agencies(ids) => format!(
            "a:{}",
            ids.iter()
                .map(|a| a.0.to_string())
                .collect::<Vec<_>>()
                .join(",")
        ),
        Scope::Officer(id) => format!("o:{id}"),
    }
}

pub(crate) fn viewer(staff: &StaffMember) -> Viewer {
    Viewer {
        id: staff.id,
        role: staff.role,
        agency: staff.agency_id,
    }
}

/// Whether `staff` may use the oversight console at all.
pub fn may_use(staff: &StaffMember) -> bool {
    access::may_oversee(
        &viewer(staff),
        staff.agency_id,
        &Hierarchy::new([(staff.agency_id, None)]),
    )
}

/// The agency `staff` asks about (their own when none), if they may oversee it.
pub(crate) async fn resolve(
    app: &App,
    staff: &StaffMember,
    agency: Option<AgencyId>,
) -> Result<(Agency, Arc<Vec<Agency>>, Hierarchy)> {
    let (all, h) = hierarchy(app).await?;
    let id = agency.unwrap_or(staff.agency_id);
    if !access::may_oversee(&viewer(staff), id, &h) {
        // Out of scope reads as not there: a county learns nothing of another's.
        return Err(if all.iter().any(|a| a.id == id) && id == staff.agency_id {
            Error::Forbidden
        } else {
            Error::NotFound
        });
    }
    let root = all
        .iter()
        .find(|a| a.id == id)
        .cloned()
        .ok_or(Error::NotFound)?;
    Ok((root, all, h))
}

/// The agencies `staff` may switch a page to: their own and those below it.
pub(crate) fn choices(all: &[Agency], h: &Hierarchy, staff: &StaffMember) -> Vec<Agency> {
    let mine = h.subtree(staff.agency_id);
    all.iter()
        .filter(|a| mine.contains(&a.id))
        .cloned()
        .collect()
}

async fn totals(app: &App, scope: &Scope, period: Period) -> Result<Arc<Totals>> {
    let (from, to) = period.months();
    let key = (scope_key(scope), from.clone(), to.clone());
    app.figures
        .sums
        .get_or(key, || async {
            Ok::<_, Error>(app.store.rollup_totals(scope, &from, &to).await?)
        })
        .await
}

async fn live_overdue(
    app: &App,
    scope: &Scope,
    period: Period,
) -> Result<Arc<BTreeMap<String, i64>>> {
    let (from, to) = period.days();
    let key = (scope_key(scope), from.to_string(), to.to_string());
    app.figures
        .overdue
        .get_or(key, || async { live(&app.store, scope, from, to).await })
        .await
}

/// What is late now and counts in the rates: open clocks past their last day
/// and supervision orders unanswered past their date (`overdue:supervision_order`).
async fn live(
    store: &crate::store::Store,
    scope: &Scope,
    from: chrono::NaiveDate,
    to: chrono::NaiveDate,
) -> Result<BTreeMap<String, i64>> {
    let today = super::today();
    let mut live = store.open_overdue_clocks(scope, from, to, today).await?;
    let orders = store.open_overdue_orders(scope, from, to, today).await?;
    if orders > 0 {
        live.insert("overdue:supervision_order".to_owned(), orders);
    }
    Ok(live)
}

/// The indicators of a scope over a period and its score, counted now (no cache).
pub async fn count(
    store: &crate::store::Store,
    scope: &Scope,
    period: Period,
) -> Result<(Vec<Value>, scoring::Score)> {
    let rules = EvaluationRules::staff();
    let (from, to) = period.months();
    let sums = store.rollup_totals(scope, &from, &to).await?;
    let (first, last) = period.days();
    let live = live(store, scope, first, last).await?;
    let values = evaluation::evaluate(rules, &sums, &live);
    let score = scoring::score(rules, &values);
    Ok((values, score))
}

/// The indicators of a scope over a period, and its score.
pub async fn indicators(
    app: &App,
    scope: &Scope,
    period: Period,
) -> Result<(Vec<Value>, scoring::Score)> {
    let rules = EvaluationRules::staff();
    let sums = totals(app, scope, period).await?;
    let live = live_overdue(app, scope, period).await?;
    let values = evaluation::evaluate(rules, &sums, &live);
    let score = scoring::score(rules, &values);
    Ok((values, score))
}

/// One agency's line of the oversight console.
#[derive(Debug, Clone, serde::Serialize)]
pub struct AgencyLine {
    pub agency: Agency,
    /// Levels below the agency asked about (0 for itself).
    pub depth: usize,
    pub live: Live,
    /// This month so far: urgings (催办) issued, answers returned on approval.
    pub urged: i64,
    pub returned: i64,
}

/// A month of the trend.
#[derive(Debug, Clone, serde::Serialize)]
pub struct MonthPoint {
    pub month: String,
    pub received: i64,
    pub answered: i64,
    /// Conclusions due that month concluded in time (share), if enough fell due.
    pub conclusion_on_time: Option<f64>,
    pub urged: i64,
}

/// The oversight console of an agency and every agency below it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Overview {
    pub root: Agency,
    pub lines: Vec<AgencyLine>,
    /// The sum over every line.
    pub total: Live,
    pub month: Period,
    /// The last twelve months, oldest first, for the whole subtree.
    pub trend: Vec<MonthPoint>,
    /// Agencies `staff` may switch to (those in their scope).
    pub choices: Vec<Agency>,
}

pub async fn overview(
    app: &App,
    staff: &StaffMember,
    agency: Option<AgencyId>,
) -> Result<Overview> {
    let (root, all, h) = resolve(app, staff, agency).await?;
    let ids = h.subtree(root.id);
    let live = app
        .figures
        .live
        .get_or(ids.clone(), || async {
            Ok::<_, Error>(app.store.live_figures(&ids, super::today()).await?)
        })
        .await?;
    let month = Period::month_of(super::today());
    let mut lines = Vec::new();
    let mut total = Live::default();
    for id in &ids {
        let Some(agency) = all.iter().find(|a| a.id == *id).cloned() else {
            continue;
        };
        let l = live.get(id).cloned().unwrap_or_default();
        let sums = totals(app, &Scope::Agencies(vec![*id]), month).await?;
        add_live(&mut total, &l);
        lines.push(AgencyLine {
            depth: h.depth_below(*id, root.id),
            urged: sums.get("urged").copied().unwrap_or(0),
            returned: sums.get("returned").copied().unwrap_or(0),
            live: l,
            agency,
        });
    }
    let trend = trend(app, &Scope::Agencies(ids.clone()), month).await?;
    let choices = choices(&all, &h, staff);
    Ok(Overview {
        root,
        lines,
        total,
        month,
        trend,
        choices,
    })
}

fn add_live(total: &mut Live, l: &Live) {
    for (k, v) in &l.by_stage {
        *total.by_stage.entry(k.clone()).or_insert(0) += v;
    }
    total.overdue += l.overdue;
    total.overdue_week += l.overdue_week;
    total.overdue_month += l.overdue_month;
    total.overdue_longer += l.overdue_longer;
    total.due_week += l.due_week;
    total.extension_pending += l.extension_pending;
    total.review_pending += l.review_pending;
}

/// Twelve months up to `month`, from the monthly roll-ups.
async fn trend(app: &App, scope: &Scope, month: Period) -> Result<Vec<MonthPoint>> {
    let months = month.trailing_months(12);
    let (from, _) = months.first().map(|m| m.months()).unwrap_or_default();
    let (_, to) = month.months();
    let key = (scope_key(scope), from.clone(), to.clone());
    let by_month = app
        .figures
        .by_month
        .get_or(key, || async {
            Ok::<_, Error>(app.store.rollup_by_month(scope, &from, &to).await?)
        })
        .await?;
    let rules = EvaluationRules::staff();
    Ok(months
        .into_iter()
        .map(|m| {
            let key = m.key();
            let t = by_month.get(&key).cloned().unwrap_or_default();
            let get = |k: &str| t.get(k).copied().unwrap_or(0);
            let on_time = get("clock:conclusion:original:on_time");
            let due = on_time + get("clock:conclusion:original:late");
            MonthPoint {
                month: key,
                received: get("received") + get("transferred_in"),
                answered: get("answered"),
                conclusion_on_time: (due >= rules.min_sample).then(|| on_time as f64 / due as f64),
                urged: get("urged"),
            }
        })
        .collect())
}

/// A petition of a list behind a count, with who handles it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Listed {
    #[serde(flatten)]
    pub item: QueueItem,
    /// The handler's name; none while unassigned.
    pub handler_name: Option<String>,
}

/// The petitions behind a count of the console.
pub async fn list(
    app: &App,
    staff: &StaffMember,
    agency: AgencyId,
    listing: Listing,
    period: Period,
    page: u64,
) -> Result<(Agency, Vec<Listed>)> {
    let (agency, _, _) = resolve(app, staff, Some(agency)).await?;
    let items = app
        .store
        .oversight_list(
            agency.id,
            &staff.name,
            listing,
            super::today(),
            period.days(),
            page,
        )
        .await?;
    let mut handlers: Vec<_> = items.iter().filter_map(|i| i.handler_id).collect();
    handlers.sort();
    handlers.dedup();
    let names = app.store.staff_names(&handlers).await?;
    let listed = items
        .into_iter()
        .map(|item| Listed {
            handler_name: item.handler_id.and_then(|h| names.get(&h).cloned()),
            item,
        })
        .collect();
    Ok((agency, listed))
}

/// A petition as an overseer (an agency's or a higher agency's supervisor or
/// auditor) reads it: the record without the complainant's identity, and no actions.
pub async fn petition(app: &App, staff: &StaffMember, tn: &str) -> Result<super::records::Record> {
    let (_, h) = hierarchy(app).await?;
    let p = app
        .store
        .petition_by_tracking_number(tn)
        .await?
        .filter(|p| access::may_oversee(&viewer(staff), p.agency_id, &h) && !p.names(&staff.name))
        .ok_or(Error::NotFound)?;
    app.store
        .audit_read(
            &staff.actor(),
            "oversee_petition",
            &format!("petition:{}", p.id),
        )
        .await?;
    let (timeline, audit) = super::records::named(
        app,
        app.store.petition_timeline(p.id, false).await?,
        crate::audit::entries(app.store.conn(), Some(&format!("petition:{}", p.id))).await?,
    )
    .await?;
    Ok(super::records::Record {
        deadlines: app.store.petition_deadlines(p.id).await?,
        timeline,
        files: app.store.petition_files(p.id).await?,
        audit,
        links: app.store.petition_links(p.id).await?,
        complainant: None,
        petition: p,
    })
}

/// One line of an evaluation: an agency or an officer, its indicators and score.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Evaluated<T> {
    pub who: T,
    pub depth: usize,
    pub values: Vec<Value>,
    /// The composite score; none where too little could be computed (`score_basis`).
    pub score: Option<f64>,
    pub score_basis: scoring::Score,
}

/// The evaluation of an agency, the agencies below it, and its officers.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Evaluation {
    pub root: Agency,
    pub period: Period,
    pub agencies: Vec<Evaluated<Agency>>,
    /// The officers of `root` whose record `staff` may read.
    pub officers: Vec<Evaluated<StaffMember>>,
    /// What of `root`'s figures none of `officers` accounts for (acts
    /// attributed to no one listed); none when nothing is left over.
    pub unattributed: Option<Vec<Value>>,
    pub choices: Vec<Agency>,
}

pub async fn evaluation(
    app: &App,
    staff: &StaffMember,
    agency: Option<AgencyId>,
    period: Period,
) -> Result<Evaluation> {
    let (root, all, h) = resolve(app, staff, agency).await?;
    let mut agencies = Vec::new();
    for id in h.subtree(root.id) {
        let Some(a) = all.iter().find(|a| a.id == id).cloned() else {
            continue;
        };
        let (values, score) = indicators(app, &Scope::Agencies(vec![id]), period).await?;
        agencies.push(Evaluated {
            depth: h.depth_below(id, root.id),
            who: a,
            values,
            score: score.value,
            score_basis: score,
        });
    }
    let mut officers = Vec::new();
    for s in app.store.agency_members(root.id).await? {
        if !access::may_read_record(&viewer(staff), s.id, s.agency_id, &h) {
            continue;
        }
        let (values, score) = indicators(app, &Scope::Officer(s.id), period).await?;
        officers.push(Evaluated {
            depth: 0,
            who: s,
            values,
            score: score.value,
            score_basis: score,
        });
    }
    let unattributed = agencies.first().map(|root_line| {
        let parts: Vec<&[Value]> = officers.iter().map(|o| o.values.as_slice()).collect();
        scoring::remainder(EvaluationRules::staff(), &root_line.values, &parts)
    });
    let unattributed =
        unattributed.filter(|rest| rest.iter().any(|v| v.numerator != 0 || v.denominator != 0));
    Ok(Evaluation {
        root,
        period,
        agencies,
        officers,
        unattributed,
        choices: choices(&all, &h, staff),
    })
}
