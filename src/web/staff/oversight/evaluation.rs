//! The evaluation (考评) of an agency and those below it for a period, and
//! the method page that says how each indicator is computed.

use super::*;
use crate::app::oversight;
use crate::domain::evaluation::EvaluationRules;
use crate::domain::ids::AgencyId;
use crate::render::Layout;
use crate::store::staff::StaffMember;
use crate::web::session::{CurrentStaff, csrf_token};
use crate::web::{AppError, AppState, Lang, html, no_store};
use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Serialize;

#[derive(Serialize)]
struct EvaluatedView {
    id: i32,
    name: String,
    depth: usize,
    values: Vec<ValueView>,
    score: String,
    /// How many weighted rates the score rests on, and their share of the weight.
    score_basis: String,
    role: String,
}

#[derive(Serialize)]
struct EvaluationPage {
    layout: Layout,
    staff: StaffMember,
    csrf_token: String,
    root_name: String,
    root_id: AgencyId,
    period: String,
    period_label: String,
    periods: Vec<(String, String, bool)>,
    /// The indicators' names, as the tables' column heads.
    heads: Vec<ValueView>,
    agencies: Vec<EvaluatedView>,
    officers: Vec<EvaluatedView>,
    /// Figures of the agency no listed officer accounts for.
    unattributed: Option<Vec<ValueView>>,
    choices: Vec<(AgencyId, String, bool)>,
}

/// `/staff/evaluation`: 考评 per agency and per officer for a period.
pub async fn evaluation(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    lang: Lang,
    CurrentStaff(staff): CurrentStaff,
    query: web::Query<ScopeQuery>,
) -> Result<HttpResponse, AppError> {
    let period = query.evaluation_period(&session);
    let e = oversight::evaluation(&state.app, &staff, query.agency(), period).await?;
    let english = lang == Lang::En;
    let heads = e
        .agencies
        .first()
        .map(|a| value_views(&a.values, lang))
        .unwrap_or_default();
    let page = EvaluationPage {
        layout: crate::web::layout(&req, lang),
        csrf_token: csrf_token(&session)?,
        root_name: e.root.name(english).to_owned(),
        root_id: e.root.id,
        period: period.key(),
        period_label: period_label(period, lang),
        periods: period_choices(period, lang),
        heads,
        agencies: e
            .agencies
            .iter()
            .map(|a| EvaluatedView {
                id: a.who.id.0,
                name: a.who.name(english).to_owned(),
                depth: a.depth,
                values: value_views(&a.values, lang),
                score: scored(&a.score_basis, lang).0,
                score_basis: scored(&a.score_basis, lang).1,
                role: String::new(),
            })
            .collect(),
        officers: e
            .officers
            .iter()
            .map(|o| EvaluatedView {
                id: o.who.id.0,
                name: o.who.name.clone(),
                depth: 0,
                values: value_views(&o.values, lang),
                score: scored(&o.score_basis, lang).0,
                score_basis: scored(&o.score_basis, lang).1,
                role: lang.t(&format!("role-{}", o.who.role.as_str())),
            })
            .collect(),
        unattributed: e.unattributed.as_ref().map(|rest| value_views(rest, lang)),
        choices: choices(&e.choices, e.root.id, lang),
        staff,
    };
    Ok(no_store(html(
        StatusCode::OK,
        state.render("staff/evaluation.html", &page)?,
    )))
}

#[derive(Serialize)]
struct MethodPage {
    layout: Layout,
    staff: StaffMember,
    csrf_token: String,
    min_sample: i64,
    score_min_indicators: usize,
    score_min_coverage: String,
    indicators: Vec<MethodRow>,
    /// 红黑榜: each ranked rate (its ranking name, the indicator, its weight).
    ranking: Vec<(String, String, f64)>,
    ranking_list_size: usize,
    ranking_min_ranked: usize,
}

#[derive(Serialize)]
struct MethodRow {
    name: String,
    explain: String,
    weight: f64,
    scored: bool,
    threshold: Option<String>,
    higher_is_better: bool,
}

/// `/staff/evaluation/method`: how every indicator is computed, from the rules file.
pub async fn method(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    lang: Lang,
    CurrentStaff(staff): CurrentStaff,
) -> Result<HttpResponse, AppError> {
    let rules = EvaluationRules::staff();
    let english = lang == Lang::En;
    let page = MethodPage {
        layout: crate::web::layout(&req, lang),
        csrf_token: csrf_token(&session)?,
        min_sample: rules.min_sample,
        score_min_indicators: rules.score_min_indicators,
        score_min_coverage: format!("{:.0}", rules.score_min_coverage * 100.0),
        indicators: rules
            .indicators
            .iter()
            .map(|i| MethodRow {
                name: if english {
                    i.name_en.clone()
                } else {
                    i.name_zh.clone()
                },
                explain: if english {
                    i.explain_en.clone()
                } else {
                    i.explain_zh.clone()
                },
                weight: i.weight,
                scored: i.weight > 0.0,
                threshold: i.threshold.map(|t| format!("{:.0}%", t * 100.0)),
                higher_is_better: i.higher_is_better,
            })
            .collect(),
        ranking: rules
            .ranking
            .iter()
            .flat_map(|r| &r.indicators)
            .map(|r| {
                let name = rules
                    .indicator(&r.id)
                    .map(|i| if english { &i.name_en } else { &i.name_zh })
                    .cloned()
                    .unwrap_or_default();
                let label = if english { &r.label_en } else { &r.label_zh };
                (label.clone(), name, r.weight)
            })
            .collect(),
        ranking_list_size: rules.ranking.as_ref().map_or(0, |r| r.list_size),
        ranking_min_ranked: rules.ranking.as_ref().map_or(0, |r| r.min_ranked),
        staff,
    };
    Ok(html(
        StatusCode::OK,
        state.render("staff/evaluation_method.html", &page)?,
    ))
}
