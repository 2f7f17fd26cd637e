//! What staff read of one petition: found only in their scope (their agency's,
//! not naming them — 回避), its record, the complainant's identity and its
//! files, each read of personal data audited before it is shown.

use super::{App, Error, Result};
use crate::domain::access;
use crate::store::petitions::{DeadlineView, EvidenceFile, Petition, TimelineEvent};
use crate::store::staff::StaffMember;

/// A tracking number in the form stored: the number as printed on the
/// receipt (`MJ26-CG96C-KAY1W`), with spaces or in lower case, finds the same
/// petition. A number that is not a valid one is looked up as given.
pub fn canonical_number(tn: &str) -> String {
    crate::domain::codes::TrackingNumber::parse(tn)
        .map(|t| t.as_str().to_owned())
        .unwrap_or_else(|_| tn.trim().to_owned())
}

/// The petition if `staff` may see it: their agency's, and not naming them (回避).
/// `tn` is the stored (canonical) form, as the console's links carry it.
pub async fn visible_petition(app: &App, staff: &StaffMember, tn: &str) -> Result<Petition> {
    app.store
        .staff_petitions(staff.agency_id, &staff.name)
        .by_tracking_number(&canonical_number(tn))
        .await?
        .ok_or(Error::NotFound)
}

/// Everything a staff member reads on a petition's page (console and API).
pub struct Record {
    pub petition: Petition,
    /// Only for those who handle it; the read is audited.
    pub complainant: Option<Identity>,
    pub deadlines: Vec<DeadlineView>,
    /// The whole timeline, internal events too.
    pub timeline: Vec<TimelineEvent>,
    pub files: Vec<EvidenceFile>,
    /// The petition's audit entries, for those who watch it
    /// (`access::may_see_audit_trail`), each staff actor named.
    pub audit: Vec<AuditRow>,
    /// Its links to other petitions of the same matter (重复信访).
    pub links: Vec<crate::store::duplicates::Link>,
}

pub async fn record(app: &App, staff: &StaffMember, tn: &str) -> Result<Record> {
    let petition = visible_petition(app, staff, tn).await?;
    let complainant = read_identity(app, staff, &petition).await?;
    let audit = if access::may_see_audit_trail(staff.role) {
        crate::audit::entries(app.store.conn(), Some(&format!("petition:{}", petition.id))).await?
    } else {
        Vec::new()
    };
    let (timeline, audit) = named(
        app,
        app.store.petition_timeline(petition.id, false).await?,
        audit,
    )
    .await?;
    Ok(Record {
        deadlines: app.store.petition_deadlines(petition.id).await?,
        timeline,
        files: app.store.petition_files(petition.id).await?,
        links: app.store.petition_links(petition.id).await?,
        complainant,
        audit,
        petition,
    })
}

/// An audit entry as the console shows it: who acted, by name and post.
#[derive(Debug, Clone, serde::Serialize)]
pub struct AuditRow {
    #[serde(flatten)]
    pub entry: crate::audit::Entry,
    pub by: Option<crate::domain::staff::Named>,
}

/// The staff actors of a timeline and an audit trail named (one query).
pub async fn named(
    app: &App,
    mut timeline: Vec<TimelineEvent>,
    audit: Vec<crate::audit::Entry>,
) -> Result<(Vec<TimelineEvent>, Vec<AuditRow>)> {
    let staff_of = |actor: &str| {
        actor
            .strip_prefix("staff:")
            .and_then(|n| n.parse().ok())
            .map(crate::domain::ids::StaffId)
    };
    let mut ids: Vec<_> = timeline
        .iter()
        .filter_map(|e| e.staff_id)
        .chain(audit.iter().filter_map(|a| staff_of(&a.actor)))
        .collect();
    ids.sort();
    ids.dedup();
    let people = app.store.staff_named(&ids).await?;
    for e in &mut timeline {
        e.by = e.staff_id.and_then(|id| people.get(&id).cloned());
    }
    let audit = audit
        .into_iter()
        .map(|entry| AuditRow {
            by: staff_of(&entry.actor).and_then(|id| people.get(&id).cloned()),
            entry,
        })
        .collect();
    Ok((timeline, audit))
}

/// A named complainant's contact details, as those who handle the petition see them.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct Identity {
    pub name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
}

/// The complainant's identity for `staff`, if they may read it
/// (`access::may_read_identity`); every read is written to the audit trail
/// before it is shown.
pub async fn read_identity(
    app: &App,
    staff: &StaffMember,
    p: &Petition,
) -> Result<Option<Identity>> {
    if p.anonymous || !access::may_read_identity(staff.role, staff.id, p.handler_id) {
        return Ok(None);
    }
    app.store
        .audit_read(
            &staff.actor(),
            "read_identity",
            &format!("petition:{}", p.id),
        )
        .await?;
    Ok(Some(Identity {
        name: p.contact_name.clone(),
        email: p.contact_email.clone(),
        phone: p.contact_phone.clone(),
    }))
}

/// An evidence file of a petition in scope, for staff: each read is an audit
/// entry naming the reader before the bytes go out.
pub async fn staff_file(
    app: &App,
    staff: &StaffMember,
    tn: &str,
    file_id: i32,
) -> Result<(EvidenceFile, Vec<u8>)> {
    let p = visible_petition(app, staff, tn).await?;
    let (file, bytes) = super::lookup::evidence_file(app, p.id, file_id).await?;
    app.store
        .audit_read(
            &staff.actor(),
            "read_file",
            &format!("petition:{}/file:{}", p.id, file.id),
        )
        .await?;
    Ok((file, bytes))
}
