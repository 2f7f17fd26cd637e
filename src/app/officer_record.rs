//! 执法档案 — an officer's record: their acts in a period (from the audit
//! trail, each with the petition it was on), their indicators and score, for
//! those who may read it; and the same as CSV, safe to open in a spreadsheet.

use super::agencies::hierarchy;
use super::oversight::{indicators, viewer};
use super::{App, Error, Result};
use crate::domain::access::{self};
use crate::domain::evaluation::{EvaluationRules, Period, Value};
use crate::domain::ids::StaffId;
use crate::domain::scoring;
use crate::store::agencies::Agency;
use crate::store::rollups::Scope;
use crate::store::staff::StaffMember;

/// One act of an officer, from the audit trail.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Act {
    pub entry: crate::audit::Entry,
    /// The petition it was on (tracking number, title), when it was on one.
    pub petition: Option<(String, String)>,
}

/// 执法档案: an officer's acts and indicators.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Record {
    pub officer: StaffMember,
    pub agency: Agency,
    pub period: Period,
    pub acts: Vec<Act>,
    /// Acts in the period, all pages.
    pub total: u64,
    pub page: u64,
    pub pages: u64,
    pub values: Vec<Value>,
    /// The composite score; none where too little could be computed (`score_basis`).
    pub score: Option<f64>,
    pub score_basis: scoring::Score,
}

pub const ACTS_PER_PAGE: u64 = 50;

/// The record of `officer` for `staff`, if they may read it (else not found).
pub async fn record(
    app: &App,
    staff: &StaffMember,
    officer: StaffId,
    period: Period,
    page: Option<u64>,
) -> Result<Record> {
    let (all, h) = hierarchy(app).await?;
    let officer = app
        .store
        .staff_member(officer)
        .await?
        .filter(|o| access::may_read_record(&viewer(staff), o.id, o.agency_id, &h))
        .ok_or(Error::NotFound)?;
    let agency = all
        .iter()
        .find(|a| a.id == officer.agency_id)
        .cloned()
        .ok_or(Error::NotFound)?;
    let (from, to) = period.days();
    let page = page.unwrap_or(1).max(1);
    let (limit, offset) = if page == u64::MAX {
        (0, 0)
    } else {
        (ACTS_PER_PAGE, (page - 1) * ACTS_PER_PAGE)
    };
    let (entries, total) = app
        .store
        .acts_of(officer.id, from, to, offset, limit)
        .await?;
    let ids: Vec<crate::domain::ids::PetitionId> = entries
        .iter()
        .filter_map(|e| e.subject.strip_prefix("petition:")?.parse().ok())
        .collect();
    let titles = app.store.petition_titles(&ids).await?;
    let acts = entries
        .into_iter()
        .map(|entry| Act {
            petition: entry
                .subject
                .strip_prefix("petition:")
                .and_then(|id| id.parse().ok())
                .and_then(|id| titles.get(&id).cloned()),
            entry,
        })
        .collect();
    let (values, score) = indicators(app, &Scope::Officer(officer.id), period).await?;
    if staff.id != officer.id {
        app.store
            .audit_read_daily(
                &staff.actor(),
                "read_record",
                &format!("staff:{}", officer.id),
            )
            .await?;
    }
    Ok(Record {
        officer,
        agency,
        period,
        acts,
        total,
        page,
        pages: total.div_ceil(ACTS_PER_PAGE).max(1),
        values,
        score: score.value,
        score_basis: score,
    })
}

/// The record with every act of the period (for the CSV download).
pub async fn full_record(
    app: &App,
    staff: &StaffMember,
    officer: StaffId,
    period: Period,
) -> Result<Record> {
    record(app, staff, officer, period, Some(u64::MAX)).await
}

/// A CSV field: quoted when it must be, and never a formula a spreadsheet would run.
fn csv_field(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@']) {
        format!("'{s}")
    } else {
        s.to_owned()
    };
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

/// The record as CSV: the indicators, then every act. `english` picks the headings.
pub fn record_csv(r: &Record, english: bool) -> String {
    let rules = EvaluationRules::staff();
    let mut out = String::new();
    let line = |cells: &[String]| {
        cells
            .iter()
            .map(|c| csv_field(c))
            .collect::<Vec<_>>()
            .join(",")
            + "\r\n"
    };
    out.push_str(&line(&[
        if english { "officer" } else { "干警" }.to_owned(),
        r.officer.name.clone(),
        if english { "agency" } else { "单位" }.to_owned(),
        r.agency.name(english).to_owned(),
        if english { "period" } else { "期间" }.to_owned(),
        r.period.key(),
    ]));
    out.push_str(&line(&[
        if english { "indicator" } else { "指标" }.to_owned(),
        if english { "value" } else { "数值" }.to_owned(),
        if english { "numerator" } else { "分子" }.to_owned(),
        if english { "denominator" } else { "分母" }.to_owned(),
    ]));
    for v in &r.values {
        let name = rules
            .indicator(&v.id)
            .map(|i| {
                if english {
                    i.name_en.clone()
                } else {
                    i.name_zh.clone()
                }
            })
            .unwrap_or_else(|| v.id.clone());
        out.push_str(&line(&[
            name,
            v.value.map(|x| format!("{x:.4}")).unwrap_or_default(),
            v.numerator.to_string(),
            v.denominator.to_string(),
        ]));
    }
    out.push_str(&line(&[
        if english { "score" } else { "综合得分" }.to_owned(),
        r.score.map(|s| format!("{s:.1}")).unwrap_or_default(),
    ]));
    out.push_str("\r\n");
    out.push_str(&line(&[
        "id".to_owned(),
        if english {
            "at (UTC)"
        } else {
            "时间（UTC）"
        }
        .to_owned(),
        if english { "act" } else { "行为" }.to_owned(),
        if english { "subject" } else { "对象" }.to_owned(),
        if english {
            "tracking number"
        } else {
            "信访编号"
        }
        .to_owned(),
        if english { "title" } else { "标题" }.to_owned(),
        if english {
            "entry hash"
        } else {
            "记录哈希"
        }
        .to_owned(),
    ]));
    for a in &r.acts {
        let (tn, title) = a.petition.clone().unwrap_or_default();
        out.push_str(&line(&[
            a.entry.id.to_string(),
            a.entry.at.clone(),
            a.entry.action.clone(),
            a.entry.subject.clone(),
            tn,
            title,
            a.entry.hash.clone(),
        ]));
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn csv_fields_are_quoted_and_never_formulas() {
        assert_eq!(super::csv_field("plain"), "plain");
        assert_eq!(super::csv_field("a,b"), "\"a,b\"");
        assert_eq!(super::csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(super::csv_field("=1+1"), "'=1+1");
    }
}
