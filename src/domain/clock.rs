//! Statutory clocks: rules as data (`rules/clocks.toml`), counted on the
//! official holiday calendar with its make-up working days (`calendar`).
//!
//! Counting follows Chinese procedural practice: the day a period starts is
//! not counted; a period of calendar days whose last day is a public holiday
//! or rest day ends on the next working day; a period of working days counts
//! only working days, and a make-up working weekend (调休上班日) is one.

pub use super::calendar::Calendar;
use chrono::{Datelike, Days, Months, NaiveDate};
use serde::{Deserialize, Serialize};
use std::sync::OnceLock;

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

    /// The rules the product ships, checked (the server refuses to start when
    /// they do not parse; a unit test keeps them parsing).
    pub fn shipped() -> Result<Self, toml::de::Error> {
        Self::from_toml(include_str!("rules/clocks.toml"))
    }

    /// The shipped rules. Checked at start-up (`shipped`), so an empty set
    /// here would mean the server was started without that check.
    pub fn official() -> &'static ClockRules {
        static RULES: OnceLock<ClockRules> = OnceLock::new();
        RULES.get_or_init(|| ClockRules::shipped().unwrap_or(ClockRules { rule: Vec::new() }))
    }

    pub fn by_id(&self, id: &str) -> Option<&ClockRule> {
        self.rule.iter().find(|r| r.id == id)
    }

    /// The first rule of a clock (`conclusion`…): its limit and citation as the public reads them.
    pub fn for_clock(&self, clock: &str) -> Option<&ClockRule> {
        self.rule.iter().find(|r| r.clock == clock)
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
    /// The day the period started from (not counted).
    pub started_on: NaiveDate,
    pub due_on: NaiveDate,
    pub citation_zh: String,
    pub citation_en: String,
    /// The last year of the calendar it was counted on.
    pub calendar_year: i32,
}

impl Deadline {
    /// Counted over days whose holidays were not known (see `Calendar::is_provisional`).
    pub fn provisional(&self) -> bool {
        self.due_on.year() > self.calendar_year
    }
}

/// The petitioner's own clock to ask for a review: not an agency deadline, so
/// never the petition's next agency due date.
pub const PETITIONER_CLOCK: &str = "review_request";

/// The nearest agency deadline of a petition whose clocks are `open` — what
/// `petitions.next_due_on` holds. A new petition is written with it, so the
/// database trigger that keeps the column true afterwards has nothing to change.
pub fn next_agency_due<'a>(open: impl IntoIterator<Item = &'a Deadline>) -> Option<NaiveDate> {
    open.into_iter()
        .filter(|d| d.clock != PETITIONER_CLOCK)
        .map(|d| d.due_on)
        .min()
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
            started_on: on,
            due_on: due_date(calendar, on, r.period()),
            citation_zh: r.citation_zh.clone(),
            citation_en: r.citation_en.clone(),
            calendar_year: calendar.last_year,
        })
        .collect()
}

/// A stored deadline, as recounting it needs it.
#[derive(Debug, Clone, Copy)]
pub struct Counted<'a> {
    pub rule_id: &'a str,
    pub started_on: NaiveDate,
    /// The days it was moved by since, in order (an extension, a stopped clock).
    pub moved_by: &'a [u32],
    /// The date already given.
    pub due_on: NaiveDate,
}

/// The deadline counted again on `calendar` (a year's holidays now known):
/// the rule's period from its start, then each move, on the calendar as it is
/// now. A date already given never moves earlier — the law's date or the one
/// announced, whichever is later. `None` when the rule is not known.
pub fn recount(rules: &ClockRules, calendar: &Calendar, d: Counted<'_>) -> Option<NaiveDate> {
    let rule = rules.by_id(d.rule_id)?;
    let mut due = due_date(calendar, d.started_on, rule.period());
    for days in d.moved_by {
        due = due_date(calendar, due, Period::Days(*days, DayCount::Calendar));
    }
    Some(due.max(d.due_on))
}

/// China Standard Time (UTC+8), the agencies' own clock.
pub fn china_offset() -> chrono::FixedOffset {
    chrono::FixedOffset::east_opt(8 * 3600).unwrap_or_else(|| unreachable!("+08:00 is valid"))
}

/// Today's date in China Standard Time, the agencies' own calendar.
pub fn china_date(t: chrono::DateTime<chrono::Utc>) -> NaiveDate {
    t.with_timezone(&china_offset()).date_naive()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn the_next_agency_due_date_leaves_out_the_petitioners_own_clock() {
        let at = |clock: &str, due: &str| Deadline {
            rule_id: clock.to_owned(),
            clock: clock.to_owned(),
            started_on: d("2026-12-01"),
            due_on: d(due),
            citation_zh: String::new(),
            citation_en: String::new(),
            calendar_year: 2026,
        };
        let open = [
            at("conclusion", "2027-02-20"),
            at(PETITIONER_CLOCK, "2026-12-20"),
            at("acceptance", "2026-12-16"),
        ];
        assert_eq!(next_agency_due(&open), Some(d("2026-12-16")));
        assert_eq!(next_agency_due(&open[1..2]), None);
    }

    #[test]
    fn the_shipped_calendar_and_rules_load() {
        let cal = &Calendar::shipped().unwrap();
        assert!(cal.last_year >= 2026);
        assert!(!cal.is_working_day(d("2026-10-01")));
        assert!(ClockRules::shipped().unwrap().all().len() >= 5);
    }

    #[test]
    fn make_up_weekends_are_working_days_and_holidays_are_not() {
        let cal = &Calendar::shipped().unwrap();
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
        let cal = &Calendar::shipped().unwrap();
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
        let cal = &Calendar::shipped().unwrap();
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

    /// The test-only fixture year of the calendar-loading tests (not an official arrangement).
    fn with_fixture_2027() -> Calendar {
        let fixture = super::super::calendar::parse(
            "[2027]\nnotice = \"TEST FIXTURE\"\nnotice_date = \"2026-11-30\"\n\
             holidays = [\"2027-01-01\", \"2027-03-01\"]\nmakeup_workdays = [\"2027-01-30\"]\n",
        )
        .unwrap();
        Calendar::with_extra(fixture).unwrap()
    }

    #[test]
    fn deadlines_past_the_calendar_are_provisional_and_recounted_never_earlier() {
        let shipped = Calendar::shipped().unwrap();
        let known = with_fixture_2027();
        let rules = ClockRules::shipped().unwrap();
        let on = |rule: &str, start: &str, cal: &Calendar| {
            let r = rules.by_id(rule).unwrap();
            due_date(cal, d(start), r.period())
        };
        let recount_on = |rule: &str, start: &str, moved: &[u32], given: &str| {
            recount(
                &rules,
                &known,
                Counted {
                    rule_id: rule,
                    started_on: d(start),
                    moved_by: moved,
                    due_on: d(given),
                },
            )
            .unwrap()
        };
        // Three months from 1 December: Monday 1 March 2027 on plain weeks …
        assert_eq!(
            on("procuratorate-result-reply", "2026-12-01", &shipped),
            d("2027-03-01")
        );
        let first = deadlines_starting(
            &rules,
            &shipped,
            ClockStart::Received,
            "report",
            "procuratorate",
            d("2026-12-01"),
        );
        let result = first.iter().find(|x| x.clock == "result_reply").unwrap();
        assert!(result.provisional(), "2027 is not in the shipped calendar");
        assert!(
            !first
                .iter()
                .find(|x| x.clock == "acceptance")
                .unwrap()
                .provisional()
        );
        // … a holiday once 2027 is known: the next working day, later.
        assert_eq!(
            recount_on(
                "procuratorate-result-reply",
                "2026-12-01",
                &[],
                "2027-03-01"
            ),
            d("2027-03-02")
        );
        // Seven working days across New Year: 4 January, then 5 once 1 January is a holiday.
        assert_eq!(
            on("procuratorate-procedural-reply", "2026-12-24", &shipped),
            d("2027-01-04")
        );
        assert_eq!(
            recount_on(
                "procuratorate-procedural-reply",
                "2026-12-24",
                &[],
                "2027-01-04"
            ),
            d("2027-01-05")
        );
        // 60 days from 1 December end on Saturday 30 January: Monday 1 February on
        // plain weeks. A make-up working Saturday would make it 30 January —
        // earlier than the date given, so the date given stands.
        assert_eq!(on("conclusion", "2026-12-01", &shipped), d("2027-02-01"));
        assert_eq!(on("conclusion", "2026-12-01", &known), d("2027-01-30"));
        assert_eq!(
            recount_on("conclusion", "2026-12-01", &[], "2027-02-01"),
            d("2027-02-01")
        );
        // A 30-day extension is counted again from the recounted base; never earlier either.
        assert_eq!(
            recount_on("conclusion", "2026-12-01", &[30], "2027-03-03"),
            d("2027-03-03")
        );
        assert_eq!(
            recount(
                &rules,
                &known,
                Counted {
                    rule_id: "no-such-rule",
                    started_on: d("2026-12-01"),
                    moved_by: &[],
                    due_on: d("2027-01-01"),
                },
            ),
            None
        );
    }
}
