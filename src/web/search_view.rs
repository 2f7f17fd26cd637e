//! What the search pages show, public and staff alike: facets as links that add
//! or remove one filter (so they work without JavaScript), sort links and pages.

use crate::app::Error;
use crate::search::service::{Hit, Params, Results};
use crate::web::{AppError, Lang};
use actix_web::http::StatusCode;
use serde::Serialize;
use std::collections::HashMap;

#[derive(Serialize)]
pub struct HitView {
    #[serde(flatten)]
    pub hit: Hit,
    pub agency_name: String,
}

/// What a search page shows below its form, public and staff alike.
#[derive(Serialize, Default)]
pub struct ResultsView {
    pub results: Option<Results>,
    pub hits: Vec<HitView>,
    pub facets: Vec<FacetView>,
    pub sorts: Vec<LinkView>,
    pub pages: Vec<LinkView>,
    /// Why there are no results (the engine did not answer, the query is too
    /// long): said on the page, the query kept in the box.
    pub problem: Option<String>,
    #[serde(skip)]
    pub status: StatusCode,
}

impl ResultsView {
    /// `names`: agency id → name; `label`: a facet value as the reader sees it.
    pub fn build(
        base: &str,
        outcome: Result<Results, Error>,
        p: &Params,
        lang: Lang,
        staff: bool,
        names: &HashMap<String, String>,
        label: impl Fn(&str, &str) -> String,
    ) -> Result<Self, AppError> {
        let r = match outcome {
            Ok(r) => r,
            Err(Error::Invalid(key)) => {
                return Ok(Self {
                    problem: Some(lang.t(key)),
                    status: StatusCode::UNPROCESSABLE_ENTITY,
                    ..Default::default()
                });
            }
            Err(Error::SearchUnavailable(_)) => {
                return Ok(Self {
                    problem: Some(lang.t("error-search-unavailable")),
                    status: StatusCode::SERVICE_UNAVAILABLE,
                    ..Default::default()
                });
            }
            Err(e) => return Err(e.into()),
        };
        Ok(Self {
            facets: facets(base, &r, p, lang, label),
            sorts: sorts(base, &r, p, lang, staff),
            pages: pages(base, &r, p, lang),
            hits: r
                .hits
                .iter()
                .map(|h| HitView {
                    agency_name: h
                        .agency_id
                        .and_then(|id| names.get(&id.to_string()).cloned())
                        .unwrap_or_default(),
                    hit: h.clone(),
                })
                .collect(),
            results: Some(r),
            problem: None,
            status: StatusCode::OK,
        })
    }
}

#[derive(Debug, Serialize)]
pub struct FacetValueView {
    pub label: String,
    pub count: u64,
    pub selected: bool,
    pub url: String,
}

#[derive(Debug, Serialize)]
pub struct FacetView {
    pub name: String,
    pub label: String,
    pub values: Vec<FacetValueView>,
}

#[derive(Debug, Serialize)]
pub struct LinkView {
    pub label: String,
    pub url: String,
    pub current: bool,
}

/// The query-string name of a facet's filter.
pub fn param_name(facet: &str) -> &str {
    match facet {
        "agency_id" => "agency",
        "handler_id" => "handler",
        other => other,
    }
}

/// The non-empty parameters of `p`, as (name, value), in a stable order.
pub fn pairs(p: &Params) -> Vec<(&'static str, String)> {
    [
        ("q", &p.q),
        ("type", &p.kind_of_result),
        ("agency_type", &p.agency_type),
        ("agency", &p.agency),
        ("year", &p.year),
        ("category", &p.category),
        ("kind", &p.kind),
        ("status", &p.status),
        ("handler", &p.handler),
        ("overdue", &p.overdue),
        ("from", &p.from),
        ("to", &p.to),
        ("sort", &p.sort),
        ("page", &p.page),
    ]
    .into_iter()
    .filter(|(_, v)| !v.trim().is_empty())
    .map(|(k, v)| (k, v.trim().to_owned()))
    .collect()
}

/// `base` with `p`'s parameters, `name` set to `value` (removed when empty) and
/// the page reset unless it is the page that changes.
pub fn url_with(base: &str, p: &Params, name: &str, value: &str) -> String {
    let mut ps: Vec<(&str, String)> = pairs(p)
        .into_iter()
        .filter(|(k, _)| *k != name && (*k != "page" || name == "page"))
        .collect();
    if !value.is_empty() {
        ps.push((name, value.to_owned()));
    }
    if ps.is_empty() {
        return base.to_owned();
    }
    format!(
        "{base}?{}",
        url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(ps)
            .finish()
    )
}

pub fn facets(
    base: &str,
    results: &Results,
    p: &Params,
    lang: Lang,
    label: impl Fn(&str, &str) -> String,
) -> Vec<FacetView> {
    results
        .facets
        .iter()
        .filter(|f| !f.values.is_empty())
        .map(|f| FacetView {
            label: lang.t(&format!("search-facet-{}", f.name.replace('_', "-"))),
            values: f
                .values
                .iter()
                .map(|v| FacetValueView {
                    label: label(&f.name, &v.value),
                    count: v.count,
                    selected: v.selected,
                    url: url_with(
                        base,
                        p,
                        param_name(&f.name),
                        if v.selected { "" } else { &v.value },
                    ),
                })
                .collect(),
            name: f.name.clone(),
        })
        .collect()
}

pub fn sorts(base: &str, results: &Results, p: &Params, lang: Lang, staff: bool) -> Vec<LinkView> {
    let mut names = vec!["relevance", "newest"];
    if staff {
        names.push("deadline");
    }
    names
        .into_iter()
        .map(|s| LinkView {
            label: lang.t(&format!("search-sort-{s}")),
            url: url_with(base, p, "sort", s),
            current: results.sort == s,
        })
        .collect()
}

pub fn pages(base: &str, results: &Results, p: &Params, lang: Lang) -> Vec<LinkView> {
    let mut out = Vec::new();
    if results.page > 1 {
        out.push(LinkView {
            label: lang.t("pager-previous"),
            url: url_with(base, p, "page", &(results.page - 1).to_string()),
            current: false,
        });
    }
    if results.page < results.pages {
        out.push(LinkView {
            label: lang.t("pager-next"),
            url: url_with(base, p, "page", &(results.page + 1).to_string()),
            current: false,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_facet_link_changes_one_filter_and_goes_back_to_page_one() {
        let p = Params {
            q: "国家赔偿".into(),
            year: "2026".into(),
            page: "3".into(),
            ..Default::default()
        };
        assert_eq!(
            url_with("/search", &p, "agency_type", "court"),
            "/search?q=%E5%9B%BD%E5%AE%B6%E8%B5%94%E5%81%BF&year=2026&agency_type=court"
        );
        assert_eq!(
            url_with("/search", &p, "year", ""),
            "/search?q=%E5%9B%BD%E5%AE%B6%E8%B5%94%E5%81%BF"
        );
        assert!(url_with("/search", &p, "page", "4").ends_with("page=4"));
    }
}
