//! Staff disclose cases and record their milestones; scoped to their agency.

use crate::domain::FieldErrors;
use crate::domain::case::{
    CaseDraft, CaseInput, CaseStage, CaseType, MilestoneDraft, MilestoneInput,
};
use crate::domain::clock::china_date;
use crate::domain::codes::AccessCode;
use crate::store::StoreError;
use crate::store::cases::{CaseView, Milestone};
use crate::store::staff::StaffMember;
use crate::web::public::cases::query_code_hash;
use crate::web::session::{CurrentStaff, csrf_token, verify_csrf};
use crate::web::views::Layout;
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
    let cases = state.store.agency_cases(staff.agency_id).list().await?;
    let page = ListPage {
        layout: Layout::new(&req, lang),
        csrf_token: csrf_token(&session)?,
        staff,
        cases,
    };
    Ok(html(
        StatusCode::OK,
        state.views.render("staff/cases.html", &page)?,
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

fn may_disclose(staff: &StaffMember) -> Result<(), AppError> {
    use crate::domain::staff::Role;
    if matches!(staff.role, Role::Handler | Role::Supervisor | Role::Admin) {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
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
        layout: Layout::new(req, lang),
        staff,
        csrf_token: csrf_token(session)?,
        input,
        errors,
        case_types: CaseType::ALL.iter().map(|t| t.as_str()).collect(),
        today: china_date(chrono::Utc::now()).to_string(),
    };
    Ok(html(
        status,
        state.views.render("staff/case_form.html", &page)?,
    ))
}

pub async fn new(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    lang: Lang,
    CurrentStaff(staff): CurrentStaff,
) -> Result<HttpResponse, AppError> {
    may_disclose(&staff)?;
    let input = CaseForm {
        filed_on: china_date(chrono::Utc::now()).to_string(),
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
    may_disclose(&staff)?;
    let today = china_date(chrono::Utc::now());
    let filed = MilestoneDraft::parse(
        &MilestoneInput {
            stage: "filed".into(),
            occurred_on: form.filed_on.clone(),
            note: String::new(),
        },
        today,
    );
    let draft = CaseDraft::parse(&form.input);
    let (draft, filed) = match (draft, filed) {
        (Ok(d), Ok(f)) => (d, f),
        (d, f) => {
            let mut errors = d.err().unwrap_or_default();
            if let Some(fe) = f.err().and_then(|e| e.get("occurred_on")) {
                errors.add("filed_on", fe);
            }
            return form_page(
                &state,
                &req,
                &session,
                lang,
                StatusCode::UNPROCESSABLE_ENTITY,
                &staff,
                &form,
                errors,
            );
        }
    };
    let code = AccessCode::generate();
    let hash = query_code_hash(&state, &draft.case_number, &code);
    match state
        .store
        .agency_cases(staff.agency_id)
        .create(&draft, hash, &filed.occurred_on.to_string(), staff.id)
        .await
    {
        Ok(case) => {
            tracing::info!(staff.id = staff.id, case.id = case.id, "case disclosed");
            let page = CreatedPage {
                layout: Layout::new(&req, lang),
                staff: &staff,
                csrf_token: csrf_token(&session)?,
                case,
                query_code: code.display(),
            };
            let mut r = html(
                StatusCode::OK,
                state.views.render("staff/case_created.html", &page)?,
            );
            r.headers_mut().insert(
                actix_web::http::header::CACHE_CONTROL,
                actix_web::http::header::HeaderValue::from_static("no-store"),
            );
            Ok(r)
        }
        Err(StoreError::Conflict { .. }) => {
            let mut errors = FieldErrors::new();
            errors.add("case_number", "error-case-number-taken");
            form_page(
                &state,
                &req,
                &session,
                lang,
                StatusCode::CONFLICT,
                &staff,
                &form,
                errors,
            )
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
    let case = state.store.agency_cases(staff.agency_id).get(id).await?;
    let milestones = state.store.case_milestones(case.id).await?;
    let page = CasePage {
        layout: Layout::new(req, lang),
        staff,
        csrf_token: csrf_token(session)?,
        case,
        milestones,
        stages: CaseStage::ALL.iter().map(|s| s.as_str()).collect(),
        input,
        errors,
    };
    Ok(html(status, state.views.render("staff/case.html", &page)?))
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
        occurred_on: china_date(chrono::Utc::now()).to_string(),
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
    may_disclose(&staff)?;
    let id = id.into_inner();
    match MilestoneDraft::parse(&form.input, china_date(chrono::Utc::now())) {
        Ok(m) => {
            state
                .store
                .agency_cases(staff.agency_id)
                .add_milestone(id, &m, staff.id)
                .await?;
            Ok(see_other(&format!("/staff/cases/{id}")))
        }
        Err(errors) => {
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
    }
}
