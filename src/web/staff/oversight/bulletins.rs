//! The monthly bulletins (执法情况通报) of an agency, and one bulletin.

use super::*;
use crate::app::{self};
use crate::domain::evaluation::Value;
use crate::domain::ids::AgencyId;
use crate::domain::scoring::Score;
use crate::render::Layout;
use crate::store::staff::StaffMember;
use crate::web::session::{CurrentStaff, csrf_token};
use crate::web::{AppError, AppState, Lang, html, no_store};
use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Serialize;

#[derive(Serialize)]
struct BulletinsPage {
    layout: Layout,
    staff: StaffMember,
    csrf_token: String,
    agency_name: String,
    bulletins: Vec<(i32, String)>,
    choices: Vec<(AgencyId, String, bool)>,
}

/// `/staff/bulletins`: an agency's monthly bulletins.
pub async fn bulletins(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    lang: Lang,
    CurrentStaff(staff): CurrentStaff,
    query: web::Query<ScopeQuery>,
) -> Result<HttpResponse, AppError> {
    let (agency, list, choices_list) =
        app::bulletins::of_agency(&state.app, &staff, query.agency()).await?;
    let page = BulletinsPage {
        layout: crate::web::layout(&req, lang),
        csrf_token: csrf_token(&session)?,
        agency_name: agency.name(lang == Lang::En).to_owned(),
        bulletins: list.into_iter().map(|b| (b.id, b.month)).collect(),
        choices: choices(&choices_list, agency.id, lang),
        staff,
    };
    Ok(no_store(html(
        StatusCode::OK,
        state.render("staff/bulletins.html", &page)?,
    )))
}

#[derive(Serialize)]
struct BulletinPage {
    layout: Layout,
    staff: StaffMember,
    csrf_token: String,
    agency_name: String,
    month: String,
    previous_month: String,
    generated_on: String,
    rows: Vec<(ValueView, String)>,
    score: String,
    previous_score: String,
    overdue: Vec<MatterView>,
    reversed: Vec<MatterView>,
    unsatisfied: Vec<MatterView>,
    /// The overdue matters of each body below, by body.
    below_overdue: Vec<(String, Vec<MatterView>)>,
    /// 督办 unanswered past their date in the tree: (order id, body, matter).
    orders_unanswered: Vec<(i64, String, MatterView)>,
    /// 红黑榜 of the bodies directly below, for the month (bulletins made
    /// before it was added have none).
    ranking_heads: Vec<String>,
    ranking: Vec<super::ranking::RankRow>,
    ranking_lists: bool,
}

#[derive(Serialize)]
struct MatterView {
    link: String,
    display: String,
    title: String,
    next_due_on: Option<String>,
}

/// `/staff/bulletins/{id}`: one bulletin, as generated.
pub async fn bulletin(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    lang: Lang,
    CurrentStaff(staff): CurrentStaff,
    id: web::Path<i32>,
) -> Result<HttpResponse, AppError> {
    let (b, agency) = app::bulletins::read(&state.app, &staff, id.into_inner()).await?;
    let values: Vec<Value> = serde_json::from_value(b.body["values"].clone()).unwrap_or_default();
    let previous: Vec<Value> =
        serde_json::from_value(b.body["previous"].clone()).unwrap_or_default();
    let before = value_views(&previous, lang);
    let rows = value_views(&values, lang)
        .into_iter()
        .map(|v| {
            let was = before
                .iter()
                .find(|p| p.id == v.id)
                .map(|p| p.shown.clone())
                .unwrap_or_else(|| "—".to_owned());
            (v, was)
        })
        .collect();
    let own = agency.id == staff.agency_id;
    let matter = |m: &serde_json::Value, own: bool| {
        let tn = m["tracking_number"].as_str().unwrap_or_default().to_owned();
        MatterView {
            link: super::petition_link(&tn, own),
            display: crate::domain::codes::TrackingNumber::display_stored(&tn),
            title: m["title"].as_str().unwrap_or_default().to_owned(),
            next_due_on: m["next_due_on"]
                .as_str()
                .or(m["reply_by"].as_str())
                .map(str::to_owned),
        }
    };
    let list = |v: &serde_json::Value| v.as_array().cloned().unwrap_or_default();
    let matters = |key: &str| -> Vec<MatterView> {
        list(&b.body[key]).iter().map(|m| matter(m, own)).collect()
    };
    let name_key = if lang == Lang::En {
        "agency_en"
    } else {
        "agency_zh"
    };
    let below_overdue = list(&b.body["below_overdue"])
        .iter()
        .map(|g| {
            (
                g[name_key].as_str().unwrap_or_default().to_owned(),
                list(&g["matters"])
                    .iter()
                    .map(|m| matter(m, false))
                    .collect(),
            )
        })
        .collect();
    let orders_unanswered = list(&b.body["orders_unanswered"])
        .iter()
        .map(|o| {
            (
                o["order_id"].as_i64().unwrap_or_default(),
                o[name_key].as_str().unwrap_or_default().to_owned(),
                matter(o, false),
            )
        })
        .collect();
    let ranking: crate::domain::ranking::Ranking<app::bulletins::Named> = serde_json::from_value(
        b.body["ranking"].clone(),
    )
    .unwrap_or(crate::domain::ranking::Ranking {
        rows: Vec::new(),
        lists: false,
    });
    let page = BulletinPage {
        layout: crate::web::layout(&req, lang),
        csrf_token: csrf_token(&session)?,
        agency_name: agency.name(lang == Lang::En).to_owned(),
        month: b.month.clone(),
        previous_month: b.body["previous_month"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
        generated_on: b.body["generated_on"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
        rows,
        score: serde_json::from_value::<Score>(b.body["score_basis"].clone()).map_or_else(
            |_| score_view(b.body["score"].as_f64()),
            |s| scored(&s, lang).0,
        ),
        previous_score: score_view(b.body["previous_score"].as_f64()),
        overdue: matters("overdue"),
        reversed: matters("reversed"),
        unsatisfied: matters("unsatisfied"),
        below_overdue,
        orders_unanswered,
        ranking_heads: super::ranking::heads(lang),
        ranking_lists: ranking.lists,
        ranking: super::ranking::rows(
            &ranking.rows,
            |n| {
                if lang == Lang::En {
                    n.name_en.clone()
                } else {
                    n.name_zh.clone()
                }
            },
            lang,
        ),
        staff,
    };
    Ok(no_store(html(
        StatusCode::OK,
        state.render("staff/bulletin.html", &page)?,
    )))
}
