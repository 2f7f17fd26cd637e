//! Staff accounts: roles, what each may do, and validated credentials input.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A staff member's role within their agency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// 受理员 — intake clerk
    IntakeClerk,
    /// 承办人 — handler
    Handler,
    /// 审批领导 — supervisor who approves
    Supervisor,
    /// 监督员 — auditor, reads everything in scope, changes nothing
    Auditor,
    /// 管理员 — administrator of the agency's site content and accounts
    Admin,
}

impl Role {
    pub const ALL: [Role; 5] = [
        Role::IntakeClerk,
        Role::Handler,
        Role::Supervisor,
        Role::Auditor,
        Role::Admin,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::IntakeClerk => "intake_clerk",
            Role::Handler => "handler",
            Role::Supervisor => "supervisor",
            Role::Auditor => "auditor",
            Role::Admin => "admin",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// Publishing what the agency tells the public is signed off by its
    /// leadership or its administrator, never by the staff who handle petitions.
    pub fn may_edit_procedures(self) -> bool {
        matches!(self, Role::Supervisor | Role::Admin)
    }
}

/// A syntactically plausible e-mail address, lower-cased. Deliverability is
/// proven only by mail arriving; this catches typos before anything is stored.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Email(String);

impl Email {
    pub fn parse(raw: &str) -> Option<Self> {
        let s = raw.trim().to_lowercase();
        if s.len() > 254 || s.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return None;
        }
        let (local, domain) = s.split_once('@')?;
        let domain_ok = !domain.is_empty()
            && !domain.contains('@')
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains("..")
            && domain
                .chars()
                .all(|c| c.is_alphanumeric() || c == '.' || c == '-');
        let local_ok = !local.is_empty()
            && local.len() <= 64
            && !local.chars().any(|c| {
                matches!(
                    c,
                    '<' | '>' | '"' | '(' | ')' | ',' | ';' | ':' | '\\' | '[' | ']'
                )
            });
        (domain_ok && local_ok).then_some(Email(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A new password: long enough to resist guessing; no composition rules,
/// which only push people to predictable patterns (NIST SP 800-63B).
pub fn password_is_acceptable(password: &str) -> bool {
    let n = password.chars().count();
    (12..=256).contains(&n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_supervisors_and_admins_edit_procedures() {
        let editors: Vec<Role> = Role::ALL
            .into_iter()
            .filter(|r| r.may_edit_procedures())
            .collect();
        assert_eq!(editors, vec![Role::Supervisor, Role::Admin]);
    }

    #[test]
    fn emails() {
        assert_eq!(
            Email::parse(" Li.Ming@Court.GOV.cn ").unwrap().as_str(),
            "li.ming@court.gov.cn"
        );
        for bad in [
            "", "a", "a@b", "a@@b.cn", "a b@c.cn", "<x>@c.cn", "a@.cn", "a@b.cn.", "@b.cn",
        ] {
            assert!(Email::parse(bad).is_none(), "{bad:?} accepted");
        }
    }

    #[test]
    fn passwords() {
        assert!(!password_is_acceptable("short"));
        assert!(password_is_acceptable("correct horse battery"));
    }
}
