//! Statistical disclosure control for the public figures (统计数据的
//! 保密处理): which published counts are withheld so that no small count can be
//! worked out — from the page it is on, or by arithmetic across every scope
//! and period the portal publishes.
//!
//! The method (`/statistics/method` says the same):
//! 1. **Primary**: a count from 1 to `min − 1` is withheld ("fewer than 5").
//! 2. **Relations**: every published count is a cell; wherever cells add up
//!    to another (the kinds to the whole, the ratings to the rated, a rate's
//!    numerator to its denominator, the agencies to their type, the types to
//!    the province, the months to their quarter and year), that sum is a
//!    relation, and all relations are checked together.
//! 3. **Audit**: the attacker's view is computed — each withheld cell's
//!    interval from everything published, by interval propagation over all
//!    relations: a published cell is its value, a cell withheld as "fewer
//!    than `min`" is known to be 0 to `min − 1` (it may be a zero withheld as
//!    in 4), a cell withheld to protect another is known to be at least `min`.
//! 4. **Complementary**: while any withheld cell's interval is one value,
//!    another cell of a relation that pins it is withheld too — the smallest
//!    published non-zero part, else the total (both `min` or more: withheld
//!    as protective); where every non-zero cell around it is withheld
//!    already, a published zero (withheld as "fewer than `min`", which is
//!    true) — and the audit runs again.
//!
//! A rate is shown only where its numerator and denominator are both
//! published (a rate and either part give the other). Zero is published
//! unless step 4 needs it: a zero reveals no one, but the bounds it gives
//! can pin a neighbour.

use serde::Serialize;

/// Why a cell is withheld; none when it is published.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Withheld {
    /// 1 to `min − 1`: "fewer than 5".
    Small,
    /// `min` or more, withheld so that a small count cannot be worked out.
    Protective,
}

impl Withheld {
    /// `small` or `protective`, as the JSON and the CSV name it.
    pub fn as_str(self) -> &'static str {
        match self {
            Withheld::Small => "small",
            Withheld::Protective => "protective",
        }
    }
}

/// A sum published cells obey: `total = Σ parts` (indices into the cells).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Relation {
    pub total: usize,
    pub parts: Vec<usize>,
}

/// What an outsider can know of a cell: at least `lo`, at most `hi`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Interval {
    pub lo: i64,
    pub hi: i64,
}

impl Interval {
    pub fn pinned(&self) -> bool {
        self.lo == self.hi
    }
}

/// Far above any count, for "no upper bound known".
const UNBOUNDED: i64 = i64::MAX / 1024;

/// The status of every cell: primary suppression, then complementary
/// suppression until the audit finds no withheld cell pinned to one value.
/// `known[c]`: cell `c` is known to everyone whatever is published (a month
/// still to come holds nothing), so withholding it protects nothing and it
/// is never chosen; a shorter slice leaves the rest unknown.
pub fn protect(
    values: &[i64],
    relations: &[Relation],
    min: i64,
    known: &[bool],
) -> Vec<Option<Withheld>> {
    let mut status: Vec<Option<Withheld>> = values
        .iter()
        .map(|&n| (n > 0 && n < min).then_some(Withheld::Small))
        .collect();
    // Which relations each cell is in.
    let mut member: Vec<Vec<usize>> = vec![Vec::new(); values.len()];
    for (r, rel) in relations.iter().enumerate() {
        member[rel.total].push(r);
        for &p in &rel.parts {
            member[p].push(r);
        }
    }
    loop {
        let bounds = audit(values, &status, relations, min);
        let mut pinned: Vec<usize> = (0..values.len())
            .filter(|&i| status[i].is_some() && bounds[i].pinned())
            .collect();
        let mut combined = false;
        if pinned.is_empty() {
            // No single chain of sums pins one; a combination of several
            // relations (this total minus that one plus a third…) still may.
            pinned = determined(&status, relations);
            combined = true;
        }
        if pinned.is_empty() {
            return status;
        }
        let mut this_round: Vec<usize> = Vec::new();
        for i in pinned {
            // A cell withheld in this round beside it may free it: audit again first.
            if member[i]
                .iter()
                .any(|&r| touches(&relations[r], &this_round))
            {
                continue;
            }
            let mut found = complement(i, &member[i], relations, values, &status, known);
            if found.is_none() && combined {
                // Everything around it is withheld already: break the
                // combination one step further out, in a relation of a
                // withheld cell beside it.
                let mut further: Vec<usize> = member[i]
                    .iter()
                    .flat_map(|&r| {
                        std::iter::once(relations[r].total)
                            .chain(relations[r].parts.iter().copied())
                    })
                    .filter(|&c| c != i && status[c].is_some())
                    .flat_map(|c| member[c].iter().copied())
                    .collect();
                further.sort_unstable();
                further.dedup();
                found = complement(i, &further, relations, values, &status, known);
            }
            if let Some((c, why)) = found {
                status[c] = Some(why);
                this_round.push(c);
            }
        }
        if this_round.is_empty() {
            // Nothing left to withhold that would help (every cell around it
            // already is): the audit's answer stands.
            return status;
        }
    }
}

/// A large prime: the elimination below is exact arithmetic modulo it (the
/// relations' coefficients are ±1, so a false "determined" would need a
/// determinant that is a multiple of 2^61 − 1).
const P: u128 = (1 << 61) - 1;

fn inverse(a: u128) -> u128 {
    let (mut r, mut b, mut e) = (1u128, a % P, P - 2);
    while e > 0 {
        if e & 1 == 1 {
            r = r * b % P;
        }
        b = b * b % P;
        e >>= 1;
    }
    r
}

/// The withheld cells whose value follows exactly from the published ones
/// by some combination of the relations — any sum and difference, however
/// many relations it takes, which interval propagation along one relation at
/// a time can miss. With the published cells as constants, each relation is
/// an equation over the withheld ones; a withheld cell is determined when its
/// unit vector lies in the span of those equations (Gaussian elimination,
/// by connected group of withheld cells so each system stays small).
pub fn determined(status: &[Option<Withheld>], relations: &[Relation]) -> Vec<usize> {
    let hidden: Vec<usize> = (0..status.len()).filter(|&c| status[c].is_some()).collect();
    let column: std::collections::HashMap<usize, usize> =
        hidden.iter().enumerate().map(|(k, &c)| (c, k)).collect();
    // Each relation over the withheld cells: +1 for the total, −1 for a part.
    let equations: Vec<Vec<(usize, u128)>> = relations
        .iter()
        .map(|rel| {
            let mut terms: Vec<(usize, u128)> = Vec::new();
            let mut add = |cell: usize, coefficient: u128| {
                if let Some(&k) = column.get(&cell) {
                    match terms.iter_mut().find(|(c, _)| *c == k) {
                        Some(t) => t.1 = (t.1 + coefficient) % P,
                        None => terms.push((k, coefficient)),
                    }
                }
            };
            add(rel.total, 1);
            for &p in &rel.parts {
                add(p, P - 1);
            }
            terms.retain(|(_, v)| *v != 0);
            terms
        })
        .filter(|t| !t.is_empty())
        .collect();
    // Connected groups of withheld cells (union–find over shared equations).
    let mut parent: Vec<usize> = (0..hidden.len()).collect();
    fn root(parent: &mut [usize], mut x: usize) -> usize {
        while parent[x] != x {
            parent[x] = parent[parent[x]];
            x = parent[x];
        }
        x
    }
    for eq in &equations {
        let first = root(&mut parent, eq[0].0);
        for &(k, _) in &eq[1..] {
            let r = root(&mut parent, k);
            parent[r] = first;
        }
    }
    let mut groups: std::collections::BTreeMap<usize, Vec<usize>> = Default::default();
    for (e, eq) in equations.iter().enumerate() {
        let r = root(&mut parent, eq[0].0);
        groups.entry(r).or_default().push(e);
    }
    let mut out = Vec::new();
    for eqs in groups.values() {
        // Local columns of this group.
        let mut local: Vec<usize> = eqs
            .iter()
            .flat_map(|&e| equations[e].iter().map(|(k, _)| *k))
            .collect();
        local.sort_unstable();
        local.dedup();
        let at = |k: usize| local.binary_search(&k).unwrap_or(0);
        let mut rows: Vec<(usize, Vec<u128>)> = Vec::new();
        for &e in eqs {
            let mut v = vec![0u128; local.len()];
            for &(k, c) in &equations[e] {
                v[at(k)] = c;
            }
            for (pivot, row) in &rows {
                let f = v[*pivot];
                if f != 0 {
                    for (x, r) in v.iter_mut().zip(row) {
                        *x = (*x + P - f * r % P) % P;
                    }
                }
            }
            let Some(pivot) = v.iter().position(|x| *x != 0) else {
                continue;
            };
            let k = inverse(v[pivot]);
            let row: Vec<u128> = v.iter().map(|x| x * k % P).collect();
            for (_, other) in rows.iter_mut() {
                let f = other[pivot];
                if f != 0 {
                    for (o, r) in other.iter_mut().zip(&row) {
                        *o = (*o + P - f * r % P) % P;
                    }
                }
            }
            rows.push((pivot, row));
        }
        // Fully reduced: a row with its pivot alone gives that cell's value.
        for (pivot, row) in &rows {
            if row.iter().filter(|x| **x != 0).count() == 1 {
                out.push(hidden[local[*pivot]]);
            }
        }
    }
    out.sort_unstable();
    out
}

/// True when relation `rel` holds one of `cells`.
fn touches(rel: &Relation, cells: &[usize]) -> bool {
    cells.contains(&rel.total) || rel.parts.iter().any(|p| cells.contains(p))
}

/// The cell to withhold so that `i` is no longer pinned, and as what: in the
/// relation around `i` with the fewest withheld cells, its smallest published
/// non-zero part, else its total (withheld as protective: it is `min` or
/// more); where every non-zero cell around `i` is withheld already, a
/// published zero (withheld as "fewer than `min`", which it is).
fn complement(
    i: usize,
    around: &[usize],
    relations: &[Relation],
    values: &[i64],
    status: &[Option<Withheld>],
    known: &[bool],
) -> Option<(usize, Withheld)> {
    let mut candidates: Vec<(usize, usize)> = around
        .iter()
        .map(|&r| {
            let rel = &relations[r];
            let hidden = std::iter::once(rel.total)
                .chain(rel.parts.iter().copied())
                .filter(|&c| status[c].is_some())
                .count();
            (hidden, r)
        })
        .collect();
    candidates.sort();
    for (zero, why) in [(false, Withheld::Protective), (true, Withheld::Small)] {
        let open = |c: usize| {
            c != i
                && status[c].is_none()
                && (values[c] == 0) == zero
                && !known.get(c).copied().unwrap_or(false)
        };
        for &(_, r) in &candidates {
            let rel = &relations[r];
            let part = rel
                .parts
                .iter()
                .copied()
                .filter(|&c| open(c))
                .min_by_key(|&c| (values[c], c));
            if let Some(c) = part.or_else(|| open(rel.total).then_some(rel.total)) {
                return Some((c, why));
            }
        }
    }
    None
}

/// The attacker: each cell's interval from the published values, what each
/// label says, and every relation, propagated until nothing moves.
pub fn audit(
    values: &[i64],
    status: &[Option<Withheld>],
    relations: &[Relation],
    min: i64,
) -> Vec<Interval> {
    let mut b: Vec<Interval> = values
        .iter()
        .zip(status)
        .map(|(&v, s)| match s {
            None => Interval { lo: v, hi: v },
            // "Fewer than 5" may be a zero withheld to protect another.
            Some(Withheld::Small) => Interval { lo: 0, hi: min - 1 },
            Some(Withheld::Protective) => Interval {
                lo: min,
                hi: UNBOUNDED,
            },
        })
        .collect();
    // Each pass tightens or stops; bounded so a pathological input ends.
    for _ in 0..64 {
        let mut moved = false;
        for rel in relations {
            let lo_sum: i64 = rel.parts.iter().map(|&p| b[p].lo).sum();
            let hi_sum: i64 = rel
                .parts
                .iter()
                .map(|&p| b[p].hi)
                .fold(0i64, |a, h| a.saturating_add(h))
                .min(UNBOUNDED);
            let t = rel.total;
            if lo_sum > b[t].lo {
                b[t].lo = lo_sum;
                moved = true;
            }
            if hi_sum < b[t].hi {
                b[t].hi = hi_sum;
                moved = true;
            }
            for &p in &rel.parts {
                let others_lo = lo_sum - b[p].lo;
                let others_hi = if b[p].hi >= UNBOUNDED {
                    // Unknown: the others' sum cannot be isolated.
                    UNBOUNDED
                } else {
                    (hi_sum - b[p].hi).min(UNBOUNDED)
                };
                let lo = if others_hi >= UNBOUNDED {
                    b[p].lo
                } else {
                    b[t].lo - others_hi
                };
                let hi = if b[t].hi >= UNBOUNDED {
                    b[p].hi
                } else {
                    b[t].hi - others_lo
                };
                if lo > b[p].lo {
                    b[p].lo = lo;
                    moved = true;
                }
                if hi < b[p].hi {
                    b[p].hi = hi;
                    moved = true;
                }
            }
        }
        if !moved {
            break;
        }
    }
    b
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rel(total: usize, parts: &[usize]) -> Relation {
        Relation {
            total,
            parts: parts.to_vec(),
        }
    }

    #[test]
    fn one_small_part_takes_the_smallest_other_with_it() {
        // total 50 = 3 + 40 + 7
        let values = [50, 3, 40, 7];
        let s = protect(&values, &[rel(0, &[1, 2, 3])], 5, &[]);
        assert_eq!(s[1], Some(Withheld::Small));
        assert_eq!(s[3], Some(Withheld::Protective));
        assert_eq!((s[0], s[2]), (None, None));
    }

    #[test]
    fn a_rate_does_not_give_back_its_hidden_parts() {
        // The reported case: satisfied 8, basically 6, unsatisfied 3; the
        // rate 14/17 published with its parts gave both hidden ratings back.
        // Cells: 0 rated (17), 1 satisfied+basically (14), 2 sat, 3 basic, 4 unsat.
        let values = [17, 14, 8, 6, 3];
        let relations = [rel(0, &[2, 3, 4]), rel(0, &[1, 4]), rel(1, &[2, 3])];
        let s = protect(&values, &relations, 5, &[]);
        let b = audit(&values, &s, &relations, 5);
        for i in 0..values.len() {
            if s[i].is_some() {
                assert!(!b[i].pinned(), "cell {i} pinned: {:?} {:?}", s, b);
            }
        }
        assert_eq!(s[4], Some(Withheld::Small));
    }

    #[test]
    fn a_small_count_next_to_a_withheld_five_is_not_pinned() {
        // 6 = x + c with x small (0..4): withholding c (≥ 5) leaves x in 0..1.
        let values = [6, 1, 5];
        let s = protect(&values, &[rel(0, &[1, 2])], 5, &[]);
        let b = audit(&values, &s, &[rel(0, &[1, 2])], 5);
        assert!(s[1].is_some() && !b[1].pinned(), "{s:?} {b:?}");
    }

    #[test]
    fn a_count_that_only_a_combination_of_sums_gives_away_is_protected() {
        // Two rows and two columns of a 2×2 table, with their totals:
        //   a b | 12        cells 0 1 | 4
        //   c d | 9         cells 2 3 | 5
        //   ----             ------
        //  10 11             6  7
        // a (3) is small. Withholding a, b, c, d by single sums leaves every
        // one of them between bounds; together the four sums still give a
        // value when a cell's row and column are both otherwise published.
        let values = [3, 9, 7, 2, 12, 9, 10, 11];
        let relations = [
            rel(4, &[0, 1]),
            rel(5, &[2, 3]),
            rel(6, &[0, 2]),
            rel(7, &[1, 3]),
        ];
        let s = protect(&values, &relations, 5, &[]);
        assert!(determined(&s, &relations).is_empty(), "{s:?}");
        assert!(s[0].is_some());
        // What the check sees: with a, b, c, d withheld, the four equations
        // have rank 3 — no single cell follows.
        let all: Vec<Option<Withheld>> = (0..8)
            .map(|i| (i < 4).then_some(Withheld::Protective))
            .collect();
        assert!(determined(&all, &relations).is_empty());
        // With only a and b withheld, a = 10 − c is exact.
        let two: Vec<Option<Withheld>> = (0..8)
            .map(|i| (i < 2).then_some(Withheld::Protective))
            .collect();
        assert_eq!(determined(&two, &relations), vec![0, 1]);
    }

    #[test]
    fn a_zero_beside_a_small_count_is_published() {
        let values = [3, 3, 0];
        let s = protect(&values, &[rel(0, &[1, 2])], 5, &[]);
        assert_eq!(s[2], None, "a zero reveals no one");
        assert_eq!(s[0], Some(Withheld::Small));
    }
}
