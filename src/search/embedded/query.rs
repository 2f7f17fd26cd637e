//! Queries on the embedded index: the words of a search over the text fields,
//! weighted, with phrases, typos and any-word search; the filters; and a
//! search's hits, facet counts and highlighted snippets.

use super::*;
use crate::search::definitions::{FieldKind, IndexDef};
use crate::search::text::{Part, parse_query};
use crate::search::{
    Document, EngineHit, Filter, IndexQuery, IndexResult, Order, SearchError, mark,
};
use std::collections::BTreeMap;
use std::ops::Bound;
use tantivy::aggregation::{AggregationCollector, agg_req::Aggregations};
use tantivy::collector::{Count, TopDocs};
use tantivy::query::{
    AllQuery, BooleanQuery, BoostQuery, ConstScoreQuery, FuzzyTermQuery, Occur, PhraseQuery, Query,
    RangeQuery, TermQuery,
};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::snippet::SnippetGenerator;
use tantivy::{TantivyDocument, Term};

/// The query for `text` over the index's text fields, weighted; `None` for no words.
fn text_query(t: &Tantivy, def: &IndexDef, text: &str, any_word: bool) -> Option<Box<dyn Query>> {
    let parts = parse_query(text);
    if parts.is_empty() {
        return None;
    }
    let fields: Vec<(Field, f32)> = def
        .searchable()
        .into_iter()
        .map(|f| (t.fields[&f.name], f.weight))
        .collect();
    let words = |ws: &[(usize, String)], fuzzy: bool| -> Box<dyn Query> {
        let mut should: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for &(field, weight) in &fields {
            let q: Box<dyn Query> = if ws.len() == 1 {
                Box::new(TermQuery::new(
                    Term::from_field_text(field, &ws[0].1),
                    IndexRecordOption::WithFreqs,
                ))
            } else {
                Box::new(PhraseQuery::new_with_offset(
                    ws.iter()
                        .map(|(p, w)| (*p, Term::from_field_text(field, w)))
                        .collect(),
                ))
            };
            should.push((Occur::Should, Box::new(BoostQuery::new(q, weight))));
            // A typo in a Latin-script word: one edit from five letters, two from nine.
            let w = &ws[0].1;
            if fuzzy && ws.len() == 1 && w.len() >= 5 && w.chars().all(|c| c.is_ascii_alphabetic())
            {
                let distance = if w.len() >= 9 { 2 } else { 1 };
                should.push((
                    Occur::Should,
                    Box::new(BoostQuery::new(
                        Box::new(FuzzyTermQuery::new(
                            Term::from_field_text(field, w),
                            distance,
                            true,
                        )),
                        weight * 0.3,
                    )),
                ));
            }
        }
        Box::new(BooleanQuery::new(should))
    };
    let must: Vec<(Occur, Box<dyn Query>)> = parts
        .iter()
        .map(|part| {
            let q = match part {
                Part::Word(w) => match crate::search::text::pieces(w) {
                    // The word itself ranks above its pieces standing side by side.
                    Some(pieces) => Box::new(BooleanQuery::new(vec![
                        (Occur::Should, words(&[(0, w.clone())], true)),
                        (
                            Occur::Should,
                            Box::new(BoostQuery::new(words(&pieces, false), 0.8)) as Box<dyn Query>,
                        ),
                    ])) as Box<dyn Query>,
                    None => words(&[(0, w.clone())], true),
                },
                Part::Phrase(ws) => words(ws, false),
                Part::AnyOf(members) => Box::new(BooleanQuery::new(
                    members
                        .iter()
                        .map(|m| (Occur::Should, words(m, false)))
                        .collect(),
                )) as Box<dyn Query>,
            };
            (if any_word { Occur::Should } else { Occur::Must }, q)
        })
        .collect();
    Some(Box::new(BooleanQuery::new(must)))
}

fn filter_query(
    t: &Tantivy,
    def: &IndexDef,
    filter: &Filter,
) -> Result<(Occur, Box<dyn Query>), SearchError> {
    let field_of = |name: &str| {
        def.field(name)
            .filter(|f| f.kind != FieldKind::Text)
            .map(|f| (t.fields[&f.name], f.kind))
            .ok_or_else(|| SearchError::Engine(format!("{}: no filter on {name}", def.name)))
    };
    let any = |name: &str, values: &[String]| -> Result<Box<dyn Query>, SearchError> {
        let (field, kind) = field_of(name)?;
        let terms: Vec<(Occur, Box<dyn Query>)> = values
            .iter()
            .filter_map(|v| match kind {
                FieldKind::Int => v
                    .parse::<i64>()
                    .ok()
                    .map(|n| Term::from_field_i64(field, n)),
                _ => Some(Term::from_field_text(field, v)),
            })
            .map(|term| {
                (
                    Occur::Should,
                    Box::new(TermQuery::new(term, IndexRecordOption::Basic)) as Box<dyn Query>,
                )
            })
            .collect();
        Ok(Box::new(BooleanQuery::new(terms)))
    };
    Ok(match filter {
        Filter::AnyOf { field, values } => (Occur::Must, any(field, values)?),
        Filter::NoneOf { field, values } => (Occur::MustNot, any(field, values)?),
        Filter::Range { field, min, max } => {
            let (f, _) = field_of(field)?;
            let bound = |v: &Option<i64>| match v {
                Some(n) => Bound::Included(Term::from_field_i64(f, *n)),
                None => Bound::Unbounded,
            };
            (
                Occur::Must,
                Box::new(RangeQuery::new(bound(min), bound(max))) as Box<dyn Query>,
            )
        }
    })
}

fn json_key(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Number(n) => n
            .as_i64()
            .map(|i| i.to_string())
            .or_else(|| n.as_f64().map(|f| format!("{f:.0}")))
            .unwrap_or_default(),
        other => other.to_string(),
    }
}

impl Tantivy {
    pub(super) fn search(
        &self,
        def: &IndexDef,
        q: &IndexQuery,
    ) -> Result<IndexResult, SearchError> {
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        let text = text_query(self, def, &q.text, q.any_word);
        let has_text = text.is_some();
        clauses.push((Occur::Must, text.unwrap_or_else(|| Box::new(AllQuery))));
        for f in &q.filters {
            let (occur, query) = filter_query(self, def, f)?;
            clauses.push((occur, Box::new(ConstScoreQuery::new(query, 0.0))));
        }
        let query = BooleanQuery::new(clauses);
        let searcher = self.reader.searcher();
        let facets: serde_json::Map<String, serde_json::Value> = def
            .facets()
            .map(|f| {
                (
                    f.name.clone(),
                    serde_json::json!({"terms": {"field": f.name, "size": 1000}}),
                )
            })
            .collect();
        let aggs: Aggregations =
            serde_json::from_value(serde_json::Value::Object(facets)).map_err(engine_err)?;
        let agg = AggregationCollector::from_aggs(aggs, Default::default());
        let limit = q.limit.max(1);
        let (total, scored, agg_result): (usize, Vec<(f32, tantivy::DocAddress)>, _) =
            match &q.order {
                Order::Relevance => {
                    let top = TopDocs::with_limit(limit)
                        .and_offset(q.offset)
                        .order_by_score();
                    let (n, docs, a) = searcher
                        .search(&query, &(Count, top, agg))
                        .map_err(engine_err)?;
                    (n, docs, a)
                }
                Order::Field { field, descending } => {
                    let order = if *descending {
                        tantivy::Order::Desc
                    } else {
                        tantivy::Order::Asc
                    };
                    let top = TopDocs::with_limit(limit)
                        .and_offset(q.offset)
                        .order_by_fast_field::<i64>(field.clone(), order);
                    let (n, docs, a) = searcher
                        .search(&query, &(Count, top, agg))
                        .map_err(engine_err)?;
                    (n, docs.into_iter().map(|(_, d)| (0.0, d)).collect(), a)
                }
            };
        let facet_counts = facet_counts(def, &agg_result)?;
        let generators: Vec<(String, SnippetGenerator)> = if has_text {
            def.searchable()
                .into_iter()
                .filter(|f| f.stored)
                .filter_map(|f| {
                    let mut g =
                        SnippetGenerator::create(&searcher, &query, self.fields[&f.name]).ok()?;
                    g.set_max_num_chars(SNIPPET_CHARS);
                    Some((f.name.clone(), g))
                })
                .collect()
        } else {
            Vec::new()
        };
        let mut hits = Vec::with_capacity(scored.len());
        for (score, address) in scored {
            let doc: TantivyDocument = searcher.doc(address).map_err(engine_err)?;
            let fields = from_tantivy(self, &doc);
            let highlights = highlights(&generators, &doc, &fields);
            hits.push(EngineHit {
                id: fields
                    .get("id")
                    .and_then(|v| v.as_str())
                    .unwrap_or_default()
                    .to_owned(),
                score,
                fields,
                highlights,
            });
        }
        Ok(IndexResult {
            total,
            hits,
            facets: facet_counts,
        })
    }
}

/// Each facet's counts by value, from the aggregation's result (values with no hit left out).
fn facet_counts(
    def: &IndexDef,
    agg_result: &tantivy::aggregation::agg_result::AggregationResults,
) -> Result<BTreeMap<String, BTreeMap<String, u64>>, SearchError> {
    let mut facet_counts: BTreeMap<String, BTreeMap<String, u64>> = BTreeMap::new();
    let agg_json = serde_json::to_value(agg_result).map_err(engine_err)?;
    for f in def.facets() {
        let counts = facet_counts.entry(f.name.clone()).or_default();
        if let Some(buckets) = agg_json[&f.name]["buckets"].as_array() {
            for b in buckets {
                let count = b["doc_count"].as_u64().unwrap_or(0);
                if count > 0 {
                    counts.insert(json_key(&b["key"]), count);
                }
            }
        }
    }
    Ok(facet_counts)
}

/// A hit's highlighted snippets, by field: a short field (a title) whole with
/// its marks, a long one as the fragment around them.
fn highlights(
    generators: &[(String, SnippetGenerator)],
    doc: &TantivyDocument,
    fields: &Document,
) -> BTreeMap<String, String> {
    let mut highlights = BTreeMap::new();
    for (name, g) in generators {
        let snippet = g.snippet_from_doc(doc);
        if snippet.highlighted().is_empty() {
            continue;
        }
        let full = fields
            .get(name)
            .and_then(|v| v.as_str())
            .unwrap_or_default();
        let html = if full.chars().count() <= SNIPPET_CHARS {
            // Short (a title): all of it, not a fragment that drops its last mark.
            let start = snippet.fragment_range().start;
            let ranges: Vec<std::ops::Range<usize>> = snippet
                .highlighted()
                .iter()
                .map(|r| r.start + start..r.end + start)
                .collect();
            mark(full, &ranges)
        } else {
            let mut html = mark(snippet.fragment(), snippet.highlighted());
            if snippet.fragment_range().end < full.len() {
                html.push('…');
            }
            html
        };
        highlights.insert(name.clone(), html);
    }
    highlights
}
