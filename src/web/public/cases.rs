//! 案件公开: cases an agency marked public, and any disclosed case for the
//! party holding its case number and query code.

use crate::app::{self, Error};
use crate::domain::page::PageRequest;
use crate::render::Layout;
use crate::store::cases::{CaseView, Milestone};
use crate::web::{AppError, AppState, Lang, html, see_other};
use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::{Deserialize, Serialize};

const GRANTS: &str = "case_grants";

#[derive(Debug, Default, Deserialize)]
pub struct PageQuery {
    page: Option<u64>,
}

#[derive(Serialize)]
struct ListPage {
    layout: Layout,
    cases: crate::domain::page::Paged<CaseView>,
}

pub async fn list(
    req: HttpRequest,
    state: web::Data<AppState>,
    lang: Lang,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, AppError> {
    let cases = app::cases::public_cases(&state.app, PageRequest::new(query.page, None)).await?;
    Ok(html(
        StatusCode::OK,
        state.render(
            "public/cases.html",
            &ListPage {
                layout: crate::web::layout(&req, lang),
                cases,
            },
        )?,
    ))
}

#[derive(Serialize)]
struct CasePage {
    layout: Layout,
    case: CaseView,
    agency_name: String,
    milestones: Vec<Milestone>,
    as_party: bool,
}

pub async fn show(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    lang: Lang,
    id: web::Path<i32>,
) -> Result<HttpResponse, AppError> {
    let grants = session
        .get::<Vec<i32>>(GRANTS)
        .ok()
        .flatten()
        .unwrap_or_default();
    let (case, milestones, as_party) =
        app::cases::case_for_reader(&state.app, id.into_inner(), |id| grants.contains(&id)).await?;
    let agency = app::catalogue::agency(&state.app, case.agency_id).await?;
    let page = CasePage {
        layout: crate::web::layout(&req, lang),
        agency_name: agency.name(lang == Lang::En).to_owned(),
        case,
        milestones,
        as_party,
    };
    Ok(html(
        StatusCode::OK,
        state.render("public/case.html", &page)?,
    ))
}

#[derive(Debug, Default, Deserialize)]
pub struct LookupForm {
    #[serde(default)]
    case_number: String,
    #[serde(default)]
    query_code: String,
}

#[derive(Serialize)]
struct LookupPage<'a> {
    layout: Layout,
    case_number: &'a str,
    error: Option<String>,
}

pub async fn lookup_form(
    req: HttpRequest,
    state: web::Data<AppState>,
    lang: Lang,
) -> Result<HttpResponse, AppError> {
    Ok(html(
        StatusCode::OK,
        state.render(
            "public/case_lookup.html",
            &LookupPage {
                layout: crate::web::layout(&req, lang),
                case_number: "",
                error: None,
            },
        )?,
    ))
}

pub async fn lookup(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    lang: Lang,
    form: web::Form<LookupForm>,
) -> Result<HttpResponse, AppError> {
    let again = |status: StatusCode, key: &str| -> Result<HttpResponse, AppError> {
        let page = LookupPage {
            layout: crate::web::layout(&req, lang),
            case_number: &form.case_number,
            error: Some(lang.t(key)),
        };
        Ok(html(
            status,
            state.render("public/case_lookup.html", &page)?,
        ))
    };
    match app::lookup::open_case(
        &state.app,
        &form.case_number,
        &form.query_code,
        &crate::web::client_key(&req),
    )
    .await
    {
        Ok(case) => {
            let mut grants = session
                .get::<Vec<i32>>(GRANTS)
                .ok()
                .flatten()
                .unwrap_or_default();
            if !grants.contains(&case.id) {
                grants.push(case.id);
            }
            session
                .insert(GRANTS, grants)
                .map_err(|e| AppError::internal(anyhow::anyhow!("session: {e}")))?;
            Ok(see_other(&format!("/cases/{}", case.id)))
        }
        Err(Error::Throttled { .. }) => {
            again(StatusCode::TOO_MANY_REQUESTS, "error-lookup-throttled")
        }
        Err(Error::NoCaseMatch) => again(StatusCode::NOT_FOUND, "error-case-no-match"),
        Err(e) => Err(e.into()),
    }
}
