//! 执法质量和效率考评 — the evaluation of enforcement quality and efficiency,
//! computed only from the record, never typed in.
//!
//! Two steps, both pure:
//! 1. **Contributions**: every timeline event and every closed deadline adds
//!    one to a few named counters (metrics) of an agency and, where the act
//!    is someone's (谁执法、谁负责), of an officer, on a day. The store keeps
//!    these summed by day and by month (the roll-ups); rebuilding them from
//!    the record gives the same sums (the suite checks it).
//! 2. **Indicators**: the evaluation rules (`rules/evaluation.toml`) define
//!    each indicator as a ratio, a percentile or a count of those metrics,
//!    with its explanation, weight and threshold. Counts are shown and never
//!    scored: no indicator rewards volume (a rule that weights a count is refused).
//!
//! Attribution: an act counts for the agency where it happened and for the
//! officer responsible — the handler assigned to the petition, or the staff
//! member who acted when none is. A review's outcome counts against the
//! agency and handler whose answer it decided.

use super::events::EventKind;
use super::ids::{AgencyId, StaffId};
use super::petition::{PetitionCategory, PetitionKind};
use super::workflow::Round;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// 复查意见 — what a review (or re-review) did to the answer it decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReviewOutcome {
    /// 维持 — the answer stands.
    Upheld,
    /// 撤销或变更 — the answer was set aside or changed (a reversal).
    Changed,
}

impl ReviewOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            ReviewOutcome::Upheld => "upheld",
            ReviewOutcome::Changed => "changed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "upheld" => Some(ReviewOutcome::Upheld),
            "changed" => Some(ReviewOutcome::Changed),
            _ => None,
        }
    }
}

/// Who an event counts for, decided with the event (see the module doc).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Attribution {
    /// Where it happened; none only for rows older than the evaluation.
    pub agency: Option<AgencyId>,
    pub officer: Option<StaffId>,
    /// A transfer's target, or the agency whose answer a review decided.
    pub other_agency: Option<AgencyId>,
    /// The handler whose answer a review decided.
    pub other_officer: Option<StaffId>,
    /// A rating (`satisfied`…) or a review's outcome (`upheld`, `changed`, `unstated`).
    pub detail: Option<String>,
}

/// A timeline event as the evaluation reads it.
#[derive(Debug, Clone)]
pub struct EventFact<'a> {
    pub kind: EventKind,
    /// The China date it happened.
    pub day: NaiveDate,
    pub petition_kind: PetitionKind,
    pub category: PetitionCategory,
    pub round: Round,
    pub agency: AgencyId,
    pub officer: Option<StaffId>,
    pub other_agency: Option<AgencyId>,
    pub other_officer: Option<StaffId>,
    pub detail: Option<&'a str>,
}

/// A deadline that was met (closed), as the evaluation reads it.
#[derive(Debug, Clone)]
pub struct DeadlineFact<'a> {
    pub clock: &'a str,
    pub round: Round,
    pub agency: AgencyId,
    pub officer: Option<StaffId>,
    pub petition_kind: PetitionKind,
    pub category: PetitionCategory,
    pub started_on: NaiveDate,
    pub due_on: NaiveDate,
    pub closed_on: NaiveDate,
}

/// One added to `metric` of an agency (and of an officer, if any) on `day`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Contribution {
    pub agency: AgencyId,
    pub officer: Option<StaffId>,
    pub day: NaiveDate,
    pub kind: PetitionKind,
    pub category: PetitionCategory,
    pub metric: String,
}

/// The metric of a clock's outcome: `clock:<clock>:<round>:on_time` or `…:late`.
pub fn clock_metric(clock: &str, round: Round, on_time: bool) -> String {
    format!(
        "clock:{clock}:{}:{}",
        round.as_str(),
        if on_time { "on_time" } else { "late" }
    )
}

/// The metric of the days a clock used: `used:<clock>:<round>:<days>`.
pub fn used_metric(clock: &str, round: Round, days: i64) -> String {
    format!("used:{clock}:{}:{days}", round.as_str())
}

/// What a timeline event adds.
pub fn of_event(e: &EventFact<'_>) -> Vec<Contribution> {
    let here = |metric: &str, officer: Option<StaffId>| Contribution {
        agency: e.agency,
        officer,
        day: e.day,
        kind: e.petition_kind,
        category: e.category,
        metric: metric.to_owned(),
    };
    let there = |agency: AgencyId, metric: &str, officer: Option<StaffId>| Contribution {
        agency,
        officer,
        day: e.day,
        kind: e.petition_kind,
        category: e.category,
        metric: metric.to_owned(),
    };
    use EventKind as K;
    let mut out = Vec::new();
    match e.kind {
        K::Received => out.push(here("received", None)),
        K::Accepted => out.push(here("accepted", e.officer)),
        K::Declined => out.push(here("declined", e.officer)),
        K::Redirected => out.push(here("redirected", e.officer)),
        K::Merged => out.push(here("merged", e.officer)),
        K::Transferred => {
            out.push(here("transferred_out", e.officer));
            if let Some(to) = e.other_agency {
                out.push(there(to, "transferred_in", None));
            }
        }
        K::Assigned => out.push(here("assigned", e.officer)),
        K::Drafted => out.push(here("drafted", e.officer)),
        K::Returned => out.push(here("returned", e.officer)),
        K::Answered => {
            out.push(here("answered", e.officer));
            if e.round != Round::Original {
                out.push(here(
                    &format!("review_decided:{}", e.round.as_str()),
                    e.officer,
                ));
                if let Some(reviewed) = e.other_agency {
                    let outcome = e.detail.unwrap_or("unstated");
                    out.push(there(
                        reviewed,
                        &format!("review_{outcome}"),
                        e.other_officer,
                    ));
                }
            }
        }
        K::ExtensionApproved => out.push(here("extension_approved", e.officer)),
        K::ClockStopped => out.push(here("clock_stopped", e.officer)),
        K::ReviewRequested => out.push(here("review_requested", e.officer)),
        K::Rated => {
            if let Some(rating) = e.detail {
                out.push(here(&format!("rated_{rating}"), e.officer));
            }
        }
        K::DeadlineUrge => out.push(here("urged", e.officer)),
        K::DeadlineList => out.push(here("listed", e.officer)),
        K::DeadlineRemind => out.push(here("reminded", e.officer)),
        K::Message
        | K::EvidenceAdded
        | K::Released
        | K::Investigation
        | K::Question
        | K::ExtensionRequested
        | K::ExtensionRefused
        | K::ClockResumed
        | K::Closed
        | K::MergedIn
        | K::Linked
        | K::DeadlineMoved => {}
    }
    out
}

/// What a met deadline adds, on the day it fell due: on time or late, and the
/// days it used (from its start to the day it was met).
pub fn of_deadline(d: &DeadlineFact<'_>) -> Vec<Contribution> {
    let c = |metric: String| Contribution {
        agency: d.agency,
        officer: d.officer,
        day: d.due_on,
        kind: d.petition_kind,
        category: d.category,
        metric,
    };
    let days = (d.closed_on - d.started_on).num_days().max(0);
    vec![
        c(clock_metric(d.clock, d.round, d.closed_on <= d.due_on)),
        c(used_metric(d.clock, d.round, days)),
    ]
}

/// Metric sums over a scope and a period.
pub type Totals = BTreeMap<String, i64>;

/// How an indicator is computed from the metric sums.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Formula {
    /// A share: the numerator metrics over the denominator metrics (summed).
    /// `live` names a live count added to the denominator (e.g. open overdue clocks).
    Rate {
        numerator: Vec<String>,
        denominator: Vec<String>,
        #[serde(default)]
        live: Option<String>,
    },
    /// A percentile (0–100) of the days a clock used, from `used:<clock>:<round>:*`.
    Days {
        clock: String,
        round: String,
        percentile: u32,
    },
    /// A plain count of the metrics (summed): shown, never scored.
    Count { metrics: Vec<String> },
}

/// One indicator of the evaluation method.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Indicator {
    pub id: String,
    pub name_zh: String,
    pub name_en: String,
    pub explain_zh: String,
    pub explain_en: String,
    #[serde(flatten)]
    pub formula: Formula,
    /// Its part in the composite score; 0 (the default) leaves it out.
    #[serde(default)]
    pub weight: f64,
    /// For a rate: true when a higher share is better.
    #[serde(default = "yes")]
    pub higher_is_better: bool,
    /// A rate past this (below it when higher is better) is flagged.
    #[serde(default)]
    pub threshold: Option<f64>,
    /// Only for `Days`: the statutory limit the days are shown against.
    #[serde(default)]
    pub limit_days: Option<u32>,
    /// Shown on the public statistics (`/statistics`, `domain::statistics`).
    #[serde(default)]
    pub public: bool,
    /// Shown on the staff evaluation pages (true unless the rules say
    /// otherwise: a breakdown only the public pages need).
    #[serde(default = "yes")]
    pub staff: bool,
}

impl Indicator {
    /// For a rate of a statutory clock (`clock:<clock>:<round>:on_time`): the clock and round.
    pub fn clock(&self) -> Option<(&str, &str)> {
        let Formula::Rate { numerator, .. } = &self.formula else {
            return None;
        };
        let rest = numerator.first()?.strip_prefix("clock:")?;
        let mut parts = rest.split(':');
        Some((parts.next()?, parts.next()?))
    }

    pub fn kind(&self) -> &'static str {
        match self.formula {
            Formula::Rate { .. } => "rate",
            Formula::Days { .. } => "days",
            Formula::Count { .. } => "count",
        }
    }

    pub fn name(&self, english: bool) -> &str {
        if english {
            &self.name_en
        } else {
            &self.name_zh
        }
    }

    pub fn explain(&self, english: bool) -> &str {
        if english {
            &self.explain_en
        } else {
            &self.explain_zh
        }
    }
}

fn yes() -> bool {
    true
}

fn three() -> usize {
    3
}

fn three_fifths() -> f64 {
    0.6
}

/// The evaluation method, as data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EvaluationRules {
    /// A rate from fewer cases than this is not computed (small samples mislead).
    pub min_sample: i64,
    /// A composite score is given only from at least this many weighted rates…
    #[serde(default = "three")]
    pub score_min_indicators: usize,
    /// …carrying at least this share of the weight of the weighted rates that
    /// had any case at all (the rest being too few to compute).
    #[serde(default = "three_fifths")]
    pub score_min_coverage: f64,
    #[serde(rename = "indicator")]
    pub indicators: Vec<Indicator>,
}

impl EvaluationRules {
    /// Reads and checks the rules: ids unique, weights only on rates (a count is
    /// never scored), thresholds within 0–1, percentiles within 0–100.
    pub fn from_toml(text: &str) -> Result<Self, String> {
        let rules: EvaluationRules = toml::from_str(text).map_err(|e| e.to_string())?;
        if !(0.0..=1.0).contains(&rules.score_min_coverage) {
            return Err("score_min_coverage must be a share (0–1)".to_owned());
        }
        let mut seen = std::collections::HashSet::new();
        for i in &rules.indicators {
            if !seen.insert(i.id.as_str()) {
                return Err(format!("indicator {} is defined twice", i.id));
            }
            if i.weight < 0.0 || !i.weight.is_finite() {
                return Err(format!("indicator {}: weight must be 0 or more", i.id));
            }
            match &i.formula {
                Formula::Count { .. } | Formula::Days { .. } if i.weight > 0.0 => {
                    return Err(format!(
                        "indicator {}: only a rate may be scored; counts and days are shown, never scored",
                        i.id
                    ));
                }
                Formula::Days { percentile, .. } if *percentile > 100 => {
                    return Err(format!("indicator {}: percentile over 100", i.id));
                }
                _ => {}
            }
            if !i.staff && i.weight > 0.0 {
                return Err(format!(
                    "indicator {}: an indicator the staff pages do not show cannot be scored",
                    i.id
                ));
            }
            if let Some(t) = i.threshold
                && !(0.0..=1.0).contains(&t)
            {
                return Err(format!(
                    "indicator {}: threshold must be a share (0–1)",
                    i.id
                ));
            }
        }
        Ok(rules)
    }

    /// The rules the product ships (`rules/evaluation.toml`).
    pub fn shipped() -> Result<Self, String> {
        Self::from_toml(include_str!("rules/evaluation.toml"))
    }

    /// The shipped rules. Checked at start-up (`shipped`), so the empty method
    /// here would mean the server was started without that check.
    pub fn official() -> &'static EvaluationRules {
        static RULES: std::sync::OnceLock<EvaluationRules> = std::sync::OnceLock::new();
        RULES.get_or_init(|| {
            EvaluationRules::shipped().unwrap_or(EvaluationRules {
                min_sample: 5,
                score_min_indicators: three(),
                score_min_coverage: three_fifths(),
                indicators: Vec::new(),
            })
        })
    }

    pub fn indicator(&self, id: &str) -> Option<&Indicator> {
        self.indicators.iter().find(|i| i.id == id)
    }

    fn only(&self, keep: impl Fn(&Indicator) -> bool) -> EvaluationRules {
        EvaluationRules {
            min_sample: self.min_sample,
            score_min_indicators: self.score_min_indicators,
            score_min_coverage: self.score_min_coverage,
            indicators: self
                .indicators
                .iter()
                .filter(|i| keep(i))
                .cloned()
                .collect(),
        }
    }

    /// The indicators the staff evaluation shows (and scores).
    pub fn staff() -> &'static EvaluationRules {
        static RULES: std::sync::OnceLock<EvaluationRules> = std::sync::OnceLock::new();
        RULES.get_or_init(|| Self::official().only(|i| i.staff))
    }

    /// The indicators the public statistics show: one computation, two faces.
    pub fn public() -> &'static EvaluationRules {
        static RULES: std::sync::OnceLock<EvaluationRules> = std::sync::OnceLock::new();
        RULES.get_or_init(|| Self::official().only(|i| i.public))
    }
}

/// An indicator's value over a scope and a period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Value {
    pub id: String,
    /// A share (0–1) for a rate, days for a percentile, the number for a count;
    /// none when there are too few cases (below `min_sample`) or none at all.
    pub value: Option<f64>,
    /// For a rate: its numerator and denominator; for days: the cases counted.
    pub numerator: i64,
    pub denominator: i64,
    /// Past its threshold.
    pub flagged: bool,
    /// Too few cases to compute it (there were some).
    pub too_few: bool,
}

fn sum(totals: &Totals, metrics: &[String]) -> i64 {
    metrics
        .iter()
        .map(|m| totals.get(m).copied().unwrap_or(0))
        .sum()
}

/// The `p`th percentile (nearest rank) of a histogram of days → cases.
pub fn percentile(histogram: &BTreeMap<i64, i64>, p: u32) -> Option<i64> {
    let n: i64 = histogram.values().sum();
    if n == 0 {
        return None;
    }
    // Nearest rank: the smallest value with at least p% of the cases at or below it.
    let rank = ((i64::from(p) * n + 99) / 100).max(1);
    let mut seen = 0;
    for (days, count) in histogram {
        seen += count;
        if seen >= rank {
            return Some(*days);
        }
    }
    histogram.keys().next_back().copied()
}

/// Computes every indicator from the metric sums and the live counts.
pub fn evaluate(
    rules: &EvaluationRules,
    totals: &Totals,
    live: &BTreeMap<String, i64>,
) -> Vec<Value> {
    rules
        .indicators
        .iter()
        .map(|i| match &i.formula {
            Formula::Rate {
                numerator,
                denominator,
                live: live_metric,
            } => {
                let num = sum(totals, numerator);
                let den = sum(totals, denominator)
                    + live_metric
                        .as_ref()
                        .and_then(|m| live.get(m))
                        .copied()
                        .unwrap_or(0);
                let too_few = den > 0 && den < rules.min_sample;
                let value = (den >= rules.min_sample && den > 0).then(|| num as f64 / den as f64);
                let flagged = match (value, i.threshold) {
                    (Some(v), Some(t)) => {
                        if i.higher_is_better {
                            v < t
                        } else {
                            v > t
                        }
                    }
                    _ => false,
                };
                Value {
                    id: i.id.clone(),
                    value,
                    numerator: num,
                    denominator: den,
                    flagged,
                    too_few,
                }
            }
            Formula::Days {
                clock,
                round,
                percentile: p,
            } => {
                let prefix = format!("used:{clock}:{round}:");
                let histogram: BTreeMap<i64, i64> = totals
                    .iter()
                    .filter_map(|(m, n)| Some((m.strip_prefix(&prefix)?.parse().ok()?, *n)))
                    .collect();
                let cases: i64 = histogram.values().sum();
                let too_few = cases > 0 && cases < rules.min_sample;
                Value {
                    id: i.id.clone(),
                    value: if cases >= rules.min_sample {
                        percentile(&histogram, *p).map(|d| d as f64)
                    } else {
                        None
                    },
                    numerator: cases,
                    denominator: cases,
                    flagged: false,
                    too_few,
                }
            }
            Formula::Count { metrics } => {
                let n = sum(totals, metrics);
                Value {
                    id: i.id.clone(),
                    value: Some(n as f64),
                    numerator: n,
                    denominator: 0,
                    flagged: false,
                    too_few: false,
                }
            }
        })
        .collect()
}

/// A period of the evaluation: a month, a quarter or a year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(into = "String")]
pub enum Period {
    Month(i32, u32),
    Quarter(i32, u32),
    Year(i32),
}

impl From<Period> for String {
    fn from(p: Period) -> String {
        p.key()
    }
}

impl Period {
    /// `2026-11`, `2026-Q4` or `2026`.
    pub fn parse(s: &str) -> Option<Period> {
        let s = s.trim();
        if let Some((y, q)) = s.split_once("-Q") {
            let (y, q): (i32, u32) = (y.parse().ok()?, q.parse().ok()?);
            return ((1..=4).contains(&q) && (1949..=2200).contains(&y))
                .then_some(Period::Quarter(y, q));
        }
        if let Some((y, m)) = s.split_once('-') {
            let (y, m): (i32, u32) = (y.parse().ok()?, m.parse().ok()?);
            return ((1..=12).contains(&m) && (1949..=2200).contains(&y))
                .then_some(Period::Month(y, m));
        }
        let y: i32 = s.parse().ok()?;
        (1949..=2200).contains(&y).then_some(Period::Year(y))
    }

    pub fn key(&self) -> String {
        match self {
            Period::Month(y, m) => format!("{y:04}-{m:02}"),
            Period::Quarter(y, q) => format!("{y:04}-Q{q}"),
            Period::Year(y) => format!("{y:04}"),
        }
    }

    /// The year it falls in.
    pub fn year(&self) -> i32 {
        match *self {
            Period::Month(y, _) | Period::Quarter(y, _) | Period::Year(y) => y,
        }
    }

    /// The month of `day`.
    pub fn month_of(day: NaiveDate) -> Period {
        use chrono::Datelike;
        Period::Month(day.year(), day.month())
    }

    /// The first and last month (YYYY-MM) it spans.
    pub fn months(&self) -> (String, String) {
        let (y, first, last) = match *self {
            Period::Month(y, m) => (y, m, m),
            Period::Quarter(y, q) => (y, 3 * q - 2, 3 * q),
            Period::Year(y) => (y, 1, 12),
        };
        (format!("{y:04}-{first:02}"), format!("{y:04}-{last:02}"))
    }

    /// Its first and last day.
    pub fn days(&self) -> (NaiveDate, NaiveDate) {
        let (from, to) = self.months();
        let first =
            NaiveDate::parse_from_str(&format!("{from}-01"), "%Y-%m-%d").unwrap_or(NaiveDate::MIN);
        let next = NaiveDate::parse_from_str(&format!("{to}-01"), "%Y-%m-%d")
            .ok()
            .and_then(|d| d.checked_add_months(chrono::Months::new(1)))
            .unwrap_or(NaiveDate::MAX);
        (first, next.pred_opt().unwrap_or(next))
    }

    /// The period of the same length just before it.
    pub fn previous(&self) -> Period {
        match *self {
            Period::Month(y, 1) => Period::Month(y - 1, 12),
            Period::Month(y, m) => Period::Month(y, m - 1),
            Period::Quarter(y, 1) => Period::Quarter(y - 1, 4),
            Period::Quarter(y, q) => Period::Quarter(y, q - 1),
            Period::Year(y) => Period::Year(y - 1),
        }
    }

    /// The `n` months ending with the last month of this period, oldest first.
    pub fn trailing_months(&self, n: u32) -> Vec<Period> {
        let (_, to) = self.months();
        let mut at = Period::parse(&to).unwrap_or(*self);
        let mut out = vec![at];
        for _ in 1..n {
            at = at.previous();
            out.push(at);
        }
        out.reverse();
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::scoring::score;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn the_shipped_method_parses_and_scores_no_count() {
        let rules = EvaluationRules::shipped().unwrap();
        assert!(rules.indicators.len() >= 10);
        for i in &rules.indicators {
            if let Formula::Count { .. } = i.formula {
                assert_eq!(i.weight, 0.0, "{} is a count", i.id);
            }
            assert!(
                !i.explain_zh.is_empty() && !i.explain_en.is_empty(),
                "{}",
                i.id
            );
        }
        assert!(rules.indicators.iter().any(|i| i.weight > 0.0));
    }

    #[test]
    fn a_method_that_scores_volume_is_refused() {
        let text = r#"
min_sample = 5
[[indicator]]
id = "received"
name_zh = "收件数"
name_en = "Received"
explain_zh = "x"
explain_en = "x"
type = "count"
metrics = ["received"]
weight = 1.0
"#;
        assert!(
            EvaluationRules::from_toml(text)
                .unwrap_err()
                .contains("never scored")
        );
    }

    #[test]
    fn periods_parse_and_span_their_months() {
        let q = Period::parse("2026-Q4").unwrap();
        assert_eq!(q.months(), ("2026-10".to_owned(), "2026-12".to_owned()));
        assert_eq!(q.days(), (d("2026-10-01"), d("2026-12-31")));
        assert_eq!(q.previous(), Period::Quarter(2026, 3));
        assert_eq!(
            Period::parse("2026-01").unwrap().previous().key(),
            "2025-12"
        );
        assert_eq!(Period::parse("2026").unwrap().days().1, d("2026-12-31"));
        assert_eq!(Period::parse("2026-02").unwrap().days().1, d("2026-02-28"));
        assert_eq!(
            Period::parse("2026-02").unwrap().trailing_months(3),
            vec![
                Period::Month(2025, 12),
                Period::Month(2026, 1),
                Period::Month(2026, 2)
            ]
        );
        for bad in ["", "2026-13", "2026-Q5", "x", "2026-"] {
            assert_eq!(Period::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn percentiles_are_nearest_rank() {
        let h: BTreeMap<i64, i64> = [(2, 1), (5, 2), (9, 1), (30, 1)].into_iter().collect();
        assert_eq!(percentile(&h, 50), Some(5));
        assert_eq!(percentile(&h, 90), Some(30));
        assert_eq!(percentile(&h, 20), Some(2));
        assert_eq!(percentile(&BTreeMap::new(), 50), None);
    }

    #[test]
    fn a_review_that_changes_an_answer_counts_against_the_answer_it_changed() {
        let e = EventFact {
            kind: EventKind::Answered,
            day: d("2026-11-20"),
            petition_kind: PetitionKind::Complaint,
            category: PetitionCategory::Conduct,
            round: Round::Review,
            agency: AgencyId(1),
            officer: Some(StaffId(10)),
            other_agency: Some(AgencyId(5)),
            other_officer: Some(StaffId(50)),
            detail: Some("changed"),
        };
        let c = of_event(&e);
        let metrics: Vec<(AgencyId, Option<StaffId>, &str)> = c
            .iter()
            .map(|c| (c.agency, c.officer, c.metric.as_str()))
            .collect();
        assert_eq!(
            metrics,
            vec![
                (AgencyId(1), Some(StaffId(10)), "answered"),
                (AgencyId(1), Some(StaffId(10)), "review_decided:review"),
                (AgencyId(5), Some(StaffId(50)), "review_changed"),
            ]
        );
    }

    #[test]
    fn a_met_deadline_counts_on_its_due_day_on_time_or_late() {
        let base = DeadlineFact {
            clock: "acceptance",
            round: Round::Original,
            agency: AgencyId(3),
            officer: Some(StaffId(7)),
            petition_kind: PetitionKind::Report,
            category: PetitionCategory::Other,
            started_on: d("2026-11-02"),
            due_on: d("2026-11-17"),
            closed_on: d("2026-11-10"),
        };
        let c = of_deadline(&base);
        assert_eq!(c[0].metric, "clock:acceptance:original:on_time");
        assert_eq!(c[0].day, d("2026-11-17"));
        assert_eq!(c[1].metric, "used:acceptance:original:8");
        let late = DeadlineFact {
            closed_on: d("2026-11-18"),
            ..base
        };
        assert_eq!(
            of_deadline(&late)[0].metric,
            "clock:acceptance:original:late"
        );
    }

    /// Seven petitions at one agency in November 2026, computed by hand: five
    /// decided in time and two late, five concluded in time, six drafts with
    /// one returned, five ratings (3 满意, 1 基本满意, 1 不满意), one review that
    /// changed the answer.
    #[test]
    fn every_indicator_of_a_hand_computed_month() {
        let agency = AgencyId(1);
        let h = Some(StaffId(10));
        let mut c = Vec::new();
        let ev = |kind: EventKind, round: Round, detail: Option<&'static str>| EventFact {
            kind,
            day: d("2026-11-20"),
            petition_kind: PetitionKind::Complaint,
            category: PetitionCategory::Conduct,
            round,
            agency,
            officer: h,
            other_agency: None,
            other_officer: None,
            detail,
        };
        let dl = |clock: &'static str, started: &str, due: &str, closed: &str| DeadlineFact {
            clock,
            round: Round::Original,
            agency,
            officer: h,
            petition_kind: PetitionKind::Complaint,
            category: PetitionCategory::Conduct,
            started_on: d(started),
            due_on: d(due),
            closed_on: d(closed),
        };
        for _ in 0..7 {
            c.extend(of_event(&ev(EventKind::Received, Round::Original, None)));
        }
        for _ in 0..5 {
            c.extend(of_deadline(&dl(
                "acceptance",
                "2026-11-02",
                "2026-11-17",
                "2026-11-10",
            )));
        }
        for _ in 0..2 {
            c.extend(of_deadline(&dl(
                "acceptance",
                "2026-11-02",
                "2026-11-17",
                "2026-11-19",
            )));
        }
        for closed in [
            "2026-11-25",
            "2026-11-25",
            "2026-11-25",
            "2026-11-28",
            "2026-11-28",
        ] {
            c.extend(of_deadline(&dl(
                "conclusion",
                "2026-11-10",
                "2026-11-30",
                closed,
            )));
        }
        for _ in 0..6 {
            c.extend(of_event(&ev(EventKind::Drafted, Round::Original, None)));
        }
        c.extend(of_event(&ev(EventKind::Returned, Round::Original, None)));
        for rating in [
            "satisfied",
            "satisfied",
            "satisfied",
            "basically_satisfied",
            "unsatisfied",
        ] {
            c.extend(of_event(&ev(
                EventKind::Rated,
                Round::Original,
                Some(rating),
            )));
        }
        c.extend(of_event(&ev(
            EventKind::ReviewRequested,
            Round::Original,
            None,
        )));
        c.extend(of_event(&EventFact {
            agency: AgencyId(2),
            officer: Some(StaffId(20)),
            other_agency: Some(agency),
            other_officer: h,
            ..ev(EventKind::Answered, Round::Review, Some("changed"))
        }));
        let mut totals = Totals::new();
        for x in c.iter().filter(|x| x.agency == agency) {
            *totals.entry(x.metric.clone()).or_insert(0) += 1;
        }
        let rules = EvaluationRules::shipped().unwrap();
        let values = evaluate(&rules, &totals, &BTreeMap::new());
        let v = |id: &str| values.iter().find(|v| v.id == id).unwrap().clone();
        let close = |a: Option<f64>, b: f64| a.is_some_and(|a| (a - b).abs() < 1e-9);

        let acceptance = v("acceptance_on_time");
        assert!(close(acceptance.value, 5.0 / 7.0), "{acceptance:?}");
        assert!(acceptance.flagged, "below 90%");
        assert_eq!((acceptance.numerator, acceptance.denominator), (5, 7));
        assert!(close(v("conclusion_on_time").value, 1.0));
        assert_eq!(
            v("acceptance_days_median").value,
            Some(8.0),
            "days used: 8 ×5, 17 ×2"
        );
        assert_eq!(
            v("conclusion_days_median").value,
            Some(15.0),
            "15 ×3, 18 ×2"
        );
        assert_eq!(v("conclusion_days_p90").value, Some(18.0));
        assert!(close(v("return_rate").value, 1.0 / 6.0));
        assert!(close(v("satisfaction_rate").value, 0.8));
        assert!(!v("satisfaction_rate").flagged, "0.8 is not below 0.8");
        let reversal = v("reversal_rate");
        assert_eq!(reversal.value, None, "one review: fewer than 5");
        assert!(reversal.too_few);
        assert_eq!((reversal.numerator, reversal.denominator), (1, 1));
        assert_eq!(v("received").value, Some(7.0));
        assert_eq!(v("reviews_requested").value, Some(1.0));
        assert_eq!(v("unsatisfied").value, Some(1.0));
        assert_eq!(
            v("procedural_reply_on_time").value,
            None,
            "not a procuratorate"
        );
        // Score: (1·5/7 + 2·1 + 1·(1 − 1/6) + 1·0.8) / 5, the rates that could be computed.
        let expected = 100.0 * (5.0 / 7.0 + 2.0 + 5.0 / 6.0 + 0.8) / 5.0;
        let s = score(&rules, &values);
        assert!(close(s.value, expected), "{s:?}");
        // Four of five weighted rates with cases computed: 5 of 7 in weight.
        assert_eq!((s.computed, s.applicable), (4, 5));
        assert!((s.coverage - 5.0 / 7.0).abs() < 1e-9);

        // Two clocks still open past their last day count as late too.
        let live: BTreeMap<String, i64> = [("overdue:acceptance:original".to_owned(), 2)]
            .into_iter()
            .collect();
        let with_live = evaluate(&rules, &totals, &live);
        let a = with_live
            .iter()
            .find(|v| v.id == "acceptance_on_time")
            .unwrap();
        assert_eq!((a.numerator, a.denominator), (5, 9));
    }
}
