//! What crawlers read: `robots.txt` (the public site, not the console, the
//! petitioners' status pages or the staff API) and `sitemap.xml` (the pages
//! and every published procedure, disclosed case and published answer).

use crate::domain::page::PageRequest;
use crate::store::procedures::ProcedureFilter;
use crate::store::statistics::AnswerFilter;
use crate::web::{AppError, AppState};
use actix_web::{HttpRequest, HttpResponse, web};

/// At most this many published answers are listed, newest first (a sitemap holds 50,000 addresses).
const MAX_ANSWERS: u64 = 40_000;

fn origin(req: &HttpRequest) -> String {
    let info = req.connection_info();
    format!("{}://{}", info.scheme(), info.host())
}

pub async fn robots(req: HttpRequest) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; charset=utf-8")
        .body(format!(
            "User-agent: *\nDisallow: /staff\nDisallow: /track\nDisallow: /api/v1/staff\nDisallow: /captcha\nAllow: /\n\nSitemap: {}/sitemap.xml\n",
            origin(&req)
        ))
}

pub async fn sitemap(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let base = origin(&req);
    let mut paths: Vec<String> = [
        "/",
        "/procedures",
        "/petitions/new",
        "/track",
        "/cases",
        "/search",
        "/answers",
        "/help",
        "/privacy",
        "/accessibility",
        "/agencies",
        "/terms",
        "/verify",
        "/petitions/start/complaint",
        "/petitions/start/report",
        "/petitions/start/litigation",
        "/statistics",
        "/statistics/method",
        "/statistics/snapshots",
    ]
    .iter()
    .map(|p| (*p).to_owned())
    .collect();
    let mut page = 1;
    loop {
        let p = crate::app::procedures::catalogue(
            &state.app,
            &ProcedureFilter::default(),
            PageRequest::new(Some(page), Some(PageRequest::MAX_PER_PAGE)),
        )
        .await?;
        paths.extend(p.items.iter().map(|i| format!("/procedures/{}", i.id)));
        if page >= p.pages {
            break;
        }
        page += 1;
    }
    let mut page = 1;
    loop {
        let c = crate::app::cases::public_cases(
            &state.app,
            PageRequest::new(Some(page), Some(PageRequest::MAX_PER_PAGE)),
        )
        .await?;
        paths.extend(c.items.iter().map(|i| format!("/cases/{}", i.id)));
        if page >= c.pages {
            break;
        }
        page += 1;
    }
    let mut page = 1;
    while page * PageRequest::MAX_PER_PAGE <= MAX_ANSWERS {
        let a = crate::app::statistics::answers(
            &state.app,
            &AnswerFilter::default(),
            PageRequest::new(Some(page), Some(PageRequest::MAX_PER_PAGE)),
        )
        .await?;
        paths.extend(a.items.iter().map(|i| format!("/answers/{}", i.id.0)));
        if page >= a.pages {
            break;
        }
        page += 1;
    }
    let mut xml = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
    );
    for p in paths {
        let loc = format!("{base}{p}");
        xml.push_str(&format!(
            "<url><loc>{}</loc></url>\n",
            quick_xml::escape::escape(loc.as_str())
        ));
    }
    xml.push_str("</urlset>\n");
    Ok(HttpResponse::Ok()
        .content_type("application/xml; charset=utf-8")
        .body(xml))
}
