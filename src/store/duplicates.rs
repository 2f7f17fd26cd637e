//! 重复信访 — persistence for finding and joining the same matter: the keyed
//! hashes a petition is recognised by (`petition_keys`), the petitions of an
//! agency tree that a staff member may see (scoped, with recusal), and the
//! links between petitions of one matter (`petition_links`), each written
//! with the timeline events on both petitions and an audit entry.

use super::entities::petition;
use super::petitions::{EventRow, Petition, not_naming};
use super::{Store, StoreResult};
use crate::domain::events::EventKind;
use crate::domain::ids::{AgencyId, PetitionId};
use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

/// A link between two petitions of one matter.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LinkKind {
    /// 关联: the same matter; both go on.
    SameMatter,
    /// 合并: the petition was merged into the other, which handles it.
    MergedInto,
}

impl LinkKind {
    pub fn as_str(&self) -> &'static str {
        match self {
            LinkKind::SameMatter => "same_matter",
            LinkKind::MergedInto => "merged_into",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        match s {
            "same_matter" => Some(LinkKind::SameMatter),
            "merged_into" => Some(LinkKind::MergedInto),
            _ => None,
        }
    }
}

/// A link to write with a decision (`Store::apply_outcome`) or alone.
#[derive(Debug, Clone)]
pub struct NewLink<'a> {
    pub kind: LinkKind,
    /// The other petition (the original, for a merge).
    pub other: &'a Petition,
    pub reason: &'a str,
}

/// A link as a petition's page lists it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Link {
    pub kind: LinkKind,
    /// This petition is the one merged (or linked from), or the other is.
    pub outgoing: bool,
    pub other_id: PetitionId,
    pub other_tracking_number: String,
    pub reason: String,
    pub by: String,
    pub at: DateTime<Utc>,
}

impl Store {
    /// The keyed hashes petition `id` is recognised by.
    pub async fn petition_keys(&self, id: PetitionId) -> StoreResult<Vec<String>> {
        let rows = self
            .conn()
            .query_all_raw(self.statement(
                "SELECT key FROM petition_keys WHERE petition_id = $1",
                vec![id.0.into()],
            ))
            .await?;
        Ok(rows
            .iter()
            .filter_map(|r| r.try_get::<String>("", "key").ok())
            .collect())
    }

    /// Petitions (other than `except`) recognised by any of `keys`, with the keys they share.
    pub async fn petitions_sharing_keys(
        &self,
        keys: &[String],
        except: PetitionId,
    ) -> StoreResult<Vec<(PetitionId, String)>> {
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        let placeholders: Vec<String> = (2..keys.len() + 2).map(|n| format!("${n}")).collect();
        let mut values: Vec<sea_orm::Value> = vec![except.0.into()];
        values.extend(keys.iter().map(|k| k.clone().into()));
        let rows = self
            .conn()
            .query_all_raw(self.statement(
                &format!(
                    "SELECT petition_id, key FROM petition_keys WHERE petition_id <> $1 AND key IN ({}) \
                     ORDER BY petition_id DESC LIMIT 200",
                    placeholders.join(", ")
                ),
                values,
            ))
            .await?;
        rows.iter()
            .map(|r| {
                Ok((
                    PetitionId(r.try_get::<i32>("", "petition_id")?),
                    r.try_get::<String>("", "key")?,
                ))
            })
            .collect()
    }

    /// Keeps the keyed hashes of petition `id` (written once; a repeat adds nothing).
    pub async fn keep_petition_keys<C: ConnectionTrait>(
        &self,
        conn: &C,
        id: PetitionId,
        keys: &[String],
    ) -> StoreResult<()> {
        if let Some(statement) = petition_keys_row(id, keys) {
            conn.execute(&statement).await?;
        }
        Ok(())
    }

    /// Whether no petition has keys yet although some could (an installation
    /// upgraded to duplicate detection: its petitions get their keys once).
    pub async fn petition_keys_missing(&self) -> StoreResult<bool> {
        let row = self
            .conn()
            .query_one_raw(self.statement(
                "SELECT (SELECT COUNT(*) FROM petition_keys) AS keys, \
                 (SELECT COUNT(*) FROM petitions WHERE anonymised_at IS NULL AND \
                   (contact_phone IS NOT NULL OR contact_email IS NOT NULL OR related_case_number IS NOT NULL)) AS could",
                vec![],
            ))
            .await?;
        let (keys, could): (i64, i64) = match row {
            Some(r) => (r.try_get("", "keys")?, r.try_get("", "could")?),
            None => (0, 0),
        };
        Ok(keys == 0 && could > 0)
    }

    /// Petitions after `after`, in id order, `limit` at a time, with what their keys are made of.
    pub async fn petitions_for_keys(
        &self,
        after: PetitionId,
        limit: u64,
    ) -> StoreResult<Vec<Petition>> {
        Ok(petition::Entity::find()
            .filter(petition::Column::Id.gt(after))
            .filter(petition::Column::AnonymisedAt.is_null())
            .order_by_asc(petition::Column::Id)
            .limit(limit)
            .all(self.conn())
            .await?
            .into_iter()
            .map(Petition::from)
            .collect())
    }

    /// Keeps the keys of many petitions, one transaction per batch.
    pub async fn keep_many_petition_keys(
        &self,
        batch: &[(PetitionId, Vec<String>)],
    ) -> StoreResult<()> {
        let _queue = self.write_guard().await;
        let txn = self.begin_write().await?;
        for (id, keys) in batch {
            self.keep_petition_keys(&txn, *id, keys).await?;
        }
        txn.commit().await?;
        Ok(())
    }

    /// The petitions among `ids` that are with one of `agencies`, or passed
    /// through one (received there, then transferred or reviewed one level
    /// up), and do not name `staff_name` (回避): every read of another
    /// agency's petition for duplicate detection starts here.
    pub async fn tree_petitions(
        &self,
        agencies: &[AgencyId],
        staff_name: &str,
        ids: &[PetitionId],
    ) -> StoreResult<Vec<Petition>> {
        if ids.is_empty() || agencies.is_empty() {
            return Ok(Vec::new());
        }
        Ok(petition::Entity::find()
            .filter(petition::Column::Id.is_in(ids.iter().copied()))
            .filter(
                sea_orm::Condition::any()
                    .add(petition::Column::AgencyId.is_in(agencies.iter().copied()))
                    .add(sea_orm::sea_query::Expr::cust(format!(
                        "EXISTS (SELECT 1 FROM petition_events e WHERE e.petition_id = petitions.id AND e.agency_id IN ({}))",
                        // Integers of ours: nothing to quote.
                        agencies
                            .iter()
                            .map(|a| a.0.to_string())
                            .collect::<Vec<_>>()
                            .join(",")
                    ))),
            )
            .filter(not_naming(staff_name))
            .all(self.conn())
            .await?
            .into_iter()
            .map(Petition::from)
            .filter(|p| !p.names(staff_name))
            .collect())
    }

    /// The links of petition `id`, both ways, oldest first.
    pub async fn petition_links(&self, id: PetitionId) -> StoreResult<Vec<Link>> {
        let rows = self
            .conn()
            .query_all_raw(self.statement(
                "SELECT l.kind, l.petition_id, l.other_id, l.reason, l.linked_by, l.linked_at, \
                   p.tracking_number AS this_number, o.tracking_number AS other_number \
                 FROM petition_links l \
                 JOIN petitions p ON p.id = l.petition_id JOIN petitions o ON o.id = l.other_id \
                 WHERE l.petition_id = $1 OR l.other_id = $1 ORDER BY l.id",
                vec![id.0.into()],
            ))
            .await?;
        let mut out = Vec::new();
        for r in rows {
            let from = PetitionId(r.try_get::<i32>("", "petition_id")?);
            let outgoing = from == id;
            let kind: String = r.try_get("", "kind")?;
            out.push(Link {
                kind: LinkKind::parse(&kind)
                    .ok_or_else(|| super::StoreError::Corrupt(format!("link kind {kind:?}")))?,
                outgoing,
                other_id: if outgoing {
                    PetitionId(r.try_get::<i32>("", "other_id")?)
                } else {
                    from
                },
                other_tracking_number: if outgoing {
                    r.try_get("", "other_number")?
                } else {
                    r.try_get("", "this_number")?
                },
                reason: r.try_get("", "reason")?,
                by: r.try_get("", "linked_by")?,
                at: r.try_get("", "linked_at")?,
            });
        }
        Ok(out)
    }

    /// Writes `link` from `p` inside `txn`: the link row and, on the other
    /// petition, its internal timeline event (a duplicate merged into it, or
    /// a link). The caller writes `p`'s own event and the audit entry.
    pub(super) async fn write_link<C: ConnectionTrait>(
        &self,
        txn: &C,
        p: &Petition,
        link: &NewLink<'_>,
        actor: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        txn.execute_raw(self.statement(
            "INSERT INTO petition_links (petition_id, other_id, kind, reason, linked_by, linked_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
            vec![
                p.id.0.into(),
                link.other.id.0.into(),
                link.kind.as_str().into(),
                link.reason.into(),
                actor.into(),
                now.into(),
            ],
        ))
        .await?;
        EventRow {
            petition: link.other,
            kind: match link.kind {
                LinkKind::MergedInto => EventKind::MergedIn,
                LinkKind::SameMatter => EventKind::Linked,
            },
            public: false,
            actor,
            body: format!("{}\n{}", p.display_number(), link.reason),
            at: now,
            attribution: None,
        }
        .insert(txn)
        .await?;
        petition::Entity::update_many()
            .col_expr(
                petition::Column::UpdatedAt,
                sea_orm::sea_query::Expr::value(now),
            )
            .filter(petition::Column::Id.eq(link.other.id))
            .exec(txn)
            .await?;
        Ok(())
    }

    /// 关联: records that `p` and `link.other` are the same matter (both go
    /// on): the link, an internal event on each, the audit entry.
    pub async fn link_petitions(
        &self,
        p: &Petition,
        link: &NewLink<'_>,
        actor: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        use super::outbox::{Indexed, Outbox};
        let _lock = crate::audit::APPEND_LOCK.lock().await;
        let txn = self.begin_write().await?;
        self.write_link(&txn, p, link, actor, now).await?;
        EventRow {
            petition: p,
            kind: EventKind::Linked,
            public: false,
            actor,
            body: format!("{}\n{}", link.other.display_number(), link.reason),
            at: now,
            attribution: None,
        }
        .insert(&txn)
        .await?;
        petition::Entity::update_many()
            .col_expr(
                petition::Column::UpdatedAt,
                sea_orm::sea_query::Expr::value(now),
            )
            .filter(petition::Column::Id.eq(p.id))
            .exec(&txn)
            .await?;
        crate::audit::append(
            &txn,
            actor,
            "link_same_matter",
            &format!("petition:{}", p.id),
            &serde_json::Value::Null,
            &serde_json::json!({ "other": link.other.id }),
        )
        .await?;
        let mut outbox = Outbox::new();
        outbox
            .index(Indexed::Petition(p.id))
            .index(Indexed::Petition(link.other.id));
        self.finish(txn, outbox).await?;
        self.invalidate_status(p.id);
        self.invalidate_status(link.other.id);
        Ok(())
    }
}

/// The rows of a petition's keys (none without keys); a key it has already is kept once.
pub(super) fn petition_keys_row(
    id: PetitionId,
    keys: &[String],
) -> Option<sea_orm::sea_query::InsertStatement> {
    use sea_orm::sea_query::{Alias, Expr, OnConflict, Query};
    if keys.is_empty() {
        return None;
    }
    let mut insert = Query::insert();
    insert
        .into_table(Alias::new("petition_keys"))
        .columns([Alias::new("petition_id"), Alias::new("key")])
        .on_conflict(OnConflict::new().do_nothing().to_owned());
    for key in keys {
        insert.values_panic([Expr::val(id.0), Expr::val(key.clone())]);
    }
    Some(insert)
}
