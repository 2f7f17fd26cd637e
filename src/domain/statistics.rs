//! 执法公开 — the public statistics: how many petitions a body received, what
//! it did with them, how many it answered within each statutory limit, how
//! long it took, how satisfied people were and how many answers a review
//! changed. One computation, two faces: the figures are the evaluation's own
//! (`domain::evaluation`, the indicators marked `public` in the rules file),
//! of an agency's rows only — never an officer's.
//!
//! Small numbers are not published (`min_sample` of the rules, 5): a count of
//! 1 to 4 is shown as "fewer than 5", and a rate or a median from fewer than
//! 5 cases is not computed. Where a whole is published with its parts (the
//! petitions received, by kind; the ratings), hiding one part alone would
//! let anyone subtract it back, so the next smallest part is hidden with it.

use super::evaluation::{self, EvaluationRules, Formula, Totals, Value};
use super::petition::PetitionKind;
use serde::Serialize;
use std::collections::BTreeMap;

/// A count as published: the number, or none when it is 1 to `min_sample − 1`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Count {
    pub value: Option<i64>,
    /// True when the count is hidden (shown as "fewer than 5").
    pub suppressed: bool,
}

impl Count {
    pub fn of(n: i64, min_sample: i64) -> Count {
        if n > 0 && n < min_sample {
            Count {
                value: None,
                suppressed: true,
            }
        } else {
            Count {
                value: Some(n),
                suppressed: false,
            }
        }
    }

    fn hide(&mut self) {
        self.value = None;
        self.suppressed = true;
    }
}

/// Complementary suppression over the parts of a published whole: when
/// exactly one part is hidden, the smallest other part that is not zero is
/// hidden too, so no part can be worked out from the whole and the rest.
pub fn protect_parts(parts: &mut [Count], raw: &[i64]) {
    let hidden = parts.iter().filter(|c| c.suppressed).count();
    if hidden != 1 {
        return;
    }
    let next = parts
        .iter()
        .zip(raw)
        .enumerate()
        .filter(|(_, (c, n))| !c.suppressed && **n > 0)
        .min_by_key(|(_, (_, n))| **n)
        .map(|(i, _)| i);
    if let Some(i) = next {
        parts[i].hide();
    }
}

/// One published figure: an indicator of the rules, with small numbers hidden.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Figure {
    pub id: String,
    /// `rate`, `days` or `count`.
    pub kind: &'static str,
    /// A share (0–1), days, or the count; none when hidden or not computable.
    pub value: Option<f64>,
    /// For a rate: the cases in time (or in the numerator) and all cases;
    /// for days: the cases counted. None when hidden.
    pub numerator: Option<i64>,
    pub denominator: Option<i64>,
    /// Built from 1 to 4 cases: shown as "fewer than 5".
    pub suppressed: bool,
}

/// The public figures of one scope and period, from the evaluation's values.
pub fn publish(rules: &EvaluationRules, values: &[Value]) -> Vec<Figure> {
    let min = rules.min_sample;
    let mut out: Vec<Figure> = rules
        .indicators
        .iter()
        .filter_map(|i| {
            let v = values.iter().find(|v| v.id == i.id)?;
            let figure = match i.formula {
                Formula::Rate { .. } => {
                    let shown = v.denominator >= min;
                    Figure {
                        id: i.id.clone(),
                        kind: "rate",
                        value: v.value.filter(|_| shown),
                        numerator: shown.then_some(v.numerator),
                        denominator: shown.then_some(v.denominator),
                        suppressed: v.denominator > 0 && !shown,
                    }
                }
                Formula::Days { .. } => {
                    let shown = v.numerator >= min;
                    Figure {
                        id: i.id.clone(),
                        kind: "days",
                        value: v.value.filter(|_| shown),
                        numerator: shown.then_some(v.numerator),
                        denominator: None,
                        suppressed: v.numerator > 0 && !shown,
                    }
                }
                Formula::Count { .. } => {
                    let c = Count::of(v.numerator, min);
                    Figure {
                        id: i.id.clone(),
                        kind: "count",
                        value: c.value.map(|n| n as f64),
                        numerator: c.value,
                        denominator: None,
                        suppressed: c.suppressed,
                    }
                }
            };
            Some(figure)
        })
        .collect();
    // The three ratings are the parts of the answers rated (the satisfaction rate's denominator).
    let parts = [
        "rated_satisfied",
        "rated_basically_satisfied",
        "unsatisfied",
    ];
    let idx: Vec<usize> = parts
        .iter()
        .filter_map(|id| out.iter().position(|f| f.id == *id))
        .collect();
    if idx.len() == parts.len() {
        let raw: Vec<i64> = idx
            .iter()
            .map(|&i| {
                values
                    .iter()
                    .find(|v| v.id == out[i].id)
                    .map_or(0, |v| v.numerator)
            })
            .collect();
        let mut counts: Vec<Count> = idx
            .iter()
            .map(|&i| Count {
                value: out[i].numerator,
                suppressed: out[i].suppressed,
            })
            .collect();
        protect_parts(&mut counts, &raw);
        for (&i, c) in idx.iter().zip(counts) {
            if c.suppressed {
                out[i].value = None;
                out[i].numerator = None;
                out[i].suppressed = true;
            }
        }
    }
    out
}

/// Petitions received (registered or transferred in) of one kind.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KindCount {
    pub kind: PetitionKind,
    pub received: Count,
}

/// One month of the trend.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MonthCounts {
    /// YYYY-MM
    pub month: String,
    pub received: Count,
    pub answered: Count,
}

/// Everything published of one scope over one period.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Published {
    pub figures: Vec<Figure>,
    pub by_kind: Vec<KindCount>,
    pub months: Vec<MonthCounts>,
}

fn received(t: &Totals) -> i64 {
    t.get("received").copied().unwrap_or(0) + t.get("transferred_in").copied().unwrap_or(0)
}

/// Computes the published figures from the metric sums by kind over the
/// period, the clocks still open past their last day, and the sums by month.
pub fn compute(
    rules: &EvaluationRules,
    by_kind: &BTreeMap<PetitionKind, Totals>,
    live: &BTreeMap<String, i64>,
    by_month: &[(String, Totals)],
) -> Published {
    let mut all = Totals::new();
    for t in by_kind.values() {
        for (k, v) in t {
            *all.entry(k.clone()).or_insert(0) += v;
        }
    }
    let values = evaluation::evaluate(rules, &all, live);
    let figures = publish(rules, &values);
    let raw: Vec<i64> = PetitionKind::ALL
        .iter()
        .map(|k| by_kind.get(k).map_or(0, received))
        .collect();
    let mut counts: Vec<Count> = raw
        .iter()
        .map(|n| Count::of(*n, rules.min_sample))
        .collect();
    protect_parts(&mut counts, &raw);
    let by_kind = PetitionKind::ALL
        .iter()
        .zip(counts)
        .map(|(kind, received)| KindCount {
            kind: *kind,
            received,
        })
        .collect();
    let months = by_month
        .iter()
        .map(|(month, t)| MonthCounts {
            month: month.clone(),
            received: Count::of(received(t), rules.min_sample),
            answered: Count::of(t.get("answered").copied().unwrap_or(0), rules.min_sample),
        })
        .collect();
    Published {
        figures,
        by_kind,
        months,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn totals(pairs: &[(&str, i64)]) -> Totals {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), *v)).collect()
    }

    fn figure<'a>(p: &'a Published, id: &str) -> &'a Figure {
        p.figures.iter().find(|f| f.id == id).unwrap()
    }

    #[test]
    fn counts_of_one_to_four_are_hidden_and_zero_is_not() {
        assert_eq!(Count::of(0, 5).value, Some(0));
        assert!(Count::of(1, 5).suppressed && Count::of(4, 5).value.is_none());
        assert_eq!(Count::of(5, 5).value, Some(5));
    }

    #[test]
    fn one_hidden_part_hides_the_next_smallest_so_it_cannot_be_subtracted() {
        let raw = [3, 40, 7];
        let mut c: Vec<Count> = raw.iter().map(|n| Count::of(*n, 5)).collect();
        protect_parts(&mut c, &raw);
        assert!(c[0].suppressed && c[2].suppressed && !c[1].suppressed);
        // Two hidden already: nothing more to hide.
        let raw = [3, 2, 9];
        let mut c: Vec<Count> = raw.iter().map(|n| Count::of(*n, 5)).collect();
        protect_parts(&mut c, &raw);
        assert_eq!(c[2].value, Some(9));
        // A zero part reveals nothing and is never hidden.
        let raw = [3, 0, 0];
        let mut c: Vec<Count> = raw.iter().map(|n| Count::of(*n, 5)).collect();
        protect_parts(&mut c, &raw);
        assert_eq!((c[1].value, c[2].value), (Some(0), Some(0)));
    }

    #[test]
    fn a_hand_computed_period_publishes_what_the_method_says() {
        let rules = EvaluationRules::public();
        let mut by_kind = BTreeMap::new();
        by_kind.insert(
            PetitionKind::Complaint,
            totals(&[
                ("received", 20),
                ("accepted", 16),
                ("declined", 2),
                ("answered", 12),
                ("clock:conclusion:original:on_time", 9),
                ("clock:conclusion:original:late", 1),
                ("used:conclusion:original:20", 4),
                ("used:conclusion:original:45", 6),
                ("rated_satisfied", 6),
                ("rated_basically_satisfied", 3),
                ("rated_unsatisfied", 2),
            ]),
        );
        by_kind.insert(PetitionKind::Report, totals(&[("received", 3)]));
        let live = BTreeMap::from([("overdue:conclusion:original".to_owned(), 2)]);
        let p = compute(rules, &by_kind, &live, &[]);
        // 9 in time of 10 met + 2 still open past their last day.
        let c = figure(&p, "conclusion_on_time");
        assert_eq!((c.numerator, c.denominator), (Some(9), Some(12)));
        assert!((c.value.unwrap() - 0.75).abs() < 1e-9);
        assert_eq!(figure(&p, "conclusion_days_median").value, Some(45.0));
        assert_eq!(figure(&p, "received").value, Some(23.0));
        // Two declined: fewer than 5.
        assert!(figure(&p, "declined").suppressed);
        // 9 of 11 rated satisfied or basically; 2 unsatisfied is hidden, and
        // with it the next smallest rating (3), so neither can be worked out.
        let s = figure(&p, "satisfaction_rate");
        assert_eq!((s.numerator, s.denominator), (Some(9), Some(11)));
        assert!(figure(&p, "unsatisfied").suppressed);
        assert!(figure(&p, "rated_basically_satisfied").suppressed);
        assert_eq!(figure(&p, "rated_satisfied").value, Some(6.0));
        // Reports: 3, hidden; litigation 0 shown; complaints then hidden too
        // (else 23 − 20 gives the reports back).
        let kinds: Vec<_> = p.by_kind.iter().map(|k| k.received.value).collect();
        assert_eq!(kinds, vec![None, None, Some(0)]);
        // Acceptance within 15 days: none fell due, nothing to show.
        let a = figure(&p, "acceptance_on_time");
        assert_eq!((a.value, a.suppressed), (None, false));
        // No officer figure is public.
        assert!(p.figures.iter().all(|f| f.id != "return_rate"));
    }
}
