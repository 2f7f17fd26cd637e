//! What the public statistics read (agencies' roll-up rows — never an
//! officer's — and the clocks still open past their last day), the signed
//! daily snapshots, the list of published answers, and the Open311 partners.

use super::entities::petition;
use super::types::Day;
use super::workflow::PublicAnswer;
use super::{Store, StoreError, StoreResult};
use crate::domain::ids::AgencyId;
use crate::domain::page::{PageRequest, Paged};
use crate::domain::petition::PetitionKind;
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Statement, Value,
};
use serde::Serialize;
use std::collections::BTreeMap;

/// One agency's monthly sums: agency → month (YYYY-MM) → kind → metric → value.
pub type AgencyMonths =
    BTreeMap<AgencyId, BTreeMap<String, BTreeMap<String, BTreeMap<String, i64>>>>;
/// Open clocks past their last day: agency → month due → `overdue:<clock>:<round>` → count.
pub type OverdueMonths = BTreeMap<AgencyId, BTreeMap<String, BTreeMap<String, i64>>>;

use super::param as p;

/// A published statistics snapshot.
#[derive(Debug, Clone, Serialize)]
pub struct Snapshot {
    /// The China date it was made (YYYY-MM-DD); one per day.
    pub day: String,
    pub body: String,
    pub sha256: String,
    /// ed25519 over the body's bytes (hex).
    pub signature: String,
    pub public_key: String,
    pub created_at: DateTime<Utc>,
}

/// A snapshot as listed (without its body).
#[derive(Debug, Clone, Serialize)]
pub struct SnapshotEntry {
    pub day: String,
    pub sha256: String,
    pub signature: String,
    pub bytes: i64,
}

/// A system that files through Open311 with an API key (a hotline, a city app).
#[derive(Debug, Clone, Serialize)]
pub struct Partner {
    pub id: i32,
    pub name: String,
    pub requests_per_minute: i32,
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
}

fn partner_of(r: &sea_orm::QueryResult) -> Result<Partner, sea_orm::DbErr> {
    Ok(Partner {
        id: r.try_get("", "id")?,
        name: r.try_get("", "name")?,
        requests_per_minute: r.try_get("", "requests_per_minute")?,
        created_at: r.try_get("", "created_at")?,
        revoked_at: r.try_get("", "revoked_at")?,
    })
}

/// Which published answers to list.
#[derive(Debug, Clone, Default)]
pub struct AnswerFilter {
    pub agency: Option<AgencyId>,
    pub kind: Option<PetitionKind>,
    pub year: Option<i32>,
}

impl Store {
    /// Every agency's monthly roll-up rows (`staff_id = 0`), by agency, month and kind.
    pub async fn public_rollups(&self) -> StoreResult<AgencyMonths> {
        let backend = self.conn().get_database_backend();
        let rows = self
            .conn()
            .query_all_raw(Statement::from_string(
                backend,
                "SELECT agency_id, month, kind, metric, CAST(SUM(value) AS BIGINT) AS value FROM rollup_months \
                 WHERE staff_id = 0 GROUP BY agency_id, month, kind, metric",
            ))
            .await?;
        let mut out = AgencyMonths::new();
        for r in rows {
            let value: i64 = r.try_get("", "value")?;
            if value == 0 {
                continue;
            }
            out.entry(AgencyId(r.try_get("", "agency_id")?))
                .or_default()
                .entry(r.try_get("", "month")?)
                .or_default()
                .entry(r.try_get("", "kind")?)
                .or_default()
                .insert(r.try_get("", "metric")?, value);
        }
        Ok(out)
    }

    /// Open deadlines still open after their last day (before `today`), by
    /// agency and the month they fell due: they count as late in the on-time rates.
    pub async fn overdue_by_agency_month(&self, today: NaiveDate) -> StoreResult<OverdueMonths> {
        let backend = self.conn().get_database_backend();
        let sql = format!(
            "SELECT agency_id, substr(due_on, 1, 7) AS month, clock, round, COUNT(*) AS n \
             FROM petition_deadlines WHERE status = 'open' AND clock <> 'review_request' \
             AND due_on < {} AND agency_id IS NOT NULL \
             GROUP BY agency_id, substr(due_on, 1, 7), clock, round",
            p(backend, 1)
        );
        let rows = self
            .conn()
            .query_all_raw(Statement::from_sql_and_values(
                backend,
                sql,
                [Value::from(Day(today))],
            ))
            .await?;
        let mut out = OverdueMonths::new();
        for r in rows {
            let clock: String = r.try_get("", "clock")?;
            let round: Option<String> = r.try_get("", "round")?;
            let n: i64 = r.try_get("", "n")?;
            *out.entry(AgencyId(r.try_get("", "agency_id")?))
                .or_default()
                .entry(r.try_get("", "month")?)
                .or_default()
                .entry(format!(
                    "overdue:{clock}:{}",
                    round.as_deref().unwrap_or("original")
                ))
                .or_insert(0) += n;
        }
        Ok(out)
    }

    /// Keeps the snapshot of a day, unless that day already has one (another
    /// node made it first): a published snapshot is never replaced. True when written.
    pub async fn insert_snapshot(&self, s: &Snapshot) -> StoreResult<bool> {
        let backend = self.conn().get_database_backend();
        let sql = format!(
            "INSERT INTO statistics_snapshots (day, body, sha256, signature, public_key, created_at) \
             VALUES ({}, {}, {}, {}, {}, {}) ON CONFLICT (day) DO NOTHING",
            p(backend, 1),
            p(backend, 2),
            p(backend, 3),
            p(backend, 4),
            p(backend, 5),
            p(backend, 6)
        );
        let r = self
            .conn()
            .execute_raw(Statement::from_sql_and_values(
                backend,
                sql,
                [
                    s.day.clone().into(),
                    s.body.clone().into(),
                    s.sha256.clone().into(),
                    s.signature.clone().into(),
                    s.public_key.clone().into(),
                    s.created_at.into(),
                ],
            ))
            .await?;
        Ok(r.rows_affected() > 0)
    }

    /// The snapshots, newest first, without their bodies.
    pub async fn snapshots(&self, page: PageRequest) -> StoreResult<Paged<SnapshotEntry>> {
        let backend = self.conn().get_database_backend();
        let total: i64 = self
            .conn()
            .query_one_raw(Statement::from_string(
                backend,
                "SELECT COUNT(*) AS n FROM statistics_snapshots",
            ))
            .await?
            .map_or(Ok(0), |r| r.try_get("", "n"))?;
        let sql = format!(
            "SELECT day, sha256, signature, CAST(LENGTH(body) AS BIGINT) AS bytes FROM statistics_snapshots \
             ORDER BY day DESC LIMIT {} OFFSET {}",
            page.per_page,
            page.offset()
        );
        let mut items = Vec::new();
        for r in self
            .conn()
            .query_all_raw(Statement::from_string(backend, sql))
            .await?
        {
            items.push(SnapshotEntry {
                day: r.try_get("", "day")?,
                sha256: r.try_get("", "sha256")?,
                signature: r.try_get("", "signature")?,
                bytes: r.try_get("", "bytes")?,
            });
        }
        Ok(Paged::new(items, page, total.max(0) as u64))
    }

    /// Whether `day` has its snapshot (without reading it).
    pub async fn has_snapshot(&self, day: &str) -> StoreResult<bool> {
        let backend = self.conn().get_database_backend();
        let sql = format!(
            "SELECT 1 AS one FROM statistics_snapshots WHERE day = {}",
            p(backend, 1)
        );
        Ok(self
            .conn()
            .query_one_raw(Statement::from_sql_and_values(
                backend,
                sql,
                [day.to_owned().into()],
            ))
            .await?
            .is_some())
    }

    pub async fn snapshot(&self, day: &str) -> StoreResult<Snapshot> {
        let backend = self.conn().get_database_backend();
        let sql = format!(
            "SELECT day, body, sha256, signature, public_key, created_at FROM statistics_snapshots WHERE day = {}",
            p(backend, 1)
        );
        let r = self
            .conn()
            .query_one_raw(Statement::from_sql_and_values(
                backend,
                sql,
                [day.to_owned().into()],
            ))
            .await?
            .ok_or(StoreError::NotFound)?;
        Ok(Snapshot {
            day: r.try_get("", "day")?,
            body: r.try_get("", "body")?,
            sha256: r.try_get("", "sha256")?,
            signature: r.try_get("", "signature")?,
            public_key: r.try_get("", "public_key")?,
            created_at: r.try_get("", "created_at")?,
        })
    }

    /// Published answers (答复公开), newest first.
    pub async fn published_answers(
        &self,
        filter: &AnswerFilter,
        page: PageRequest,
    ) -> StoreResult<Paged<PublicAnswer>> {
        let mut q =
            petition::Entity::find().filter(petition::Column::AnswerPublishedAt.is_not_null());
        if let Some(a) = filter.agency {
            q = q.filter(petition::Column::AgencyId.eq(a));
        }
        if let Some(k) = filter.kind {
            q = q.filter(petition::Column::Kind.eq(k));
        }
        if let Some(y) = filter.year {
            // The year in China time, as the page shows the date.
            let start = |y: i32| {
                NaiveDate::from_ymd_opt(y, 1, 1)
                    .and_then(|d| d.and_hms_opt(0, 0, 0))
                    .map(|t| t - chrono::Duration::hours(8))
                    .map(|t| t.and_utc())
            };
            if let (Some(from), Some(to)) = (start(y), start(y + 1)) {
                q = q
                    .filter(petition::Column::AnswerPublishedAt.gte(from))
                    .filter(petition::Column::AnswerPublishedAt.lt(to));
            }
        }
        let total = q.clone().count(self.conn()).await?;
        let rows = q
            .order_by_desc(petition::Column::AnswerPublishedAt)
            .order_by_desc(petition::Column::Id)
            .offset(page.offset())
            .limit(page.per_page)
            .all(self.conn())
            .await?;
        Ok(Paged::new(
            rows.into_iter()
                .filter_map(|p| {
                    Some(PublicAnswer {
                        id: p.id,
                        title: p.public_title.unwrap_or_default(),
                        answer: p.public_answer.unwrap_or_default(),
                        agency_id: p.agency_id,
                        kind: p.kind,
                        category: p.category,
                        published_at: p.answer_published_at?,
                    })
                })
                .collect(),
            page,
            total,
        ))
    }

    /// The years in which answers were published, newest first (the filter's choices).
    pub async fn published_answer_years(&self) -> StoreResult<Vec<i32>> {
        let first = petition::Entity::find()
            .filter(petition::Column::AnswerPublishedAt.is_not_null())
            .order_by_asc(petition::Column::AnswerPublishedAt)
            .one(self.conn())
            .await?
            .and_then(|p| p.answer_published_at);
        let Some(first) = first else {
            return Ok(Vec::new());
        };
        let year = |t: DateTime<Utc>| chrono::Datelike::year(&crate::domain::clock::china_date(t));
        Ok((year(first)..=year(Utc::now())).rev().collect())
    }

    /// Adds a partner, with its audit entry (`actor` is the operator).
    pub async fn add_partner(
        &self,
        name: &str,
        key_hash: &str,
        requests_per_minute: i32,
        actor: &str,
    ) -> StoreResult<Partner> {
        let _lock = crate::audit::APPEND_LOCK.lock().await;
        let txn = self.begin_write().await?;
        let backend = txn.get_database_backend();
        let now = Utc::now();
        let sql = format!(
            "INSERT INTO partners (name, key_hash, requests_per_minute, created_at) VALUES ({}, {}, {}, {}) \
             RETURNING id, name, requests_per_minute, created_at, revoked_at",
            p(backend, 1),
            p(backend, 2),
            p(backend, 3),
            p(backend, 4)
        );
        let r = txn
            .query_one_raw(Statement::from_sql_and_values(
                backend,
                sql,
                [
                    name.to_owned().into(),
                    key_hash.to_owned().into(),
                    requests_per_minute.into(),
                    now.into(),
                ],
            ))
            .await?
            .ok_or(StoreError::NotFound)?;
        let partner = partner_of(&r)?;
        crate::audit::append(
            &txn,
            actor,
            "partner.add",
            &format!("partner:{}", partner.id),
            &serde_json::Value::Null,
            &serde_json::json!({ "name": partner.name, "requests_per_minute": requests_per_minute }),
        )
        .await?;
        txn.commit().await?;
        Ok(partner)
    }

    pub async fn partners(&self) -> StoreResult<Vec<Partner>> {
        let backend = self.conn().get_database_backend();
        let rows = self
            .conn()
            .query_all_raw(Statement::from_string(
                backend,
                "SELECT id, name, requests_per_minute, created_at, revoked_at FROM partners ORDER BY id",
            ))
            .await?;
        Ok(rows.iter().map(partner_of).collect::<Result<_, _>>()?)
    }

    /// The partner holding the key with this hash, unless it was revoked.
    pub async fn active_partner(&self, key_hash: &str) -> StoreResult<Option<Partner>> {
        let backend = self.conn().get_database_backend();
        let sql = format!(
            "SELECT id, name, requests_per_minute, created_at, revoked_at FROM partners \
             WHERE key_hash = {} AND revoked_at IS NULL",
            p(backend, 1)
        );
        let r = self
            .conn()
            .query_one_raw(Statement::from_sql_and_values(
                backend,
                sql,
                [key_hash.to_owned().into()],
            ))
            .await?;
        Ok(r.as_ref().map(partner_of).transpose()?)
    }

    /// Revokes a partner's key, with its audit entry; false when there is no such active partner.
    pub async fn revoke_partner(&self, id: i32, actor: &str) -> StoreResult<bool> {
        let _lock = crate::audit::APPEND_LOCK.lock().await;
        let txn = self.begin_write().await?;
        let backend = txn.get_database_backend();
        let sql = format!(
            "UPDATE partners SET revoked_at = {} WHERE id = {} AND revoked_at IS NULL",
            p(backend, 1),
            p(backend, 2)
        );
        let r = txn
            .execute_raw(Statement::from_sql_and_values(
                backend,
                sql,
                [Utc::now().into(), id.into()],
            ))
            .await?;
        if r.rows_affected() == 0 {
            txn.rollback().await?;
            return Ok(false);
        }
        crate::audit::append(
            &txn,
            actor,
            "partner.revoke",
            &format!("partner:{id}"),
            &serde_json::Value::Null,
            &serde_json::Value::Null,
        )
        .await?;
        txn.commit().await?;
        Ok(true)
    }
}
