//! `/staff/oversight/exceptions`: what needs a leader now in an agency and
//! every agency below it, most severe first (`app::exceptions`).

use super::*;
use crate::app::exceptions;
use crate::render::Layout;
use crate::store::staff::StaffMember;
use crate::web::session::{CurrentStaff, csrf_token};
use crate::web::{AppError, AppState, Lang, html, no_store};
use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Serialize;

/// A row as the page shows it.
#[derive(Serialize)]
pub(super) struct RowView {
    kind: &'static str,
    kind_label: String,
    also: Vec<String>,
    tracking_number: String,
    display: String,
    link: String,
    title: String,
    agency: String,
    handler: String,
    /// "逾期 6 天", "已 12 天未办理", "还剩 1 天"…
    how_long: String,
    clock: String,
    order_id: Option<i32>,
    /// The petitioner's reason for an unsatisfied rating.
    note: Option<String>,
}

/// The rows as shown (only those on the page: naming each costs translations).
pub(super) fn row_views(rows: &[exceptions::Row], staff: &StaffMember, lang: Lang) -> Vec<RowView> {
    let english = lang == Lang::En;
    rows.iter()
        .map(|r| {
            let e = &r.exception;
            let kind = e.kind.as_str();
            let own = e.agency_id == staff.agency_id;
            RowView {
                kind,
                kind_label: lang.t(&format!("exception-{kind}")),
                also: e
                    .also
                    .iter()
                    .map(|k| lang.t(&format!("exception-{}", k.as_str())))
                    .collect(),
                display: crate::domain::codes::TrackingNumber::display_stored(&e.tracking_number),
                link: super::petition_link(&e.tracking_number, own),
                tracking_number: e.tracking_number.clone(),
                title: e.title.clone(),
                agency: if english {
                    r.agency_name_en.clone()
                } else {
                    r.agency_name_zh.clone()
                },
                handler: r
                    .handler_name
                    .clone()
                    .unwrap_or_else(|| lang.t("exception-no-handler")),
                how_long: lang.t_args(
                    &format!("exception-days-{kind}"),
                    &[("days", e.days.to_string()), ("times", e.times.to_string())],
                ),
                clock: e
                    .clock
                    .as_ref()
                    .map(|c| lang.t(&format!("clock-{c}")))
                    .unwrap_or_default(),
                order_id: e.order_id,
                note: e.note.clone(),
            }
        })
        .collect()
}

/// The count of each kind as the page shows it: (kind, label, count).
pub(super) fn count_views(
    list: &exceptions::ExceptionList,
    lang: Lang,
) -> Vec<(String, String, usize)> {
    list.counts
        .iter()
        .map(|(k, n)| {
            (
                k.as_str().to_owned(),
                lang.t(&format!("exception-{}", k.as_str())),
                *n,
            )
        })
        .collect()
}

#[derive(Serialize)]
struct ExceptionsPage {
    layout: Layout,
    staff: StaffMember,
    csrf_token: String,
    root_name: String,
    root_id: crate::domain::ids::AgencyId,
    rows: Vec<RowView>,
    /// The pager (100 rows a page, the most severe first).
    paged: crate::domain::page::Paged<()>,
    counts: Vec<(String, String, usize)>,
    rules: exceptions::RulesShown,
    choices: Vec<(crate::domain::ids::AgencyId, String, bool)>,
    backlog_orders: Vec<crate::app::supervision::OrderView>,
}

/// `/staff/oversight/exceptions`.
pub async fn exceptions(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    lang: Lang,
    CurrentStaff(staff): CurrentStaff,
    query: web::Query<ScopeQuery>,
) -> Result<HttpResponse, AppError> {
    let list = exceptions::exceptions(&state.app, &staff, query.agency()).await?;
    let request = crate::domain::page::PageRequest::new(
        Some(query.page()),
        Some(crate::domain::page::PageRequest::MAX_PER_PAGE),
    );
    let shown: Vec<_> = list
        .rows
        .iter()
        .skip(usize::try_from(request.offset()).unwrap_or(usize::MAX))
        .take(usize::try_from(request.per_page).unwrap_or(100))
        .cloned()
        .collect();
    let paged = crate::domain::page::Paged::new(Vec::new(), request, list.rows.len() as u64);
    let page = ExceptionsPage {
        layout: crate::web::layout(&req, lang),
        csrf_token: csrf_token(&session)?,
        root_name: list.root.name(lang == Lang::En).to_owned(),
        root_id: list.root.id,
        rows: row_views(&shown, &staff, lang),
        paged,
        counts: count_views(&list, lang),
        rules: list.rules.clone(),
        choices: choices(&list.choices, list.root.id, lang),
        backlog_orders: list.backlog_orders,
        staff,
    };
    Ok(no_store(html(
        StatusCode::OK,
        state.render("staff/exceptions.html", &page)?,
    )))
}
