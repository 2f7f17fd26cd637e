//! The index definitions in `search/` (data, shared by both engines), read once.

use serde::Deserialize;
use std::sync::LazyLock;

/// What a field holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldKind {
    /// Words, Chinese or English: searched, highlighted.
    Text,
    /// One or more exact values: filtered and counted.
    Keyword,
    /// A whole number (a year, a date as YYYYMMDD): filtered by range, sorted.
    Int,
}

#[derive(Debug, Clone, Deserialize)]
pub struct FieldDef {
    pub name: String,
    pub kind: FieldKind,
    /// Ranking weight of a text field.
    #[serde(default = "one")]
    pub weight: f32,
    /// Counted beside the results (and so filterable).
    #[serde(default)]
    pub facet: bool,
    #[serde(default)]
    pub sortable: bool,
    /// Returned with a hit. Long texts are searched but not returned.
    #[serde(default = "yes")]
    pub stored: bool,
    /// A number people copy (a tracking or case number): matched as typed,
    /// never with a typo forgiven.
    #[serde(default)]
    pub identifier: bool,
}

fn one() -> f32 {
    1.0
}

fn yes() -> bool {
    true
}

#[derive(Debug, Clone, Deserialize)]
pub struct IndexDef {
    pub name: String,
    /// Whether the public may search it.
    pub public: bool,
    pub date_field: String,
    #[serde(rename = "field")]
    pub fields: Vec<FieldDef>,
}

impl IndexDef {
    pub fn field(&self, name: &str) -> Option<&FieldDef> {
        self.fields.iter().find(|f| f.name == name)
    }

    /// Text fields, heaviest first (Meilisearch ranks attributes by this order).
    pub fn searchable(&self) -> Vec<&FieldDef> {
        let mut v: Vec<&FieldDef> = self
            .fields
            .iter()
            .filter(|f| f.kind == FieldKind::Text)
            .collect();
        v.sort_by(|a, b| b.weight.total_cmp(&a.weight));
        v
    }

    /// Every field a filter may name: keywords and numbers.
    pub fn filterable(&self) -> impl Iterator<Item = &FieldDef> {
        self.fields.iter().filter(|f| f.kind != FieldKind::Text)
    }

    pub fn facets(&self) -> impl Iterator<Item = &FieldDef> {
        self.fields.iter().filter(|f| f.facet)
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct Common {
    pub synonyms: Vec<Vec<String>>,
    pub stop_words: Vec<String>,
}

#[derive(Debug)]
pub struct Definitions {
    pub common: Common,
    pub procedures: IndexDef,
    pub cases: IndexDef,
    pub answers: IndexDef,
    pub petitions: IndexDef,
}

impl Definitions {
    pub fn all(&self) -> [&IndexDef; 4] {
        [
            &self.procedures,
            &self.cases,
            &self.answers,
            &self.petitions,
        ]
    }

    pub fn by_name(&self, name: &str) -> Option<&IndexDef> {
        self.all().into_iter().find(|d| d.name == name)
    }

    /// The synonyms of `word` (itself excluded).
    pub fn synonyms_of(&self, word: &str) -> impl Iterator<Item = &str> {
        self.common
            .synonyms
            .iter()
            .filter(move |g| g.iter().any(|w| w == word))
            .flat_map(|g| g.iter())
            .map(String::as_str)
            .filter(move |w| *w != word)
    }
}

fn parse(name: &str, text: &str) -> IndexDef {
    match toml::from_str::<IndexDef>(text) {
        Ok(d) => d,
        // The files are compiled in and a unit test parses them: this cannot happen in a build that passed its tests.
        Err(e) => panic!("search/{name}.toml: {e}"),
    }
}

pub static DEFINITIONS: LazyLock<Definitions> = LazyLock::new(|| Definitions {
    common: match toml::from_str(include_str!("../../search/common.toml")) {
        Ok(c) => c,
        Err(e) => panic!("search/common.toml: {e}"),
    },
    procedures: parse("procedures", include_str!("../../search/procedures.toml")),
    cases: parse("cases", include_str!("../../search/cases.toml")),
    answers: parse("answers", include_str!("../../search/answers.toml")),
    petitions: parse("petitions", include_str!("../../search/petitions.toml")),
});

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_definition_reads_and_is_consistent() {
        let d = &*DEFINITIONS;
        for index in d.all() {
            assert!(
                index.field(&index.date_field).is_some(),
                "{}: date field",
                index.name
            );
            assert!(index.field("year").is_some(), "{}: year", index.name);
            assert!(!index.searchable().is_empty(), "{}", index.name);
            for f in &index.fields {
                assert!(
                    !(f.facet && f.kind == FieldKind::Text),
                    "{}.{}: a text field cannot be a facet",
                    index.name,
                    f.name
                );
            }
        }
        assert!(d.petitions.field("contact_name").is_none());
        assert!(!d.petitions.public);
        assert_eq!(d.synonyms_of("上访").collect::<Vec<_>>(), ["信访"]);
    }
}
