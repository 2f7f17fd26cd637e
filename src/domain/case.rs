//! 案件 — an enforcement case an agency chooses to disclose, and its milestones.

use super::fields::{FieldErrors, optional_text, required_text};
use super::redaction::redact;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// 案件阶段
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CaseStage {
    /// 立案
    Filed,
    /// 侦查
    Investigation,
    /// 审查起诉
    ProsecutionReview,
    /// 审理
    Trial,
    /// 判决
    Judgment,
    /// 执行
    Execution,
    /// 结案
    Closed,
}

impl CaseStage {
    pub const ALL: [CaseStage; 7] = [
        CaseStage::Filed,
        CaseStage::Investigation,
        CaseStage::ProsecutionReview,
        CaseStage::Trial,
        CaseStage::Judgment,
        CaseStage::Execution,
        CaseStage::Closed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CaseStage::Filed => "filed",
            CaseStage::Investigation => "investigation",
            CaseStage::ProsecutionReview => "prosecution_review",
            CaseStage::Trial => "trial",
            CaseStage::Judgment => "judgment",
            CaseStage::Execution => "execution",
            CaseStage::Closed => "closed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CaseType {
    Criminal,
    Civil,
    Administrative,
    Enforcement,
    StateCompensation,
}

impl CaseType {
    pub const ALL: [CaseType; 5] = [
        CaseType::Criminal,
        CaseType::Civil,
        CaseType::Administrative,
        CaseType::Enforcement,
        CaseType::StateCompensation,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CaseType::Criminal => "criminal",
            CaseType::Civil => "civil",
            CaseType::Administrative => "administrative",
            CaseType::Enforcement => "enforcement",
            CaseType::StateCompensation => "state_compensation",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

/// A case number as agencies write it, e.g. （2025）江01刑初123号: whitespace
/// removed and ASCII brackets read as full-width, so a party's lookup matches.
pub fn normalise_case_number(raw: &str) -> String {
    raw.chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            '(' => '（',
            ')' => '）',
            c => c,
        })
        .collect()
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct CaseInput {
    #[serde(default)]
    pub case_number: String,
    #[serde(default)]
    pub case_type: String,
    #[serde(default)]
    pub title: String,
    /// `on` to list the case publicly with its redacted summary.
    #[serde(default)]
    pub public: String,
    #[serde(default)]
    pub summary: String,
    /// Names to mask in the public summary, one per line.
    #[serde(default)]
    pub redact_names: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseDraft {
    pub case_number: String,
    pub case_type: CaseType,
    pub title: String,
    pub public: bool,
    /// Already redacted: what the public reads. Empty means no summary.
    pub public_summary: String,
}

impl CaseDraft {
    pub fn parse(input: &CaseInput) -> Result<Self, FieldErrors> {
        let mut e = FieldErrors::new();
        let case_number = normalise_case_number(&required_text(
            &mut e,
            "case_number",
            &input.case_number,
            64,
        ));
        let case_type = CaseType::parse(input.case_type.trim());
        if case_type.is_none() {
            e.add("case_type", "error-choose-one");
        }
        let title = required_text(&mut e, "title", &input.title, 100);
        let summary = optional_text(&mut e, "summary", &input.summary, 2000);
        let names: Vec<String> = super::fields::lines(&input.redact_names);
        let public = matches!(input.public.trim(), "on" | "true" | "1");
        match case_type {
            Some(case_type) if e.is_empty() => Ok(CaseDraft {
                case_number,
                case_type,
                title: redact(&title, &names),
                public,
                public_summary: redact(&summary, &names),
            }),
            _ => Err(e),
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct MilestoneInput {
    #[serde(default)]
    pub stage: String,
    #[serde(default)]
    pub occurred_on: String,
    #[serde(default)]
    pub note: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MilestoneDraft {
    pub stage: CaseStage,
    pub occurred_on: NaiveDate,
    pub note: String,
}

impl MilestoneDraft {
    pub fn parse(input: &MilestoneInput, today: NaiveDate) -> Result<Self, FieldErrors> {
        let mut e = FieldErrors::new();
        let stage = CaseStage::parse(input.stage.trim());
        if stage.is_none() {
            e.add("stage", "error-choose-one");
        }
        let occurred_on = input.occurred_on.trim().parse::<NaiveDate>().ok();
        match occurred_on {
            None => e.add("occurred_on", "error-date"),
            Some(d) if d > today => e.add("occurred_on", "error-date-future"),
            Some(_) => {}
        }
        let note = optional_text(&mut e, "note", &input.note, 500);
        match (stage, occurred_on) {
            (Some(stage), Some(occurred_on)) if e.is_empty() => Ok(MilestoneDraft {
                stage,
                occurred_on,
                note: redact(&note, &[]),
            }),
            _ => Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case_numbers_normalise_brackets_and_spaces() {
        assert_eq!(
            normalise_case_number(" (2025) 江01刑初123号 "),
            "（2025）江01刑初123号"
        );
    }

    #[test]
    fn the_public_summary_is_redacted() {
        let draft = CaseDraft::parse(&CaseInput {
            case_number: "(2025)江01刑初123号".into(),
            case_type: "criminal".into(),
            title: "王五盗窃案".into(),
            public: "on".into(),
            summary: "被告人王五，电话13912345678，于2025年1月盗窃。".into(),
            redact_names: "王五".into(),
        })
        .unwrap();
        assert_eq!(draft.title, "王×盗窃案");
        assert_eq!(
            draft.public_summary,
            "被告人王×，电话139****5678，于2025年1月盗窃。"
        );
        assert!(draft.public);
    }

    #[test]
    fn milestones_need_a_real_past_date() {
        let today: NaiveDate = "2026-11-26".parse().unwrap();
        let ok = MilestoneInput {
            stage: "trial".into(),
            occurred_on: "2026-11-20".into(),
            note: String::new(),
        };
        assert_eq!(
            MilestoneDraft::parse(&ok, today).unwrap().stage,
            CaseStage::Trial
        );
        let future = MilestoneInput {
            occurred_on: "2027-01-01".into(),
            ..ok.clone()
        };
        assert_eq!(
            MilestoneDraft::parse(&future, today)
                .unwrap_err()
                .get("occurred_on"),
            Some("error-date-future")
        );
        let junk = MilestoneInput {
            occurred_on: "yesterday".into(),
            ..ok
        };
        assert_eq!(
            MilestoneDraft::parse(&junk, today)
                .unwrap_err()
                .get("occurred_on"),
            Some("error-date")
        );
    }
}
