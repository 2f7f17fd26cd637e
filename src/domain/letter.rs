//! 文书 — the letters a petitioner keeps: the receipt of filing (受理回执),
//! the answer (处理意见书) and the answers of a review (复查意见书) and a
//! re-review (复核意见书), and the notices the rules owe on the way
//! (告知书, `domain::notice`). Each printed copy carries a verification code; the
//! portal signs a statement binding that code to the SHA-256 of the PDF's
//! exact bytes with the installation's key, so anyone can confirm a copy is
//! genuine and unchanged — at `/verify`, or offline with the public key.
//!
//! An issued letter never changes (谁执法、谁负责 holds only if the letter
//! does): its facts are frozen as [`AnswerLetter`] in the transaction that
//! issues the answer — issuer, handler and approver as they were, the text,
//! the basis, the review body and deadline as stated then — and each copy's
//! bytes are kept once drawn. A review's conclusion is a new letter from the
//! body that reviewed.

use super::workflow::ReviewOutcome;
use super::workflow::Round;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LetterKind {
    Receipt,
    /// 处理意见书 — the first answer.
    Answer,
    /// 复查意见书 — the answer of a review, by the body one level up.
    ReviewAnswer,
    /// 复核意见书 — the answer of a re-review; final.
    ReReviewAnswer,
    /// 受理告知书 — the petition is accepted for handling (`domain::notice`).
    #[serde(rename = "notice_accepted")]
    AcceptanceNotice,
    /// 不予受理告知书 — not accepted, and why (or where to go instead).
    #[serde(rename = "notice_declined")]
    NonAcceptanceNotice,
    /// 转送告知书 — sent on to the body responsible.
    #[serde(rename = "notice_transfer")]
    TransferNotice,
    /// 延期办理告知书 — the conclusion clock is extended, and why.
    #[serde(rename = "notice_extended")]
    ExtensionNotice,
    /// 复查（复核）受理告知书 — a review or re-review is taken up.
    #[serde(rename = "notice_review")]
    ReviewAcceptanceNotice,
}

impl LetterKind {
    pub const ALL: [LetterKind; 9] = [
        LetterKind::Receipt,
        LetterKind::Answer,
        LetterKind::ReviewAnswer,
        LetterKind::ReReviewAnswer,
        LetterKind::AcceptanceNotice,
        LetterKind::NonAcceptanceNotice,
        LetterKind::TransferNotice,
        LetterKind::ExtensionNotice,
        LetterKind::ReviewAcceptanceNotice,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            LetterKind::Receipt => "receipt",
            LetterKind::Answer => "answer",
            LetterKind::ReviewAnswer => "review_answer",
            LetterKind::ReReviewAnswer => "re_review_answer",
            LetterKind::AcceptanceNotice => "notice_accepted",
            LetterKind::NonAcceptanceNotice => "notice_declined",
            LetterKind::TransferNotice => "notice_transfer",
            LetterKind::ExtensionNotice => "notice_extended",
            LetterKind::ReviewAcceptanceNotice => "notice_review",
        }
    }

    /// A notice (告知书) rather than a receipt or an answer.
    pub fn is_notice(self) -> bool {
        matches!(
            self,
            LetterKind::AcceptanceNotice
                | LetterKind::NonAcceptanceNotice
                | LetterKind::TransferNotice
                | LetterKind::ExtensionNotice
                | LetterKind::ReviewAcceptanceNotice
        )
    }

    /// An answer letter (处理意见书, 复查意见书, 复核意见书).
    pub fn is_answer(self) -> bool {
        matches!(
            self,
            LetterKind::Answer | LetterKind::ReviewAnswer | LetterKind::ReReviewAnswer
        )
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// The letter that answers a round of handling.
    pub fn answering(round: Round) -> Self {
        match round {
            Round::Original => LetterKind::Answer,
            Round::Review => LetterKind::ReviewAnswer,
            Round::ReReview => LetterKind::ReReviewAnswer,
        }
    }
}

/// A name as it was when the letter was issued, in both languages (a copy in
/// either may be drawn later; the body may be renamed by then).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Names {
    pub zh: String,
    pub en: String,
}

impl Names {
    pub fn of(zh: &str, en: &str) -> Names {
        Names {
            zh: zh.to_owned(),
            en: en.to_owned(),
        }
    }

    pub fn get(&self, english: bool) -> &str {
        if english { &self.en } else { &self.zh }
    }
}

/// Who signs an answer letter (谁执法、谁负责): the post and staff number of
/// the handler who drafted it, or of the supervisor who approved it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Signatory {
    /// The role's code (`handler`, `supervisor`…), as `Role::as_str`.
    pub role: String,
    pub staff_number: String,
    pub name: String,
}

/// In a review's letter: the answer that was reviewed and what became of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reviewed {
    pub agency: Names,
    pub outcome: Option<ReviewOutcome>,
}

/// The facts of an answer letter, frozen when the answer is issued. Nothing
/// here is looked up again: a later review, transfer, merge, renamed body,
/// deactivated account or changed setting leaves the letter as it was.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnswerLetter {
    pub kind: LetterKind,
    /// The tracking number as printed (with its dashes).
    pub number: String,
    /// The body that answered and issues the letter.
    pub issuer: Names,
    /// Where a further review is asked for; none after a re-review (final)
    /// or at the top of the hierarchy.
    pub review_body: Option<Names>,
    /// The last day to ask for it and the rule's citation, as counted then.
    pub review_due: Option<NaiveDate>,
    pub review_citation: Option<Names>,
    /// The petitioner's name; none for an anonymous report.
    pub petitioner: Option<String>,
    pub title: String,
    pub received_on: NaiveDate,
    pub answered_on: NaiveDate,
    pub answer: String,
    /// The basis the handler cited; none: the general one.
    pub basis: Option<String>,
    pub handler: Option<Signatory>,
    pub approver: Option<Signatory>,
    /// Whether names are printed beside posts (`MINGJING_LETTER_NAMES` then).
    pub names: bool,
    /// In a review or re-review letter: the answer reviewed.
    pub reviewed: Option<Reviewed>,
}

impl AnswerLetter {
    /// The letter as retention leaves it (`domain::retention`): the
    /// petitioner's name blanked and `anonymise` applied to the texts that
    /// may quote them; who decided what — by post and number — stays.
    pub fn anonymised(&self, anonymise: impl Fn(&str) -> String) -> AnswerLetter {
        AnswerLetter {
            petitioner: self.petitioner.as_ref().map(|_| "***".to_owned()),
            title: anonymise(&self.title),
            answer: anonymise(&self.answer),
            ..self.clone()
        }
    }
}

/// The exact bytes that are signed for a letter: one field a line, so the
/// statement can be rebuilt and checked by anyone from what `/verify` shows.
pub fn signed_statement(
    code: &str,
    kind: LetterKind,
    tracking_number: &str,
    issued_on: chrono::NaiveDate,
    sha256_hex: &str,
) -> String {
    format!(
        "mingjing-letter-v1\ncode:{code}\nkind:{}\nnumber:{tracking_number}\nissued:{issued_on}\nsha256:{sha256_hex}\n",
        kind.as_str()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_statement_names_every_field_once() {
        let s = signed_statement(
            "V7K3FQ9X2MAP4WZ8",
            LetterKind::Answer,
            "MJ26ABCDEFGHJK0",
            chrono::NaiveDate::from_ymd_opt(2026, 12, 4).unwrap(),
            "ab",
        );
        assert_eq!(
            s,
            "mingjing-letter-v1\ncode:V7K3FQ9X2MAP4WZ8\nkind:answer\nnumber:MJ26ABCDEFGHJK0\nissued:2026-12-04\nsha256:ab\n"
        );
        assert_eq!(LetterKind::parse("receipt"), Some(LetterKind::Receipt));
        assert_eq!(
            LetterKind::parse("re_review_answer"),
            Some(LetterKind::ReReviewAnswer)
        );
        assert!(LetterKind::ALL.iter().all(|k| k.as_str().len() <= 16));
        assert!(
            LetterKind::ALL
                .iter()
                .all(|k| LetterKind::parse(k.as_str()) == Some(*k)
                    && serde_json::to_value(k).unwrap() == k.as_str())
        );
        let kinds =
            |f: fn(LetterKind) -> bool| LetterKind::ALL.into_iter().filter(|k| f(*k)).count();
        assert_eq!(
            (kinds(LetterKind::is_answer), kinds(LetterKind::is_notice)),
            (3, 5)
        );
    }

    #[test]
    fn each_round_is_answered_by_its_own_letter() {
        assert_eq!(LetterKind::answering(Round::Original), LetterKind::Answer);
        assert_eq!(
            LetterKind::answering(Round::Review),
            LetterKind::ReviewAnswer
        );
        assert_eq!(
            LetterKind::answering(Round::ReReview),
            LetterKind::ReReviewAnswer
        );
    }
}
