//! Staff search: the petitions of one's own agency (never those naming oneself),
//! by words in any field, with filters, facet counts and three orders.

use crate::render::Layout;
use crate::search::service::Params;
use crate::store::staff::StaffMember;
use crate::web::public::search::{agency_names, facet_label};
use crate::web::search_view::ResultsView;
use crate::web::session::{CurrentStaff, csrf_token};
use crate::web::{AppError, AppState, Lang, html};
use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Serialize;

#[derive(Serialize)]
struct Choice {
    value: &'static str,
    label: String,
}

#[derive(Serialize)]
struct StaffSearchPage {
    layout: Layout,
    staff: StaffMember,
    csrf_token: String,
    params: Params,
    #[serde(flatten)]
    view: ResultsView,
    kinds: Vec<Choice>,
    statuses: Vec<Choice>,
    /// A date that is not YYYY-MM-DD: said, and the input kept.
    date_error: Option<String>,
}

pub async fn page(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    lang: Lang,
    CurrentStaff(staff): CurrentStaff,
    query: web::Query<Params>,
) -> Result<HttpResponse, AppError> {
    let params = query.into_inner();
    let bad_date = [&params.from, &params.to].into_iter().any(|d| {
        !d.trim().is_empty() && chrono::NaiveDate::parse_from_str(d.trim(), "%Y-%m-%d").is_err()
    });
    let outcome = crate::app::search::staff(&state.app, &staff, &params, lang.tag()).await;
    let names = agency_names(&state, lang).await?;
    let handler_names: std::collections::HashMap<String, String> =
        crate::app::handling::agency_handlers(&state.app, &staff)
            .await?
            .into_iter()
            .map(|h| (h.id.to_string(), h.name))
            .collect();
    let view = ResultsView::build(
        "/staff/search",
        outcome,
        &params,
        lang,
        true,
        &names,
        |f, v| {
            if f == "handler_id" {
                handler_names
                    .get(v)
                    .cloned()
                    .unwrap_or_else(|| v.to_owned())
            } else {
                facet_label(lang, &names, f, v)
            }
        },
    )?;
    let choices = |values: &[&'static str], prefix: &str| {
        values
            .iter()
            .map(|v| Choice {
                value: v,
                label: lang.t(&format!("{prefix}{v}")),
            })
            .collect()
    };
    let status = if view.status != StatusCode::OK {
        view.status
    } else if bad_date {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let page = StaffSearchPage {
        layout: crate::web::layout(&req, lang),
        csrf_token: csrf_token(&session)?,
        staff,
        date_error: bad_date.then(|| lang.t("error-search-date")),
        kinds: choices(&["complaint", "report", "litigation"], "kind-"),
        statuses: choices(
            &crate::domain::workflow::State::ALL.map(|s| s.as_str()),
            "petition-status-",
        ),
        params,
        view,
    };
    Ok(html(status, state.render("staff/search.html", &page)?))
}
