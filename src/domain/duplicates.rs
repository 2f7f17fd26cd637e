//! 重复信访 — the same matter raised again. The regulations treat it as one
//! matter: handled once (merged, 合并办理), and after a re-review not
//! accepted again on the same facts and reasons.
//!
//! Pure rules: the values a petitioner is recognised by (to be stored only as
//! keyed hashes), the normal form of a case number, how similar two texts
//! are (with the words they share, so the score explains itself), what counts
//! as *likely the same matter*, and which petitions may be merged into which.
//! The thresholds and the refusal's wording are data (`rules/duplicates.toml`).

use super::petition::{Complainant, Phone};
use super::staff::Email;
use super::workflow::{Round, State};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::sync::LazyLock;

/// What the portal recognises a petitioner or a matter by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyKind {
    Phone,
    Email,
    CaseNumber,
}

impl KeyKind {
    pub fn as_str(self) -> &'static str {
        match self {
            KeyKind::Phone => "phone",
            KeyKind::Email => "email",
            KeyKind::CaseNumber => "case",
        }
    }

    /// Whether a match on this key means the same petitioner (else the same case).
    pub fn is_petitioner(self) -> bool {
        matches!(self, KeyKind::Phone | KeyKind::Email)
    }
}

/// The values to recognise this petition by, each as `kind:value` in normal
/// form — to be stored as keyed hashes only. An anonymous report has none of
/// a person (a reporter is never linked to their other petitions).
pub fn match_values(
    complainant: &Complainant,
    related_case_number: Option<&str>,
) -> Vec<(KeyKind, String)> {
    let mut out = Vec::new();
    if let Complainant::Named { email, phone, .. } = complainant {
        if let Some(p) = phone {
            out.push((KeyKind::Phone, p.as_str().to_owned()));
        }
        if let Some(e) = email {
            out.push((KeyKind::Email, e.as_str().to_owned()));
        }
    }
    if let Some(case) = related_case_number.map(normalise_case_number)
        && !case.is_empty()
    {
        out.push((KeyKind::CaseNumber, case));
    }
    out
}

/// [`match_values`] from a stored petition's contact columns.
pub fn match_values_of(
    anonymous: bool,
    email: Option<&str>,
    phone: Option<&str>,
    related_case_number: Option<&str>,
) -> Vec<(KeyKind, String)> {
    let complainant = if anonymous {
        Complainant::Anonymous
    } else {
        Complainant::Named {
            name: String::new(),
            email: email.and_then(Email::parse),
            phone: phone.and_then(Phone::parse),
        }
    };
    match_values(&complainant, related_case_number)
}

/// A case number as courts and procuratorates write it, in one form: no
/// spaces, ASCII digits and letters, and every kind of bracket around the
/// year as ASCII parentheses — （2024）, (2024), 〔2024〕 and [2024] are one.
pub fn normalise_case_number(raw: &str) -> String {
    raw.chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            '（' | '〔' | '[' | '［' | '【' => '(',
            '）' | '〕' | ']' | '］' | '】' => ')',
            '０'..='９' | 'Ａ'..='Ｚ' | 'ａ'..='ｚ' => {
                char::from_u32(c as u32 - 0xFEE0).unwrap_or(c)
            }
            c => c,
        })
        .collect::<String>()
        .to_uppercase()
}

/// The content words of a text, for comparing: words of at least two
/// characters, as the caller's tokenizer cut them (lower-cased), that are
/// not `common` (words every petition uses, and the agencies' and places'
/// names).
pub fn content_words<'a>(
    words: impl IntoIterator<Item = &'a str>,
    common: &BTreeSet<String>,
) -> BTreeSet<String> {
    words
        .into_iter()
        .filter(|w| w.chars().count() >= 2 && !w.chars().all(|c| c.is_ascii_digit()))
        .filter(|w| !common.contains(*w))
        .map(str::to_owned)
        .collect()
}

/// How alike two texts are: the Dice coefficient over their content words
/// (2 × shared ÷ both), and the shared words, longest first.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Similarity {
    pub score: f32,
    pub shared: Vec<String>,
}

pub fn similarity(a: &BTreeSet<String>, b: &BTreeSet<String>) -> Similarity {
    let mut shared: Vec<String> = a.intersection(b).cloned().collect();
    let total = a.len() + b.len();
    let score = if total == 0 {
        0.0
    } else {
        2.0 * shared.len() as f32 / total as f32
    };
    shared.sort_by(|x, y| {
        y.chars()
            .count()
            .cmp(&x.chars().count())
            .then_with(|| x.cmp(y))
    });
    Similarity { score, shared }
}

/// The thresholds and the refusal's wording (`rules/duplicates.toml`).
#[derive(Debug, Clone, Deserialize)]
pub struct DuplicateRules {
    pub similarity: Thresholds,
    pub refiled_after_re_review: Refusal,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Thresholds {
    pub likely: f32,
    pub likely_same_petitioner: f32,
    pub candidates: usize,
    pub query_words: usize,
    /// Words every petition uses: they do not count.
    pub common_words: BTreeSet<String>,
}

/// The reason and basis offered for declining a matter raised again after its re-review.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct Refusal {
    pub reason_zh: String,
    pub reason_en: String,
    pub citation_zh: String,
    pub citation_en: String,
}

static SHIPPED: LazyLock<Result<DuplicateRules, String>> = LazyLock::new(|| {
    toml::from_str(include_str!("rules/duplicates.toml")).map_err(|e| e.to_string())
});

impl DuplicateRules {
    /// The shipped rules; the server refuses to start when they do not parse.
    pub fn shipped() -> Result<&'static DuplicateRules, String> {
        SHIPPED.as_ref().map_err(Clone::clone)
    }
}

/// How two petitions' case numbers relate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CaseRelation {
    Same,
    /// Both name a case, and not the same one: two matters, however alike the texts.
    Different,
    /// One or neither names a case.
    Unknown,
}

pub fn case_relation(a: Option<&str>, b: Option<&str>) -> CaseRelation {
    match (
        a.map(normalise_case_number).filter(|c| !c.is_empty()),
        b.map(normalise_case_number).filter(|c| !c.is_empty()),
    ) {
        (Some(a), Some(b)) if a == b => CaseRelation::Same,
        (Some(_), Some(_)) => CaseRelation::Different,
        _ => CaseRelation::Unknown,
    }
}

/// Why an earlier petition is listed beside this one.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Assessment {
    /// The same phone or e-mail.
    pub same_petitioner: bool,
    /// About the same case (number).
    pub same_case: bool,
    pub text: Similarity,
    /// Listed as likely the same matter (else: another matter of the same petitioner).
    pub likely: bool,
}

/// Whether an earlier petition is likely the same matter, by the rules'
/// thresholds: the same case; or, unless they name different cases, text
/// alike enough (less alike when it is the same petitioner).
pub fn assess(
    rules: &Thresholds,
    same_petitioner: bool,
    case: CaseRelation,
    text: Similarity,
) -> Assessment {
    let same_case = case == CaseRelation::Same;
    let likely = same_case
        || (case == CaseRelation::Unknown
            && (text.score >= rules.likely
                || (same_petitioner && text.score >= rules.likely_same_petitioner)));
    Assessment {
        same_petitioner,
        same_case,
        text,
        likely,
    }
}

/// Whether an earlier petition closed the matter for good: its re-review was
/// answered (复核意见), so the same facts and reasons are not accepted again.
pub fn concluded_by_re_review(round: Round, state: State) -> bool {
    round == Round::ReReview && matches!(state, State::Answered | State::Closed)
}

/// Why a petition may not be merged into another (the workflow decides the
/// rest: the duplicate is new, the actor takes intake decisions).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum MergeRefusal {
    #[error("a petition is not merged into itself")]
    Itself,
    /// The original has itself been merged, declined, redirected or is held
    /// as suspected abuse: it handles nothing.
    #[error("the original does not handle the matter")]
    OriginalNotHandling,
}

impl MergeRefusal {
    pub fn message_key(self) -> &'static str {
        match self {
            MergeRefusal::Itself => "error-merge-itself",
            MergeRefusal::OriginalNotHandling => "error-merge-original",
        }
    }
}

/// Whether a petition in `duplicate` may be merged into `original`, by their ids and states.
pub fn may_merge<Id: PartialEq>(
    duplicate: Id,
    original: Id,
    original_state: State,
) -> Result<(), MergeRefusal> {
    if duplicate == original {
        return Err(MergeRefusal::Itself);
    }
    match original_state {
        State::Merged | State::Declined | State::Redirected | State::Quarantined => {
            Err(MergeRefusal::OriginalNotHandling)
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(words: &[&str]) -> BTreeSet<String> {
        content_words(words.iter().copied(), &BTreeSet::from(["反映".to_owned()]))
    }

    #[test]
    fn case_numbers_in_any_brackets_and_widths_are_one() {
        let forms = [
            "（2024）江0101民初55号",
            "(2024)江0101民初55号",
            "〔2024〕江0101民初55号",
            "（２０２４）江０１０１民初５５号",
            " (2024) 江0101 民初55号 ",
        ];
        for f in forms {
            assert_eq!(normalise_case_number(f), "(2024)江0101民初55号", "{f}");
        }
    }

    #[test]
    fn a_reporter_is_never_recognised_by_person() {
        let phone = Phone::parse("13800138000");
        let named = Complainant::Named {
            name: "张三".into(),
            email: Email::parse("Zhang@Example.cn"),
            phone,
        };
        let keys = match_values(&named, Some("（2024）江0101民初55号"));
        assert_eq!(
            keys,
            vec![
                (KeyKind::Phone, "13800138000".into()),
                (KeyKind::Email, "zhang@example.cn".into()),
                (KeyKind::CaseNumber, "(2024)江0101民初55号".into()),
            ]
        );
        assert_eq!(
            match_values(&Complainant::Anonymous, None),
            Vec::<(KeyKind, String)>::new()
        );
        assert_eq!(
            match_values_of(true, Some("a@b.cn"), Some("13800138000"), None),
            Vec::<(KeyKind, String)>::new()
        );
    }

    #[test]
    fn similarity_is_dice_over_content_words_and_says_which() {
        let a = set(&["户籍", "窗口", "材料", "一次性", "往返", "的", "20", "反映"]);
        let b = set(&["户籍", "窗口", "材料", "罚款"]);
        let s = similarity(&a, &b);
        // One-character words, bare numbers and common words do not count: 5 and 4 words, 3 shared.
        assert!((s.score - 6.0 / 9.0).abs() < 1e-6, "{s:?}");
        assert_eq!(s.shared, vec!["户籍", "材料", "窗口"]);
        assert_eq!(similarity(&set(&[]), &set(&[])).score, 0.0);
    }

    #[test]
    fn likely_means_same_case_or_similar_text_or_same_person_and_some_text() {
        let rules = &DuplicateRules::shipped().unwrap().similarity;
        let text = |score| Similarity {
            score,
            shared: vec![],
        };
        use CaseRelation::*;
        assert!(assess(rules, false, Same, text(0.0)).likely);
        assert!(assess(rules, false, Unknown, text(rules.likely)).likely);
        assert!(!assess(rules, false, Unknown, text(rules.likely - 0.01)).likely);
        assert!(assess(rules, true, Unknown, text(rules.likely_same_petitioner)).likely);
        assert!(!assess(rules, true, Unknown, text(0.05)).likely);
        // Two cases, however alike the texts (two enforcement complaints read alike).
        assert!(!assess(rules, true, Different, text(0.9)).likely);
        assert_eq!(
            case_relation(Some("（2025）江01执1号"), Some("(2025)江01执1号")),
            Same
        );
        assert_eq!(
            case_relation(Some("（2025）江01执1号"), Some("(2025)江01执2号")),
            Different
        );
        assert_eq!(case_relation(None, Some("(2025)江01执2号")), Unknown);
    }

    #[test]
    fn only_a_handling_original_takes_a_merge() {
        assert_eq!(may_merge(1, 1, State::Accepted), Err(MergeRefusal::Itself));
        for s in [
            State::Merged,
            State::Declined,
            State::Redirected,
            State::Quarantined,
        ] {
            assert_eq!(
                may_merge(1, 2, s),
                Err(MergeRefusal::OriginalNotHandling),
                "{s:?}"
            );
        }
        for s in [
            State::Received,
            State::Investigating,
            State::Answered,
            State::Closed,
        ] {
            assert_eq!(may_merge(1, 2, s), Ok(()), "{s:?}");
        }
        assert!(concluded_by_re_review(Round::ReReview, State::Closed));
        assert!(!concluded_by_re_review(Round::Review, State::Closed));
        assert!(!concluded_by_re_review(
            Round::ReReview,
            State::ReviewRequested
        ));
    }
}
