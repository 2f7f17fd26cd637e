//! 执法公开 — the public statistics: how many petitions a body received, what
//! it did with them, how many it answered within each statutory limit, how
//! long it took, how satisfied people were and how many answers a review
//! changed. One computation, two faces: the figures are the evaluation's own
//! (`domain::evaluation`, the indicators marked `public` in the rules file),
//! of an agency's rows only — never an officer's.
//!
//! Small numbers are not published (`min_sample` of the rules, 5): a count of
//! 1 to 4 is shown as "fewer than 5", and a rate or a median from fewer than
//! 5 cases is not computed. Which further counts are withheld so that none of
//! those can be worked out — across every scope and period published — is
//! `domain::disclosure`'s; its cells are `domain::cells`.

use super::cells::{Quantity, quantities, table_relations, value_of};
use super::disclosure::Withheld;
use super::evaluation::{self, EvaluationRules, Formula, Totals, Value};
use super::petition::PetitionKind;
use serde::Serialize;
use std::collections::BTreeMap;

/// A count as published: the number, or none when it is withheld.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Count {
    pub value: Option<i64>,
    /// True when the count is withheld (for either reason of `withheld`).
    pub suppressed: bool,
    /// Why: `small` (1 to min − 1, "fewer than 5") or `protective` (withheld
    /// so that a small count cannot be worked out; it is min or more).
    pub withheld: Option<Withheld>,
}

impl Count {
    /// `n` as published: withheld as small when 1 to `min_sample − 1`.
    pub fn of(n: i64, min_sample: i64) -> Count {
        Count::with(n, (n > 0 && n < min_sample).then_some(Withheld::Small))
    }

    /// `n` as published under the disclosure control's decision.
    pub fn with(n: i64, withheld: Option<Withheld>) -> Count {
        Count {
            value: withheld.is_none().then_some(n),
            suppressed: withheld.is_some(),
            withheld,
        }
    }
}

/// One published figure: an indicator of the rules, with small numbers hidden.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Figure {
    pub id: String,
    /// `rate`, `days` or `count`.
    pub kind: &'static str,
    /// A share (0–1), days, or the count; none when withheld or not computable.
    pub value: Option<f64>,
    /// For a rate: the cases in time (or in the numerator) and all cases;
    /// for days: the cases counted. Each none when withheld.
    pub numerator: Option<i64>,
    pub denominator: Option<i64>,
    /// Withheld, for the reason in `withheld`.
    pub suppressed: bool,
    /// `small`: built from 1 to min − 1 cases ("fewer than 5"); `protective`:
    /// withheld so that a small count cannot be worked out from it.
    pub withheld: Option<Withheld>,
}

/// How the disclosure control decided one quantity of this table.
pub type Decide<'a> = &'a dyn Fn(&Quantity) -> Option<Withheld>;

/// The decision of primary suppression alone (a count of 1 to min − 1),
/// for a table published on its own.
pub fn primary(min: i64) -> impl Fn(i64) -> Option<Withheld> {
    move |n| (n > 0 && n < min).then_some(Withheld::Small)
}

/// The public figures of one scope and period, from the evaluation's values
/// and the disclosure control's decision for each of their quantities.
pub fn publish(rules: &EvaluationRules, values: &[Value], decide: Decide) -> Vec<Figure> {
    let min = rules.min_sample;
    rules
        .indicators
        .iter()
        .filter_map(|i| {
            let v = values.iter().find(|v| v.id == i.id)?;
            let qs = Quantity::of_figure(&i.formula);
            let figure = match i.formula {
                Formula::Rate { .. } => {
                    let (num, den) = (decide(&qs[0]), decide(&qs[1]));
                    // A rate with either part gives the other: shown only with both.
                    let shown = v.denominator >= min && num.is_none() && den.is_none();
                    let withheld = match (den, num) {
                        (Some(d), _) => Some(d),
                        _ if v.denominator > 0 && v.denominator < min => Some(Withheld::Small),
                        (None, Some(_)) => Some(Withheld::Protective),
                        (None, None) => None,
                    };
                    Figure {
                        id: i.id.clone(),
                        kind: "rate",
                        value: v.value.filter(|_| shown),
                        numerator: num.is_none().then_some(v.numerator),
                        denominator: den.is_none().then_some(v.denominator),
                        suppressed: withheld.is_some(),
                        withheld,
                    }
                }
                Formula::Days { .. } => {
                    let cases = decide(&qs[0]);
                    let withheld =
                        cases.or((v.numerator > 0 && v.numerator < min).then_some(Withheld::Small));
                    Figure {
                        id: i.id.clone(),
                        kind: "days",
                        value: v.value.filter(|_| withheld.is_none() && v.numerator >= min),
                        numerator: cases.is_none().then_some(v.numerator),
                        denominator: None,
                        suppressed: withheld.is_some(),
                        withheld,
                    }
                }
                Formula::Count { .. } => {
                    let c = Count::with(v.numerator, decide(&qs[0]));
                    Figure {
                        id: i.id.clone(),
                        kind: "count",
                        value: c.value.map(|n| n as f64),
                        numerator: c.value,
                        denominator: None,
                        suppressed: c.suppressed,
                        withheld: c.withheld,
                    }
                }
            };
            Some(figure)
        })
        .collect()
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

fn received_of(t: &Totals) -> i64 {
    t.get("received").copied().unwrap_or(0) + t.get("transferred_in").copied().unwrap_or(0)
}

/// Computes the published figures from the metric sums by kind over the
/// period, the clocks still open past their last day, and the sums by month;
/// `decide` and `decide_month` give the disclosure control's decision for a
/// quantity of this table and of one month of its trend.
pub fn compute(
    rules: &EvaluationRules,
    by_kind: &BTreeMap<PetitionKind, Totals>,
    live: &BTreeMap<String, i64>,
    by_month: &[(String, Totals)],
    decide: Decide,
    decide_month: &dyn Fn(&str, &Quantity) -> Option<Withheld>,
) -> Published {
    let mut all = Totals::new();
    for t in by_kind.values() {
        for (k, v) in t {
            *all.entry(k.clone()).or_insert(0) += v;
        }
    }
    let values = evaluation::evaluate(rules, &all, live);
    let figures = publish(rules, &values, decide);
    let by_kind = PetitionKind::ALL
        .iter()
        .map(|kind| {
            let q = Quantity::received(Some(*kind));
            KindCount {
                kind: *kind,
                received: Count::with(value_of(&q, by_kind, live), decide(&q)),
            }
        })
        .collect();
    let months = by_month
        .iter()
        .map(|(month, t)| {
            let (received, answered) = (Quantity::received(None), Quantity::answered());
            MonthCounts {
                month: month.clone(),
                received: Count::with(received_of(t), decide_month(month, &received)),
                answered: Count::with(
                    t.get("answered").copied().unwrap_or(0),
                    decide_month(month, &answered),
                ),
            }
        })
        .collect();
    Published {
        figures,
        by_kind,
        months,
    }
}

/// [`compute`] for one table on its own, with primary suppression and the
/// relations within the table protected (`domain::disclosure` over the
/// table's quantities only): staff views and tests; the public pages protect
/// across all scopes and periods (`app::statistics`).
pub fn compute_alone(
    rules: &EvaluationRules,
    by_kind: &BTreeMap<PetitionKind, Totals>,
    live: &BTreeMap<String, i64>,
) -> Published {
    let qs = quantities(rules);
    let values: Vec<i64> = qs.iter().map(|q| value_of(q, by_kind, live)).collect();
    let relations: Vec<super::disclosure::Relation> = table_relations(&qs)
        .into_iter()
        .map(|(total, parts)| super::disclosure::Relation { total, parts })
        .collect();
    let status = super::disclosure::protect(&values, &relations, rules.min_sample, &[]);
    let decide = |q: &Quantity| qs.iter().position(|x| x == q).and_then(|i| status[i]);
    let small = primary(rules.min_sample);
    compute(rules, by_kind, live, &[], &decide, &|_, q| {
        small(value_of(q, by_kind, live))
    })
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
        assert_eq!(Count::of(4, 5).withheld, Some(Withheld::Small));
        assert_eq!(Count::of(5, 5).value, Some(5));
    }

    #[test]
    fn the_ratings_and_a_rate_are_related_quantities() {
        let qs = quantities(EvaluationRules::public());
        let rel = table_relations(&qs);
        let q = |ms: &[&str]| {
            qs.iter()
                .position(|x| {
                    x.kind.is_none()
                        && x.metrics.len() == ms.len()
                        && ms.iter().all(|m| x.metrics.contains(&(*m).to_owned()))
                })
                .unwrap()
        };
        let rated = q(&[
            "rated_satisfied",
            "rated_basically_satisfied",
            "rated_unsatisfied",
        ]);
        let num = q(&["rated_satisfied", "rated_basically_satisfied"]);
        let unsat = q(&["rated_unsatisfied"]);
        assert!(
            rel.iter().any(|(t, p)| *t == rated
                && p.len() == 2
                && p.contains(&num)
                && p.contains(&unsat))
        );
        let received = q(&["received", "transferred_in"]);
        assert!(
            rel.iter()
                .any(|(t, p)| *t == received && p.len() == PetitionKind::ALL.len())
        );
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
        let p = compute_alone(rules, &by_kind, &live);
        // 9 in time of 10 met + 2 still open past their last day.
        let c = figure(&p, "conclusion_on_time");
        assert_eq!((c.numerator, c.denominator), (Some(9), Some(12)));
        assert!((c.value.unwrap() - 0.75).abs() < 1e-9);
        assert_eq!(figure(&p, "conclusion_days_median").value, Some(45.0));
        assert_eq!(figure(&p, "received").value, Some(23.0));
        // Two declined: fewer than 5.
        assert_eq!(figure(&p, "declined").withheld, Some(Withheld::Small));
        // 6 satisfied, 3 basically, 2 unsatisfied of 11 rated. With the rate's
        // parts 9/11 published, 11 − 9 gives the unsatisfied (2) and 9 − 6 the
        // basically satisfied (3): so the rate's numerator is withheld too —
        // as protective, not as "fewer than 5" — and with it the rate. What
        // is left (11 rated, 6 satisfied) gives only basically + unsatisfied = 5.
        let s = figure(&p, "satisfaction_rate");
        assert_eq!((s.value, s.numerator), (None, None));
        assert_eq!(s.withheld, Some(Withheld::Protective));
        assert_eq!(figure(&p, "unsatisfied").withheld, Some(Withheld::Small));
        assert_eq!(
            figure(&p, "rated_basically_satisfied").withheld,
            Some(Withheld::Small)
        );
        assert_eq!(figure(&p, "rated_satisfied").value, Some(6.0));
        assert_eq!(s.denominator, Some(11));
        // Reports: 3, hidden; litigation 0 shown; complaints then hidden too
        // (else 23 − 20 gives the reports back), and labelled as protective.
        let kinds: Vec<_> = p
            .by_kind
            .iter()
            .map(|k| (k.received.value, k.received.withheld))
            .collect();
        assert_eq!(
            kinds,
            vec![
                (None, Some(Withheld::Protective)),
                (None, Some(Withheld::Small)),
                (Some(0), None)
            ]
        );
        // Acceptance within 15 days: none fell due, nothing to show.
        let a = figure(&p, "acceptance_on_time");
        assert_eq!((a.value, a.suppressed), (None, false));
        // No officer figure is public.
        assert!(p.figures.iter().all(|f| f.id != "return_rate"));
    }
}
