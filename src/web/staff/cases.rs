//! Staff disclose cases and record their milestones; scoped to their agency.

use crate::app::{self, Error};
use crate::domain::FieldErrors;
use crate::domain::case::{CaseInput, CaseStage, CaseType, MilestoneInput};
use crate::render::Layout;
use crate::store::cases::{CaseView, Milestone};
use crate::store::staff::StaffMember;
use crate::web::session::{CurrentStaff, csrf_token, verify_csrf};
use crate::web::{AppError, AppState, Lang, html, see_other};
use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::{Deserialize, Serialize};

#[derive(Serialize)]
struct ListPage {
    layout: Layout,
    staff: StaffMember,
    csrf_token: String,
    cases: Vec<CaseView>,
}

pub async fn list(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    lang: Lang,
    CurrentStaff(staff): CurrentStaff,
) -> Result<HttpResponse, AppError> {
    let cases = app::cases::of_agency(&state.app, &staff).await?;
    let page = ListPage {
        layout: crate::web::layout(&req, lang),
        csrf_token: csrf_token(&session)?,
        staff,
        cases,
    };
    Ok(html(
        StatusCode::OK,
        state.render("staff/cases.html", &page)?,
    ))
}

#[derive(Serialize)]
struct FormPage<'a> {
    layout: Layout,
    staff: &'a StaffMember,
    csrf_token: String,
    input: &'a CaseForm,
    errors: FieldErrors,
    case_types: Vec<&'static str>,
    today: String,
}

#[derive(Debug, Default, Deserialize, Serialize)]
pub struct CaseForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(flatten)]
    input: CaseInput,
    #[serde(default)]
    filed_on: String,
}

#[allow(clippy::too_many_arguments)]
fn form_page(
    state: &AppState,
    req: &HttpRequest,
    session: &Session,
    lang: Lang,
    status: StatusCode,
    staff: &StaffMember,
    input: &CaseForm,
    errors: FieldErrors,
) -> Result<HttpResponse, AppError> {
    let page = FormPage {
        layout: crate::web::layout(req, lang),
        staff,
        csrf_token: csrf_token(session)?,
        input,
        errors,
        case_types: CaseType::ALL.iter().map(|t| t.as_str()).collect(),
        today: app::today().to_string(),
    };
    Ok(html(status, state.render("staff/case_form.html", &page)?))
}

pub async fn new(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    lang: Lang,
    CurrentStaff(staff): CurrentStaff,
) -> Result<HttpResponse, AppError> {
    app::cases::may_disclose(&staff)?;
    let input = CaseForm {
        filed_on: app::today().to_string(),
        ..Default::default()
    };
    form_page(
        &state,
        &req,
        &session,
        lang,
        StatusCode::OK,
        &staff,
        &input,
        FieldErrors::new(),
    )
}

#[derive(Serialize)]
struct CreatedPage<'a> {
    layout: Layout,
    staff: &'a StaffMember,
    csrf_token: String,
    case: CaseView,
    query_code: String,
}

pub async fn create(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    lang: Lang,
    CurrentStaff(staff): CurrentStaff,
    form: web::Form<CaseForm>,
) -> Result<HttpResponse, AppError> {
    verify_csrf(&session, &form.csrf_token)?;
    match app::cases::disclose(&state.app, &staff, &form.input, &form.filed_on).await {
        Ok((case, code)) => {
            let page = CreatedPage {
                layout: crate::web::layout(&req, lang),
                staff: &staff,
                csrf_token: csrf_token(&session)?,
                case,
                query_code: code.display(),
            };
            Ok(crate::web::no_store(html(
                StatusCode::OK,
                state.render("staff/case_created.html", &page)?,
            )))
        }
        Err(Error::Fields(errors)) => {
            // A case number already disclosed is a conflict; other problems are the form's.
            let status = if errors.get("case_number") == Some("error-case-number-taken") {
                StatusCode::CONFLICT
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            };
            form_page(&state, &req, &session, lang, status, &staff, &form, errors)
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Serialize)]
struct CasePage<'a> {
    layout: Layout,
    staff: &'a StaffMember,
    csrf_token: String,
    case: CaseView,
    milestones: Vec<Milestone>,
    stages: Vec<&'static str>,
    input: &'a MilestoneInput,
    errors: FieldErrors,
}

#[allow(clippy::too_many_arguments)]
async fn case_page(
    state: &AppState,
    req: &HttpRequest,
    session: &Session,
    lang: Lang,
    status: StatusCode,
    staff: &StaffMember,
    id: i32,
    input: &MilestoneInput,
    errors: FieldErrors,
) -> Result<HttpResponse, AppError> {
    let (case, milestones) = app::cases::of_agency_one(&state.app, staff, id).await?;
    let page = CasePage {
        layout: crate::web::layout(req, lang),
        staff,
        csrf_token: csrf_token(session)?,
        case,
        milestones,
        stages: CaseStage::ALL.iter().map(|s| s.as_str()).collect(),
        input,
        errors,
    };
    Ok(html(status, state.render("staff/case.html", &page)?))
}

pub async fn show(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    lang: Lang,
    CurrentStaff(staff): CurrentStaff,
    id: web::Path<i32>,
) -> Result<HttpResponse, AppError> {
    let input = MilestoneInput {
        occurred_on: app::today().to_string(),
        ..Default::default()
    };
    case_page(
        &state,
        &req,
        &session,
        lang,
        StatusCode::OK,
        &staff,
        id.into_inner(),
        &input,
        FieldErrors::new(),
    )
    .await
}

#[derive(Debug, Default, Deserialize)]
pub struct MilestoneForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(flatten)]
    input: MilestoneInput,
}

pub async fn add_milestone(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    lang: Lang,
    CurrentStaff(staff): CurrentStaff,
    id: web::Path<i32>,
    form: web::Form<MilestoneForm>,
) -> Result<HttpResponse, AppError> {
    verify_csrf(&session, &form.csrf_token)?;
    let id = id.into_inner();
    match app::cases::add_milestone(&state.app, &staff, id, &form.input).await {
        Ok(()) => Ok(see_other(&format!("/staff/cases/{id}"))),
        Err(Error::Fields(errors)) => {
            case_page(
                &state,
                &req,
                &session,
                lang,
                StatusCode::UNPROCESSABLE_ENTITY,
                &staff,
                id,
                &form.input,
                errors,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}
