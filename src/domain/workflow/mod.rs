//! The petition workflow as a pure function: (petition, command, actor, now,
//! rules) → the events that happen, or a typed refusal. Nothing here reads a
//! clock or a database; handlers and the JSON API call the same function.
//!
//! 登记 received → 受理 accepted | 不予受理 declined | 转送 transferred (received
//! again at the competent agency) | 导入诉讼程序 redirected → 交办 assigned →
//! 调查 investigating → 拟答复 drafted → 审批 approved → 答复 answered → the
//! petitioner rates it and may request a review (复查) one level up within 30
//! days, which runs the same cycle; then a re-review (复核); then 终结 closed.
//!
//! The files: this one holds what a petition's state is and what a decision
//! yields; `command` what can be asked and why it may be refused; `decide`
//! the one entry point, which checks who acts and hands the command to the
//! step it belongs to (`intake`, `handling`, `clocks`, `petitioner`), each
//! written against `step::Step`, the decision's fixed facts; `console` what a
//! staff console offers and the stages a petitioner follows.

mod clocks;
mod command;
mod console;
mod decide;
mod handling;
mod intake;
#[cfg(test)]
mod offer_tests;
mod petitioner;
mod step;
#[cfg(test)]
mod tests;

pub use command::{Command, Refusal};

/// 退回修改: the petition's draft was returned and awaits a new one. A
/// return sends the petition back to investigating with its author kept;
/// a review round clears the author, so a draft of an earlier round never counts.
pub fn draft_returned(state: State, draft_author: Option<crate::domain::ids::StaffId>) -> bool {
    state == State::Investigating && draft_author.is_some()
}
pub use console::{CONSOLE_ORDER, Offer, STAGES, StageStatus, available, offer, stages};
pub use decide::decide;

use super::agency::AgencyType;
use super::clock::{Calendar, ClockRules, Deadline};
use super::events::EventKind;
use super::ids::{AgencyId, StaffId};
use super::petition::PetitionKind;
use super::staff::Role;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// Where a petition stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum State {
    /// 待审核 — held as suspected abuse until staff release it
    Quarantined,
    /// 登记 — awaiting the acceptance decision
    Received,
    /// 受理
    Accepted,
    /// 交办 — a handler is assigned
    Assigned,
    /// 调查
    Investigating,
    /// 答复意见待审批
    Drafted,
    /// 答复 — the approved answer is issued
    Answered,
    /// 复查/复核申请 — waiting for the body one level up
    ReviewRequested,
    /// 不予受理
    Declined,
    /// 导入诉讼程序 — belongs in litigation, arbitration or reconsideration
    Redirected,
    /// 终结
    Closed,
    /// 合并办理 — the same matter as an earlier petition (重复信访), handled
    /// once, under the earlier number
    Merged,
}

impl State {
    pub const ALL: [State; 12] = [
        State::Quarantined,
        State::Received,
        State::Accepted,
        State::Assigned,
        State::Investigating,
        State::Drafted,
        State::Answered,
        State::ReviewRequested,
        State::Declined,
        State::Redirected,
        State::Closed,
        State::Merged,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            State::Quarantined => "quarantined",
            State::Received => "received",
            State::Accepted => "accepted",
            State::Assigned => "assigned",
            State::Investigating => "investigating",
            State::Drafted => "drafted",
            State::Answered => "answered",
            State::ReviewRequested => "review_requested",
            State::Declined => "declined",
            State::Redirected => "redirected",
            State::Closed => "closed",
            State::Merged => "merged",
        }
    }

    pub fn parse(s: &str) -> Option<State> {
        State::ALL.into_iter().find(|x| x.as_str() == s)
    }

    /// Work is still to be done by an agency.
    pub fn is_open(self) -> bool {
        matches!(
            self,
            State::Received
                | State::Accepted
                | State::Assigned
                | State::Investigating
                | State::Drafted
                | State::ReviewRequested
        )
    }

    /// Waiting for the intake decision (the "new" queue): received, a review
    /// requested, or held for review as suspected abuse.
    pub fn awaits_intake(self) -> bool {
        matches!(
            self,
            State::Received | State::ReviewRequested | State::Quarantined
        )
    }

    /// With its assigned handler (the handler's "mine" queue).
    pub fn is_with_handler(self) -> bool {
        matches!(
            self,
            State::Assigned | State::Investigating | State::Drafted
        )
    }

    /// An answer has been issued (the petitioner may rate or ask for a review).
    pub fn is_answered(self) -> bool {
        self == State::Answered
    }

    /// Nothing more can happen.
    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            State::Declined | State::Redirected | State::Closed | State::Merged
        )
    }

    /// Its answer may be published (redacted) to the public.
    pub fn is_public(self) -> bool {
        matches!(self, State::Answered | State::Closed)
    }
}

/// Which round of handling: the original, the review (复查) or the re-review (复核).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Round {
    Original,
    Review,
    ReReview,
}

impl Round {
    pub const ALL: [Round; 3] = [Round::Original, Round::Review, Round::ReReview];

    pub fn as_str(self) -> &'static str {
        match self {
            Round::Original => "original",
            Round::Review => "review",
            Round::ReReview => "re_review",
        }
    }

    pub fn parse(s: &str) -> Option<Round> {
        Round::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

/// 满意度
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rating {
    Satisfied,
    BasicallySatisfied,
    Unsatisfied,
}

impl Rating {
    pub const ALL: [Rating; 3] = [
        Rating::Satisfied,
        Rating::BasicallySatisfied,
        Rating::Unsatisfied,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Rating::Satisfied => "satisfied",
            Rating::BasicallySatisfied => "basically_satisfied",
            Rating::Unsatisfied => "unsatisfied",
        }
    }

    pub fn parse(s: &str) -> Option<Rating> {
        Rating::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

/// Who acts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    Staff {
        id: StaffId,
        role: Role,
        agency_id: AgencyId,
    },
    Petitioner,
    /// The clock sweeper.
    System,
}

/// What the workflow needs to know of a petition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PetitionState {
    pub state: State,
    pub round: Round,
    pub agency_id: AgencyId,
    pub handler_id: Option<StaffId>,
    pub draft_author_id: Option<StaffId>,
    pub extension_used: bool,
    pub extension_pending: bool,
    pub rating: Option<Rating>,
    /// When the current answer was issued (China date), for the 30-day review window.
    pub answered_on: Option<NaiveDate>,
    /// The days asked for by the pending (or granted) extension.
    pub extension_days: u32,
    /// Since when the clock is stopped (hearing, waiting for the petitioner), if it is.
    pub clock_stopped_on: Option<NaiveDate>,
    /// Staff named as the subject of the petition: they may not act on it (回避).
    /// The caller lists at least the acting staff member and any handler to be
    /// assigned who are named (`access::names`).
    pub recused_staff: Vec<StaffId>,
    /// The answer being drafted (text and legal basis), awaiting approval.
    pub draft_text: Option<String>,
    /// The answer issued: the approved draft.
    pub answer_text: Option<String>,
    /// The last day of the open conclusion clock, if one runs (an extension or
    /// a stopped clock moves it).
    pub conclusion_due_on: Option<NaiveDate>,
    /// In a review round: the agency and handler whose answer is under review.
    pub reviewed_agency_id: Option<AgencyId>,
    pub reviewed_handler_id: Option<StaffId>,
    /// In a review round: what the draft (then the answer) does to the answer reviewed.
    pub review_outcome: Option<ReviewOutcome>,
}

/// 复查意见 — what a review (or re-review) did to the answer it decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReviewOutcome {
    /// 维持 — the answer stands.
    Upheld,
    /// 撤销或变更 — the answer was set aside or changed (a reversal).
    Changed,
}

impl ReviewOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            ReviewOutcome::Upheld => "upheld",
            ReviewOutcome::Changed => "changed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "upheld" => Some(ReviewOutcome::Upheld),
            "changed" => Some(ReviewOutcome::Changed),
            _ => None,
        }
    }
}

/// Who an event counts for, decided with the event (see the module doc).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Attribution {
    /// Where it happened; none only for rows older than the evaluation.
    pub agency: Option<AgencyId>,
    pub officer: Option<StaffId>,
    /// A transfer's target, or the agency whose answer a review decided.
    pub other_agency: Option<AgencyId>,
    /// The handler whose answer a review decided.
    pub other_officer: Option<StaffId>,
    /// A rating (`satisfied`…) or a review's outcome (`upheld`, `changed`, `unstated`).
    pub detail: Option<String>,
}

/// What happened, to be stored as timeline events and applied to the petition.
/// `new` is the whole new state (texts included: a draft written, an answer
/// issued, the agency one level up that takes a review over).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub new: PetitionState,
    /// The timeline event: its kind, whether the petitioner sees it, and its text.
    pub event_kind: EventKind,
    pub public: bool,
    pub body: String,
    /// Deadlines that start now (they replace the open ones of the same clock).
    pub start_deadlines: Vec<Deadline>,
    /// Clocks that are met and stop now.
    pub stop_clocks: Vec<&'static str>,
    /// An extension of the conclusion clock, in days.
    pub extend_conclusion_by: Option<u32>,
    /// The conclusion clock's new last day, when it moves.
    pub conclusion_due_on: Option<NaiveDate>,
    /// The last year of the calendar the dates were counted on.
    pub calendar_year: i32,
    /// The day it happened (China time): clocks stopped now were met on it.
    pub on: NaiveDate,
    /// Who the event counts for (`domain::evaluation`).
    pub attribution: Attribution,
}

/// The longest extension the regulations allow.
pub const MAX_EXTENSION_DAYS: u32 = 30;
/// Days after the answer in which a review may be requested.
pub const REVIEW_WINDOW_DAYS: i64 = 30;

/// What a decision needs besides the petition and the command.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    /// Today in China time.
    pub today: NaiveDate,
    /// The petition's kind and its agency's type select the clock rules.
    pub kind: PetitionKind,
    pub agency_type: AgencyType,
    /// The agency one level up, which decides a review (复查/复核); none at the top.
    pub parent_agency: Option<AgencyId>,
    pub rules: &'a ClockRules,
    pub calendar: &'a Calendar,
}

/// An answer as issued: its text, a blank line, its legal basis (依据).
pub fn answer_with_basis(text: &str, legal_basis: &str) -> String {
    format!("{text}\n\n{legal_basis}")
}

/// An issued answer split back into its text and its legal basis (the
/// paragraph after the last blank line), as the answer letter prints them.
pub fn split_answer(answer: &str) -> (&str, Option<&str>) {
    match answer.trim_end().rsplit_once("\n\n") {
        Some((text, basis)) if !basis.trim().is_empty() && !basis.contains('\n') => {
            (text.trim_end(), Some(basis.trim()))
        }
        _ => (answer.trim_end(), None),
    }
}
