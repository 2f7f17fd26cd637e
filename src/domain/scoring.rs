//! The composite score of the evaluation (考评综合得分) and what it rests
//! on, and the part of an agency's figures that no listed officer accounts
//! for. Computed from `domain::evaluation`'s values; the method's rules
//! (weights, the coverage a score needs) are data in `rules/evaluation.toml`.

use super::evaluation::{EvaluationRules, Formula, Value};
use serde::{Deserialize, Serialize};

/// What of `whole` (an agency's values) is not in any of `parts` (its
/// officers' values): the acts attributed to no one listed — an urging before
/// a handler was assigned, say — so that the officers' lines and this one add
/// up to the agency's. Rates and counts subtract; a percentile of days does
/// not, and is left out (its cases are given).
pub fn remainder(rules: &EvaluationRules, whole: &[Value], parts: &[&[Value]]) -> Vec<Value> {
    whole
        .iter()
        .filter_map(|w| {
            let i = rules.indicator(&w.id)?;
            let minus = |f: fn(&Value) -> i64| {
                f(w) - parts
                    .iter()
                    .filter_map(|p| p.iter().find(|v| v.id == w.id))
                    .map(f)
                    .sum::<i64>()
            };
            let (num, den) = (minus(|v| v.numerator), minus(|v| v.denominator));
            let (value, too_few) = match i.formula {
                Formula::Rate { .. } => {
                    let shown = den >= rules.min_sample;
                    (shown.then(|| num as f64 / den as f64), den > 0 && !shown)
                }
                Formula::Count { .. } => (Some(num as f64), false),
                Formula::Days { .. } => (None, false),
            };
            Some(Value {
                id: w.id.clone(),
                value,
                numerator: num,
                denominator: den,
                flagged: false,
                too_few,
            })
        })
        .collect()
}

/// A composite score and what it rests on.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Score {
    /// 0–100; none when too little could be computed to mean anything.
    pub value: Option<f64>,
    /// The weighted rates computed, and how many had any case at all.
    pub computed: usize,
    pub applicable: usize,
    /// The share of the applicable weight that was computed (0–1).
    pub coverage: f64,
}

/// The composite score (0–100): the weighted mean of the scored rates that
/// could be computed, each as "how good" (a rate where lower is better counts
/// as 1 − rate). Given only where it means something: from at least
/// `score_min_indicators` rates carrying `score_min_coverage` of the weight of
/// the rates that had any case (a top score from one ratio, every other
/// indicator too few, is no score).
pub fn score(rules: &EvaluationRules, values: &[Value]) -> Score {
    let mut weighted = 0.0;
    let mut weights = 0.0;
    let mut applicable_weight = 0.0;
    let (mut computed, mut applicable) = (0, 0);
    for i in rules.indicators.iter().filter(|i| i.weight > 0.0) {
        let Some(v) = values.iter().find(|v| v.id == i.id) else {
            continue;
        };
        if v.value.is_some() || v.too_few {
            applicable += 1;
            applicable_weight += i.weight;
        }
        let Some(v) = v.value else {
            continue;
        };
        let good = if i.higher_is_better { v } else { 1.0 - v };
        weighted += i.weight * good;
        weights += i.weight;
        computed += 1;
    }
    let coverage = if applicable_weight > 0.0 {
        weights / applicable_weight
    } else {
        0.0
    };
    let enough = computed >= rules.score_min_indicators
        && coverage + 1e-9 >= rules.score_min_coverage
        && weights > 0.0;
    Score {
        value: enough.then(|| 100.0 * weighted / weights),
        computed,
        applicable,
        coverage,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::evaluation::{Totals, evaluate};
    use std::collections::BTreeMap;

    #[test]
    fn the_officers_and_the_remainder_add_up_to_the_agency() {
        let rules = EvaluationRules::staff();
        let v = |pairs: &[(&str, i64)]| {
            let totals: Totals = pairs.iter().map(|(k, n)| ((*k).to_owned(), *n)).collect();
            evaluate(rules, &totals, &BTreeMap::new())
        };
        let agency = v(&[("urged", 11), ("drafted", 9), ("returned", 2)]);
        let a = v(&[("urged", 3), ("drafted", 6), ("returned", 1)]);
        let b = v(&[("urged", 1), ("drafted", 3), ("returned", 1)]);
        let rest = remainder(rules, &agency, &[&a, &b]);
        let get = |id: &str| rest.iter().find(|x| x.id == id).unwrap();
        assert_eq!(
            get("urgings").numerator,
            7,
            "11 urgings, 4 of them the officers'"
        );
        assert_eq!(
            (get("return_rate").numerator, get("return_rate").denominator),
            (0, 0)
        );
    }

    #[test]
    fn one_computable_ratio_is_no_score() {
        // The reported case: 0 of 5 drafts returned, every other weighted rate
        // too few — a score of 100 from one ratio. Not any more.
        let rules = EvaluationRules::staff();
        let totals: Totals = [
            ("drafted", 5),
            ("returned", 0),
            ("clock:acceptance:original:on_time", 2),
            ("rated_satisfied", 1),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
        let values = evaluate(rules, &totals, &BTreeMap::new());
        let s = score(rules, &values);
        assert_eq!(s.value, None, "{s:?}");
        assert_eq!((s.computed, s.applicable), (1, 3));
    }
}
