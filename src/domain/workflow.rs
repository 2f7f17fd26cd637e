//! The petition workflow as a pure function: (petition, command, actor, now,
//! rules) → the events that happen, or a typed refusal. Nothing here reads a
//! clock or a database; handlers and the JSON API call the same function.
//!
//! 登记 received → 受理 accepted | 不予受理 declined | 转送 transferred (received
//! again at the competent agency) | 导入诉讼程序 redirected → 交办 assigned →
//! 调查 investigating → 拟答复 drafted → 审批 approved → 答复 answered → the
//! petitioner rates it and may request a review (复查) one level up within 30
//! days, which runs the same cycle; then a re-review (复核); then 终结 closed.

use super::clock::{Calendar, ClockRules, ClockStart, Deadline, deadlines_starting};
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
}

impl State {
    pub const ALL: [State; 11] = [
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

    /// An answer has been issued (the petitioner may rate or ask for a review).
    pub fn is_answered(self) -> bool {
        self == State::Answered
    }

    /// Nothing more can happen.
    pub fn is_terminal(self) -> bool {
        matches!(self, State::Declined | State::Redirected | State::Closed)
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

/// 满意度
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rating {
    Satisfied,
    BasicallySatisfied,
    Unsatisfied,
}

/// Who acts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    Staff {
        id: i32,
        role: Role,
        agency_id: i32,
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
    pub agency_id: i32,
    pub handler_id: Option<i32>,
    pub draft_author_id: Option<i32>,
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
    pub recused_staff: Vec<i32>,
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
        to_agency_id: i32,
        reason: String,
    },
    Redirect {
        procedure: String,
        citation: String,
    },
    Assign {
        handler_id: i32,
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
        }
    }
}

/// What happened, to be stored as timeline events and applied to the petition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub new: PetitionState,
    /// The timeline event: its kind, whether the petitioner sees it, and its text.
    pub event_kind: &'static str,
    pub public: bool,
    pub body: String,
    /// Deadlines that start now (they replace the open ones of the same clock).
    pub start_deadlines: Vec<Deadline>,
    /// Clocks that are met and stop now.
    pub stop_clocks: Vec<&'static str>,
    /// An extension of the conclusion clock, in days.
    pub extend_conclusion_by: Option<u32>,
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

/// Decides a command. `kind` and `agency_type` select the clock rules.
#[allow(clippy::too_many_arguments)]
pub fn decide(
    p: &PetitionState,
    command: &Command,
    actor: &Actor,
    today: NaiveDate,
    kind: &str,
    agency_type: &str,
    rules: &ClockRules,
    calendar: &Calendar,
) -> Result<Outcome, Refusal> {
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
    let outcome = |new: PetitionState, kind: &'static str, public: bool, body: String| Outcome {
        new,
        event_kind: kind,
        public,
        body,
        start_deadlines: Vec::new(),
        stop_clocks: Vec::new(),
        extend_conclusion_by: None,
    };
    let starting =
        |start: ClockStart| deadlines_starting(rules, calendar, start, kind, agency_type, today);

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
            Ok(outcome(new, "released", false, String::new()))
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
                    let mut o = outcome(new, "accepted", true, String::new());
                    o.stop_clocks = vec!["acceptance", "procedural_reply", "review_decision"];
                    o.start_deadlines = starting(ClockStart::Accepted);
                    Ok(o)
                }
                C::Decline { reason, citation } => {
                    need_text(reason)?;
                    new.state = S::Declined;
                    let mut o = outcome(new, "declined", true, format!("{reason}\n{citation}"));
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
                    let mut o = outcome(new, "transferred", true, reason.clone());
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
                    let mut o =
                        outcome(new, "redirected", true, format!("{procedure}\n{citation}"));
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
            Ok(outcome(new, "assigned", false, String::new()))
        }
        C::RecordInvestigation { note } | C::AskPetitioner { question: note } => {
            investigating()?;
            need_text(note)?;
            new.state = S::Investigating;
            let asking = matches!(command, C::AskPetitioner { .. });
            Ok(outcome(
                new,
                if asking { "question" } else { "investigation" },
                asking,
                note.clone(),
            ))
        }
        C::DraftAnswer { text, legal_basis } => {
            investigating()?;
            need_text(text)?;
            new.state = S::Drafted;
            new.draft_author_id = staff_id;
            Ok(outcome(
                new,
                "drafted",
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
                return Ok(outcome(new, "returned", false, comments.clone()));
            }
            new.state = S::Answered;
            new.answered_on = Some(today);
            new.rating = None;
            let mut o = outcome(new, "answered", true, String::new());
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
                "extension_requested",
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
                return Ok(outcome(new, "extension_refused", false, reason.clone()));
            }
            new.extension_used = true;
            let mut o = outcome(
                new,
                "extension_approved",
                true,
                p.extension_days.to_string(),
            );
            o.extend_conclusion_by = Some(p.extension_days.min(MAX_EXTENSION_DAYS));
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
                return Ok(outcome(new, "clock_stopped", true, reason.clone()));
            }
            let Some(since) = p.clock_stopped_on else {
                return Err(Refusal::ClockRunning);
            };
            let days = u32::try_from((today - since).num_days().max(0)).unwrap_or(0);
            new.clock_stopped_on = None;
            let mut o = outcome(new, "clock_resumed", true, days.to_string());
            o.extend_conclusion_by = Some(days);
            Ok(o)
        }
        C::Rate { rating } => {
            if p.state != S::Answered {
                return Err(Refusal::WrongState(p.state));
            }
            if !petitioner {
                return Err(Refusal::WrongRole);
            }
            new.rating = Some(*rating);
            Ok(outcome(new, "rated", true, String::new()))
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
            new.state = S::ReviewRequested;
            new.round = if p.round == Round::Original {
                Round::Review
            } else {
                Round::ReReview
            };
            new.handler_id = None;
            new.draft_author_id = None;
            new.extension_used = false;
            // The agency one level up takes it over; the caller supplies it.
            let mut o = outcome(new, "review_requested", true, reason.clone());
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
            let mut o = outcome(new, "closed", true, String::new());
            o.stop_clocks = vec!["review_request"];
            Ok(o)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const AGENCY: i32 = 7;
    const HANDLER: i32 = 11;
    const CLERK: i32 = 12;
    const SUPERVISOR: i32 = 13;
    const AUTHOR: i32 = 14;

    fn today() -> NaiveDate {
        "2026-11-26".parse().unwrap()
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
            ("auditor", staff(15, Role::Auditor)),
            ("admin", staff(16, Role::Admin)),
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
                to_agency_id: 8,
                reason: "转送有权处理机关".into(),
            },
            Command::Redirect {
                procedure: "申请再审".into(),
                citation: "《民事诉讼法》第二百一十条".into(),
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
        let rules = ClockRules::official();
        let cal = Calendar::official();
        let mut checked = 0;
        for state in State::ALL {
            for command in commands() {
                for (role, actor) in actors() {
                    let result = decide(
                        &petition(state, &command),
                        &command,
                        &actor,
                        today(),
                        "complaint",
                        "court",
                        rules,
                        cal,
                    );
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
        assert_eq!(checked, 11 * 19 * 7);
    }

    #[test]
    fn staff_of_another_agency_and_recused_staff_are_refused() {
        let rules = ClockRules::official();
        let cal = Calendar::official();
        let mut p = petition(State::Received, &Command::Accept);
        let outsider = Actor::Staff {
            id: 99,
            role: Role::Supervisor,
            agency_id: AGENCY + 1,
        };
        assert_eq!(
            decide(
                &p,
                &Command::Accept,
                &outsider,
                today(),
                "complaint",
                "court",
                rules,
                cal
            ),
            Err(Refusal::OutOfScope)
        );
        p.recused_staff = vec![SUPERVISOR];
        let named = Actor::Staff {
            id: SUPERVISOR,
            role: Role::Supervisor,
            agency_id: AGENCY,
        };
        assert_eq!(
            decide(
                &p,
                &Command::Accept,
                &named,
                today(),
                "complaint",
                "court",
                rules,
                cal
            ),
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
                today(),
                "complaint",
                "court",
                rules,
                cal
            ),
            Err(Refusal::Recused)
        );
    }

    #[test]
    fn nobody_approves_their_own_draft_and_extensions_are_bounded() {
        let rules = ClockRules::official();
        let cal = Calendar::official();
        let mut p = petition(State::Drafted, &Command::Approve);
        p.draft_author_id = Some(SUPERVISOR);
        let boss = Actor::Staff {
            id: SUPERVISOR,
            role: Role::Supervisor,
            agency_id: AGENCY,
        };
        assert_eq!(
            decide(
                &p,
                &Command::Approve,
                &boss,
                today(),
                "complaint",
                "court",
                rules,
                cal
            ),
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
            decide(
                &p,
                &long,
                &handler,
                today(),
                "complaint",
                "court",
                rules,
                cal
            ),
            Err(Refusal::ExtensionTooLong)
        );
        let mut used = p.clone();
        used.extension_used = true;
        let ok = Command::RequestExtension {
            days: 30,
            reason: "x".into(),
        };
        assert_eq!(
            decide(
                &used,
                &ok,
                &handler,
                today(),
                "complaint",
                "court",
                rules,
                cal
            ),
            Err(Refusal::ExtensionUsed)
        );
    }

    #[test]
    fn reviews_go_round_twice_then_the_matter_closes() {
        let rules = ClockRules::official();
        let cal = Calendar::official();
        let mut p = petition(State::Answered, &Command::Accept);
        let review = Command::RequestReview {
            reason: "不服".into(),
        };
        let o = decide(
            &p,
            &review,
            &Actor::Petitioner,
            today(),
            "complaint",
            "court",
            rules,
            cal,
        )
        .unwrap();
        assert_eq!(
            (o.new.state, o.new.round),
            (State::ReviewRequested, Round::Review)
        );
        assert_eq!(o.start_deadlines[0].clock, "review_decision");
        p.round = Round::ReReview;
        assert_eq!(
            decide(
                &p,
                &review,
                &Actor::Petitioner,
                today(),
                "complaint",
                "court",
                rules,
                cal
            ),
            Err(Refusal::NoFurtherReview)
        );
        p.round = Round::Original;
        let late = today() + chrono::Days::new(31);
        assert_eq!(
            decide(
                &p,
                &review,
                &Actor::Petitioner,
                late,
                "complaint",
                "court",
                rules,
                cal
            ),
            Err(Refusal::ReviewWindowClosed)
        );
        assert_eq!(
            decide(
                &p,
                &Command::Close,
                &Actor::System,
                late,
                "complaint",
                "court",
                rules,
                cal
            )
            .unwrap()
            .new
            .state,
            State::Closed
        );
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
            let rules = ClockRules::official();
            let cal = Calendar::official();
            let mut p = PetitionState { state: State::Received, round: Round::Original, agency_id: AGENCY, handler_id: None, draft_author_id: None, extension_used: false, extension_pending: false, rating: None, answered_on: None, extension_days: 0, clock_stopped_on: None, recused_staff: vec![] };
            let mut day = today();
            let mut due: std::collections::HashMap<String, NaiveDate> = std::collections::HashMap::new();
            for (command, actor, advance) in steps {
                day = day + chrono::Days::new(advance);
                let before = p.clone();
                match decide(&p, &command, &actor, day, "complaint", "procuratorate", rules, cal) {
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
}
