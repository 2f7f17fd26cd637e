//! `/staff/oversight`: where an agency's petitions stand now and every agency
//! below it; the list behind each count; a petition as an overseer reads it.

use super::*;
use crate::app::{self, oversight};
use crate::domain::ids::AgencyId;
use crate::domain::workflow::State;
use crate::render::Layout;
use crate::render::chart::{Bar, bars};
use crate::store::staff::StaffMember;
use crate::web::session::{CurrentStaff, csrf_token};
use crate::web::{AppError, AppState, Lang, html, no_store};
use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Serialize;

#[derive(Serialize)]
struct LineView {
    #[serde(flatten)]
    line: oversight::AgencyLine,
    name: String,
    /// Petitions still with the agency (every open stage).
    open: i64,
    /// Counts by stage, open stages first, as (state, label, count).
    stages: Vec<(String, String, i64)>,
}

#[derive(Serialize)]
struct TrendRow {
    month: String,
    received: i64,
    answered: i64,
    on_time: String,
    urged: i64,
}

fn stages(l: &crate::store::oversight::Live, lang: Lang) -> Vec<(String, String, i64)> {
    State::ALL
        .iter()
        .map(|s| {
            (
                s.as_str().to_owned(),
                lang.t(&format!("petition-status-{}", s.as_str())),
                l.by_stage.get(s.as_str()).copied().unwrap_or(0),
            )
        })
        .collect()
}

#[derive(Serialize)]
struct OverviewPage {
    layout: Layout,
    staff: StaffMember,
    csrf_token: String,
    root_name: String,
    root_id: AgencyId,
    lines: Vec<LineView>,
    total: crate::store::oversight::Live,
    total_stages: Vec<(String, String, i64)>,
    month: String,
    trend: Vec<TrendRow>,
    chart_received: String,
    chart_on_time: String,
    choices: Vec<(AgencyId, String, bool)>,
    /// 监督提示: what needs a leader now, the first rows and the counts.
    exceptions: Vec<super::exceptions::RowView>,
    exception_total: usize,
    exception_counts: Vec<(String, String, usize)>,
    /// 督办积案 unanswered past their date (orders on no one petition).
    backlog_orders: Vec<crate::app::supervision::OrderView>,
    /// 红黑榜 of the bodies directly below, last full month (none without any).
    ranking_heads: Vec<String>,
    ranking: Vec<super::ranking::RankRow>,
    ranking_lists: bool,
    ranking_period: String,
}

/// Rows of the exceptions list shown on the oversight page itself.
const EXCEPTIONS_SHOWN: usize = 10;

/// `/staff/oversight`: an agency now, and every agency below it.
pub async fn overview(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    lang: Lang,
    CurrentStaff(staff): CurrentStaff,
    query: web::Query<ScopeQuery>,
) -> Result<HttpResponse, AppError> {
    let o = oversight::overview(&state.app, &staff, query.agency()).await?;
    let exceptions = app::exceptions::exceptions(&state.app, &staff, Some(o.root.id)).await?;
    let exception_total = exceptions.rows.len();
    let exception_rows = super::exceptions::row_views(
        &exceptions.rows[..exception_total.min(EXCEPTIONS_SHOWN)],
        &staff,
        lang,
    );
    let english = lang == Lang::En;
    let last_month = crate::domain::evaluation::Period::last_full_month(app::today());
    let ranking = app::ranking::ranking(&state.app, &staff, Some(o.root.id), last_month).await?;
    let received: Vec<Bar> = o
        .trend
        .iter()
        .map(|p| Bar {
            label: p.month.clone(),
            value: Some(p.received as f64),
        })
        .collect();
    let on_time: Vec<Bar> = o
        .trend
        .iter()
        .map(|p| Bar {
            label: p.month.clone(),
            value: p.conclusion_on_time,
        })
        .collect();
    let page = OverviewPage {
        layout: crate::web::layout(&req, lang),
        csrf_token: csrf_token(&session)?,
        root_name: o.root.name(english).to_owned(),
        root_id: o.root.id,
        total_stages: stages(&o.total, lang),
        lines: o
            .lines
            .iter()
            .map(|l| LineView {
                name: l.agency.name(english).to_owned(),
                stages: stages(&l.live, lang),
                open: State::ALL
                    .iter()
                    .filter(|s| s.is_open())
                    .map(|s| l.live.by_stage.get(s.as_str()).copied().unwrap_or(0))
                    .sum(),
                line: l.clone(),
            })
            .collect(),
        total: o.total.clone(),
        month: o.month.key(),
        chart_received: bars(
            "chart-received",
            &lang.t("oversight-chart-received"),
            &lang.t("oversight-chart-received-desc"),
            &received,
            false,
            &lang.t("oversight-too-few"),
        ),
        chart_on_time: bars(
            "chart-on-time",
            &lang.t("oversight-chart-on-time"),
            &lang.t("oversight-chart-on-time-desc"),
            &on_time,
            true,
            &lang.t("oversight-too-few"),
        ),
        trend: o
            .trend
            .iter()
            .map(|p| TrendRow {
                month: p.month.clone(),
                received: p.received,
                answered: p.answered,
                on_time: p.conclusion_on_time.map_or_else(
                    || lang.t("oversight-too-few"),
                    |v| format!("{:.1}%", v * 100.0),
                ),
                urged: p.urged,
            })
            .collect(),
        choices: choices(&o.choices, o.root.id, lang),
        exceptions: exception_rows,
        exception_total,
        exception_counts: super::exceptions::count_views(&exceptions, lang),
        backlog_orders: exceptions.backlog_orders.clone(),
        ranking_heads: super::ranking::heads(lang),
        ranking_lists: ranking.lists,
        ranking: super::ranking::rows(&ranking.rows, |a| a.name(english).to_owned(), lang),
        ranking_period: last_month.key(),
        staff,
    };
    Ok(no_store(html(
        StatusCode::OK,
        state.render("staff/oversight.html", &page)?,
    )))
}

#[derive(Serialize)]
struct ListPage {
    layout: Layout,
    staff: StaffMember,
    csrf_token: String,
    agency_name: String,
    agency_id: AgencyId,
    what: String,
    what_label: String,
    period: String,
    items: Vec<ListRow>,
    page: u64,
    next_page: Option<u64>,
    /// 督办积案: on an overdue list of a body below the reader's.
    #[serde(flatten)]
    order: OrderForm,
}

#[derive(Serialize)]
struct ListRow {
    #[serde(flatten)]
    item: crate::app::oversight::Listed,
    display: String,
    /// Where the row links: the console's page for the agency's own staff, the
    /// overseer's read-only page for those above.
    link: String,
    days_overdue: Option<i64>,
}

/// `/staff/oversight/list`: the petitions behind one count.
pub async fn list(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    lang: Lang,
    CurrentStaff(staff): CurrentStaff,
    query: web::Query<ScopeQuery>,
) -> Result<HttpResponse, AppError> {
    let typed = (OrderInput::default(), crate::domain::FieldErrors::new());
    list_page(
        &req,
        &state,
        &session,
        lang,
        staff,
        &query,
        StatusCode::OK,
        typed,
    )
    .await
}

/// The list behind a count, with the backlog order's form as typed and its errors.
#[allow(clippy::too_many_arguments)]
pub async fn list_page(
    req: &HttpRequest,
    state: &AppState,
    session: &Session,
    lang: Lang,
    staff: StaffMember,
    query: &ScopeQuery,
    status: StatusCode,
    (input, errors): (OrderInput, crate::domain::FieldErrors),
) -> Result<HttpResponse, AppError> {
    let what = listing(&query.what).ok_or(AppError::BadRequest("error-bad-query"))?;
    let agency = query.agency().unwrap_or(staff.agency_id);
    let period = query.period();
    let page_no = query.page();
    let (agency, items) =
        oversight::list(&state.app, &staff, agency, what, period, page_no).await?;
    let may_order = what == crate::store::oversight::Listing::Overdue
        && app::supervision::may_issue_on_backlog(&state.app, &staff, agency.id).await?;
    let order = OrderForm::new(may_order, OrderSubject::Backlog(agency.id), input, errors);
    let today = app::today();
    let own = agency.id == staff.agency_id;
    let what_label = match query.what.strip_prefix("stage:") {
        Some(s) => lang.t(&format!("petition-status-{s}")),
        None => lang.t(&format!("oversight-list-{}", query.what)),
    };
    let next_page = (items.len() == 100).then_some(page_no + 1);
    let page = ListPage {
        layout: crate::web::layout(req, lang),
        csrf_token: csrf_token(session)?,
        agency_name: agency.name(lang == Lang::En).to_owned(),
        agency_id: agency.id,
        what: query.what.clone(),
        what_label,
        period: period.key(),
        items: items
            .into_iter()
            .map(|item| ListRow {
                display: crate::domain::codes::TrackingNumber::display_stored(
                    &item.item.tracking_number,
                ),
                link: super::petition_link(&item.item.tracking_number, own),
                days_overdue: item
                    .item
                    .next_due_on
                    .date()
                    .filter(|d| *d < today)
                    .map(|d| (today - d).num_days()),
                item,
            })
            .collect(),
        page: page_no,
        next_page,
        order,
        staff,
    };
    Ok(no_store(html(
        status,
        state.render("staff/oversight_list.html", &page)?,
    )))
}

#[derive(Serialize)]
struct PetitionPage {
    layout: Layout,
    staff: StaffMember,
    csrf_token: String,
    petition: crate::store::petitions::Petition,
    display: String,
    agency_name: String,
    handler_name: Option<String>,
    deadlines: Vec<crate::store::petitions::DeadlineView>,
    timeline: Vec<crate::store::petitions::TimelineEvent>,
    files: Vec<crate::store::petitions::EvidenceFile>,
    audit: Vec<crate::web::staff::AuditView>,
    /// 督办: the orders on it the reader may read, and the form to issue one.
    orders: Vec<crate::app::supervision::OrderView>,
    #[serde(flatten)]
    order: OrderForm,
}

/// The form to issue a 督办 (`templates/staff/order_form.html`): shown when
/// the reader may issue one, as typed, with its errors.
#[derive(Serialize)]
pub struct OrderForm {
    may_order: bool,
    order_action: String,
    /// The form's heading level on its page, and the key of a line under it.
    order_level: u8,
    order_lead: Option<&'static str>,
    order_input: OrderInput,
    errors: crate::domain::FieldErrors,
    /// The earliest and latest reply dates an order may set.
    reply_by_min: String,
    reply_by_max: String,
}

/// What an order form is about, which says where it posts and how it is headed.
pub enum OrderSubject<'a> {
    /// A petition, by tracking number: the form sits under the page's orders (h3).
    Petition(&'a str),
    /// A body's overdue backlog: the form is a section of its own (h2) with a lead.
    Backlog(AgencyId),
}

impl OrderForm {
    /// The form about `subject`; a week from today offered as the date.
    pub fn new(
        may_order: bool,
        subject: OrderSubject<'_>,
        input: OrderInput,
        errors: crate::domain::FieldErrors,
    ) -> Self {
        let today = app::today();
        use crate::domain::supervision::{MAX_DAYS, MIN_DAYS};
        let day = |n: i64| (today + chrono::Duration::days(n)).to_string();
        let (order_action, order_level, order_lead) = match subject {
            OrderSubject::Petition(tn) => {
                (format!("/staff/oversight/petitions/{tn}/order"), 3, None)
            }
            OrderSubject::Backlog(agency) => (
                format!("/staff/oversight/agencies/{agency}/order"),
                2,
                Some("order-backlog-lead"),
            ),
        };
        OrderForm {
            may_order,
            order_action,
            order_level,
            order_lead,
            order_input: OrderInput {
                reply_by: if input.reply_by.is_empty() {
                    day(7)
                } else {
                    input.reply_by
                },
                ..input
            },
            errors,
            reply_by_min: day(MIN_DAYS),
            reply_by_max: day(MAX_DAYS),
        }
    }
}

/// An order as typed on the petition page (kept when it is refused).
#[derive(Debug, Default, Clone, Serialize, serde::Deserialize)]
pub struct OrderInput {
    #[serde(default)]
    pub instructions: String,
    #[serde(default)]
    pub reply_by: String,
}

/// `/staff/oversight/petitions/{tn}`: a petition as an overseer reads it.
pub async fn petition(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    lang: Lang,
    CurrentStaff(staff): CurrentStaff,
    tn: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    petition_page(
        &req,
        &state,
        &session,
        lang,
        staff,
        &tn,
        StatusCode::OK,
        OrderInput::default(),
        crate::domain::FieldErrors::new(),
    )
    .await
}

/// The overseer's page of a petition, with an order form as typed and its errors.
#[allow(clippy::too_many_arguments)]
pub async fn petition_page(
    req: &HttpRequest,
    state: &AppState,
    session: &Session,
    lang: Lang,
    staff: StaffMember,
    tn: &str,
    status: StatusCode,
    order_input: OrderInput,
    errors: crate::domain::FieldErrors,
) -> Result<HttpResponse, AppError> {
    let r = oversight::petition(&state.app, &staff, tn).await?;
    let agency = app::catalogue::agency(&state.app, r.petition.agency_id).await?;
    let orders = app::supervision::on_petition(&state.app, &staff, r.petition.id).await?;
    let may_order = app::supervision::may_issue_on(&state.app, &staff, &r.petition).await?;
    let handler_name = app::supervision::handler_name(&state.app, &r.petition).await?;
    let order = OrderForm::new(may_order, OrderSubject::Petition(tn), order_input, errors);
    let page = PetitionPage {
        layout: crate::web::layout(req, lang),
        csrf_token: csrf_token(session)?,
        display: r.petition.display_number(),
        agency_name: agency.name(lang == Lang::En).to_owned(),
        handler_name,
        petition: r.petition,
        deadlines: r.deadlines,
        timeline: r.timeline,
        files: r.files,
        audit: crate::web::staff::audit_views(lang, r.audit),
        orders,
        order,
        staff,
    };
    Ok(no_store(html(
        status,
        state.render("staff/oversight_petition.html", &page)?,
    )))
}
