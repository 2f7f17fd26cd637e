//! 签发的文书 — an issued letter's frozen facts, whichever kind it is: an
//! answer letter (`domain::letter`) or a notice (`domain::notice`). Stored
//! as JSON beside the letter's kind, which says how to read it back.

use super::letter::{AnswerLetter, LetterKind, Names};
use super::notice::NoticeLetter;
use chrono::NaiveDate;

/// The frozen facts of an issued letter: an answer or a notice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Facts {
    Answer(AnswerLetter),
    Notice(NoticeLetter),
}

impl Facts {
    pub fn kind(&self) -> LetterKind {
        match self {
            Facts::Answer(a) => a.kind,
            Facts::Notice(n) => n.kind,
        }
    }

    /// The body that issued it.
    pub fn issuer(&self) -> &Names {
        match self {
            Facts::Answer(a) => &a.issuer,
            Facts::Notice(n) => &n.issuer,
        }
    }

    pub fn issued_on(&self) -> NaiveDate {
        match self {
            Facts::Answer(a) => a.answered_on,
            Facts::Notice(n) => n.issued_on,
        }
    }

    /// As stored: the facts alone, as JSON (the kind is stored beside them).
    pub fn to_json(&self) -> String {
        match self {
            Facts::Answer(a) => serde_json::to_string(a),
            Facts::Notice(n) => serde_json::to_string(n),
        }
        .unwrap_or_default()
    }

    /// Read back what [`Facts::to_json`] wrote for a letter of `kind`.
    pub fn from_json(kind: LetterKind, json: &str) -> Result<Facts, serde_json::Error> {
        if kind.is_notice() {
            serde_json::from_str(json).map(Facts::Notice)
        } else {
            serde_json::from_str(json).map(Facts::Answer)
        }
    }

    /// As retention leaves it: see [`AnswerLetter::anonymised`].
    pub fn anonymised(&self, anonymise: impl Fn(&str) -> String) -> Facts {
        match self {
            Facts::Answer(a) => Facts::Answer(a.anonymised(anonymise)),
            Facts::Notice(n) => Facts::Notice(n.anonymised(anonymise)),
        }
    }
}
