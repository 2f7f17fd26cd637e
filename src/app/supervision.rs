//! 督办 — supervision orders: a higher body's supervisor or auditor orders
//! the body handling a petition to act and reply by a date; that body's
//! supervisor replies; the issuer may withdraw; the sweep escalates an order
//! left unanswered past its date (`domain::supervision` holds every rule).

use super::agencies::hierarchy;
use super::oversight::viewer;
use super::{App, Error, Result};
use crate::domain::access;
use crate::domain::exceptions::{ExceptionKind, Sighting};
use crate::domain::ids::AgencyId;
use crate::domain::supervision::{self, NewOrder, OrderRefusal};
use crate::store::agencies::Agency;
use crate::store::staff::StaffMember;
use crate::store::supervision::{Order, OrderListing};
use std::collections::BTreeMap;

impl From<OrderRefusal> for Error {
    fn from(r: OrderRefusal) -> Self {
        Error::Invalid(r.key())
    }
}

/// Issues an order on the petition `tn` to the body handling it.
pub async fn issue(
    app: &App,
    staff: &StaffMember,
    tn: &str,
    instructions: &str,
    reply_by: &str,
) -> Result<Order> {
    let (_, h) = hierarchy(app).await?;
    let p = app
        .store
        .petition_by_tracking_number(tn)
        .await?
        // Out of scope or naming the issuer (回避) reads as not there.
        .filter(|p| access::may_oversee(&viewer(staff), p.agency_id, &h) && !p.names(&staff.name))
        .ok_or(Error::NotFound)?;
    supervision::may_issue(&viewer(staff), p.agency_id, &h, p.status.is_open())?;
    let new = NewOrder::parse(instructions, reply_by, super::today()).map_err(Error::Fields)?;
    Ok(app
        .store
        .issue_order(
            &p,
            staff,
            &new.instructions,
            new.reply_by,
            chrono::Utc::now(),
        )
        .await?)
}

/// Issues an order to `agency` on its overdue backlog (督办积案): the
/// agency must be in `staff`'s oversight (else it reads as not there),
/// strictly below their body, and have matters overdue today.
pub async fn issue_on_backlog(
    app: &App,
    staff: &StaffMember,
    agency: AgencyId,
    instructions: &str,
    reply_by: &str,
) -> Result<Order> {
    backlog_target(app, staff, agency)
        .await?
        .map_err(Error::from)?;
    let new = NewOrder::parse(instructions, reply_by, super::today()).map_err(Error::Fields)?;
    Ok(app
        .store
        .issue_backlog_order(
            agency,
            staff,
            &new.instructions,
            new.reply_by,
            chrono::Utc::now(),
        )
        .await?)
}

/// Whether `staff` may order `agency` on its backlog (to show the form).
pub async fn may_issue_on_backlog(
    app: &App,
    staff: &StaffMember,
    agency: AgencyId,
) -> Result<bool> {
    Ok(backlog_target(app, staff, agency).await?.is_ok())
}

/// The backlog rule for `agency` as `staff` sees it; not found when out of
/// their oversight.
async fn backlog_target(
    app: &App,
    staff: &StaffMember,
    agency: AgencyId,
) -> Result<std::result::Result<(), OrderRefusal>> {
    let (_, h) = hierarchy(app).await?;
    if !access::may_oversee(&viewer(staff), agency, &h) {
        return Err(Error::NotFound);
    }
    let overdue = app
        .store
        .live_figures(&[agency], super::today())
        .await?
        .get(&agency)
        .map_or(0, |l| l.overdue);
    Ok(supervision::may_issue_on_backlog(
        &viewer(staff),
        agency,
        &h,
        u64::try_from(overdue).unwrap_or(0),
    ))
}

/// Whether `staff` may issue an order on `p` (to show the form).
pub async fn may_issue_on(
    app: &App,
    staff: &StaffMember,
    p: &crate::store::petitions::Petition,
) -> Result<bool> {
    let (_, h) = hierarchy(app).await?;
    Ok(supervision::may_issue(&viewer(staff), p.agency_id, &h, p.status.is_open()).is_ok())
}

/// The name of the petition's handler, if it has one (overseers see who has it).
pub async fn handler_name(
    app: &App,
    p: &crate::store::petitions::Petition,
) -> Result<Option<String>> {
    let Some(h) = p.handler_id else {
        return Ok(None);
    };
    Ok(app.store.staff_names(&[h]).await?.remove(&h))
}

/// An order `staff` may read.
async fn readable(app: &App, staff: &StaffMember, id: i32) -> Result<Order> {
    let (_, h) = hierarchy(app).await?;
    app.store
        .order(id)
        .await?
        .filter(|o| supervision::may_read(&viewer(staff), &o.facts(), &h))
        .ok_or(Error::NotFound)
}

/// Replies to an order (its version as the replier read it).
pub async fn reply(
    app: &App,
    staff: &StaffMember,
    id: i32,
    version: i32,
    text: &str,
) -> Result<Order> {
    let o = readable(app, staff, id).await?;
    supervision::may_reply(&viewer(staff), &o.facts())?;
    let text = supervision::parse_reply(text).map_err(Error::Fields)?;
    if o.version != version {
        return Err(Error::Conflict { current: o.version });
    }
    let now = chrono::Utc::now();
    let on_time = supervision::on_time(o.reply_by, crate::domain::clock::china_date(now));
    app.store
        .reply_to_order(&o, staff.id, &text, on_time, &staff.actor(), now)
        .await?;
    app.store.order(id).await?.ok_or(Error::NotFound)
}

/// Withdraws an order, saying why.
pub async fn withdraw(
    app: &App,
    staff: &StaffMember,
    id: i32,
    version: i32,
    reason: &str,
) -> Result<Order> {
    let o = readable(app, staff, id).await?;
    supervision::may_withdraw(&viewer(staff), &o.facts())?;
    let mut errors = crate::domain::FieldErrors::new();
    let reason = crate::domain::fields::required_text(&mut errors, "reason", reason, 1000);
    if !errors.is_empty() {
        return Err(Error::Fields(errors));
    }
    if o.version != version {
        return Err(Error::Conflict { current: o.version });
    }
    app.store
        .withdraw_order(&o, staff.id, &reason, &staff.actor(), chrono::Utc::now())
        .await?;
    app.store.order(id).await?.ok_or(Error::NotFound)
}

/// An order with the names a reader needs, and what the reader may do with it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct OrderView {
    #[serde(flatten)]
    pub order: Order,
    pub issuing_agency: Option<Agency>,
    pub target_agency: Option<Agency>,
    pub escalated_agency: Option<Agency>,
    pub issued_by_name: Option<String>,
    pub replied_by_name: Option<String>,
    pub tracking_number: Option<String>,
    pub title: Option<String>,
    /// Open and past its date today.
    pub overdue: bool,
    pub answered_on_time: Option<bool>,
    /// Where it stands as one word of the `order-status-*` keys: open,
    /// overdue, answered-on-time, answered-late, withdrawn.
    pub status_key: &'static str,
    pub may_reply: bool,
    pub may_withdraw: bool,
}

async fn views(app: &App, staff: &StaffMember, orders: Vec<Order>) -> Result<Vec<OrderView>> {
    let (all, _) = hierarchy(app).await?;
    let by_id: BTreeMap<AgencyId, &Agency> = all.iter().map(|a| (a.id, a)).collect();
    let mut people: Vec<_> = orders
        .iter()
        .flat_map(|o| [Some(o.issued_by), o.replied_by])
        .flatten()
        .collect();
    people.sort();
    people.dedup();
    let names = app.store.staff_names(&people).await?;
    let mut petitions: Vec<_> = orders.iter().filter_map(|o| o.petition_id).collect();
    petitions.sort();
    petitions.dedup();
    let titles = app.store.petition_titles(&petitions).await?;
    let today = super::today();
    let v = viewer(staff);
    Ok(orders
        .into_iter()
        .map(|o| {
            let facts = o.facts();
            let petition = o.petition_id.and_then(|p| titles.get(&p));
            OrderView {
                issuing_agency: by_id.get(&o.issuing_agency_id).map(|a| (*a).clone()),
                target_agency: by_id.get(&o.target_agency_id).map(|a| (*a).clone()),
                escalated_agency: o
                    .escalated_to
                    .and_then(|e| by_id.get(&e))
                    .map(|a| (*a).clone()),
                issued_by_name: names.get(&o.issued_by).cloned(),
                replied_by_name: o.replied_by.and_then(|r| names.get(&r).cloned()),
                tracking_number: petition.map(|(tn, _)| tn.clone()),
                title: petition.map(|(_, t)| t.clone()),
                overdue: supervision::is_overdue(&facts, today),
                answered_on_time: o.replied_on.map(|d| supervision::on_time(o.reply_by, d)),
                status_key: status_key(&o, today),
                may_reply: supervision::may_reply(&v, &facts).is_ok(),
                may_withdraw: supervision::may_withdraw(&v, &facts).is_ok(),
                order: o,
            }
        })
        .collect())
}

fn status_key(o: &Order, today: chrono::NaiveDate) -> &'static str {
    use crate::domain::supervision::OrderStatus;
    match o.status {
        OrderStatus::Open if supervision::is_overdue(&o.facts(), today) => "overdue",
        OrderStatus::Open => "open",
        OrderStatus::Answered => match o.replied_on {
            Some(d) if !supervision::on_time(o.reply_by, d) => "answered-late",
            _ => "answered-on-time",
        },
        OrderStatus::Withdrawn => "withdrawn",
    }
}

/// One order as `staff` reads it.
pub async fn show(app: &App, staff: &StaffMember, id: i32) -> Result<OrderView> {
    let o = readable(app, staff, id).await?;
    views(app, staff, vec![o])
        .await?
        .pop()
        .ok_or(Error::NotFound)
}

/// The orders on a petition `staff` may read (for the petition pages).
pub async fn on_petition(
    app: &App,
    staff: &StaffMember,
    petition: crate::domain::ids::PetitionId,
) -> Result<Vec<OrderView>> {
    let (_, h) = hierarchy(app).await?;
    let orders = app
        .store
        .petition_orders(petition)
        .await?
        .into_iter()
        .filter(|o| supervision::may_read(&viewer(staff), &o.facts(), &h))
        .collect();
    views(app, staff, orders).await
}

/// The orders of `staff`'s body: those it must answer (open first), those
/// escalated to it, and those it issued.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Orders {
    pub to_us: Vec<OrderView>,
    pub escalated_to_us: Vec<OrderView>,
    pub from_us: Vec<OrderView>,
}

pub async fn orders(app: &App, staff: &StaffMember) -> Result<Orders> {
    if !supervision::deals_in_orders(staff.role) {
        return Err(Error::Forbidden);
    }
    let mine = [staff.agency_id];
    let to_us = app.store.orders(&mine, OrderListing::To, false).await?;
    let escalated = app
        .store
        .orders(&mine, OrderListing::EscalatedTo, true)
        .await?;
    let from_us = app.store.orders(&mine, OrderListing::From, false).await?;
    Ok(Orders {
        to_us: views(app, staff, to_us).await?,
        escalated_to_us: views(app, staff, escalated).await?,
        from_us: views(app, staff, from_us).await?,
    })
}

/// Open orders to `staff`'s body (the dashboard's first queue); none for a
/// role that does not deal in orders.
pub async fn open_count(app: &App, staff: &StaffMember) -> Result<Option<u64>> {
    if !supervision::deals_in_orders(staff.role) {
        return Ok(None);
    }
    Ok(Some(app.store.open_order_count(staff.agency_id).await?))
}

/// The sweep's step: every open order past its date escalates once (an
/// order already escalated is skipped; two nodes racing write it once).
pub async fn escalate_due(
    store: &crate::store::Store,
    today: chrono::NaiveDate,
) -> crate::store::StoreResult<u64> {
    let agencies = store.agencies().await?;
    let h = crate::domain::agency::Hierarchy::new(agencies.iter().map(|a| (a.id, a.parent_id)));
    let mut n = 0;
    for o in store.overdue_orders(None, true, today, 500).await? {
        let to = supervision::escalate_to(&o.facts(), &h);
        store.escalate_order(&o, to, chrono::Utc::now()).await?;
        n += 1;
    }
    Ok(n)
}

/// Unanswered orders past their date on the backlogs of `agencies` (orders
/// on no one petition, which the exceptions list cannot hold as rows).
pub(crate) async fn unanswered_backlog(
    app: &App,
    staff: &StaffMember,
    agencies: &[AgencyId],
    today: chrono::NaiveDate,
) -> Result<Vec<OrderView>> {
    let orders = app
        .store
        .overdue_orders(Some(agencies), false, today, 200)
        .await?
        .into_iter()
        .filter(|o| o.petition_id.is_none())
        .collect();
    views(app, staff, orders).await
}

/// Unanswered orders past their date to `agencies`, as exceptions.
pub(crate) async fn unanswered_sightings(
    app: &App,
    agencies: &[AgencyId],
    today: chrono::NaiveDate,
) -> Result<Vec<Sighting>> {
    let orders = app
        .store
        .overdue_orders(Some(agencies), false, today, 200)
        .await?;
    let mut ids: Vec<_> = orders.iter().filter_map(|o| o.petition_id).collect();
    ids.sort();
    ids.dedup();
    let heads = app.store.petition_heads(&ids).await?;
    Ok(orders
        .into_iter()
        .filter_map(|o| {
            let p = o.petition_id?;
            let (tn, title, handler) = heads.get(&p)?.clone();
            Some(Sighting {
                kind: ExceptionKind::OrderUnanswered,
                petition_id: p,
                tracking_number: tn,
                title,
                agency_id: o.target_agency_id,
                handler_id: handler,
                clock: None,
                day: o.reply_by,
                times: 1,
                note: None,
                order_id: Some(o.id),
            })
        })
        .collect())
}
