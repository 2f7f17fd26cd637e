//! 全站搜索: procedures, disclosed cases and published answers in one ranked list,
//! with facets; and the page of a published answer (答复公开).

use crate::search::service::Params;
use crate::web::search_view::ResultsView;
use crate::web::views::Layout;
use crate::web::{AppError, AppState, Lang, html};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Serialize;
use std::collections::HashMap;

#[derive(Serialize)]
struct SearchPage {
    layout: Layout,
    params: Params,
    #[serde(flatten)]
    view: ResultsView,
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

pub async fn page(
    req: HttpRequest,
    state: web::Data<AppState>,
    lang: Lang,
    query: web::Query<Params>,
) -> Result<HttpResponse, AppError> {
    let params = query.into_inner();
    let outcome = state.search.public(&params, lang.tag()).await;
    let names = agency_names(&state, lang).await?;
    let view = ResultsView::build("/search", outcome, &params, lang, false, &names, |f, v| {
        facet_label(lang, &names, f, v)
    })?;
    let status = view.status;
    let page = SearchPage {
        layout: Layout::new(&req, lang),
        params,
        view,
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
