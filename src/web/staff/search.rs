//! Staff search: the petitions of one's own agency (never those naming oneself),
//! by words in any field, with filters, facet counts and three orders.

use crate::search::service::{Params, Results};
use crate::store::staff::StaffMember;
use crate::web::public::search::{HitView, agency_names, facet_label, no_results, outcome};
use crate::web::search_view::{self, FacetView, LinkView};
use crate::web::session::{CurrentStaff, csrf_token};
use crate::web::views::Layout;
use crate::web::{AppError, AppState, Lang, html};
use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Serialize;

#[derive(Serialize)]
struct Option2 {
    value: &'static str,
    label: String,
}

#[derive(Serialize)]
struct StaffSearchPage {
    layout: Layout,
    staff: StaffMember,
    csrf_token: String,
    params: Params,
    results: Option<Results>,
    hits: Vec<HitView>,
    facets: Vec<FacetView>,
    sorts: Vec<LinkView>,
    pages: Vec<LinkView>,
    kinds: Vec<Option2>,
    statuses: Vec<Option2>,
    /// Why there are no results, said on the page (the query is kept).
    problem: Option<String>,
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
    let today = crate::domain::clock::china_date(chrono::Utc::now());
    let (results, problem) =
        match outcome(state.search.staff(&staff, &params, today, lang.tag()).await)? {
            Ok(r) => (Some(r), None),
            Err(n) => (None, Some(no_results(&n, lang))),
        };
    let names = agency_names(&state, lang).await?;
    let handler_names: std::collections::HashMap<String, String> = state
        .store
        .agency_staff(staff.agency_id, crate::domain::staff::Role::Handler)
        .await?
        .into_iter()
        .map(|h| (h.id.to_string(), h.name))
        .collect();
    let label = |f: &str, v: &str| {
        if f == "handler_id" {
            handler_names
                .get(v)
                .cloned()
                .unwrap_or_else(|| v.to_owned())
        } else {
            facet_label(lang, &names, f, v)
        }
    };
    let base = "/staff/search";
    let (facets, sorts, pages, hits) = match &results {
        Some(r) => (
            search_view::facets(base, r, &params, lang, label),
            search_view::sorts(base, r, &params, lang, true),
            search_view::pages(base, r, &params, lang),
            r.hits
                .iter()
                .map(|h| HitView {
                    agency_name: String::new(),
                    hit: h.clone(),
                })
                .collect(),
        ),
        None => Default::default(),
    };
    let options = |values: &[&'static str], prefix: &str| {
        values
            .iter()
            .map(|v| Option2 {
                value: v,
                label: lang.t(&format!("{prefix}{v}")),
            })
            .collect()
    };
    let page = StaffSearchPage {
        layout: Layout::new(&req, lang),
        csrf_token: csrf_token(&session)?,
        staff,
        problem: problem.as_ref().map(|(_, m)| m.clone()),
        date_error: bad_date.then(|| lang.t("error-search-date")),
        kinds: options(&["complaint", "report", "litigation"], "kind-"),
        statuses: options(
            &crate::domain::workflow::State::ALL.map(|s| s.as_str()),
            "petition-status-",
        ),
        params,
        results,
        hits,
        facets,
        sorts,
        pages,
    };
    let status = if let Some((status, _)) = problem {
        status
    } else if page.date_error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    Ok(html(
        status,
        state.views.render("staff/search.html", &page)?,
    ))
}
