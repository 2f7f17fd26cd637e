//! Staff accounts.

use super::entities::staff;
use super::outbox::{Indexed, Outbox};
use super::{Store, StoreResult};
use crate::domain::ids::{AgencyId, StaffId};
use crate::domain::staff::{Email, Role};
use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QuerySelect,
};

/// A signed-in staff member: who they are and the scope they act in.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct StaffMember {
    pub id: StaffId,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub agency_id: AgencyId,
    /// Has enrolled a TOTP second factor.
    pub second_factor: bool,
}

impl From<staff::Model> for StaffMember {
    fn from(m: staff::Model) -> Self {
        StaffMember {
            role: m.role,
            id: m.id,
            email: m.email,
            name: m.name,
            agency_id: m.agency_id,
            second_factor: m.totp_enabled_at.is_some(),
        }
    }
}

/// An account as its administrator sees it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Account {
    #[serde(flatten)]
    pub member: StaffMember,
    pub active: bool,
    pub created_at: chrono::DateTime<Utc>,
    pub password_changed_at: Option<chrono::DateTime<Utc>>,
    pub deactivated_at: Option<chrono::DateTime<Utc>>,
    pub deactivated_by: Option<String>,
}

impl From<staff::Model> for Account {
    fn from(m: staff::Model) -> Self {
        Account {
            active: m.active,
            created_at: m.created_at,
            password_changed_at: m.password_changed_at,
            deactivated_at: m.deactivated_at,
            deactivated_by: m.deactivated_by.clone(),
            member: StaffMember::from(m),
        }
    }
}

/// A change an administrator (or the member themself) makes to an account.
#[derive(Debug, Clone)]
pub enum AccountChange {
    Role(Role),
    /// Deactivate (false) or reactivate (true).
    Active(bool),
    /// A new password hash; `keep_session` survives (the member's own change).
    Password {
        hash: String,
        keep_session: Option<String>,
    },
    /// A TOTP key (sealed), the time step of the code that proved it (used,
    /// so not accepted again), and the keyed hashes of new recovery codes.
    SecondFactor {
        sealed_key: String,
        step: i64,
        recovery_hashes: Vec<String>,
    },
    /// New recovery codes (the old ones stop working).
    RecoveryCodes(Vec<String>),
}

impl AccountChange {
    fn action(&self) -> &'static str {
        match self {
            AccountChange::Role(_) => "account_role",
            AccountChange::Active(true) => "account_reactivate",
            AccountChange::Active(false) => "account_deactivate",
            AccountChange::Password { .. } => "account_password",
            AccountChange::SecondFactor { .. } => "account_second_factor",
            AccountChange::RecoveryCodes(_) => "account_recovery_codes",
        }
    }
}

impl StaffMember {
    /// How the audit trail and the timeline name this member (谁执法、谁负责).
    pub fn actor(&self) -> String {
        format!("staff:{}", self.id)
    }
}

impl Store {
    /// The active account with this e-mail and its password hash, for login.
    pub async fn staff_credentials(
        &self,
        email: &Email,
    ) -> StoreResult<Option<(StaffMember, String)>> {
        let row = staff::Entity::find()
            .filter(staff::Column::Email.eq(email.as_str()))
            .filter(staff::Column::Active.eq(true))
            .one(self.conn())
            .await?;
        Ok(row.map(|m| {
            let hash = m.password_hash.clone();
            (StaffMember::from(m), hash)
        }))
    }

    /// The active account behind a session; a deactivated account's session ends.
    pub async fn active_staff(&self, id: StaffId) -> StoreResult<Option<StaffMember>> {
        Ok(staff::Entity::find_by_id(id)
            .filter(staff::Column::Active.eq(true))
            .one(self.conn())
            .await?
            .map(StaffMember::from))
    }

    pub async fn insert_staff(
        &self,
        email: &Email,
        name: &str,
        role: Role,
        agency_id: AgencyId,
        password_hash: &str,
    ) -> StoreResult<StaffMember> {
        self.insert_staff_by(email, name, role, agency_id, password_hash, None)
            .await
    }

    /// [`Store::insert_staff`], with an audit entry naming `actor` when one is given.
    pub async fn insert_staff_by(
        &self,
        email: &Email,
        name: &str,
        role: Role,
        agency_id: AgencyId,
        password_hash: &str,
        actor: Option<&str>,
    ) -> StoreResult<StaffMember> {
        use super::entities::petition;
        use crate::domain::ids::PetitionId;
        use sea_orm::QuerySelect;
        let _lock = crate::audit::APPEND_LOCK.lock().await;
        let txn = self.begin_write().await?;
        let member: StaffMember = staff::ActiveModel {
            email: Set(email.as_str().to_owned()),
            name: Set(name.to_owned()),
            role: Set(role),
            agency_id: Set(agency_id),
            password_hash: Set(password_hash.to_owned()),
            active: Set(true),
            created_at: Set(Utc::now()),
            ..Default::default()
        }
        .insert(&txn)
        .await?
        .into();
        // 回避 in search: petitions of the agency that already name the newcomer are
        // indexed again, so that their search never finds them.
        let ids: Vec<PetitionId> = petition::Entity::find()
            .select_only()
            .column(petition::Column::Id)
            .filter(petition::Column::AgencyId.eq(agency_id))
            .filter(super::petitions::naming(name))
            .into_tuple()
            .all(&txn)
            .await?;
        if let Some(actor) = actor {
            crate::audit::append(
                &txn,
                actor,
                "account_create",
                &format!("staff:{}", member.id.0),
                &serde_json::Value::Null,
                &serde_json::json!({ "email": member.email, "role": member.role, "agency_id": member.agency_id }),
            )
            .await?;
        }
        let mut outbox = Outbox::new();
        for id in ids {
            outbox.index(Indexed::Petition(id));
        }
        self.finish(txn, outbox).await?;
        Ok(member)
    }
}

impl Store {
    /// The accounts of `agencies`, active or not, by agency, role and name.
    pub async fn accounts_in(&self, agencies: &[AgencyId]) -> StoreResult<Vec<Account>> {
        use sea_orm::QueryOrder;
        Ok(staff::Entity::find()
            .filter(staff::Column::AgencyId.is_in(agencies.iter().copied()))
            .order_by_asc(staff::Column::AgencyId)
            .order_by_asc(staff::Column::Role)
            .order_by_asc(staff::Column::Name)
            .all(self.conn())
            .await?
            .into_iter()
            .map(Account::from)
            .collect())
    }

    /// One account, active or not.
    pub async fn account(&self, id: StaffId) -> StoreResult<Option<Account>> {
        Ok(staff::Entity::find_by_id(id)
            .one(self.conn())
            .await?
            .map(Account::from))
    }

    /// The password hash and sealed TOTP key of an active account.
    pub async fn staff_secrets(
        &self,
        id: StaffId,
    ) -> StoreResult<Option<(String, Option<String>)>> {
        Ok(staff::Entity::find_by_id(id)
            .filter(staff::Column::Active.eq(true))
            .one(self.conn())
            .await?
            .map(|m| (m.password_hash, m.totp_secret)))
    }

    /// Applies `change` to account `id` by `actor`, with its audit entry; a
    /// deactivation or a new password also ends the account's sessions and
    /// API tokens (but `keep_session`), on every node.
    pub async fn change_account(
        &self,
        id: StaffId,
        change: &AccountChange,
        actor: &str,
    ) -> StoreResult<Account> {
        let now = Utc::now();
        let _lock = crate::audit::APPEND_LOCK.lock().await;
        let txn = self.begin_write().await?;
        let before = staff::Entity::find_by_id(id)
            .one(&txn)
            .await?
            .ok_or(super::StoreError::NotFound)?;
        let mut row = staff::ActiveModel {
            id: Set(id),
            ..Default::default()
        };
        let mut ended = 0;
        let mut after = serde_json::json!({});
        match change {
            AccountChange::Role(role) => {
                row.role = Set(*role);
                after = serde_json::json!({ "role": role });
            }
            AccountChange::Active(active) => {
                row.active = Set(*active);
                row.deactivated_at = Set((!active).then_some(now));
                row.deactivated_by = Set((!active).then(|| actor.to_owned()));
                if !active {
                    ended = self.end_sessions_in(&txn, id, None, actor, now).await?;
                }
                after = serde_json::json!({ "active": active, "sessions_ended": ended });
            }
            AccountChange::Password { hash, keep_session } => {
                row.password_hash = Set(hash.clone());
                row.password_changed_at = Set(Some(now));
                ended = self
                    .end_sessions_in(&txn, id, keep_session.as_deref(), actor, now)
                    .await?;
                after = serde_json::json!({ "sessions_ended": ended });
            }
            AccountChange::SecondFactor {
                sealed_key,
                step,
                recovery_hashes,
            } => {
                row.totp_secret = Set(Some(sealed_key.clone()));
                row.totp_enabled_at = Set(Some(now));
                row.totp_last_step = Set(Some(*step));
                self.keep_recovery_codes(&txn, id, recovery_hashes).await?;
                after = serde_json::json!({ "enrolled": true, "recovery_codes": recovery_hashes.len() });
            }
            AccountChange::RecoveryCodes(hashes) => {
                self.keep_recovery_codes(&txn, id, hashes).await?;
                after = serde_json::json!({ "recovery_codes": hashes.len() });
            }
        }
        let updated: Account = if matches!(change, AccountChange::RecoveryCodes(_)) {
            before.clone().into()
        } else {
            row.update(&txn).await?.into()
        };
        crate::audit::append(
            &txn,
            actor,
            change.action(),
            &format!("staff:{}", id.0),
            &serde_json::json!({ "role": before.role, "active": before.active }),
            &after,
        )
        .await?;
        txn.commit().await?;
        Ok(updated)
    }

    async fn keep_recovery_codes<C: sea_orm::ConnectionTrait>(
        &self,
        txn: &C,
        id: StaffId,
        hashes: &[String],
    ) -> StoreResult<()> {
        txn.execute_raw(self.statement(
            "DELETE FROM staff_recovery_codes WHERE staff_id = $1",
            vec![id.0.into()],
        ))
        .await?;
        for h in hashes {
            txn.execute_raw(self.statement(
                "INSERT INTO staff_recovery_codes (staff_id, code_hash) VALUES ($1, $2)",
                vec![id.0.into(), h.clone().into()],
            ))
            .await?;
        }
        Ok(())
    }

    /// Queues the mail with a one-time password link for `id` (the job makes
    /// the link when it sends), with the request's audit entry.
    pub async fn queue_password_reset(&self, id: StaffId, actor: &str) -> StoreResult<()> {
        let _lock = crate::audit::APPEND_LOCK.lock().await;
        let txn = self.begin_write().await?;
        crate::audit::append(
            &txn,
            actor,
            "account_reset_link",
            &format!("staff:{}", id.0),
            &serde_json::Value::Null,
            &serde_json::Value::Null,
        )
        .await?;
        super::outbox::enqueue_job(
            &txn,
            crate::domain::events::Notice::PasswordReset.job_kind(),
            serde_json::json!({ "staff_id": id.0, "requested_by": actor }),
            None,
        )
        .await?;
        txn.commit().await?;
        Ok(())
    }

    pub async fn insert_staff_token(
        &self,
        token_hash: &str,
        staff_id: StaffId,
        expires_at_ms: i64,
    ) -> StoreResult<()> {
        let backend = sea_orm::ConnectionTrait::get_database_backend(self.conn());
        let sql = if backend == sea_orm::DatabaseBackend::Postgres {
            "INSERT INTO staff_tokens (token_hash, staff_id, expires_at_ms) VALUES ($1, $2, $3)"
        } else {
            "INSERT INTO staff_tokens (token_hash, staff_id, expires_at_ms) VALUES (?1, ?2, ?3)"
        };
        sea_orm::ConnectionTrait::execute_raw(
            self.conn(),
            sea_orm::Statement::from_sql_and_values(
                backend,
                sql,
                [token_hash.into(), staff_id.into(), expires_at_ms.into()],
            ),
        )
        .await?;
        Ok(())
    }

    pub async fn staff_for_token(
        &self,
        token_hash: &str,
        now_ms: i64,
    ) -> StoreResult<Option<StaffId>> {
        let backend = sea_orm::ConnectionTrait::get_database_backend(self.conn());
        let sql = if backend == sea_orm::DatabaseBackend::Postgres {
            "SELECT staff_id FROM staff_tokens WHERE token_hash = $1 AND expires_at_ms > $2"
        } else {
            "SELECT staff_id FROM staff_tokens WHERE token_hash = ?1 AND expires_at_ms > ?2"
        };
        let row = sea_orm::ConnectionTrait::query_one_raw(
            self.conn(),
            sea_orm::Statement::from_sql_and_values(
                backend,
                sql,
                [token_hash.into(), now_ms.into()],
            ),
        )
        .await?;
        Ok(match row {
            Some(r) => Some(StaffId(r.try_get("", "staff_id")?)),
            None => None,
        })
    }
}

impl Store {
    /// Every active staff member of an agency, by role and name.
    pub async fn agency_members(&self, agency_id: AgencyId) -> StoreResult<Vec<StaffMember>> {
        use sea_orm::QueryOrder;
        Ok(staff::Entity::find()
            .filter(staff::Column::AgencyId.eq(agency_id))
            .filter(staff::Column::Active.eq(true))
            .order_by_asc(staff::Column::Role)
            .order_by_asc(staff::Column::Name)
            .all(self.conn())
            .await?
            .into_iter()
            .map(StaffMember::from)
            .collect())
    }

    /// A staff member, active or not (an officer's record outlives their account).
    pub async fn staff_member(&self, id: StaffId) -> StoreResult<Option<StaffMember>> {
        Ok(staff::Entity::find_by_id(id)
            .one(self.conn())
            .await?
            .map(StaffMember::from))
    }

    /// The names of staff members by id, active or not (to name who handles what).
    pub async fn staff_names(
        &self,
        ids: &[StaffId],
    ) -> StoreResult<std::collections::BTreeMap<StaffId, String>> {
        let mut out = std::collections::BTreeMap::new();
        for chunk in ids.chunks(500) {
            let rows: Vec<(StaffId, String)> = staff::Entity::find()
                .select_only()
                .columns([staff::Column::Id, staff::Column::Name])
                .filter(staff::Column::Id.is_in(chunk.to_vec()))
                .into_tuple()
                .all(self.conn())
                .await?;
            out.extend(rows);
        }
        Ok(out)
    }

    /// The staff members `ids` by name and post (inactive ones too: an act
    /// stays theirs).
    pub async fn staff_named(
        &self,
        ids: &[StaffId],
    ) -> StoreResult<std::collections::BTreeMap<StaffId, crate::domain::staff::Named>> {
        let mut out = std::collections::BTreeMap::new();
        for chunk in ids.chunks(500) {
            let rows: Vec<(StaffId, String, Role)> = staff::Entity::find()
                .select_only()
                .columns([staff::Column::Id, staff::Column::Name, staff::Column::Role])
                .filter(staff::Column::Id.is_in(chunk.to_vec()))
                .into_tuple()
                .all(self.conn())
                .await?;
            out.extend(
                rows.into_iter()
                    .map(|(id, name, role)| (id, crate::domain::staff::Named { name, role })),
            );
        }
        Ok(out)
    }

    /// The active staff of an agency with a role, by name.
    pub async fn agency_staff(
        &self,
        agency_id: AgencyId,
        role: Role,
    ) -> StoreResult<Vec<StaffMember>> {
        use sea_orm::QueryOrder;
        Ok(staff::Entity::find()
            .filter(staff::Column::AgencyId.eq(agency_id))
            .filter(staff::Column::Role.eq(role))
            .filter(staff::Column::Active.eq(true))
            .order_by_asc(staff::Column::Name)
            .all(self.conn())
            .await?
            .into_iter()
            .map(StaffMember::from)
            .collect())
    }
}
