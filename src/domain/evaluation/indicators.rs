//! The evaluation method as data (`rules/evaluation.toml`): each indicator
//! a ratio, a percentile or a count of metric sums, and `evaluate`, which
//! computes them all for one scope and period.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

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
    /// 红黑榜: how sibling units are ranked (`domain::ranking`); none: no ranking.
    #[serde(default)]
    pub ranking: Option<RankingRules>,
}

/// 红黑榜 — the monthly ranking of sibling units, as data: which rates it
/// weighs (by the names the national practice gives them: 响应率, 解决率,
/// 满意率, 回退率, 重办率), how many units each list names, and how many
/// ranked units a comparison needs at all.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RankingRules {
    /// Units on the red list and on the black list (a tie at the edge takes all tied).
    pub list_size: usize,
    /// With fewer units ranked than this, no lists: the table only.
    pub min_ranked: usize,
    #[serde(rename = "indicator")]
    pub indicators: Vec<RankingIndicator>,
}

/// One rate of the ranking, its name there and its weight.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RankingIndicator {
    /// An indicator of the method (a rate the staff pages show).
    pub id: String,
    pub label_zh: String,
    pub label_en: String,
    pub weight: f64,
}

impl EvaluationRules {
    /// The ranking's own method: its rates with its weights, and the same
    /// coverage rule as the composite score (a unit without enough cases in
    /// enough of them is not ranked). None when the rules rank nothing.
    pub fn ranking_method(&self) -> Option<EvaluationRules> {
        let ranking = self.ranking.as_ref()?;
        let indicators = ranking
            .indicators
            .iter()
            .filter_map(|r| {
                let mut i = self.indicator(&r.id)?.clone();
                i.weight = r.weight;
                Some(i)
            })
            .collect();
        Some(EvaluationRules {
            min_sample: self.min_sample,
            score_min_indicators: self.score_min_indicators.min(ranking.indicators.len()),
            score_min_coverage: self.score_min_coverage,
            indicators,
            ranking: None,
        })
    }

    fn check_ranking(&self) -> Result<(), String> {
        let Some(r) = &self.ranking else {
            return Ok(());
        };
        if r.list_size == 0 || r.min_ranked < 2 {
            return Err("ranking: list_size must be 1 or more and min_ranked 2 or more".to_owned());
        }
        if r.indicators.is_empty() {
            return Err("ranking: name at least one indicator".to_owned());
        }
        for ri in &r.indicators {
            let Some(i) = self.indicator(&ri.id) else {
                return Err(format!("ranking: no indicator {}", ri.id));
            };
            if !matches!(i.formula, Formula::Rate { .. }) || !i.staff {
                return Err(format!(
                    "ranking: {} is not a rate the staff pages show; only those are ranked",
                    ri.id
                ));
            }
            if ri.weight <= 0.0 || !ri.weight.is_finite() {
                return Err(format!("ranking: {}: weight must be more than 0", ri.id));
            }
        }
        Ok(())
    }
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
        rules.check_ranking()?;
        Ok(rules)
    }

    /// The rules the product ships (`rules/evaluation.toml`).
    pub fn shipped() -> Result<Self, String> {
        Self::from_toml(include_str!("../rules/evaluation.toml"))
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
                ranking: None,
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
            ranking: self.ranking.clone(),
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
