//! 文书 — the letters a petitioner keeps: the receipt of filing (受理回执) and
//! the answer (处理意见书). Each printed copy carries a verification code; the
//! portal signs a statement binding that code to the SHA-256 of the PDF's
//! exact bytes with the installation's key, so anyone can confirm a copy is
//! genuine and unchanged — at `/verify`, or offline with the public key.

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LetterKind {
    Receipt,
    Answer,
}

impl LetterKind {
    pub fn as_str(self) -> &'static str {
        match self {
            LetterKind::Receipt => "receipt",
            LetterKind::Answer => "answer",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [LetterKind::Receipt, LetterKind::Answer]
            .into_iter()
            .find(|k| k.as_str() == s)
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
    }
}
