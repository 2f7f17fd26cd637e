//! 执法监督 in the console: the oversight page of an agency and the agencies
//! below it, the lists behind its counts, a petition as an overseer reads it,
//! the evaluation (考评) with its method, an officer's record (执法档案) and
//! the monthly bulletins (执法情况通报). Every figure comes from `app::oversight`.//!
//! This file holds what the pages share (the scope asked for, values, scores,
//! periods, the agency choices, the lists a count links to); `overview` the
//! oversight page, its lists and a petition as an overseer reads it;
//! `evaluation` the evaluation and its method; `record` an officer's record;
//! `bulletins` the monthly bulletins.

mod bulletins;
mod evaluation;
mod exceptions;
mod overview;
mod ranking;
mod record;

pub use bulletins::{bulletin, bulletins};
pub use evaluation::{evaluation, method};
pub use exceptions::exceptions;
pub use overview::{OrderInput, list, list_page, overview, petition, petition_page};
pub use ranking::ranking;
pub use record::{record, record_csv};

use crate::app::{self};
use crate::domain::evaluation::{EvaluationRules, Period, Value};
use crate::domain::ids::AgencyId;
use crate::domain::scoring::Score;
use crate::domain::workflow::State;
use crate::store::oversight::Listing;
use crate::web::Lang;
use serde::{Deserialize, Serialize};

#[derive(Debug, Default, Deserialize)]
pub struct ScopeQuery {
    #[serde(default)]
    agency: String,
    #[serde(default)]
    period: String,
    #[serde(default)]
    what: String,
    #[serde(default)]
    page: String,
}

impl ScopeQuery {
    /// The list of `agency`'s overdue matters (where a backlog order is issued).
    pub fn overdue_of(agency: AgencyId) -> Self {
        ScopeQuery {
            agency: agency.0.to_string(),
            what: "overdue".to_owned(),
            ..Default::default()
        }
    }

    fn agency(&self) -> Option<AgencyId> {
        self.agency.parse().ok()
    }

    /// The period asked for, else the current month.
    fn period(&self) -> Period {
        Period::parse(&self.period).unwrap_or_else(|| Period::month_of(app::today()))
    }

    /// The period of an evaluation or a record: the one asked for (then
    /// remembered for the session), else the one last asked for, else the
    /// last full month.
    fn evaluation_period(&self, session: &actix_session::Session) -> Period {
        const KEY: &str = "evaluation_period";
        if let Some(p) = Period::parse(&self.period) {
            // Remembering is a convenience: a session that cannot store it still answers.
            let _ = session.insert(KEY, p.key());
            return p;
        }
        session
            .get::<String>(KEY)
            .ok()
            .flatten()
            .and_then(|k| Period::parse(&k))
            .unwrap_or_else(|| Period::last_full_month(app::today()))
    }

    fn page(&self) -> u64 {
        self.page.parse().unwrap_or(1).max(1)
    }
}

/// An indicator as a page shows it: its name, value formatted, and why.
#[derive(Serialize)]
struct ValueView {
    id: String,
    name: String,
    explain: String,
    /// "87%", "12 天", "3" — or the reason there is none.
    shown: String,
    numerator: i64,
    denominator: i64,
    flagged: bool,
    too_few: bool,
    kind: &'static str,
    limit_days: Option<u32>,
}

fn value_views(values: &[Value], lang: Lang) -> Vec<ValueView> {
    let rules = EvaluationRules::staff();
    let english = lang == Lang::En;
    values
        .iter()
        .filter_map(|v| {
            let i = rules.indicator(&v.id)?;
            let kind = match i.formula {
                crate::domain::evaluation::Formula::Rate { .. } => "rate",
                crate::domain::evaluation::Formula::Days { .. } => "days",
                crate::domain::evaluation::Formula::Count { .. } => "count",
            };
            let shown = match (v.value, kind) {
                (Some(x), "rate") => format!("{:.1}%", x * 100.0),
                (Some(x), "days") => lang.t_args("oversight-days", &[("days", format!("{x:.0}"))]),
                (Some(x), _) => format!("{x:.0}"),
                (None, _) if v.too_few => lang.t("oversight-too-few"),
                (None, _) => "—".to_owned(),
            };
            Some(ValueView {
                id: v.id.clone(),
                name: if english {
                    i.name_en.clone()
                } else {
                    i.name_zh.clone()
                },
                explain: if english {
                    i.explain_en.clone()
                } else {
                    i.explain_zh.clone()
                },
                shown,
                numerator: v.numerator,
                denominator: v.denominator,
                flagged: v.flagged,
                too_few: v.too_few,
                kind,
                limit_days: i.limit_days,
            })
        })
        .collect()
}

fn score_view(score: Option<f64>) -> String {
    score.map_or_else(|| "—".to_owned(), |s| format!("{s:.1}"))
}

/// A score as the staff pages show it, and what it rests on: "not enough
/// cases to score" rather than a score from one ratio.
fn scored(score: &Score, lang: Lang) -> (String, String) {
    let basis = lang.t_args(
        "evaluation-score-basis",
        &[
            ("computed", score.computed.to_string()),
            ("applicable", score.applicable.to_string()),
            ("coverage", format!("{:.0}", score.coverage * 100.0)),
        ],
    );
    match (score.value, score.applicable) {
        (Some(v), _) => (format!("{v:.1}"), basis),
        (None, 0) => ("—".to_owned(), String::new()),
        (None, _) => (lang.t("evaluation-not-enough"), basis),
    }
}

fn period_choices(current: Period, lang: Lang) -> Vec<(String, String, bool)> {
    let today = app::today();
    let month = Period::month_of(today);
    let mut out = Vec::new();
    let mut m = month;
    for _ in 0..12 {
        out.push(m);
        m = m.previous();
    }
    let chrono_today = today;
    let q = Period::Quarter(
        chrono::Datelike::year(&chrono_today),
        (chrono::Datelike::month(&chrono_today) - 1) / 3 + 1,
    );
    out.push(q);
    out.push(q.previous());
    let y = Period::Year(chrono::Datelike::year(&chrono_today));
    out.push(y);
    out.push(y.previous());
    out.into_iter()
        .map(|p| (p.key(), period_label(p, lang), p == current))
        .collect()
}

fn period_label(p: Period, lang: Lang) -> String {
    match (p, lang) {
        (Period::Month(y, m), Lang::Zh) => format!("{y}年{m}月"),
        (Period::Quarter(y, q), Lang::Zh) => format!("{y}年第{q}季度"),
        (Period::Year(y), Lang::Zh) => format!("{y}年"),
        (Period::Month(..), Lang::En) => p.key(),
        (Period::Quarter(y, q), Lang::En) => format!("Q{q} {y}"),
        (Period::Year(y), Lang::En) => y.to_string(),
    }
}

fn choices(
    list: &[crate::store::agencies::Agency],
    current: AgencyId,
    lang: Lang,
) -> Vec<(AgencyId, String, bool)> {
    list.iter()
        .map(|a| (a.id, a.name(lang == Lang::En).to_owned(), a.id == current))
        .collect()
}

/// Where a petition named on an oversight page links: the console's own page
/// for the reader's agency, the overseer's read-only page for those below.
fn petition_link(tracking_number: &str, own: bool) -> String {
    if own {
        format!("/staff/petitions/{tracking_number}")
    } else {
        format!("/staff/oversight/petitions/{tracking_number}")
    }
}

/// The list a `what=` names.
pub fn listing_of(what: &str) -> Option<Listing> {
    listing(what)
}

fn listing(what: &str) -> Option<Listing> {
    Some(match what {
        "overdue" => Listing::Overdue,
        "due_week" => Listing::DueWeek,
        "extension_pending" => Listing::ExtensionPending,
        "review_pending" => Listing::ReviewPending,
        "returned" => Listing::Events(crate::domain::events::EventKind::Returned),
        "urged" => Listing::Events(crate::domain::events::EventKind::DeadlineUrge),
        "reversed" => Listing::Events(crate::domain::events::EventKind::Answered),
        "unsatisfied" => Listing::Unsatisfied,
        other => Listing::Stage(State::parse(other.strip_prefix("stage:")?)?),
    })
}
