//! How a published figure reads on a page: its value, the counts behind a
//! rate, its statutory limit and citation, and — when withheld — why, in
//! words that are true ("fewer than 5" only where it is).

use crate::domain::clock::{ClockRules, DayCount};
use crate::domain::disclosure::Withheld;
use crate::domain::evaluation::EvaluationRules;
use crate::domain::statistics::{Count, Figure};
use crate::web::Lang;
use serde::Serialize;

/// A figure as a page shows it.
#[derive(Serialize, Clone)]
pub struct FigureView {
    pub id: String,
    pub name: String,
    pub explain: String,
    pub kind: &'static str,
    /// "75.0%", "45 天", "23", "少于5件" or "—".
    pub shown: String,
    /// For a rate: "9 / 12".
    pub detail: String,
    pub suppressed: bool,
    /// For a statutory clock: its limit and its legal basis.
    pub limit: String,
    pub citation: String,
}

pub fn limit_text(lang: Lang, clock: &str) -> (String, String) {
    let Some(rule) = ClockRules::official().for_clock(clock) else {
        return (String::new(), String::new());
    };
    let limit = match (rule.days, rule.months) {
        (_, Some(m)) => lang.t_args("stats-limit-months", &[("n", m.to_string())]),
        (Some(d), _) if rule.count == DayCount::Working => {
            lang.t_args("stats-limit-working-days", &[("n", d.to_string())])
        }
        (Some(d), _) => lang.t_args("stats-limit-days", &[("n", d.to_string())]),
        _ => String::new(),
    };
    let citation = if lang == Lang::En {
        &rule.citation_en
    } else {
        &rule.citation_zh
    };
    (limit, citation.clone())
}

pub fn count_text(lang: Lang, c: &Count, min: i64) -> String {
    match c.value {
        Some(n) => n.to_string(),
        None => withheld_text(lang, c.withheld, min),
    }
}

/// What a withheld figure says of itself: "fewer than 5" only when it is;
/// otherwise that it is withheld so that a small count cannot be worked out.
pub fn withheld_text(lang: Lang, why: Option<Withheld>, min: i64) -> String {
    match why {
        Some(Withheld::Protective) => lang.t_args("stats-withheld", &[("min", min.to_string())]),
        _ => lang.t_args("stats-fewer", &[("min", min.to_string())]),
    }
}

pub fn figure_views(figures: &[Figure], lang: Lang) -> Vec<FigureView> {
    let rules = EvaluationRules::public();
    let english = lang == Lang::En;
    figures
        .iter()
        .filter_map(|f| {
            let i = rules.indicator(&f.id)?;
            let shown = match (f.value, f.kind) {
                (Some(v), "rate") => format!("{:.1}%", v * 100.0),
                (Some(v), "days") => lang.t_args("stats-days", &[("days", format!("{v:.0}"))]),
                (Some(v), _) => format!("{v:.0}"),
                (None, _) if f.suppressed => withheld_text(lang, f.withheld, rules.min_sample),
                (None, _) => "—".to_owned(),
            };
            let detail = match (f.kind, f.numerator, f.denominator) {
                ("rate", Some(n), Some(d)) => format!("{n} / {d}"),
                ("rate", None, Some(d)) if d > 0 => {
                    lang.t_args("stats-of-cases", &[("n", d.to_string())])
                }
                ("days", Some(n), _) => lang.t_args("stats-cases", &[("n", n.to_string())]),
                _ => String::new(),
            };
            let (limit, citation) = match (i.clock(), i.limit_days, &i.formula) {
                (Some((clock, _)), _, _) => limit_text(lang, clock),
                (None, _, crate::domain::evaluation::Formula::Days { clock, .. }) => {
                    limit_text(lang, clock)
                }
                _ => (String::new(), String::new()),
            };
            Some(FigureView {
                id: f.id.clone(),
                name: i.name(english).to_owned(),
                explain: i.explain(english).to_owned(),
                kind: f.kind,
                shown,
                detail,
                suppressed: f.suppressed,
                limit,
                citation,
            })
        })
        .collect()
}
