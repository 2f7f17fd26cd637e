//! An officer's record (执法档案): their acts in a period, as a page and as CSV.

use super::*;
use crate::app::officer_record;
use crate::domain::ids::StaffId;
use crate::render::Layout;
use crate::store::staff::StaffMember;
use crate::web::session::{CurrentStaff, csrf_token};
use crate::web::{AppError, AppState, Lang, html, no_store};
use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Serialize;

#[derive(Serialize)]
struct ActView {
    id: i64,
    at: String,
    action: String,
    action_label: String,
    subject: String,
    tracking_number: Option<String>,
    display: Option<String>,
    /// The petition's page for the reader (the console's or the overseer's).
    link: Option<String>,
    title: Option<String>,
}

#[derive(Serialize)]
struct RecordPage {
    layout: Layout,
    staff: StaffMember,
    csrf_token: String,
    officer: StaffMember,
    officer_role: String,
    agency_name: String,
    period: String,
    period_label: String,
    periods: Vec<(String, String, bool)>,
    values: Vec<ValueView>,
    score: String,
    score_basis: String,
    acts: Vec<ActView>,
    total: u64,
    page: u64,
    pages: u64,
    own: bool,
}

/// `own`: the reader works at the officer's agency (their petitions open in the console).
fn act_views(acts: &[officer_record::Act], lang: Lang, own: bool) -> Vec<ActView> {
    acts.iter()
        .map(|a| ActView {
            id: a.entry.id,
            at: a.entry.at.clone(),
            action: a.entry.action.clone(),
            action_label: crate::web::staff::act_label(lang, &a.entry.action),
            subject: a.entry.subject.clone(),
            display: a
                .petition
                .as_ref()
                .map(|(tn, _)| crate::domain::codes::TrackingNumber::display_stored(tn)),
            link: a
                .petition
                .as_ref()
                .map(|(tn, _)| super::petition_link(tn, own)),
            tracking_number: a.petition.as_ref().map(|(tn, _)| tn.clone()),
            title: a.petition.as_ref().map(|(_, t)| t.clone()),
        })
        .collect()
}

/// `/staff/officers/{id}`: 执法档案 — an officer's acts and indicators.
pub async fn record(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    lang: Lang,
    CurrentStaff(staff): CurrentStaff,
    id: web::Path<i32>,
    query: web::Query<ScopeQuery>,
) -> Result<HttpResponse, AppError> {
    let period = query.evaluation_period(&session);
    let r = officer_record::record(
        &state.app,
        &staff,
        StaffId(id.into_inner()),
        period,
        Some(query.page()),
    )
    .await?;
    let page = RecordPage {
        layout: crate::web::layout(&req, lang),
        csrf_token: csrf_token(&session)?,
        officer_role: lang.t(&format!("role-{}", r.officer.role.as_str())),
        agency_name: r.agency.name(lang == Lang::En).to_owned(),
        period: period.key(),
        period_label: period_label(period, lang),
        periods: period_choices(period, lang),
        values: value_views(&r.values, lang),
        score: scored(&r.score_basis, lang).0,
        score_basis: scored(&r.score_basis, lang).1,
        acts: act_views(&r.acts, lang, staff.agency_id == r.agency.id),
        total: r.total,
        page: r.page,
        pages: r.pages,
        own: r.officer.id == staff.id,
        officer: r.officer,
        staff,
    };
    Ok(no_store(html(
        StatusCode::OK,
        state.render("staff/record.html", &page)?,
    )))
}

/// `/staff/officers/{id}/record.csv`: the record of the period as CSV.
pub async fn record_csv(
    state: web::Data<AppState>,
    session: actix_session::Session,
    lang: Lang,
    CurrentStaff(staff): CurrentStaff,
    id: web::Path<i32>,
    query: web::Query<ScopeQuery>,
) -> Result<HttpResponse, AppError> {
    let period = query.evaluation_period(&session);
    let r =
        officer_record::full_record(&state.app, &staff, StaffId(id.into_inner()), period).await?;
    let body = officer_record::record_csv(&r, lang == Lang::En);
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            actix_web::http::header::CONTENT_DISPOSITION,
            format!(
                "attachment; filename=\"record-{}-{}.csv\"",
                r.officer.id,
                period.key()
            ),
        ))
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
        // A byte-order mark so spreadsheet programs read the Chinese as UTF-8.
        .body(format!("\u{feff}{body}")))
}
