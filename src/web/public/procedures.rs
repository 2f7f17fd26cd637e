//! The public catalogue of procedures: list, detail, history, old versions.

use super::{cached_page, path_key};
use crate::domain::agency::AgencyType;
use crate::domain::ids::AgencyId;
use crate::domain::page::{PageRequest, Paged};
use crate::domain::procedure::Category;
use crate::render::Layout;
use crate::store::agencies::Agency;
use crate::store::procedures::{ProcedureFilter, ProcedureSummary, ProcedureVersion};
use crate::web::{AppError, AppState, Lang};
use actix_web::{HttpRequest, HttpResponse, web};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    pub q: String,
    #[serde(default)]
    pub agency_type: String,
    #[serde(default)]
    pub category: String,
    pub page: Option<u64>,
}

impl ListQuery {
    /// Unknown filter values are ignored rather than refused: a stale link still lists something.
    pub fn filter(&self) -> ProcedureFilter {
        ProcedureFilter {
            agency_type: AgencyType::parse(&self.agency_type),
            category: Category::parse(&self.category),
            agency_id: None,
            q: Some(self.q.chars().take(100).collect::<String>()).filter(|q| !q.trim().is_empty()),
        }
    }
}

#[derive(Serialize)]
struct Row {
    procedure: ProcedureSummary,
    agency: Option<Agency>,
}

#[derive(Serialize)]
struct ListFilter<'a> {
    q: &'a str,
    agency_type: &'a str,
    category: &'a str,
}

#[derive(Serialize)]
struct ListPage<'a> {
    layout: Layout,
    filter: ListFilter<'a>,
    agency_types: Vec<&'static str>,
    categories: Vec<&'static str>,
    results: Paged<Row>,
    /// The list's URL with its filters, ready for `page=N` to be appended.
    pager_base: String,
}

pub async fn list(
    state: web::Data<AppState>,
    lang: Lang,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, AppError> {
    let filter = query.filter();
    let request = PageRequest::new(query.page, None);
    let agency_type = filter.agency_type.map_or("", |t| t.as_str());
    let category = filter.category.map_or("", |c| c.as_str());
    let filters = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("q", filter.q.as_deref().unwrap_or(""))
        .append_pair("agency_type", agency_type)
        .append_pair("category", category)
        .finish();
    let canonical = format!("{filters}&page={}", request.number);
    // Browsing by type and category is cached; free-text queries are not (unbounded keys).
    let key = filter
        .q
        .is_none()
        .then(|| format!("{}:/procedures?{canonical}", lang.tag()));
    cached_page(&state, key, || async {
        let page = crate::app::procedures::catalogue(&state.app, &filter, request).await?;
        let agencies = crate::app::catalogue::agencies(&state.app).await?;
        let agencies: HashMap<AgencyId, &Agency> = agencies.iter().map(|a| (a.id, a)).collect();
        let results = Paged {
            items: page
                .items
                .into_iter()
                .map(|p| Row {
                    agency: agencies.get(&p.agency_id).map(|a| (*a).clone()),
                    procedure: p,
                })
                .collect(),
            page: page.page,
            per_page: page.per_page,
            total: page.total,
            pages: page.pages,
        };
        state.render(
            "public/procedures.html",
            &ListPage {
                layout: Layout::for_path("/procedures", &canonical, lang, !state.app.captcha_on),
                filter: ListFilter {
                    q: filter.q.as_deref().unwrap_or(""),
                    agency_type,
                    category,
                },
                agency_types: AgencyType::ALL.iter().map(|t| t.as_str()).collect(),
                categories: Category::ALL.iter().map(|c| c.as_str()).collect(),
                results,
                pager_base: format!("/procedures?{filters}&"),
            },
        )
    })
    .await
}

#[derive(Serialize)]
struct DetailPage {
    layout: Layout,
    procedure: ProcedureSummary,
    version: ProcedureVersion,
    agency: Agency,
    is_current: bool,
}

async fn detail_page(
    state: &AppState,
    req: &HttpRequest,
    lang: Lang,
    id: i32,
    version: Option<i32>,
) -> Result<String, AppError> {
    let (procedure, version) = crate::app::procedures::read(&state.app, id, version).await?;
    let agency = crate::app::catalogue::agency(&state.app, procedure.agency_id).await?;
    let page = DetailPage {
        layout: crate::web::layout(req, lang),
        is_current: version.version == procedure.current_version,
        procedure,
        version,
        agency,
    };
    state.render("public/procedure.html", &page)
}

pub async fn show(
    req: HttpRequest,
    state: web::Data<AppState>,
    lang: Lang,
    id: web::Path<i32>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    cached_page(&state, path_key(&req, lang), || {
        detail_page(&state, &req, lang, id, None)
    })
    .await
}

pub async fn show_version(
    req: HttpRequest,
    state: web::Data<AppState>,
    lang: Lang,
    path: web::Path<(i32, i32)>,
) -> Result<HttpResponse, AppError> {
    let (id, version) = path.into_inner();
    cached_page(&state, path_key(&req, lang), || {
        detail_page(&state, &req, lang, id, Some(version))
    })
    .await
}

#[derive(Serialize)]
struct HistoryPage {
    layout: Layout,
    procedure: ProcedureSummary,
    versions: Vec<crate::store::procedures::VersionEntry>,
}

pub async fn history(
    req: HttpRequest,
    state: web::Data<AppState>,
    lang: Lang,
    id: web::Path<i32>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    cached_page(&state, path_key(&req, lang), || async {
        let (procedure, versions) = crate::app::procedures::history(&state.app, id).await?;
        state.render(
            "public/history.html",
            &HistoryPage {
                layout: crate::web::layout(&req, lang),
                procedure,
                versions,
            },
        )
    })
    .await
}

#[derive(Serialize)]
struct ChangesPage {
    layout: Layout,
    procedure: ProcedureSummary,
    version: ProcedureVersion,
    previous: Option<ProcedureVersion>,
    fields: Vec<crate::app::procedures::FieldChange>,
}

/// `/procedures/{id}/versions/{v}/changes` (修订对照): what version `v`
/// changed from the one before, field by field, removed and added text marked.
pub async fn changes(
    req: HttpRequest,
    state: web::Data<AppState>,
    lang: Lang,
    path: web::Path<(i32, i32)>,
) -> Result<HttpResponse, AppError> {
    let (id, version) = path.into_inner();
    cached_page(&state, path_key(&req, lang), || async {
        let (procedure, version, before) =
            crate::app::procedures::changes(&state.app, id, version).await?;
        let (previous, fields) = match before {
            Some((p, f)) => (Some(p), f),
            None => (None, Vec::new()),
        };
        state.render(
            "public/changes.html",
            &ChangesPage {
                layout: crate::web::layout(&req, lang),
                procedure,
                version,
                previous,
                fields,
            },
        )
    })
    .await
}
