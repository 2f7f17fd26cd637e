//! Who may see what (the privacy tiers of DESIGN.md), as pure rules: recusal
//! (回避), reading a complainant's identity, the audit trail, disclosing cases.
//! The application layer asks these; the store only carries out the answer
//! (scoped finders filter by the same rule).

use super::agency::Hierarchy;
use super::ids::{AgencyId, StaffId};
use super::staff::Role;

/// The shortest name that recusal matches: one character would name half the staff.
pub const MIN_RECUSAL_NAME_CHARS: usize = 2;

/// 回避: whether a staff member called `name` is named as the subject of a
/// petition (in its subject or title). Such a member never sees the petition,
/// is never assigned to it and never hears of it.
pub fn names(subject: &str, title: &str, name: &str) -> bool {
    is_recusable_name(name) && (subject.contains(name) || title.contains(name))
}

/// Whether `name` is long enough to be matched for recusal at all.
pub fn is_recusable_name(name: &str) -> bool {
    name.chars().count() >= MIN_RECUSAL_NAME_CHARS
}

/// Whether a staff member may read the complainant's identity: only those who
/// handle the petition (its assigned handler, the supervisors and intake clerks
/// of the agency), never an auditor browsing nor an administrator. Every read
/// is written to the audit trail.
pub fn may_read_identity(role: Role, staff: StaffId, handler: Option<StaffId>) -> bool {
    match role {
        Role::Handler => handler == Some(staff),
        Role::Supervisor | Role::IntakeClerk => true,
        Role::Auditor | Role::Admin => false,
    }
}

/// Whether a staff member sees a petition's audit entries on its page (监督):
/// the auditors who watch and the supervisors who answer for it.
pub fn may_see_audit_trail(role: Role) -> bool {
    matches!(role, Role::Auditor | Role::Supervisor)
}

/// Who discloses cases (案件公开) and records their milestones.
pub fn may_disclose_cases(role: Role) -> bool {
    matches!(role, Role::Handler | Role::Supervisor | Role::Admin)
}

/// Who sees the installation's job queue and requeues given-up jobs from the
/// console: administrators. The queue serves every agency, but what the page
/// shows of a job is its kind, times and error with personal identifiers
/// masked — nothing of the petition — so any administrator may run it.
pub fn may_run_the_queue(role: Role) -> bool {
    role == Role::Admin
}

/// Who places or lifts a legal hold on a petition (retention then waits):
/// the supervisors who answer for it and the auditors who watch it.
pub fn may_hold(role: Role) -> bool {
    matches!(role, Role::Supervisor | Role::Auditor)
}

/// Who registers a petition received at the counter (来访), by letter (来信)
/// or by phone on the petitioner's behalf: the intake clerks who take them
/// and the supervisors who stand in for them.
pub fn may_register(role: Role) -> bool {
    matches!(role, Role::IntakeClerk | Role::Supervisor)
}

/// Whether `admin` may manage the account of `target` (of `target_agency`):
/// an administrator, within their agency tree; never their own role or
/// activity (`changes_standing`), so nobody locks themself out or raises themself.
pub fn may_administer(
    admin: &Viewer,
    target: StaffId,
    target_agency: AgencyId,
    changes_standing: bool,
    hierarchy: &Hierarchy,
) -> Result<(), super::staff::AdminRefusal> {
    use super::staff::AdminRefusal;
    if admin.role != Role::Admin {
        return Err(AdminRefusal::NotAnAdmin);
    }
    if !hierarchy.is_within(target_agency, admin.agency) {
        return Err(AdminRefusal::OutOfTree);
    }
    if changes_standing && admin.id == target {
        return Err(AdminRefusal::Themself);
    }
    Ok(())
}

/// A staff member as access to figures sees them.
#[derive(Debug, Clone, Copy)]
pub struct Viewer {
    pub id: StaffId,
    pub role: Role,
    pub agency: AgencyId,
}

/// 执法监督: whether `viewer` may see the oversight figures, the evaluation and
/// the bulletins of `agency` — the supervisors and auditors of that agency and
/// of any agency above it. Nobody sees a sibling's figures (a county never
/// sees another county's).
pub fn may_oversee(viewer: &Viewer, agency: AgencyId, hierarchy: &Hierarchy) -> bool {
    matches!(viewer.role, Role::Supervisor | Role::Auditor)
        && hierarchy.is_within(agency, viewer.agency)
}

/// 执法档案: whether `viewer` may read the record (acts and indicators) of the
/// officer `officer` of `officer_agency` — the officer themself, their
/// agency's supervisors and auditors, and the auditors of agencies above it.
/// Nobody else: not a colleague, not a supervisor of a higher agency.
pub fn may_read_record(
    viewer: &Viewer,
    officer: StaffId,
    officer_agency: AgencyId,
    hierarchy: &Hierarchy,
) -> bool {
    if viewer.id == officer {
        return true;
    }
    match viewer.role {
        Role::Supervisor => viewer.agency == officer_agency,
        Role::Auditor => hierarchy.is_within(officer_agency, viewer.agency),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recusal_needs_two_characters_and_a_mention() {
        assert!(names("举报张三受贿", "", "张三"));
        assert!(names("", "关于张三的投诉", "张三"));
        assert!(!names("举报张三受贿", "", "张"));
        assert!(!names("举报李四", "投诉", "张三"));
    }

    #[test]
    fn administrators_manage_accounts_in_their_tree_but_not_their_own_standing() {
        use super::super::staff::AdminRefusal;
        let h = tree();
        let admin = Viewer {
            id: StaffId(1),
            role: Role::Admin,
            agency: AgencyId(2),
        };
        assert_eq!(
            may_administer(&admin, StaffId(5), AgencyId(4), true, &h),
            Ok(())
        );
        assert_eq!(
            may_administer(&admin, StaffId(5), AgencyId(1), false, &h),
            Err(AdminRefusal::OutOfTree)
        );
        assert_eq!(
            may_administer(&admin, StaffId(1), AgencyId(2), true, &h),
            Err(AdminRefusal::Themself)
        );
        assert_eq!(
            may_administer(&admin, StaffId(1), AgencyId(2), false, &h),
            Ok(())
        );
        let clerk = Viewer {
            role: Role::Supervisor,
            ..admin
        };
        assert_eq!(
            may_administer(&clerk, StaffId(5), AgencyId(4), false, &h),
            Err(AdminRefusal::NotAnAdmin)
        );
    }

    #[test]
    fn only_those_handling_read_the_identity() {
        let me = StaffId(5);
        assert!(may_read_identity(Role::Handler, me, Some(me)));
        assert!(!may_read_identity(Role::Handler, me, Some(StaffId(6))));
        assert!(!may_read_identity(Role::Handler, me, None));
        assert!(may_read_identity(Role::Supervisor, me, None));
        assert!(may_read_identity(Role::IntakeClerk, me, None));
        assert!(!may_read_identity(Role::Auditor, me, Some(me)));
        assert!(!may_read_identity(Role::Admin, me, None));
    }

    fn tree() -> Hierarchy {
        // 1 province; 2, 5 cities; 3, 4 counties of 2; 6 county of 5.
        Hierarchy::new([
            (AgencyId(1), None),
            (AgencyId(2), Some(AgencyId(1))),
            (AgencyId(3), Some(AgencyId(2))),
            (AgencyId(4), Some(AgencyId(2))),
            (AgencyId(5), Some(AgencyId(1))),
            (AgencyId(6), Some(AgencyId(5))),
        ])
    }

    fn viewer(id: i32, role: Role, agency: i32) -> Viewer {
        Viewer {
            id: StaffId(id),
            role,
            agency: AgencyId(agency),
        }
    }

    #[test]
    fn oversight_looks_down_the_hierarchy_never_sideways() {
        let h = tree();
        let city_auditor = viewer(1, Role::Auditor, 2);
        assert!(may_oversee(&city_auditor, AgencyId(3), &h));
        assert!(may_oversee(&city_auditor, AgencyId(2), &h));
        assert!(
            !may_oversee(&city_auditor, AgencyId(6), &h),
            "another city's county"
        );
        assert!(!may_oversee(&city_auditor, AgencyId(1), &h), "not upward");
        let county_auditor = viewer(2, Role::Auditor, 3);
        assert!(
            !may_oversee(&county_auditor, AgencyId(4), &h),
            "a neighbouring county"
        );
        assert!(may_oversee(
            &viewer(3, Role::Supervisor, 1),
            AgencyId(6),
            &h
        ));
        for role in [Role::Handler, Role::IntakeClerk, Role::Admin] {
            assert!(
                !may_oversee(&viewer(4, role, 1), AgencyId(1), &h),
                "{role:?}"
            );
        }
    }

    #[test]
    fn an_officers_record_is_for_themself_their_leaders_and_the_auditors_above() {
        let h = tree();
        let officer = StaffId(50);
        let county = AgencyId(3);
        assert!(may_read_record(
            &viewer(50, Role::Handler, 3),
            officer,
            county,
            &h
        ));
        assert!(
            !may_read_record(&viewer(51, Role::Handler, 3), officer, county, &h),
            "a colleague"
        );
        assert!(may_read_record(
            &viewer(52, Role::Supervisor, 3),
            officer,
            county,
            &h
        ));
        assert!(may_read_record(
            &viewer(53, Role::Auditor, 3),
            officer,
            county,
            &h
        ));
        assert!(
            may_read_record(&viewer(54, Role::Auditor, 2), officer, county, &h),
            "the city's auditor"
        );
        assert!(may_read_record(
            &viewer(55, Role::Auditor, 1),
            officer,
            county,
            &h
        ));
        assert!(
            !may_read_record(&viewer(56, Role::Supervisor, 2), officer, county, &h),
            "a higher supervisor"
        );
        assert!(
            !may_read_record(&viewer(57, Role::Auditor, 4), officer, county, &h),
            "a neighbouring county"
        );
        assert!(!may_read_record(
            &viewer(58, Role::Admin, 3),
            officer,
            county,
            &h
        ));
    }

    #[test]
    fn the_audit_trail_is_for_auditors_and_supervisors() {
        let seeing: Vec<Role> = Role::ALL
            .into_iter()
            .filter(|r| may_see_audit_trail(*r))
            .collect();
        assert_eq!(seeing, vec![Role::Supervisor, Role::Auditor]);
    }
}
