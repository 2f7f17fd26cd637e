//! 案件公开: cases an agency marked public, and any disclosed case for the
//! party holding its case number and query code.

use crate::domain::case::normalise_case_number;
use crate::domain::codes::AccessCode;
use crate::domain::page::PageRequest;
use crate::store::cases::{CaseView, Milestone};
use crate::web::views::Layout;
use crate::web::{AppError, AppState, Lang, html, see_other};
use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::{Deserialize, Serialize};
use subtle::ConstantTimeEq;

const GRANTS: &str = "case_grants";

pub fn query_code_hash(state: &AppState, case_number: &str, code: &AccessCode) -> String {
    hex::encode(state.secret.keyed_hash(
        "case-query-code",
        format!("{case_number}:{}", code.as_str()).as_bytes(),
    ))
}

/// The case, if `code` is its query code. Unknown number and wrong code are the same `None`.
pub async fn open_case(
    state: &AppState,
    case_number: &str,
    code: &str,
) -> Result<Option<CaseView>, AppError> {
    let number = normalise_case_number(case_number);
    let case = state.store.case_by_number(&number).await?;
    let candidate = AccessCode::parse(code)
        .map(|c| query_code_hash(state, &number, &c))
        .unwrap_or_default();
    Ok(case.filter(|c| {
        candidate.len() == c.query_code_hash.len()
            && bool::from(candidate.as_bytes().ct_eq(c.query_code_hash.as_bytes()))
    }))
}

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
    let cases = state
        .store
        .public_cases(PageRequest::new(query.page, None))
        .await?;
    Ok(html(
        StatusCode::OK,
        state.views.render(
            "public/cases.html",
            &ListPage {
                layout: Layout::new(&req, lang),
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
    let case = state.store.case_by_id(id.into_inner()).await?;
    let as_party = session
        .get::<Vec<i32>>(GRANTS)
        .ok()
        .flatten()
        .is_some_and(|g| g.contains(&case.id));
    if !case.public && !as_party {
        return Err(AppError::NotFound);
    }
    let agency = state.store.agency(case.agency_id).await?;
    let milestones = state.store.case_milestones(case.id).await?;
    let page = CasePage {
        layout: Layout::new(&req, lang),
        agency_name: if lang == Lang::En {
            agency.name_en
        } else {
            agency.name_zh
        },
        case,
        milestones,
        as_party,
    };
    Ok(html(
        StatusCode::OK,
        state.views.render("public/case.html", &page)?,
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
        state.views.render(
            "public/case_lookup.html",
            &LookupPage {
                layout: Layout::new(&req, lang),
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
    let client = super::petitions::client_key(&req);
    let now = std::time::Instant::now();
    if state.rate_limits_on
        && state.limits.lookup_client.count(&client, now) >= crate::intake::LOOKUP_CLIENT_LIMIT
    {
        let page = LookupPage {
            layout: Layout::new(&req, lang),
            case_number: &form.case_number,
            error: Some(lang.t("error-lookup-throttled")),
        };
        return Ok(html(
            StatusCode::TOO_MANY_REQUESTS,
            state.views.render("public/case_lookup.html", &page)?,
        ));
    }
    match open_case(&state, &form.case_number, &form.query_code).await? {
        Some(case) => {
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
        None => {
            state.limits.lookup_client.hit(&client, now);
            let page = LookupPage {
                layout: Layout::new(&req, lang),
                case_number: &form.case_number,
                error: Some(lang.t("error-case-no-match")),
            };
            Ok(html(
                StatusCode::NOT_FOUND,
                state.views.render("public/case_lookup.html", &page)?,
            ))
        }
    }
}
