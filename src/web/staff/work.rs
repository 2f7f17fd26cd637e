//! The day's work (工作台): the dashboard with a count per queue, the queues
//! themselves (sortable, paginated, with days left and the handler), the
//! go-to-number box, and bulk assign / transfer behind one confirmation.

use crate::app::handling;
use crate::app::records;
use crate::domain::staff::Role;
use crate::render::Layout;
use crate::store::queues::{Queue, Sort};
use crate::store::staff::StaffMember;
use crate::web::session::{CurrentStaff, csrf_token, verify_csrf};
use crate::web::{AppError, AppState, Lang, html, see_other};
use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::{Deserialize, Serialize};

/// The queues a role works from, the most pressing first (the dashboard's order).
fn dashboard_queues(role: Role) -> Vec<Queue> {
    use Queue::*;
    match role {
        Role::IntakeClerk => vec![Overdue, Due, New],
        Role::Handler => vec![Overdue, Due, Mine],
        Role::Supervisor | Role::Admin => vec![Overdue, Due, Approval, ToAssign, New, Mine],
        Role::Auditor => vec![Overdue, Due, New, ToAssign],
    }
}

#[derive(Serialize)]
struct QueueCount {
    queue: &'static str,
    count: u64,
}

#[derive(Serialize)]
struct DashboardPage {
    layout: Layout,
    staff: StaffMember,
    csrf_token: String,
    queues: Vec<QueueCount>,
    /// The petitions waiting in the most pressing non-empty queue.
    first: Option<&'static str>,
    may_register: bool,
    /// 督办: open supervision orders to the reader's body (supervisors and
    /// auditors), shown before every queue; none for other roles.
    orders_open: Option<u64>,
}

/// `/staff`: the work dashboard, where login lands.
pub async fn dashboard(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    lang: Lang,
    CurrentStaff(staff): CurrentStaff,
) -> Result<HttpResponse, AppError> {
    let counts = handling::queue_counts(&state.app, &staff).await?;
    let queues: Vec<QueueCount> = dashboard_queues(staff.role)
        .into_iter()
        .map(|q| QueueCount {
            queue: q.as_str(),
            count: counts.iter().find(|(c, _)| *c == q).map_or(0, |(_, n)| *n),
        })
        .collect();
    let orders_open = crate::app::supervision::open_count(&state.app, &staff).await?;
    let page = DashboardPage {
        orders_open,
        first: queues.iter().find(|q| q.count > 0).map(|q| q.queue),
        queues,
        may_register: crate::domain::access::may_register(staff.role),
        layout: crate::web::layout(&req, lang),
        csrf_token: csrf_token(&session)?,
        staff,
    };
    Ok(html(
        StatusCode::OK,
        state.render("staff/dashboard.html", &page)?,
    ))
}

#[derive(Deserialize)]
pub struct QueueQuery {
    #[serde(default)]
    queue: String,
    #[serde(default)]
    sort: String,
    #[serde(default)]
    page: Option<u64>,
}

#[derive(Serialize)]
struct Tab {
    queue: &'static str,
    count: u64,
}

#[derive(Serialize)]
struct SortLink {
    sort: &'static str,
    current: bool,
}

#[derive(Serialize)]
struct Choice {
    id: i32,
    name: String,
}

#[derive(Serialize)]
struct QueuePage {
    layout: Layout,
    staff: StaffMember,
    csrf_token: String,
    queue: &'static str,
    tabs: Vec<Tab>,
    sorts: Vec<SortLink>,
    sort: &'static str,
    rows: Vec<handling::QueueRow>,
    total: u64,
    page: u64,
    pages: u64,
    /// The go-to box's input and its error, kept.
    number: String,
    number_error: Option<String>,
    /// Bulk actions: the handlers and agencies to choose from (empty when
    /// this role may do neither).
    handlers: Vec<Choice>,
    agencies: Vec<Choice>,
    bulk_error: Option<String>,
}

#[allow(clippy::too_many_arguments)]
async fn queue_page(
    state: &AppState,
    req: &HttpRequest,
    session: &Session,
    lang: Lang,
    status: StatusCode,
    staff: StaffMember,
    query: &QueueQuery,
    number: (String, Option<String>),
    bulk_error: Option<String>,
) -> Result<HttpResponse, AppError> {
    let queue = Queue::parse(&query.queue).unwrap_or(match staff.role {
        Role::Handler => Queue::Mine,
        _ => Queue::New,
    });
    let sort = Sort::parse(&query.sort);
    let result = handling::queue(&state.app, &staff, queue, sort, query.page.unwrap_or(1)).await?;
    let counts = handling::queue_counts(&state.app, &staff).await?;
    let default_sort = match queue {
        Queue::New | Queue::All => Sort::Received,
        _ => Sort::Due,
    };
    let sort = sort.unwrap_or(default_sort);
    let (handlers, agencies) = if matches!(staff.role, Role::Supervisor | Role::IntakeClerk) {
        let (handlers, agencies) = handling::bulk_targets(&state.app, &staff).await?;
        (
            handlers
                .into_iter()
                .map(|h| Choice {
                    id: h.id.0,
                    name: h.name,
                })
                .collect(),
            agencies
                .into_iter()
                .map(|a| Choice {
                    id: a.id.0,
                    name: a.name(lang == Lang::En).to_owned(),
                })
                .collect(),
        )
    } else {
        (Vec::new(), Vec::new())
    };
    let page = QueuePage {
        layout: crate::web::layout(req, lang),
        csrf_token: csrf_token(session)?,
        queue: queue.as_str(),
        tabs: counts
            .into_iter()
            .map(|(q, count)| Tab {
                queue: q.as_str(),
                count,
            })
            .collect(),
        sorts: Sort::ALL
            .into_iter()
            .map(|s| SortLink {
                sort: s.as_str(),
                current: s == sort,
            })
            .collect(),
        sort: sort.as_str(),
        rows: result.rows,
        total: result.total,
        page: result.page,
        pages: result.pages,
        number: number.0,
        number_error: number.1,
        handlers,
        agencies,
        bulk_error,
        staff,
    };
    Ok(html(status, state.render("staff/petitions.html", &page)?))
}

/// `/staff/petitions`: one queue, with a tab (and its count) for each.
pub async fn queue(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    lang: Lang,
    CurrentStaff(staff): CurrentStaff,
    query: web::Query<QueueQuery>,
) -> Result<HttpResponse, AppError> {
    queue_page(
        &state,
        &req,
        &session,
        lang,
        StatusCode::OK,
        staff,
        &query,
        (String::new(), None),
        None,
    )
    .await
}

#[derive(Deserialize)]
pub struct GoQuery {
    #[serde(default)]
    number: String,
}

/// The go-to-number box: the number in any form a caller reads it out
/// (dashes, spaces, lower case, a confusable O for 0) opens the petition;
/// a number not found comes back with the input and a message.
pub async fn go(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    lang: Lang,
    CurrentStaff(staff): CurrentStaff,
    query: web::Query<GoQuery>,
) -> Result<HttpResponse, AppError> {
    let number = query.number.trim();
    let error = if number.is_empty() {
        "error-number-required"
    } else {
        match records::visible_petition(&state.app, &staff, number).await {
            Ok(p) => {
                return Ok(see_other(&format!(
                    "/staff/petitions/{}",
                    p.display_number()
                )));
            }
            Err(crate::app::Error::NotFound) => "error-number-not-found",
            Err(e) => return Err(e.into()),
        }
    };
    let all = QueueQuery {
        queue: String::new(),
        sort: String::new(),
        page: None,
    };
    queue_page(
        &state,
        &req,
        &session,
        lang,
        StatusCode::NOT_FOUND,
        staff,
        &all,
        (number.to_owned(), Some(lang.t(error))),
        None,
    )
    .await
}

/// A bulk action as the queue's form posts it: the chosen numbers (each
/// with the version the queue showed), what to do, and whether the
/// confirmation page has been seen.
#[derive(Default)]
struct BulkForm {
    csrf_token: String,
    chosen: Vec<(String, Option<i32>)>,
    action: String,
    handler: String,
    agency: String,
    reason: String,
    confirmed: bool,
    queue: String,
}

impl BulkForm {
    /// Repeated fields (`tn`) are what serde's form decoding cannot read.
    fn parse(body: &[u8]) -> BulkForm {
        let mut f = BulkForm::default();
        for (k, v) in url::form_urlencoded::parse(body) {
            match k.as_ref() {
                "csrf_token" => f.csrf_token = v.into_owned(),
                "tn" => {
                    // `NUMBER@VERSION`: the version the queue showed, so a
                    // petition changed since is refused, not overwritten.
                    let (n, ver) = v.split_once('@').unwrap_or((&v, ""));
                    f.chosen.push((n.to_owned(), ver.parse().ok()));
                }
                "action" => f.action = v.into_owned(),
                "handler" => f.handler = v.into_owned(),
                "agency" => f.agency = v.into_owned(),
                "reason" => f.reason = v.trim().to_owned(),
                "confirm" => f.confirmed = v == "yes",
                "queue" => f.queue = v.into_owned(),
                _ => {}
            }
        }
        f
    }

    fn command(&self) -> Option<crate::domain::workflow::Command> {
        use crate::domain::workflow::Command;
        match self.action.as_str() {
            "assign" => Some(Command::Assign {
                handler_id: crate::domain::ids::StaffId(self.handler.parse().ok()?),
            }),
            "transfer" => Some(Command::Transfer {
                to_agency_id: crate::domain::ids::AgencyId(self.agency.parse().ok()?),
                reason: self.reason.clone(),
            }),
            _ => None,
        }
    }
}

#[derive(Serialize)]
struct BulkRow {
    number: String,
    value: String,
    title: String,
    status: String,
    refused: Option<String>,
}

#[derive(Serialize)]
struct BulkPage {
    layout: Layout,
    staff: StaffMember,
    csrf_token: String,
    action: String,
    /// Who or where to, as the user reads it.
    target: String,
    handler: String,
    agency: String,
    reason: String,
    queue: String,
    rows: Vec<BulkRow>,
    done: bool,
    done_count: usize,
}

/// 批量分办 / 批量转送: the first post shows what will be done to which
/// petitions; the confirmed post does it and lists each one's outcome.
pub async fn bulk(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    lang: Lang,
    CurrentStaff(staff): CurrentStaff,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    let form = BulkForm::parse(&body);
    verify_csrf(&session, &form.csrf_token)?;
    let back = QueueQuery {
        queue: form.queue.clone(),
        sort: String::new(),
        page: None,
    };
    let command = form.command();
    let problem = if form.chosen.is_empty() {
        Some("error-bulk-none-chosen")
    } else if form.action == "transfer" && form.reason.is_empty() {
        Some("error-reason-required")
    } else {
        None
    };
    let (Some(command), None) = (command, problem) else {
        return queue_page(
            &state,
            &req,
            &session,
            lang,
            StatusCode::UNPROCESSABLE_ENTITY,
            staff,
            &back,
            (String::new(), None),
            Some(lang.t(problem.unwrap_or("error-bulk-no-action"))),
        )
        .await;
    };
    let (handlers, agencies) = handling::bulk_targets(&state.app, &staff).await?;
    let target = match &command {
        crate::domain::workflow::Command::Assign { handler_id } => handlers
            .into_iter()
            .find(|h| h.id == *handler_id)
            .map(|h| h.name),
        crate::domain::workflow::Command::Transfer { to_agency_id, .. } => agencies
            .into_iter()
            .find(|a| a.id == *to_agency_id)
            .map(|a| a.name(lang == Lang::En).to_owned()),
        _ => None,
    };
    let Some(target) = target else {
        return queue_page(
            &state,
            &req,
            &session,
            lang,
            StatusCode::UNPROCESSABLE_ENTITY,
            staff,
            &back,
            (String::new(), None),
            Some(lang.t("error-bulk-no-action")),
        )
        .await;
    };
    let (rows, done) = if form.confirmed {
        let outcomes = handling::act_on_many(&state.app, &staff, &form.chosen, &command).await?;
        (outcome_rows(outcomes, lang), true)
    } else {
        (selection_rows(&state, &staff, &form).await?, false)
    };
    let page = BulkPage {
        layout: crate::web::layout(&req, lang),
        csrf_token: csrf_token(&session)?,
        done_count: rows
            .iter()
            .filter(|r: &&BulkRow| r.refused.is_none())
            .count(),
        rows,
        done,
        action: form.action.clone(),
        target,
        handler: form.handler.clone(),
        agency: form.agency.clone(),
        reason: form.reason.clone(),
        queue: form.queue.clone(),
        staff,
    };
    Ok(html(
        StatusCode::OK,
        state.render("staff/bulk.html", &page)?,
    ))
}

/// What a confirmed bulk action did to each petition, refusals explained.
fn outcome_rows(outcomes: Vec<handling::BulkOutcome>, lang: Lang) -> Vec<BulkRow> {
    outcomes
        .into_iter()
        .map(|o| BulkRow {
            value: String::new(),
            status: String::new(),
            number: o.number,
            title: o.title,
            refused: o
                .refused
                .map(|e| crate::web::AppError::from(e).message(lang)),
        })
        .collect()
}

/// The petitions a bulk action would act on, each at the version the queue
/// showed (so the confirmed act is refused if one changed meanwhile).
async fn selection_rows(
    state: &AppState,
    staff: &StaffMember,
    form: &BulkForm,
) -> Result<Vec<BulkRow>, AppError> {
    let versions: std::collections::HashMap<String, Option<i32>> = form
        .chosen
        .iter()
        .map(|(n, v)| (records::canonical_number(n), *v))
        .collect();
    let numbers: Vec<String> = form.chosen.iter().map(|(n, _)| n.clone()).collect();
    Ok(handling::bulk_selection(&state.app, staff, &numbers)
        .await?
        .into_iter()
        .map(|p| {
            let version = versions
                .get(&p.tracking_number)
                .copied()
                .flatten()
                .unwrap_or(p.version);
            BulkRow {
                number: p.display_number(),
                value: format!("{}@{version}", p.tracking_number),
                title: p.title.clone(),
                status: p.status.as_str().to_owned(),
                refused: None,
            }
        })
        .collect())
}
