//! A period of the evaluation — a month, a quarter or a year — and the days
//! and months it spans.

use chrono::NaiveDate;
use serde::Serialize;

/// A period of the evaluation: a month, a quarter or a year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(into = "String")]
pub enum Period {
    Month(i32, u32),
    Quarter(i32, u32),
    Year(i32),
}

impl From<Period> for String {
    fn from(p: Period) -> String {
        p.key()
    }
}

impl Period {
    /// `2026-11`, `2026-Q4` or `2026`.
    pub fn parse(s: &str) -> Option<Period> {
        let s = s.trim();
        if let Some((y, q)) = s.split_once("-Q") {
            let (y, q): (i32, u32) = (y.parse().ok()?, q.parse().ok()?);
            return ((1..=4).contains(&q) && (1949..=2200).contains(&y))
                .then_some(Period::Quarter(y, q));
        }
        if let Some((y, m)) = s.split_once('-') {
            let (y, m): (i32, u32) = (y.parse().ok()?, m.parse().ok()?);
            return ((1..=12).contains(&m) && (1949..=2200).contains(&y))
                .then_some(Period::Month(y, m));
        }
        let y: i32 = s.parse().ok()?;
        (1949..=2200).contains(&y).then_some(Period::Year(y))
    }

    pub fn key(&self) -> String {
        match self {
            Period::Month(y, m) => format!("{y:04}-{m:02}"),
            Period::Quarter(y, q) => format!("{y:04}-Q{q}"),
            Period::Year(y) => format!("{y:04}"),
        }
    }

    /// The year it falls in.
    pub fn year(&self) -> i32 {
        match *self {
            Period::Month(y, _) | Period::Quarter(y, _) | Period::Year(y) => y,
        }
    }

    /// The month of `day`.
    /// The last month that has ended by `day`: what an evaluation opens on
    /// (the current month is days old and reads mostly "—").
    pub fn last_full_month(day: NaiveDate) -> Period {
        Period::month_of(day).previous()
    }

    pub fn month_of(day: NaiveDate) -> Period {
        use chrono::Datelike;
        Period::Month(day.year(), day.month())
    }

    /// The first and last month (YYYY-MM) it spans.
    pub fn months(&self) -> (String, String) {
        let (y, first, last) = match *self {
            Period::Month(y, m) => (y, m, m),
            Period::Quarter(y, q) => (y, 3 * q - 2, 3 * q),
            Period::Year(y) => (y, 1, 12),
        };
        (format!("{y:04}-{first:02}"), format!("{y:04}-{last:02}"))
    }

    /// Its first and last day.
    pub fn days(&self) -> (NaiveDate, NaiveDate) {
        let (from, to) = self.months();
        let first =
            NaiveDate::parse_from_str(&format!("{from}-01"), "%Y-%m-%d").unwrap_or(NaiveDate::MIN);
        let next = NaiveDate::parse_from_str(&format!("{to}-01"), "%Y-%m-%d")
            .ok()
            .and_then(|d| d.checked_add_months(chrono::Months::new(1)))
            .unwrap_or(NaiveDate::MAX);
        (first, next.pred_opt().unwrap_or(next))
    }

    /// The period of the same length just before it.
    pub fn previous(&self) -> Period {
        match *self {
            Period::Month(y, 1) => Period::Month(y - 1, 12),
            Period::Month(y, m) => Period::Month(y, m - 1),
            Period::Quarter(y, 1) => Period::Quarter(y - 1, 4),
            Period::Quarter(y, q) => Period::Quarter(y, q - 1),
            Period::Year(y) => Period::Year(y - 1),
        }
    }

    /// The `n` months ending with the last month of this period, oldest first.
    pub fn trailing_months(&self, n: u32) -> Vec<Period> {
        let (_, to) = self.months();
        let mut at = Period::parse(&to).unwrap_or(*self);
        let mut out = vec![at];
        for _ in 1..n {
            at = at.previous();
            out.push(at);
        }
        out.reverse();
        out
    }
}
