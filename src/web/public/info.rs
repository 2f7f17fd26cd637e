//! The pages a public service owes its users: help, the privacy notice
//! (what is stored, who sees it, and for how long — read from the retention
//! schedule in force, so the notice cannot drift from what the portal does),
//! and the accessibility statement.

use crate::render::Layout;
use crate::web::{AppError, AppState, Lang, html};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Serialize;

#[derive(Serialize)]
struct Page {
    layout: Layout,
}

fn plain(
    state: &AppState,
    req: &HttpRequest,
    lang: Lang,
    template: &str,
) -> Result<HttpResponse, AppError> {
    let page = Page {
        layout: crate::web::layout(req, lang),
    };
    Ok(html(StatusCode::OK, state.render(template, &page)?))
}

/// `/help`: what each kind of petition is for, what happens and when, what to
/// do in an emergency, and the national hotlines.
pub async fn help(
    req: HttpRequest,
    state: web::Data<AppState>,
    lang: Lang,
) -> Result<HttpResponse, AppError> {
    plain(&state, &req, lang, "public/help.html")
}

/// `/accessibility`: the standard met, how it is tested, known limits, and
/// how to report a barrier.
pub async fn accessibility(
    req: HttpRequest,
    state: web::Data<AppState>,
    lang: Lang,
) -> Result<HttpResponse, AppError> {
    plain(&state, &req, lang, "public/accessibility.html")
}

#[derive(Serialize)]
struct RetentionLine {
    action: &'static str,
    kinds: Vec<&'static str>,
    outcomes: Vec<&'static str>,
    after_years: u32,
    explanation: String,
}

#[derive(Serialize)]
struct PrivacyPage {
    layout: Layout,
    retention: Vec<RetentionLine>,
    /// When an operator loaded the schedule (none: the shipped one).
    loaded_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// `/privacy`: the privacy notice (个人信息保护), its retention section the
/// schedule in force.
pub async fn privacy(
    req: HttpRequest,
    state: web::Data<AppState>,
    lang: Lang,
) -> Result<HttpResponse, AppError> {
    let in_force = crate::app::retention::published(&state.app).await?;
    let page = PrivacyPage {
        layout: crate::web::layout(&req, lang),
        retention: in_force
            .schedule
            .rules
            .iter()
            .map(|r| RetentionLine {
                action: r.action.as_str(),
                kinds: r.kinds.iter().map(|k| k.as_str()).collect(),
                outcomes: r.outcomes.iter().map(|o| o.as_str()).collect(),
                after_years: r.after_years,
                explanation: if lang == Lang::En {
                    r.explanation_en.clone()
                } else {
                    r.explanation_zh.clone()
                },
            })
            .collect(),
        loaded_at: in_force.loaded_at,
    };
    Ok(html(
        StatusCode::OK,
        state.render("public/privacy.html", &page)?,
    ))
}
