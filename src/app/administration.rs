//! The administration of staff accounts (账号管理) for an agency tree:
//! create, change role, deactivate, reactivate, reset by a one-time link by
//! mail, see and revoke sessions — each change an audit entry; an
//! administrator acts only on the accounts of their own agency and those below it.

use super::accounts::random_token;
use super::{App, Error, Result};
use crate::domain::FieldErrors;
use crate::domain::access::{Viewer, may_administer};
use crate::domain::ids::{AgencyId, StaffId};
use crate::domain::staff::{Email, Role};
use crate::store::sessions::SignedIn;
use crate::store::staff::{Account, AccountChange, StaffMember};
use chrono::Utc;

fn viewer(staff: &StaffMember) -> Viewer {
    Viewer {
        id: staff.id,
        role: staff.role,
        agency: staff.agency_id,
    }
}

/// The agencies an administrator runs the accounts of: theirs and every one below.
async fn tree_of(app: &App, admin: &StaffMember) -> Result<Vec<AgencyId>> {
    if admin.role != Role::Admin {
        return Err(Error::Forbidden);
    }
    let (_, hierarchy) = super::agencies::hierarchy(app).await?;
    Ok(hierarchy.subtree(admin.agency_id))
}

/// Whether `staff` administers accounts at all.
pub fn administers(staff: &StaffMember) -> bool {
    staff.role == Role::Admin
}

/// What an administrator sees: the accounts and live sessions of their
/// agency tree, and the agencies of the tree.
pub struct Administered {
    pub accounts: Vec<Account>,
    pub sessions: Vec<SignedIn>,
    pub agencies: Vec<AgencyId>,
}

pub async fn administered(app: &App, admin: &StaffMember) -> Result<Administered> {
    let tree = tree_of(app, admin).await?;
    Ok(Administered {
        accounts: app.store.accounts_in(&tree).await?,
        sessions: app.store.sessions_in(&tree, Utc::now()).await?,
        agencies: tree,
    })
}

/// An account within the administrator's reach, for `change`.
async fn administered_account(
    app: &App,
    admin: &StaffMember,
    id: StaffId,
    changes_standing: bool,
) -> Result<Account> {
    let account = app.store.account(id).await?.ok_or(Error::NotFound)?;
    let (_, hierarchy) = super::agencies::hierarchy(app).await?;
    may_administer(
        &viewer(admin),
        id,
        account.member.agency_id,
        changes_standing,
        &hierarchy,
    )
    .map_err(|r| match r {
        crate::domain::staff::AdminRefusal::OutOfTree => Error::NotFound,
        crate::domain::staff::AdminRefusal::NotAnAdmin => Error::Forbidden,
        other => Error::Invalid(other.message_key()),
    })?;
    Ok(account)
}

/// What the new-account form sent.
#[derive(Debug, Clone, Default, serde::Deserialize, serde::Serialize)]
pub struct NewAccount {
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub role: String,
    #[serde(default)]
    pub agency: String,
}

/// Creates an account in the administrator's tree. It has no usable password
/// until its owner sets one through the one-time link mailed to them.
pub async fn create_account(app: &App, admin: &StaffMember, input: &NewAccount) -> Result<Account> {
    let tree = tree_of(app, admin).await?;
    let mut e = FieldErrors::new();
    let email = Email::parse(&input.email);
    if email.is_none() {
        e.add("email", "error-email");
    }
    let name = input.name.trim();
    if name.is_empty() || name.chars().count() > 50 {
        e.add("name", "error-required");
    }
    let role = Role::parse(input.role.trim());
    if role.is_none() {
        e.add("role", "error-choose-one");
    }
    let agency = input
        .agency
        .trim()
        .parse::<i32>()
        .ok()
        .map(AgencyId)
        .filter(|a| tree.contains(a));
    if agency.is_none() {
        e.add("agency", "error-choose-one");
    }
    if let Some(email) = &email
        && app.store.staff_credentials(email).await?.is_some()
    {
        e.add("email", "error-email-taken");
    }
    let (Some(email), Some(role), Some(agency), true) = (email, role, agency, e.is_empty()) else {
        return Err(Error::Fields(e));
    };
    // A password nobody knows: the owner sets theirs through the reset link.
    let unusable = random_token();
    let hash = tokio::task::spawn_blocking(move || crate::auth::password::hash(&unusable))
        .await
        .map_err(Error::internal)?
        .map_err(Error::internal)?;
    let member = match app
        .store
        .insert_staff_by(&email, name, role, agency, &hash, Some(&admin.actor()))
        .await
    {
        Ok(m) => m,
        Err(crate::store::StoreError::Db(e))
            if matches!(
                e.sql_err(),
                Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
            ) =>
        {
            let mut errors = FieldErrors::new();
            errors.add("email", "error-email-taken");
            return Err(Error::Fields(errors));
        }
        Err(e) => return Err(e.into()),
    };
    send_reset_link(app, admin, member.id).await?;
    app.store.account(member.id).await?.ok_or(Error::NotFound)
}

/// Changes an account's role, or deactivates or reactivates it (sessions and
/// API tokens of a deactivated account end on every node).
pub async fn change_account(
    app: &App,
    admin: &StaffMember,
    id: StaffId,
    change: AccountChange,
) -> Result<Account> {
    if !matches!(change, AccountChange::Role(_) | AccountChange::Active(_)) {
        return Err(Error::Forbidden);
    }
    administered_account(app, admin, id, true).await?;
    Ok(app
        .store
        .change_account(id, &change, &admin.actor())
        .await?)
}

/// Mails the account's owner a one-time link to set a new password (24 h).
/// The link is made when the mail is sent, so no usable token waits in the
/// queue; the request is an audit entry.
pub async fn send_reset_link(app: &App, admin: &StaffMember, id: StaffId) -> Result<()> {
    administered_account(app, admin, id, false).await?;
    app.store.queue_password_reset(id, &admin.actor()).await?;
    Ok(())
}

/// Revokes a session of an account in the administrator's tree.
pub async fn revoke_session(
    app: &App,
    admin: &StaffMember,
    id: StaffId,
    session: &str,
) -> Result<()> {
    administered_account(app, admin, id, false).await?;
    if !app
        .store
        .revoke_session(session, id, &admin.actor(), Utc::now())
        .await?
    {
        return Err(Error::NotFound);
    }
    Ok(())
}
