//! 执法公开: the public statistics (`/statistics`), how each figure is
//! computed (`/statistics/method`), the signed daily snapshots
//! (`/statistics/snapshots`) and the list of published answers (`/answers`).

use super::figures::{FigureView, count_text, figure_views, limit_text};
use crate::app::snapshots;
use crate::app::statistics::{self as stats, Statistics};
use crate::domain::evaluation::{EvaluationRules, Period};
use crate::domain::page::PageRequest;
use crate::domain::petition::PetitionKind;
use crate::render::Layout;
use crate::render::chart::{Bar, bars};
use crate::store::statistics::AnswerFilter;
use crate::web::{AppError, AppState, Lang, html};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::{Deserialize, Serialize};

#[derive(Debug, Default, Deserialize)]
pub struct StatsQuery {
    #[serde(default)]
    pub scope: String,
    #[serde(default)]
    pub period: String,
}

impl StatsQuery {
    /// The period asked for; this year when none (or one that does not parse).
    pub fn period(&self) -> Period {
        Period::parse(&self.period)
            .unwrap_or_else(|| Period::Year(chrono::Datelike::year(&crate::app::today())))
    }
}

/// A choice of a picker: value, label, selected.
type Choice = (String, String, bool);

/// The scopes a reader may pick, grouped: the province, the types, the agencies.
async fn scope_choices(
    state: &AppState,
    lang: Lang,
    current: &str,
) -> Result<Vec<(String, Vec<Choice>)>, AppError> {
    let agencies = crate::app::catalogue::agencies(&state.app).await?;
    let english = lang == Lang::En;
    let pick = |key: String, label: String| {
        let selected = key == current;
        (key, label, selected)
    };
    let mut groups = vec![(
        lang.t("stats-scope-whole"),
        vec![pick("province".to_owned(), lang.t("stats-province"))],
    )];
    let types: Vec<Choice> = crate::domain::agency::AgencyType::ALL
        .iter()
        .filter(|t| agencies.iter().any(|a| a.agency_type == **t))
        .map(|t| {
            pick(
                format!("type:{}", t.as_str()),
                lang.t(&format!("agency-type-{}", t.as_str())),
            )
        })
        .collect();
    groups.push((lang.t("stats-scope-types"), types));
    groups.push((
        lang.t("stats-scope-agencies"),
        agencies
            .iter()
            .map(|a| pick(format!("agency:{}", a.code), a.name(english).to_owned()))
            .collect(),
    ));
    Ok(groups)
}

pub fn period_label(lang: Lang, p: Period) -> String {
    match p {
        Period::Year(y) => lang.t_args("stats-period-year", &[("year", y.to_string())]),
        Period::Month(y, m) => lang.t_args(
            "stats-period-month",
            &[("year", y.to_string()), ("month", m.to_string())],
        ),
        Period::Quarter(y, q) => lang.t_args(
            "stats-period-quarter",
            &[("year", y.to_string()), ("quarter", q.to_string())],
        ),
    }
}

/// The scope's name in the reader's language.
pub fn scope_name(lang: Lang, s: &Statistics) -> String {
    match s.agency_type {
        Some(t) => lang.t(&format!("agency-type-{}", t.as_str())),
        None if s.scope == "province" => lang.t("stats-province"),
        None if lang == Lang::En => s.name_en.clone(),
        None => s.name_zh.clone(),
    }
}

/// The figures the statistics page opens with: how many came in and were
/// answered, how many were concluded in time, how long it took, how
/// satisfied the petitioners were.
const HEADLINE: [&str; 5] = [
    "received",
    "answered",
    "conclusion_on_time",
    "conclusion_days_median",
    "satisfaction_rate",
];

#[derive(Serialize)]
struct KindRow {
    kind: PetitionKind,
    received: String,
}

#[derive(Serialize)]
struct MonthRow {
    month: String,
    received: String,
    answered: String,
}

#[derive(Serialize)]
struct PartRow {
    scope: String,
    name: String,
    values: Vec<FigureView>,
}

#[derive(Serialize)]
struct StatsPage {
    layout: Layout,
    scope: String,
    scope_name: String,
    period: String,
    period_label: String,
    scope_groups: Vec<(String, Vec<Choice>)>,
    periods: Vec<Choice>,
    counts: Vec<FigureView>,
    clocks: Vec<FigureView>,
    rates: Vec<FigureView>,
    days: Vec<FigureView>,
    by_kind: Vec<KindRow>,
    months: Vec<MonthRow>,
    chart: String,
    /// The few figures the page opens with.
    headline: Vec<FigureView>,
    /// The comparison's column heads and rows.
    heads: Vec<FigureView>,
    parts: Vec<PartRow>,
    min_sample: i64,
    as_of: String,
    /// 红黑榜 of the bodies below the scope's body, when the operator shows it.
    ranking: Option<crate::app::ranking::PublicRanking>,
}

/// The intake counts, in the order a petition goes through them.
const INTAKE: [&str; 7] = [
    "received",
    "accepted",
    "declined",
    "transferred",
    "redirected",
    "merged",
    "answered",
];

/// Which figures the comparison table shows, in order.
const COMPARED: [&str; 4] = [
    "received",
    "answered",
    "conclusion_on_time",
    "satisfaction_rate",
];

pub async fn page(
    req: HttpRequest,
    state: web::Data<AppState>,
    lang: Lang,
    query: web::Query<StatsQuery>,
) -> Result<HttpResponse, AppError> {
    let scope = stats::scope(&state.app, &query.scope).await?;
    let period = query.period();
    let s = stats::of(&state.app, &scope, period).await?;
    // The rendered page is kept like the procedure pages (`web::cache`, 5 s)
    // under its scope and period, when the query holds nothing else: the keys
    // are bounded by the agencies and periods, not by what clients send.
    let plain = url::form_urlencoded::parse(req.query_string().as_bytes())
        .all(|(k, _)| matches!(k.as_ref(), "scope" | "period" | "lang"));
    let key = plain.then(|| format!("{}:/statistics?{}&{}", lang.tag(), s.scope, period.key()));
    super::cached_page(&state, key, || {
        render_page(&req, &state, lang, (&scope, &s), period)
    })
    .await
}

async fn render_page(
    req: &HttpRequest,
    state: &AppState,
    lang: Lang,
    (scope, s): (&stats::Scope, &Statistics),
    period: Period,
) -> Result<String, AppError> {
    let ranking = match scope {
        stats::Scope::Agency(id) => crate::app::ranking::public(&state.app, *id).await?,
        _ => None,
    };
    let min = s.min_sample;
    let all = figure_views(&s.published.figures, lang);
    let (mut counts, mut clocks, mut rates, mut days) = (vec![], vec![], vec![], vec![]);
    for f in all {
        match f.kind {
            // Ratings and reviews sit with their rates; the rest is intake, in its order.
            "count" if INTAKE.contains(&f.id.as_str()) => counts.push(f),
            "count" | "rate" if f.citation.is_empty() => rates.push(f),
            "rate" => clocks.push(f),
            _ => days.push(f),
        }
    }
    let place = |id: &str| INTAKE.iter().position(|i| *i == id).unwrap_or(INTAKE.len());
    counts.sort_by_key(|f| place(&f.id));
    let months: Vec<MonthRow> = s
        .published
        .months
        .iter()
        .map(|m| MonthRow {
            month: m.month.clone(),
            received: count_text(lang, &m.received, min),
            answered: count_text(lang, &m.answered, min),
        })
        .collect();
    let chart = bars(
        "chart-received",
        &lang.t("stats-chart-received"),
        &lang.t_args("stats-chart-received-desc", &[("min", min.to_string())]),
        &s.published
            .months
            .iter()
            .map(|m| Bar {
                label: m.month.clone(),
                value: m.received.value.map(|n| n as f64),
            })
            .collect::<Vec<_>>(),
        false,
        &lang.t("stats-chart-gap"),
    );
    let pick = |f: &[FigureView]| -> Vec<FigureView> {
        COMPARED
            .iter()
            .filter_map(|id| f.iter().position(|v| v.id == *id))
            .map(|i| f[i].clone())
            .collect()
    };
    let own = figure_views(&s.published.figures, lang);
    let heads = pick(&own);
    // The page opens with a few figures, exactly as the tables below show
    // them (withheld where they are): nothing new is disclosed.
    let headline = HEADLINE
        .iter()
        .filter_map(|id| own.iter().find(|v| v.id == *id).cloned())
        .collect();
    let parts = s
        .parts
        .iter()
        .map(|p| PartRow {
            scope: p.scope.clone(),
            name: match p.agency_type {
                Some(t) => lang.t(&format!("agency-type-{}", t.as_str())),
                None if lang == Lang::En => p.name_en.clone(),
                None => p.name_zh.clone(),
            },
            values: pick(&figure_views(&p.figures, lang)),
        })
        .collect();
    let periods = stats::periods(&state.app)
        .await?
        .into_iter()
        .map(|p| (p.key(), period_label(lang, p), p == period))
        .collect();
    let page = StatsPage {
        layout: crate::web::layout(req, lang),
        scope_name: scope_name(lang, s),
        scope: s.scope.clone(),
        period: period.key(),
        period_label: period_label(lang, period),
        scope_groups: scope_choices(state, lang, &s.scope).await?,
        periods,
        counts,
        clocks,
        rates,
        days,
        by_kind: s
            .published
            .by_kind
            .iter()
            .map(|k| KindRow {
                kind: k.kind,
                received: count_text(lang, &k.received, min),
            })
            .collect(),
        months,
        chart,
        heads,
        headline,
        parts,
        min_sample: min,
        as_of: s
            .as_of
            .with_timezone(
                &chrono::FixedOffset::east_opt(8 * 3600).unwrap_or_else(|| unreachable!()),
            )
            .format("%Y-%m-%d %H:%M")
            .to_string(),
        ranking,
    };
    state.render("public/statistics.html", &page)
}

#[derive(Serialize)]
struct MethodPage {
    layout: Layout,
    min_sample: i64,
    figures: Vec<MethodRow>,
}

#[derive(Serialize)]
struct MethodRow {
    id: String,
    name: String,
    explain: String,
    kind: &'static str,
    limit: String,
    citation: String,
}

/// `/statistics/method`: each public figure from the rules file the evaluation uses.
pub async fn method(
    req: HttpRequest,
    state: web::Data<AppState>,
    lang: Lang,
) -> Result<HttpResponse, AppError> {
    let rules = EvaluationRules::public();
    let english = lang == Lang::En;
    let figures = rules
        .indicators
        .iter()
        .map(|i| {
            let clock = i.clock().map(|(c, _)| c.to_owned()).or(match &i.formula {
                crate::domain::evaluation::Formula::Days { clock, .. } => Some(clock.clone()),
                _ => None,
            });
            let (limit, citation) = clock.map_or_else(Default::default, |c| limit_text(lang, &c));
            MethodRow {
                id: i.id.clone(),
                name: i.name(english).to_owned(),
                explain: i.explain(english).to_owned(),
                kind: i.kind(),
                limit,
                citation,
            }
        })
        .collect();
    let page = MethodPage {
        layout: crate::web::layout(&req, lang),
        min_sample: rules.min_sample,
        figures,
    };
    Ok(html(
        StatusCode::OK,
        state.render("public/statistics_method.html", &page)?,
    ))
}

#[derive(Debug, Default, Deserialize)]
pub struct PageQuery {
    page: Option<u64>,
}

#[derive(Serialize)]
struct SnapshotsPage {
    layout: Layout,
    snapshots: crate::domain::page::Paged<crate::store::statistics::SnapshotEntry>,
    public_key_hex: String,
    origin: String,
}

/// `/statistics/snapshots`: every day's signed file, newest first, and how to check one.
pub async fn snapshots(
    req: HttpRequest,
    state: web::Data<AppState>,
    lang: Lang,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, AppError> {
    let list = snapshots::snapshots(&state.app, PageRequest::new(query.page, Some(30))).await?;
    let key = state.app.signing_key()?;
    let info = req.connection_info();
    let page = SnapshotsPage {
        layout: crate::web::layout(&req, lang),
        snapshots: list,
        public_key_hex: hex::encode(key.verifying_key().to_bytes()),
        origin: format!("{}://{}", info.scheme(), info.host()),
    };
    Ok(html(
        StatusCode::OK,
        state.render("public/snapshots.html", &page)?,
    ))
}

/// A snapshot's files: `<day>.json`, `<day>.json.sig` (the 64 raw bytes of
/// the signature, as `openssl pkeyutl` reads it), `<day>.json.sha256`
/// (`sha256sum -c` reads it), and `key.pem`, the installation's public key.
pub async fn snapshot_file(
    state: web::Data<AppState>,
    name: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let name = name.into_inner();
    if name == "key.pem" {
        let key = state.app.signing_key()?;
        let pem = snapshots::public_key_pem(&key.verifying_key())?;
        return Ok(HttpResponse::Ok()
            .content_type("application/x-pem-file")
            .body(pem));
    }
    let (day, ext) = name.split_once('.').ok_or(AppError::NotFound)?;
    if chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d").is_err() {
        return Err(AppError::NotFound);
    }
    let s = snapshots::snapshot(&state.app, day).await?;
    // Named as `curl -O` saves it, so `sha256sum -c DAY.json.sha256` finds it.
    let file = format!("{day}.json");
    let attach = |ct: &'static str, file: String, body: Vec<u8>| {
        HttpResponse::Ok()
            .content_type(ct)
            .insert_header((
                actix_web::http::header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{file}\""),
            ))
            .insert_header((
                actix_web::http::header::CACHE_CONTROL,
                "public, max-age=86400, immutable",
            ))
            .body(body)
    };
    match ext {
        "json" => Ok(attach("application/json", file, s.body.into_bytes())),
        "json.sig" => {
            let raw = hex::decode(&s.signature).map_err(crate::app::Error::internal)?;
            Ok(attach(
                "application/octet-stream",
                format!("{file}.sig"),
                raw,
            ))
        }
        "json.sha256" => Ok(attach(
            "text/plain; charset=utf-8",
            format!("{file}.sha256"),
            format!("{}  {file}\n", s.sha256).into_bytes(),
        )),
        _ => Err(AppError::NotFound),
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct AnswersQuery {
    #[serde(default)]
    agency: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    year: String,
    page: Option<u64>,
}

#[derive(Serialize)]
struct AnswerRow {
    id: i32,
    title: String,
    excerpt: String,
    agency_name: String,
    kind: PetitionKind,
    published_on: String,
}

#[derive(Serialize)]
struct AnswersPage {
    layout: Layout,
    answers: crate::domain::page::Paged<AnswerRow>,
    agencies: Vec<Choice>,
    kinds: Vec<Choice>,
    years: Vec<Choice>,
    /// The filter as a query string, for the pager.
    base: String,
}

/// `/answers`: every published answer (答复公开), newest first, filtered.
pub async fn answers(
    req: HttpRequest,
    state: web::Data<AppState>,
    lang: Lang,
    query: web::Query<AnswersQuery>,
) -> Result<HttpResponse, AppError> {
    let q = query.into_inner();
    let agencies = crate::app::catalogue::agencies(&state.app).await?;
    let english = lang == Lang::En;
    let agency = agencies.iter().find(|a| a.code == q.agency);
    let filter = AnswerFilter {
        agency: agency.map(|a| a.id),
        kind: PetitionKind::parse(&q.kind),
        year: q.year.parse().ok(),
    };
    let paged = stats::answers(&state.app, &filter, PageRequest::new(q.page, Some(20))).await?;
    let answers = paged.map(|a| AnswerRow {
        id: a.id.0,
        title: a.title.clone(),
        excerpt: {
            let t: String = a.answer.chars().take(120).collect();
            if a.answer.chars().count() > 120 {
                format!("{t}…")
            } else {
                t
            }
        },
        agency_name: agencies
            .iter()
            .find(|g| g.id == a.agency_id)
            .map(|g| g.name(english).to_owned())
            .unwrap_or_default(),
        kind: a.kind,
        published_on: crate::domain::clock::china_date(a.published_at).to_string(),
    });
    let years = stats::answer_years(&state.app)
        .await?
        .into_iter()
        .map(|y| (y.to_string(), y.to_string(), q.year == y.to_string()))
        .collect();
    let base = format!(
        "/answers?{}&",
        serde_urlencoded::to_string([
            ("agency", q.agency.as_str()),
            ("kind", q.kind.as_str()),
            ("year", q.year.as_str())
        ])
        .unwrap_or_default()
    );
    let page = AnswersPage {
        layout: crate::web::layout(&req, lang),
        answers,
        agencies: agencies
            .iter()
            .map(|a| {
                (
                    a.code.clone(),
                    a.name(english).to_owned(),
                    a.code == q.agency,
                )
            })
            .collect(),
        kinds: PetitionKind::ALL
            .iter()
            .map(|k| {
                (
                    k.as_str().to_owned(),
                    lang.t(&format!("kind-{}", k.as_str())),
                    k.as_str() == q.kind,
                )
            })
            .collect(),
        years,
        base,
    };
    Ok(html(
        StatusCode::OK,
        state.render("public/answers.html", &page)?,
    ))
}
