//! The pages a public service owes its users: help, the privacy notice
//! (what is stored, who sees it, and for how long — read from the retention
//! schedule in force, so the notice cannot drift from what the portal does),
//! the accessibility statement, the agencies' contact directory and the terms of use.

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

/// `/terms`: the terms of use (使用须知) — what the portal is and is not for,
/// what a petitioner answers for, what is published, how abuse is handled.
pub async fn terms(
    req: HttpRequest,
    state: web::Data<AppState>,
    lang: Lang,
) -> Result<HttpResponse, AppError> {
    plain(&state, &req, lang, "public/terms.html")
}

#[derive(Serialize)]
struct DirectoryRegion {
    name: String,
    agencies: Vec<DirectoryAgency>,
}

#[derive(Serialize)]
struct DirectoryAgency {
    id: String,
    name: String,
    address: String,
    hours: String,
    phone: String,
    /// `tel:` form of the phone (digits and `+` only).
    tel: String,
    hotline: Option<crate::domain::agency::Hotline>,
    agency_type: &'static str,
}

#[derive(Serialize)]
struct DirectoryPage {
    layout: Layout,
    regions: Vec<DirectoryRegion>,
    hotlines: Vec<crate::domain::agency::Hotline>,
}

/// `/agencies`: the contact directory (联系方式) — each agency's petition
/// reception office, its hours and telephone (operator data), the national
/// hotline for its kind, grouped by region from the province down.
pub async fn directory(
    req: HttpRequest,
    state: web::Data<AppState>,
    lang: Lang,
) -> Result<HttpResponse, AppError> {
    let english = lang == Lang::En;
    let agencies = crate::app::catalogue::agencies(&state.app).await?;
    let mut sorted: Vec<_> = agencies.iter().collect();
    sorted.sort_by_key(|a| {
        (
            a.level as u8,
            a.region_zh.clone(),
            a.agency_type as u8,
            a.id,
        )
    });
    let mut regions: Vec<DirectoryRegion> = Vec::new();
    for a in sorted {
        let region = if english { &a.region_en } else { &a.region_zh };
        if regions.last().is_none_or(|r| &r.name != region) {
            regions.push(DirectoryRegion {
                name: region.clone(),
                agencies: Vec::new(),
            });
        }
        let c = &a.contact;
        let pick = |zh: &String, en: &String| {
            if english && !en.is_empty() {
                en.clone()
            } else {
                zh.clone()
            }
        };
        if let Some(r) = regions.last_mut() {
            r.agencies.push(DirectoryAgency {
                id: a.id.to_string(),
                name: a.name(english).to_owned(),
                address: pick(&c.address_zh, &c.address_en),
                hours: pick(&c.hours_zh, &c.hours_en),
                phone: c.phone.clone(),
                tel: c
                    .phone
                    .chars()
                    .filter(|ch| ch.is_ascii_digit() || *ch == '+')
                    .collect(),
                hotline: a.agency_type.hotline(),
                agency_type: a.agency_type.as_str(),
            });
        }
    }
    let mut hotlines: Vec<_> = crate::domain::agency::AgencyType::ALL
        .iter()
        .filter_map(|t| t.hotline())
        .collect();
    hotlines.dedup();
    let page = DirectoryPage {
        layout: crate::web::layout(&req, lang),
        regions,
        hotlines,
    };
    Ok(html(
        StatusCode::OK,
        state.render("public/directory.html", &page)?,
    ))
}
