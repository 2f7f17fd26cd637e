//! 办理: staff and petitioners move a petition through its workflow. The
//! console and the JSON API both call [`act`]; the rules are in
//! `domain::workflow::decide` and `domain::access`, the writing in
//! `Store::apply_outcome`.

use super::acting::{act_at, staff_actor};
use super::records::visible_petition;
use super::{App, Error, Result};
use crate::domain::clock::ClockRules;
use crate::domain::staff::Role;
use crate::domain::workflow::{Command, Context, Refusal};
use crate::store::agencies::Agency;
use crate::store::petitions::Petition;
use crate::store::queues::{Queue, QueueItem};
use crate::store::staff::StaffMember;

/// A queue's row as the console and the API list it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct QueueRow {
    #[serde(flatten)]
    pub item: QueueItem,
    /// As printed (`MJ26-K3FQ9-X2MAP`).
    pub number: String,
    pub handler: Option<String>,
    /// Days until the nearest deadline (negative: days overdue); none without one.
    pub days_left: Option<i64>,
    pub overdue: bool,
    /// The nearest deadline falls in a year whose holidays are not yet published.
    pub provisional: bool,
    /// Its draft was returned for revision (退回修改) and not yet redrafted.
    pub returned: bool,
}

/// One page of one of the caller's queues, and how many rows it holds.
pub struct QueuePage {
    pub rows: Vec<QueueRow>,
    pub total: u64,
    pub page: u64,
    pub pages: u64,
}

/// One page of one of the caller's queues.
pub async fn queue(
    app: &App,
    staff: &StaffMember,
    queue: Queue,
    sort: Option<crate::store::queues::Sort>,
    page: u64,
) -> Result<QueuePage> {
    let today = super::today();
    let page = page.max(1);
    let (items, total) = app
        .store
        .staff_petitions(staff.agency_id, &staff.name)
        .queue(queue, staff.id, today, sort, page)
        .await?;
    let handlers = app.store.agency_members(staff.agency_id).await?;
    let rows = items
        .into_iter()
        .map(|item| {
            let due = item.next_due_on.date();
            QueueRow {
                number: crate::domain::codes::TrackingNumber::display_stored(&item.tracking_number),
                handler: item
                    .handler_id
                    .and_then(|h| handlers.iter().find(|m| m.id == h))
                    .map(|m| m.name.clone()),
                days_left: due.map(|d| (d - today).num_days()),
                overdue: due.is_some_and(|d| d < today),
                provisional: due.is_some_and(|d| super::calendar::is_provisional(app, d)),
                returned: crate::domain::workflow::draft_returned(
                    item.status,
                    item.draft_author_id,
                ),
                item,
            }
        })
        .collect();
    let per = crate::store::queues::QUEUE_PAGE;
    Ok(QueuePage {
        rows,
        total,
        page,
        pages: total.div_ceil(per).max(1),
    })
}

/// How many petitions each of the caller's queues holds (the dashboard).
pub async fn queue_counts(app: &App, staff: &StaffMember) -> Result<Vec<(Queue, u64)>> {
    Ok(app
        .store
        .staff_petitions(staff.agency_id, &staff.name)
        .queue_counts(staff.id, super::today())
        .await?)
}

/// The actions `staff` may take on `p` now: the next step, when this person
/// has one, and the others (the domain's `workflow::offer`); the console
/// offers nothing else.
pub async fn offered(
    app: &App,
    staff: &StaffMember,
    p: &Petition,
) -> Result<crate::domain::workflow::Offer> {
    let agency = app.store.agency(p.agency_id).await?;
    let deadlines = app.store.petition_deadlines(p.id).await?;
    let mut state = p.workflow_state(if p.names(&staff.name) {
        vec![staff.id]
    } else {
        Vec::new()
    });
    state.conclusion_due_on = deadlines
        .iter()
        .find(|d| d.clock == "conclusion" && d.status == crate::domain::clock::DeadlineStatus::Open)
        .map(|d| d.due_on);
    let calendar = app.store.calendar().await?;
    Ok(crate::domain::workflow::offer(
        &state,
        &staff_actor(staff),
        &Context {
            today: super::today(),
            kind: p.kind,
            agency_type: agency.agency_type,
            parent_agency: agency.parent_id,
            rules: ClockRules::official(),
            calendar: &calendar,
        },
    ))
}

/// Whom and where a bulk action may name: the handlers of the caller's
/// agency, and every other agency (for 转送).
pub async fn bulk_targets(
    app: &App,
    staff: &StaffMember,
) -> Result<(Vec<StaffMember>, Vec<Agency>)> {
    let handlers = app
        .store
        .agency_staff(staff.agency_id, Role::Handler)
        .await?;
    let agencies = app
        .store
        .agencies()
        .await?
        .iter()
        .filter(|a| a.id != staff.agency_id)
        .cloned()
        .collect();
    Ok((handlers, agencies))
}

/// One petition's outcome in a bulk action.
#[derive(Debug)]
pub struct BulkOutcome {
    /// As printed.
    pub number: String,
    pub title: String,
    /// Why the act was not done on this one.
    pub refused: Option<Error>,
}

/// The petitions of a bulk action, looked up in the caller's scope before
/// anything is done (the confirmation page lists them); a number out of
/// scope or unknown is left out.
pub async fn bulk_selection(
    app: &App,
    staff: &StaffMember,
    numbers: &[String],
) -> Result<Vec<Petition>> {
    let mut out: Vec<Petition> = Vec::new();
    for n in numbers {
        match visible_petition(app, staff, n).await {
            Ok(p) if !out.iter().any(|q| q.id == p.id) => out.push(p),
            Ok(_) | Err(Error::NotFound) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(out)
}

/// 批量分办 / 批量转送: the same command on each chosen petition, each one
/// decided, committed and audited on its own (one refused leaves the others
/// done), at the version the confirmation page showed.
pub async fn act_on_many(
    app: &App,
    staff: &StaffMember,
    chosen: &[(String, Option<i32>)],
    command: &Command,
) -> Result<Vec<BulkOutcome>> {
    let mut out = Vec::new();
    for (number, version) in chosen {
        let Ok(p) = visible_petition(app, staff, number).await else {
            continue;
        };
        let refused = match act(app, staff, &p.tracking_number, command.clone(), *version).await {
            Ok(_) => None,
            Err(e @ (Error::Internal(_) | Error::SearchUnavailable(_))) => return Err(e),
            Err(e) => Some(e),
        };
        out.push(BulkOutcome {
            number: p.display_number(),
            title: p.title,
            refused,
        });
    }
    Ok(out)
}

/// The handlers of the staff member's agency (to name them in search facets).
pub async fn agency_handlers(app: &App, staff: &StaffMember) -> Result<Vec<StaffMember>> {
    Ok(app
        .store
        .agency_staff(staff.agency_id, Role::Handler)
        .await?)
}

/// The handlers a petition may be assigned to: the agency's, minus any it names.
pub async fn assignable_handlers(app: &App, p: &Petition) -> Result<Vec<StaffMember>> {
    Ok(app
        .store
        .agency_staff(p.agency_id, Role::Handler)
        .await?
        .into_iter()
        .filter(|h| !p.names(&h.name))
        .collect())
}

/// 转送 targets: the competent bodies by the routing rules (best first), then
/// every other agency.
pub async fn transfer_targets(app: &App, p: &Petition) -> Result<(Vec<Agency>, Vec<Agency>)> {
    use crate::domain::routing::{Place, competent_type, suggestions};
    let all = app.store.agencies().await?;
    let places: Vec<Place> = all
        .iter()
        .map(|a| Place {
            id: a.id,
            agency_type: a.agency_type,
            parent_id: a.parent_id,
            region: a.region_zh.clone(),
        })
        .collect();
    let suggested_ids = places
        .iter()
        .find(|a| a.id == p.agency_id)
        .map(|current| {
            suggestions(
                current,
                competent_type(p.kind, p.category, p.related_case_number.as_deref()),
                &places,
            )
        })
        .unwrap_or_default();
    let suggested = suggested_ids
        .iter()
        .filter_map(|id| all.iter().find(|a| a.id == *id).cloned())
        .collect();
    let others = all
        .iter()
        .filter(|a| a.id != p.agency_id && !suggested_ids.contains(&a.id))
        .cloned()
        .collect();
    Ok((suggested, others))
}

/// A staff member acts on a petition in their scope. A merge names another
/// petition, which `app::duplicates::merge` finds and checks first.
pub async fn act(
    app: &App,
    staff: &StaffMember,
    tn: &str,
    command: Command,
    expected_version: Option<i32>,
) -> Result<i32> {
    if let Command::Merge { original, reason } = &command {
        return super::duplicates::merge(app, staff, tn, original, reason, expected_version).await;
    }
    act_at(
        &app.store,
        staff,
        tn,
        command,
        expected_version,
        chrono::Utc::now(),
        app.letter_names,
    )
    .await
}

/// 答复公开: a supervisor publishes the redacted answer of an issued answer.
pub async fn publish_answer(
    app: &App,
    staff: &StaffMember,
    tn: &str,
    title: &str,
    answer: &str,
) -> Result<()> {
    use crate::domain::published::{PublishedAnswer, may_publish};
    let p = visible_petition(app, staff, tn).await?;
    if !may_publish(p.status, staff.role) {
        return Err(if staff.role == Role::Supervisor {
            Error::Invalid("error-publish-not-answered")
        } else {
            Error::Refused(Refusal::WrongRole)
        });
    }
    let published = PublishedAnswer::parse(title, answer).map_err(Error::Invalid)?;
    app.store
        .publish_answer(p.id, &published, &staff.actor())
        .await?;
    Ok(())
}
