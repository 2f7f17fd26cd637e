//! 执法公开: the public statistics of the whole province, an agency type or
//! one agency over a month, quarter or year (`domain::statistics`, from the
//! agencies' roll-ups), the signed daily snapshots of all of them, and the
//! list of published answers.
//!
//! Statistics never slow the site: every figure comes from one read of the
//! agencies' monthly roll-ups and of the clocks open past their last day (the
//! "base"), kept per node for `SUMS_TTL` (60 s) and refreshed by one request
//! while the others are served the previous one (`app::cache`); each scope
//! and period computed from it is kept as long.

use super::cache::{SUMS_TTL, TtlCache};
use super::{App, Error, Result};
use crate::domain::agency::AgencyType;
use crate::domain::cells::{self, Quantity};
use crate::domain::disclosure::Withheld;
use crate::domain::evaluation::{EvaluationRules, Period, Totals};
use crate::domain::ids::AgencyId;
use crate::domain::page::{PageRequest, Paged};
use crate::domain::petition::PetitionKind;
use crate::domain::statistics::{self, Published};
use crate::store::Store;
use crate::store::agencies::Agency;
use crate::store::statistics::{AgencyMonths, AnswerFilter, OverdueMonths};
use crate::store::workflow::PublicAnswer;
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::Arc;

/// The figures every statistic is computed from, as read at `read_at`, and
/// the disclosure control's decision over all of them.
pub struct Base {
    sums: AgencyMonths,
    overdue: OverdueMonths,
    pub read_at: DateTime<Utc>,
    protection: Protection,
}

/// Which counts are withheld, decided once over every scope and period
/// (`domain::disclosure`), so that every page, the CSV and the snapshot
/// withhold the same cells and no sum across them gives one back.
#[derive(Default)]
struct Protection {
    universe: Option<cells::Universe>,
    status: Vec<Option<Withheld>>,
}

impl Protection {
    fn of(base: &Base, agencies: &[Agency], today: chrono::NaiveDate) -> Protection {
        use chrono::Datelike;
        let Some(first) = base.first_month() else {
            return Protection::default();
        };
        let units: Vec<cells::Unit> = agencies
            .iter()
            .map(|a| cells::Unit {
                scope: Scope::Agency(a.id).key(agencies),
                type_scope: Scope::Type(a.agency_type).key(agencies),
            })
            .collect();
        let rules = EvaluationRules::public();
        let universe = cells::Universe::build(
            rules,
            &units,
            first.year()..=today.year().max(first.year()),
            &|u, month| sums_of(base, &[agencies[u].id], month, month),
        );
        let status = universe.protect(rules.min_sample, &Period::month_of(today).key());
        Protection {
            universe: Some(universe),
            status,
        }
    }

    /// The decision for one cell; none when the cell is outside the table.
    fn decide(&self, scope: &str, period: &str, q: &Quantity) -> Option<Option<Withheld>> {
        let u = self.universe.as_ref()?;
        u.cell(scope, period, q).map(|i| self.status[i])
    }
}

/// The cached statistics (see the module doc).
pub struct Cached {
    base: TtlCache<(), Base>,
    computed: TtlCache<(String, String), Statistics>,
}

impl Base {
    /// Reads the agencies' roll-ups and the clocks open past their last day before `today`.
    pub(super) async fn read(store: &Store, today: chrono::NaiveDate) -> Result<Base> {
        let mut base = Base {
            sums: store.public_rollups().await?,
            overdue: store.overdue_by_agency_month(today).await?,
            read_at: Utc::now(),
            protection: Protection::default(),
        };
        let agencies = store.agencies().await?;
        base.protection = Protection::of(&base, &agencies, today);
        Ok(base)
    }

    /// The first month with figures, if any.
    pub(super) fn first_month(&self) -> Option<Period> {
        self.sums
            .values()
            .filter_map(|m| m.keys().next())
            .min()
            .and_then(|m| Period::parse(m))
    }
}

impl Default for Cached {
    fn default() -> Self {
        Cached {
            base: TtlCache::new(SUMS_TTL),
            computed: TtlCache::new(SUMS_TTL),
        }
    }
}

impl Cached {
    pub fn clear(&self) {
        self.base.clear();
        self.computed.clear();
    }
}

/// Whose figures: the whole province, every agency of a type, or one agency
/// (its own petitions, not those of the agencies below it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    Province,
    Type(AgencyType),
    Agency(AgencyId),
}

impl Scope {
    /// `province`, `type:court`, `agency:lj-court` — as in the snapshot and the CSV.
    pub fn key(&self, agencies: &[Agency]) -> String {
        match self {
            Scope::Province => "province".to_owned(),
            Scope::Type(t) => format!("type:{}", t.as_str()),
            Scope::Agency(id) => format!(
                "agency:{}",
                agencies
                    .iter()
                    .find(|a| a.id == *id)
                    .map_or_else(|| id.0.to_string(), |a| a.code.clone())
            ),
        }
    }

    fn includes(&self, a: &Agency) -> bool {
        match self {
            Scope::Province => true,
            Scope::Type(t) => a.agency_type == *t,
            Scope::Agency(id) => a.id == *id,
        }
    }
}

/// The scope of a key (`province`, `type:court`, `agency:lj-court`); the
/// province when empty. An unknown key is not found.
pub async fn scope(app: &App, key: &str) -> Result<Scope> {
    let key = key.trim();
    let (agency, agency_type) = match key.split_once(':') {
        _ if key.is_empty() || key == "province" => (None, None),
        Some(("agency", code)) => (Some(code), None),
        Some(("type", t)) => (None, Some(t)),
        _ => return Err(Error::NotFound),
    };
    if let Some(code) = agency.filter(|c| !c.is_empty()) {
        let all = app.store.agencies().await?;
        return all
            .iter()
            .find(|a| a.code == code || a.id.0.to_string() == code)
            .map(|a| Scope::Agency(a.id))
            .ok_or(Error::NotFound);
    }
    if let Some(t) = agency_type.filter(|t| !t.is_empty()) {
        return AgencyType::parse(t).map(Scope::Type).ok_or(Error::NotFound);
    }
    Ok(Scope::Province)
}

/// One line of the comparison under a scope: an agency type or an agency.
#[derive(Debug, Clone, Serialize)]
pub struct Part {
    /// The part's scope key (`type:court`, `agency:lj-court`).
    pub scope: String,
    /// For a type, its names come from the reader's language files.
    pub agency_type: Option<AgencyType>,
    pub name_zh: String,
    pub name_en: String,
    pub figures: Vec<statistics::Figure>,
}

/// The statistics of a scope over a period.
#[derive(Debug, Clone, Serialize)]
pub struct Statistics {
    pub scope: String,
    pub agency_type: Option<AgencyType>,
    pub name_zh: String,
    pub name_en: String,
    #[serde(serialize_with = "period_key")]
    pub period: Period,
    pub min_sample: i64,
    #[serde(flatten)]
    pub published: Published,
    /// Under the province, each agency type; under a type, each of its agencies.
    pub parts: Vec<Part>,
    /// When the roll-ups these figures come from were read.
    pub as_of: DateTime<Utc>,
}

fn period_key<S: serde::Serializer>(p: &Period, s: S) -> std::result::Result<S::Ok, S::Error> {
    s.serialize_str(&p.key())
}

pub(super) async fn base(app: &App) -> Result<Arc<Base>> {
    app.statistics
        .base
        .get_or((), || Base::read(&app.store, super::today()))
        .await
}

/// The sums of `agencies` over the months `from..=to`, by kind; and the open overdue clocks.
pub(super) fn sums_of(
    base: &Base,
    agencies: &[AgencyId],
    from: &str,
    to: &str,
) -> (BTreeMap<PetitionKind, Totals>, BTreeMap<String, i64>) {
    let mut by_kind: BTreeMap<PetitionKind, Totals> = BTreeMap::new();
    let mut live = BTreeMap::new();
    for a in agencies {
        if let Some(months) = base.sums.get(a) {
            for (_, kinds) in months.range(from.to_owned()..=to.to_owned()) {
                for (kind, metrics) in kinds {
                    let Some(kind) = PetitionKind::parse(kind) else {
                        continue;
                    };
                    let t = by_kind.entry(kind).or_default();
                    for (m, v) in metrics {
                        *t.entry(m.clone()).or_insert(0) += v;
                    }
                }
            }
        }
        if let Some(months) = base.overdue.get(a) {
            for (_, metrics) in months.range(from.to_owned()..=to.to_owned()) {
                for (m, v) in metrics {
                    *live.entry(m.clone()).or_insert(0) += v;
                }
            }
        }
    }
    (by_kind, live)
}

pub(super) fn by_month(
    base: &Base,
    agencies: &[AgencyId],
    period: Period,
) -> Vec<(String, Totals)> {
    period
        .trailing_months(12)
        .into_iter()
        .map(|m| {
            let key = m.key();
            let (kinds, _) = sums_of(base, agencies, &key, &key);
            let mut t = Totals::new();
            for metrics in kinds.values() {
                for (k, v) in metrics {
                    *t.entry(k.clone()).or_insert(0) += v;
                }
            }
            (key, t)
        })
        .collect()
}

pub(super) fn compute(
    base: &Base,
    agencies: &[Agency],
    scope: &Scope,
    period: Period,
    with_months: bool,
) -> Published {
    let rules = EvaluationRules::public();
    let ids: Vec<AgencyId> = agencies
        .iter()
        .filter(|a| scope.includes(a))
        .map(|a| a.id)
        .collect();
    let (from, to) = period.months();
    let (by_kind, live) = sums_of(base, &ids, &from, &to);
    let months = if with_months {
        by_month(base, &ids, period)
    } else {
        Vec::new()
    };
    let (scope_key, period_key) = (scope.key(agencies), period.key());
    let small = statistics::primary(rules.min_sample);
    let decide = |q: &Quantity| {
        base.protection
            .decide(&scope_key, &period_key, q)
            .unwrap_or_else(|| small(cells::value_of(q, &by_kind, &live)))
    };
    let decide_month = |month: &str, q: &Quantity| {
        base.protection
            .decide(&scope_key, month, q)
            .unwrap_or_else(|| {
                let totals = months
                    .iter()
                    .find(|(m, _)| m == month)
                    .map(|(_, t)| BTreeMap::from([(PetitionKind::Complaint, t.clone())]))
                    .unwrap_or_default();
                small(cells::value_of(q, &totals, &BTreeMap::new()))
            })
    };
    statistics::compute(rules, &by_kind, &live, &months, &decide, &decide_month)
}

pub(super) fn names(scope: &Scope, agencies: &[Agency]) -> (String, String) {
    match scope {
        Scope::Province => ("全省".to_owned(), "Whole province".to_owned()),
        Scope::Type(_) => (String::new(), String::new()),
        Scope::Agency(id) => agencies
            .iter()
            .find(|a| a.id == *id)
            .map(|a| (a.name_zh.clone(), a.name_en.clone()))
            .unwrap_or_default(),
    }
}

pub(super) fn type_of(scope: &Scope) -> Option<AgencyType> {
    match scope {
        Scope::Type(t) => Some(*t),
        _ => None,
    }
}

pub(super) fn parts(base: &Base, agencies: &[Agency], scope: &Scope, period: Period) -> Vec<Part> {
    let part = |s: Scope| {
        let (name_zh, name_en) = names(&s, agencies);
        Part {
            scope: s.key(agencies),
            agency_type: type_of(&s),
            name_zh,
            name_en,
            figures: compute(base, agencies, &s, period, false).figures,
        }
    };
    match scope {
        Scope::Province => AgencyType::ALL
            .iter()
            .filter(|t| agencies.iter().any(|a| a.agency_type == **t))
            .map(|t| part(Scope::Type(*t)))
            .collect(),
        Scope::Type(t) => agencies
            .iter()
            .filter(|a| a.agency_type == *t)
            .map(|a| part(Scope::Agency(a.id)))
            .collect(),
        Scope::Agency(_) => Vec::new(),
    }
}

/// The statistics of `scope` over `period`, as published now.
pub async fn of(app: &App, scope: &Scope, period: Period) -> Result<Arc<Statistics>> {
    let agencies = app.store.agencies().await?;
    let key = (scope.key(&agencies), period.key());
    app.statistics
        .computed
        .get_or(key.clone(), || async {
            let base = base(app).await?;
            let (name_zh, name_en) = names(scope, &agencies);
            Ok::<_, Error>(Statistics {
                scope: key.0,
                agency_type: type_of(scope),
                name_zh,
                name_en,
                period,
                min_sample: EvaluationRules::public().min_sample,
                published: compute(&base, &agencies, scope, period, true),
                parts: parts(&base, &agencies, scope, period),
                as_of: base.read_at,
            })
        })
        .await
}

/// The periods with figures, newest first: each year, then each month of
/// the last two years (the pages' choices).
pub async fn periods(app: &App) -> Result<Vec<Period>> {
    let base = base(app).await?;
    let today = super::today();
    let now = Period::month_of(today);
    let first = base.first_month().unwrap_or(now);
    let mut out: Vec<Period> = (first.year()..=now.year())
        .rev()
        .map(Period::Year)
        .collect();
    let mut m = now;
    for _ in 0..24 {
        if m.key() < first.key() {
            break;
        }
        out.push(m);
        m = m.previous();
    }
    Ok(out)
}

/// The CSV of a statistics page: one row per scope (the page's and each part)
/// and figure. `type_name` names an agency type in the reader's language.
pub fn csv(s: &Statistics, english: bool, type_name: &dyn Fn(AgencyType) -> String) -> String {
    let name = |t: Option<AgencyType>, zh: &str, en: &str| match t {
        Some(t) => type_name(t),
        None if english => en.to_owned(),
        None => zh.to_owned(),
    };
    let rules = EvaluationRules::public();
    let esc = |v: &str| {
        if v.contains([',', '"', '\n', '\r']) {
            format!("\"{}\"", v.replace('"', "\"\""))
        } else {
            v.to_owned()
        }
    };
    let mut out = String::from(
        "scope,scope_name,period,figure,figure_name,kind,value,numerator,denominator,suppressed,withheld\r\n",
    );
    let num = |v: Option<i64>| v.map(|n| n.to_string()).unwrap_or_default();
    let why = |w: Option<Withheld>| w.map_or("", Withheld::as_str);
    let own = name(s.agency_type, &s.name_zh, &s.name_en);
    let mut rows = vec![(s.scope.as_str(), own.clone(), &s.published.figures)];
    for p in &s.parts {
        rows.push((
            p.scope.as_str(),
            name(p.agency_type, &p.name_zh, &p.name_en),
            &p.figures,
        ));
    }
    for (scope, name, figures) in rows {
        for f in figures {
            let figure_name = rules.indicator(&f.id).map_or("", |i| i.name(english));
            out.push_str(&format!(
                "{},{},{},{},{},{},{},{},{},{},{}\r\n",
                esc(scope),
                esc(&name),
                s.period.key(),
                f.id,
                esc(figure_name),
                f.kind,
                f.value.map(|v| format!("{v}")).unwrap_or_default(),
                num(f.numerator),
                num(f.denominator),
                f.suppressed,
                why(f.withheld)
            ));
        }
    }
    for k in &s.published.by_kind {
        out.push_str(&format!(
            "{},{},{},received_by_kind:{},,count,{},{},,{},{}\r\n",
            esc(&s.scope),
            esc(&own),
            s.period.key(),
            k.kind.as_str(),
            num(k.received.value),
            num(k.received.value),
            k.received.suppressed,
            why(k.received.withheld)
        ));
    }
    out
}

/// Published answers, newest first, filtered.
pub async fn answers(
    app: &App,
    filter: &AnswerFilter,
    page: PageRequest,
) -> Result<Paged<PublicAnswer>> {
    Ok(app.store.published_answers(filter, page).await?)
}

pub async fn answer_years(app: &App) -> Result<Vec<i32>> {
    Ok(app.store.published_answer_years().await?)
}
