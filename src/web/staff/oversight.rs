//! 执法监督 in the console: the oversight page of an agency and the agencies
//! below it, the lists behind its counts, a petition as an overseer reads it,
//! the evaluation (考评) with its method, an officer's record (执法档案) and
//! the monthly bulletins (执法情况通报). Every figure comes from `app::oversight`.

use crate::app::{self, oversight};
use crate::domain::evaluation::{EvaluationRules, Period, Value};
use crate::domain::ids::{AgencyId, StaffId};
use crate::domain::scoring::Score;
use crate::domain::workflow::State;
use crate::render::Layout;
use crate::render::chart::{Bar, bars};
use crate::store::oversight::Listing;
use crate::store::staff::StaffMember;
use crate::web::session::{CurrentStaff, csrf_token};
use crate::web::{AppError, AppState, Lang, html, no_store};
use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::{Deserialize, Serialize};

#[derive(Debug, Default, Deserialize)]
pub struct ScopeQuery {
    #[serde(default)]
    agency: String,
    #[serde(default)]
    period: String,
    #[serde(default)]
    what: String,
    #[serde(default)]
    page: String,
}

impl ScopeQuery {
    fn agency(&self) -> Option<AgencyId> {
        self.agency.parse().ok()
    }

    /// The period asked for, else the current month.
    fn period(&self) -> Period {
        Period::parse(&self.period).unwrap_or_else(|| Period::month_of(app::today()))
    }

    fn page(&self) -> u64 {
        self.page.parse().unwrap_or(1).max(1)
    }
}

/// An indicator as a page shows it: its name, value formatted, and why.
#[derive(Serialize)]
struct ValueView {
    id: String,
    name: String,
    explain: String,
    /// "87%", "12 天", "3" — or the reason there is none.
    shown: String,
    numerator: i64,
    denominator: i64,
    flagged: bool,
    too_few: bool,
    kind: &'static str,
    limit_days: Option<u32>,
}

fn value_views(values: &[Value], lang: Lang) -> Vec<ValueView> {
    let rules = EvaluationRules::staff();
    let english = lang == Lang::En;
    values
        .iter()
        .filter_map(|v| {
            let i = rules.indicator(&v.id)?;
            let kind = match i.formula {
                crate::domain::evaluation::Formula::Rate { .. } => "rate",
                crate::domain::evaluation::Formula::Days { .. } => "days",
                crate::domain::evaluation::Formula::Count { .. } => "count",
            };
            let shown = match (v.value, kind) {
                (Some(x), "rate") => format!("{:.1}%", x * 100.0),
                (Some(x), "days") => lang.t_args("oversight-days", &[("days", format!("{x:.0}"))]),
                (Some(x), _) => format!("{x:.0}"),
                (None, _) if v.too_few => lang.t("oversight-too-few"),
                (None, _) => "—".to_owned(),
            };
            Some(ValueView {
                id: v.id.clone(),
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
                shown,
                numerator: v.numerator,
                denominator: v.denominator,
                flagged: v.flagged,
                too_few: v.too_few,
                kind,
                limit_days: i.limit_days,
            })
        })
        .collect()
}

fn score_view(score: Option<f64>) -> String {
    score.map_or_else(|| "—".to_owned(), |s| format!("{s:.1}"))
}

/// A score as the staff pages show it, and what it rests on: "not enough
/// cases to score" rather than a score from one ratio.
fn scored(score: &Score, lang: Lang) -> (String, String) {
    let basis = lang.t_args(
        "evaluation-score-basis",
        &[
            ("computed", score.computed.to_string()),
            ("applicable", score.applicable.to_string()),
            ("coverage", format!("{:.0}", score.coverage * 100.0)),
        ],
    );
    match (score.value, score.applicable) {
        (Some(v), _) => (format!("{v:.1}"), basis),
        (None, 0) => ("—".to_owned(), String::new()),
        (None, _) => (lang.t("evaluation-not-enough"), basis),
    }
}

fn period_choices(current: Period, lang: Lang) -> Vec<(String, String, bool)> {
    let today = app::today();
    let month = Period::month_of(today);
    let mut out = Vec::new();
    let mut m = month;
    for _ in 0..12 {
        out.push(m);
        m = m.previous();
    }
    let chrono_today = today;
    let q = Period::Quarter(
        chrono::Datelike::year(&chrono_today),
        (chrono::Datelike::month(&chrono_today) - 1) / 3 + 1,
    );
    out.push(q);
    out.push(q.previous());
    let y = Period::Year(chrono::Datelike::year(&chrono_today));
    out.push(y);
    out.push(y.previous());
    out.into_iter()
        .map(|p| (p.key(), period_label(p, lang), p == current))
        .collect()
}

fn period_label(p: Period, lang: Lang) -> String {
    match (p, lang) {
        (Period::Month(y, m), Lang::Zh) => format!("{y}年{m}月"),
        (Period::Quarter(y, q), Lang::Zh) => format!("{y}年第{q}季度"),
        (Period::Year(y), Lang::Zh) => format!("{y}年"),
        (Period::Month(..), Lang::En) => p.key(),
        (Period::Quarter(y, q), Lang::En) => format!("Q{q} {y}"),
        (Period::Year(y), Lang::En) => y.to_string(),
    }
}

#[derive(Serialize)]
struct LineView {
    #[serde(flatten)]
    line: oversight::AgencyLine,
    name: String,
    /// Petitions still with the agency (every open stage).
    open: i64,
    /// Counts by stage, open stages first, as (state, label, count).
    stages: Vec<(String, String, i64)>,
}

#[derive(Serialize)]
struct TrendRow {
    month: String,
    received: i64,
    answered: i64,
    on_time: String,
    urged: i64,
}

fn stages(l: &crate::store::oversight::Live, lang: Lang) -> Vec<(String, String, i64)> {
    State::ALL
        .iter()
        .map(|s| {
            (
                s.as_str().to_owned(),
                lang.t(&format!("petition-status-{}", s.as_str())),
                l.by_stage.get(s.as_str()).copied().unwrap_or(0),
            )
        })
        .collect()
}

#[derive(Serialize)]
struct OverviewPage {
    layout: Layout,
    staff: StaffMember,
    csrf_token: String,
    root_name: String,
    root_id: AgencyId,
    lines: Vec<LineView>,
    total: crate::store::oversight::Live,
    total_stages: Vec<(String, String, i64)>,
    month: String,
    trend: Vec<TrendRow>,
    chart_received: String,
    chart_on_time: String,
    choices: Vec<(AgencyId, String, bool)>,
}

fn choices(
    list: &[crate::store::agencies::Agency],
    current: AgencyId,
    lang: Lang,
) -> Vec<(AgencyId, String, bool)> {
    list.iter()
        .map(|a| (a.id, a.name(lang == Lang::En).to_owned(), a.id == current))
        .collect()
}

/// `/staff/oversight`: an agency now, and every agency below it.
pub async fn overview(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    lang: Lang,
    CurrentStaff(staff): CurrentStaff,
    query: web::Query<ScopeQuery>,
) -> Result<HttpResponse, AppError> {
    let o = oversight::overview(&state.app, &staff, query.agency()).await?;
    let english = lang == Lang::En;
    let received: Vec<Bar> = o
        .trend
        .iter()
        .map(|p| Bar {
            label: p.month.clone(),
            value: Some(p.received as f64),
        })
        .collect();
    let on_time: Vec<Bar> = o
        .trend
        .iter()
        .map(|p| Bar {
            label: p.month.clone(),
            value: p.conclusion_on_time,
        })
        .collect();
    let page = OverviewPage {
        layout: crate::web::layout(&req, lang),
        csrf_token: csrf_token(&session)?,
        root_name: o.root.name(english).to_owned(),
        root_id: o.root.id,
        total_stages: stages(&o.total, lang),
        lines: o
            .lines
            .iter()
            .map(|l| LineView {
                name: l.agency.name(english).to_owned(),
                stages: stages(&l.live, lang),
                open: State::ALL
                    .iter()
                    .filter(|s| s.is_open())
                    .map(|s| l.live.by_stage.get(s.as_str()).copied().unwrap_or(0))
                    .sum(),
                line: l.clone(),
            })
            .collect(),
        total: o.total.clone(),
        month: o.month.key(),
        chart_received: bars(
            "chart-received",
            &lang.t("oversight-chart-received"),
            &lang.t("oversight-chart-received-desc"),
            &received,
            false,
            &lang.t("oversight-too-few"),
        ),
        chart_on_time: bars(
            "chart-on-time",
            &lang.t("oversight-chart-on-time"),
            &lang.t("oversight-chart-on-time-desc"),
            &on_time,
            true,
            &lang.t("oversight-too-few"),
        ),
        trend: o
            .trend
            .iter()
            .map(|p| TrendRow {
                month: p.month.clone(),
                received: p.received,
                answered: p.answered,
                on_time: p.conclusion_on_time.map_or_else(
                    || lang.t("oversight-too-few"),
                    |v| format!("{:.1}%", v * 100.0),
                ),
                urged: p.urged,
            })
            .collect(),
        choices: choices(&o.choices, o.root.id, lang),
        staff,
    };
    Ok(no_store(html(
        StatusCode::OK,
        state.render("staff/oversight.html", &page)?,
    )))
}

/// The list a `what=` names.
pub fn listing_of(what: &str) -> Option<Listing> {
    listing(what)
}

fn listing(what: &str) -> Option<Listing> {
    Some(match what {
        "overdue" => Listing::Overdue,
        "due_week" => Listing::DueWeek,
        "extension_pending" => Listing::ExtensionPending,
        "review_pending" => Listing::ReviewPending,
        "returned" => Listing::Events(crate::domain::events::EventKind::Returned),
        "urged" => Listing::Events(crate::domain::events::EventKind::DeadlineUrge),
        "reversed" => Listing::Events(crate::domain::events::EventKind::Answered),
        "unsatisfied" => Listing::Unsatisfied,
        other => Listing::Stage(State::parse(other.strip_prefix("stage:")?)?),
    })
}

#[derive(Serialize)]
struct ListPage {
    layout: Layout,
    staff: StaffMember,
    csrf_token: String,
    agency_name: String,
    agency_id: AgencyId,
    what: String,
    what_label: String,
    period: String,
    items: Vec<ListRow>,
    page: u64,
    next_page: Option<u64>,
}

#[derive(Serialize)]
struct ListRow {
    #[serde(flatten)]
    item: crate::store::workflow::QueueItem,
    display: String,
    /// Where the row links: the console's page for the agency's own staff, the
    /// overseer's read-only page for those above.
    link: String,
    days_overdue: Option<i64>,
}

/// `/staff/oversight/list`: the petitions behind one count.
pub async fn list(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    lang: Lang,
    CurrentStaff(staff): CurrentStaff,
    query: web::Query<ScopeQuery>,
) -> Result<HttpResponse, AppError> {
    let what = listing(&query.what).ok_or(AppError::BadRequest("error-bad-query"))?;
    let agency = query.agency().unwrap_or(staff.agency_id);
    let period = query.period();
    let page_no = query.page();
    let (agency, items) =
        oversight::list(&state.app, &staff, agency, what, period, page_no).await?;
    let today = app::today();
    let own = agency.id == staff.agency_id;
    let what_label = match query.what.strip_prefix("stage:") {
        Some(s) => lang.t(&format!("petition-status-{s}")),
        None => lang.t(&format!("oversight-list-{}", query.what)),
    };
    let next_page = (items.len() == 100).then_some(page_no + 1);
    let page = ListPage {
        layout: crate::web::layout(&req, lang),
        csrf_token: csrf_token(&session)?,
        agency_name: agency.name(lang == Lang::En).to_owned(),
        agency_id: agency.id,
        what: query.what.clone(),
        what_label,
        period: period.key(),
        items: items
            .into_iter()
            .map(|item| ListRow {
                display: crate::domain::codes::TrackingNumber::parse(&item.tracking_number)
                    .map_or_else(|_| item.tracking_number.clone(), |t| t.display()),
                link: if own {
                    format!("/staff/petitions/{}", item.tracking_number)
                } else {
                    format!("/staff/oversight/petitions/{}", item.tracking_number)
                },
                days_overdue: item
                    .next_due_on
                    .date()
                    .filter(|d| *d < today)
                    .map(|d| (today - d).num_days()),
                item,
            })
            .collect(),
        page: page_no,
        next_page,
        staff,
    };
    Ok(no_store(html(
        StatusCode::OK,
        state.render("staff/oversight_list.html", &page)?,
    )))
}

#[derive(Serialize)]
struct PetitionPage {
    layout: Layout,
    staff: StaffMember,
    csrf_token: String,
    petition: crate::store::petitions::Petition,
    display: String,
    agency_name: String,
    deadlines: Vec<crate::store::petitions::DeadlineView>,
    timeline: Vec<crate::store::petitions::TimelineEvent>,
    files: Vec<crate::store::petitions::EvidenceFile>,
    audit: Vec<crate::audit::Entry>,
}

/// `/staff/oversight/petitions/{tn}`: a petition as an overseer reads it.
pub async fn petition(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    lang: Lang,
    CurrentStaff(staff): CurrentStaff,
    tn: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let r = oversight::petition(&state.app, &staff, &tn).await?;
    let agency = app::catalogue::agency(&state.app, r.petition.agency_id).await?;
    let page = PetitionPage {
        layout: crate::web::layout(&req, lang),
        csrf_token: csrf_token(&session)?,
        display: r.petition.display_number(),
        agency_name: agency.name(lang == Lang::En).to_owned(),
        petition: r.petition,
        deadlines: r.deadlines,
        timeline: r.timeline,
        files: r.files,
        audit: r.audit,
        staff,
    };
    Ok(no_store(html(
        StatusCode::OK,
        state.render("staff/oversight_petition.html", &page)?,
    )))
}

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
    let period = query.period();
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
        staff,
    };
    Ok(html(
        StatusCode::OK,
        state.render("staff/evaluation_method.html", &page)?,
    ))
}

#[derive(Serialize)]
struct ActView {
    id: i64,
    at: String,
    action: String,
    action_label: String,
    subject: String,
    tracking_number: Option<String>,
    display: Option<String>,
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

fn act_views(acts: &[oversight::Act], lang: Lang) -> Vec<ActView> {
    acts.iter()
        .map(|a| {
            let key = format!("act-{}", a.entry.action);
            let label = lang.t(&key);
            ActView {
                id: a.entry.id,
                at: a.entry.at.clone(),
                action: a.entry.action.clone(),
                // An act the portal has no words for yet is shown as recorded.
                action_label: if label.contains("Unknown localization key") || label == key {
                    a.entry.action.clone()
                } else {
                    label
                },
                subject: a.entry.subject.clone(),
                display: a.petition.as_ref().map(|(tn, _)| {
                    crate::domain::codes::TrackingNumber::parse(tn)
                        .map_or_else(|_| tn.clone(), |t| t.display())
                }),
                tracking_number: a.petition.as_ref().map(|(tn, _)| tn.clone()),
                title: a.petition.as_ref().map(|(_, t)| t.clone()),
            }
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
    let period = query.period();
    let r = oversight::record(
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
        acts: act_views(&r.acts, lang),
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
    lang: Lang,
    CurrentStaff(staff): CurrentStaff,
    id: web::Path<i32>,
    query: web::Query<ScopeQuery>,
) -> Result<HttpResponse, AppError> {
    let period = query.period();
    let r = oversight::full_record(&state.app, &staff, StaffId(id.into_inner()), period).await?;
    let body = oversight::record_csv(&r, lang == Lang::En);
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
    let matters = |key: &str| -> Vec<MatterView> {
        b.body[key]
            .as_array()
            .into_iter()
            .flatten()
            .map(|m| {
                let tn = m["tracking_number"].as_str().unwrap_or_default().to_owned();
                MatterView {
                    link: if own {
                        format!("/staff/petitions/{tn}")
                    } else {
                        format!("/staff/oversight/petitions/{tn}")
                    },
                    display: crate::domain::codes::TrackingNumber::parse(&tn)
                        .map_or_else(|_| tn.clone(), |t| t.display()),
                    title: m["title"].as_str().unwrap_or_default().to_owned(),
                    next_due_on: m["next_due_on"].as_str().map(str::to_owned),
                }
            })
            .collect()
    };
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
        staff,
    };
    Ok(no_store(html(
        StatusCode::OK,
        state.render("staff/bulletin.html", &page)?,
    )))
}
