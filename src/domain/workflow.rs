//! The petition workflow as a pure function: (petition, command, actor, now,
//! rules) → the events that happen, or a typed refusal. Nothing here reads a
//! clock or a database; handlers and the JSON API call the same function.
//!
//! 登记 received → 受理 accepted | 不予受理 declined | 转送 transferred (received
//! again at the competent agency) | 导入诉讼程序 redirected → 交办 assigned →
//! 调查 investigating → 拟答复 drafted → 审批 approved → 答复 answered → the
//! petitioner rates it and may request a review (复查) one level up within 30
//! days, which runs the same cycle; then a re-review (复核); then 终结 closed.

use super::agency::AgencyType;
use super::clock::{
    Calendar, ClockRules, ClockStart, DayCount, Deadline, Period, deadlines_starting, due_date,
};
use super::evaluation::{Attribution, ReviewOutcome};
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

/// A request to move the petition on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Command {
    Release,
    Accept,
    Decline {
        reason: String,
        citation: String,
    },
    Transfer {
        to_agency_id: AgencyId,
        reason: String,
    },
    Redirect {
        procedure: String,
        citation: String,
    },
    /// 合并办理: the same matter as the petition `original` (its number as
    /// printed), which handles it; this one ends, and the petitioner is told
    /// which number to follow.
    Merge {
        original: String,
        reason: String,
    },
    Assign {
        handler_id: StaffId,
    },
    RecordInvestigation {
        note: String,
    },
    AskPetitioner {
        question: String,
    },
    DraftAnswer {
        text: String,
        legal_basis: String,
        /// In a review round: whether the answer reviewed is upheld or changed (复查意见).
        #[serde(default)]
        review_outcome: Option<ReviewOutcome>,
    },
    Approve,
    ReturnDraft {
        comments: String,
    },
    RequestExtension {
        days: u32,
        reason: String,
    },
    ApproveExtension,
    RefuseExtension {
        reason: String,
    },
    /// 中止计时 — a hearing, or waiting for the petitioner's answer; the reason is shown to the petitioner.
    StopClock {
        reason: String,
    },
    /// 恢复计时 — the conclusion deadline moves by the days stopped.
    ResumeClock,
    Rate {
        rating: Rating,
    },
    RequestReview {
        reason: String,
    },
    Close,
}

impl Command {
    pub fn name(&self) -> &'static str {
        match self {
            Command::Release => "release",
            Command::Accept => "accept",
            Command::Decline { .. } => "decline",
            Command::Transfer { .. } => "transfer",
            Command::Redirect { .. } => "redirect",
            Command::Merge { .. } => "merge",
            Command::Assign { .. } => "assign",
            Command::RecordInvestigation { .. } => "record_investigation",
            Command::AskPetitioner { .. } => "ask_petitioner",
            Command::DraftAnswer { .. } => "draft_answer",
            Command::Approve => "approve",
            Command::ReturnDraft { .. } => "return_draft",
            Command::RequestExtension { .. } => "request_extension",
            Command::ApproveExtension => "approve_extension",
            Command::RefuseExtension { .. } => "refuse_extension",
            Command::StopClock { .. } => "stop_clock",
            Command::ResumeClock => "resume_clock",
            Command::Rate { .. } => "rate",
            Command::RequestReview { .. } => "request_review",
            Command::Close => "close",
        }
    }
}

/// Why a command was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("not allowed in state {0:?}")]
    WrongState(State),
    #[error("this role may not do that")]
    WrongRole,
    #[error("not your agency")]
    OutOfScope,
    #[error("named in the petition: recused")]
    Recused,
    #[error("nobody approves their own draft")]
    OwnDraft,
    #[error("only the assigned handler may do that")]
    NotTheHandler,
    #[error("the one extension has been used")]
    ExtensionUsed,
    #[error("an extension is at most 30 days")]
    ExtensionTooLong,
    #[error("no extension is pending")]
    NoExtensionPending,
    #[error("the review period has ended")]
    ReviewWindowClosed,
    #[error("after a re-review the matter is closed")]
    NoFurtherReview,
    #[error("a reason or text is required")]
    TextRequired,
    #[error("the clock is already stopped")]
    ClockStopped,
    #[error("the clock is not stopped")]
    ClockRunning,
    /// One rating per answer: a second would count twice in the satisfaction figures.
    #[error("this answer has been rated")]
    AlreadyRated,
}

impl Refusal {
    pub fn message_key(&self) -> &'static str {
        match self {
            Refusal::WrongState(_) => "refusal-wrong-state",
            Refusal::WrongRole => "refusal-wrong-role",
            Refusal::OutOfScope => "refusal-out-of-scope",
            Refusal::Recused => "refusal-recused",
            Refusal::OwnDraft => "refusal-own-draft",
            Refusal::NotTheHandler => "refusal-not-the-handler",
            Refusal::ExtensionUsed => "refusal-extension-used",
            Refusal::ExtensionTooLong => "refusal-extension-too-long",
            Refusal::NoExtensionPending => "refusal-no-extension-pending",
            Refusal::ReviewWindowClosed => "refusal-review-window-closed",
            Refusal::NoFurtherReview => "refusal-no-further-review",
            Refusal::TextRequired => "refusal-text-required",
            Refusal::ClockStopped => "refusal-clock-stopped",
            Refusal::ClockRunning => "refusal-clock-running",
            Refusal::AlreadyRated => "refusal-already-rated",
        }
    }
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

fn need_text(s: &str) -> Result<(), Refusal> {
    if s.trim().is_empty() {
        Err(Refusal::TextRequired)
    } else {
        Ok(())
    }
}

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

/// Decides a command: the outcome to store, or why not.
pub fn decide(
    p: &PetitionState,
    command: &Command,
    actor: &Actor,
    cx: &Context<'_>,
) -> Result<Outcome, Refusal> {
    let mut o = decide_step(p, command, actor, cx)?;
    o.attribution = attribute(p, &o, actor);
    // Keep the new state's view of the conclusion clock true to the outcome.
    if o.stop_clocks.contains(&"conclusion") {
        o.new.conclusion_due_on = None;
    }
    if let Some(d) = o.start_deadlines.iter().find(|d| d.clock == "conclusion") {
        o.new.conclusion_due_on = Some(d.due_on);
    }
    if let Some(moved) = o.conclusion_due_on {
        o.new.conclusion_due_on = Some(moved);
    }
    Ok(o)
}

/// Who an event counts for: the agency where it happened and the officer
/// responsible — the assigned handler, or the acting staff member when none
/// is; a transfer names its target, a review's answer the answer it decided.
fn attribute(p: &PetitionState, o: &Outcome, actor: &Actor) -> Attribution {
    let acting = match actor {
        Actor::Staff { id, .. } => Some(*id),
        _ => None,
    };
    let mut a = Attribution {
        agency: Some(p.agency_id),
        officer: p.handler_id.or(acting),
        ..Attribution::default()
    };
    match o.event_kind {
        EventKind::Transferred | EventKind::ReviewRequested => {
            a.other_agency = Some(o.new.agency_id);
        }
        EventKind::Answered if p.round != Round::Original => {
            a.other_agency = p.reviewed_agency_id;
            a.other_officer = p.reviewed_handler_id;
            a.detail = Some(
                p.review_outcome
                    .map_or("unstated", ReviewOutcome::as_str)
                    .to_owned(),
            );
        }
        EventKind::Rated => a.detail = o.new.rating.map(|r| r.as_str().to_owned()),
        _ => {}
    }
    a
}

fn decide_step(
    p: &PetitionState,
    command: &Command,
    actor: &Actor,
    cx: &Context<'_>,
) -> Result<Outcome, Refusal> {
    let Context {
        today,
        kind,
        agency_type,
        parent_agency,
        rules,
        calendar,
    } = *cx;
    use Command as C;
    use State as S;
    if p.state.is_terminal() {
        return Err(Refusal::WrongState(p.state));
    }
    // Who: staff act within their agency and never on a petition that names them.
    let (staff_id, role) = match actor {
        Actor::Staff {
            id,
            role,
            agency_id,
        } => {
            if p.recused_staff.contains(id) {
                return Err(Refusal::Recused);
            }
            if *agency_id != p.agency_id {
                return Err(Refusal::OutOfScope);
            }
            (Some(*id), Some(*role))
        }
        _ => (None, None),
    };
    let is = |roles: &[Role]| role.is_some_and(|r| roles.contains(&r));
    let intake = is(&[Role::IntakeClerk, Role::Supervisor]);
    let supervisor = is(&[Role::Supervisor]);
    let handler_or_supervisor = is(&[Role::Handler, Role::Supervisor]);
    let petitioner = *actor == Actor::Petitioner;

    let mut new = p.clone();
    let outcome = |new: PetitionState, kind: EventKind, public: bool, body: String| Outcome {
        new,
        event_kind: kind,
        public,
        body,
        start_deadlines: Vec::new(),
        stop_clocks: Vec::new(),
        extend_conclusion_by: None,
        conclusion_due_on: None,
        calendar_year: calendar.last_year,
        on: today,
        attribution: Attribution::default(),
    };
    // An approved extension (the days asked for, at most 30) or the days a clock
    // was stopped move the conclusion clock: n calendar days later, on a working day.
    let extend = |o: &mut Outcome, days: u32| {
        o.extend_conclusion_by = Some(days);
        o.conclusion_due_on = p
            .conclusion_due_on
            .map(|due| due_date(calendar, due, Period::Days(days, DayCount::Calendar)));
    };
    let starting = |start: ClockStart| {
        deadlines_starting(
            rules,
            calendar,
            start,
            kind.as_str(),
            agency_type.as_str(),
            today,
        )
    };

    // Investigating and drafting: the assigned handler (or a supervisor), while the
    // petition is with them.
    let investigating = || {
        if !matches!(p.state, S::Assigned | S::Investigating) {
            return Err(Refusal::WrongState(p.state));
        }
        if !handler_or_supervisor {
            return Err(Refusal::WrongRole);
        }
        if role == Some(Role::Handler) && p.handler_id != staff_id {
            return Err(Refusal::NotTheHandler);
        }
        Ok(())
    };

    match command {
        C::Release => {
            if p.state != S::Quarantined {
                return Err(Refusal::WrongState(p.state));
            }
            if !intake {
                return Err(Refusal::WrongRole);
            }
            new.state = S::Received;
            Ok(outcome(new, EventKind::Released, false, String::new()))
        }
        C::Merge { original, reason } => {
            // An intake decision on a new petition: a review belongs to its own matter.
            if p.state != S::Received {
                return Err(Refusal::WrongState(p.state));
            }
            if !intake {
                return Err(Refusal::WrongRole);
            }
            need_text(original)?;
            need_text(reason)?;
            new.state = S::Merged;
            let mut o = outcome(
                new,
                EventKind::Merged,
                true,
                format!("{original}\n{reason}"),
            );
            // The petitioner is told within the acceptance period where their
            // matter is handled: the intake decision is made.
            o.stop_clocks = vec!["acceptance", "procedural_reply", "result_reply"];
            Ok(o)
        }
        C::Accept | C::Decline { .. } | C::Transfer { .. } | C::Redirect { .. } => {
            if !matches!(p.state, S::Received | S::ReviewRequested) {
                return Err(Refusal::WrongState(p.state));
            }
            if !intake {
                return Err(Refusal::WrongRole);
            }
            match command {
                C::Accept => {
                    new.state = S::Accepted;
                    let mut o = outcome(new, EventKind::Accepted, true, String::new());
                    // A review (复查/复核) runs on its own clock: the opinion is due 30 days
                    // from the request, so taking it up neither meets that clock nor starts
                    // the 60-day conclusion clock of a first handling.
                    if p.round == Round::Original {
                        o.stop_clocks = vec!["acceptance", "procedural_reply"];
                        o.start_deadlines = starting(ClockStart::Accepted);
                    }
                    Ok(o)
                }
                C::Decline { reason, citation } => {
                    need_text(reason)?;
                    new.state = S::Declined;
                    let mut o = outcome(
                        new,
                        EventKind::Declined,
                        true,
                        format!("{reason}\n{citation}"),
                    );
                    o.stop_clocks = vec![
                        "acceptance",
                        "procedural_reply",
                        "result_reply",
                        "review_decision",
                    ];
                    Ok(o)
                }
                C::Transfer {
                    to_agency_id,
                    reason,
                } => {
                    need_text(reason)?;
                    new.state = S::Received;
                    new.agency_id = *to_agency_id;
                    let mut o = outcome(new, EventKind::Transferred, true, reason.clone());
                    o.stop_clocks = vec!["acceptance", "procedural_reply", "result_reply"];
                    o.start_deadlines = starting(ClockStart::Received);
                    Ok(o)
                }
                C::Redirect {
                    procedure,
                    citation,
                } => {
                    need_text(procedure)?;
                    new.state = S::Redirected;
                    let mut o = outcome(
                        new,
                        EventKind::Redirected,
                        true,
                        format!("{procedure}\n{citation}"),
                    );
                    o.stop_clocks = vec![
                        "acceptance",
                        "procedural_reply",
                        "result_reply",
                        "review_decision",
                    ];
                    Ok(o)
                }
                _ => unreachable!("matched above"),
            }
        }
        C::Assign { handler_id } => {
            if !matches!(p.state, S::Accepted | S::Assigned | S::Investigating) {
                return Err(Refusal::WrongState(p.state));
            }
            if !supervisor {
                return Err(Refusal::WrongRole);
            }
            if p.recused_staff.contains(handler_id) {
                return Err(Refusal::Recused);
            }
            new.state = S::Assigned;
            new.handler_id = Some(*handler_id);
            Ok(outcome(new, EventKind::Assigned, false, String::new()))
        }
        C::RecordInvestigation { note } | C::AskPetitioner { question: note } => {
            investigating()?;
            need_text(note)?;
            new.state = S::Investigating;
            let asking = matches!(command, C::AskPetitioner { .. });
            Ok(outcome(
                new,
                if asking {
                    EventKind::Question
                } else {
                    EventKind::Investigation
                },
                asking,
                note.clone(),
            ))
        }
        C::DraftAnswer {
            text,
            legal_basis,
            review_outcome,
        } => {
            investigating()?;
            need_text(text)?;
            new.state = S::Drafted;
            new.draft_author_id = staff_id;
            new.draft_text = Some(answer_with_basis(text, legal_basis));
            new.review_outcome = (p.round != Round::Original)
                .then_some(*review_outcome)
                .flatten();
            Ok(outcome(
                new,
                EventKind::Drafted,
                false,
                format!("{text}\n{legal_basis}"),
            ))
        }
        C::Approve | C::ReturnDraft { .. } => {
            if p.state != S::Drafted {
                return Err(Refusal::WrongState(p.state));
            }
            if !supervisor {
                return Err(Refusal::WrongRole);
            }
            if p.draft_author_id == staff_id {
                return Err(Refusal::OwnDraft);
            }
            if let C::ReturnDraft { comments } = command {
                need_text(comments)?;
                new.state = S::Investigating;
                return Ok(outcome(new, EventKind::Returned, false, comments.clone()));
            }
            new.state = S::Answered;
            new.answered_on = Some(today);
            new.rating = None;
            // The answer issued is the approved draft: shown on the status page and mailed.
            new.answer_text = p.draft_text.clone();
            let body = p.draft_text.clone().unwrap_or_default();
            let mut o = outcome(new, EventKind::Answered, true, body);
            o.stop_clocks = vec!["conclusion", "result_reply", "review_decision"];
            if p.round != Round::ReReview {
                o.start_deadlines = starting(ClockStart::Answered);
            }
            Ok(o)
        }
        C::RequestExtension { days, reason } => {
            if !matches!(
                p.state,
                S::Accepted | S::Assigned | S::Investigating | S::Drafted
            ) {
                return Err(Refusal::WrongState(p.state));
            }
            if !handler_or_supervisor {
                return Err(Refusal::WrongRole);
            }
            if p.extension_used || p.extension_pending {
                return Err(Refusal::ExtensionUsed);
            }
            if *days == 0 || *days > MAX_EXTENSION_DAYS {
                return Err(Refusal::ExtensionTooLong);
            }
            need_text(reason)?;
            new.extension_pending = true;
            new.extension_days = *days;
            Ok(outcome(
                new,
                EventKind::ExtensionRequested,
                false,
                format!("{days}\n{reason}"),
            ))
        }
        C::ApproveExtension | C::RefuseExtension { .. } => {
            if !matches!(
                p.state,
                S::Accepted | S::Assigned | S::Investigating | S::Drafted
            ) {
                return Err(Refusal::WrongState(p.state));
            }
            if !p.extension_pending {
                return Err(Refusal::NoExtensionPending);
            }
            if !supervisor {
                return Err(Refusal::WrongRole);
            }
            new.extension_pending = false;
            if let C::RefuseExtension { reason } = command {
                need_text(reason)?;
                return Ok(outcome(
                    new,
                    EventKind::ExtensionRefused,
                    false,
                    reason.clone(),
                ));
            }
            new.extension_used = true;
            let mut o = outcome(
                new,
                EventKind::ExtensionApproved,
                true,
                p.extension_days.to_string(),
            );
            extend(&mut o, p.extension_days.min(MAX_EXTENSION_DAYS));
            Ok(o)
        }
        C::StopClock { .. } | C::ResumeClock => {
            if !matches!(
                p.state,
                S::Accepted | S::Assigned | S::Investigating | S::Drafted
            ) {
                return Err(Refusal::WrongState(p.state));
            }
            if !handler_or_supervisor {
                return Err(Refusal::WrongRole);
            }
            if role == Some(Role::Handler) && p.handler_id != staff_id {
                return Err(Refusal::NotTheHandler);
            }
            if let C::StopClock { reason } = command {
                if p.clock_stopped_on.is_some() {
                    return Err(Refusal::ClockStopped);
                }
                need_text(reason)?;
                new.clock_stopped_on = Some(today);
                return Ok(outcome(new, EventKind::ClockStopped, true, reason.clone()));
            }
            let Some(since) = p.clock_stopped_on else {
                return Err(Refusal::ClockRunning);
            };
            let days = u32::try_from((today - since).num_days().max(0)).unwrap_or(0);
            new.clock_stopped_on = None;
            let mut o = outcome(new, EventKind::ClockResumed, true, days.to_string());
            extend(&mut o, days);
            Ok(o)
        }
        C::Rate { rating } => {
            if p.state != S::Answered {
                return Err(Refusal::WrongState(p.state));
            }
            if !petitioner {
                return Err(Refusal::WrongRole);
            }
            if p.rating.is_some() {
                return Err(Refusal::AlreadyRated);
            }
            new.rating = Some(*rating);
            Ok(outcome(new, EventKind::Rated, true, String::new()))
        }
        C::RequestReview { reason } => {
            if p.state != S::Answered {
                return Err(Refusal::WrongState(p.state));
            }
            if !petitioner {
                return Err(Refusal::WrongRole);
            }
            if p.round == Round::ReReview {
                return Err(Refusal::NoFurtherReview);
            }
            if p.answered_on
                .is_some_and(|a| (today - a).num_days() > REVIEW_WINDOW_DAYS)
            {
                return Err(Refusal::ReviewWindowClosed);
            }
            need_text(reason)?;
            // 复查 and 复核 are decided one level up.
            let Some(parent) = parent_agency else {
                return Err(Refusal::NoFurtherReview);
            };
            new.state = S::ReviewRequested;
            new.agency_id = parent;
            // The answer under review is this agency's, by this handler.
            new.reviewed_agency_id = Some(p.agency_id);
            new.reviewed_handler_id = p.handler_id;
            new.review_outcome = None;
            new.round = if p.round == Round::Original {
                Round::Review
            } else {
                Round::ReReview
            };
            new.handler_id = None;
            new.draft_author_id = None;
            new.extension_used = false;
            let mut o = outcome(new, EventKind::ReviewRequested, true, reason.clone());
            o.stop_clocks = vec!["review_request"];
            o.start_deadlines = starting(ClockStart::ReviewRequested);
            Ok(o)
        }
        C::Close => {
            // Closed when the re-review is answered, or when the review window has passed.
            if p.state != S::Answered {
                return Err(Refusal::WrongState(p.state));
            }
            let window_over = p
                .answered_on
                .is_some_and(|a| (today - a).num_days() > REVIEW_WINDOW_DAYS);
            let allowed = match actor {
                Actor::System => window_over || p.round == Round::ReReview,
                Actor::Staff { .. } => supervisor && (window_over || p.round == Round::ReReview),
                Actor::Petitioner => true,
            };
            if !allowed {
                return Err(if matches!(actor, Actor::Staff { .. }) && !supervisor {
                    Refusal::WrongRole
                } else {
                    Refusal::WrongState(p.state)
                });
            }
            new.state = S::Closed;
            let mut o = outcome(new, EventKind::Closed, true, String::new());
            o.stop_clocks = vec!["review_request"];
            Ok(o)
        }
    }
}

/// The commands a staff console offers, in the order it offers them: the
/// step that usually comes next first (so the first one available is the
/// page's primary action), the ways out of the normal path last.
pub const CONSOLE_ORDER: [&str; 18] = [
    "release",
    "accept",
    "assign",
    "draft_answer",
    "approve",
    "approve_extension",
    "resume_clock",
    "record_investigation",
    "ask_petitioner",
    "return_draft",
    "refuse_extension",
    "request_extension",
    "stop_clock",
    "decline",
    "transfer",
    "redirect",
    "merge",
    "close",
];

/// A command of `name` with stand-in texts and targets, to ask [`decide`]
/// whether it would be allowed (`None` for a name that is no command).
fn stand_in(name: &str, p: &PetitionState) -> Option<Command> {
    let text = || "…".to_owned();
    Some(match name {
        "release" => Command::Release,
        "accept" => Command::Accept,
        "decline" => Command::Decline {
            reason: text(),
            citation: text(),
        },
        "transfer" => Command::Transfer {
            to_agency_id: AgencyId(0),
            reason: text(),
        },
        "redirect" => Command::Redirect {
            procedure: text(),
            citation: text(),
        },
        "merge" => Command::Merge {
            original: text(),
            reason: text(),
        },
        "assign" => Command::Assign {
            handler_id: p.handler_id.unwrap_or(StaffId(0)),
        },
        "record_investigation" => Command::RecordInvestigation { note: text() },
        "ask_petitioner" => Command::AskPetitioner { question: text() },
        "draft_answer" => Command::DraftAnswer {
            text: text(),
            legal_basis: text(),
            review_outcome: None,
        },
        "approve" => Command::Approve,
        "return_draft" => Command::ReturnDraft { comments: text() },
        "request_extension" => Command::RequestExtension {
            days: MAX_EXTENSION_DAYS,
            reason: text(),
        },
        "approve_extension" => Command::ApproveExtension,
        "refuse_extension" => Command::RefuseExtension { reason: text() },
        "stop_clock" => Command::StopClock { reason: text() },
        "resume_clock" => Command::ResumeClock,
        "close" => Command::Close,
        _ => return None,
    })
}

/// The commands `actor` may give on `p` now, in [`CONSOLE_ORDER`]: each is
/// decided with stand-in texts, so the state, the role, recusal, the author
/// of a draft and the clocks decide — the console offers nothing it would
/// then refuse.
pub fn available(p: &PetitionState, actor: &Actor, cx: &Context<'_>) -> Vec<&'static str> {
    CONSOLE_ORDER
        .into_iter()
        .filter(|name| stand_in(name, p).is_some_and(|c| decide(p, &c, actor, cx).is_ok()))
        .collect()
}

/// Where a stage of the petitioner's overview stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StageStatus {
    Done,
    Current,
    Upcoming,
    /// The matter ended here (declined, redirected to litigation, merged).
    Ended,
    /// Not reached because it ended earlier.
    NotReached,
}

/// The stages a petitioner follows: 登记 → 受理 → 办理 → 答复 → 评价/复查.
pub const STAGES: [&str; 5] = ["registered", "accepted", "handling", "answered", "rated"];

/// Each stage of [`STAGES`] for a petition in `state` (a review round runs
/// the same stages again at the body one level up).
pub fn stages(state: State) -> [(&'static str, StageStatus); 5] {
    use StageStatus::*;
    let (current, ended) = match state {
        State::Quarantined | State::Received | State::ReviewRequested => (1, false),
        State::Accepted | State::Assigned | State::Investigating | State::Drafted => (2, false),
        State::Answered => (4, false),
        State::Closed => (5, false),
        State::Declined | State::Redirected | State::Merged => (1, true),
    };
    let mut out = [("", Upcoming); 5];
    for (i, name) in STAGES.into_iter().enumerate() {
        let status = match (i.cmp(&current), ended) {
            (std::cmp::Ordering::Less, _) => Done,
            (std::cmp::Ordering::Equal, false) => Current,
            (std::cmp::Ordering::Equal, true) => Ended,
            (std::cmp::Ordering::Greater, false) => Upcoming,
            (std::cmp::Ordering::Greater, true) => NotReached,
        };
        out[i] = (name, status);
    }
    out
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

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    static CALENDAR: std::sync::LazyLock<Calendar> =
        std::sync::LazyLock::new(|| Calendar::shipped().unwrap());

    const AGENCY: AgencyId = AgencyId(7);
    const PARENT: AgencyId = AgencyId(3);
    const HANDLER: StaffId = StaffId(11);
    const CLERK: StaffId = StaffId(12);
    const SUPERVISOR: StaffId = StaffId(13);
    const AUTHOR: StaffId = StaffId(14);

    fn today() -> NaiveDate {
        "2026-11-26".parse().unwrap()
    }

    fn at(today: NaiveDate, agency_type: AgencyType) -> Context<'static> {
        Context {
            today,
            kind: PetitionKind::Complaint,
            agency_type,
            parent_agency: Some(PARENT),
            rules: ClockRules::official(),
            calendar: &CALENDAR,
        }
    }

    fn cx() -> Context<'static> {
        at(today(), AgencyType::Court)
    }

    fn actors() -> Vec<(&'static str, Actor)> {
        let staff = |id, role| Actor::Staff {
            id,
            role,
            agency_id: AGENCY,
        };
        vec![
            ("intake_clerk", staff(CLERK, Role::IntakeClerk)),
            ("handler", staff(HANDLER, Role::Handler)),
            ("supervisor", staff(SUPERVISOR, Role::Supervisor)),
            ("auditor", staff(StaffId(15), Role::Auditor)),
            ("admin", staff(StaffId(16), Role::Admin)),
            ("petitioner", Actor::Petitioner),
            ("system", Actor::System),
        ]
    }

    fn commands() -> Vec<Command> {
        vec![
            Command::Release,
            Command::Accept,
            Command::Decline {
                reason: "不属于本机关职权范围".into(),
                citation: "《信访工作条例》".into(),
            },
            Command::Transfer {
                to_agency_id: AgencyId(8),
                reason: "转送有权处理机关".into(),
            },
            Command::Redirect {
                procedure: "申请再审".into(),
                citation: "《民事诉讼法》第二百一十条".into(),
            },
            Command::Merge {
                original: "MJ26-K3FQ9-X2MAP".into(),
                reason: "同一信访人就同一事项重复提出".into(),
            },
            Command::Assign {
                handler_id: HANDLER,
            },
            Command::RecordInvestigation {
                note: "已调取执法记录仪视频".into(),
            },
            Command::AskPetitioner {
                question: "请提供缴费凭证".into(),
            },
            Command::DraftAnswer {
                text: "经查，情况属实".into(),
                legal_basis: "《行政处罚法》".into(),
                review_outcome: None,
            },
            Command::Approve,
            Command::ReturnDraft {
                comments: "请补充法律依据".into(),
            },
            Command::RequestExtension {
                days: 30,
                reason: "需要调取异地证据".into(),
            },
            Command::ApproveExtension,
            Command::RefuseExtension {
                reason: "理由不充分".into(),
            },
            Command::StopClock {
                reason: "等待信访人补充材料".into(),
            },
            Command::ResumeClock,
            Command::Rate {
                rating: Rating::Satisfied,
            },
            Command::RequestReview {
                reason: "对答复不服".into(),
            },
            Command::Close,
        ]
    }

    fn petition(state: State, command: &Command) -> PetitionState {
        PetitionState {
            state,
            round: Round::Original,
            agency_id: AGENCY,
            handler_id: Some(HANDLER),
            draft_author_id: Some(AUTHOR),
            extension_used: false,
            extension_pending: matches!(
                command,
                Command::ApproveExtension | Command::RefuseExtension { .. }
            ),
            rating: None,
            answered_on: Some(today()),
            extension_days: 30,
            clock_stopped_on: matches!(command, Command::ResumeClock).then(today),
            recused_staff: vec![],
            draft_text: Some("经查，情况属实".into()),
            answer_text: None,
            conclusion_due_on: Some(today() + chrono::Days::new(40)),
            reviewed_agency_id: None,
            reviewed_handler_id: None,
            review_outcome: None,
        }
    }

    /// The legal (state, command, role) triples, written out independently of `decide`.
    fn legal(state: State, command: &str, role: &str) -> bool {
        use State::*;
        let intake = ["intake_clerk", "supervisor"].contains(&role);
        let handling = ["handler", "supervisor"].contains(&role);
        let working = [Accepted, Assigned, Investigating, Drafted].contains(&state);
        match command {
            "release" => state == Quarantined && intake,
            "merge" => state == Received && intake,
            "accept" | "decline" | "transfer" | "redirect" => {
                [Received, ReviewRequested].contains(&state) && intake
            }
            "assign" => {
                [Accepted, Assigned, Investigating].contains(&state) && role == "supervisor"
            }
            "record_investigation" | "ask_petitioner" | "draft_answer" => {
                [Assigned, Investigating].contains(&state) && handling
            }
            "approve" | "return_draft" => state == Drafted && role == "supervisor",
            "request_extension" => working && handling,
            "approve_extension" | "refuse_extension" => working && role == "supervisor",
            "stop_clock" | "resume_clock" => working && handling,
            "rate" | "request_review" | "close" => state == Answered && role == "petitioner",
            other => panic!("unknown command {other}"),
        }
    }

    #[test]
    fn only_the_legal_state_command_role_triples_succeed() {
        let mut checked = 0;
        for state in State::ALL {
            for command in commands() {
                for (role, actor) in actors() {
                    let result = decide(&petition(state, &command), &command, &actor, &cx());
                    assert_eq!(
                        result.is_ok(),
                        legal(state, command.name(), role),
                        "{state:?} × {} × {role}: {result:?}",
                        command.name()
                    );
                    checked += 1;
                }
            }
        }
        assert_eq!(checked, 12 * 20 * 7);
    }

    #[test]
    fn the_console_offers_exactly_what_the_workflow_allows_the_next_step_first() {
        for state in State::ALL {
            for (role, actor) in actors() {
                let p = petition(state, &Command::Accept);
                let offered = available(&p, &actor, &cx());
                for name in CONSOLE_ORDER {
                    // What the fixture's petition holds besides state and role:
                    // no extension pending, the clock running, another's draft.
                    let conditions = match name {
                        "approve_extension" | "refuse_extension" => p.extension_pending,
                        "resume_clock" => p.clock_stopped_on.is_some(),
                        _ => true,
                    };
                    assert_eq!(
                        offered.contains(&name),
                        legal(state, name, role) && conditions,
                        "{state:?} × {name} × {role}: {offered:?}"
                    );
                }
            }
        }
        let handler = Actor::Staff {
            id: HANDLER,
            role: Role::Handler,
            agency_id: AGENCY,
        };
        let p = petition(State::Investigating, &Command::Accept);
        assert_eq!(available(&p, &handler, &cx())[0], "draft_answer");
        let clerk = Actor::Staff {
            id: CLERK,
            role: Role::IntakeClerk,
            agency_id: AGENCY,
        };
        let p = petition(State::Received, &Command::Accept);
        assert_eq!(
            available(&p, &clerk, &cx()),
            vec!["accept", "decline", "transfer", "redirect", "merge"]
        );
        // A handler is offered no approval.
        let p = petition(State::Drafted, &Command::Accept);
        assert!(!available(&p, &handler, &cx()).contains(&"approve"));
    }

    #[test]
    fn staff_of_another_agency_and_recused_staff_are_refused() {
        let mut p = petition(State::Received, &Command::Accept);
        let outsider = Actor::Staff {
            id: StaffId(99),
            role: Role::Supervisor,
            agency_id: AgencyId(AGENCY.0 + 1),
        };
        assert_eq!(
            decide(&p, &Command::Accept, &outsider, &cx()),
            Err(Refusal::OutOfScope)
        );
        p.recused_staff = vec![SUPERVISOR];
        let named = Actor::Staff {
            id: SUPERVISOR,
            role: Role::Supervisor,
            agency_id: AGENCY,
        };
        assert_eq!(
            decide(&p, &Command::Accept, &named, &cx()),
            Err(Refusal::Recused)
        );
        let mut p = petition(
            State::Accepted,
            &Command::Assign {
                handler_id: HANDLER,
            },
        );
        p.recused_staff = vec![HANDLER];
        let boss = Actor::Staff {
            id: SUPERVISOR,
            role: Role::Supervisor,
            agency_id: AGENCY,
        };
        assert_eq!(
            decide(
                &p,
                &Command::Assign {
                    handler_id: HANDLER
                },
                &boss,
                &cx()
            ),
            Err(Refusal::Recused)
        );
    }

    #[test]
    fn nobody_approves_their_own_draft_and_extensions_are_bounded() {
        let mut p = petition(State::Drafted, &Command::Approve);
        p.draft_author_id = Some(SUPERVISOR);
        let boss = Actor::Staff {
            id: SUPERVISOR,
            role: Role::Supervisor,
            agency_id: AGENCY,
        };
        assert_eq!(
            decide(&p, &Command::Approve, &boss, &cx()),
            Err(Refusal::OwnDraft)
        );
        let handler = Actor::Staff {
            id: HANDLER,
            role: Role::Handler,
            agency_id: AGENCY,
        };
        let p = petition(State::Investigating, &Command::Accept);
        let long = Command::RequestExtension {
            days: 31,
            reason: "x".into(),
        };
        assert_eq!(
            decide(&p, &long, &handler, &cx()),
            Err(Refusal::ExtensionTooLong)
        );
        let mut used = p.clone();
        used.extension_used = true;
        let ok = Command::RequestExtension {
            days: 30,
            reason: "x".into(),
        };
        assert_eq!(
            decide(&used, &ok, &handler, &cx()),
            Err(Refusal::ExtensionUsed)
        );
    }

    #[test]
    fn reviews_go_round_twice_then_the_matter_closes() {
        let mut p = petition(State::Answered, &Command::Accept);
        let review = Command::RequestReview {
            reason: "不服".into(),
        };
        let o = decide(&p, &review, &Actor::Petitioner, &cx()).unwrap();
        assert_eq!(
            (o.new.state, o.new.round),
            (State::ReviewRequested, Round::Review)
        );
        assert_eq!(o.start_deadlines[0].clock, "review_decision");
        p.round = Round::ReReview;
        assert_eq!(
            decide(&p, &review, &Actor::Petitioner, &cx()),
            Err(Refusal::NoFurtherReview)
        );
        p.round = Round::Original;
        let late = today() + chrono::Days::new(31);
        assert_eq!(
            decide(
                &p,
                &review,
                &Actor::Petitioner,
                &at(late, AgencyType::Court)
            ),
            Err(Refusal::ReviewWindowClosed)
        );
        assert_eq!(
            decide(
                &p,
                &Command::Close,
                &Actor::System,
                &at(late, AgencyType::Court)
            )
            .unwrap()
            .new
            .state,
            State::Closed
        );
    }

    #[test]
    fn taking_up_a_review_leaves_its_thirty_day_clock_running_until_the_opinion() {
        let mut p = petition(State::ReviewRequested, &Command::Accept);
        p.round = Round::Review;
        let clerk = Actor::Staff {
            id: CLERK,
            role: Role::IntakeClerk,
            agency_id: AGENCY,
        };
        let o = decide(&p, &Command::Accept, &clerk, &cx()).unwrap();
        assert!(o.stop_clocks.is_empty(), "{:?}", o.stop_clocks);
        assert!(o.start_deadlines.is_empty(), "no 60-day clock in a review");
        let mut drafted = p.clone();
        drafted.state = State::Drafted;
        let boss = Actor::Staff {
            id: SUPERVISOR,
            role: Role::Supervisor,
            agency_id: AGENCY,
        };
        let answered = decide(&drafted, &Command::Approve, &boss, &cx()).unwrap();
        assert!(answered.stop_clocks.contains(&"review_decision"));
        // A first handling: accepting meets the acceptance clock and starts the conclusion clock.
        let first = petition(State::Received, &Command::Accept);
        let o = decide(&first, &Command::Accept, &clerk, &cx()).unwrap();
        assert_eq!(o.stop_clocks, vec!["acceptance", "procedural_reply"]);
        assert_eq!(o.start_deadlines[0].clock, "conclusion");
    }

    #[test]
    fn a_review_goes_one_level_up_and_stops_at_the_top() {
        let p = petition(State::Answered, &Command::Accept);
        let review = Command::RequestReview {
            reason: "不服".into(),
        };
        let o = decide(&p, &review, &Actor::Petitioner, &cx()).unwrap();
        assert_eq!(o.new.agency_id, PARENT, "the body one level up decides it");
        assert_eq!(o.new.handler_id, None);
        let top = Context {
            parent_agency: None,
            ..cx()
        };
        assert_eq!(
            decide(&p, &review, &Actor::Petitioner, &top),
            Err(Refusal::NoFurtherReview)
        );
    }

    #[test]
    fn the_approved_draft_is_the_answer_and_an_extension_moves_the_conclusion() {
        let handler = Actor::Staff {
            id: HANDLER,
            role: Role::Handler,
            agency_id: AGENCY,
        };
        let boss = Actor::Staff {
            id: SUPERVISOR,
            role: Role::Supervisor,
            agency_id: AGENCY,
        };
        let p = petition(State::Investigating, &Command::Accept);
        let draft = Command::DraftAnswer {
            text: "经查，情况属实".into(),
            legal_basis: "《信访工作条例》".into(),
            review_outcome: None,
        };
        let drafted = decide(&p, &draft, &handler, &cx()).unwrap().new;
        assert_eq!(
            drafted.draft_text.as_deref(),
            Some("经查，情况属实\n\n《信访工作条例》")
        );
        let answered = decide(&drafted, &Command::Approve, &boss, &cx()).unwrap();
        assert_eq!(answered.new.answer_text, drafted.draft_text);
        assert_eq!(answered.body, "经查，情况属实\n\n《信访工作条例》");
        assert_eq!(
            answered.new.conclusion_due_on, None,
            "the conclusion clock is met"
        );

        // 30 days on a conclusion due Tuesday 2026-12-15: Thursday 2027-01-14.
        let mut pending = petition(State::Investigating, &Command::ApproveExtension);
        pending.conclusion_due_on = Some("2026-12-15".parse().unwrap());
        let o = decide(&pending, &Command::ApproveExtension, &boss, &cx()).unwrap();
        assert_eq!(o.extend_conclusion_by, Some(30));
        assert_eq!(o.conclusion_due_on, Some("2027-01-14".parse().unwrap()));
        assert_eq!(o.new.conclusion_due_on, o.conclusion_due_on);
    }

    #[test]
    fn a_recused_actor_is_refused_even_when_the_caller_found_the_petition() {
        let mut p = petition(State::Investigating, &Command::Accept);
        p.recused_staff = vec![HANDLER];
        let handler = Actor::Staff {
            id: HANDLER,
            role: Role::Handler,
            agency_id: AGENCY,
        };
        let note = Command::RecordInvestigation {
            note: "调取记录".into(),
        };
        assert_eq!(decide(&p, &note, &handler, &cx()), Err(Refusal::Recused));
    }

    fn arb_command() -> impl Strategy<Value = Command> {
        (0..commands().len()).prop_map(|i| commands()[i].clone())
    }

    fn arb_actor() -> impl Strategy<Value = Actor> {
        prop_oneof![
            (0..actors().len()).prop_map(|i| actors()[i].1.clone()),
            Just(Actor::Staff {
                id: AUTHOR,
                role: Role::Supervisor,
                agency_id: AGENCY
            }),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(400))]
        /// Any sequence of commands: no terminal state is left, nobody approves
        /// their own draft, and no deadline moves earlier.
        #[test]
        fn random_command_sequences_keep_the_invariants(steps in proptest::collection::vec((arb_command(), arb_actor(), 0u64..5), 1..60)) {
            let mut p = PetitionState { state: State::Received, round: Round::Original, agency_id: AGENCY, handler_id: None, draft_author_id: None, extension_used: false, extension_pending: false, rating: None, answered_on: None, extension_days: 0, clock_stopped_on: None, recused_staff: vec![], draft_text: None, answer_text: None, conclusion_due_on: None, reviewed_agency_id: None, reviewed_handler_id: None, review_outcome: None };
            let mut day = today();
            let mut due: std::collections::HashMap<String, NaiveDate> = std::collections::HashMap::new();
            for (command, actor, advance) in steps {
                day = day + chrono::Days::new(advance);
                let before = p.clone();
                // The body one level up is played by the same staff, so reviews run their cycle too.
                let cx = Context { parent_agency: Some(AGENCY), ..at(day, AgencyType::Procuratorate) };
                match decide(&p, &command, &actor, &cx) {
                    Ok(o) => {
                        prop_assert!(!before.state.is_terminal(), "left terminal state {:?}", before.state);
                        if command == Command::Approve {
                            let Actor::Staff { id, .. } = actor else { panic!("only staff approve") };
                            prop_assert_ne!(Some(id), before.draft_author_id);
                        }
                        for d in &o.start_deadlines {
                            if let Some(old) = due.get(&d.clock) {
                                prop_assert!(d.due_on >= *old, "{} moved earlier", d.clock);
                            }
                            due.insert(d.clock.clone(), d.due_on);
                        }
                        if let (Some(moved), Some(old)) = (o.conclusion_due_on, due.get("conclusion")) {
                            prop_assert!(moved >= *old, "conclusion moved earlier");
                        }
                        if let (Some(days), Some(old)) = (o.extend_conclusion_by, due.get_mut("conclusion")) {
                            *old = *old + chrono::Days::new(u64::from(days));
                        }
                        p = o.new;
                    }
                    Err(_) => prop_assert_eq!(&p, &before),
                }
            }
        }
    }

    #[test]
    fn the_petitioner_sees_where_the_matter_stands() {
        let current = |state| {
            stages(state)
                .iter()
                .position(|(_, s)| *s == StageStatus::Current)
        };
        assert_eq!(current(State::Received), Some(1));
        assert_eq!(current(State::Investigating), Some(2));
        assert_eq!(current(State::Answered), Some(4));
        assert_eq!(current(State::Closed), None);
        assert!(
            stages(State::Closed)
                .iter()
                .all(|(_, s)| *s == StageStatus::Done)
        );
        let declined = stages(State::Declined);
        assert_eq!(declined[1].1, StageStatus::Ended);
        assert_eq!(declined[4].1, StageStatus::NotReached);
        for state in State::ALL {
            assert_eq!(
                stages(state)[0].1,
                StageStatus::Done,
                "{state:?}: registered"
            );
        }
    }
}

#[cfg(test)]
mod answer_split_tests {
    use super::*;

    #[test]
    fn an_answer_splits_back_into_text_and_basis() {
        let issued = answer_with_basis(
            "经查，反映属实。\n\n已责令整改。",
            "《信访工作条例》第三十二条",
        );
        assert_eq!(
            split_answer(&issued),
            (
                "经查，反映属实。\n\n已责令整改。",
                Some("《信访工作条例》第三十二条")
            )
        );
        assert_eq!(split_answer("只有正文"), ("只有正文", None));
    }
}
