//! The Meilisearch engine, for installations that outgrow one machine: the same
//! definitions become index settings (searchable attributes in weight order,
//! filterable and sortable attributes, synonyms, stop words), and every write
//! waits for its task, so "applied" means searchable, as with the embedded engine.
//!
//! Meilisearch cuts Chinese itself (charabia, jieba-based) and forgives typos; the
//! results follow the same definitions but are ranked by Meilisearch's rules.

use super::definitions::{Definitions, FieldKind, IndexDef};
use super::{Document, EngineHit, Filter, IndexQuery, IndexResult, Op, Order, SearchError, escape};
use meilisearch_sdk::client::Client;
use meilisearch_sdk::documents::DocumentsQuery;
use meilisearch_sdk::search::{MatchingStrategies, Selectors};
use meilisearch_sdk::settings::Settings;
use meilisearch_sdk::task_info::TaskInfo;
use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

pub struct Meili {
    client: Client,
    /// Index names are `<prefix>_<definition>`, so several portals (or test runs)
    /// can share one server.
    prefix: String,
}

const PRE: &str = "\u{1}";
const POST: &str = "\u{2}";

fn unavailable(e: impl std::fmt::Display) -> SearchError {
    SearchError::Unavailable(e.to_string())
}

impl Meili {
    /// Documents matching any of the query's words, those matching more of
    /// them first (then by score): one query per word in one `/multi-search`
    /// round trip. Meilisearch's own matching strategies keep a prefix of the
    /// words (`last`) or the rarest ones (`frequency`), so a document missing
    /// the first or the rarest word would never be found. No facets.
    async fn any_word(&self, def: &IndexDef, q: &IndexQuery) -> Result<IndexResult, SearchError> {
        let words: Vec<&str> = q.text.split_whitespace().take(32).collect();
        let queries: Vec<(&IndexDef, IndexQuery)> = words
            .iter()
            .map(|w| {
                (
                    def,
                    IndexQuery {
                        text: (*w).to_owned(),
                        any_word: false,
                        offset: 0,
                        limit: q.offset + q.limit,
                        ..q.clone()
                    },
                )
            })
            .collect();
        let mut found: BTreeMap<String, (usize, f32, EngineHit)> = BTreeMap::new();
        for r in super::Engine::search_many(self, &queries).await? {
            for hit in r.hits {
                let entry = found
                    .entry(hit.id.clone())
                    .or_insert_with(|| (0, 0.0, hit.clone()));
                entry.0 += 1;
                entry.1 += hit.score;
            }
        }
        let total = found.len();
        let mut ranked: Vec<(usize, f32, EngineHit)> = found.into_values().collect();
        ranked.sort_by(|a, b| b.0.cmp(&a.0).then(b.1.total_cmp(&a.1)));
        Ok(IndexResult {
            total,
            hits: ranked
                .into_iter()
                .skip(q.offset)
                .take(q.limit)
                .map(|(n, score, mut hit)| {
                    hit.score = n as f32 + score / (words.len().max(1) as f32);
                    hit
                })
                .collect(),
            facets: BTreeMap::new(),
        })
    }

    pub fn new(url: &str, key: Option<&str>, prefix: &str) -> Result<Self, SearchError> {
        Ok(Self {
            client: Client::new(url, key).map_err(unavailable)?,
            prefix: prefix.to_owned(),
        })
    }

    fn uid(&self, def: &IndexDef) -> String {
        format!("{}_{}", self.prefix, def.name)
    }

    async fn wait(&self, task: TaskInfo) -> Result<(), SearchError> {
        let task = task
            .wait_for_completion(
                &self.client,
                Some(Duration::from_millis(25)),
                Some(Duration::from_secs(120)),
            )
            .await
            .map_err(unavailable)?;
        if task.is_failure() {
            return Err(SearchError::Engine(format!("{:?}", task.unwrap_failure())));
        }
        Ok(())
    }

    fn settings(defs: &Definitions, def: &IndexDef) -> Settings {
        let mut synonyms: HashMap<String, Vec<String>> = HashMap::new();
        for group in &defs.common.synonyms {
            for w in group {
                synonyms.insert(
                    w.clone(),
                    group.iter().filter(|o| *o != w).cloned().collect(),
                );
            }
        }
        let searchable: Vec<String> = def.searchable().iter().map(|f| f.name.clone()).collect();
        let filterable: Vec<String> = def.filterable().map(|f| f.name.clone()).collect();
        let mut sortable: Vec<String> = def
            .fields
            .iter()
            .filter(|f| f.sortable)
            .map(|f| f.name.clone())
            .collect();
        if !sortable.contains(&def.date_field) {
            sortable.push(def.date_field.clone());
        }
        let mut displayed: Vec<String> = vec!["id".into(), "version".into()];
        displayed.extend(
            def.fields
                .iter()
                .filter(|f| f.stored)
                .map(|f| f.name.clone()),
        );
        // A mistyped tracking or case number must find nothing, not a neighbour.
        let typo_tolerance = meilisearch_sdk::settings::TypoToleranceSettings {
            enabled: Some(true),
            disable_on_attributes: Some(
                def.fields
                    .iter()
                    .filter(|f| f.identifier)
                    .map(|f| f.name.clone())
                    .collect(),
            ),
            disable_on_numbers: Some(true),
            ..Default::default()
        };
        Settings::new()
            .with_typo_tolerance(typo_tolerance)
            .with_searchable_attributes(searchable)
            .with_filterable_attributes(filterable)
            .with_sortable_attributes(sortable)
            .with_displayed_attributes(displayed)
            .with_synonyms(synonyms)
            .with_stop_words(defs.common.stop_words.clone())
    }
}

/// One query's settings, owned, so that several can be sent in one request.
struct Plan {
    index: meilisearch_sdk::indexes::Index,
    filter: String,
    facets: Vec<String>,
    highlight: Vec<String>,
    sort: Option<String>,
}

/// The borrowed lists the SDK's query builder takes.
struct Borrowed<'a> {
    facets: Vec<&'a str>,
    highlight: Vec<&'a str>,
    crop: Vec<(&'a str, Option<usize>)>,
    sort: Vec<&'a str>,
}

impl Plan {
    fn new(index: meilisearch_sdk::indexes::Index, def: &IndexDef, q: &IndexQuery) -> Self {
        Self {
            index,
            filter: filter_expression(def, &q.filters),
            facets: def.facets().map(|f| f.name.clone()).collect(),
            highlight: def
                .searchable()
                .into_iter()
                .filter(|f| f.stored)
                .map(|f| f.name.clone())
                .collect(),
            sort: match &q.order {
                Order::Relevance => None,
                Order::Field { field, descending } => Some(format!(
                    "{field}:{}",
                    if *descending { "desc" } else { "asc" }
                )),
            },
        }
    }

    fn borrowed(&self) -> Borrowed<'_> {
        let highlight: Vec<&str> = self.highlight.iter().map(String::as_str).collect();
        Borrowed {
            facets: self.facets.iter().map(String::as_str).collect(),
            // Long texts come back as a window around the matches, like the embedded snippets.
            crop: highlight.iter().map(|f| (*f, None)).collect(),
            highlight,
            sort: self.sort.iter().map(String::as_str).collect(),
        }
    }

    fn query<'a>(
        &'a self,
        b: &'a Borrowed<'a>,
        q: &'a IndexQuery,
    ) -> meilisearch_sdk::search::SearchQuery<'a, meilisearch_sdk::DefaultHttpClient> {
        let mut query = meilisearch_sdk::search::SearchQuery::new(&self.index);
        query
            .with_query(&q.text)
            // Page mode, for an exact total (offset mode only estimates it); every
            // caller asks for whole pages.
            .with_page(q.offset / q.limit.max(1) + 1)
            .with_hits_per_page(q.limit.max(1))
            .with_facets(Selectors::Some(&b.facets))
            .with_attributes_to_highlight(Selectors::Some(&b.highlight))
            .with_attributes_to_crop(Selectors::Some(&b.crop))
            .with_crop_length(60)
            .with_highlight_pre_tag(PRE)
            .with_highlight_post_tag(POST)
            .with_show_ranking_score(true)
            .with_matching_strategy(MatchingStrategies::ALL);
        if !self.filter.is_empty() {
            query.with_filter(&self.filter);
        }
        if !b.sort.is_empty() {
            query.with_sort(&b.sort);
        }
        query
    }

    fn result(&self, r: meilisearch_sdk::search::SearchResults<Document>) -> IndexResult {
        let hits = r
            .hits
            .into_iter()
            .map(|h| {
                let mut highlights = BTreeMap::new();
                if let Some(formatted) = &h.formatted_result {
                    for name in &self.highlight {
                        if let Some(html) = formatted
                            .get(name)
                            .and_then(|v| v.as_str())
                            .and_then(marked)
                        {
                            highlights.insert(name.clone(), html);
                        }
                    }
                }
                EngineHit {
                    id: h
                        .result
                        .get("id")
                        .and_then(|v| v.as_str())
                        .unwrap_or_default()
                        .to_owned(),
                    score: h.ranking_score.unwrap_or(0.0) as f32,
                    fields: h.result,
                    highlights,
                }
            })
            .collect();
        let facets = r
            .facet_distribution
            .unwrap_or_default()
            .into_iter()
            .map(|(name, values)| {
                (
                    name,
                    values
                        .into_iter()
                        .filter(|(_, c)| *c > 0)
                        .map(|(v, c)| (v, c as u64))
                        .collect(),
                )
            })
            .collect();
        IndexResult {
            total: r.total_hits.or(r.estimated_total_hits).unwrap_or(0),
            hits,
            facets,
        }
    }
}

fn quote(v: &str) -> String {
    format!("\"{}\"", v.replace('\\', "\\\\").replace('"', "\\\""))
}

/// The filter expression Meilisearch takes, from ours.
pub fn filter_expression(def: &IndexDef, filters: &[Filter]) -> String {
    let value = |field: &str, v: &str| match def.field(field).map(|f| f.kind) {
        Some(FieldKind::Int) => v
            .parse::<i64>()
            .map_or_else(|_| quote(v), |n| n.to_string()),
        _ => quote(v),
    };
    let list = |field: &str, values: &[String]| {
        values
            .iter()
            .map(|v| value(field, v))
            .collect::<Vec<_>>()
            .join(", ")
    };
    filters
        .iter()
        .map(|f| match f {
            Filter::AnyOf { field, values } => format!("{field} IN [{}]", list(field, values)),
            Filter::NoneOf { field, values } => {
                format!("{field} NOT IN [{}]", list(field, values))
            }
            Filter::Range { field, min, max } => {
                let mut parts = Vec::new();
                if let Some(m) = min {
                    parts.push(format!("{field} >= {m}"));
                }
                if let Some(m) = max {
                    parts.push(format!("{field} <= {m}"));
                }
                if parts.is_empty() {
                    format!("{field} EXISTS")
                } else {
                    format!("({})", parts.join(" AND "))
                }
            }
        })
        .collect::<Vec<_>>()
        .join(" AND ")
}

/// Meilisearch's highlighted text (our markers) as escaped HTML with `<mark>`.
/// Meilisearch marks each token on its own, so a compound word it cut in two
/// (国家赔偿 → 国家 + 赔偿) comes back as two touching marks; they are one
/// match to the reader, as the embedded engine shows it.
fn marked(text: &str) -> Option<String> {
    text.contains(PRE).then(|| {
        escape(&text.replace(&format!("{POST}{PRE}"), ""))
            .replace(PRE, "<mark>")
            .replace(POST, "</mark>")
    })
}

#[async_trait::async_trait]
impl super::Engine for Meili {
    fn name(&self) -> &'static str {
        "meilisearch"
    }

    /// One index for all nodes, so one position in the log.
    fn consumer(&self) -> Result<String, SearchError> {
        Ok(format!("meilisearch:{}", self.prefix))
    }

    async fn prepare(&self, defs: &Definitions) -> Result<Vec<String>, SearchError> {
        let mut fresh = Vec::new();
        for def in defs.all() {
            let uid = self.uid(def);
            if self.client.get_index(&uid).await.is_err() {
                let task = self
                    .client
                    .create_index(&uid, Some("id"))
                    .await
                    .map_err(unavailable)?;
                self.wait(task).await?;
                fresh.push(def.name.clone());
            }
            let task = self
                .client
                .index(&uid)
                .set_settings(&Self::settings(defs, def))
                .await
                .map_err(unavailable)?;
            self.wait(task).await?;
        }
        Ok(fresh)
    }

    async fn apply(&self, def: &IndexDef, ops: Vec<Op>) -> Result<(), SearchError> {
        let index = self.client.index(self.uid(def));
        let mut upserts: Vec<Document> = Vec::new();
        let mut deletes: Vec<String> = Vec::new();
        for op in ops {
            match op {
                Op::Upsert(d) => upserts.push(d),
                Op::Delete(id) => deletes.push(id),
            }
        }
        if !upserts.is_empty() {
            let task = index
                .add_or_replace(&upserts, Some("id"))
                .await
                .map_err(unavailable)?;
            self.wait(task).await?;
        }
        if !deletes.is_empty() {
            let task = index
                .delete_documents(&deletes)
                .await
                .map_err(unavailable)?;
            self.wait(task).await?;
        }
        Ok(())
    }

    async fn search(&self, def: &IndexDef, q: &IndexQuery) -> Result<IndexResult, SearchError> {
        if q.any_word {
            return self.any_word(def, q).await;
        }
        let mut results = self.search_many(&[(def, q.clone())]).await?;
        results
            .pop()
            .ok_or_else(|| SearchError::Engine("no result for the query".into()))
    }

    /// The queries in one `/multi-search` round trip (the public scope asks three indexes).
    async fn search_many(
        &self,
        queries: &[(&IndexDef, IndexQuery)],
    ) -> Result<Vec<IndexResult>, SearchError> {
        let plans: Vec<Plan> = queries
            .iter()
            .map(|(def, q)| Plan::new(self.client.index(self.uid(def)), def, q))
            .collect();
        let borrowed: Vec<Borrowed<'_>> = plans.iter().map(Plan::borrowed).collect();
        let mut multi = self.client.multi_search();
        for ((plan, b), (_, q)) in plans.iter().zip(&borrowed).zip(queries) {
            multi.with_search_query(plan.query(b, q));
        }
        let response = multi.execute::<Document>().await.map_err(unavailable)?;
        Ok(response
            .results
            .into_iter()
            .zip(&plans)
            .map(|(r, plan)| plan.result(r))
            .collect())
    }

    async fn versions(&self, def: &IndexDef) -> Result<BTreeMap<String, i64>, SearchError> {
        let index = self.client.index(self.uid(def));
        let mut out = BTreeMap::new();
        let mut offset = 0;
        loop {
            let page = DocumentsQuery::new(&index)
                .with_fields(["id", "version"])
                .with_offset(offset)
                .with_limit(1000)
                .execute::<Document>()
                .await
                .map_err(unavailable)?;
            let n = page.results.len();
            for d in page.results {
                if let (Some(id), Some(v)) = (
                    d.get("id").and_then(|v| v.as_str()),
                    d.get("version").and_then(|v| v.as_i64()),
                ) {
                    out.insert(id.to_owned(), v);
                }
            }
            if n < 1000 {
                return Ok(out);
            }
            offset += n;
        }
    }

    /// Builds the new contents in a second index with the same settings, then
    /// swaps the two in one task and deletes the old one.
    async fn replace(
        &self,
        defs: &Definitions,
        def: &IndexDef,
        batches: &mut dyn super::Batches,
    ) -> Result<usize, SearchError> {
        let live = self.uid(def);
        let staging = format!("{live}__rebuild");
        if let Ok(task) = self.client.delete_index(&staging).await {
            // Left over from an interrupted rebuild, or absent: either is fine.
            let _ = self.wait(task).await;
        }
        let task = self
            .client
            .create_index(&staging, Some("id"))
            .await
            .map_err(unavailable)?;
        self.wait(task).await?;
        let index = self.client.index(&staging);
        let task = index
            .set_settings(&Self::settings(defs, def))
            .await
            .map_err(unavailable)?;
        self.wait(task).await?;
        let mut added = 0;
        while let Some(docs) = batches.next().await? {
            added += docs.len();
            let task = index
                .add_or_replace(&docs, Some("id"))
                .await
                .map_err(unavailable)?;
            self.wait(task).await?;
        }
        let swap = meilisearch_sdk::client::SwapIndexes {
            indexes: (live, staging.clone()),
            rename: None,
        };
        let task = self
            .client
            .swap_indexes([&swap])
            .await
            .map_err(unavailable)?;
        self.wait(task).await?;
        let task = self
            .client
            .delete_index(&staging)
            .await
            .map_err(unavailable)?;
        self.wait(task).await?;
        Ok(added)
    }

    async fn health(&self) -> Result<(), SearchError> {
        self.client.health().await.map_err(unavailable)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn touching_marks_of_a_cut_compound_are_one() {
        use super::{POST, PRE};
        let text = format!("{PRE}国家{POST}{PRE}赔偿{POST}的申请与<审查>");
        assert_eq!(
            super::marked(&text).unwrap(),
            "<mark>国家赔偿</mark>的申请与&lt;审查&gt;"
        );
        let apart = format!("{PRE}国家{POST}与{PRE}赔偿{POST}");
        assert_eq!(
            super::marked(&apart).unwrap(),
            "<mark>国家</mark>与<mark>赔偿</mark>"
        );
        assert_eq!(super::marked("无"), None);
    }

    use super::*;
    use crate::search::DEFINITIONS;

    #[test]
    fn filters_become_meilisearch_expressions() {
        let def = &DEFINITIONS.petitions;
        let f = filter_expression(
            def,
            &[
                Filter::AnyOf {
                    field: "agency_id".into(),
                    values: vec!["3".into()],
                },
                Filter::NoneOf {
                    field: "recused".into(),
                    values: vec!["7".into()],
                },
                Filter::Range {
                    field: "next_due".into(),
                    min: None,
                    max: Some(20_261_125),
                },
                Filter::AnyOf {
                    field: "status".into(),
                    values: vec!["a\"b".into()],
                },
            ],
        );
        assert_eq!(
            f,
            "agency_id IN [\"3\"] AND recused NOT IN [\"7\"] AND (next_due <= 20261125) AND status IN [\"a\\\"b\"]"
        );
    }
}
