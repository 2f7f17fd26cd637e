//! The procedure editor: create, publish a new version, withdraw, restore.
//! All reads and writes go through `Store::agency_procedures(staff.agency_id)`,
//! so another agency's procedure is simply not found (404), whatever id is typed.

use crate::app::{self, Error};
use crate::domain::FieldErrors;
use crate::domain::procedure::{Category, ProcedureInput, ProcedureStatus, input_from_version};
use crate::render::Layout;
use crate::store::agencies::Agency;
use crate::store::procedures::ProcedureSummary;
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
    agency: Agency,
    procedures: Vec<ProcedureSummary>,
    can_edit: bool,
    flash: Option<&'static str>,
}

#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    done: String,
}

/// The confirmation shown after a redirect, by a fixed key (never text from the URL).
fn flash_key(done: &str) -> Option<&'static str> {
    match done {
        "created" => Some("flash-created"),
        "published" => Some("flash-published"),
        "withdrawn" => Some("flash-withdrawn"),
        "restored" => Some("flash-restored"),
        _ => None,
    }
}

pub async fn list(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    lang: Lang,
    CurrentStaff(staff): CurrentStaff,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, AppError> {
    let procedures = app::procedures::of_agency(&state.app, &staff).await?;
    let agency = crate::app::catalogue::agency(&state.app, staff.agency_id).await?;
    let body = state.render(
        "staff/procedures.html",
        &ListPage {
            layout: crate::web::layout(&req, lang),
            csrf_token: csrf_token(&session)?,
            can_edit: staff.role.may_edit_procedures(),
            staff,
            agency,
            procedures,
            flash: flash_key(&query.done),
        },
    )?;
    Ok(html(StatusCode::OK, body))
}

#[derive(Serialize)]
struct FieldSpec {
    name: &'static str,
    textarea: bool,
    hint: bool,
}

const FIELDS: [FieldSpec; 11] = [
    FieldSpec {
        name: "title_zh",
        textarea: false,
        hint: false,
    },
    FieldSpec {
        name: "title_en",
        textarea: false,
        hint: false,
    },
    FieldSpec {
        name: "summary_zh",
        textarea: true,
        hint: false,
    },
    FieldSpec {
        name: "summary_en",
        textarea: true,
        hint: false,
    },
    FieldSpec {
        name: "legal_basis",
        textarea: true,
        hint: true,
    },
    FieldSpec {
        name: "steps",
        textarea: true,
        hint: true,
    },
    FieldSpec {
        name: "time_limit",
        textarea: true,
        hint: false,
    },
    FieldSpec {
        name: "materials",
        textarea: true,
        hint: true,
    },
    FieldSpec {
        name: "fees",
        textarea: false,
        hint: false,
    },
    FieldSpec {
        name: "appeal",
        textarea: true,
        hint: false,
    },
    FieldSpec {
        name: "change_note",
        textarea: false,
        hint: false,
    },
];

#[derive(Serialize)]
struct FormPage<'a> {
    layout: Layout,
    staff: &'a StaffMember,
    csrf_token: String,
    procedure_id: Option<i32>,
    base_version: i32,
    input: &'a ProcedureInput,
    errors: FieldErrors,
    categories: Vec<&'static str>,
    fields: &'static [FieldSpec],
    /// The current version when the edit started from an older one.
    conflict: Option<i32>,
}

#[allow(clippy::too_many_arguments)]
fn form_page(
    state: &AppState,
    req: &HttpRequest,
    session: &Session,
    lang: Lang,
    status: StatusCode,
    staff: &StaffMember,
    procedure_id: Option<i32>,
    base_version: i32,
    input: &ProcedureInput,
    errors: FieldErrors,
    conflict: Option<i32>,
) -> Result<HttpResponse, AppError> {
    let body = state.render(
        "staff/procedure_form.html",
        &FormPage {
            layout: crate::web::layout(req, lang),
            staff,
            csrf_token: csrf_token(session)?,
            procedure_id,
            base_version,
            input,
            errors,
            categories: Category::ALL.iter().map(|c| c.as_str()).collect(),
            fields: &FIELDS,
            conflict,
        },
    )?;
    Ok(html(status, body))
}

pub async fn new(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    lang: Lang,
    CurrentStaff(staff): CurrentStaff,
) -> Result<HttpResponse, AppError> {
    app::procedures::may_edit(&staff)?;
    form_page(
        &state,
        &req,
        &session,
        lang,
        StatusCode::OK,
        &staff,
        None,
        0,
        &ProcedureInput::default(),
        FieldErrors::new(),
        None,
    )
}

#[derive(Debug, Default, Deserialize)]
pub struct EditorForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    base_version: String,
    #[serde(flatten)]
    input: ProcedureInput,
}

pub async fn create(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    lang: Lang,
    CurrentStaff(staff): CurrentStaff,
    form: web::Form<EditorForm>,
) -> Result<HttpResponse, AppError> {
    verify_csrf(&session, &form.csrf_token)?;
    match app::procedures::create(&state.app, &staff, &form.input).await {
        Ok(_) => {
            state.pages_changed().await;
            Ok(see_other("/staff/procedures?done=created"))
        }
        Err(Error::Fields(errors)) => form_page(
            &state,
            &req,
            &session,
            lang,
            StatusCode::UNPROCESSABLE_ENTITY,
            &staff,
            None,
            0,
            &form.input,
            errors,
            None,
        ),
        Err(e) => Err(e.into()),
    }
}

pub async fn edit(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    lang: Lang,
    CurrentStaff(staff): CurrentStaff,
    id: web::Path<i32>,
) -> Result<HttpResponse, AppError> {
    let (summary, v) = app::procedures::for_editing(&state.app, &staff, id.into_inner()).await?;
    let input = input_from_version(
        summary.category.as_str(),
        &v.title_zh,
        &v.title_en,
        &v.summary_zh,
        &v.summary_en,
        &v.legal_basis,
        &v.steps,
        &v.time_limit,
        &v.materials,
        &v.fees,
        &v.appeal,
    );
    form_page(
        &state,
        &req,
        &session,
        lang,
        StatusCode::OK,
        &staff,
        Some(summary.id),
        summary.current_version,
        &input,
        FieldErrors::new(),
        None,
    )
}

pub async fn update(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    lang: Lang,
    CurrentStaff(staff): CurrentStaff,
    id: web::Path<i32>,
    form: web::Form<EditorForm>,
) -> Result<HttpResponse, AppError> {
    verify_csrf(&session, &form.csrf_token)?;
    let id = id.into_inner();
    let base_version = form.base_version.trim().parse::<i32>().ok();
    match app::procedures::publish(&state.app, &staff, id, base_version, &form.input).await {
        Ok(_) => {
            state.pages_changed().await;
            Ok(see_other("/staff/procedures?done=published"))
        }
        Err(Error::Fields(errors)) => form_page(
            &state,
            &req,
            &session,
            lang,
            StatusCode::UNPROCESSABLE_ENTITY,
            &staff,
            Some(id),
            base_version.unwrap_or_default(),
            &form.input,
            errors,
            None,
        ),
        // Someone published meanwhile: keep this editor's text and say so; publishing
        // again from here knowingly replaces the newer version with this text.
        Err(Error::Conflict { current }) => form_page(
            &state,
            &req,
            &session,
            lang,
            StatusCode::CONFLICT,
            &staff,
            Some(id),
            current,
            &form.input,
            FieldErrors::new(),
            Some(current),
        ),
        Err(e) => Err(e.into()),
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct StatusForm {
    #[serde(default)]
    csrf_token: String,
}

async fn set_status(
    state: &AppState,
    session: &Session,
    staff: &StaffMember,
    id: i32,
    csrf: &str,
    status: ProcedureStatus,
) -> Result<(), AppError> {
    verify_csrf(session, csrf)?;
    app::procedures::set_status(&state.app, staff, id, status).await?;
    state.pages_changed().await;
    Ok(())
}

pub async fn withdraw(
    state: web::Data<AppState>,
    session: Session,
    CurrentStaff(staff): CurrentStaff,
    id: web::Path<i32>,
    form: web::Form<StatusForm>,
) -> Result<HttpResponse, AppError> {
    set_status(
        &state,
        &session,
        &staff,
        id.into_inner(),
        &form.csrf_token,
        ProcedureStatus::Withdrawn,
    )
    .await?;
    Ok(see_other("/staff/procedures?done=withdrawn"))
}

pub async fn restore(
    state: web::Data<AppState>,
    session: Session,
    CurrentStaff(staff): CurrentStaff,
    id: web::Path<i32>,
    form: web::Form<StatusForm>,
) -> Result<HttpResponse, AppError> {
    set_status(
        &state,
        &session,
        &staff,
        id.into_inner(),
        &form.csrf_token,
        ProcedureStatus::Published,
    )
    .await?;
    Ok(see_other("/staff/procedures?done=restored"))
}
