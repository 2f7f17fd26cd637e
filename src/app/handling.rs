//! 办理: staff and petitioners move a petition through its workflow. The
//! console and the JSON API both call [`act`]; the rules are in
//! `domain::workflow::decide` and `domain::access`, the writing in
//! `Store::apply_outcome`.

use super::{App, Error, Result};
use crate::domain::access;
use crate::domain::clock::ClockRules;
use crate::domain::ids::{AgencyId, StaffId};
use crate::domain::staff::Role;
use crate::domain::workflow::{Actor, Command, Context, Refusal, decide};
use crate::store::agencies::Agency;
use crate::store::petitions::{DeadlineView, EvidenceFile, Petition, TimelineEvent};
use crate::store::staff::StaffMember;
use crate::store::workflow::{Queue, QueueItem};

/// The petition if `staff` may see it: their agency's, and not naming them (回避).
/// `tn` is the stored (canonical) form, as the console's links carry it.
/// A tracking number in the form stored: the number as printed on the
/// receipt (`MJ26-CG96C-KAY1W`), with spaces or in lower case, finds the same
/// petition. A number that is not a valid one is looked up as given.
pub fn canonical_number(tn: &str) -> String {
    crate::domain::codes::TrackingNumber::parse(tn)
        .map(|t| t.as_str().to_owned())
        .unwrap_or_else(|_| tn.trim().to_owned())
}

pub async fn visible_petition(app: &App, staff: &StaffMember, tn: &str) -> Result<Petition> {
    app.store
        .staff_petitions(staff.agency_id, &staff.name)
        .by_tracking_number(&canonical_number(tn))
        .await?
        .ok_or(Error::NotFound)
}

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
    sort: Option<crate::store::workflow::Sort>,
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
                number: crate::domain::codes::TrackingNumber::parse(&item.tracking_number)
                    .map_or_else(|_| item.tracking_number.clone(), |t| t.display()),
                handler: item
                    .handler_id
                    .and_then(|h| handlers.iter().find(|m| m.id == h))
                    .map(|m| m.name.clone()),
                days_left: due.map(|d| (d - today).num_days()),
                overdue: due.is_some_and(|d| d < today),
                provisional: due.is_some_and(|d| super::calendar::is_provisional(app, d)),
                item,
            }
        })
        .collect();
    let per = crate::store::workflow::QUEUE_PAGE;
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

/// The actions `staff` may take on `p` now, the next step first (the
/// domain's `workflow::available`): the console offers nothing else.
pub async fn offered(app: &App, staff: &StaffMember, p: &Petition) -> Result<Vec<&'static str>> {
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
    Ok(crate::domain::workflow::available(
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

/// An evidence file of a petition in scope, for staff: each read is an audit
/// entry naming the reader before the bytes go out.
pub async fn staff_file(
    app: &App,
    staff: &StaffMember,
    tn: &str,
    file_id: i32,
) -> Result<(EvidenceFile, Vec<u8>)> {
    let p = visible_petition(app, staff, tn).await?;
    let (file, bytes) = super::lookup::evidence_file(app, p.id, file_id).await?;
    app.store
        .audit_read(
            &staff.actor(),
            "read_file",
            &format!("petition:{}/file:{}", p.id, file.id),
        )
        .await?;
    Ok((file, bytes))
}

/// A named complainant's contact details, as those who handle the petition see them.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct Identity {
    pub name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
}

/// The complainant's identity for `staff`, if they may read it
/// (`access::may_read_identity`); every read is written to the audit trail
/// before it is shown.
pub async fn read_identity(
    app: &App,
    staff: &StaffMember,
    p: &Petition,
) -> Result<Option<Identity>> {
    if p.anonymous || !access::may_read_identity(staff.role, staff.id, p.handler_id) {
        return Ok(None);
    }
    app.store
        .audit_read(
            &staff.actor(),
            "read_identity",
            &format!("petition:{}", p.id),
        )
        .await?;
    Ok(Some(Identity {
        name: p.contact_name.clone(),
        email: p.contact_email.clone(),
        phone: p.contact_phone.clone(),
    }))
}

/// Everything a staff member reads on a petition's page (console and API).
pub struct Record {
    pub petition: Petition,
    /// Only for those who handle it; the read is audited.
    pub complainant: Option<Identity>,
    pub deadlines: Vec<DeadlineView>,
    /// The whole timeline, internal events too.
    pub timeline: Vec<TimelineEvent>,
    pub files: Vec<EvidenceFile>,
    /// The petition's audit entries, for those who watch it (`access::may_see_audit_trail`).
    pub audit: Vec<crate::audit::Entry>,
    /// Its links to other petitions of the same matter (重复信访).
    pub links: Vec<crate::store::duplicates::Link>,
}

pub async fn record(app: &App, staff: &StaffMember, tn: &str) -> Result<Record> {
    let petition = visible_petition(app, staff, tn).await?;
    let complainant = read_identity(app, staff, &petition).await?;
    let audit = if access::may_see_audit_trail(staff.role) {
        crate::audit::entries(app.store.conn(), Some(&format!("petition:{}", petition.id))).await?
    } else {
        Vec::new()
    };
    Ok(Record {
        deadlines: app.store.petition_deadlines(petition.id).await?,
        timeline: app.store.petition_timeline(petition.id, false).await?,
        files: app.store.petition_files(petition.id).await?,
        links: app.store.petition_links(petition.id).await?,
        complainant,
        audit,
        petition,
    })
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

/// Decides `command` by `actor` on `p` at `at` and stores the outcome (with
/// `link`, the link to another petition that the decision makes: a merge).
#[allow(clippy::too_many_arguments)]
async fn apply(
    store: &crate::store::Store,
    p: &Petition,
    actor: Actor,
    actor_label: &str,
    actor_name: Option<&str>,
    command: Command,
    expected_version: Option<i32>,
    link: Option<crate::store::duplicates::NewLink<'_>>,
    at: chrono::DateTime<chrono::Utc>,
    letter_names: bool,
) -> Result<i32> {
    if let Some(v) = expected_version
        && v != p.version
    {
        return Err(Error::Conflict { current: p.version });
    }
    let agency = store.agency(p.agency_id).await?;
    // 回避: the acting staff member and a handler to be assigned, if named.
    let mut recused: Vec<StaffId> = Vec::new();
    if let (Actor::Staff { id, .. }, Some(name)) = (&actor, actor_name)
        && p.names(name)
    {
        recused.push(*id);
    }
    if let Command::Assign { handler_id } = &command {
        match store.active_staff(*handler_id).await? {
            Some(h) if h.agency_id == p.agency_id && h.role == Role::Handler => {
                if p.names(&h.name) {
                    recused.push(h.id);
                }
            }
            _ => return Err(Error::Invalid("error-not-a-handler-here")),
        }
    }
    if let Command::Transfer { to_agency_id, .. } = &command
        && (*to_agency_id == p.agency_id || store.agency(*to_agency_id).await.is_err())
    {
        return Err(Error::Invalid("error-choose-one"));
    }
    let deadlines = store.petition_deadlines(p.id).await?;
    let mut state = p.workflow_state(recused);
    state.conclusion_due_on = deadlines
        .iter()
        .find(|d| d.clock == "conclusion" && d.status == crate::domain::clock::DeadlineStatus::Open)
        .map(|d| d.due_on);
    let calendar = store.calendar().await?;
    let outcome = decide(
        &state,
        &command,
        &actor,
        &Context {
            today: crate::domain::clock::china_date(at),
            kind: p.kind,
            agency_type: agency.agency_type,
            parent_agency: agency.parent_id,
            rules: ClockRules::official(),
            calendar: &calendar,
        },
    )?;
    // An answer issues a letter: its facts are frozen now, with the answer.
    let letter = if outcome.event_kind == crate::domain::events::EventKind::Answered {
        let n = &outcome.new;
        let approver = match &actor {
            Actor::Staff { id, .. } => Some(*id),
            _ => None,
        };
        let issue = super::letters::Issue {
            round: n.round,
            issuer: n.agency_id,
            answer_text: n.answer_text.as_deref().unwrap_or_default(),
            answered_on: n.answered_on.unwrap_or(outcome.on),
            draft_author: n.draft_author_id,
            approver,
            reviewed: n.reviewed_agency_id.map(|a| (a, n.review_outcome)),
            names: letter_names,
        };
        let review = outcome
            .start_deadlines
            .iter()
            .find(|d| d.clock == "review_request")
            .map(super::letters::review_window);
        Some(super::letters::freeze(store, p, &issue, review).await?)
    } else {
        None
    };
    let version = store
        .apply_outcome(
            p,
            actor_label,
            command.name(),
            &outcome,
            link.as_ref(),
            letter.as_ref(),
            at,
        )
        .await?;
    tracing::info!(
        petition.id = %p.id,
        actor = actor_label,
        command = command.name(),
        "petition action"
    );
    Ok(version)
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

/// [`act`] as if it happened at `at` (the demo history and scenario tests
/// record months of handling; the server always acts now).
pub async fn act_at(
    store: &crate::store::Store,
    staff: &StaffMember,
    tn: &str,
    command: Command,
    expected_version: Option<i32>,
    at: chrono::DateTime<chrono::Utc>,
    letter_names: bool,
) -> Result<i32> {
    if matches!(command, Command::Merge { .. }) {
        // Only through `act`, which finds the original and writes the link.
        return Err(Error::Invalid("error-merge-unknown"));
    }
    let p = store
        .staff_petitions(staff.agency_id, &staff.name)
        .by_tracking_number(&canonical_number(tn))
        .await?
        .ok_or(Error::NotFound)?;
    apply(
        store,
        &p,
        staff_actor(staff),
        &staff.actor(),
        Some(&staff.name),
        command,
        expected_version,
        None,
        at,
        letter_names,
    )
    .await
}

fn staff_actor(staff: &StaffMember) -> Actor {
    Actor::Staff {
        id: staff.id,
        role: staff.role,
        agency_id: staff.agency_id,
    }
}

/// [`act`] on a petition already found in scope, writing `link` with the decision.
pub(super) async fn act_with_link(
    app: &App,
    staff: &StaffMember,
    p: &Petition,
    command: Command,
    expected_version: Option<i32>,
    link: Option<crate::store::duplicates::NewLink<'_>>,
) -> Result<i32> {
    apply(
        &app.store,
        p,
        staff_actor(staff),
        &staff.actor(),
        Some(&staff.name),
        command,
        expected_version,
        link,
        chrono::Utc::now(),
        app.letter_names,
    )
    .await
}

/// The petitioner rates the answer, asks for a review or closes the matter.
pub async fn petitioner_act(app: &App, p: &Petition, command: Command) -> Result<i32> {
    petitioner_act_at(&app.store, p, command, chrono::Utc::now()).await
}

/// [`petitioner_act`] as if it happened at `at`.
pub async fn petitioner_act_at(
    store: &crate::store::Store,
    p: &Petition,
    command: Command,
    at: chrono::DateTime<chrono::Utc>,
) -> Result<i32> {
    if !matches!(
        command,
        Command::Rate { .. } | Command::RequestReview { .. } | Command::Close
    ) {
        return Err(Error::Refused(Refusal::WrongRole));
    }
    // Act on the current row, not on what the caller read earlier.
    let p = store.petition_by_id(p.id).await?;
    apply(
        store,
        &p,
        Actor::Petitioner,
        "petitioner",
        None,
        command,
        None,
        None,
        at,
        false,
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

/// Every agency's name in the reader's language, by id (for pages that list them).
pub async fn agency_names(app: &App, english: bool) -> Result<Vec<(AgencyId, String)>> {
    Ok(app
        .store
        .agencies()
        .await?
        .iter()
        .map(|a| (a.id, a.name(english).to_owned()))
        .collect())
}

/// The agency a petition is with (for pages that name it).
pub async fn agency(app: &App, id: AgencyId) -> Result<Agency> {
    Ok(app.store.agency(id).await?)
}
