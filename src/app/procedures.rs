//! The procedure catalogue (办事指南): the public reads it; an agency's
//! editors (`Role::may_edit_procedures`) create, publish new versions of,
//! withdraw and restore their own agency's procedures.

use super::{App, Error, Result};
use crate::domain::page::{PageRequest, Paged};
use crate::domain::procedure::{ProcedureDraft, ProcedureInput, ProcedureStatus};
use crate::store::procedures::{ProcedureFilter, ProcedureSummary, ProcedureVersion, VersionEntry};
use crate::store::staff::StaffMember;

fn require_editor(staff: &StaffMember) -> Result<()> {
    if staff.role.may_edit_procedures() {
        Ok(())
    } else {
        Err(Error::Forbidden)
    }
}

/// The published catalogue, filtered and paginated.
pub async fn catalogue(
    app: &App,
    filter: &ProcedureFilter,
    page: PageRequest,
) -> Result<Paged<ProcedureSummary>> {
    Ok(app.store.published_procedures(filter, page).await?)
}

/// A procedure and one of its versions (the current one when `version` is none).
pub async fn read(
    app: &App,
    id: i32,
    version: Option<i32>,
) -> Result<(ProcedureSummary, ProcedureVersion)> {
    let procedure = app.store.procedure(id).await?;
    let number = version.unwrap_or(procedure.current_version);
    let v = app.store.procedure_version(id, number).await?;
    Ok((procedure, v))
}

/// A procedure and its version history, newest first.
pub async fn history(app: &App, id: i32) -> Result<(ProcedureSummary, Vec<VersionEntry>)> {
    let procedure = app.store.procedure(id).await?;
    Ok((procedure, app.store.procedure_history(id).await?))
}

/// A piece of a field's text in a comparison of two versions.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Segment {
    /// `same`, `removed` or `added`.
    pub change: &'static str,
    pub text: String,
}

/// One field that differs between two versions, as the reader sees the text.
#[derive(Debug, Clone, serde::Serialize)]
pub struct FieldChange {
    /// The Fluent key of the field's label.
    pub label: &'static str,
    pub segments: Vec<Segment>,
}

/// What changed from the version before `version` to it (修订对照): each
/// field that differs, compared character by character (Chinese has no
/// spaces to split words at), lists one item a line. `None` for version 1.
pub async fn changes(
    app: &App,
    id: i32,
    version: i32,
) -> Result<(
    ProcedureSummary,
    ProcedureVersion,
    Option<(ProcedureVersion, Vec<FieldChange>)>,
)> {
    let (procedure, new) = read(app, id, Some(version)).await?;
    if version <= 1 {
        return Ok((procedure, new, None));
    }
    let old = app.store.procedure_version(id, version - 1).await?;
    let fields = compare(&old, &new);
    Ok((procedure, new, Some((old, fields))))
}

fn readable(v: &ProcedureVersion) -> [(&'static str, String); 10] {
    [
        ("procedure-title-zh", v.title_zh.clone()),
        ("procedure-title-en", v.title_en.clone()),
        ("procedure-summary-zh", v.summary_zh.clone()),
        ("procedure-summary-en", v.summary_en.clone()),
        (
            "procedure-legal-basis",
            v.legal_basis
                .iter()
                .map(|c| format!("{}{}", c.law, c.article))
                .collect::<Vec<_>>()
                .join("\n"),
        ),
        ("procedure-steps", v.steps.join("\n")),
        ("procedure-time-limit", v.time_limit.clone()),
        ("procedure-materials", v.materials.join("\n")),
        ("procedure-fees", v.fees.clone()),
        ("procedure-appeal", v.appeal.clone()),
    ]
}

/// The fields of `new` that differ from `old`, with their differences.
pub fn compare(old: &ProcedureVersion, new: &ProcedureVersion) -> Vec<FieldChange> {
    readable(old)
        .into_iter()
        .zip(readable(new))
        .filter(|((_, a), (_, b))| a != b)
        .map(|((label, a), (_, b))| FieldChange {
            label,
            segments: segments(&a, &b),
        })
        .collect()
}

/// `a` → `b` as same / removed / added runs. Compared by character, then
/// tidied for reading: an unchanged run of one or two characters between
/// changes joins them, so 第三十一条 → 第四十四条 reads as 第[三十一→四十四]条
/// rather than a stutter of single characters.
fn segments(a: &str, b: &str) -> Vec<Segment> {
    use similar::ChangeTag;
    let mut runs: Vec<(ChangeTag, String)> = Vec::new();
    for c in similar::TextDiff::from_chars(a, b).iter_all_changes() {
        match runs.last_mut() {
            Some((tag, text)) if *tag == c.tag() => text.push_str(c.value()),
            _ => runs.push((c.tag(), c.value().to_owned())),
        }
    }
    let mut out = Vec::new();
    let (mut removed, mut added) = (String::new(), String::new());
    let flush = |out: &mut Vec<Segment>, removed: &mut String, added: &mut String| {
        for (change, text) in [("removed", removed), ("added", added)] {
            if !text.is_empty() {
                out.push(Segment {
                    change,
                    text: std::mem::take(text),
                });
            }
        }
    };
    for (i, (tag, text)) in runs.iter().enumerate() {
        match tag {
            ChangeTag::Delete => removed.push_str(text),
            ChangeTag::Insert => added.push_str(text),
            ChangeTag::Equal => {
                let inside = !(removed.is_empty() && added.is_empty())
                    && runs.get(i + 1).is_some_and(|(t, _)| *t != ChangeTag::Equal);
                if inside && text.chars().count() <= 2 {
                    removed.push_str(text);
                    added.push_str(text);
                } else {
                    flush(&mut out, &mut removed, &mut added);
                    out.push(Segment {
                        change: "same",
                        text: text.clone(),
                    });
                }
            }
        }
    }
    flush(&mut out, &mut removed, &mut added);
    out
}

/// The procedures of the staff member's agency, withdrawn ones too.
pub async fn of_agency(app: &App, staff: &StaffMember) -> Result<Vec<ProcedureSummary>> {
    Ok(app.store.agency_procedures(staff.agency_id).list().await?)
}

/// The current text of one of the agency's procedures, for its editor.
pub async fn for_editing(
    app: &App,
    staff: &StaffMember,
    id: i32,
) -> Result<(ProcedureSummary, ProcedureVersion)> {
    require_editor(staff)?;
    Ok(app
        .store
        .agency_procedures(staff.agency_id)
        .current(id)
        .await?)
}

/// Whether `staff` may open the editor at all.
pub fn may_edit(staff: &StaffMember) -> Result<()> {
    require_editor(staff)
}

/// Publishes a new procedure as version 1.
pub async fn create(
    app: &App,
    staff: &StaffMember,
    input: &ProcedureInput,
) -> Result<ProcedureSummary> {
    require_editor(staff)?;
    let draft = ProcedureDraft::parse(input).map_err(Error::Fields)?;
    let agency = app.store.agency(staff.agency_id).await?;
    let created = app
        .store
        .agency_procedures(staff.agency_id)
        .create(agency.agency_type, &draft, Some(staff.id))
        .await?;
    tracing::info!(staff.id = %staff.id, procedure.id = created.id, "procedure created");
    Ok(created)
}

/// Publishes `input` as the next version, provided nobody published since
/// `base_version` (else `Conflict` with the current version; the old versions
/// stay as they were). `base_version` none: the current one.
pub async fn publish(
    app: &App,
    staff: &StaffMember,
    id: i32,
    base_version: Option<i32>,
    input: &ProcedureInput,
) -> Result<ProcedureSummary> {
    require_editor(staff)?;
    let procedures = app.store.agency_procedures(staff.agency_id);
    let current = procedures.get(id).await?;
    let base_version = base_version.unwrap_or(current.current_version);
    let draft = ProcedureDraft::parse(input).map_err(Error::Fields)?;
    let published = procedures
        .publish(id, base_version, &draft, Some(staff.id))
        .await?;
    tracing::info!(
        staff.id = %staff.id,
        procedure.id = id,
        procedure.version = published.current_version,
        "procedure version published"
    );
    Ok(published)
}

/// Withdraws a procedure from the catalogue, or publishes it again.
pub async fn set_status(
    app: &App,
    staff: &StaffMember,
    id: i32,
    status: ProcedureStatus,
) -> Result<ProcedureSummary> {
    require_editor(staff)?;
    let changed = app
        .store
        .agency_procedures(staff.agency_id)
        .set_status(id, status, staff.id)
        .await?;
    tracing::info!(
        staff.id = %staff.id,
        procedure.id = id,
        procedure.status = status.as_str(),
        "procedure status changed"
    );
    Ok(changed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shown(segments: &[Segment]) -> String {
        segments
            .iter()
            .map(|s| match s.change {
                "removed" => format!("[-{}]", s.text),
                "added" => format!("[+{}]", s.text),
                _ => s.text.clone(),
            })
            .collect()
    }

    #[test]
    fn a_changed_article_number_reads_as_one_change() {
        assert_eq!(
            shown(&segments(
                "《行政处罚法》第三十一条",
                "《行政处罚法》第四十四条"
            )),
            "《行政处罚法》第[-三十一][+四十四]条"
        );
        assert_eq!(shown(&segments("同", "同")), "同");
        assert_eq!(shown(&segments("", "新增")), "[+新增]");
        assert_eq!(
            shown(&segments(
                "提交申请书\n身份证明",
                "提交申请书\n身份证明\n授权委托书"
            )),
            "提交申请书\n身份证明[+\n授权委托书]"
        );
    }
}
