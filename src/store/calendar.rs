//! The holiday calendar the portal counts on: the shipped years with the years
//! an operator loaded (`calendar_years`) on top, and the deadlines to count
//! again when a year becomes known.
//!
//! The calendar is read on every filing and action, so it is cached in
//! memory; an entry older than `CALENDAR_CACHE_TTL` is reloaded, so a year
//! loaded by another process or node is used within that time (a deadline
//! counted meanwhile on the older calendar is recounted by the sweep).

use super::entities::{calendar_year, petition, petition_deadline};
use super::outbox::{Indexed, Outbox};
use super::types::Day;
use super::{Store, StoreError, StoreResult};
use crate::domain::calendar::{Calendar, CalendarYear};
use crate::domain::clock::DeadlineStatus;
use crate::domain::events::EventKind;
use crate::domain::ids::PetitionId;
use chrono::{NaiveDate, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder,
};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

const CALENDAR_CACHE_TTL: Duration = Duration::from_secs(60);

#[derive(Debug, Default)]
pub struct CalendarCache {
    pub(super) inner: RwLock<Option<(Instant, Arc<Calendar>)>>,
}

/// A year an operator loaded, as the calendar lists it.
#[derive(Debug, Clone)]
pub struct LoadedYear {
    pub year: CalendarYear,
    pub loaded_by: String,
    pub loaded_at: chrono::DateTime<Utc>,
}

/// An open deadline counted on an older calendar than the one known now.
#[derive(Debug, Clone)]
pub struct ToRecount {
    pub id: i32,
    pub petition_id: PetitionId,
    pub rule_id: String,
    pub clock: String,
    pub started_on: NaiveDate,
    pub moved_by: Vec<u32>,
    pub due_on: NaiveDate,
    pub calendar_year: i32,
}

impl Store {
    /// The years operators loaded, oldest first.
    pub async fn loaded_calendar_years(&self) -> StoreResult<Vec<LoadedYear>> {
        calendar_year::Entity::find()
            .order_by_asc(calendar_year::Column::Year)
            .all(self.conn())
            .await?
            .into_iter()
            .map(|m| {
                Ok(LoadedYear {
                    year: super::from_json(&m.days, "calendar year")?,
                    loaded_by: m.loaded_by,
                    loaded_at: m.loaded_at,
                })
            })
            .collect()
    }

    async fn load_calendar(&self) -> StoreResult<Arc<Calendar>> {
        let loaded = self.loaded_calendar_years().await?;
        let calendar = Calendar::with_extra(loaded.into_iter().map(|l| l.year))
            .map_err(StoreError::Corrupt)?;
        let calendar = Arc::new(calendar);
        *self
            .calendar_cache
            .inner
            .write()
            .unwrap_or_else(|p| p.into_inner()) = Some((Instant::now(), calendar.clone()));
        Ok(calendar)
    }

    /// The calendar to count on now (cached for up to a minute).
    pub async fn calendar(&self) -> StoreResult<Arc<Calendar>> {
        let fresh = self
            .calendar_cache
            .inner
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .as_ref()
            .filter(|(at, _)| at.elapsed() < CALENDAR_CACHE_TTL)
            .map(|(_, c)| c.clone());
        match fresh {
            Some(c) => Ok(c),
            None => self.load_calendar().await,
        }
    }

    /// The calendar last loaded, however old, without a database round trip
    /// (for the console's banner); none before the first load.
    pub fn cached_calendar(&self) -> Option<Arc<Calendar>> {
        self.calendar_cache
            .inner
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .as_ref()
            .map(|(_, c)| c.clone())
    }

    /// Keeps checked calendar years, each with an audit entry naming who loaded
    /// it and the notice it follows, in one transaction. The caller has checked
    /// that the years follow the calendar without a gap.
    pub async fn keep_calendar_years(
        &self,
        years: &[CalendarYear],
        loaded_by: &str,
    ) -> StoreResult<()> {
        let _lock = crate::audit::APPEND_LOCK.lock().await;
        let txn = self.begin_write().await?;
        let now = Utc::now();
        for y in years {
            let before = calendar_year::Entity::find_by_id(y.year).one(&txn).await?;
            let row = calendar_year::ActiveModel {
                year: Set(y.year),
                notice: Set(y.notice.clone()),
                notice_date: Set(y.notice_date.to_string()),
                days: Set(serde_json::to_value(y).map_err(|e| StoreError::Corrupt(e.to_string()))?),
                loaded_by: Set(loaded_by.to_owned()),
                loaded_at: Set(now),
            };
            if before.is_some() {
                row.update(&txn).await?;
            } else {
                row.insert(&txn).await?;
            }
            crate::audit::append(
                &txn,
                &format!("operator:{loaded_by}"),
                "calendar_load",
                &format!("calendar:{}", y.year),
                &before.map_or(
                    serde_json::Value::Null,
                    |b| serde_json::json!({ "notice": b.notice, "notice_date": b.notice_date }),
                ),
                &serde_json::json!({
                    "notice": y.notice,
                    "notice_date": y.notice_date,
                    "holidays": y.holidays.len(),
                    "makeup_workdays": y.makeup_workdays.len(),
                }),
            )
            .await?;
        }
        txn.commit().await?;
        self.forget_cached(super::cluster::Topic::Calendar);
        self.announce(super::cluster::Topic::Calendar).await?;
        Ok(())
    }

    /// The open deadlines counted on a calendar that ended before `last_year`
    /// and that are provisional (due after the year they were counted to).
    pub async fn deadlines_to_recount(&self, last_year: i32) -> StoreResult<Vec<ToRecount>> {
        let rows = petition_deadline::Entity::find()
            .filter(petition_deadline::Column::Status.eq(DeadlineStatus::Open))
            .filter(petition_deadline::Column::CalendarYear.lt(last_year))
            // Provisional: due after the last year it was counted to (ISO text compares as dates).
            .filter(Expr::cust(
                "due_on > CAST(calendar_year AS TEXT) || '-12-31'",
            ))
            .order_by_asc(petition_deadline::Column::Id)
            .all(self.conn())
            .await?;
        Ok(rows
            .into_iter()
            .map(|d| ToRecount {
                id: d.id,
                petition_id: d.petition_id,
                started_on: d
                    .started_on
                    .map_or_else(|| crate::domain::clock::china_date(d.created_at), |s| s.0),
                moved_by: serde_json::from_value(d.moved_by).unwrap_or_default(),
                rule_id: d.rule_id,
                clock: d.clock,
                due_on: d.due_on.0,
                calendar_year: d.calendar_year,
            })
            .collect())
    }

    /// Records a deadline counted again on the calendar ending `calendar_year`.
    /// When its date moved, the petitioner's timeline says so (and they are
    /// told), with an audit entry; all in one transaction.
    pub async fn recount_deadline(
        &self,
        d: &ToRecount,
        due_on: NaiveDate,
        calendar_year: i32,
    ) -> StoreResult<bool> {
        let moved = due_on != d.due_on;
        let _lock = crate::audit::APPEND_LOCK.lock().await;
        let txn = self.begin_write().await?;
        let updated = petition_deadline::Entity::update_many()
            .col_expr(petition_deadline::Column::DueOn, Expr::value(Day(due_on)))
            .col_expr(
                petition_deadline::Column::CalendarYear,
                Expr::value(calendar_year),
            )
            .filter(petition_deadline::Column::Id.eq(d.id))
            .filter(petition_deadline::Column::Status.eq(DeadlineStatus::Open))
            .filter(petition_deadline::Column::DueOn.eq(Day(d.due_on)))
            .exec(&txn)
            .await?;
        if updated.rows_affected != 1 {
            // Met or moved meanwhile: nothing to recount.
            txn.rollback().await?;
            return Ok(false);
        }
        let mut outbox = Outbox::new();
        let now = Utc::now();
        // What the petitioner reads changed (the date, or only its provisional mark):
        // pages cached by `updated_at`, on every node, are read again.
        petition::ActiveModel {
            id: Set(d.petition_id),
            updated_at: Set(now),
            ..Default::default()
        }
        .update(&txn)
        .await?;
        if moved {
            let p: super::petitions::Petition = petition::Entity::find_by_id(d.petition_id)
                .one(&txn)
                .await?
                .ok_or(StoreError::NotFound)?
                .into();
            let event = super::petitions::EventRow {
                petition: &p,
                kind: EventKind::DeadlineMoved,
                public: true,
                actor: "system",
                body: format!("{}\n{}\n{}", d.clock, d.due_on, due_on),
                at: now,
                attribution: None,
            }
            .insert(&txn)
            .await?;
            crate::audit::append(
                &txn,
                "system",
                "deadline_recount",
                &format!("petition:{}", d.petition_id),
                &serde_json::json!({ "clock": d.clock, "due_on": d.due_on, "calendar_year": d.calendar_year }),
                &serde_json::json!({ "clock": d.clock, "due_on": due_on, "calendar_year": calendar_year, "event": event.id }),
            )
            .await?;
            outbox
                .event(
                    d.petition_id,
                    event.id,
                    EventKind::DeadlineMoved,
                    true,
                    p.reach(),
                )
                .index(Indexed::Petition(d.petition_id));
        }
        self.finish(txn, outbox).await?;
        self.invalidate_status(d.petition_id);
        Ok(moved)
    }
}
