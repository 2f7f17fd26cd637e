//! Who may see what (the privacy tiers of DESIGN.md), as pure rules: recusal
//! (回避), reading a complainant's identity, the audit trail, disclosing cases.
//! The application layer asks these; the store only carries out the answer
//! (scoped finders filter by the same rule).

use super::ids::StaffId;
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

    #[test]
    fn the_audit_trail_is_for_auditors_and_supervisors() {
        let seeing: Vec<Role> = Role::ALL
            .into_iter()
            .filter(|r| may_see_audit_trail(*r))
            .collect();
        assert_eq!(seeing, vec![Role::Supervisor, Role::Auditor]);
    }
}
