//! What can be asked of the workflow, and why it may be refused.

use super::{Rating, ReviewOutcome, State};
use crate::domain::ids::{AgencyId, StaffId};
use serde::{Deserialize, Serialize};

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
    /// 评价 — final once given; the reason (optional) tells the agency why.
    Rate {
        rating: Rating,
        #[serde(default)]
        reason: String,
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
    /// A draft still holding an answer template's placeholder (named): it
    /// would reach the petitioner as "（写明处理措施…）".
    #[error("the draft still holds the placeholder {0}")]
    PlaceholderLeft(String),
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
            Refusal::PlaceholderLeft(_) => "refusal-placeholder-left",
        }
    }

    /// What the refusal names, to be said with it.
    pub fn names(&self) -> Option<&str> {
        match self {
            Refusal::PlaceholderLeft(p) => Some(p),
            _ => None,
        }
    }
}
