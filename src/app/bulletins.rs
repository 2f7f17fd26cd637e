//! 执法情况通报 — the monthly bulletin of each agency: the month's figures
//! against the month before, the matters overdue, the answers changed on
//! review and the answers rated unsatisfied. Generated on the first working
//! day of each month (by the holiday calendar) for the month before, once per
//! agency and month whoever runs it (a unique key; the job's dedupe key),
//! kept, and mailed to the supervisors of the agency and of the agency above.

use super::oversight;
use super::{Error, Result};
use crate::domain::calendar::Calendar;
use crate::domain::evaluation::Period;
use crate::domain::events::EventKind;
use crate::store::Store;
use crate::store::oversight::Listing;
use crate::store::rollups::Scope;
use chrono::{Datelike, NaiveDate};

/// The job that generates a month's bulletins (payload `{"month": "YYYY-MM"}`).
pub const GENERATE: &str = "bulletin.generate";

/// The month whose bulletins are due on `today`: the month before, from the
/// first working day of this month on.
pub fn due_month(calendar: &Calendar, today: NaiveDate) -> Option<Period> {
    let first = NaiveDate::from_ymd_opt(today.year(), today.month(), 1)?;
    (today >= calendar.on_or_next_working_day(first)).then(|| Period::month_of(first).previous())
}

/// What a generation did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Report {
    pub generated: usize,
    /// Agencies whose bulletin for the month already existed.
    pub existing: usize,
}

/// A body as a bulletin names it (its ranking keeps names, not whole records).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Named {
    pub name_zh: String,
    pub name_en: String,
}

/// A matter a bulletin names.
#[derive(Debug, Clone, serde::Serialize)]
struct Matter {
    tracking_number: String,
    title: String,
    next_due_on: Option<NaiveDate>,
}

/// Generates the bulletin of every agency for `month` (those that exist stay as they were).
pub async fn generate(store: &Store, month: Period) -> Result<Report> {
    let Period::Month(..) = month else {
        return Err(Error::Invalid("error-bulletin-month"));
    };
    let mut report = Report::default();
    let today = super::today();
    // A month that ended before the installation held any petition has nothing to report.
    let first = store
        .first_received_at()
        .await?
        .map(crate::domain::clock::china_date);
    if first.is_none_or(|f| f > month.days().1) {
        return Ok(report);
    }
    let agencies = store.agencies().await?;
    let tree = crate::domain::agency::Hierarchy::new(agencies.iter().map(|a| (a.id, a.parent_id)));
    for agency in agencies.iter() {
        let scope = Scope::Agencies(vec![agency.id]);
        let (values, score) = oversight::count(store, &scope, month).await?;
        let (previous, previous_score) = oversight::count(store, &scope, month.previous()).await?;
        let days = month.days();
        let matters = |items: Vec<crate::store::queues::QueueItem>| -> Vec<Matter> {
            items
                .into_iter()
                .take(20)
                .map(|i| Matter {
                    tracking_number: i.tracking_number,
                    title: i.title,
                    next_due_on: i.next_due_on.date(),
                })
                .collect()
        };
        let overdue = matters(
            store
                .oversight_list(agency.id, "", Listing::Overdue, today, days, 1)
                .await?,
        );
        let reversed = matters(
            store
                .oversight_list(
                    agency.id,
                    "",
                    Listing::Events(EventKind::Answered),
                    today,
                    days,
                    1,
                )
                .await?,
        );
        let unsatisfied = matters(
            store
                .oversight_list(agency.id, "", Listing::Unsatisfied, today, days, 1)
                .await?,
        );
        let (below_overdue, orders_unanswered) =
            below(store, &agencies, &tree, agency.id, today).await?;
        // 红黑榜 of the bodies directly below, for the month.
        let ranking = super::ranking::count(store, &agencies, agency.id, month)
            .await?
            .map(|a| Named {
                name_zh: a.name_zh,
                name_en: a.name_en,
            });
        let body = serde_json::json!({
            "month": month.key(),
            "generated_on": today,
            "values": values,
            "score": score.value,
            "score_basis": score,
            "previous_month": month.previous().key(),
            "previous": previous,
            "previous_score": previous_score.value,
            "overdue": overdue,
            "reversed": reversed,
            "unsatisfied": unsatisfied,
            "below_overdue": below_overdue,
            "orders_unanswered": orders_unanswered,
            "ranking": ranking,
        });
        match store.keep_bulletin(agency.id, &month.key(), body).await? {
            Some(_) => report.generated += 1,
            None => report.existing += 1,
        }
    }
    tracing::info!(
        bulletin.month = %month.key(),
        bulletins.generated = report.generated,
        bulletins.existing = report.existing,
        "monthly bulletins"
    );
    Ok(report)
}

/// What a bulletin reports of the bodies below its agency: the overdue
/// matters of each (ten at most per body, bodies with none left out), and the
/// supervision orders to the agency or any body below it left unanswered past
/// their date — so a county's overdue matter reaches the province's leader.
async fn below(
    store: &Store,
    agencies: &[crate::store::agencies::Agency],
    tree: &crate::domain::agency::Hierarchy,
    root: crate::domain::ids::AgencyId,
    today: NaiveDate,
) -> Result<(Vec<serde_json::Value>, Vec<serde_json::Value>)> {
    let named = |id: crate::domain::ids::AgencyId| agencies.iter().find(|a| a.id == id);
    let subtree = tree.subtree(root);
    let mut overdue = Vec::new();
    for id in subtree.iter().copied().filter(|id| *id != root) {
        let items = store
            .oversight_list(id, "", Listing::Overdue, today, (today, today), 1)
            .await?;
        if items.is_empty() {
            continue;
        }
        let Some(a) = named(id) else { continue };
        let matters: Vec<Matter> = items
            .into_iter()
            .take(10)
            .map(|i| Matter {
                tracking_number: i.tracking_number,
                title: i.title,
                next_due_on: i.next_due_on.date(),
            })
            .collect();
        overdue.push(serde_json::json!({
            "agency_id": id, "agency_zh": a.name_zh, "agency_en": a.name_en, "matters": matters,
        }));
    }
    let orders = store
        .overdue_orders(Some(&subtree), false, today, 50)
        .await?;
    let mut ids: Vec<_> = orders.iter().filter_map(|o| o.petition_id).collect();
    ids.sort();
    ids.dedup();
    let titles = store.petition_titles(&ids).await?;
    let orders = orders
        .into_iter()
        .map(|o| {
            let petition = o.petition_id.and_then(|p| titles.get(&p));
            let a = named(o.target_agency_id);
            serde_json::json!({
                "order_id": o.id,
                "tracking_number": petition.map(|(tn, _)| tn.clone()),
                "title": petition.map(|(_, t)| t.clone()),
                "agency_zh": a.map(|a| a.name_zh.clone()),
                "agency_en": a.map(|a| a.name_en.clone()),
                "reply_by": o.reply_by,
            })
        })
        .collect();
    Ok((overdue, orders))
}

/// The sweep's part: when a month's bulletins are due and not all there,
/// enqueue their generation once (the job's dedupe key names the month).
pub async fn schedule(store: &Store) -> Result<Option<Period>> {
    let calendar = store.calendar().await?;
    let Some(month) = due_month(&calendar, super::today()) else {
        return Ok(None);
    };
    let agencies = store.agencies().await?.len() as u64;
    if agencies == 0 || store.bulletins_for_month(&month.key()).await? >= agencies {
        return Ok(None);
    }
    crate::store::outbox::enqueue_job(
        store.conn(),
        GENERATE,
        serde_json::json!({ "month": month.key() }),
        Some(format!("bulletin:{}", month.key())),
    )
    .await?;
    Ok(Some(month))
}

/// The bulletins of an agency in `staff`'s scope (their own when none), with
/// the agencies they may switch to.
pub async fn of_agency(
    app: &super::App,
    staff: &crate::store::staff::StaffMember,
    agency: Option<crate::domain::ids::AgencyId>,
) -> Result<(
    crate::store::agencies::Agency,
    Vec<crate::store::bulletins::Bulletin>,
    Vec<crate::store::agencies::Agency>,
)> {
    let (root, all, h) = oversight::resolve(app, staff, agency).await?;
    let list = app.store.bulletins_of(root.id).await?;
    Ok((root, list, oversight::choices(&all, &h, staff)))
}

/// A bulletin, for the supervisors and auditors of its agency and of those above.
pub async fn read(
    app: &super::App,
    staff: &crate::store::staff::StaffMember,
    id: i32,
) -> Result<(
    crate::store::bulletins::Bulletin,
    crate::store::agencies::Agency,
)> {
    let b = app.store.bulletin(id).await?.ok_or(Error::NotFound)?;
    let (agency, _, _) = oversight::resolve(app, staff, Some(b.agency_id))
        .await
        .map_err(|_| Error::NotFound)?;
    Ok((b, agency))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn bulletins_are_due_from_the_first_working_day_of_the_month() {
        let cal = Calendar::shipped().unwrap();
        // 1–7 October 2026 are National Day: the first working day is Thursday 8 October.
        assert_eq!(due_month(&cal, d("2026-10-07")), None);
        assert_eq!(
            due_month(&cal, d("2026-10-08")),
            Some(Period::Month(2026, 9))
        );
        assert_eq!(
            due_month(&cal, d("2026-10-20")),
            Some(Period::Month(2026, 9))
        );
        // Tuesday 1 December 2026 is a working day.
        assert_eq!(
            due_month(&cal, d("2026-12-01")),
            Some(Period::Month(2026, 11))
        );
        // 1–3 January 2026 are off and 4 January (Sunday) is worked.
        assert_eq!(due_month(&cal, d("2026-01-03")), None);
        assert_eq!(
            due_month(&cal, d("2026-01-04")),
            Some(Period::Month(2025, 12))
        );
    }
}
