//! 红黑榜 — the monthly ranking of sibling units (bodies of one type under one
//! parent) and its red and black lists, from the evaluation's values under
//! the ranking's own method (`EvaluationRules::ranking_method`, data in
//! `rules/evaluation.toml`). A unit without enough cases is not ranked and is
//! said to be so; units whose scores read the same (to one decimal, as shown)
//! share a rank; lists only when enough units are ranked, and never for a
//! unit that no other is worse (black) or better (red) than. Bodies only:
//! officers are never ranked.

use super::evaluation::{EvaluationRules, Value};
use super::scoring::{self, Score};
use serde::{Deserialize, Serialize};

/// Where a unit stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Standing {
    /// 红榜
    Red,
    /// 黑榜
    Black,
    /// Ranked, on neither list.
    Neither,
    /// Too few cases to rank.
    Unranked,
}

/// One unit of a ranking.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Ranked<T> {
    pub who: T,
    /// The ranking score (0–100), to one decimal; none when not ranked.
    pub score: Option<f64>,
    pub basis: Score,
    /// The unit's values of the ranking's rates, in the method's order.
    pub values: Vec<Value>,
    /// 1 for the best; tied units share it (1, 2, 2, 4).
    pub rank: Option<usize>,
    pub tied: bool,
    pub standing: Standing,
}

/// A ranking: ranked units by rank, then the unranked; whether lists were drawn.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Ranking<T> {
    pub rows: Vec<Ranked<T>>,
    /// Enough units were ranked for red and black lists.
    pub lists: bool,
}

impl<T> Ranking<T> {
    /// The same ranking about something else (a unit's name instead of the unit).
    pub fn map<U>(self, f: impl Fn(T) -> U) -> Ranking<U> {
        Ranking {
            lists: self.lists,
            rows: self
                .rows
                .into_iter()
                .map(|r| Ranked {
                    who: f(r.who),
                    score: r.score,
                    basis: r.basis,
                    values: r.values,
                    rank: r.rank,
                    tied: r.tied,
                    standing: r.standing,
                })
                .collect(),
        }
    }
}

/// Ranks `units` (each with its evaluation values) under `rules`' ranking.
pub fn rank<T>(rules: &EvaluationRules, units: Vec<(T, Vec<Value>)>) -> Ranking<T> {
    let (Some(method), Some(ranking)) = (rules.ranking_method(), rules.ranking.as_ref()) else {
        return Ranking {
            rows: Vec::new(),
            lists: false,
        };
    };
    let mut rows: Vec<Ranked<T>> = units
        .into_iter()
        .map(|(who, values)| {
            let basis = scoring::score(&method, &values);
            let mine = method
                .indicators
                .iter()
                .filter_map(|i| values.iter().find(|v| v.id == i.id).cloned())
                .collect();
            Ranked {
                who,
                // As shown: two scores that read the same are the same.
                score: basis.value.map(|v| (v * 10.0).round() / 10.0),
                basis,
                values: mine,
                rank: None,
                tied: false,
                standing: Standing::Unranked,
            }
        })
        .collect();
    let scores: Vec<f64> = rows.iter().filter_map(|r| r.score).collect();
    let lists = scores.len() >= ranking.min_ranked;
    for r in &mut rows {
        let Some(s) = r.score else { continue };
        let better = scores.iter().filter(|o| **o > s).count();
        let worse = scores.iter().filter(|o| **o < s).count();
        r.rank = Some(better + 1);
        r.tied = scores.iter().filter(|o| **o == s).count() > 1;
        r.standing = if lists && worse > 0 && better < ranking.list_size {
            Standing::Red
        } else if lists && better > 0 && worse < ranking.list_size {
            Standing::Black
        } else {
            Standing::Neither
        };
    }
    // By rank, the unranked last; otherwise in the order given (stable).
    rows.sort_by_key(|r| r.rank.unwrap_or(usize::MAX));
    Ranking { rows, lists }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rate(id: &str, n: i64, d: i64) -> Value {
        Value {
            id: id.to_owned(),
            value: (d >= 5).then(|| n as f64 / d as f64),
            numerator: n,
            denominator: d,
            flagged: false,
            too_few: d > 0 && d < 5,
        }
    }

    /// Response, resolution, satisfaction, return and redo rates as (n, d).
    fn unit(r: [(i64, i64); 5]) -> Vec<Value> {
        [
            "acceptance_on_time",
            "conclusion_on_time",
            "satisfaction_rate",
            "return_rate",
            "reversal_rate",
        ]
        .iter()
        .zip(r)
        .map(|(id, (n, d))| rate(id, n, d))
        .collect()
    }

    /// By hand, equal weights, lower-is-better rates as 1 − rate:
    /// A (1 + .9 + .8 + .9 + 1)/5 = 92.0; B (.9 + 1 + .8 + .9 + 1)/5 = 92.0, a
    /// tie; C (.8·5)/5 = 80.0; D (.6 + .5 + .5 + .5 + .6)/5 = 54.0; E has
    /// three cases of each: not ranked.
    fn five() -> Vec<(&'static str, Vec<Value>)> {
        vec![
            ("E", unit([(3, 3), (3, 3), (3, 3), (0, 3), (0, 3)])),
            ("C", unit([(8, 10), (8, 10), (8, 10), (2, 10), (2, 10)])),
            ("A", unit([(10, 10), (9, 10), (8, 10), (1, 10), (0, 5)])),
            ("D", unit([(6, 10), (5, 10), (5, 10), (5, 10), (4, 10)])),
            ("B", unit([(9, 10), (10, 10), (8, 10), (1, 10), (0, 5)])),
        ]
    }

    type Line = (&'static str, Option<f64>, Option<usize>, bool, Standing);

    fn table(r: &Ranking<&'static str>) -> Vec<Line> {
        r.rows
            .iter()
            .map(|r| (r.who, r.score, r.rank, r.tied, r.standing))
            .collect()
    }

    #[test]
    fn five_siblings_by_hand_one_not_ranked_one_tie() {
        let rules = EvaluationRules::shipped().unwrap();
        let r = rank(&rules, five());
        assert!(r.lists);
        assert_eq!(
            table(&r),
            vec![
                ("A", Some(92.0), Some(1), true, Standing::Red),
                ("B", Some(92.0), Some(1), true, Standing::Red),
                ("C", Some(80.0), Some(3), false, Standing::Black),
                ("D", Some(54.0), Some(4), false, Standing::Black),
                ("E", None, None, false, Standing::Unranked),
            ]
        );
        // One on each list: the tie at the top takes both places.
        let mut one = rules.clone();
        one.ranking.as_mut().unwrap().list_size = 1;
        let r = rank(&one, five());
        let standing: Vec<Standing> = r.rows.iter().map(|r| r.standing).collect();
        assert_eq!(
            standing,
            vec![
                Standing::Red,
                Standing::Red,
                Standing::Neither,
                Standing::Black,
                Standing::Unranked
            ]
        );
    }

    #[test]
    fn too_few_ranked_units_or_all_tied_draw_no_lists() {
        let rules = EvaluationRules::shipped().unwrap();
        let two: Vec<_> = five()
            .into_iter()
            .filter(|(w, _)| *w == "C" || *w == "D")
            .collect();
        let r = rank(&rules, two);
        assert!(!r.lists);
        assert!(r.rows.iter().all(|r| r.standing == Standing::Neither));
        let same = vec![
            ("X", unit([(8, 10); 5])),
            ("Y", unit([(8, 10); 5])),
            ("Z", unit([(8, 10); 5])),
        ];
        let r = rank(&rules, same);
        assert!(r.lists);
        assert!(
            r.rows
                .iter()
                .all(|r| r.rank == Some(1) && r.standing == Standing::Neither)
        );
    }

    #[test]
    fn the_rules_refuse_a_ranking_of_what_is_not_a_rate() {
        let text = include_str!("rules/evaluation.toml").replace(
            "id = \"reversal_rate\"\nlabel_zh",
            "id = \"received\"\nlabel_zh",
        );
        let e = EvaluationRules::from_toml(&text).unwrap_err();
        assert!(e.contains("received"), "{e}");
    }
}
