//! The cells of the public statistics, as the disclosure control
//! (`domain::disclosure`) sees them: each count a page publishes is a
//! [`Quantity`] (the metrics it sums, over one kind or all) of a scope and a
//! period; [`Universe`] is every such cell across all scopes and periods,
//! with the sums that tie them together. `domain::statistics` publishes
//! figures from the decisions taken over it.

use super::disclosure::Withheld;
use super::evaluation::{self, EvaluationRules, Formula, Totals};
use super::petition::PetitionKind;
use std::collections::BTreeMap;

/// One count the statistics publish, as the disclosure control sees it: the
/// metrics it sums (sorted) over one kind or all. Two figures summing the
/// same metrics are one quantity (a rate's denominator and a total).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Quantity {
    pub metrics: Vec<String>,
    pub kind: Option<PetitionKind>,
}

impl Quantity {
    fn of(metrics: &[String], kind: Option<PetitionKind>) -> Quantity {
        let mut metrics = metrics.to_vec();
        metrics.sort();
        metrics.dedup();
        Quantity { metrics, kind }
    }

    /// The quantities of a figure: a count's; a rate's numerator and denominator
    /// (with its live count); a median's cases.
    pub fn of_figure(formula: &Formula) -> Vec<Quantity> {
        match formula {
            Formula::Count { metrics } => vec![Quantity::of(metrics, None)],
            Formula::Rate {
                numerator,
                denominator,
                live,
            } => {
                let mut den = denominator.clone();
                den.extend(live.iter().cloned());
                vec![Quantity::of(numerator, None), Quantity::of(&den, None)]
            }
            Formula::Days { clock, round, .. } => {
                vec![Quantity::of(&[format!("used:{clock}:{round}")], None)]
            }
        }
    }

    /// The petitions received (registered or transferred in), of one kind or all.
    pub fn received(kind: Option<PetitionKind>) -> Quantity {
        Quantity::of(&["received".to_owned(), "transferred_in".to_owned()], kind)
    }

    /// The answers issued.
    pub fn answered() -> Quantity {
        Quantity::of(&["answered".to_owned()], None)
    }
}

/// Every quantity one scope and period publishes, in a fixed order (the
/// same for every table), with no repeats.
pub fn quantities(rules: &EvaluationRules) -> Vec<Quantity> {
    let mut out: Vec<Quantity> = Vec::new();
    let mut add = |q: Quantity| {
        if !out.contains(&q) {
            out.push(q);
        }
    };
    for i in &rules.indicators {
        for q in Quantity::of_figure(&i.formula) {
            add(q);
        }
    }
    add(Quantity::received(None));
    add(Quantity::answered());
    for k in PetitionKind::ALL {
        add(Quantity::received(Some(k)));
    }
    out
}

/// The value of `q` from the sums by kind and the live counts.
pub fn value_of(
    q: &Quantity,
    by_kind: &BTreeMap<PetitionKind, Totals>,
    live: &BTreeMap<String, i64>,
) -> i64 {
    let metric = |t: &Totals, m: &str| -> i64 {
        match m.strip_prefix("used:") {
            // A median's cases: every day count of that clock.
            Some(clock) => {
                let prefix = format!("used:{clock}:");
                t.iter()
                    .filter(|(k, _)| k.starts_with(&prefix))
                    .map(|(_, n)| *n)
                    .sum()
            }
            None => t.get(m).copied().unwrap_or(0),
        }
    };
    q.metrics
        .iter()
        .map(|m| {
            if m.starts_with("overdue:") {
                return if q.kind.is_none() {
                    live.get(m).copied().unwrap_or(0)
                } else {
                    0
                };
            }
            by_kind
                .iter()
                .filter(|(k, _)| q.kind.is_none_or(|want| want == **k))
                .map(|(_, t)| metric(t, m))
                .sum::<i64>()
        })
        .sum()
}

/// The sums among the quantities of one table: the kinds make up the whole
/// received, and wherever some quantities' metrics exactly cover another's
/// (the ratings make up the rated; a rate's numerator is part of its
/// denominator only if the rest is published too).
pub fn table_relations(qs: &[Quantity]) -> Vec<(usize, Vec<usize>)> {
    let mut out = Vec::new();
    for (t, total) in qs.iter().enumerate() {
        let candidates: Vec<usize> = qs
            .iter()
            .enumerate()
            .filter(|(i, q)| {
                *i != t
                    && q.metrics.iter().all(|m| total.metrics.contains(m))
                    && (q.kind == total.kind || total.kind.is_none())
                    && q != &total
            })
            .map(|(i, _)| i)
            .collect();
        // Exact covers of the total by disjoint candidates (few: brute force).
        let n = candidates.len().min(16);
        for mask in 1u32..(1 << n) {
            let parts: Vec<usize> = (0..n)
                .filter(|b| mask & (1 << b) != 0)
                .map(|b| candidates[b])
                .collect();
            if parts.len() < 2 && qs[parts[0]].kind == total.kind {
                continue;
            }
            if covers(total, &parts.iter().map(|&i| &qs[i]).collect::<Vec<_>>()) {
                out.push((t, parts));
            }
        }
    }
    out
}

/// Whether `parts` (disjoint) make up exactly `total`: the same metrics over
/// the same kind, or one kind each making up all kinds.
fn covers(total: &Quantity, parts: &[&Quantity]) -> bool {
    let mut cells: Vec<(&String, Option<PetitionKind>)> = Vec::new();
    for p in parts {
        for m in &p.metrics {
            let kinds: Vec<Option<PetitionKind>> = match p.kind {
                Some(k) => vec![Some(k)],
                None => PetitionKind::ALL.iter().copied().map(Some).collect(),
            };
            for k in kinds {
                if cells.contains(&(m, k)) {
                    return false;
                }
                cells.push((m, k));
            }
        }
    }
    let want: usize = total.metrics.len()
        * match total.kind {
            Some(_) => 1,
            None => PetitionKind::ALL.len(),
        };
    cells.len() == want
        && cells
            .iter()
            .all(|(m, k)| total.metrics.contains(m) && total.kind.is_none_or(|t| Some(t) == *k))
}

/// Every count the public statistics publish, across all scopes and
/// periods, with the sums that tie them together: the disclosure control's
/// whole table (`domain::disclosure`).
#[derive(Debug, Clone)]
pub struct Universe {
    /// Scope keys: `province`, each `type:…` with agencies, each `agency:…`.
    pub scopes: Vec<String>,
    pub periods: Vec<evaluation::Period>,
    pub quantities: Vec<Quantity>,
    /// By [`Universe::cell`].
    pub values: Vec<i64>,
    pub relations: Vec<super::disclosure::Relation>,
    /// Where each scope, period and quantity sits, for [`Universe::cell`].
    index: (
        std::collections::HashMap<String, usize>,
        std::collections::HashMap<String, usize>,
        std::collections::HashMap<Quantity, usize>,
    ),
}

/// One agency's sums by kind and live counts over one month.
pub type MonthSums = (BTreeMap<PetitionKind, Totals>, BTreeMap<String, i64>);

/// One agency as the statistics see it: its scope key and its type's.
#[derive(Debug, Clone)]
pub struct Unit {
    pub scope: String,
    pub type_scope: String,
}

impl Universe {
    /// The table of `units` over every month, quarter and year of `years`,
    /// from each unit's sums by kind and live counts for a month (`sums`).
    pub fn build(
        rules: &EvaluationRules,
        units: &[Unit],
        years: std::ops::RangeInclusive<i32>,
        sums: &dyn Fn(usize, &str) -> MonthSums,
    ) -> Universe {
        use super::disclosure::Relation;
        use evaluation::Period;
        let quantities = quantities(rules);
        let nq = quantities.len();
        let mut types: Vec<String> = Vec::new();
        for u in units {
            if !types.contains(&u.type_scope) {
                types.push(u.type_scope.clone());
            }
        }
        let mut scopes = vec!["province".to_owned()];
        scopes.extend(types.iter().cloned());
        scopes.extend(units.iter().map(|u| u.scope.clone()));
        let mut periods: Vec<Period> = Vec::new();
        for y in years.clone() {
            periods.extend((1..=12).map(|m| Period::Month(y, m)));
            periods.extend((1..=4).map(|q| Period::Quarter(y, q)));
            periods.push(Period::Year(y));
        }
        let np = periods.len();
        let cell = |s: usize, p: usize, q: usize| (s * np + p) * nq + q;
        let mut values = vec![0i64; scopes.len() * np * nq];
        let unit_base = 1 + types.len();
        for (u, unit) in units.iter().enumerate() {
            let t = 1 + types
                .iter()
                .position(|t| *t == unit.type_scope)
                .unwrap_or(0);
            for (p, period) in periods.iter().enumerate() {
                let Period::Month(..) = period else { continue };
                let (by_kind, live) = sums(u, &period.key());
                for (q, quantity) in quantities.iter().enumerate() {
                    let v = value_of(quantity, &by_kind, &live);
                    if v == 0 {
                        continue;
                    }
                    let (quarter, year) = quarter_and_year(p);
                    for s in [0, t, unit_base + u] {
                        for at in [p, quarter, year] {
                            values[cell(s, at, q)] += v;
                        }
                    }
                }
            }
        }
        let mut relations = Vec::new();
        let within = table_relations(&quantities);
        for s in 0..scopes.len() {
            for p in 0..np {
                for (t, parts) in &within {
                    relations.push(Relation {
                        total: cell(s, p, *t),
                        parts: parts.iter().map(|&q| cell(s, p, q)).collect(),
                    });
                }
            }
        }
        for p in 0..np {
            for q in 0..nq {
                relations.push(Relation {
                    total: cell(0, p, q),
                    parts: (1..unit_base).map(|t| cell(t, p, q)).collect(),
                });
                for (ti, ty) in types.iter().enumerate() {
                    relations.push(Relation {
                        total: cell(1 + ti, p, q),
                        parts: units
                            .iter()
                            .enumerate()
                            .filter(|(_, u)| u.type_scope == *ty)
                            .map(|(u, _)| cell(unit_base + u, p, q))
                            .collect(),
                    });
                }
            }
        }
        // 17 periods a year: 12 months, 4 quarters, the year.
        for s in 0..scopes.len() {
            for y in 0..years.clone().count() {
                let base = y * 17;
                for q in 0..nq {
                    for quarter in 0..4 {
                        relations.push(Relation {
                            total: cell(s, base + 12 + quarter, q),
                            parts: (0..3).map(|m| cell(s, base + quarter * 3 + m, q)).collect(),
                        });
                    }
                    relations.push(Relation {
                        total: cell(s, base + 16, q),
                        parts: (0..4)
                            .map(|quarter| cell(s, base + 12 + quarter, q))
                            .collect(),
                    });
                    relations.push(Relation {
                        total: cell(s, base + 16, q),
                        parts: (0..12).map(|m| cell(s, base + m, q)).collect(),
                    });
                }
            }
        }
        let index = (
            scopes.iter().cloned().zip(0..).collect(),
            periods.iter().map(Period::key).zip(0..).collect(),
            quantities.iter().cloned().zip(0..).collect(),
        );
        Universe {
            scopes,
            periods,
            quantities,
            values,
            relations,
            index,
        }
    }

    /// The index of a cell; none outside the table.
    pub fn cell(&self, scope: &str, period: &str, q: &Quantity) -> Option<usize> {
        let s = self.index.0.get(scope)?;
        let p = self.index.1.get(period)?;
        let qi = self.index.2.get(q)?;
        Some((s * self.periods.len() + p) * self.quantities.len() + qi)
    }

    /// The disclosure control's decision for every cell. `last_month`
    /// (YYYY-MM): the current month; the periods after it hold nothing, as
    /// everyone knows, so they are never withheld to protect another.
    pub fn protect(&self, min: i64, last_month: &str) -> Vec<Option<Withheld>> {
        let (np, nq) = (self.periods.len(), self.quantities.len());
        let known: Vec<bool> = (0..self.values.len())
            .map(|c| self.periods[(c / nq) % np].months().0.as_str() > last_month)
            .collect();
        super::disclosure::protect(&self.values, &self.relations, min, &known)
    }
}

/// The indices of the quarter and the year of month index `p` (17 a year).
fn quarter_and_year(p: usize) -> (usize, usize) {
    let (year, m) = (p / 17, p % 17);
    (year * 17 + 12 + m / 3, year * 17 + 16)
}

/// The attacker's side of the disclosure control: random small years of
/// figures, published across every scope and period, then every withheld
/// cell tried against all that is published — by exact linear algebra over
/// the underlying counts (any sum or difference of published cells, found
/// without being told the relations) and by interval propagation (which
/// also uses what each label says: 1 to 4, or at least 5).
#[cfg(test)]
mod attacker {
    use super::*;
    use crate::domain::disclosure::audit;
    use proptest::prelude::*;

    const P: u128 = (1 << 61) - 1;

    fn inv(a: u128) -> u128 {
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

    /// Row-reduced basis over GF(2^61 − 1) of the published cells' atom sets.
    struct Span {
        rows: Vec<(usize, Vec<u128>)>,
    }

    impl Span {
        fn reduce(&self, mut v: Vec<u128>) -> Vec<u128> {
            for (pivot, row) in &self.rows {
                let f = v[*pivot];
                if f != 0 {
                    for (x, r) in v.iter_mut().zip(row) {
                        *x = (*x + P - f * r % P) % P;
                    }
                }
            }
            v
        }
        fn add(&mut self, v: Vec<u128>) {
            let v = self.reduce(v);
            if let Some(pivot) = v.iter().position(|x| *x != 0) {
                let k = inv(v[pivot]);
                let row: Vec<u128> = v.iter().map(|x| x * k % P).collect();
                for (_, other) in self.rows.iter_mut() {
                    let f = other[pivot];
                    if f != 0 {
                        for (o, r) in other.iter_mut().zip(&row) {
                            *o = (*o + P - f * r % P) % P;
                        }
                    }
                }
                self.rows.push((pivot, row));
            }
        }
        fn contains(&self, v: Vec<u128>) -> bool {
            self.reduce(v).iter().all(|x| *x == 0)
        }
    }

    fn fixture() -> impl Strategy<Value = Vec<Vec<[i64; 6]>>> {
        // 3 agencies × 6 months of data × 6 metrics (counts 0–12, mostly small).
        proptest::collection::vec(
            proptest::collection::vec(proptest::array::uniform6(0i64..=12), 6),
            3,
        )
    }

    const METRICS: [(&str, PetitionKind); 6] = [
        ("received", PetitionKind::Complaint),
        ("received", PetitionKind::Report),
        ("received", PetitionKind::Litigation),
        ("rated_satisfied", PetitionKind::Complaint),
        ("rated_basically_satisfied", PetitionKind::Complaint),
        ("rated_unsatisfied", PetitionKind::Complaint),
    ];

    proptest! {
        #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]
        #[test]
        fn no_withheld_count_can_be_worked_out(data in fixture()) {
            let rules = EvaluationRules::public();
            let units: Vec<Unit> = (0..3).map(|u| Unit {
                scope: format!("agency:a{u}"),
                type_scope: if u < 2 { "type:court".into() } else { "type:procuratorate".into() },
            }).collect();
            let sums = |u: usize, month: &str| {
                let mut by_kind: BTreeMap<PetitionKind, Totals> = BTreeMap::new();
                let m: usize = month[5..].parse().unwrap();
                if m <= 6 {
                    for (i, (metric, kind)) in METRICS.iter().enumerate() {
                        *by_kind.entry(*kind).or_default().entry((*metric).to_owned()).or_insert(0) += data[u][m - 1][i];
                    }
                }
                (by_kind, BTreeMap::new())
            };
            let universe = Universe::build(rules, &units, 2026..=2026, &sums);
            let status = universe.protect(rules.min_sample, "2026-06");
            // Every withheld cell is labelled truthfully.
            for (i, s) in status.iter().enumerate() {
                match s {
                    Some(Withheld::Small) => prop_assert!((0..5).contains(&universe.values[i])),
                    Some(Withheld::Protective) => prop_assert!(universe.values[i] >= 5),
                    None => {}
                }
            }
            // Interval propagation with what the labels say.
            let bounds = audit(&universe.values, &status, &universe.relations, rules.min_sample);
            for (i, s) in status.iter().enumerate() {
                if s.is_some() {
                    prop_assert!(!bounds[i].pinned(), "cell {i} pinned at {:?}", bounds[i]);
                }
            }
            // Exact linear algebra over the atoms (agency, month, metric):
            // the atoms of a published zero are known zero and dropped.
            let np = universe.periods.len();
            let nq = universe.quantities.len();
            let atom = |u: usize, m: usize, k: usize| (u * 6 + m) * METRICS.len() + k;
            let n_atoms = 3 * 6 * METRICS.len();
            let atoms_of = |cell: usize| -> Vec<usize> {
                let q = &universe.quantities[cell % nq];
                let p = &universe.periods[(cell / nq) % np];
                let s = &universe.scopes[cell / nq / np];
                let (from, to) = p.months();
                let mut out = Vec::new();
                for (u, unit) in units.iter().enumerate() {
                    if !(s == "province" || *s == unit.type_scope || *s == unit.scope) { continue; }
                    for m in 0..6 {
                        let key = format!("2026-{:02}", m + 1);
                        if key < from || key > to { continue; }
                        for (k, (metric, kind)) in METRICS.iter().enumerate() {
                            let counted = q.metrics.iter().any(|x| x == metric)
                                && q.kind.is_none_or(|want| want == *kind);
                            if counted { out.push(atom(u, m, k)); }
                        }
                    }
                }
                out
            };
            let mut zero = vec![false; n_atoms];
            for (i, s) in status.iter().enumerate() {
                if s.is_none() && universe.values[i] == 0 {
                    for a in atoms_of(i) { zero[a] = true; }
                }
            }
            let vector = |cell: usize| {
                let mut v = vec![0u128; n_atoms];
                for a in atoms_of(cell) { if !zero[a] { v[a] = 1; } }
                v
            };
            let mut span = Span { rows: Vec::new() };
            let mut seen = std::collections::HashSet::new();
            for (i, s) in status.iter().enumerate() {
                if s.is_none() && universe.values[i] > 0 {
                    let v = vector(i);
                    if seen.insert(v.clone()) { span.add(v); }
                }
            }
            for (i, s) in status.iter().enumerate() {
                if s.is_some() {
                    prop_assert!(!span.contains(vector(i)), "withheld cell {i} ({} {} {:?}) = {} is a sum of published ones",
                        universe.scopes[i / nq / np], universe.periods[(i / nq) % np].key(), universe.quantities[i % nq], universe.values[i]);
                }
            }
        }
    }
}
