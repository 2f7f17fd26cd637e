//! A notice (告知书, `domain::notice`) as the petitioner reads and prints it:
//! the same blocks on the page, in the signed PDF and in the mail that
//! tells of it, composed from the frozen facts in the reader's language.

use super::Lang;
use super::pdf::{Block, Printed};
use crate::domain::letter::Signatory;
use crate::domain::notice::{NoticeLetter, Stated};
use crate::domain::workflow::Round;

fn date(d: Option<chrono::NaiveDate>, lang: Lang) -> String {
    d.map_or_else(|| lang.t("notice-no-date"), |d| d.to_string())
}

/// What the notice tells, and what happens next, in `lang`.
pub fn told(n: &NoticeLetter, public_url: &str, lang: Lang) -> (String, String) {
    let en = lang == Lang::En;
    let issued = n.issued_on.to_string();
    let track = format!("{public_url}/track");
    let t = |key: &str, args: &[(&'static str, String)]| lang.t_args(key, args);
    match &n.stated {
        Stated::Accepted { due_on } => (
            t(
                "notice-accepted",
                &[("date", issued), ("due", date(*due_on, lang))],
            ),
            t("notice-accepted-next", &[("url", track)]),
        ),
        Stated::ReviewAccepted { round, due_on } => (
            t(
                "notice-review-accepted",
                &[
                    ("date", issued),
                    ("due", date(*due_on, lang)),
                    (
                        "round",
                        if *round == Round::ReReview {
                            "re_review"
                        } else {
                            "review"
                        }
                        .to_owned(),
                    ),
                ],
            ),
            t("notice-track-next", &[("url", track)]),
        ),
        Stated::Declined { reason, citation } => (
            t(
                "notice-declined",
                &[("reason", reason.clone()), ("citation", citation.clone())],
            ),
            t("notice-declined-next", &[("url", track)]),
        ),
        Stated::Redirected {
            procedure,
            citation,
        } => (
            t(
                "notice-redirected",
                &[
                    ("procedure", procedure.clone()),
                    ("citation", citation.clone()),
                ],
            ),
            t("notice-redirected-next", &[]),
        ),
        Stated::Transferred { to, reason, due_on } => (
            t(
                "notice-transferred",
                &[
                    ("date", issued),
                    ("to", to.get(en).to_owned()),
                    ("reason", reason.clone()),
                ],
            ),
            t(
                "notice-transferred-next",
                &[
                    ("to", to.get(en).to_owned()),
                    ("due", date(*due_on, lang)),
                    ("url", track),
                ],
            ),
        ),
        Stated::Extended {
            days,
            due_on,
            reason,
        } => (
            t(
                "notice-extended",
                &[
                    ("days", days.to_string()),
                    ("due", date(*due_on, lang)),
                    ("reason", reason.clone()),
                ],
            ),
            t("notice-track-next", &[("url", track)]),
        ),
    }
}

/// A notice as the step's mail tells of it: its name, what it tells, what
/// happens next, and where to read, download and verify it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct NoticeMail {
    pub heading: String,
    pub what: String,
    pub next: String,
    pub url: String,
}

impl NoticeMail {
    pub fn of(n: &NoticeLetter, public_url: &str, lang: Lang, url: String) -> NoticeMail {
        let (what, next) = told(n, public_url, lang);
        NoticeMail {
            heading: lang.t(&format!("verify-kind-{}", n.kind.as_str())),
            what,
            next,
            url,
        }
    }
}

/// Who signed, as letters and notices print it: post, staff number and,
/// when names are printed (`MINGJING_LETTER_NAMES`), the name.
pub fn signatory(s: &Signatory, names: bool, lang: Lang) -> String {
    let mut who = format!(
        "{} {}",
        lang.t(&format!("role-{}", s.role)),
        lang.t_args("letter-staff-number", &[("number", s.staff_number.clone())])
    );
    if names && !s.name.is_empty() {
        who = format!("{who} {}", s.name);
    }
    who
}

/// The notice as blocks: the same on the page and in the PDF. `footer`: the
/// verification lines of the copy (none on a page drawn without a font).
pub fn printed(n: &NoticeLetter, public_url: &str, lang: Lang, footer: Vec<String>) -> Printed {
    let en = lang == Lang::En;
    let (what, next) = told(n, public_url, lang);
    let mut blocks = vec![
        Block {
            label: Some(lang.t("letter-number")),
            text: n.number.clone(),
        },
        Block {
            label: Some(lang.t("letter-petitioner")),
            text: n
                .petitioner
                .clone()
                .unwrap_or_else(|| lang.t("letter-anonymous")),
        },
        Block {
            label: Some(lang.t("letter-matter")),
            text: lang.t_args(
                "letter-matter-text",
                &[
                    ("date", n.received_on.to_string()),
                    ("title", n.title.clone()),
                ],
            ),
        },
        Block {
            label: Some(lang.t("notice-what-h")),
            text: what,
        },
        Block {
            label: Some(lang.t("notice-next-h")),
            text: next,
        },
        Block {
            label: Some(lang.t("letter-basis")),
            text: n.citation.get(en).to_owned(),
        },
    ];
    if let Some(s) = &n.decided_by {
        blocks.push(Block {
            label: Some(lang.t("notice-decided-by")),
            text: signatory(s, n.names, lang),
        });
    }
    blocks.push(Block {
        label: None,
        text: format!("{}\n{}", n.issuer.get(en), n.issued_on),
    });
    let title = match &n.stated {
        // The review notice is named for its round (复查 or 复核).
        Stated::ReviewAccepted { round, .. } => lang.t(&format!("notice-title-{}", round.as_str())),
        _ => lang.t(&format!("verify-kind-{}", n.kind.as_str())),
    };
    Printed {
        title,
        letterhead: n.issuer.get(en).to_owned(),
        blocks,
        footer,
        dated: n.issued_on,
    }
}
