//! 案件公开: staff of an agency disclose its cases (a redacted public summary
//! and a query code for the party) and record their milestones.

use super::{App, Error, Result};
use crate::domain::FieldErrors;
use crate::domain::access;
use crate::domain::case::{CaseDraft, CaseInput, MilestoneDraft, MilestoneInput};
use crate::domain::codes::AccessCode;
use crate::domain::page::{PageRequest, Paged};
use crate::store::StoreError;
use crate::store::cases::{CaseView, Milestone};
use crate::store::staff::StaffMember;

fn require_discloser(staff: &StaffMember) -> Result<()> {
    if access::may_disclose_cases(staff.role) {
        Ok(())
    } else {
        Err(Error::Forbidden)
    }
}

/// Whether `staff` may open the disclosure form at all.
pub fn may_disclose(staff: &StaffMember) -> Result<()> {
    require_discloser(staff)
}

/// Cases their agencies marked public.
pub async fn public_cases(app: &App, page: PageRequest) -> Result<Paged<CaseView>> {
    Ok(app.store.public_cases(page).await?)
}

/// A case and its milestones, for anyone when it is public and otherwise for
/// its party (`granted`: they opened it with its query code in this session).
pub async fn case_for_reader(
    app: &App,
    id: i32,
    granted: impl FnOnce(i32) -> bool,
) -> Result<(CaseView, Vec<Milestone>, bool)> {
    let case = app.store.case_by_id(id).await?;
    let as_party = granted(case.id);
    if !case.public && !as_party {
        return Err(Error::NotFound);
    }
    let milestones = app.store.case_milestones(case.id).await?;
    Ok((case, milestones, as_party))
}

pub async fn milestones(app: &App, case: &CaseView) -> Result<Vec<Milestone>> {
    Ok(app.store.case_milestones(case.id).await?)
}

/// The agency's disclosed cases.
pub async fn of_agency(app: &App, staff: &StaffMember) -> Result<Vec<CaseView>> {
    Ok(app.store.agency_cases(staff.agency_id).list().await?)
}

/// One of the agency's cases with its milestones.
pub async fn of_agency_one(
    app: &App,
    staff: &StaffMember,
    id: i32,
) -> Result<(CaseView, Vec<Milestone>)> {
    let case = app.store.agency_cases(staff.agency_id).get(id).await?;
    let milestones = app.store.case_milestones(case.id).await?;
    Ok((case, milestones))
}

/// Discloses a case with its first milestone (立案 on `filed_on`); returns the
/// case and its query code, shown once to the staff member to give the party.
pub async fn disclose(
    app: &App,
    staff: &StaffMember,
    input: &CaseInput,
    filed_on: &str,
) -> Result<(CaseView, AccessCode)> {
    require_discloser(staff)?;
    let filed = MilestoneDraft::parse(
        &MilestoneInput {
            stage: "filed".into(),
            occurred_on: filed_on.to_owned(),
            note: String::new(),
        },
        super::today(),
    );
    let (draft, filed) = match (CaseDraft::parse(input), filed) {
        (Ok(d), Ok(f)) => (d, f),
        (d, f) => {
            let mut errors = d.err().unwrap_or_default();
            if let Some(fe) = f.err().and_then(|e| e.get("occurred_on")) {
                errors.add("filed_on", fe);
            }
            return Err(Error::Fields(errors));
        }
    };
    let code = AccessCode::generate(&mut super::os_rng());
    let hash = super::limits::query_code_hash(app, &draft.case_number, &code);
    match app
        .store
        .agency_cases(staff.agency_id)
        .create(&draft, hash, filed.occurred_on, staff.id)
        .await
    {
        Ok(case) => {
            tracing::info!(staff.id = %staff.id, case.id = case.id, "case disclosed");
            Ok((case, code))
        }
        Err(StoreError::Conflict { .. }) => {
            let mut errors = FieldErrors::new();
            errors.add("case_number", "error-case-number-taken");
            Err(Error::Fields(errors))
        }
        Err(e) => Err(e.into()),
    }
}

/// Records a milestone of one of the agency's cases.
pub async fn add_milestone(
    app: &App,
    staff: &StaffMember,
    id: i32,
    input: &MilestoneInput,
) -> Result<()> {
    require_discloser(staff)?;
    let m = MilestoneDraft::parse(input, super::today()).map_err(Error::Fields)?;
    app.store
        .agency_cases(staff.agency_id)
        .add_milestone(id, &m, staff.id)
        .await?;
    Ok(())
}
