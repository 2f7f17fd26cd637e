//! The official holiday calendar (法定节假日安排): public holidays and make-up
//! working days (调休上班日) by year, each year as the State Council's notice
//! (国务院办公厅关于20XX年部分节假日安排的通知) gives it, with that notice cited.
//!
//! The product ships the years whose notices it has (`rules/cn-holidays.toml`);
//! an operator adds a year when its notice appears (`mingjing calendar
//! import`), without a new release. A file is checked before anything is kept:
//! a malformed file, a date outside its year, a date listed twice, a holiday
//! that is also a make-up day, a make-up day that is not a weekend day — each
//! is refused with the line it is on. Nothing is silently ignored.
//!
//! Past the last year the calendar knows, weekends are rest days and every
//! weekday a working day; a deadline computed there is *provisional*
//! ([`Calendar::is_provisional`]) and is shown as such.

use chrono::{Datelike, Days, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashSet};

/// One year of the arrangement, as a notice gives it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CalendarYear {
    pub year: i32,
    /// The notice's number, e.g. 国办发明电〔2025〕7号.
    pub notice: String,
    /// The notice's date.
    pub notice_date: NaiveDate,
    /// Every day off in the notice's ranges, weekend days inside them included.
    pub holidays: Vec<NaiveDate>,
    /// Weekend days the notice declares working days.
    pub makeup_workdays: Vec<NaiveDate>,
    /// The notice's heading for each block, keyed by its first day (元旦, 春节…).
    pub names: BTreeMap<NaiveDate, String>,
}

/// Why a calendar file was refused; `line` is 1-based.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}{message}", line.map(|l| format!("line {l}: ")).unwrap_or_default())]
pub struct CalendarError {
    pub line: Option<usize>,
    pub message: String,
}

fn error(text: &str, span: Option<std::ops::Range<usize>>, message: String) -> CalendarError {
    CalendarError {
        line: span.map(|s| line_of(text, s.start)),
        message,
    }
}

/// The 1-based line of byte `offset` in `text`.
fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|b| **b == b'\n')
        .count()
        + 1
}

type Spanned<T> = toml::Spanned<T>;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawYear {
    notice: Option<Spanned<String>>,
    notice_date: Option<Spanned<String>>,
    holidays: Vec<Spanned<String>>,
    makeup_workdays: Vec<Spanned<String>>,
    #[serde(default)]
    names: BTreeMap<Spanned<String>, String>,
}

fn parse_date(text: &str, raw: &Spanned<String>, what: &str) -> Result<NaiveDate, CalendarError> {
    NaiveDate::parse_from_str(raw.get_ref(), "%Y-%m-%d").map_err(|_| {
        error(
            text,
            Some(raw.span()),
            format!("{what} {:?} is not a date (YYYY-MM-DD)", raw.get_ref()),
        )
    })
}

/// The dates of one list of a year's table, each checked to be a date of
/// that year and listed once; with where each is in the file.
fn year_dates(
    text: &str,
    list: &[Spanned<String>],
    what: &str,
    year: i32,
) -> Result<Vec<(NaiveDate, std::ops::Range<usize>)>, CalendarError> {
    let mut seen = HashSet::new();
    let mut out = Vec::with_capacity(list.len());
    for raw in list {
        let d = parse_date(text, raw, what)?;
        if d.year() != year {
            return Err(error(
                text,
                Some(raw.span()),
                format!("{what} {d} is not in {year}"),
            ));
        }
        if !seen.insert(d) {
            return Err(error(
                text,
                Some(raw.span()),
                format!("{what} {d} is listed twice"),
            ));
        }
        out.push((d, raw.span()));
    }
    Ok(out)
}

/// A make-up working day is a weekend day and never also a holiday.
fn check_makeup_days(
    text: &str,
    off: &HashSet<NaiveDate>,
    makeup: &[(NaiveDate, std::ops::Range<usize>)],
) -> Result<(), CalendarError> {
    for (d, span) in makeup {
        if off.contains(d) {
            return Err(error(
                text,
                Some(span.clone()),
                format!("{d} is both a holiday and a make-up working day"),
            ));
        }
        if !matches!(d.weekday(), Weekday::Sat | Weekday::Sun) {
            return Err(error(
                text,
                Some(span.clone()),
                format!(
                    "make-up working day {d} is a {:?}; only a weekend day can be made a working day",
                    d.weekday()
                ),
            ));
        }
    }
    Ok(())
}

/// Reads and checks a calendar file (one or more years). Every problem is
/// reported with its line; the first one refuses the whole file.
pub fn parse(text: &str) -> Result<Vec<CalendarYear>, CalendarError> {
    let doc: BTreeMap<Spanned<String>, Spanned<RawYear>> = toml::from_str(text).map_err(|e| {
        error(
            text,
            e.span(),
            format!("not a valid calendar file: {}", e.message().trim()),
        )
    })?;
    if doc.is_empty() {
        return Err(error(text, None, "the file holds no year".to_owned()));
    }
    let mut years = Vec::new();
    for (key, raw) in doc {
        let year: i32 = key
            .get_ref()
            .parse()
            .ok()
            .filter(|y| (1949..=2200).contains(y))
            .ok_or_else(|| {
                error(
                    text,
                    Some(key.span()),
                    format!("[{}] is not a year", key.get_ref()),
                )
            })?;
        let table_span = raw.span();
        let raw = raw.into_inner();
        let notice = raw
            .notice
            .as_ref()
            .map(|n| n.get_ref().trim().to_owned())
            .filter(|n| !n.is_empty())
            .ok_or_else(|| {
                error(
                    text,
                    Some(key.span()),
                    format!(
                        "[{year}] has no notice (the number of the State Council notice it follows)"
                    ),
                )
            })?;
        let notice_date = match &raw.notice_date {
            Some(d) => parse_date(text, d, "notice_date")?,
            None => {
                return Err(error(
                    text,
                    Some(key.span()),
                    format!("[{year}] has no notice_date"),
                ));
            }
        };
        let holidays = year_dates(text, &raw.holidays, "holiday", year)?;
        let makeup = year_dates(text, &raw.makeup_workdays, "make-up working day", year)?;
        if holidays.is_empty() {
            return Err(error(
                text,
                Some(table_span),
                format!("[{year}] lists no holidays"),
            ));
        }
        let off: HashSet<NaiveDate> = holidays.iter().map(|(d, _)| *d).collect();
        check_makeup_days(text, &off, &makeup)?;
        let mut names = BTreeMap::new();
        for (k, v) in raw.names {
            let d = parse_date(text, &k, "name")?;
            if !off.contains(&d) {
                return Err(error(
                    text,
                    Some(k.span()),
                    format!("the name of {d} ({v}) is for a day that is not a holiday"),
                ));
            }
            names.insert(d, v);
        }
        let mut holidays: Vec<NaiveDate> = holidays.into_iter().map(|(d, _)| d).collect();
        let mut makeup_workdays: Vec<NaiveDate> = makeup.into_iter().map(|(d, _)| d).collect();
        holidays.sort();
        makeup_workdays.sort();
        years.push(CalendarYear {
            year,
            notice,
            notice_date,
            holidays,
            makeup_workdays,
            names,
        });
    }
    Ok(years)
}

/// The calendar: the known years, in one run without gaps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Calendar {
    holidays: HashSet<NaiveDate>,
    makeup_workdays: HashSet<NaiveDate>,
    years: BTreeMap<i32, CalendarYear>,
    /// The last year the calendar knows; later dates count weekends only.
    pub last_year: i32,
}

/// Days before the calendar ends from which the operator is warned.
pub const WARN_DAYS_BEFORE_END: i64 = 60;

/// The calendar is about to end, or has ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct CalendarWarning {
    pub last_year: i32,
    /// The last day the calendar knows (31 December of `last_year`).
    pub ends_on: NaiveDate,
    /// Days from today to `ends_on` (negative once it has passed).
    pub days_left: i64,
}

impl Calendar {
    /// The calendar of `years`, which must follow each other without a gap.
    pub fn from_years(years: impl IntoIterator<Item = CalendarYear>) -> Result<Self, String> {
        let mut by_year = BTreeMap::new();
        for y in years {
            by_year.insert(y.year, y);
        }
        let first = *by_year.keys().next().ok_or("no calendar year")?;
        let last = *by_year.keys().next_back().ok_or("no calendar year")?;
        if let Some(missing) = (first..=last).find(|y| !by_year.contains_key(y)) {
            return Err(format!(
                "the calendar has {first} to {last} but not {missing}: years must follow each other"
            ));
        }
        Ok(Calendar {
            holidays: by_year.values().flat_map(|y| y.holidays.clone()).collect(),
            makeup_workdays: by_year
                .values()
                .flat_map(|y| y.makeup_workdays.clone())
                .collect(),
            years: by_year,
            last_year: last,
        })
    }

    /// The years the product ships (`rules/cn-holidays.toml`), checked.
    pub fn shipped_years() -> Result<Vec<CalendarYear>, CalendarError> {
        parse(SHIPPED)
    }

    /// The calendar of the shipped years alone.
    pub fn shipped() -> Result<Self, CalendarError> {
        Self::from_years(Self::shipped_years()?).map_err(|message| CalendarError {
            line: None,
            message,
        })
    }

    /// The shipped years with `extra` (years an operator loaded) on top; an
    /// extra year replaces a shipped one of the same year.
    pub fn with_extra(extra: impl IntoIterator<Item = CalendarYear>) -> Result<Self, String> {
        let mut years: BTreeMap<i32, CalendarYear> = Self::shipped_years()
            .map_err(|e| format!("the shipped calendar: {e}"))?
            .into_iter()
            .map(|y| (y.year, y))
            .collect();
        for y in extra {
            years.insert(y.year, y);
        }
        Self::from_years(years.into_values())
    }

    pub fn first_year(&self) -> i32 {
        self.years.keys().next().copied().unwrap_or(self.last_year)
    }

    pub fn years(&self) -> impl Iterator<Item = &CalendarYear> {
        self.years.values()
    }

    pub fn year(&self, year: i32) -> Option<&CalendarYear> {
        self.years.get(&year)
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

    /// A deadline ending on `due` was counted over days whose holidays are not
    /// yet known (every day up to `due` is covered when `due`'s year is).
    pub fn is_provisional(&self, due: NaiveDate) -> bool {
        !self.covers(due)
    }

    /// The warning an operator should see on `today`: from
    /// [`WARN_DAYS_BEFORE_END`] days before the calendar's last day on.
    pub fn warning(&self, today: NaiveDate) -> Option<CalendarWarning> {
        let ends_on = NaiveDate::from_ymd_opt(self.last_year, 12, 31)?;
        let days_left = (ends_on - today).num_days();
        (days_left <= WARN_DAYS_BEFORE_END).then_some(CalendarWarning {
            last_year: self.last_year,
            ends_on,
            days_left,
        })
    }
}

const SHIPPED: &str = include_str!("rules/cn-holidays.toml");

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn the_shipped_calendar_parses_and_cites_its_notices() {
        let cal = Calendar::shipped().expect("rules/cn-holidays.toml must parse");
        assert_eq!(cal.first_year(), 2024);
        assert!(cal.last_year >= 2026);
        for y in cal.years() {
            assert!(
                y.notice.starts_with("国办发明电"),
                "{}: {}",
                y.year,
                y.notice
            );
            assert!(y.notice_date.year() == y.year - 1, "{}", y.year);
        }
        assert_eq!(cal.year(2026).unwrap().notice, "国办发明电〔2025〕7号");
    }

    const FIXTURE: &str = r#"
[2027]
notice = "TEST FIXTURE"
notice_date = "2026-11-20"
holidays = ["2027-01-01", "2027-02-05", "2027-02-06"]
makeup_workdays = ["2027-01-30"]

[2027.names]
"2027-01-01" = "元旦"
"#;

    #[test]
    fn a_valid_year_loads() {
        let years = parse(FIXTURE).unwrap();
        assert_eq!(years.len(), 1);
        assert_eq!(years[0].year, 2027);
        assert_eq!(years[0].holidays.len(), 3);
        let cal = Calendar::with_extra(years).unwrap();
        assert_eq!(cal.last_year, 2027);
        assert!(!cal.is_working_day(d("2027-01-01")));
        assert!(cal.is_working_day(d("2027-01-30")), "a make-up Saturday");
        assert!(!cal.is_provisional(d("2027-12-31")));
        assert!(cal.is_provisional(d("2028-01-03")));
    }

    fn refused(text: &str) -> CalendarError {
        parse(text).expect_err("must be refused")
    }

    #[test]
    fn each_kind_of_bad_file_is_refused_with_its_line() {
        let both = refused(
            "[2027]\nnotice = \"x\"\nnotice_date = \"2026-11-20\"\nholidays = [\"2027-01-01\",\n  \"2027-01-02\"]\nmakeup_workdays = [\"2027-01-02\"]\n",
        );
        assert_eq!(both.line, Some(6));
        assert!(
            both.message.contains("both a holiday and a make-up"),
            "{both}"
        );

        let outside = refused(
            "[2027]\nnotice = \"x\"\nnotice_date = \"2026-11-20\"\nholidays = [\"2027-01-01\",\n\"2028-01-01\"]\nmakeup_workdays = []\n",
        );
        assert_eq!(outside.line, Some(5));
        assert!(outside.message.contains("not in 2027"), "{outside}");

        let twice = refused(
            "[2027]\nnotice = \"x\"\nnotice_date = \"2026-11-20\"\nholidays = [\n\"2027-01-01\",\n\"2027-01-01\"]\nmakeup_workdays = []\n",
        );
        assert_eq!(twice.line, Some(6));
        assert!(twice.message.contains("listed twice"), "{twice}");

        let malformed =
            refused("[2027]\nnotice = \"x\"\nholidays = [\"2027-01-01\"\nmakeup_workdays = []\n");
        assert!(malformed.line.is_some_and(|l| l >= 3), "{malformed}");
        assert!(
            malformed.message.contains("not a valid calendar file"),
            "{malformed}"
        );

        let not_a_date = refused(
            "[2027]\nnotice = \"x\"\nnotice_date = \"2026-11-20\"\nholidays = [\"2027-02-30\"]\nmakeup_workdays = []\n",
        );
        assert_eq!(not_a_date.line, Some(4));

        let weekday = refused(
            "[2027]\nnotice = \"x\"\nnotice_date = \"2026-11-20\"\nholidays = [\"2027-01-01\"]\nmakeup_workdays = [\"2027-01-06\"]\n",
        );
        assert_eq!(weekday.line, Some(5));

        let unsourced = refused("[2027]\nholidays = [\"2027-01-01\"]\nmakeup_workdays = []\n");
        assert_eq!(unsourced.line, Some(1));
        assert!(unsourced.message.contains("no notice"), "{unsourced}");

        let typo = refused(
            "[2027]\nnotice = \"x\"\nnotice_date = \"2026-11-20\"\nholiday = [\"2027-01-01\"]\nholidays = []\nmakeup_workdays = []\n",
        );
        assert!(typo.line.is_some(), "{typo}");
    }

    #[test]
    fn years_must_follow_each_other() {
        let mut years = Calendar::shipped_years().unwrap();
        let mut y2028 = parse(FIXTURE).unwrap().remove(0);
        y2028.year = 2028;
        years.push(y2028);
        assert!(Calendar::from_years(years).is_err());
    }

    #[test]
    fn the_operator_is_warned_from_sixty_days_before_the_end() {
        let cal = Calendar::shipped().unwrap();
        let end = NaiveDate::from_ymd_opt(cal.last_year, 12, 31).unwrap();
        let first_warning = end - Days::new(60);
        assert_eq!(cal.warning(first_warning - Days::new(1)), None);
        let w = cal.warning(first_warning).unwrap();
        assert_eq!((w.last_year, w.days_left), (cal.last_year, 60));
        assert_eq!(cal.warning(end + Days::new(5)).unwrap().days_left, -5);
    }
}
