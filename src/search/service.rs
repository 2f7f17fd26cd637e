//! The search the portal offers: the public scope (procedures, disclosed cases,
//! published answers, merged into one ranked list) and the staff scope (the
//! petitions of the staff member's agency that do not name them). Scope is a
//! filter in the engine query, so totals, pages and facet counts are all in scope.

use super::documents::ymd;
use super::outbox::{Indexer, Lag};
use super::{
    DEFINITIONS, Engine, EngineHit, Filter, IndexDef, IndexQuery, Order, SearchError, escape,
};
use crate::store::Store;
use crate::store::staff::StaffMember;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::Arc;

pub const PUBLIC_PER_PAGE: usize = 10;
pub const STAFF_PER_PAGE: usize = 20;
/// Deep pages cost every index a longer list; nobody reads past page 50.
pub const MAX_PAGE: usize = 50;
/// The longest query: enough for a long phrase, short of a pasted document.
pub const MAX_QUERY_CHARS: usize = 200;

fn check_query(p: &Params) -> Result<(), SearchError> {
    if p.q.chars().count() > MAX_QUERY_CHARS {
        return Err(SearchError::BadQuery("error-search-too-long"));
    }
    Ok(())
}

/// What a search form or `GET /api/v1/search` asks. Empty strings mean "any".
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::IntoParams)]
#[serde(default)]
pub struct Params {
    /// Words; phrases in double quotes.
    pub q: String,
    /// Public scope: procedures, cases or answers.
    #[serde(rename = "type")]
    pub kind_of_result: String,
    pub agency_type: String,
    /// An agency's id.
    pub agency: String,
    pub year: String,
    pub category: String,
    /// Staff scope: complaint, report or litigation.
    pub kind: String,
    pub status: String,
    /// Staff scope: a handler's staff id.
    pub handler: String,
    /// Staff scope: "1" for petitions past a deadline only.
    pub overdue: String,
    /// Staff scope: received on or after (YYYY-MM-DD).
    pub from: String,
    pub to: String,
    /// relevance, newest, or (staff) deadline.
    pub sort: String,
    pub page: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Hit {
    /// procedures, cases, answers or petitions.
    pub index: String,
    pub id: String,
    /// HTML: escaped, matches in `<mark>`.
    pub title: String,
    /// HTML: escaped, matches in `<mark>`.
    pub snippet: String,
    pub url: String,
    pub agency_id: Option<i32>,
    /// YYYY-MM-DD.
    pub date: Option<String>,
    /// The document's stored fields (in scope only).
    #[schema(value_type = Object)]
    pub fields: super::Document,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FacetValue {
    pub value: String,
    pub count: u64,
    pub selected: bool,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Facet {
    pub name: String,
    pub values: Vec<FacetValue>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Results {
    pub query: String,
    pub total: usize,
    pub page: usize,
    pub pages: usize,
    pub sort: String,
    pub hits: Vec<Hit>,
    pub facets: Vec<Facet>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Health {
    pub engine: &'static str,
    /// "ok" or "unavailable".
    pub status: &'static str,
    pub error: Option<String>,
    pub lag: Option<Lag>,
}

/// The result of [`Search::compare`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Diff {
    pub expected: usize,
    pub missing: usize,
    pub stale: usize,
    pub extra: usize,
}

impl Diff {
    pub fn is_clean(&self) -> bool {
        self.missing == 0 && self.stale == 0 && self.extra == 0
    }
}

pub struct Search {
    pub engine: Arc<dyn Engine>,
    pub indexer: Arc<Indexer>,
    store: Store,
}

fn some(s: &str) -> Option<&str> {
    let s = s.trim();
    (!s.is_empty()).then_some(s)
}

fn date_of(fields: &super::Document) -> Option<String> {
    let n = fields.get("date")?.as_i64()?;
    Some(format!(
        "{:04}-{:02}-{:02}",
        n / 10_000,
        n / 100 % 100,
        n % 100
    ))
}

impl Search {
    pub fn new(store: Store, engine: Arc<dyn Engine>) -> Self {
        Self {
            indexer: Arc::new(Indexer::new(store.clone(), engine.clone())),
            engine,
            store,
        }
    }

    /// Opens the engine's indexes and brings them to the outbox log: an index
    /// created empty, or one too far behind, is filled from the database.
    pub async fn prepare(&self) -> Result<(), SearchError> {
        let fresh = self.engine.prepare(&DEFINITIONS).await?;
        self.indexer.open(&fresh).await?;
        self.store.search_changed();
        Ok(())
    }

    /// Builds every index anew from the database (`mingjing reindex`), reading
    /// the rows directly in large batches rather than through the outbox, and
    /// puts each in place of the live one when it is complete (`Engine::replace`):
    /// searches meanwhile see the old index, never a half-filled one. Rows
    /// changed while it runs are queued again at the end, so a change that
    /// raced the rebuild is not left stale.
    pub async fn rebuild(&self) -> Result<usize, SearchError> {
        let started = chrono::Utc::now();
        let mut total = 0;
        for def in DEFINITIONS.all() {
            let mut batches = super::outbox::FromDatabase::new(&self.store, def).await?;
            total += self.engine.replace(&DEFINITIONS, def, &mut batches).await?;
            super::outbox::enqueue_changed_since(self.store.conn(), &def.name, started).await?;
        }
        self.indexer.drain().await?;
        Ok(total)
    }

    /// How an index differs from what the database says it should hold.
    pub async fn compare(&self, def: &IndexDef) -> Result<Diff, SearchError> {
        let indexed = self.engine.versions(def).await?;
        let expected = super::documents::expected_versions(&self.store, &def.name).await?;
        let mut diff = Diff {
            expected: expected.len(),
            ..Default::default()
        };
        for (id, version) in &expected {
            match indexed.get(id) {
                None => diff.missing += 1,
                Some(v) if v != version => diff.stale += 1,
                Some(_) => {}
            }
        }
        diff.extra = indexed
            .keys()
            .filter(|id| !expected.contains_key(*id))
            .count();
        Ok(diff)
    }

    pub async fn health(&self) -> Health {
        let engine = self.engine.health().await.err();
        let error = engine
            .map(|e| e.to_string())
            .or_else(|| self.indexer.last_error());
        Health {
            engine: self.engine.name(),
            status: if error.is_some() { "unavailable" } else { "ok" },
            error,
            lag: self.indexer.lag().await.ok(),
        }
    }

    /// The public scope: procedures, disclosed cases, published answers.
    pub async fn public(&self, p: &Params, lang: &str) -> Result<Results, SearchError> {
        check_query(p)?;
        let page = page_of(p);
        let sort = sort_of(p, false);
        let mut filters: Vec<(String, Filter)> = Vec::new();
        for (field, value) in [
            ("agency_type", &p.agency_type),
            ("agency_id", &p.agency),
            ("year", &p.year),
            ("category", &p.category),
        ] {
            if let Some(v) = some(value) {
                filters.push((
                    field.to_owned(),
                    Filter::AnyOf {
                        field: field.to_owned(),
                        values: vec![v.to_owned()],
                    },
                ));
            }
        }
        let wanted = some(&p.kind_of_result);
        let mut results: Vec<(&IndexDef, super::IndexResult)> = Vec::new();
        let mut type_counts: BTreeMap<String, u64> = BTreeMap::new();
        let queries: Vec<(&IndexDef, IndexQuery)> = [
            &DEFINITIONS.procedures,
            &DEFINITIONS.cases,
            &DEFINITIONS.answers,
        ]
        .into_iter()
        // An index without a filtered field has nothing that matches it.
        .filter(|def| filters.iter().all(|(f, _)| def.field(f).is_some()))
        .map(|def| {
            let query = IndexQuery {
                text: p.q.clone(),
                filters: filters.iter().map(|(_, f)| f.clone()).collect(),
                order: order_of(def, &sort),
                offset: 0,
                limit: page * PUBLIC_PER_PAGE,
                any_word: false,
            };
            (def, query)
        })
        .collect();
        let answers = self.engine.search_many(&queries).await?;
        for ((def, _), r) in queries.iter().zip(answers) {
            let def: &IndexDef = def;
            if r.total > 0 {
                type_counts.insert(def.name.clone(), r.total as u64);
            }
            if wanted.is_none_or(|w| w == def.name) {
                results.push((def, r));
            }
        }
        let mut out = merge(results, page, PUBLIC_PER_PAGE, &sort, lang, p);
        out.facets
            .insert(0, facet("type", type_counts, wanted.unwrap_or_default()));
        Ok(out)
    }

    /// Petitions of `agencies` that do not name staff member `viewer`, sharing
    /// words with `words`, the most alike first: the candidates of duplicate
    /// detection (重复信访), which the caller compares in full.
    pub async fn similar_petitions(
        &self,
        viewer: crate::domain::ids::StaffId,
        agencies: &[crate::domain::ids::AgencyId],
        words: &[String],
        limit: usize,
    ) -> Result<Vec<crate::domain::ids::PetitionId>, SearchError> {
        if words.is_empty() || agencies.is_empty() {
            return Ok(Vec::new());
        }
        let query = IndexQuery {
            text: words.join(" "),
            filters: vec![
                Filter::AnyOf {
                    field: "agency_id".into(),
                    values: agencies.iter().map(ToString::to_string).collect(),
                },
                Filter::NoneOf {
                    field: "recused".into(),
                    values: vec![viewer.to_string()],
                },
            ],
            order: super::Order::Relevance,
            offset: 0,
            limit,
            any_word: true,
        };
        let r = self.engine.search(&DEFINITIONS.petitions, &query).await?;
        Ok(r.hits
            .iter()
            .filter_map(|h| h.id.parse().ok().map(crate::domain::ids::PetitionId))
            .collect())
    }

    /// The staff scope: petitions of the staff member's agency that do not name them.
    pub async fn staff(
        &self,
        staff: &StaffMember,
        p: &Params,
        today: NaiveDate,
        lang: &str,
    ) -> Result<Results, SearchError> {
        check_query(p)?;
        let def = &DEFINITIONS.petitions;
        let page = page_of(p);
        let sort = sort_of(p, true);
        let mut filters = vec![
            Filter::AnyOf {
                field: "agency_id".into(),
                values: vec![staff.agency_id.to_string()],
            },
            Filter::NoneOf {
                field: "recused".into(),
                values: vec![staff.id.to_string()],
            },
        ];
        for (field, value) in [
            ("kind", &p.kind),
            ("status", &p.status),
            ("category", &p.category),
            ("handler_id", &p.handler),
            ("year", &p.year),
        ] {
            if let Some(v) = some(value) {
                filters.push(Filter::AnyOf {
                    field: field.into(),
                    values: vec![v.to_owned()],
                });
            }
        }
        if some(&p.overdue).is_some_and(|v| v == "1" || v == "true" || v == "on") {
            filters.push(Filter::Range {
                field: "next_due".into(),
                min: None,
                max: Some(ymd(today.pred_opt().unwrap_or(today))),
            });
        }
        let day = |s: &str| {
            NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
                .ok()
                .map(ymd)
        };
        let (from, to) = (day(&p.from), day(&p.to));
        if from.is_some() || to.is_some() {
            filters.push(Filter::Range {
                field: "date".into(),
                min: from,
                max: to,
            });
        }
        let query = IndexQuery {
            text: p.q.clone(),
            filters,
            order: order_of(def, &sort),
            offset: (page - 1) * STAFF_PER_PAGE,
            limit: STAFF_PER_PAGE,
            any_word: false,
        };
        let r = self.engine.search(def, &query).await?;
        let total = r.total;
        let mut facets: Vec<Facet> = Vec::new();
        for (name, counts) in &r.facets {
            let selected = match name.as_str() {
                "kind" => &p.kind,
                "status" => &p.status,
                "category" => &p.category,
                "handler_id" => &p.handler,
                "year" => &p.year,
                _ => "",
            };
            if name != "agency_id" {
                facets.push(facet(name, counts.clone(), selected));
            }
        }
        let hits = r.hits.into_iter().map(|h| to_hit(def, h, lang)).collect();
        Ok(Results {
            query: p.q.clone(),
            total,
            page,
            pages: total.div_ceil(STAFF_PER_PAGE).min(MAX_PAGE),
            sort,
            hits,
            facets,
        })
    }
}

fn page_of(p: &Params) -> usize {
    p.page
        .trim()
        .parse::<usize>()
        .unwrap_or(1)
        .clamp(1, MAX_PAGE)
}

fn sort_of(p: &Params, staff: bool) -> String {
    match p.sort.trim() {
        "newest" => "newest",
        "deadline" if staff => "deadline",
        "relevance" => "relevance",
        // With no words there is no relevance: newest first.
        _ if p.q.trim().is_empty() => "newest",
        _ => "relevance",
    }
    .to_owned()
}

fn order_of(def: &IndexDef, sort: &str) -> Order {
    match sort {
        "newest" => Order::Field {
            field: def.date_field.clone(),
            descending: true,
        },
        "deadline" => Order::Field {
            field: "next_due".into(),
            descending: false,
        },
        _ => Order::Relevance,
    }
}

fn facet(name: &str, counts: BTreeMap<String, u64>, selected: &str) -> Facet {
    let mut values: Vec<FacetValue> = counts
        .into_iter()
        .map(|(value, count)| FacetValue {
            selected: value == selected,
            value,
            count,
        })
        .collect();
    // Years newest first; everything else by how many it holds.
    if name == "year" {
        values.sort_by(|a, b| b.value.cmp(&a.value));
    } else {
        values.sort_by(|a, b| b.count.cmp(&a.count).then(a.value.cmp(&b.value)));
    }
    Facet {
        name: name.to_owned(),
        values,
    }
}

/// One ranked list from the public indexes: by score (or date), then sliced to the page.
fn merge(
    results: Vec<(&IndexDef, super::IndexResult)>,
    page: usize,
    per_page: usize,
    sort: &str,
    lang: &str,
    p: &Params,
) -> Results {
    let total: usize = results.iter().map(|(_, r)| r.total).sum();
    let mut facet_sums: BTreeMap<String, BTreeMap<String, u64>> = BTreeMap::new();
    let mut all: Vec<(&IndexDef, EngineHit)> = Vec::new();
    for (def, r) in results {
        for (name, counts) in r.facets {
            let sums = facet_sums.entry(name).or_default();
            for (v, c) in counts {
                *sums.entry(v).or_default() += c;
            }
        }
        all.extend(r.hits.into_iter().map(|h| (def, h)));
    }
    if sort == "newest" {
        let date = |h: &EngineHit| h.fields.get("date").and_then(|v| v.as_i64()).unwrap_or(0);
        all.sort_by_key(|b| std::cmp::Reverse(date(&b.1)));
    } else {
        all.sort_by(|a, b| b.1.score.total_cmp(&a.1.score));
    }
    let hits = all
        .into_iter()
        .skip((page - 1) * per_page)
        .take(per_page)
        .map(|(def, h)| to_hit(def, h, lang))
        .collect();
    let facets = ["agency_type", "agency_id", "category", "year"]
        .into_iter()
        .filter_map(|name| {
            let counts = facet_sums.remove(name)?;
            let selected = match name {
                "agency_type" => &p.agency_type,
                "agency_id" => &p.agency,
                "category" => &p.category,
                _ => &p.year,
            };
            Some(facet(name, counts, selected))
        })
        .collect();
    Results {
        query: p.q.clone(),
        total,
        page,
        pages: total.div_ceil(per_page).min(MAX_PAGE),
        sort: sort.to_owned(),
        hits,
        facets,
    }
}

fn to_hit(def: &IndexDef, mut h: EngineHit, lang: &str) -> Hit {
    // Who is recused is for the filter, not for display.
    h.fields.remove("recused");
    let en = lang == "en";
    let (title_fields, snippet_fields, url): (&[&str], &[&str], String) = match def.name.as_str() {
        "procedures" => (
            if en {
                &["title_en", "title_zh"]
            } else {
                &["title_zh", "title_en"]
            },
            if en {
                &["summary_en", "summary_zh"]
            } else {
                &["summary_zh", "summary_en"]
            },
            format!("/procedures/{}", h.id),
        ),
        "cases" => (
            &["title"],
            &["summary", "case_number"],
            format!("/cases/{}", h.id),
        ),
        "answers" => (&["title"], &["answer"], format!("/answers/{}", h.id)),
        _ => (
            &["title"],
            &["description", "subject", "tracking_number"],
            format!(
                "/staff/petitions/{}",
                h.fields
                    .get("tracking_number")
                    .and_then(|v| v.as_str())
                    .unwrap_or_default()
            ),
        ),
    };
    let pick = |names: &[&str], cut: usize| -> String {
        for n in names {
            if let Some(html) = h.highlights.get(*n) {
                return html.clone();
            }
        }
        names
            .iter()
            .find_map(|n| {
                h.fields
                    .get(*n)
                    .and_then(|v| v.as_str())
                    .filter(|s| !s.is_empty())
            })
            .map(|s| {
                let short: String = s.chars().take(cut).collect();
                let more = if short.len() < s.len() { "…" } else { "" };
                format!("{}{more}", escape(&short))
            })
            .unwrap_or_default()
    };
    Hit {
        index: def.name.clone(),
        title: pick(title_fields, 200),
        snippet: pick(snippet_fields, 120),
        url,
        agency_id: h
            .fields
            .get("agency_id")
            .and_then(|v| v.as_str())
            .and_then(|s| s.parse().ok()),
        date: date_of(&h.fields),
        id: h.id,
        fields: h.fields,
    }
}
