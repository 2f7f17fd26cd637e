//! 全站搜索: procedures, disclosed cases and published answers in one ranked list,
//! with facets; and the page of a published answer (答复公开).

use crate::render::Layout;
use crate::search::service::Params;
use crate::web::search_view::ResultsView;
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
    Ok(crate::app::catalogue::agencies(&state.app)
        .await?
        .iter()
        .map(|a| (a.id.to_string(), a.name(lang == Lang::En).to_owned()))
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
    let outcome = crate::app::search::public(&state.app, &params, lang.tag()).await;
    let names = agency_names(&state, lang).await?;
    let view = ResultsView::build("/search", outcome, &params, lang, false, &names, |f, v| {
        facet_label(lang, &names, f, v)
    })?;
    let status = view.status;
    let page = SearchPage {
        layout: crate::web::layout(&req, lang),
        params,
        view,
    };
    Ok(html(status, state.render("public/search.html", &page)?))
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
    let (answer, agency) = crate::app::catalogue::public_answer(
        &state.app,
        crate::domain::ids::PetitionId(id.into_inner()),
    )
    .await?;
    let page = AnswerPage {
        layout: crate::web::layout(&req, lang),
        agency_name: agency.name(lang == Lang::En).to_owned(),
        answer,
    };
    Ok(html(
        StatusCode::OK,
        state.render("public/answer.html", &page)?,
    ))
}
