//! `/staff/oversight/ranking`: 红黑榜 — the bodies directly below an agency
//! ranked for a period (the last full month unless asked), with the method.

use super::*;
use crate::app::ranking;
use crate::domain::ranking::Standing;
use crate::render::Layout;
use crate::store::staff::StaffMember;
use crate::web::session::{CurrentStaff, csrf_token};
use crate::web::{AppError, AppState, Lang, html, no_store};
use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Serialize;

/// A ranked unit as the page shows it.
#[derive(Serialize)]
pub(super) struct RankRow {
    /// "1", "2（并列）", or "不参与排名".
    rank: String,
    name: String,
    score: String,
    values: Vec<ValueView>,
    standing: &'static str,
    standing_label: String,
}

/// The ranking's column heads, in the method's order (响应率…).
pub(super) fn heads(lang: Lang) -> Vec<String> {
    EvaluationRules::official()
        .ranking
        .iter()
        .flat_map(|r| &r.indicators)
        .map(|i| {
            if lang == Lang::En {
                i.label_en.clone()
            } else {
                i.label_zh.clone()
            }
        })
        .collect()
}

/// The rows as shown; `name` names a unit in the reader's language.
pub(super) fn rows<T>(
    rows: &[crate::domain::ranking::Ranked<T>],
    name: impl Fn(&T) -> String,
    lang: Lang,
) -> Vec<RankRow> {
    rows.iter()
        .map(|r| {
            let standing = match r.standing {
                Standing::Red => "red",
                Standing::Black => "black",
                Standing::Neither => "neither",
                Standing::Unranked => "unranked",
            };
            RankRow {
                rank: match (r.rank, r.tied) {
                    (Some(n), true) => lang.t_args("ranking-tied", &[("rank", n.to_string())]),
                    (Some(n), false) => n.to_string(),
                    (None, _) => lang.t("ranking-unranked"),
                },
                name: name(&r.who),
                score: r
                    .score
                    .map_or_else(|| "—".to_owned(), |s| format!("{s:.1}")),
                values: value_views(&r.values, lang),
                standing,
                standing_label: lang.t(&format!("ranking-standing-{standing}")),
            }
        })
        .collect()
}

#[derive(Serialize)]
struct RankingPage {
    layout: Layout,
    staff: StaffMember,
    csrf_token: String,
    parent_name: String,
    parent_id: crate::domain::ids::AgencyId,
    period: String,
    period_label: String,
    periods: Vec<(String, String, bool)>,
    heads: Vec<String>,
    rows: Vec<RankRow>,
    lists: bool,
    choices: Vec<(crate::domain::ids::AgencyId, String, bool)>,
}

/// `/staff/oversight/ranking`.
pub async fn ranking(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    lang: Lang,
    CurrentStaff(staff): CurrentStaff,
    query: web::Query<ScopeQuery>,
) -> Result<HttpResponse, AppError> {
    let period = query.evaluation_period(&session);
    let r = ranking::ranking(&state.app, &staff, query.agency(), period).await?;
    let page = RankingPage {
        layout: crate::web::layout(&req, lang),
        csrf_token: csrf_token(&session)?,
        parent_name: r.parent.name(lang == Lang::En).to_owned(),
        parent_id: r.parent.id,
        period: period.key(),
        period_label: period_label(period, lang),
        periods: period_choices(period, lang),
        heads: heads(lang),
        rows: rows(&r.rows, |a| a.name(lang == Lang::En).to_owned(), lang),
        lists: r.lists,
        choices: choices(&r.choices, r.parent.id, lang),
        staff,
    };
    Ok(no_store(html(
        StatusCode::OK,
        state.render("staff/ranking.html", &page)?,
    )))
}
