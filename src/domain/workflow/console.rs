//! What a staff console offers — the commands the workflow would allow now,
//! the next step first — and the stages a petitioner follows on the status
//! page; with how an answer carries its legal basis.

use super::{Actor, Command, Context, MAX_EXTENSION_DAYS, PetitionState, State, decide};
use crate::domain::ids::{AgencyId, StaffId};

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

/// Whether `name` moves a petition in `state` on along its path — what the
/// console may call "下一步". Assigning an assigned petition is a
/// reassignment, an extension or a stopped clock a way round, a decline or
/// a transfer a way out, drafting someone else's petition their work:
/// offered, but never announced as the next step.
fn moves_forward(p: &PetitionState, actor: &Actor, name: &str) -> bool {
    let state = p.state;
    match name {
        "release" => state == State::Quarantined,
        "accept" => matches!(state, State::Received | State::ReviewRequested),
        "assign" => state == State::Accepted,
        // The assigned handler's job: a supervisor may draft too, but it is
        // not their next step on a petition they gave to someone.
        "draft_answer" => {
            matches!(state, State::Assigned | State::Investigating)
                && matches!(actor, Actor::Staff { id, .. } if p.handler_id == Some(*id))
        }
        "approve" => state == State::Drafted,
        // Someone waits on these whatever the state: the handler for the
        // extension's answer, the clock for its restart.
        "approve_extension" | "resume_clock" => true,
        "close" => state == State::Answered,
        _ => false,
    }
}

/// What a console shows `actor` on `p`: the next step, when this person has
/// one, and the other acts they may take, in [`CONSOLE_ORDER`].
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Offer {
    pub next: Option<&'static str>,
    pub others: Vec<&'static str>,
}

/// [`available`] split into the next step and the rest: the next step is the
/// first available act that moves the petition on ([`moves_forward`]);
/// when there is none, the petition waits on someone else.
pub fn offer(p: &PetitionState, actor: &Actor, cx: &Context<'_>) -> Offer {
    let all = available(p, actor, cx);
    let next = all.iter().copied().find(|n| moves_forward(p, actor, n));
    Offer {
        next,
        others: all.into_iter().filter(|n| Some(*n) != next).collect(),
    }
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
