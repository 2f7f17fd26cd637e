//! 执法告知 — the written notices (告知书) the rules owe the petitioner on the
//! way to an answer: accepted (受理告知书), not accepted and why (不予受理
//! 告知书, also when the matter belongs to another procedure), sent on to the
//! body responsible (转送告知书), the time limit extended and why (延期办理
//! 告知书), a review or re-review taken up (复查/复核受理告知书).
//!
//! Which workflow step owes which notice, and the rule it cites, is data
//! (`rules/notices.toml`). A notice is an issued letter like an answer
//! (`domain::letter`): its facts are frozen in the transaction of the step
//! that issues it, every copy is signed, and nothing later changes it.

use super::events::EventKind;
use super::letter::{LetterKind, Names, Signatory};
use super::workflow::Round;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::sync::LazyLock;

/// A workflow step that owes the petitioner a notice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    /// 受理 in a first handling.
    Accepted,
    /// 受理 of a review (复查) or re-review (复核).
    ReviewAccepted,
    /// 不予受理.
    Declined,
    /// 不予受理, to be brought by another procedure (诉讼、仲裁、复议…).
    Redirected,
    /// 转送.
    Transferred,
    /// 延期 — an extension of the conclusion clock approved.
    Extended,
}

impl Step {
    pub const ALL: [Step; 6] = [
        Step::Accepted,
        Step::ReviewAccepted,
        Step::Declined,
        Step::Redirected,
        Step::Transferred,
        Step::Extended,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Step::Accepted => "accepted",
            Step::ReviewAccepted => "review_accepted",
            Step::Declined => "declined",
            Step::Redirected => "redirected",
            Step::Transferred => "transferred",
            Step::Extended => "extended",
        }
    }

    /// The step a workflow event is, when it owes a notice; `round` is the
    /// petition's round after the event.
    pub fn of(event: EventKind, round: Round) -> Option<Step> {
        match event {
            EventKind::Accepted if round == Round::Original => Some(Step::Accepted),
            EventKind::Accepted => Some(Step::ReviewAccepted),
            EventKind::Declined => Some(Step::Declined),
            EventKind::Redirected => Some(Step::Redirected),
            EventKind::Transferred => Some(Step::Transferred),
            EventKind::ExtensionApproved => Some(Step::Extended),
            _ => None,
        }
    }

    /// The notice this step issues and the rule it cites.
    pub fn rule(self) -> &'static NoticeRule {
        RULES
            .iter()
            .find(|r| r.step == self)
            // `every_step_has_one_rule` reads the shipped file.
            .unwrap_or(&FALLBACK)
    }
}

/// One line of `rules/notices.toml`.
#[derive(Debug, Clone, Deserialize)]
pub struct NoticeRule {
    pub step: Step,
    pub kind: LetterKind,
    pub citation_zh: String,
    pub citation_en: String,
}

impl NoticeRule {
    pub fn citation(&self) -> Names {
        Names::of(&self.citation_zh, &self.citation_en)
    }
}

#[derive(Deserialize)]
struct File {
    notice: Vec<NoticeRule>,
}

static RULES: LazyLock<Vec<NoticeRule>> = LazyLock::new(|| {
    toml::from_str::<File>(include_str!("rules/notices.toml"))
        .map(|f| f.notice)
        // Compiled in and read by a unit test: empty only in a build that failed its tests.
        .unwrap_or_default()
});

static FALLBACK: LazyLock<NoticeRule> = LazyLock::new(|| NoticeRule {
    step: Step::Accepted,
    kind: LetterKind::AcceptanceNotice,
    citation_zh: "《信访工作条例》（2022年）".to_owned(),
    citation_en: "Regulations on Letters and Visits (2022)".to_owned(),
});

/// What a notice states, by the step that issued it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum Stated {
    /// Accepted: the body handles it and must conclude it by `due_on`.
    Accepted { due_on: Option<NaiveDate> },
    /// A review or re-review taken up: the opinion is due by `due_on`.
    ReviewAccepted {
        round: Round,
        due_on: Option<NaiveDate>,
    },
    /// Not accepted, with the reason and the rule the body gave.
    Declined { reason: String, citation: String },
    /// Not accepted: to be brought by `procedure`, under `citation`.
    Redirected { procedure: String, citation: String },
    /// Sent on to `to`, which decides on acceptance by `due_on`.
    Transferred {
        to: Names,
        reason: String,
        due_on: Option<NaiveDate>,
    },
    /// The conclusion clock extended by `days`, now ending on `due_on`.
    Extended {
        days: u32,
        due_on: Option<NaiveDate>,
        reason: String,
    },
}

impl Stated {
    pub fn step(&self) -> Step {
        match self {
            Stated::Accepted { .. } => Step::Accepted,
            Stated::ReviewAccepted { .. } => Step::ReviewAccepted,
            Stated::Declined { .. } => Step::Declined,
            Stated::Redirected { .. } => Step::Redirected,
            Stated::Transferred { .. } => Step::Transferred,
            Stated::Extended { .. } => Step::Extended,
        }
    }

    /// The date the petitioner is told to expect, if any.
    pub fn due_on(&self) -> Option<NaiveDate> {
        match self {
            Stated::Accepted { due_on }
            | Stated::ReviewAccepted { due_on, .. }
            | Stated::Transferred { due_on, .. }
            | Stated::Extended { due_on, .. } => *due_on,
            Stated::Declined { .. } | Stated::Redirected { .. } => None,
        }
    }

    fn anonymised(&self, anonymise: &impl Fn(&str) -> String) -> Stated {
        match self {
            Stated::Declined { reason, citation } => Stated::Declined {
                reason: anonymise(reason),
                citation: citation.clone(),
            },
            Stated::Redirected {
                procedure,
                citation,
            } => Stated::Redirected {
                procedure: anonymise(procedure),
                citation: citation.clone(),
            },
            Stated::Transferred { to, reason, due_on } => Stated::Transferred {
                to: to.clone(),
                reason: anonymise(reason),
                due_on: *due_on,
            },
            Stated::Extended {
                days,
                due_on,
                reason,
            } => Stated::Extended {
                days: *days,
                due_on: *due_on,
                reason: anonymise(reason),
            },
            other => other.clone(),
        }
    }
}

/// The facts of a notice, frozen when the step that owes it is taken.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoticeLetter {
    pub kind: LetterKind,
    /// The tracking number as printed (with its dashes).
    pub number: String,
    /// The body that took the step and issues the notice.
    pub issuer: Names,
    /// The petitioner's name; none for an anonymous report.
    pub petitioner: Option<String>,
    pub title: String,
    pub received_on: NaiveDate,
    pub issued_on: NaiveDate,
    pub stated: Stated,
    /// The rule the notice is owed under, as it read that day.
    pub citation: Names,
    /// Who took the step (post and number; 谁执法、谁负责).
    pub decided_by: Option<Signatory>,
    /// Whether names are printed beside posts (`MINGJING_LETTER_NAMES` then).
    pub names: bool,
}

impl NoticeLetter {
    /// The notice as retention leaves it (as `AnswerLetter::anonymised`).
    pub fn anonymised(&self, anonymise: impl Fn(&str) -> String) -> NoticeLetter {
        NoticeLetter {
            petitioner: self.petitioner.as_ref().map(|_| "***".to_owned()),
            title: anonymise(&self.title),
            stated: self.stated.anonymised(&anonymise),
            ..self.clone()
        }
    }
}

/// Where a notice's message stands on one channel, as staff see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Delivery {
    /// Waiting for its first attempt.
    Queued,
    /// Attempted and failed; tried again later (`domain::retry`).
    Retrying,
    /// Handed to the transport (the mail relay accepted it).
    Sent,
    /// Given up after its retries: someone must reach the petitioner another way.
    Failed,
    /// The petitioner gave no address on this channel.
    NoAddress,
    /// No message is on record (none was queued for it).
    Unrecorded,
    /// The carrier's receipt says it reached the handset (SMS).
    Delivered,
    /// The carrier's receipt says it did not reach the handset (SMS).
    Undelivered,
    /// Not sent: the number replied TD (退订) (SMS).
    Unsubscribed,
}

impl Delivery {
    /// What the SMS log adds once a text was handed over: the carrier's
    /// receipt (`delivered`, `failed`), or `opted_out`; none for `submitted`.
    pub fn of_sms_log(state: &str) -> Option<Delivery> {
        match state {
            "delivered" => Some(Delivery::Delivered),
            "failed" => Some(Delivery::Undelivered),
            "opted_out" => Some(Delivery::Unsubscribed),
            _ => None,
        }
    }

    /// From the state of the job that carries the message (`pending`,
    /// `done`, `dead`) and its attempts so far.
    pub fn of(status: &str, attempts: i32) -> Delivery {
        match status {
            "done" => Delivery::Sent,
            "dead" => Delivery::Failed,
            _ if attempts > 0 => Delivery::Retrying,
            _ => Delivery::Queued,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Delivery::Queued => "queued",
            Delivery::Retrying => "retrying",
            Delivery::Sent => "sent",
            Delivery::Failed => "failed",
            Delivery::NoAddress => "no_address",
            Delivery::Unrecorded => "unrecorded",
            Delivery::Delivered => "delivered",
            Delivery::Undelivered => "undelivered",
            Delivery::Unsubscribed => "unsubscribed",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_step_has_one_rule_and_a_notice_kind() {
        let rules = &*RULES;
        assert_eq!(rules.len(), Step::ALL.len(), "{rules:?}");
        for step in Step::ALL {
            let matching = rules.iter().filter(|r| r.step == step).count();
            assert_eq!(matching, 1, "{step:?}");
            let rule = step.rule();
            assert!(rule.kind.is_notice(), "{step:?}");
            assert!(rule.citation_zh.contains("信访工作条例"), "{step:?}");
            assert!(!rule.citation_en.is_empty(), "{step:?}");
        }
        assert_eq!(
            Step::Redirected.rule().kind,
            LetterKind::NonAcceptanceNotice
        );
    }

    #[test]
    fn the_steps_that_owe_a_notice() {
        use EventKind as E;
        assert_eq!(Step::of(E::Accepted, Round::Original), Some(Step::Accepted));
        assert_eq!(
            Step::of(E::Accepted, Round::Review),
            Some(Step::ReviewAccepted)
        );
        assert_eq!(
            Step::of(E::Accepted, Round::ReReview),
            Some(Step::ReviewAccepted)
        );
        assert_eq!(
            Step::of(E::ExtensionApproved, Round::Original),
            Some(Step::Extended)
        );
        // An answer is a letter of its own; internal steps owe nothing.
        for e in [
            E::Answered,
            E::Assigned,
            E::Drafted,
            E::ExtensionRequested,
            E::ExtensionRefused,
            E::Received,
        ] {
            assert_eq!(Step::of(e, Round::Original), None, "{e:?}");
        }
        let owed = EventKind::ALL
            .iter()
            .filter(|e| Step::of(**e, Round::Original).is_some())
            .count();
        assert_eq!(owed, 5);
    }

    #[test]
    fn a_delivery_reads_from_its_job() {
        assert_eq!(Delivery::of("pending", 0), Delivery::Queued);
        assert_eq!(Delivery::of("pending", 2), Delivery::Retrying);
        assert_eq!(Delivery::of("done", 1), Delivery::Sent);
        assert_eq!(Delivery::of("dead", 9), Delivery::Failed);
    }

    #[test]
    fn retention_blanks_the_person_and_what_may_quote_them() {
        let n = NoticeLetter {
            kind: LetterKind::NonAcceptanceNotice,
            number: "MJ26-ABCDE-FGHJK".into(),
            issuer: Names::of("某法院", "A court"),
            petitioner: Some("王五".into()),
            title: "王五的执行款".into(),
            received_on: NaiveDate::from_ymd_opt(2026, 12, 1).unwrap(),
            issued_on: NaiveDate::from_ymd_opt(2026, 12, 2).unwrap(),
            stated: Stated::Declined {
                reason: "王五已起诉".into(),
                citation: "条例".into(),
            },
            citation: Step::Declined.rule().citation(),
            decided_by: None,
            names: false,
        };
        let a = n.anonymised(|t| t.replace("王五", "***"));
        assert_eq!(a.petitioner.as_deref(), Some("***"));
        assert!(!format!("{a:?}").contains("王五"));
        assert_eq!(a.issued_on, n.issued_on);
        assert_eq!(a.stated.step(), Step::Declined);
    }
}
