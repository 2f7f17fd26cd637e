//! Staff accounts: roles, what each may do, and validated credentials input.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A staff member as the console names them where they acted: name and post
/// (as the letters do), so a supervisor reads who did what without a lookup.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Named {
    pub name: String,
    pub role: Role,
}

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

/// Which roles must pass a second factor (TOTP) to use the console
/// (`MINGJING_SECOND_FACTOR`): by default those who approve, watch and run
/// accounts — supervisors, auditors, administrators.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecondFactorPolicy {
    roles: Vec<Role>,
}

impl Default for SecondFactorPolicy {
    fn default() -> Self {
        Self {
            roles: vec![Role::Supervisor, Role::Auditor, Role::Admin],
        }
    }
}

impl SecondFactorPolicy {
    /// `none`, `all`, or a comma-separated list of roles.
    pub fn parse(raw: &str) -> Option<Self> {
        let raw = raw.trim();
        match raw {
            "none" | "off" => Some(Self { roles: vec![] }),
            "all" => Some(Self {
                roles: Role::ALL.to_vec(),
            }),
            _ => raw
                .split(',')
                .map(|r| Role::parse(r.trim()))
                .collect::<Option<Vec<Role>>>()
                .map(|roles| Self { roles }),
        }
    }

    pub fn requires(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }
}

/// Failed logins per account and client that cost nothing.
pub const FREE_FAILURES: u32 = 3;
/// The longest wait between two attempts of one client on one account.
pub const MAX_BACKOFF_SECS: u64 = 15 * 60;

/// How long one client waits before its next attempt on one account after
/// `failures` wrong passwords: nothing for the first three, then 1 s, 2 s,
/// 4 s … doubling up to a quarter of an hour. A guesser is slowed to a few
/// attempts an hour; someone who mistyped waits seconds, and nobody else —
/// the real user on their own device — waits at all.
pub fn backoff(failures: u32) -> std::time::Duration {
    if failures <= FREE_FAILURES {
        return std::time::Duration::ZERO;
    }
    let exp = (failures - FREE_FAILURES - 1).min(20);
    std::time::Duration::from_secs((1u64 << exp).min(MAX_BACKOFF_SECS))
}

/// What an administrator may not do to an account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum AdminRefusal {
    #[error("only administrators manage accounts")]
    NotAnAdmin,
    #[error("the account is outside the administrator's agency tree")]
    OutOfTree,
    /// Their own role and activity: nobody locks themself out or raises themself.
    #[error("administrators do not change their own role or activity")]
    Themself,
}

impl AdminRefusal {
    pub fn message_key(self) -> &'static str {
        match self {
            AdminRefusal::NotAnAdmin => "error-forbidden",
            AdminRefusal::OutOfTree => "error-forbidden",
            AdminRefusal::Themself => "error-admin-themself",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_second_factor_policy_parses() {
        let d = SecondFactorPolicy::default();
        assert!(
            d.requires(Role::Supervisor) && d.requires(Role::Admin) && d.requires(Role::Auditor)
        );
        assert!(!d.requires(Role::Handler) && !d.requires(Role::IntakeClerk));
        assert!(
            !SecondFactorPolicy::parse("none")
                .unwrap()
                .requires(Role::Admin)
        );
        assert!(
            SecondFactorPolicy::parse("all")
                .unwrap()
                .requires(Role::Handler)
        );
        assert!(
            SecondFactorPolicy::parse("admin, handler")
                .unwrap()
                .requires(Role::Handler)
        );
        assert!(SecondFactorPolicy::parse("admin,boss").is_none());
    }

    #[test]
    fn backoff_doubles_after_three_free_failures_up_to_a_quarter_hour() {
        let secs: Vec<u64> = (1..=8).map(|n| backoff(n).as_secs()).collect();
        assert_eq!(secs, vec![0, 0, 0, 1, 2, 4, 8, 16]);
        assert_eq!(backoff(40).as_secs(), MAX_BACKOFF_SECS);
    }

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
