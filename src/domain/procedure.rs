//! 执法程序/办事指南 — a published enforcement procedure and the rules for editing it.
//!
//! Every save publishes a new version; old versions are never changed, so a
//! citizen can always read what a procedure said on the day they relied on it.

use super::fields::{FieldErrors, lines, optional_text, required_text};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// 类别 — what the procedure is about; the catalogue filters by it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    /// 诉讼服务（立案、执行）
    Litigation,
    /// 申诉控告
    Appeal,
    /// 国家赔偿与司法救助
    Compensation,
    /// 行政处罚
    Penalty,
    /// 行政复议
    Reconsideration,
    /// 法律援助
    LegalAid,
    /// 法律监督
    Supervision,
    /// 刑罚执行
    Execution,
    /// 交通管理
    Traffic,
    /// 证照办理
    Licensing,
    /// 调解与公证
    Mediation,
    /// 强制措施
    Coercive,
}

impl Category {
    pub const ALL: [Category; 12] = [
        Category::Litigation,
        Category::Appeal,
        Category::Compensation,
        Category::Penalty,
        Category::Reconsideration,
        Category::LegalAid,
        Category::Supervision,
        Category::Execution,
        Category::Traffic,
        Category::Licensing,
        Category::Mediation,
        Category::Coercive,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Category::Litigation => "litigation",
            Category::Appeal => "appeal",
            Category::Compensation => "compensation",
            Category::Penalty => "penalty",
            Category::Reconsideration => "reconsideration",
            Category::LegalAid => "legal_aid",
            Category::Supervision => "supervision",
            Category::Execution => "execution",
            Category::Traffic => "traffic",
            Category::Licensing => "licensing",
            Category::Mediation => "mediation",
            Category::Coercive => "coercive",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

/// Whether the public can find the procedure in the catalogue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ProcedureStatus {
    /// 已发布
    Published,
    /// 已撤回 — no longer listed; its text and history stay readable with a notice.
    Withdrawn,
}

impl ProcedureStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ProcedureStatus::Published => "published",
            ProcedureStatus::Withdrawn => "withdrawn",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "published" => Some(ProcedureStatus::Published),
            "withdrawn" => Some(ProcedureStatus::Withdrawn),
            _ => None,
        }
    }

    pub fn is_listed(self) -> bool {
        self == ProcedureStatus::Published
    }
}

/// 法律依据 — one citation: the instrument and, where it applies, the article.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct LegalCitation {
    /// e.g. 《中华人民共和国国家赔偿法》
    pub law: String,
    /// e.g. 第二十二条; empty when the instrument as a whole applies.
    #[serde(default)]
    pub article: String,
}

impl LegalCitation {
    /// Parses one editor line: `law | article` (the article is optional).
    fn parse_line(line: &str) -> Option<Self> {
        let (law, article) = match line.split_once(['|', '｜']) {
            Some((law, article)) => (law.trim(), article.trim()),
            None => (line.trim(), ""),
        };
        (!law.is_empty()).then(|| LegalCitation {
            law: law.to_owned(),
            article: article.to_owned(),
        })
    }

    /// The editor form of the citation, so an edit starts from what is published.
    pub fn to_line(&self) -> String {
        if self.article.is_empty() {
            self.law.clone()
        } else {
            format!("{} | {}", self.law, self.article)
        }
    }
}

/// What a staff member typed into the procedure editor, as raw text.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProcedureInput {
    #[serde(default)]
    pub category: String,
    #[serde(default)]
    pub title_zh: String,
    #[serde(default)]
    pub title_en: String,
    #[serde(default)]
    pub summary_zh: String,
    #[serde(default)]
    pub summary_en: String,
    /// One citation per line: `law | article`.
    #[serde(default)]
    pub legal_basis: String,
    /// One step per line, in order.
    #[serde(default)]
    pub steps: String,
    #[serde(default)]
    pub time_limit: String,
    /// One required material per line.
    #[serde(default)]
    pub materials: String,
    #[serde(default)]
    pub fees: String,
    #[serde(default)]
    pub appeal: String,
    #[serde(default)]
    pub change_note: String,
}

/// A validated procedure text, ready to be published as a version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProcedureDraft {
    pub category: Category,
    pub title_zh: String,
    pub title_en: String,
    pub summary_zh: String,
    pub summary_en: String,
    pub legal_basis: Vec<LegalCitation>,
    pub steps: Vec<String>,
    pub time_limit: String,
    pub materials: Vec<String>,
    pub fees: String,
    pub appeal: String,
    pub change_note: String,
}

const MAX_LIST_ITEMS: usize = 50;
const MAX_ITEM_CHARS: usize = 500;

fn list(errors: &mut FieldErrors, field: &'static str, raw: &str, required: bool) -> Vec<String> {
    let items = lines(raw);
    if required && items.is_empty() {
        errors.add(field, "error-required");
    } else if items.len() > MAX_LIST_ITEMS {
        errors.add(field, "error-too-many-lines");
    } else if items.iter().any(|i| i.chars().count() > MAX_ITEM_CHARS) {
        errors.add(field, "error-line-too-long");
    }
    items
}

impl ProcedureDraft {
    /// The only way to build a draft: every field checked, every problem reported at once.
    pub fn parse(input: &ProcedureInput) -> Result<Self, FieldErrors> {
        let mut errors = FieldErrors::new();
        let category = Category::parse(input.category.trim());
        if category.is_none() {
            errors.add("category", "error-choose-one");
        }
        let title_zh = required_text(&mut errors, "title_zh", &input.title_zh, 120);
        let title_en = required_text(&mut errors, "title_en", &input.title_en, 200);
        let summary_zh = required_text(&mut errors, "summary_zh", &input.summary_zh, 2000);
        let summary_en = optional_text(&mut errors, "summary_en", &input.summary_en, 4000);
        let basis_lines = list(&mut errors, "legal_basis", &input.legal_basis, true);
        let legal_basis: Vec<LegalCitation> = basis_lines
            .iter()
            .filter_map(|l| LegalCitation::parse_line(l))
            .collect();
        if legal_basis.len() != basis_lines.len() {
            errors.add("legal_basis", "error-citation-format");
        }
        let steps = list(&mut errors, "steps", &input.steps, true);
        let time_limit = required_text(&mut errors, "time_limit", &input.time_limit, 1000);
        let materials = list(&mut errors, "materials", &input.materials, false);
        let fees = required_text(&mut errors, "fees", &input.fees, 1000);
        let appeal = required_text(&mut errors, "appeal", &input.appeal, 2000);
        let change_note = optional_text(&mut errors, "change_note", &input.change_note, 500);
        match category {
            Some(category) => errors.into_result(ProcedureDraft {
                category,
                title_zh,
                title_en,
                summary_zh,
                summary_en,
                legal_basis,
                steps,
                time_limit,
                materials,
                fees,
                appeal,
                change_note,
            }),
            None => Err(errors),
        }
    }
}

/// The editor's starting text for an existing version (the inverse of `parse`).
#[allow(clippy::too_many_arguments)]
pub fn input_from_version(
    category: &str,
    title_zh: &str,
    title_en: &str,
    summary_zh: &str,
    summary_en: &str,
    legal_basis: &[LegalCitation],
    steps: &[String],
    time_limit: &str,
    materials: &[String],
    fees: &str,
    appeal: &str,
) -> ProcedureInput {
    ProcedureInput {
        category: category.to_owned(),
        title_zh: title_zh.to_owned(),
        title_en: title_en.to_owned(),
        summary_zh: summary_zh.to_owned(),
        summary_en: summary_en.to_owned(),
        legal_basis: legal_basis
            .iter()
            .map(LegalCitation::to_line)
            .collect::<Vec<_>>()
            .join("\n"),
        steps: steps.join("\n"),
        time_limit: time_limit.to_owned(),
        materials: materials.join("\n"),
        fees: fees.to_owned(),
        appeal: appeal.to_owned(),
        change_note: String::new(),
    }
}

/// 版本冲突 — an edit must start from the current version, or it would silently
/// overwrite a colleague's change.
pub fn check_base_version(current: i32, base: i32) -> Result<(), VersionConflict> {
    if current == base {
        Ok(())
    } else {
        Err(VersionConflict { current })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the procedure was changed meanwhile; current version is {current}")]
pub struct VersionConflict {
    pub current: i32,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn valid_input() -> ProcedureInput {
        ProcedureInput {
            category: "compensation".into(),
            title_zh: "申请国家赔偿".into(),
            title_en: "Applying for state compensation".into(),
            summary_zh: "受到侵害的公民可以申请国家赔偿。".into(),
            summary_en: String::new(),
            legal_basis: "《中华人民共和国国家赔偿法》 | 第二十二条\n《中华人民共和国国家赔偿法》"
                .into(),
            steps: "提交申请\n\n审查\n决定".into(),
            time_limit: "两个月".into(),
            materials: "".into(),
            fees: "不收费".into(),
            appeal: "可以申请复议".into(),
            change_note: "".into(),
        }
    }

    #[test]
    fn parses_a_complete_procedure() {
        let draft = ProcedureDraft::parse(&valid_input()).unwrap();
        assert_eq!(draft.category, Category::Compensation);
        assert_eq!(draft.steps, vec!["提交申请", "审查", "决定"]);
        assert_eq!(draft.legal_basis[0].article, "第二十二条");
        assert_eq!(draft.legal_basis[1].article, "");
        assert!(draft.materials.is_empty());
    }

    #[test]
    fn reports_every_missing_field_at_once() {
        let errors = ProcedureDraft::parse(&ProcedureInput::default()).unwrap_err();
        for field in [
            "category",
            "title_zh",
            "title_en",
            "summary_zh",
            "legal_basis",
            "steps",
            "time_limit",
            "fees",
            "appeal",
        ] {
            assert!(errors.get(field).is_some(), "{field} should be reported");
        }
        assert_eq!(errors.get("materials"), None);
    }

    #[test]
    fn rejects_a_citation_without_a_law() {
        let mut input = valid_input();
        input.legal_basis = " | 第三条".into();
        let errors = ProcedureDraft::parse(&input).unwrap_err();
        assert_eq!(errors.get("legal_basis"), Some("error-citation-format"));
    }

    #[test]
    fn editor_text_round_trips() {
        let draft = ProcedureDraft::parse(&valid_input()).unwrap();
        let input = input_from_version(
            draft.category.as_str(),
            &draft.title_zh,
            &draft.title_en,
            &draft.summary_zh,
            &draft.summary_en,
            &draft.legal_basis,
            &draft.steps,
            &draft.time_limit,
            &draft.materials,
            &draft.fees,
            &draft.appeal,
        );
        assert_eq!(ProcedureDraft::parse(&input).unwrap(), draft);
    }

    #[test]
    fn stale_edits_conflict() {
        assert!(check_base_version(3, 3).is_ok());
        assert_eq!(
            check_base_version(4, 3),
            Err(VersionConflict { current: 4 })
        );
    }
}
