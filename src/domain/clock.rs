//! Statutory clocks: rules as data (`rules/clocks.toml`) and the official
//! holiday calendar with its make-up working days (`rules/cn-holidays.toml`,
//! from the State Council's notices).
//!
//! Counting follows Chinese procedural practice: the day a period starts is
//! not counted; a period of calendar days whose last day is a public holiday
//! or rest day ends on the next working day; a period of working days counts
//! only working days, and a make-up working weekend (调休上班日) is one.

use chrono::{Datelike, Days, Months, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashSet};
use std::sync::OnceLock;

#[derive(Debug, Clone, Default)]
pub struct Calendar {
    holidays: HashSet<NaiveDate>,
    makeup_workdays: HashSet<NaiveDate>,
    /// The last year the calendar knows; later dates are treated as plain weeks.
    pub last_year: i32,
}

#[derive(Deserialize)]
struct YearFile {
    holidays: Vec<NaiveDate>,
    makeup_workdays: Vec<NaiveDate>,
}

impl Calendar {
    pub fn from_toml(text: &str) -> Result<Self, toml::de::Error> {
        // Top-level tables are years; each has holiday and make-up lists (and names).
        let years: BTreeMap<String, toml::Value> = toml::from_str(text)?;
        let mut cal = Calendar::default();
        for (year, table) in years {
            let file: YearFile = table.try_into()?;
            cal.holidays.extend(file.holidays);
            cal.makeup_workdays.extend(file.makeup_workdays);
            if let Ok(y) = year.parse::<i32>() {
                cal.last_year = cal.last_year.max(y);
            }
        }
        Ok(cal)
    }

    /// The calendar shipped with the product.
    pub fn official() -> &'static Calendar {
        static CAL: OnceLock<Calendar> = OnceLock::new();
        CAL.get_or_init(|| {
            Calendar::from_toml(include_str!("rules/cn-holidays.toml")).unwrap_or_default()
        })
    }

    pub fn is_working_day(&self, d: NaiveDate) -> bool {
        if self.holidays.contains(&d) {
            return false;
        }
        if self.makeup_workdays.contains(&d) {
            return true;
        }
        !matches!(d.weekday(), Weekday::Sat | Weekday::Sun)
    }

    /// `d` itself when it is a working day, else the next one.
    pub fn on_or_next_working_day(&self, mut d: NaiveDate) -> NaiveDate {
        while !self.is_working_day(d) {
            d = d + Days::new(1);
        }
        d
    }

    /// The `n`th working day after `start` (start itself not counted).
    pub fn add_working_days(&self, start: NaiveDate, n: u32) -> NaiveDate {
        let mut d = start;
        let mut left = n;
        while left > 0 {
            d = d + Days::new(1);
            if self.is_working_day(d) {
                left -= 1;
            }
        }
        d
    }

    /// Whether the calendar covers `d`'s year (beyond it, holidays are unknown).
    pub fn covers(&self, d: NaiveDate) -> bool {
        d.year() <= self.last_year
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DayCount {
    Calendar,
    Working,
}

/// How long a clock runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Period {
    Days(u32, DayCount),
    Months(u32),
}

/// The last day of a period that starts on `start`.
pub fn due_date(calendar: &Calendar, start: NaiveDate, period: Period) -> NaiveDate {
    match period {
        Period::Days(n, DayCount::Working) => calendar.add_working_days(start, n),
        Period::Days(n, DayCount::Calendar) => {
            calendar.on_or_next_working_day(start + Days::new(u64::from(n)))
        }
        // A month period ends on the same date n months later (the month's last day if it has none).
        Period::Months(n) => calendar
            .on_or_next_working_day(start.checked_add_months(Months::new(n)).unwrap_or(start)),
    }
}

/// What starts a clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClockStart {
    Received,
    Accepted,
    Answered,
    ReviewRequested,
}

/// One statutory time limit.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ClockRule {
    pub id: String,
    /// What must happen by the deadline (acceptance, conclusion, …).
    pub clock: String,
    pub starts: ClockStart,
    #[serde(default)]
    pub days: Option<u32>,
    #[serde(default)]
    pub months: Option<u32>,
    #[serde(default = "calendar_days")]
    pub count: DayCount,
    pub kinds: Vec<String>,
    /// Empty: every agency type.
    pub agency_types: Vec<String>,
    #[serde(default)]
    pub max_extension_days: Option<u32>,
    pub citation_zh: String,
    pub citation_en: String,
}

fn calendar_days() -> DayCount {
    DayCount::Calendar
}

impl ClockRule {
    pub fn period(&self) -> Period {
        match (self.days, self.months) {
            (_, Some(m)) => Period::Months(m),
            (Some(d), None) => Period::Days(d, self.count),
            (None, None) => Period::Days(0, self.count),
        }
    }

    fn applies(&self, kind: &str, agency_type: &str) -> bool {
        self.kinds.iter().any(|k| k == kind)
            && (self.agency_types.is_empty() || self.agency_types.iter().any(|t| t == agency_type))
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct ClockRules {
    rule: Vec<ClockRule>,
}

impl ClockRules {
    pub fn from_toml(text: &str) -> Result<Self, toml::de::Error> {
        toml::from_str(text)
    }

    pub fn official() -> &'static ClockRules {
        static RULES: OnceLock<ClockRules> = OnceLock::new();
        RULES.get_or_init(|| {
            ClockRules::from_toml(include_str!("rules/clocks.toml"))
                .unwrap_or(ClockRules { rule: Vec::new() })
        })
    }

    /// The rules that start at `start` for a petition of `kind` at an agency of `agency_type`.
    pub fn starting(
        &self,
        start: ClockStart,
        kind: &str,
        agency_type: &str,
    ) -> impl Iterator<Item = &ClockRule> {
        self.rule
            .iter()
            .filter(move |r| r.starts == start && r.applies(kind, agency_type))
    }

    pub fn all(&self) -> &[ClockRule] {
        &self.rule
    }
}

/// Where a stored deadline stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DeadlineStatus {
    /// Running: what it asks for has not happened yet.
    Open,
    /// What it asked for happened (accepted, answered, …).
    Met,
    /// A new deadline of the same clock took its place (a transfer, a review).
    Replaced,
}

impl DeadlineStatus {
    pub const ALL: [DeadlineStatus; 3] = [
        DeadlineStatus::Open,
        DeadlineStatus::Met,
        DeadlineStatus::Replaced,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            DeadlineStatus::Open => "open",
            DeadlineStatus::Met => "met",
            DeadlineStatus::Replaced => "replaced",
        }
    }

    pub fn parse(s: &str) -> Option<DeadlineStatus> {
        DeadlineStatus::ALL.into_iter().find(|d| d.as_str() == s)
    }
}

/// A deadline computed from a rule, ready to be stored with the petition.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Deadline {
    pub rule_id: String,
    pub clock: String,
    pub due_on: NaiveDate,
    pub citation_zh: String,
    pub citation_en: String,
}

/// The deadlines that start when `start` happens on `on` (a date in China time).
pub fn deadlines_starting(
    rules: &ClockRules,
    calendar: &Calendar,
    start: ClockStart,
    kind: &str,
    agency_type: &str,
    on: NaiveDate,
) -> Vec<Deadline> {
    rules
        .starting(start, kind, agency_type)
        .map(|r| Deadline {
            rule_id: r.id.clone(),
            clock: r.clock.clone(),
            due_on: due_date(calendar, on, r.period()),
            citation_zh: r.citation_zh.clone(),
            citation_en: r.citation_en.clone(),
        })
        .collect()
}

/// Today's date in China Standard Time, the agencies' own calendar.
pub fn china_date(t: chrono::DateTime<chrono::Utc>) -> NaiveDate {
    let offset =
        chrono::FixedOffset::east_opt(8 * 3600).unwrap_or_else(|| unreachable!("+08:00 is valid"));
    t.with_timezone(&offset).date_naive()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn the_shipped_calendar_and_rules_load() {
        let cal = Calendar::official();
        assert!(cal.last_year >= 2026);
        assert!(!cal.is_working_day(d("2026-10-01")));
        assert!(ClockRules::official().all().len() >= 5);
    }

    #[test]
    fn make_up_weekends_are_working_days_and_holidays_are_not() {
        let cal = Calendar::official();
        assert!(
            cal.is_working_day(d("2025-01-26")),
            "Sunday 2025-01-26 is a make-up working day"
        );
        assert!(
            !cal.is_working_day(d("2025-01-28")),
            "Spring Festival eve 2025"
        );
        assert!(
            !cal.is_working_day(d("2025-10-08")),
            "National Day 2025 ran to 8 October"
        );
        assert!(cal.is_working_day(d("2025-10-09")));
        assert!(!cal.is_working_day(d("2025-11-29")), "a plain Saturday");
    }

    /// Expected dates written by hand from the 2024–2026 State Council notices.
    #[test]
    fn due_dates_against_the_official_calendar() {
        let cal = Calendar::official();
        let cal_days = |n| Period::Days(n, DayCount::Calendar);
        let work_days = |n| Period::Days(n, DayCount::Working);
        let cases: &[(&str, Period, &str)] = &[
            // 15 calendar days, last day an ordinary working day.
            ("2026-03-02", cal_days(15), "2026-03-17"),
            // Last day a Saturday → Monday.
            ("2026-03-06", cal_days(15), "2026-03-23"),
            // Last day inside Spring Festival 2025 (28 Jan – 4 Feb) → Wednesday 5 Feb.
            ("2025-01-15", cal_days(15), "2025-02-05"),
            ("2025-01-20", cal_days(15), "2025-02-05"),
            // Last day on the make-up working Saturday 8 Feb 2025 stays there.
            ("2025-01-24", cal_days(15), "2025-02-08"),
            // National Day 2025 (1–8 Oct); make-up working day Saturday 11 Oct.
            ("2025-09-20", cal_days(15), "2025-10-09"),
            ("2025-09-26", cal_days(15), "2025-10-11"),
            // National Day 2024 (1–7 Oct).
            ("2024-09-16", cal_days(15), "2024-10-08"),
            // 60 days from acceptance.
            ("2026-01-05", cal_days(60), "2026-03-06"),
            ("2025-08-10", cal_days(60), "2025-10-09"),
            // 30 days.
            ("2026-09-05", cal_days(30), "2026-10-08"),
            // Seven working days spanning Spring Festival 2026 (15–23 Feb; 14 Feb and 28 Feb worked).
            ("2026-02-10", work_days(7), "2026-02-26"),
            ("2026-02-12", work_days(7), "2026-02-28"),
            // Seven working days across National Day 2025, counting Sat 11 Oct.
            ("2025-09-29", work_days(7), "2025-10-15"),
            // Ordinary week.
            ("2026-11-26", work_days(7), "2026-12-07"),
            // Three months.
            ("2026-11-26", Period::Months(3), "2027-02-26"),
            // 30 Nov + 3 months is 28 Feb 2026, a make-up working Saturday.
            ("2025-11-30", Period::Months(3), "2026-02-28"),
            ("2025-07-01", Period::Months(3), "2025-10-09"),
            // — Further cases, hand-computed from the 2024–2026 notices —
            ("2024-01-01", cal_days(15), "2024-01-16"),
            ("2024-01-27", cal_days(15), "2024-02-18"),
            ("2024-02-01", cal_days(15), "2024-02-18"),
            ("2024-03-21", cal_days(15), "2024-04-07"),
            ("2024-04-16", cal_days(15), "2024-05-06"),
            ("2024-05-26", cal_days(15), "2024-06-11"),
            ("2024-08-31", cal_days(15), "2024-09-18"),
            ("2024-08-30", cal_days(15), "2024-09-14"),
            ("2024-09-14", cal_days(15), "2024-09-29"),
            ("2024-09-20", cal_days(15), "2024-10-08"),
            ("2024-09-27", cal_days(15), "2024-10-12"),
            ("2024-12-17", cal_days(15), "2025-01-02"),
            ("2025-01-13", cal_days(15), "2025-02-05"),
            ("2025-01-11", cal_days(15), "2025-01-26"),
            ("2025-03-20", cal_days(15), "2025-04-07"),
            ("2025-04-12", cal_days(15), "2025-04-27"),
            ("2025-04-20", cal_days(15), "2025-05-06"),
            ("2025-05-16", cal_days(15), "2025-06-03"),
            ("2025-09-13", cal_days(15), "2025-09-28"),
            ("2025-09-16", cal_days(15), "2025-10-09"),
            ("2025-12-17", cal_days(15), "2026-01-04"),
            ("2026-01-30", cal_days(15), "2026-02-14"),
            ("2026-02-01", cal_days(15), "2026-02-24"),
            ("2026-02-13", cal_days(15), "2026-02-28"),
            ("2026-03-20", cal_days(15), "2026-04-07"),
            ("2026-04-16", cal_days(15), "2026-05-06"),
            ("2026-04-24", cal_days(15), "2026-05-09"),
            ("2026-06-04", cal_days(15), "2026-06-22"),
            ("2026-09-05", cal_days(15), "2026-09-20"),
            ("2026-09-10", cal_days(15), "2026-09-28"),
            ("2026-09-25", cal_days(15), "2026-10-10"),
            ("2026-09-16", cal_days(15), "2026-10-08"),
            ("2024-02-07", work_days(7), "2024-02-22"),
            ("2024-09-26", work_days(7), "2024-10-11"),
            ("2025-01-24", work_days(7), "2025-02-10"),
            ("2025-04-30", work_days(7), "2025-05-14"),
            ("2026-09-24", work_days(7), "2026-10-12"),
            ("2026-04-30", work_days(7), "2026-05-13"),
            ("2025-12-29", work_days(7), "2026-01-08"),
            ("2024-01-31", Period::Months(1), "2024-02-29"),
            ("2025-01-31", Period::Months(1), "2025-02-28"),
            ("2024-07-01", Period::Months(3), "2024-10-08"),
            ("2025-10-30", Period::Months(3), "2026-01-30"),
            ("2025-11-15", Period::Months(3), "2026-02-24"),
            ("2026-06-30", Period::Months(3), "2026-09-30"),
            ("2024-08-02", cal_days(60), "2024-10-08"),
            ("2025-12-05", cal_days(60), "2026-02-03"),
            ("2026-07-27", cal_days(60), "2026-09-28"),
            ("2025-04-05", cal_days(30), "2025-05-06"),
            ("2026-01-15", cal_days(30), "2026-02-14"),
            ("2026-05-22", cal_days(30), "2026-06-22"),
            ("2024-04-01", cal_days(30), "2024-05-06"),
        ];
        assert!(cases.len() >= 50, "{} cases", cases.len());
        for (start, period, expected) in cases {
            assert_eq!(
                due_date(cal, d(start), *period),
                d(expected),
                "{start} + {period:?}"
            );
        }
    }

    #[test]
    fn procuratorates_get_their_own_clocks() {
        let rules = ClockRules::official();
        let cal = Calendar::official();
        let court = deadlines_starting(
            rules,
            cal,
            ClockStart::Received,
            "complaint",
            "court",
            d("2026-11-26"),
        );
        assert_eq!(court.len(), 1);
        assert_eq!(court[0].clock, "acceptance");
        assert_eq!(court[0].due_on, d("2026-12-11"));
        let proc = deadlines_starting(
            rules,
            cal,
            ClockStart::Received,
            "report",
            "procuratorate",
            d("2026-11-26"),
        );
        let clocks: Vec<&str> = proc.iter().map(|d| d.clock.as_str()).collect();
        assert_eq!(
            clocks,
            vec!["acceptance", "procedural_reply", "result_reply"]
        );
    }
}
