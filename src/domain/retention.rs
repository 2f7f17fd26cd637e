//! 保存期限 — the retention schedule: how long what a petitioner gave the
//! portal (their identity and contact details, their evidence files) is kept
//! after the matter is concluded, as data (`rules/retention.toml`, or the
//! schedule an operator loads). 个人信息保护法: no longer than necessary.
//!
//! Pure rules: when a matter counts as concluded, which of a schedule's
//! actions are due on a day, and the checked form of a schedule file (every
//! problem refused with its line, nothing silently ignored).

use super::petition::PetitionKind;
use super::workflow::{REVIEW_WINDOW_DAYS, State};
use chrono::{Months, NaiveDate};
use serde::{Deserialize, Serialize};

/// What a rule does when it is due.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// 匿名化 — erase the petitioner's identity and contact details, and
    /// every identifier in the petition's texts.
    Anonymise,
    /// Delete the evidence files.
    DeleteFiles,
}

impl Action {
    pub const ALL: [Action; 2] = [Action::Anonymise, Action::DeleteFiles];

    pub fn as_str(self) -> &'static str {
        match self {
            Action::Anonymise => "anonymise",
            Action::DeleteFiles => "delete_files",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.as_str() == s)
    }
}

/// How a matter ended, as far as retention is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Conclusion {
    /// Answered, and the period for asking for a review has run out.
    Answered,
    Closed,
    Declined,
    Redirected,
    /// Merged into the matter it repeats (重复信访).
    Merged,
}

impl Conclusion {
    pub const ALL: [Conclusion; 5] = [
        Conclusion::Answered,
        Conclusion::Closed,
        Conclusion::Declined,
        Conclusion::Redirected,
        Conclusion::Merged,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Conclusion::Answered => "answered",
            Conclusion::Closed => "closed",
            Conclusion::Declined => "declined",
            Conclusion::Redirected => "redirected",
            Conclusion::Merged => "merged",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }

    /// The conclusion a state stands for; none while the matter is open.
    pub fn of(state: State) -> Option<Self> {
        match state {
            State::Answered => Some(Conclusion::Answered),
            State::Closed => Some(Conclusion::Closed),
            State::Declined => Some(Conclusion::Declined),
            State::Redirected => Some(Conclusion::Redirected),
            State::Merged => Some(Conclusion::Merged),
            _ => None,
        }
    }
}

/// One line of the schedule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Rule {
    pub id: String,
    pub action: Action,
    /// Empty: every kind.
    pub kinds: Vec<PetitionKind>,
    /// Empty: every conclusion.
    pub outcomes: Vec<Conclusion>,
    /// Whole years after the conclusion.
    pub after_years: u32,
    pub explanation_zh: String,
    pub explanation_en: String,
}

impl Rule {
    fn covers(&self, kind: PetitionKind, conclusion: Conclusion) -> bool {
        (self.kinds.is_empty() || self.kinds.contains(&kind))
            && (self.outcomes.is_empty() || self.outcomes.contains(&conclusion))
    }

    /// The first day this rule is due for a matter concluded on `concluded`.
    pub fn due_on(&self, concluded: NaiveDate) -> NaiveDate {
        concluded
            .checked_add_months(Months::new(12 * self.after_years))
            .unwrap_or(NaiveDate::MAX)
    }
}

/// A checked schedule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Schedule {
    pub rules: Vec<Rule>,
}

/// Why a schedule file was refused; `line` is 1-based.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}{message}", line.map(|l| format!("line {l}: ")).unwrap_or_default())]
pub struct ScheduleError {
    pub line: Option<usize>,
    pub message: String,
}

type Spanned<T> = toml::Spanned<T>;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSchedule {
    #[serde(default)]
    rule: Vec<Spanned<RawRule>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    id: Spanned<String>,
    action: Spanned<String>,
    #[serde(default)]
    kinds: Vec<Spanned<String>>,
    #[serde(default)]
    outcomes: Vec<Spanned<String>>,
    after_years: Spanned<i64>,
    explanation_zh: Spanned<String>,
    explanation_en: Spanned<String>,
}

/// The longest period a rule may set: beyond it "keep" is the honest word.
pub const MAX_YEARS: i64 = 100;

fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|b| **b == b'\n')
        .count()
        + 1
}

impl Schedule {
    /// The schedule the product ships.
    pub const SHIPPED: &'static str = include_str!("rules/retention.toml");

    pub fn shipped() -> Result<Self, ScheduleError> {
        Self::parse(Self::SHIPPED)
    }

    /// Reads and checks a schedule file: the first problem refuses it, with its line.
    pub fn parse(text: &str) -> Result<Self, ScheduleError> {
        let at = |span: std::ops::Range<usize>, message: String| ScheduleError {
            line: Some(line_of(text, span.start)),
            message,
        };
        let raw: RawSchedule = toml::from_str(text).map_err(|e| ScheduleError {
            line: e.span().map(|s| line_of(text, s.start)),
            message: format!("not a valid retention schedule: {}", e.message().trim()),
        })?;
        let mut rules: Vec<Rule> = Vec::new();
        for r in raw.rule {
            let r = r.into_inner();
            let id = r.id.get_ref().trim().to_owned();
            if id.is_empty() {
                return Err(at(r.id.span(), "a rule needs an id".to_owned()));
            }
            if rules.iter().any(|known| known.id == id) {
                return Err(at(r.id.span(), format!("the id {id:?} is used twice")));
            }
            let action = Action::parse(r.action.get_ref().trim()).ok_or_else(|| {
                at(
                    r.action.span(),
                    format!(
                        "unknown action {:?}: use anonymise or delete_files",
                        r.action.get_ref()
                    ),
                )
            })?;
            let kinds = r
                .kinds
                .iter()
                .map(|k| {
                    PetitionKind::parse(k.get_ref().trim()).ok_or_else(|| {
                        at(
                            k.span(),
                            format!(
                                "unknown kind {:?}: use complaint, report or litigation",
                                k.get_ref()
                            ),
                        )
                    })
                })
                .collect::<Result<Vec<_>, _>>()?;
            let outcomes = r
                .outcomes
                .iter()
                .map(|o| {
                    Conclusion::parse(o.get_ref().trim()).ok_or_else(|| {
                        at(
                            o.span(),
                            format!(
                                "unknown outcome {:?}: use answered, closed, declined, redirected or merged",
                                o.get_ref()
                            ),
                        )
                    })
                })
                .collect::<Result<Vec<_>, _>>()?;
            let years = *r.after_years.get_ref();
            if !(0..=MAX_YEARS).contains(&years) {
                return Err(at(
                    r.after_years.span(),
                    format!("after_years must be between 0 and {MAX_YEARS}, not {years}"),
                ));
            }
            for (field, value) in [
                ("explanation_zh", &r.explanation_zh),
                ("explanation_en", &r.explanation_en),
            ] {
                if value.get_ref().trim().is_empty() {
                    return Err(at(
                        value.span(),
                        format!("{field} must say what the rule does, for the privacy notice"),
                    ));
                }
            }
            rules.push(Rule {
                id,
                action,
                kinds,
                outcomes,
                after_years: u32::try_from(years).unwrap_or(0),
                explanation_zh: r.explanation_zh.get_ref().trim().to_owned(),
                explanation_en: r.explanation_en.get_ref().trim().to_owned(),
            });
        }
        Ok(Schedule { rules })
    }

    /// The earliest conclusion date a rule can reach on `today`: matters
    /// concluded after it have nothing due yet (a bound for the store's query).
    pub fn concluded_by(&self, today: NaiveDate) -> Option<NaiveDate> {
        let fewest = self.rules.iter().map(|r| r.after_years).min()?;
        today.checked_sub_months(Months::new(12 * fewest))
    }
}

/// What retention needs to know of a petition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subject {
    pub kind: PetitionKind,
    pub status: State,
    /// The day it reached its last state: answered (the answer's date), or
    /// closed, declined, redirected, merged. None while open.
    pub concluded_on: Option<NaiveDate>,
    /// Under a legal hold: nothing happens to it while the hold lasts.
    pub held: bool,
    pub anonymised: bool,
    /// Has evidence files not yet deleted.
    pub has_files: bool,
}

/// The day a petition in `state` reached it, as stored with the petition
/// (`today` for a state reached today; the answer's day for an answer).
pub fn concluded_on(
    state: State,
    answered_on: Option<NaiveDate>,
    today: NaiveDate,
) -> Option<NaiveDate> {
    match Conclusion::of(state)? {
        Conclusion::Answered => answered_on.or(Some(today)),
        _ => Some(today),
    }
}

/// The conclusion of a matter and the day it counts from: an answered matter
/// is concluded when the period for asking for a review has run out.
pub fn concluded(
    status: State,
    concluded_on: Option<NaiveDate>,
) -> Option<(Conclusion, NaiveDate)> {
    let conclusion = Conclusion::of(status)?;
    let on = concluded_on?;
    let on = if conclusion == Conclusion::Answered {
        on + chrono::Days::new(u64::try_from(REVIEW_WINDOW_DAYS).unwrap_or(30))
    } else {
        on
    };
    Some((conclusion, on))
}

/// The actions due on `today` for `s`, each with the rule that makes it due
/// (the first in the schedule's order that does); none under a legal hold,
/// and none already done.
pub fn due<'a>(schedule: &'a Schedule, s: &Subject, today: NaiveDate) -> Vec<(Action, &'a Rule)> {
    if s.held {
        return Vec::new();
    }
    let Some((conclusion, on)) = concluded(s.status, s.concluded_on) else {
        return Vec::new();
    };
    let mut out: Vec<(Action, &Rule)> = Vec::new();
    for rule in &schedule.rules {
        let pending = match rule.action {
            Action::Anonymise => !s.anonymised,
            Action::DeleteFiles => s.has_files,
        };
        if pending
            && rule.covers(s.kind, conclusion)
            && rule.due_on(on) <= today
            && !out.iter().any(|(a, _)| *a == rule.action)
        {
            out.push((rule.action, rule));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn subject(status: State, concluded_on: &str) -> Subject {
        Subject {
            kind: PetitionKind::Complaint,
            status,
            concluded_on: Some(d(concluded_on)),
            held: false,
            anonymised: false,
            has_files: true,
        }
    }

    #[test]
    fn the_shipped_schedule_parses() {
        let s = Schedule::shipped().unwrap();
        assert!(s.rules.iter().any(|r| r.action == Action::Anonymise));
        assert!(s.rules.iter().any(|r| r.action == Action::DeleteFiles));
    }

    #[test]
    fn actions_fall_due_whole_years_after_the_conclusion() {
        let s = Schedule::shipped().unwrap();
        let declined = subject(State::Declined, "2023-03-10");
        assert!(due(&s, &declined, d("2025-03-09")).is_empty());
        let on_the_day: Vec<Action> = due(&s, &declined, d("2025-03-10"))
            .iter()
            .map(|(a, _)| *a)
            .collect();
        assert_eq!(on_the_day, vec![Action::DeleteFiles]);
        let later: Vec<Action> = due(&s, &declined, d("2026-03-10"))
            .iter()
            .map(|(a, _)| *a)
            .collect();
        assert_eq!(later, vec![Action::DeleteFiles, Action::Anonymise]);
    }

    #[test]
    fn an_answer_concludes_when_the_review_period_ends() {
        let s = Schedule::shipped().unwrap();
        let answered = subject(State::Answered, "2023-03-10");
        // Two years from the answer is not yet two years from the conclusion.
        assert!(due(&s, &answered, d("2025-03-10")).is_empty());
        assert_eq!(due(&s, &answered, d("2025-04-09")).len(), 1);
    }

    #[test]
    fn open_held_and_done_matters_have_nothing_due() {
        let s = Schedule::shipped().unwrap();
        let far = d("2040-01-01");
        let mut open = subject(State::Investigating, "2023-03-10");
        open.concluded_on = None;
        assert!(due(&s, &open, far).is_empty());
        let mut held = subject(State::Closed, "2023-03-10");
        held.held = true;
        assert!(due(&s, &held, far).is_empty());
        let mut done = subject(State::Closed, "2023-03-10");
        done.anonymised = true;
        done.has_files = false;
        assert!(due(&s, &done, far).is_empty());
    }

    #[test]
    fn kinds_select_their_rule() {
        let s = Schedule::shipped().unwrap();
        let mut lit = subject(State::Closed, "2020-01-01");
        lit.kind = PetitionKind::Litigation;
        lit.has_files = false;
        assert!(
            due(&s, &lit, d("2024-06-01")).is_empty(),
            "5 years for litigation"
        );
        assert_eq!(
            due(&s, &lit, d("2025-01-01"))[0].1.id,
            "identity-litigation"
        );
    }

    #[test]
    fn each_kind_of_bad_schedule_is_refused_with_its_line() {
        let ok = "[[rule]]\nid = \"a\"\naction = \"anonymise\"\nafter_years = 3\nexplanation_zh = \"说明\"\nexplanation_en = \"text\"\n";
        assert_eq!(Schedule::parse(ok).unwrap().rules.len(), 1);
        let cases = [
            (ok.replace("anonymise", "shred"), 3, "unknown action"),
            (
                ok.replace("after_years = 3", "after_years = -1"),
                4,
                "between 0",
            ),
            (
                ok.replace("after_years = 3", "after_years = 3\nkinds = [\"appeal\"]"),
                5,
                "unknown kind",
            ),
            (
                ok.replace("after_years = 3", "after_years = 3\noutcomes = [\"won\"]"),
                5,
                "unknown outcome",
            ),
            (ok.replace("\"说明\"", "\" \""), 5, "privacy notice"),
            (format!("{ok}{ok}"), 8, "used twice"),
            (ok.replace("after_years", "after_yeers"), 4, "unknown field"),
        ];
        for (text, line, words) in cases {
            let e = Schedule::parse(&text).unwrap_err();
            assert_eq!(e.line, Some(line), "{e}");
            assert!(e.message.contains(words), "{e}");
        }
        assert_eq!(Schedule::parse("").unwrap().rules.len(), 0);
    }
}
