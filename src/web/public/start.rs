//! The pages before a petition's form: the kinds to choose from, and for
//! each kind what to know before starting (办理须知) — what to have ready and
//! when the petitioner will hear back.

use crate::domain::petition::PetitionKind;
use crate::render::Layout;
use crate::web::{AppError, AppState, Lang, html};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Serialize;

#[derive(Serialize)]
struct StartPage {
    layout: Layout,
    kinds: Vec<&'static str>,
}

pub async fn start(
    req: HttpRequest,
    state: web::Data<AppState>,
    lang: Lang,
) -> Result<HttpResponse, AppError> {
    let page = StartPage {
        layout: crate::web::layout(&req, lang),
        kinds: PetitionKind::ALL.iter().map(|k| k.as_str()).collect(),
    };
    Ok(html(
        StatusCode::OK,
        state.render("public/petition_start.html", &page)?,
    ))
}

#[derive(Serialize)]
struct ClockLine {
    clock: String,
    /// `days`, `working_days` or `months` (the Fluent key's tail) and how many.
    unit: &'static str,
    n: u32,
    citation: String,
    /// Only at these kinds of agency (empty: every kind).
    agency_types: Vec<String>,
}

#[derive(Serialize)]
struct BeforePage {
    layout: Layout,
    kind: &'static str,
    may_be_anonymous: bool,
    clocks: Vec<ClockLine>,
}

/// `/petitions/start/{kind}` (办理须知): before you start — what the kind is
/// for, what to have ready, when you will hear back (the clocks that start
/// when it arrives or is accepted, with their citations), and 110 for an emergency.
pub async fn before_you_start(
    req: HttpRequest,
    state: web::Data<AppState>,
    lang: Lang,
    kind: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    use crate::domain::clock::{ClockRules, ClockStart, DayCount, Period};
    let kind = PetitionKind::parse(&kind).ok_or(AppError::NotFound)?;
    let mut clocks: Vec<ClockLine> = Vec::new();
    for rule in ClockRules::official().all() {
        let starts_early = matches!(rule.starts, ClockStart::Received | ClockStart::Accepted);
        if !starts_early
            || !rule.kinds.iter().any(|k| k == kind.as_str())
            || clocks.iter().any(|c| c.clock == rule.clock)
        {
            continue;
        }
        let (unit, n) = match rule.period() {
            Period::Months(m) => ("months", m),
            Period::Days(d, DayCount::Working) => ("working_days", d),
            Period::Days(d, DayCount::Calendar) => ("days", d),
        };
        clocks.push(ClockLine {
            clock: rule.clock.clone(),
            unit,
            n,
            citation: if lang == Lang::En {
                rule.citation_en.clone()
            } else {
                rule.citation_zh.clone()
            },
            agency_types: rule.agency_types.clone(),
        });
    }
    let page = BeforePage {
        layout: crate::web::layout(&req, lang),
        kind: kind.as_str(),
        may_be_anonymous: kind.may_be_anonymous(),
        clocks,
    };
    Ok(html(
        StatusCode::OK,
        state.render("public/before_you_start.html", &page)?,
    ))
}
