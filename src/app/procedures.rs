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
