//! Carrying out the retention schedule: the petitions it may concern, the
//! anonymisation of one petition and the deletion of its evidence, each in
//! one transaction with its audit entry and its search update; legal holds;
//! the schedules operators loaded. What is due is `domain::retention`'s
//! decision; how a text is anonymised is `domain::redaction::anonymise`.

use super::entities::{evidence, petition, petition_event};
use super::outbox::{Indexed, Outbox};
use super::petitions::Petition;
use super::types::Day;
use super::{Store, StoreError, StoreResult};
use crate::domain::ids::PetitionId;
use crate::domain::petition::PetitionKind;
use crate::domain::workflow::State;
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect,
};

/// A petition as retention sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetentionRow {
    pub id: PetitionId,
    pub tracking_number: String,
    pub kind: PetitionKind,
    pub status: State,
    pub concluded_on: Option<NaiveDate>,
    pub anonymised: bool,
    pub has_files: bool,
}

/// What anonymising one petition changed (the counts go to the audit entry).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Anonymised {
    /// The petition's columns that changed.
    pub fields: Vec<&'static str>,
    /// Timeline events whose text changed.
    pub events: usize,
}

/// A schedule an operator loaded.
#[derive(Debug, Clone)]
pub struct LoadedSchedule {
    pub body: String,
    pub loaded_by: String,
    pub loaded_at: DateTime<Utc>,
}

/// A legal hold on a petition.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Hold {
    pub since: DateTime<Utc>,
    pub reason: String,
    pub by: String,
}

impl Store {
    /// Concluded petitions on or before `concluded_by`, not under a hold, with
    /// something left to do (not anonymised, or with files), after `after`, in
    /// id order, `limit` at a time.
    pub async fn retention_candidates(
        &self,
        concluded_by: NaiveDate,
        after: PetitionId,
        limit: u64,
    ) -> StoreResult<Vec<RetentionRow>> {
        let live_files = "EXISTS (SELECT 1 FROM evidence e WHERE e.petition_id = petitions.id AND e.deleted_at IS NULL)";
        let rows = petition::Entity::find()
            .select_only()
            .columns([
                petition::Column::Id,
                petition::Column::TrackingNumber,
                petition::Column::Kind,
                petition::Column::Status,
                petition::Column::ConcludedOn,
                petition::Column::AnonymisedAt,
            ])
            .column_as(Expr::cust(live_files), "has_files")
            .filter(petition::Column::ConcludedOn.lte(Day(concluded_by)))
            .filter(petition::Column::HeldSince.is_null())
            .filter(
                sea_orm::Condition::any()
                    .add(petition::Column::AnonymisedAt.is_null())
                    .add(Expr::cust(live_files)),
            )
            .filter(petition::Column::Id.gt(after))
            .order_by_asc(petition::Column::Id)
            .limit(limit)
            .into_tuple::<(
                PetitionId,
                String,
                PetitionKind,
                State,
                Option<Day>,
                Option<DateTime<Utc>>,
                bool,
            )>()
            .all(self.conn())
            .await?;
        Ok(rows
            .into_iter()
            .map(
                |(id, tracking_number, kind, status, concluded_on, anonymised_at, has_files)| {
                    RetentionRow {
                        id,
                        tracking_number,
                        kind,
                        status,
                        concluded_on: concluded_on.and_then(|d| d.date()),
                        anonymised: anonymised_at.is_some(),
                        has_files,
                    }
                },
            )
            .collect())
    }

    /// Erases the petitioner's identity from petition `id`: the contact
    /// columns, and in every text of the petition and its timeline the
    /// identity's values and every identifier (`anonymise` does the text).
    /// The audit entry names the rule and what changed, never a value; each
    /// changed event gets a new salt and its new commitment is recorded, so
    /// the trail still commits to every text the record holds.
    pub async fn anonymise_petition(
        &self,
        id: PetitionId,
        rule: &str,
        actor: &str,
        anonymise: impl Fn(&str, &[String]) -> String + Sync,
        now: DateTime<Utc>,
    ) -> StoreResult<Anonymised> {
        let _lock = crate::audit::APPEND_LOCK.lock().await;
        let txn = self.begin_write().await?;
        let p: Petition = petition::Entity::find_by_id(id)
            .one(&txn)
            .await?
            .ok_or(StoreError::NotFound)?
            .into();
        if p.anonymised_at.is_some() || p.held_since.is_some() {
            txn.rollback().await?;
            return Ok(Anonymised::default());
        }
        let values: Vec<String> = [&p.contact_name, &p.contact_email, &p.contact_phone]
            .into_iter()
            .flatten()
            .cloned()
            .collect();
        let mut done = Anonymised::default();
        let row = anonymised_row(&p, &values, &anonymise, now, &mut done);
        row.update(&txn).await?;
        let commitments = anonymise_events(&txn, id, &values, &anonymise).await?;
        done.events = commitments.len();
        txn.execute_raw(self.statement(
            "DELETE FROM petition_keys WHERE petition_id = $1",
            vec![id.0.into()],
        ))
        .await?;
        self.anonymise_links(&txn, id, &values, &anonymise, &mut done)
            .await?;
        self.anonymise_letters(&txn, id, &values, &anonymise, now, &mut done)
            .await?;
        crate::audit::append(
            &txn,
            actor,
            "retention_anonymise",
            &format!("petition:{id}"),
            &serde_json::Value::Null,
            &serde_json::json!({
                "rule": rule,
                "fields": done.fields,
                "events": commitments,
            }),
        )
        .await?;
        let mut outbox = Outbox::new();
        outbox.index(Indexed::Petition(id));
        self.finish(txn, outbox).await?;
        self.invalidate_status(id);
        Ok(done)
    }

    /// Staff's reasons for linking the petition to another may name the petitioner too.
    async fn anonymise_links(
        &self,
        txn: &sea_orm::DatabaseTransaction,
        id: PetitionId,
        values: &[String],
        anonymise: Anonymise<'_>,
        done: &mut Anonymised,
    ) -> StoreResult<()> {
        let links = txn
            .query_all_raw(self.statement(
                "SELECT id, reason FROM petition_links WHERE petition_id = $1 OR other_id = $1",
                vec![id.0.into()],
            ))
            .await?;
        for l in links {
            let (link_id, reason): (i32, String) = (l.try_get("", "id")?, l.try_get("", "reason")?);
            let new = anonymise(&reason, values);
            if new != reason {
                txn.execute_raw(self.statement(
                    "UPDATE petition_links SET reason = $1 WHERE id = $2",
                    vec![new.into(), link_id.into()],
                ))
                .await?;
                if !done.fields.contains(&"link_reason") {
                    done.fields.push("link_reason");
                }
            }
        }
        Ok(())
    }

    /// Issued letters: their facts lose the petitioner's identity, and the
    /// copies kept lose their bytes (which print the name); the records stay,
    /// so a copy printed before still verifies, and `/verify` says what was done.
    async fn anonymise_letters(
        &self,
        txn: &sea_orm::DatabaseTransaction,
        id: PetitionId,
        values: &[String],
        anonymise: Anonymise<'_>,
        now: DateTime<Utc>,
        done: &mut Anonymised,
    ) -> StoreResult<()> {
        let today = crate::domain::clock::china_date(now);
        for l in super::entities::issued_letter::Entity::find()
            .filter(super::entities::issued_letter::Column::PetitionId.eq(id.0))
            .all(txn)
            .await?
        {
            let letter = super::letters::IssuedLetter::try_from(l)?;
            let facts = letter.facts.anonymised(|t| anonymise(t, values));
            super::entities::issued_letter::ActiveModel {
                id: Set(letter.id),
                facts: Set(facts.to_json()),
                anonymised_on: Set(Some(today)),
                ..Default::default()
            }
            .update(txn)
            .await?;
        }
        let copies = txn
            .execute_raw(self.statement(
                "UPDATE letters SET pdf = NULL, anonymised_on = $1 WHERE petition_id = $2 AND anonymised_on IS NULL",
                vec![today.into(), id.0.into()],
            ))
            .await?
            .rows_affected();
        if copies > 0 {
            done.fields.push("letters");
        }
        Ok(())
    }

    /// Marks the evidence of petition `id` deleted (the rows stay, without
    /// their names) and returns the addresses no live row refers to any more,
    /// for the caller to delete from the file store after this commit.
    pub async fn delete_petition_files(
        &self,
        id: PetitionId,
        rule: &str,
        actor: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Vec<String>> {
        let _lock = crate::audit::APPEND_LOCK.lock().await;
        let txn = self.begin_write().await?;
        let held = petition::Entity::find_by_id(id)
            .one(&txn)
            .await?
            .ok_or(StoreError::NotFound)?
            .held_since
            .is_some();
        let live = evidence::Entity::find()
            .filter(evidence::Column::PetitionId.eq(id))
            .filter(evidence::Column::DeletedAt.is_null())
            .all(&txn)
            .await?;
        if held || live.is_empty() {
            txn.rollback().await?;
            return Ok(Vec::new());
        }
        let deleted = evidence::Entity::update_many()
            .col_expr(evidence::Column::DeletedAt, Expr::value(now))
            .col_expr(evidence::Column::FileName, Expr::value(""))
            .filter(evidence::Column::PetitionId.eq(id))
            .filter(evidence::Column::DeletedAt.is_null())
            .exec(&txn)
            .await?
            .rows_affected;
        petition::ActiveModel {
            id: Set(id),
            updated_at: Set(now),
            ..Default::default()
        }
        .update(&txn)
        .await?;
        crate::audit::append(
            &txn,
            actor,
            "retention_delete_files",
            &format!("petition:{id}"),
            &serde_json::Value::Null,
            &serde_json::json!({ "rule": rule, "files": deleted }),
        )
        .await?;
        let mut shas: Vec<String> = live.into_iter().map(|e| e.sha256).collect();
        shas.sort();
        shas.dedup();
        let mut outbox = Outbox::new();
        outbox.index(Indexed::Petition(id));
        self.finish(txn, outbox).await?;
        self.invalidate_status(id);
        self.unreferenced(shas).await
    }

    /// Of `shas`, those no live evidence row refers to.
    pub async fn unreferenced(&self, shas: Vec<String>) -> StoreResult<Vec<String>> {
        if shas.is_empty() {
            return Ok(shas);
        }
        let still: Vec<String> = evidence::Entity::find()
            .select_only()
            .column(evidence::Column::Sha256)
            .filter(evidence::Column::Sha256.is_in(shas.clone()))
            .filter(evidence::Column::DeletedAt.is_null())
            .into_tuple::<String>()
            .all(self.conn())
            .await?;
        Ok(shas.into_iter().filter(|s| !still.contains(s)).collect())
    }

    /// Files deleted since `since` whose bytes no live row needs: a run that
    /// stopped between its commit and the deletion of the bytes finishes here.
    pub async fn recently_deleted_files(&self, since: DateTime<Utc>) -> StoreResult<Vec<String>> {
        let shas: Vec<String> = evidence::Entity::find()
            .select_only()
            .column(evidence::Column::Sha256)
            .distinct()
            .filter(evidence::Column::DeletedAt.gte(since))
            .into_tuple::<String>()
            .all(self.conn())
            .await?;
        self.unreferenced(shas).await
    }

    /// Places a legal hold on petition `id`, or lifts it (`reason` none), with its audit entry.
    pub async fn set_hold(
        &self,
        id: PetitionId,
        reason: Option<&str>,
        actor: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        let _lock = crate::audit::APPEND_LOCK.lock().await;
        let txn = self.begin_write().await?;
        let before = petition::Entity::find_by_id(id)
            .one(&txn)
            .await?
            .ok_or(StoreError::NotFound)?;
        petition::ActiveModel {
            id: Set(id),
            held_since: Set(reason.map(|_| now)),
            hold_reason: Set(reason.map(str::to_owned)),
            held_by: Set(reason.map(|_| actor.to_owned())),
            ..Default::default()
        }
        .update(&txn)
        .await?;
        crate::audit::append(
            &txn,
            actor,
            if reason.is_some() {
                "legal_hold"
            } else {
                "lift_legal_hold"
            },
            &format!("petition:{id}"),
            &serde_json::json!({ "held": before.held_since.is_some(), "reason": before.hold_reason }),
            &serde_json::json!({ "held": reason.is_some(), "reason": reason }),
        )
        .await?;
        txn.commit().await?;
        Ok(())
    }

    /// The newest schedule an operator loaded, if any.
    pub async fn loaded_retention_schedule(&self) -> StoreResult<Option<LoadedSchedule>> {
        let row = self
            .conn()
            .query_one_raw(self.statement(
                "SELECT body, loaded_by, loaded_at FROM retention_schedules ORDER BY id DESC LIMIT 1",
                vec![],
            ))
            .await?;
        row.map(|r| {
            Ok(LoadedSchedule {
                body: r.try_get("", "body")?,
                loaded_by: r.try_get("", "loaded_by")?,
                loaded_at: r.try_get("", "loaded_at")?,
            })
        })
        .transpose()
    }

    /// Keeps a (checked) schedule as the one that applies, with its audit entry.
    pub async fn keep_retention_schedule(
        &self,
        body: &str,
        summary: serde_json::Value,
        loaded_by: &str,
    ) -> StoreResult<()> {
        let _lock = crate::audit::APPEND_LOCK.lock().await;
        let txn = self.begin_write().await?;
        txn.execute_raw(self.statement(
            "INSERT INTO retention_schedules (body, loaded_by, loaded_at) VALUES ($1, $2, $3)",
            vec![body.into(), loaded_by.into(), Utc::now().into()],
        ))
        .await?;
        crate::audit::append(
            &txn,
            &format!("operator:{loaded_by}"),
            "retention_schedule_load",
            "retention:schedule",
            &serde_json::Value::Null,
            &summary,
        )
        .await?;
        txn.commit().await?;
        Ok(())
    }
}

/// What a text function does to a text given the values it must remove.
type Anonymise<'a> = &'a (dyn Fn(&str, &[String]) -> String + Sync);

/// The petition row without its contact columns, and with its texts
/// anonymised where they change (each changed field named in `done`).
fn anonymised_row(
    p: &Petition,
    values: &[String],
    anonymise: Anonymise<'_>,
    now: DateTime<Utc>,
    done: &mut Anonymised,
) -> petition::ActiveModel {
    let mut row = petition::ActiveModel {
        id: Set(p.id),
        contact_name: Set(None),
        contact_email: Set(None),
        contact_phone: Set(None),
        anonymised_at: Set(Some(now)),
        updated_at: Set(now),
        ..Default::default()
    };
    for (name, set) in [
        ("contact_name", p.contact_name.is_some()),
        ("contact_email", p.contact_email.is_some()),
        ("contact_phone", p.contact_phone.is_some()),
    ] {
        if set {
            done.fields.push(name);
        }
    }
    let text = |name: &'static str, old: &str, done: &mut Anonymised| {
        let new = anonymise(old, values);
        (new != old).then(|| {
            done.fields.push(name);
            new
        })
    };
    if let Some(t) = text("subject", &p.subject, done) {
        row.subject = Set(t);
    }
    if let Some(t) = text("title", &p.title, done) {
        row.title = Set(t);
    }
    if let Some(t) = text("description", &p.description, done) {
        row.description = Set(t);
    }
    if let Some(t) = text("desired_outcome", &p.desired_outcome, done) {
        row.desired_outcome = Set(t);
    }
    if let Some(t) = p
        .draft_text
        .as_deref()
        .and_then(|d| text("draft_text", d, done))
    {
        row.draft_text = Set(Some(t));
    }
    if let Some(t) = p
        .answer_text
        .as_deref()
        .and_then(|a| text("answer_text", a, done))
    {
        row.answer_text = Set(Some(t));
    }
    row
}

/// The timeline's texts anonymised where they change, each with a new salt;
/// the new commitments, for the audit entry.
async fn anonymise_events(
    txn: &sea_orm::DatabaseTransaction,
    id: PetitionId,
    values: &[String],
    anonymise: Anonymise<'_>,
) -> StoreResult<Vec<serde_json::Value>> {
    let mut commitments = Vec::new();
    for e in petition_event::Entity::find()
        .filter(petition_event::Column::PetitionId.eq(id))
        .order_by_asc(petition_event::Column::Id)
        .all(txn)
        .await?
    {
        let new = anonymise(&e.body, values);
        if new == e.body {
            continue;
        }
        let salt = crate::audit::new_salt();
        commitments.push(serde_json::json!({
            "event": e.id,
            "body_sha256": crate::audit::commitment(&salt, &new),
        }));
        petition_event::ActiveModel {
            id: Set(e.id),
            body: Set(new),
            body_salt: Set(Some(salt)),
            ..Default::default()
        }
        .update(txn)
        .await?;
    }
    Ok(commitments)
}
