//! 监督提示 — oversight by exception: from what the store found wrong in an
//! agency's tree (its sightings), the list a leader reads first — one row per
//! petition, the most severe problem first, each naming the agency, the
//! handler and the clock. What counts as stalled, how long "soon" is and how
//! severity orders are data (`rules/exceptions.toml`).

use super::calendar::Calendar;
use super::ids::{AgencyId, PetitionId, StaffId};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A kind of problem the oversight page brings forward.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExceptionKind {
    /// 督办逾期未复 — a supervision order past its reply date, unanswered.
    OrderUnanswered,
    /// 逾期 — an open deadline past its last day.
    Overdue,
    /// 复查改变 — an answer changed on review.
    Reversed,
    /// 多次退回 — a draft returned on approval again and again.
    Returned,
    /// 久拖未办 — no act for many working days.
    Stalled,
    /// 不满意 — an answer rated unsatisfied.
    Unsatisfied,
    /// 重复信访 — the same matter raised again.
    RaisedAgain,
    /// 即将到期 — a deadline within a few working days.
    DueSoon,
}

impl ExceptionKind {
    pub const ALL: [ExceptionKind; 8] = [
        ExceptionKind::OrderUnanswered,
        ExceptionKind::Overdue,
        ExceptionKind::Reversed,
        ExceptionKind::Returned,
        ExceptionKind::Stalled,
        ExceptionKind::Unsatisfied,
        ExceptionKind::RaisedAgain,
        ExceptionKind::DueSoon,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ExceptionKind::OrderUnanswered => "order_unanswered",
            ExceptionKind::Overdue => "overdue",
            ExceptionKind::Reversed => "reversed",
            ExceptionKind::Returned => "returned",
            ExceptionKind::Stalled => "stalled",
            ExceptionKind::Unsatisfied => "unsatisfied",
            ExceptionKind::RaisedAgain => "raised_again",
            ExceptionKind::DueSoon => "due_soon",
        }
    }

    pub fn parse(s: &str) -> Option<ExceptionKind> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// The thresholds and the order of severity (`rules/exceptions.toml`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExceptionRules {
    pub order: Vec<ExceptionKind>,
    pub due_soon_working_days: u32,
    pub stalled_working_days: u32,
    pub returned_at_least: u32,
    pub look_back_days: u32,
    pub per_kind_limit: u32,
}

impl ExceptionRules {
    pub fn from_toml(text: &str) -> Result<Self, String> {
        let rules: ExceptionRules = toml::from_str(text).map_err(|e| e.to_string())?;
        for k in ExceptionKind::ALL {
            if rules.order.iter().filter(|o| **o == k).count() != 1 {
                return Err(format!(
                    "exceptions: `order` must name {} exactly once",
                    k.as_str()
                ));
            }
        }
        if rules.returned_at_least < 2 {
            return Err("exceptions: returned_at_least must be at least 2".to_owned());
        }
        if rules.stalled_working_days == 0 || rules.look_back_days == 0 || rules.per_kind_limit == 0
        {
            return Err(
                "exceptions: stalled_working_days, look_back_days and per_kind_limit must be positive"
                    .to_owned(),
            );
        }
        Ok(rules)
    }

    /// The rules the product ships.
    pub fn shipped() -> Result<Self, String> {
        Self::from_toml(include_str!("rules/exceptions.toml"))
    }

    /// The shipped rules (checked at start-up with `shipped`).
    pub fn official() -> &'static ExceptionRules {
        static RULES: std::sync::OnceLock<ExceptionRules> = std::sync::OnceLock::new();
        RULES.get_or_init(|| {
            Self::shipped().unwrap_or(ExceptionRules {
                order: ExceptionKind::ALL.to_vec(),
                due_soon_working_days: 3,
                stalled_working_days: 10,
                returned_at_least: 2,
                look_back_days: 30,
                per_kind_limit: 200,
            })
        })
    }

    fn rank(&self, kind: ExceptionKind) -> usize {
        self.order
            .iter()
            .position(|k| *k == kind)
            .unwrap_or(usize::MAX)
    }

    /// The days the store looks in, from `today` and the calendar.
    pub fn window(&self, today: NaiveDate, calendar: &Calendar) -> Window {
        Window {
            today,
            due_soon_until: calendar.add_working_days(today, self.due_soon_working_days),
            stalled_before: working_days_before(calendar, today, self.stalled_working_days),
            since: today - chrono::Days::new(u64::from(self.look_back_days)),
            returned_at_least: self.returned_at_least,
            limit: self.per_kind_limit,
        }
    }
}

/// What the store is asked for: the days that bound each kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Window {
    pub today: NaiveDate,
    /// A deadline on or before this day (and not before today) is due soon.
    pub due_soon_until: NaiveDate,
    /// No act since before this day (China time) is stalled.
    pub stalled_before: NaiveDate,
    /// Events on or after this day count (reversals, ratings, repeats, returns).
    pub since: NaiveDate,
    pub returned_at_least: u32,
    pub limit: u32,
}

/// The day `n` working days before `today`: an act before it is `n` or more
/// working days old.
pub fn working_days_before(calendar: &Calendar, today: NaiveDate, n: u32) -> NaiveDate {
    let mut d = today;
    let mut left = n;
    // A year back at most: a calendar of nothing but holidays is refused elsewhere.
    for _ in 0..366 {
        if left == 0 {
            break;
        }
        d = d.pred_opt().unwrap_or(d);
        if calendar.is_working_day(d) {
            left -= 1;
        }
    }
    d
}

/// One problem the store found: a petition, the agency and officer it counts
/// for, and the day it became a problem (the due date, the event's day, the
/// last act).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Sighting {
    pub kind: ExceptionKind,
    pub petition_id: PetitionId,
    pub tracking_number: String,
    pub title: String,
    pub agency_id: AgencyId,
    pub handler_id: Option<StaffId>,
    /// The clock concerned (a deadline's), if any.
    pub clock: Option<String>,
    pub day: NaiveDate,
    /// How many times (returns, repeats); 1 otherwise.
    pub times: i64,
    /// A supervision order's id (order_unanswered).
    pub order_id: Option<i32>,
    /// What the petitioner said with an unsatisfied rating, if anything.
    pub note: Option<String>,
}

/// One row of the exceptions list: a petition, its most severe problem, and
/// the others it has.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Exception {
    pub kind: ExceptionKind,
    pub petition_id: PetitionId,
    pub tracking_number: String,
    pub title: String,
    pub agency_id: AgencyId,
    pub handler_id: Option<StaffId>,
    pub clock: Option<String>,
    pub day: NaiveDate,
    /// Days late (order, overdue), days since (stalled, reversed, unsatisfied,
    /// raised again, returned: since the last), or days left (due soon).
    pub days: i64,
    pub times: i64,
    pub order_id: Option<i32>,
    /// The petition's other problems, in order of severity.
    pub also: Vec<ExceptionKind>,
    /// The petitioner's reason for an unsatisfied rating, whatever the row's first problem.
    pub note: Option<String>,
}

/// The list, most severe first, and how many petitions have each kind.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Exceptions {
    pub rows: Vec<Exception>,
    /// Petitions with each kind (as their first or another problem).
    pub counts: BTreeMap<ExceptionKind, usize>,
}

/// Ranks what the store found into the list a leader reads (see the module).
pub fn rank(rules: &ExceptionRules, sightings: Vec<Sighting>, today: NaiveDate) -> Exceptions {
    let mut by_petition: BTreeMap<PetitionId, Vec<Sighting>> = BTreeMap::new();
    for s in sightings {
        by_petition.entry(s.petition_id).or_default().push(s);
    }
    let mut counts = BTreeMap::new();
    let mut rows = Vec::with_capacity(by_petition.len());
    for (_, mut found) in by_petition {
        // The most severe first; of one kind, the earliest day (the longest late).
        found.sort_by_key(|s| (rules.rank(s.kind), s.day));
        found.dedup_by_key(|s| s.kind);
        for s in &found {
            *counts.entry(s.kind).or_insert(0) += 1;
        }
        let note = found.iter().find_map(|s| s.note.clone());
        let mut rest = found.into_iter();
        let Some(first) = rest.next() else { continue };
        let days = match first.kind {
            ExceptionKind::DueSoon => (first.day - today).num_days(),
            _ => (today - first.day).num_days(),
        };
        rows.push(Exception {
            kind: first.kind,
            petition_id: first.petition_id,
            tracking_number: first.tracking_number,
            title: first.title,
            agency_id: first.agency_id,
            handler_id: first.handler_id,
            clock: first.clock,
            day: first.day,
            days,
            times: first.times,
            order_id: first.order_id,
            also: rest.map(|s| s.kind).collect(),
            note,
        });
    }
    rows.sort_by(|a, b| {
        let severity = |e: &Exception| match e.kind {
            // The nearest first among those due soon; the longest otherwise.
            ExceptionKind::DueSoon => e.days,
            _ => -e.days,
        };
        (rules.rank(a.kind), severity(a), &a.tracking_number).cmp(&(
            rules.rank(b.kind),
            severity(b),
            &b.tracking_number,
        ))
    });
    Exceptions { rows, counts }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn seen(kind: ExceptionKind, petition: i32, d: &str) -> Sighting {
        Sighting {
            kind,
            petition_id: PetitionId(petition),
            tracking_number: format!("T{petition:03}"),
            title: String::new(),
            agency_id: AgencyId(1),
            handler_id: None,
            clock: None,
            day: day(d),
            times: 1,
            order_id: None,
            note: None,
        }
    }

    #[test]
    fn the_shipped_rules_load_and_name_every_kind_once() {
        let rules = ExceptionRules::shipped().unwrap();
        assert_eq!(rules.order.len(), ExceptionKind::ALL.len());
        let twice = include_str!("rules/exceptions.toml").replace("\"due_soon\"]", "\"overdue\"]");
        assert!(
            ExceptionRules::from_toml(&twice)
                .unwrap_err()
                .contains("exactly once")
        );
    }

    #[test]
    fn a_petition_is_one_row_under_its_most_severe_problem_and_rows_order_by_kind_then_days() {
        let rules = ExceptionRules::shipped().unwrap();
        let today = day("2026-12-07");
        let list = rank(
            &rules,
            vec![
                seen(ExceptionKind::Stalled, 1, "2026-11-10"),
                seen(ExceptionKind::Overdue, 1, "2026-12-01"),
                seen(ExceptionKind::Overdue, 2, "2026-11-20"),
                seen(ExceptionKind::DueSoon, 3, "2026-12-09"),
                seen(ExceptionKind::DueSoon, 4, "2026-12-08"),
                seen(ExceptionKind::OrderUnanswered, 5, "2026-12-06"),
                seen(ExceptionKind::Unsatisfied, 6, "2026-12-01"),
            ],
            today,
        );
        let order: Vec<(i32, ExceptionKind, i64)> = list
            .rows
            .iter()
            .map(|r| (r.petition_id.0, r.kind, r.days))
            .collect();
        assert_eq!(
            order,
            vec![
                (5, ExceptionKind::OrderUnanswered, 1),
                (2, ExceptionKind::Overdue, 17),
                (1, ExceptionKind::Overdue, 6),
                (6, ExceptionKind::Unsatisfied, 6),
                (4, ExceptionKind::DueSoon, 1),
                (3, ExceptionKind::DueSoon, 2),
            ]
        );
        assert_eq!(list.rows[2].also, vec![ExceptionKind::Stalled]);
        assert_eq!(list.counts[&ExceptionKind::Stalled], 1);
        assert_eq!(list.counts[&ExceptionKind::Overdue], 2);
    }

    #[test]
    fn the_order_is_the_rules_file_s() {
        let text = include_str!("rules/exceptions.toml").replace(
            "order = [\"order_unanswered\", \"overdue\"",
            "order = [\"overdue\", \"order_unanswered\"",
        );
        let rules = ExceptionRules::from_toml(&text).unwrap();
        let list = rank(
            &rules,
            vec![
                seen(ExceptionKind::OrderUnanswered, 1, "2026-12-01"),
                seen(ExceptionKind::Overdue, 2, "2026-12-06"),
            ],
            day("2026-12-07"),
        );
        assert_eq!(list.rows[0].kind, ExceptionKind::Overdue);
    }

    #[test]
    fn stalled_counts_working_days_over_a_holiday() {
        let calendar = Calendar::shipped().unwrap();
        // 2026-10-09 (Friday) back 3 working days: 10-08, then over the
        // National Day holiday (10-01..07) to 09-30 and 09-29.
        assert_eq!(
            working_days_before(&calendar, day("2026-10-09"), 3),
            day("2026-09-29")
        );
        let rules = ExceptionRules::shipped().unwrap();
        let w = rules.window(day("2026-12-07"), &calendar);
        assert_eq!(w.due_soon_until, day("2026-12-10"));
        assert_eq!(w.stalled_before, day("2026-11-23"));
        assert_eq!(w.since, day("2026-11-07"));
    }
}
