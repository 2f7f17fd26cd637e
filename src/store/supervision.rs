//! 督办 — supervision orders persisted (`domain::supervision` decides who may
//! do what). Each write — an order issued, replied to, withdrawn, escalated —
//! is one transaction with its row, the petition's internal timeline event
//! (which carries the roll-up contribution and the staff notice), and its
//! audit entry. Replies and withdrawals are guarded by the order's version.

use super::entities::{petition, supervision_order as order};
use super::outbox::Outbox;
use super::petitions::{EventRow, Petition};
use super::types::Day;
use super::{Store, StoreError, StoreResult};
use crate::domain::events::EventKind;
use crate::domain::ids::{AgencyId, PetitionId, StaffId};
use crate::domain::supervision::{OrderFacts, OrderStatus};
use crate::domain::workflow::Attribution;
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::Query;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect,
};

/// An order as the pages read it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Order {
    pub id: i32,
    pub issuing_agency_id: AgencyId,
    pub issued_by: StaffId,
    pub target_agency_id: AgencyId,
    pub petition_id: Option<PetitionId>,
    pub instructions: String,
    pub reply_by: NaiveDate,
    pub status: OrderStatus,
    pub issued_at: DateTime<Utc>,
    pub reply_text: Option<String>,
    pub replied_by: Option<StaffId>,
    pub replied_at: Option<DateTime<Utc>>,
    pub replied_on: Option<NaiveDate>,
    pub withdrawn_by: Option<StaffId>,
    pub withdrawn_at: Option<DateTime<Utc>>,
    pub withdraw_reason: Option<String>,
    pub escalated_at: Option<DateTime<Utc>>,
    pub escalated_to: Option<AgencyId>,
    pub version: i32,
}

impl Order {
    pub fn facts(&self) -> OrderFacts {
        OrderFacts {
            issuing_agency: self.issuing_agency_id,
            target_agency: self.target_agency_id,
            status: self.status,
            reply_by: self.reply_by,
        }
    }
}

impl From<order::Model> for Order {
    fn from(m: order::Model) -> Self {
        Order {
            id: m.id,
            issuing_agency_id: m.issuing_agency_id,
            issued_by: m.issued_by,
            target_agency_id: m.target_agency_id,
            petition_id: m.petition_id,
            instructions: m.instructions,
            reply_by: m.reply_by.0,
            status: m.status,
            issued_at: m.issued_at,
            reply_text: m.reply_text,
            replied_by: m.replied_by,
            replied_at: m.replied_at,
            replied_on: m.replied_on.map(|d| d.0),
            withdrawn_by: m.withdrawn_by,
            withdrawn_at: m.withdrawn_at,
            withdraw_reason: m.withdraw_reason,
            escalated_at: m.escalated_at,
            escalated_to: m.escalated_to,
            version: m.version,
        }
    }
}

/// Which orders a list holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrderListing {
    /// Orders to these bodies (open first, the nearest date first).
    To,
    /// Orders issued by these bodies.
    From,
    /// Orders escalated to these bodies, still open.
    EscalatedTo,
}

/// A new order's row as the issuer typed it.
struct NewRow<'a> {
    target: AgencyId,
    petition: Option<&'a Petition>,
    issuer: &'a super::staff::StaffMember,
    instructions: &'a str,
    reply_by: NaiveDate,
    at: DateTime<Utc>,
}

/// A change to an order and what it writes beside it.
struct Change<'a> {
    order: &'a Order,
    kind: EventKind,
    actor: &'a str,
    action: &'static str,
    body: String,
    detail: Option<String>,
    at: DateTime<Utc>,
}

impl Store {
    /// Issues an order on petition `p` to its agency, from `issuer`'s body.
    pub async fn issue_order(
        &self,
        p: &Petition,
        issuer: &super::staff::StaffMember,
        instructions: &str,
        reply_by: NaiveDate,
        at: DateTime<Utc>,
    ) -> StoreResult<Order> {
        let new = NewRow {
            target: p.agency_id,
            petition: Some(p),
            issuer,
            instructions,
            reply_by,
            at,
        };
        self.insert_order(new).await
    }

    /// Issues an order to `target` on its overdue backlog (督办积案), on no
    /// one petition: its row and audit entry, and the mail to the body's
    /// supervisors (an order on a petition tells them through its timeline).
    pub async fn issue_backlog_order(
        &self,
        target: AgencyId,
        issuer: &super::staff::StaffMember,
        instructions: &str,
        reply_by: NaiveDate,
        at: DateTime<Utc>,
    ) -> StoreResult<Order> {
        let new = NewRow {
            target,
            petition: None,
            issuer,
            instructions,
            reply_by,
            at,
        };
        self.insert_order(new).await
    }

    async fn insert_order(&self, new: NewRow<'_>) -> StoreResult<Order> {
        let actor = new.issuer.actor();
        let actor = actor.as_str();
        let _lock = crate::audit::APPEND_LOCK.lock().await;
        let txn = self.begin_write().await?;
        let row: Order = order::ActiveModel {
            issuing_agency_id: Set(new.issuer.agency_id),
            issued_by: Set(new.issuer.id),
            target_agency_id: Set(new.target),
            petition_id: Set(new.petition.map(|p| p.id)),
            instructions: Set(new.instructions.to_owned()),
            reply_by: Set(Day(new.reply_by)),
            status: Set(OrderStatus::Open),
            issued_at: Set(new.at),
            version: Set(1),
            ..Default::default()
        }
        .insert(&txn)
        .await?
        .into();
        self.order_written(
            &txn,
            new.petition,
            Change {
                order: &row,
                kind: EventKind::SupervisionOrdered,
                actor,
                action: "issue_supervision_order",
                body: new.instructions.to_owned(),
                detail: None,
                at: new.at,
            },
        )
        .await?;
        if new.petition.is_none() {
            Outbox::new().backlog_order(row.id).write(&txn).await?;
        }
        txn.commit().await?;
        Ok(row)
    }

    /// Records the reply to an order still at `version`.
    pub async fn reply_to_order(
        &self,
        o: &Order,
        replied_by: StaffId,
        text: &str,
        on_time: bool,
        actor: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<()> {
        let update = Query::update()
            .table(order::Entity)
            .value(order::Column::Status, OrderStatus::Answered)
            .value(order::Column::ReplyText, text)
            .value(order::Column::RepliedBy, replied_by)
            .value(order::Column::RepliedAt, at)
            .value(
                order::Column::RepliedOn,
                Day(crate::domain::clock::china_date(at)),
            )
            .to_owned();
        let change = Change {
            order: o,
            kind: EventKind::SupervisionReplied,
            actor,
            action: "reply_supervision_order",
            body: text.to_owned(),
            detail: Some(if on_time { "on_time" } else { "late" }.to_owned()),
            at,
        };
        self.change_order(update, change).await
    }

    /// Withdraws an order still at `version`.
    pub async fn withdraw_order(
        &self,
        o: &Order,
        withdrawn_by: StaffId,
        reason: &str,
        actor: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<()> {
        let update = Query::update()
            .table(order::Entity)
            .value(order::Column::Status, OrderStatus::Withdrawn)
            .value(order::Column::WithdrawnBy, withdrawn_by)
            .value(order::Column::WithdrawnAt, at)
            .value(order::Column::WithdrawReason, reason)
            .to_owned();
        let change = Change {
            order: o,
            kind: EventKind::SupervisionWithdrawn,
            actor,
            action: "withdraw_supervision_order",
            body: reason.to_owned(),
            detail: None,
            at,
        };
        self.change_order(update, change).await
    }

    /// Marks an open order past its date as escalated to `to` (the sweep; once).
    pub async fn escalate_order(
        &self,
        o: &Order,
        to: AgencyId,
        at: DateTime<Utc>,
    ) -> StoreResult<()> {
        let update = Query::update()
            .table(order::Entity)
            .value(order::Column::EscalatedAt, at)
            .value(order::Column::EscalatedTo, to)
            .and_where(order::Column::EscalatedAt.is_null())
            .to_owned();
        let change = Change {
            order: o,
            kind: EventKind::SupervisionEscalated,
            actor: "system",
            action: "escalate_supervision_order",
            body: String::new(),
            detail: None,
            at,
        };
        match self.change_order(update, change).await {
            // Another node escalated it first, or it was answered meanwhile.
            Err(StoreError::Conflict { .. }) => Ok(()),
            other => other,
        }
    }

    async fn change_order(
        &self,
        mut update: sea_orm::sea_query::UpdateStatement,
        change: Change<'_>,
    ) -> StoreResult<()> {
        let _lock = crate::audit::APPEND_LOCK.lock().await;
        let txn = self.begin_write().await?;
        let o = change.order;
        update
            .value(order::Column::Version, o.version + 1)
            .and_where(order::Column::Id.eq(o.id))
            .and_where(order::Column::Version.eq(o.version))
            .and_where(order::Column::Status.eq(OrderStatus::Open));
        if txn.execute(&update).await?.rows_affected() != 1 {
            txn.rollback().await?;
            let current = self.order(o.id).await?.map_or(0, |c| c.version);
            return Err(StoreError::Conflict { current });
        }
        let p: Option<Petition> = match o.petition_id {
            Some(id) => Some(
                petition::Entity::find_by_id(id)
                    .one(&txn)
                    .await?
                    .ok_or(StoreError::NotFound)?
                    .into(),
            ),
            None => None,
        };
        self.order_written(&txn, p.as_ref(), change).await?;
        txn.commit().await?;
        Ok(())
    }

    /// The audit entry of a change and, for an order on a petition, its
    /// timeline event, roll-ups and notices (the caller commits).
    async fn order_written(
        &self,
        txn: &sea_orm::DatabaseTransaction,
        p: Option<&Petition>,
        c: Change<'_>,
    ) -> StoreResult<()> {
        let mut after = serde_json::json!({ "detail": c.detail });
        if let Some(p) = p {
            let event = order_event(txn, p, &c).await?;
            let body =
                crate::audit::commitment(event.body_salt.as_deref().unwrap_or_default(), &c.body);
            after = serde_json::json!({ "petition": p.id, "event": event.id, "body_sha256": body, "detail": c.detail });
        }
        crate::audit::append_at(
            txn,
            c.at,
            c.actor,
            c.action,
            &format!("supervision_order:{}", c.order.id),
            &serde_json::json!({ "status": c.order.status, "version": c.order.version }),
            &after,
        )
        .await?;
        Ok(())
    }

    pub async fn order(&self, id: i32) -> StoreResult<Option<Order>> {
        Ok(order::Entity::find_by_id(id)
            .one(self.conn())
            .await?
            .map(Order::from))
    }

    /// The orders on a petition, newest first.
    pub async fn petition_orders(&self, petition: PetitionId) -> StoreResult<Vec<Order>> {
        Ok(order::Entity::find()
            .filter(order::Column::PetitionId.eq(petition))
            .order_by_desc(order::Column::Id)
            .all(self.conn())
            .await?
            .into_iter()
            .map(Order::from)
            .collect())
    }

    /// Orders to, from or escalated to `agencies`; open ones first, the
    /// nearest reply date first; 200 at most.
    pub async fn orders(
        &self,
        agencies: &[AgencyId],
        listing: OrderListing,
        open_only: bool,
    ) -> StoreResult<Vec<Order>> {
        if agencies.is_empty() {
            return Ok(Vec::new());
        }
        let mut q = order::Entity::find();
        q = match listing {
            OrderListing::To => q.filter(order::Column::TargetAgencyId.is_in(agencies.to_vec())),
            OrderListing::From => q.filter(order::Column::IssuingAgencyId.is_in(agencies.to_vec())),
            OrderListing::EscalatedTo => q
                .filter(order::Column::EscalatedTo.is_in(agencies.to_vec()))
                .filter(order::Column::Status.eq(OrderStatus::Open)),
        };
        if open_only {
            q = q.filter(order::Column::Status.eq(OrderStatus::Open));
        }
        // Open ones first (a CASE, since the status texts do not sort that way).
        Ok(q.order_by(
            sea_orm::sea_query::Expr::cust("CASE WHEN status = 'open' THEN 0 ELSE 1 END"),
            sea_orm::Order::Asc,
        )
        .order_by_asc(order::Column::ReplyBy)
        .order_by_asc(order::Column::Id)
        .limit(200)
        .all(self.conn())
        .await?
        .into_iter()
        .map(Order::from)
        .collect())
    }

    /// Open orders past their date, to `agencies` (none: to any body), oldest
    /// date first; `unescalated`: only those the sweep has not escalated yet
    /// (so the escalated ones never crowd a new one out of the page).
    pub async fn overdue_orders(
        &self,
        agencies: Option<&[AgencyId]>,
        unescalated: bool,
        today: NaiveDate,
        limit: u64,
    ) -> StoreResult<Vec<Order>> {
        let mut q = order::Entity::find()
            .filter(order::Column::Status.eq(OrderStatus::Open))
            .filter(order::Column::ReplyBy.lt(Day(today)));
        if let Some(agencies) = agencies {
            q = q.filter(order::Column::TargetAgencyId.is_in(agencies.to_vec()));
        }
        if unescalated {
            q = q.filter(order::Column::EscalatedAt.is_null());
        }
        Ok(q.order_by_asc(order::Column::ReplyBy)
            .limit(limit)
            .all(self.conn())
            .await?
            .into_iter()
            .map(Order::from)
            .collect())
    }

    /// Open orders per body ordered (for the dashboards' count).
    pub async fn open_order_count(&self, agency: AgencyId) -> StoreResult<u64> {
        use sea_orm::PaginatorTrait;
        Ok(order::Entity::find()
            .filter(order::Column::TargetAgencyId.eq(agency))
            .filter(order::Column::Status.eq(OrderStatus::Open))
            .count(self.conn())
            .await?)
    }

    /// Open orders to `scope` whose reply date fell in `from..=to` and passed
    /// before `today` (late in the evaluation's reply rate). An officer's
    /// scope: the orders on petitions they handle.
    pub async fn open_overdue_orders(
        &self,
        scope: &super::rollups::Scope,
        from: NaiveDate,
        to: NaiveDate,
        today: NaiveDate,
    ) -> StoreResult<i64> {
        use sea_orm::PaginatorTrait;
        let last = to.min(today.pred_opt().unwrap_or(today));
        if last < from {
            return Ok(0);
        }
        let mut q = order::Entity::find()
            .filter(order::Column::Status.eq(OrderStatus::Open))
            .filter(order::Column::ReplyBy.gte(Day(from)))
            .filter(order::Column::ReplyBy.lte(Day(last)));
        q = match scope {
            super::rollups::Scope::Agencies(ids) if ids.is_empty() => return Ok(0),
            super::rollups::Scope::Agencies(ids) => {
                q.filter(order::Column::TargetAgencyId.is_in(ids.clone()))
            }
            super::rollups::Scope::Officer(id) => q.filter(
                order::Column::PetitionId.in_subquery(
                    Query::select()
                        .column(petition::Column::Id)
                        .from(petition::Entity)
                        .and_where(petition::Column::HandlerId.eq(*id))
                        .to_owned(),
                ),
            ),
        };
        Ok(i64::try_from(q.count(self.conn()).await?).unwrap_or(i64::MAX))
    }
}

/// The petition's internal timeline event of a change, with its roll-up
/// contributions and notices; it counts for the body ordered and the
/// petition's handler.
async fn order_event(
    txn: &sea_orm::DatabaseTransaction,
    p: &Petition,
    c: &Change<'_>,
) -> StoreResult<super::entities::petition_event::Model> {
    let attribution = Attribution {
        agency: Some(c.order.target_agency_id),
        officer: p.handler_id,
        other_agency: Some(c.order.issuing_agency_id),
        other_officer: None,
        detail: c.detail.clone(),
    };
    let row = EventRow {
        petition: p,
        kind: c.kind,
        public: false,
        actor: c.actor,
        body: c.body.clone(),
        at: c.at,
        attribution: Some(&attribution),
    };
    let event = row.insert(txn).await?;
    super::rollups::add(txn, &row.contributions()).await?;
    petition::ActiveModel {
        id: Set(p.id),
        updated_at: Set(c.at),
        ..Default::default()
    }
    .update(txn)
    .await?;
    let mut outbox = Outbox::new();
    outbox.event(p.id, event.id, c.kind, false, p.reach());
    outbox.write(txn).await?;
    Ok(event)
}
