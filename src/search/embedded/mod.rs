//! The embedded engine: one tantivy index per definition under `<data dir>/search/`,
//! words cut by jieba ([`super::text`]). Needs no server; one process writes it
//! (tantivy's lock), so a second `mingjing` on the same data dir that tries to
//! write gets a clear error.//!
//! This file holds the indexes, their schema and documents, and the writes;
//! `query` the searches.

mod query;

use super::definitions::{Definitions, FieldKind, IndexDef};
use super::text::JiebaTokenizer;
use super::{Document, IndexQuery, IndexResult, Op, SearchError};
use sha2::Digest;
use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, RwLock};
use tantivy::collector::DocSetCollector;
use tantivy::query::AllQuery;
use tantivy::schema::{
    Field, IndexRecordOption, NumericOptions, OwnedValue, STORED, STRING, Schema,
    TextFieldIndexing, TextOptions, Value,
};
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument, Term};

/// Bumped when the way documents are indexed changes, so old indexes are rebuilt.
const LAYOUT: &str = "mingjing-tantivy-1";
const TOKENIZER: &str = "mj_jieba";
/// The longest snippet, in characters; shorter texts are shown whole.
const SNIPPET_CHARS: usize = 160;
/// Memory for the writer's buffer: enough for large batches, small for the RSS budget.
const WRITER_BYTES: usize = 64 * 1024 * 1024;

pub struct Embedded {
    dir: PathBuf,
    indexes: RwLock<HashMap<String, Arc<Tantivy>>>,
    /// The directory's reader id, read (or made) once.
    consumer: std::sync::OnceLock<String>,
}

struct Tantivy {
    index: Index,
    reader: IndexReader,
    writing: Mutex<()>,
    fields: HashMap<String, Field>,
    id: Field,
    version: Field,
}

fn engine_err(e: impl std::fmt::Display) -> SearchError {
    SearchError::Engine(e.to_string())
}

impl Embedded {
    pub fn new(dir: PathBuf) -> Self {
        Self {
            dir,
            indexes: RwLock::new(HashMap::new()),
            consumer: std::sync::OnceLock::new(),
        }
    }

    fn get(&self, name: &str) -> Result<Arc<Tantivy>, SearchError> {
        self.indexes
            .read()
            .map_err(engine_err)?
            .get(name)
            .cloned()
            .ok_or_else(|| SearchError::Engine(format!("index {name} is not open")))
    }

    fn open(&self, def: &IndexDef) -> Result<(Tantivy, bool), SearchError> {
        let path = self.dir.join(&def.name);
        let fingerprint = hex::encode(sha2::Sha256::digest(format!("{LAYOUT}{def:?}")));
        let stamp = path.join("mingjing-definition");
        let current = std::fs::read_to_string(&stamp).ok();
        let fresh = current.as_deref() != Some(fingerprint.as_str());
        if fresh && path.exists() {
            // The definition changed: rebuild from the database rather than mix layouts.
            std::fs::remove_dir_all(&path).map_err(engine_err)?;
        }
        std::fs::create_dir_all(&path).map_err(engine_err)?;
        let (schema, fields) = schema(def);
        let index = if fresh {
            Index::create_in_dir(&path, schema).map_err(engine_err)?
        } else {
            Index::open_in_dir(&path).map_err(engine_err)?
        };
        if fresh {
            std::fs::write(&stamp, &fingerprint).map_err(engine_err)?;
        }
        index
            .tokenizers()
            .register(TOKENIZER, JiebaTokenizer { search_mode: true });
        // Also picks up commits of another process on the same data dir
        // (`mingjing reindex` while the server runs).
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::OnCommitWithDelay)
            .try_into()
            .map_err(engine_err)?;
        let id = fields["id"];
        let version = fields["version"];
        Ok((
            Tantivy {
                index,
                reader,
                writing: Mutex::new(()),
                fields,
                id,
                version,
            },
            fresh,
        ))
    }
}

fn schema(def: &IndexDef) -> (Schema, HashMap<String, Field>) {
    let mut b = Schema::builder();
    let mut fields = HashMap::new();
    fields.insert("id".to_owned(), b.add_text_field("id", STRING | STORED));
    fields.insert(
        "version".to_owned(),
        b.add_i64_field("version", NumericOptions::default().set_stored().set_fast()),
    );
    for f in &def.fields {
        let field = match f.kind {
            FieldKind::Text => {
                let mut o = TextOptions::default().set_indexing_options(
                    TextFieldIndexing::default()
                        .set_tokenizer(TOKENIZER)
                        .set_index_option(IndexRecordOption::WithFreqsAndPositions),
                );
                if f.stored {
                    o = o.set_stored();
                }
                b.add_text_field(&f.name, o)
            }
            FieldKind::Keyword => b.add_text_field(&f.name, (STRING | STORED).set_fast("raw")),
            FieldKind::Int => b.add_i64_field(
                &f.name,
                NumericOptions::default()
                    .set_indexed()
                    .set_fast()
                    .set_stored(),
            ),
        };
        fields.insert(f.name.clone(), field);
    }
    (b.build(), fields)
}

fn to_tantivy(t: &Tantivy, def: &IndexDef, doc: &Document) -> Result<TantivyDocument, SearchError> {
    let mut d = TantivyDocument::default();
    let id = doc
        .get("id")
        .and_then(|v| v.as_str())
        .ok_or_else(|| SearchError::Engine("document without id".into()))?;
    d.add_text(t.id, id);
    d.add_i64(
        t.version,
        doc.get("version").and_then(|v| v.as_i64()).unwrap_or(0),
    );
    for f in &def.fields {
        let field = t.fields[&f.name];
        let values: Vec<&serde_json::Value> = match doc.get(&f.name) {
            Some(serde_json::Value::Array(a)) => a.iter().collect(),
            Some(serde_json::Value::Null) | None => continue,
            Some(v) => vec![v],
        };
        for v in values {
            match (f.kind, v) {
                (FieldKind::Int, v) => {
                    if let Some(n) = v.as_i64() {
                        d.add_i64(field, n);
                    }
                }
                (_, serde_json::Value::String(s)) => d.add_text(field, s),
                (_, v) => d.add_text(field, v.to_string()),
            }
        }
    }
    Ok(d)
}

fn from_tantivy(t: &Tantivy, doc: &TantivyDocument) -> Document {
    let mut out = Document::new();
    for (name, field) in &t.fields {
        let values: Vec<serde_json::Value> = doc
            .get_all(*field)
            .filter_map(|v| {
                let v: OwnedValue = v.into();
                match v {
                    OwnedValue::Str(s) => Some(serde_json::Value::String(s)),
                    OwnedValue::I64(n) => Some(serde_json::Value::from(n)),
                    _ => None,
                }
            })
            .collect();
        match values.len() {
            0 => {}
            1 => {
                out.insert(name.clone(), values.into_iter().next().unwrap_or_default());
            }
            _ => {
                out.insert(name.clone(), serde_json::Value::Array(values));
            }
        }
    }
    out
}

impl Tantivy {
    /// Takes the index's writer for one batch. Held only while writing, so the
    /// server and `mingjing reindex` can share a data dir: whoever comes second
    /// waits (up to 30 s) for the other's batch instead of failing.
    fn writer(&self) -> Result<IndexWriter, SearchError> {
        let mut waited = 0;
        loop {
            match self.index.writer_with_num_threads(1, WRITER_BYTES) {
                Ok(w) => return Ok(w),
                Err(tantivy::TantivyError::LockFailure(..)) if waited < 300 => {
                    waited += 1;
                    std::thread::sleep(std::time::Duration::from_millis(100));
                }
                Err(e) => return Err(SearchError::Unavailable(e.to_string())),
            }
        }
    }

    fn apply(&self, def: &IndexDef, ops: &[Op]) -> Result<(), SearchError> {
        // One batch at a time in this process.
        let _one = self.writing.lock().map_err(engine_err)?;
        let mut writer = self.writer()?;
        for op in ops {
            match op {
                Op::Upsert(doc) => {
                    let d = to_tantivy(self, def, doc)?;
                    if let Some(id) = doc.get("id").and_then(|v| v.as_str()) {
                        writer.delete_term(Term::from_field_text(self.id, id));
                    }
                    writer.add_document(d).map_err(engine_err)?;
                }
                Op::Delete(id) => {
                    writer.delete_term(Term::from_field_text(self.id, id));
                }
            }
        }
        writer.commit().map_err(engine_err)?;
        // Merges started by the commit finish before the lock is let go.
        writer.wait_merging_threads().map_err(engine_err)?;
        self.reader.reload().map_err(engine_err)
    }

    /// Deletes everything and adds what arrives on `batches`, in one commit: the
    /// readers see the old index until the commit, then the whole new one.
    fn replace(
        &self,
        def: &IndexDef,
        batches: std::sync::mpsc::Receiver<Option<Vec<super::Document>>>,
    ) -> Result<usize, SearchError> {
        let _one = self.writing.lock().map_err(engine_err)?;
        let mut writer = self.writer()?;
        writer.delete_all_documents().map_err(engine_err)?;
        let mut added = 0;
        loop {
            match batches.recv() {
                Ok(Some(docs)) => {
                    for doc in &docs {
                        writer
                            .add_document(to_tantivy(self, def, doc)?)
                            .map_err(engine_err)?;
                    }
                    added += docs.len();
                }
                // The end: make it all visible at once.
                Ok(None) => break,
                // The sender gave up (the database failed): keep the old index.
                Err(_) => {
                    writer.rollback().map_err(engine_err)?;
                    return Err(SearchError::Engine("the rebuild was interrupted".into()));
                }
            }
        }
        writer.commit().map_err(engine_err)?;
        writer.wait_merging_threads().map_err(engine_err)?;
        self.reader.reload().map_err(engine_err)?;
        Ok(added)
    }
}

#[async_trait::async_trait]
impl super::Engine for Embedded {
    /// Each index directory is its own reader of the log, named by a random id
    /// kept in the directory (a copied or new directory gets its own).
    fn consumer(&self) -> Result<String, SearchError> {
        if let Some(id) = self.consumer.get() {
            return Ok(id.clone());
        }
        let path = self.dir.join("consumer-id");
        let id = match std::fs::read_to_string(&path) {
            Ok(id) if !id.trim().is_empty() => format!("embedded:{}", id.trim()),
            _ => {
                std::fs::create_dir_all(&self.dir).map_err(engine_err)?;
                let id = hex::encode(rand::random::<[u8; 8]>());
                std::fs::write(&path, &id).map_err(engine_err)?;
                format!("embedded:{id}")
            }
        };
        Ok(self.consumer.get_or_init(|| id).clone())
    }

    fn name(&self) -> &'static str {
        "embedded"
    }

    async fn prepare(&self, defs: &Definitions) -> Result<Vec<String>, SearchError> {
        let mut fresh = Vec::new();
        let mut opened = HashMap::new();
        for def in defs.all() {
            let (t, is_fresh) = self.open(def)?;
            if is_fresh {
                fresh.push(def.name.clone());
            }
            opened.insert(def.name.clone(), Arc::new(t));
        }
        *self.indexes.write().map_err(engine_err)? = opened;
        Ok(fresh)
    }

    async fn apply(&self, def: &IndexDef, ops: Vec<Op>) -> Result<(), SearchError> {
        let t = self.get(&def.name)?;
        let def = def.clone();
        tokio::task::spawn_blocking(move || t.apply(&def, &ops))
            .await
            .map_err(engine_err)?
    }

    async fn search(&self, def: &IndexDef, q: &IndexQuery) -> Result<IndexResult, SearchError> {
        self.get(&def.name)?.search(def, q)
    }

    async fn versions(&self, def: &IndexDef) -> Result<BTreeMap<String, i64>, SearchError> {
        let t = self.get(&def.name)?;
        let searcher = t.reader.searcher();
        let all = searcher
            .search(&AllQuery, &DocSetCollector)
            .map_err(engine_err)?;
        let mut out = BTreeMap::new();
        for address in all {
            let doc: TantivyDocument = searcher.doc(address).map_err(engine_err)?;
            let id = doc
                .get_first(t.id)
                .and_then(|v| v.as_str().map(str::to_owned));
            let version = doc.get_first(t.version).and_then(|v| v.as_i64());
            if let (Some(id), Some(version)) = (id, version) {
                out.insert(id, version);
            }
        }
        Ok(out)
    }

    async fn replace(
        &self,
        _defs: &Definitions,
        def: &IndexDef,
        batches: &mut dyn super::Batches,
    ) -> Result<usize, SearchError> {
        let t = self.get(&def.name)?;
        let owned = def.clone();
        // The writer lives on a blocking thread; batches reach it two at a time.
        let (tx, rx) = std::sync::mpsc::sync_channel(2);
        let writer = tokio::task::spawn_blocking(move || t.replace(&owned, rx));
        let fed = async {
            while let Some(docs) = batches.next().await? {
                if tx.send(Some(docs)).is_err() {
                    break;
                }
            }
            Ok::<(), SearchError>(())
        }
        .await;
        if fed.is_ok() {
            let _ = tx.send(None);
        }
        drop(tx);
        let written = writer.await.map_err(engine_err)?;
        fed?;
        written
    }

    async fn health(&self) -> Result<(), SearchError> {
        if self.indexes.read().map_err(engine_err)?.is_empty() {
            return Err(SearchError::Unavailable("indexes not open".into()));
        }
        Ok(())
    }
}
