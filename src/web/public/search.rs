//! 全站搜索: procedures, disclosed cases and published answers in one ranked list,
//! with facets; and the page of a published answer (答复公开).

use crate::search::SearchError;
use crate::search::service::{Hit, Params, Results};
use crate::web::search_view::{self, FacetView, LinkView};
use crate::web::views::Layout;
use crate::web::{AppError, AppState, Lang, html};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Serialize;
use std::collections::HashMap;

#[derive(Serialize)]
pub struct HitView {
    #[serde(flatten)]
    pub hit: Hit,
    pub agency_name: String,
}

#[derive(Serialize)]
struct SearchPage {
    layout: Layout,
    params: Params,
    results: Option<Results>,
    hits: Vec<HitView>,
    facets: Vec<FacetView>,
    sorts: Vec<LinkView>,
    pages: Vec<LinkView>,
    /// Why there are no results (the engine did not answer, or the query is
    /// too long): the page says so and keeps the query.
    problem: Option<String>,
}

/// Agency id → name in the reader's language.
pub async fn agency_names(
    state: &AppState,
    lang: Lang,
) -> Result<HashMap<String, String>, AppError> {
    Ok(state
        .store
        .agencies()
        .await?
        .iter()
        .map(|a| {
            (
                a.id.to_string(),
                if lang == Lang::En {
                    a.name_en.clone()
                } else {
                    a.name_zh.clone()
                },
            )
        })
        .collect())
}

/// A facet value as a reader sees it.
pub fn facet_label(
    lang: Lang,
    names: &HashMap<String, String>,
    facet: &str,
    value: &str,
) -> String {
    match facet {
        "type" => lang.t(&format!("search-type-{value}")),
        "agency_type" => lang.t(&format!("agency-type-{value}")),
        "agency_id" => names
            .get(value)
            .cloned()
            .unwrap_or_else(|| value.to_owned()),
        // Procedures and petitions name their categories differently.
        "category" if crate::domain::procedure::Category::parse(value).is_some() => {
            lang.t(&format!("category-{value}"))
        }
        "category" => lang.t(&format!("petition-category-{value}")),
        "kind" => lang.t(&format!("kind-{value}")),
        "status" => lang.t(&format!("petition-status-{value}")),
        _ => value.to_owned(),
    }
}

/// What a search page shows instead of results.
pub enum NoResults {
    /// The engine did not answer.
    Unavailable,
    /// The query cannot be run; the key names the explanation.
    BadQuery(&'static str),
}

/// The search's outcome for a page: results, or why there are none.
pub fn outcome(r: Result<Results, SearchError>) -> Result<Result<Results, NoResults>, AppError> {
    match r {
        Ok(r) => Ok(Ok(r)),
        Err(SearchError::Store(e)) => Err(e.into()),
        Err(SearchError::BadQuery(key)) => Ok(Err(NoResults::BadQuery(key))),
        Err(e) => {
            tracing::warn!(error = %e, "search unavailable");
            Ok(Err(NoResults::Unavailable))
        }
    }
}

/// The status and the message of a page without results.
pub fn no_results(n: &NoResults, lang: Lang) -> (StatusCode, String) {
    match n {
        NoResults::Unavailable => (
            StatusCode::SERVICE_UNAVAILABLE,
            lang.t("error-search-unavailable"),
        ),
        NoResults::BadQuery(key) => (StatusCode::UNPROCESSABLE_ENTITY, lang.t(key)),
    }
}

pub async fn page(
    req: HttpRequest,
    state: web::Data<AppState>,
    lang: Lang,
    query: web::Query<Params>,
) -> Result<HttpResponse, AppError> {
    let params = query.into_inner();
    let (results, problem) = match outcome(state.search.public(&params, lang.tag()).await)? {
        Ok(r) => (Some(r), None),
        Err(n) => (None, Some(no_results(&n, lang))),
    };
    let names = agency_names(&state, lang).await?;
    let base = "/search";
    let (facets, sorts, pages, hits) = match &results {
        Some(r) => (
            search_view::facets(base, r, &params, lang, |f, v| {
                facet_label(lang, &names, f, v)
            }),
            search_view::sorts(base, r, &params, lang, false),
            search_view::pages(base, r, &params, lang),
            r.hits
                .iter()
                .map(|h| HitView {
                    agency_name: h
                        .agency_id
                        .and_then(|id| names.get(&id.to_string()).cloned())
                        .unwrap_or_default(),
                    hit: h.clone(),
                })
                .collect(),
        ),
        None => Default::default(),
    };
    let status = problem.as_ref().map_or(StatusCode::OK, |(s, _)| *s);
    let page = SearchPage {
        layout: Layout::new(&req, lang),
        problem: problem.map(|(_, m)| m),
        params,
        results,
        hits,
        facets,
        sorts,
        pages,
    };
    Ok(html(
        status,
        state.views.render("public/search.html", &page)?,
    ))
}

#[derive(Serialize)]
struct AnswerPage {
    layout: Layout,
    answer: crate::store::workflow::PublicAnswer,
    agency_name: String,
}

pub async fn answer(
    req: HttpRequest,
    state: web::Data<AppState>,
    lang: Lang,
    id: web::Path<i32>,
) -> Result<HttpResponse, AppError> {
    let answer = state.store.public_answer(id.into_inner()).await?;
    let agency = state.store.agency(answer.agency_id).await?;
    let page = AnswerPage {
        layout: Layout::new(&req, lang),
        agency_name: if lang == Lang::En {
            agency.name_en
        } else {
            agency.name_zh
        },
        answer,
    };
    Ok(html(
        StatusCode::OK,
        state.views.render("public/answer.html", &page)?,
    ))
}
