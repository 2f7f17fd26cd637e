//! Search: one [`Engine`] trait, two engines — [`embedded::Embedded`] (tantivy with
//! jieba, in the data dir; the default) and [`meili::Meili`] (a Meilisearch server,
//! for scale). Both read the same index definitions (`search/*.toml`).
//!
//! Writes never go to an engine directly: the transaction that changes a procedure,
//! a case or a petition also writes a row to `search_outbox` ([`outbox::enqueue`]),
//! and the [`outbox::Indexer`] applies those rows in batches, so an engine that is
//! down or a process that dies loses nothing — the rows wait. Permissions are part
//! of every query ([`service`]): the public scope reads only public indexes, a staff
//! query carries the staff member's agency and recusal as filters, so counts are right.

pub mod definitions;
pub mod documents;
pub mod embedded;
pub mod meili;
pub mod outbox;
pub mod service;
pub mod text;

pub use definitions::{DEFINITIONS, Definitions, FieldKind, IndexDef};
pub use service::Search;

use std::collections::BTreeMap;

/// A document as both engines take it: `id` (string), `version` (the row's
/// `updated_at` in milliseconds, to compare an index with the database) and the
/// fields of its definition.
pub type Document = serde_json::Map<String, serde_json::Value>;

#[derive(Debug, Clone)]
pub enum Op {
    Upsert(Document),
    Delete(String),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Filter {
    /// The field holds one of these values.
    AnyOf { field: String, values: Vec<String> },
    /// The field holds none of these values.
    NoneOf { field: String, values: Vec<String> },
    /// An int field within [min, max] (either side open).
    Range {
        field: String,
        min: Option<i64>,
        max: Option<i64>,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub enum Order {
    Relevance,
    Field { field: String, descending: bool },
}

/// One query against one index.
#[derive(Debug, Clone)]
pub struct IndexQuery {
    /// What the user typed: words, and phrases in double quotes.
    pub text: String,
    pub filters: Vec<Filter>,
    pub order: Order,
    pub offset: usize,
    pub limit: usize,
    /// Any of the words may match, the more the better (finding similar
    /// texts); a user's query needs all of them.
    pub any_word: bool,
}

#[derive(Debug, Clone)]
pub struct EngineHit {
    pub id: String,
    /// Comparable between indexes of one engine, not between engines.
    pub score: f32,
    /// The stored fields.
    pub fields: Document,
    /// Per text field that matched: HTML, escaped, with the matches in `<mark>`.
    pub highlights: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Default)]
pub struct IndexResult {
    pub total: usize,
    pub hits: Vec<EngineHit>,
    /// Facet field → value → number of matching documents.
    pub facets: BTreeMap<String, BTreeMap<String, u64>>,
}

#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    /// A query the reader can fix; the key names the translated explanation.
    #[error("bad query ({0})")]
    BadQuery(&'static str),
    #[error("search engine unavailable: {0}")]
    Unavailable(String),
    #[error("search engine: {0}")]
    Engine(String),
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
}

impl From<sea_orm::DbErr> for SearchError {
    fn from(e: sea_orm::DbErr) -> Self {
        SearchError::Store(e.into())
    }
}

#[async_trait::async_trait]
pub trait Engine: Send + Sync {
    fn name(&self) -> &'static str;
    /// Who reads the outbox log for this engine's indexes (`search_cursors`):
    /// one id per embedded index directory, one per Meilisearch server and prefix.
    fn consumer(&self) -> Result<String, SearchError>;
    /// Creates the indexes and applies the definitions; returns the indexes that
    /// were created empty (so the caller fills them from the database).
    async fn prepare(&self, defs: &Definitions) -> Result<Vec<String>, SearchError>;
    /// Applies upserts and deletes; visible to searches when it returns.
    async fn apply(&self, index: &IndexDef, ops: Vec<Op>) -> Result<(), SearchError>;
    async fn search(
        &self,
        index: &IndexDef,
        query: &IndexQuery,
    ) -> Result<IndexResult, SearchError>;
    /// Several queries at once, answered in order (one round trip where the
    /// engine can: the public scope asks three indexes).
    async fn search_many(
        &self,
        queries: &[(&IndexDef, IndexQuery)],
    ) -> Result<Vec<IndexResult>, SearchError> {
        let mut out = Vec::with_capacity(queries.len());
        for (def, q) in queries {
            out.push(self.search(def, q).await?);
        }
        Ok(out)
    }
    /// Every document's id and version, to compare with the database.
    async fn versions(&self, index: &IndexDef) -> Result<BTreeMap<String, i64>, SearchError>;
    /// Replaces everything in `index` with the documents `batches` yields (a
    /// rebuild). Searches see the old contents until the new ones are complete,
    /// then all of them at once; on an error the old contents stay.
    async fn replace(
        &self,
        defs: &Definitions,
        index: &IndexDef,
        batches: &mut dyn Batches,
    ) -> Result<usize, SearchError>;
    async fn health(&self) -> Result<(), SearchError>;
}

/// The documents of a rebuild, a batch at a time.
#[async_trait::async_trait]
pub trait Batches: Send {
    /// The next batch; `None` when there are no more.
    async fn next(&mut self) -> Result<Option<Vec<Document>>, SearchError>;
}

/// An engine that can be switched off, for outage drills: it passes every call to
/// the engine it wraps, and while `down` is set fails each one the way an
/// unreachable server does. The tests use it to show that nothing is lost.
pub struct Switchable {
    inner: std::sync::Arc<dyn Engine>,
    pub down: std::sync::atomic::AtomicBool,
}

impl Switchable {
    pub fn new(inner: std::sync::Arc<dyn Engine>) -> Self {
        Self {
            inner,
            down: Default::default(),
        }
    }

    fn check(&self) -> Result<(), SearchError> {
        if self.down.load(std::sync::atomic::Ordering::SeqCst) {
            Err(SearchError::Unavailable(
                "connection refused (drill)".into(),
            ))
        } else {
            Ok(())
        }
    }
}

#[async_trait::async_trait]
impl Engine for Switchable {
    fn name(&self) -> &'static str {
        self.inner.name()
    }
    fn consumer(&self) -> Result<String, SearchError> {
        self.inner.consumer()
    }
    async fn prepare(&self, defs: &Definitions) -> Result<Vec<String>, SearchError> {
        self.check()?;
        self.inner.prepare(defs).await
    }
    async fn apply(&self, index: &IndexDef, ops: Vec<Op>) -> Result<(), SearchError> {
        self.check()?;
        self.inner.apply(index, ops).await
    }
    async fn search(&self, index: &IndexDef, q: &IndexQuery) -> Result<IndexResult, SearchError> {
        self.check()?;
        self.inner.search(index, q).await
    }
    async fn search_many(
        &self,
        queries: &[(&IndexDef, IndexQuery)],
    ) -> Result<Vec<IndexResult>, SearchError> {
        self.check()?;
        self.inner.search_many(queries).await
    }
    async fn versions(&self, index: &IndexDef) -> Result<BTreeMap<String, i64>, SearchError> {
        self.check()?;
        self.inner.versions(index).await
    }
    async fn replace(
        &self,
        defs: &Definitions,
        index: &IndexDef,
        batches: &mut dyn Batches,
    ) -> Result<usize, SearchError> {
        self.check()?;
        self.inner.replace(defs, index, batches).await
    }
    async fn health(&self) -> Result<(), SearchError> {
        self.check()?;
        self.inner.health().await
    }
}

/// Escapes `text` for HTML and wraps the byte ranges in `<mark>`; ranges may overlap.
pub fn mark(text: &str, ranges: &[std::ops::Range<usize>]) -> String {
    let mut ranges: Vec<std::ops::Range<usize>> = ranges
        .iter()
        .filter(|r| r.start < r.end && r.end <= text.len())
        .cloned()
        .collect();
    ranges.sort_by_key(|r| r.start);
    let mut merged: Vec<std::ops::Range<usize>> = Vec::new();
    for r in ranges {
        match merged.last_mut() {
            Some(last) if r.start <= last.end => last.end = last.end.max(r.end),
            _ => merged.push(r),
        }
    }
    let mut out = String::with_capacity(text.len() + 16);
    let mut at = 0;
    for r in merged {
        if !text.is_char_boundary(r.start) || !text.is_char_boundary(r.end) {
            continue;
        }
        out.push_str(&escape(&text[at..r.start]));
        out.push_str("<mark>");
        out.push_str(&escape(&text[r.start..r.end]));
        out.push_str("</mark>");
        at = r.end;
    }
    out.push_str(&escape(&text[at..]));
    out
}

pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#x27;"),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marks_are_merged_and_everything_else_is_escaped() {
        let t = "申请<b>国家赔偿</b>";
        let s = t.find("国家").unwrap();
        assert_eq!(
            mark(t, &[s..s + 6, s + 6..s + 12, s..s + 12]),
            "申请&lt;b&gt;<mark>国家赔偿</mark>&lt;&#x2F;b&gt;".replace("&#x2F;", "/")
        );
    }
}
