//! 督办 in the console: issuing an order from the overseer's page of a
//! petition, the orders of one's body (to answer, escalated to it, issued),
//! one order with its reply and withdrawal forms (`app::supervision`).

use crate::app::{self, Error, supervision};
use crate::domain::FieldErrors;
use crate::render::Layout;
use crate::store::staff::StaffMember;
use crate::web::session::{CurrentStaff, csrf_token, verify_csrf};
use crate::web::staff::oversight::{OrderInput, ScopeQuery, list_page, petition_page};
use crate::web::{AppError, AppState, Lang, html, no_store, see_other};
use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::{Deserialize, Serialize};

#[derive(Deserialize)]
pub struct IssueForm {
    csrf_token: String,
    #[serde(flatten)]
    input: OrderInput,
}

/// `POST /staff/oversight/petitions/{tn}/order`: issue a 督办.
pub async fn issue(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    lang: Lang,
    CurrentStaff(staff): CurrentStaff,
    tn: web::Path<String>,
    form: web::Form<IssueForm>,
) -> Result<HttpResponse, AppError> {
    verify_csrf(&session, &form.csrf_token)?;
    let form = form.into_inner();
    match supervision::issue(
        &state.app,
        &staff,
        &tn,
        &form.input.instructions,
        &form.input.reply_by,
    )
    .await
    {
        Ok(order) => Ok(see_other(&format!(
            "/staff/supervision/{}?done=issued",
            order.id
        ))),
        Err(Error::Fields(errors)) => {
            petition_page(
                &req,
                &state,
                &session,
                lang,
                staff,
                &tn,
                StatusCode::UNPROCESSABLE_ENTITY,
                form.input,
                errors,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

/// `POST /staff/oversight/agencies/{id}/order`: a 督办 on a body's overdue
/// backlog, from the list of its overdue matters (the form comes back there,
/// as typed, when refused).
pub async fn issue_on_backlog(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    lang: Lang,
    CurrentStaff(staff): CurrentStaff,
    agency: web::Path<i32>,
    form: web::Form<IssueForm>,
) -> Result<HttpResponse, AppError> {
    verify_csrf(&session, &form.csrf_token)?;
    let form = form.into_inner();
    let agency = crate::domain::ids::AgencyId(agency.into_inner());
    let result = supervision::issue_on_backlog(
        &state.app,
        &staff,
        agency,
        &form.input.instructions,
        &form.input.reply_by,
    )
    .await;
    match result {
        Ok(order) => Ok(see_other(&format!(
            "/staff/supervision/{}?done=issued",
            order.id
        ))),
        Err(Error::Fields(errors)) => {
            let query = ScopeQuery::overdue_of(agency);
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            let typed = (form.input, errors);
            list_page(&req, &state, &session, lang, staff, &query, status, typed).await
        }
        // A refusal (not below, nothing overdue any more) is its own page, as on a petition.
        Err(e) => Err(e.into()),
    }
}

#[derive(Serialize)]
struct OrdersPage {
    layout: Layout,
    staff: StaffMember,
    csrf_token: String,
    orders: supervision::Orders,
}

/// `/staff/supervision`: the orders of the reader's body.
pub async fn orders(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    lang: Lang,
    CurrentStaff(staff): CurrentStaff,
) -> Result<HttpResponse, AppError> {
    let orders = supervision::orders(&state.app, &staff).await?;
    let page = OrdersPage {
        layout: crate::web::layout(&req, lang),
        csrf_token: csrf_token(&session)?,
        orders,
        staff,
    };
    Ok(no_store(html(
        StatusCode::OK,
        state.render("staff/supervision.html", &page)?,
    )))
}

#[derive(Deserialize)]
pub struct OrderQuery {
    #[serde(default)]
    done: String,
}

#[derive(Serialize)]
struct OrderPage {
    layout: Layout,
    staff: StaffMember,
    csrf_token: String,
    order: supervision::OrderView,
    /// What was just done (issued, replied, withdrawn), for the confirmation.
    done: String,
    reply: String,
    reason: String,
    errors: FieldErrors,
}

#[allow(clippy::too_many_arguments)]
async fn order_page(
    req: &HttpRequest,
    state: &AppState,
    session: &Session,
    lang: Lang,
    staff: StaffMember,
    id: i32,
    status: StatusCode,
    done: &str,
    (reply, reason): (String, String),
    errors: FieldErrors,
) -> Result<HttpResponse, AppError> {
    let order = supervision::show(&state.app, &staff, id).await?;
    let done = match done {
        "issued" | "replied" | "withdrawn" => done.to_owned(),
        _ => String::new(),
    };
    let page = OrderPage {
        layout: crate::web::layout(req, lang),
        csrf_token: csrf_token(session)?,
        order,
        done,
        reply,
        reason,
        errors,
        staff,
    };
    Ok(no_store(html(
        status,
        state.render("staff/supervision_order.html", &page)?,
    )))
}

/// `/staff/supervision/{id}`: one order.
pub async fn order(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    lang: Lang,
    CurrentStaff(staff): CurrentStaff,
    id: web::Path<i32>,
    query: web::Query<OrderQuery>,
) -> Result<HttpResponse, AppError> {
    order_page(
        &req,
        &state,
        &session,
        lang,
        staff,
        *id,
        StatusCode::OK,
        &query.done,
        (String::new(), String::new()),
        FieldErrors::new(),
    )
    .await
}

#[derive(Deserialize)]
pub struct ChangeForm {
    csrf_token: String,
    version: i32,
    #[serde(default)]
    reply: String,
    #[serde(default)]
    reason: String,
}

/// `POST /staff/supervision/{id}/reply`: 督办回复.
pub async fn reply(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    lang: Lang,
    CurrentStaff(staff): CurrentStaff,
    id: web::Path<i32>,
    form: web::Form<ChangeForm>,
) -> Result<HttpResponse, AppError> {
    verify_csrf(&session, &form.csrf_token)?;
    let result = supervision::reply(&state.app, &staff, *id, form.version, &form.reply).await;
    changed(
        req,
        state,
        session,
        lang,
        staff,
        *id,
        form.into_inner(),
        result,
        "replied",
    )
    .await
}

/// `POST /staff/supervision/{id}/withdraw`: 撤销督办.
pub async fn withdraw(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    lang: Lang,
    CurrentStaff(staff): CurrentStaff,
    id: web::Path<i32>,
    form: web::Form<ChangeForm>,
) -> Result<HttpResponse, AppError> {
    verify_csrf(&session, &form.csrf_token)?;
    let result = supervision::withdraw(&state.app, &staff, *id, form.version, &form.reason).await;
    changed(
        req,
        state,
        session,
        lang,
        staff,
        *id,
        form.into_inner(),
        result,
        "withdrawn",
    )
    .await
}

#[allow(clippy::too_many_arguments)]
async fn changed(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    lang: Lang,
    staff: StaffMember,
    id: i32,
    form: ChangeForm,
    result: app::Result<crate::store::supervision::Order>,
    done: &str,
) -> Result<HttpResponse, AppError> {
    match result {
        Ok(_) => Ok(see_other(&format!("/staff/supervision/{id}?done={done}"))),
        Err(Error::Fields(errors)) => {
            order_page(
                &req,
                &state,
                &session,
                lang,
                staff,
                id,
                StatusCode::UNPROCESSABLE_ENTITY,
                "",
                (form.reply, form.reason),
                errors,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}
