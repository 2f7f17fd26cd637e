//! Words out of Chinese and English text, the same way for documents and queries.
//!
//! Chinese has no spaces, so jieba segments it. Documents are cut in jieba's search
//! mode, which also emits the short words inside long ones (举报 inside 举报人), so a
//! two-character query word matches; queries are cut in the default mode, which
//! gives the longest words. A token's position is its character offset (runs of
//! whitespace counting as one), so a quoted phrase matches where its words stand at
//! the same distances in the document, whichever mode cut them.

use super::definitions::DEFINITIONS;
use jieba_rs::{Jieba, TokenizeMode};
use std::collections::HashSet;
use std::sync::LazyLock;

static JIEBA: LazyLock<Jieba> = LazyLock::new(Jieba::new);
static STOP_WORDS: LazyLock<HashSet<String>> = LazyLock::new(|| {
    DEFINITIONS
        .common
        .stop_words
        .iter()
        .map(|w| w.to_lowercase())
        .collect()
});

/// A word of the text: lowercased, with its position and its byte range.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word {
    pub text: String,
    pub position: usize,
    pub bytes: std::ops::Range<usize>,
}

/// The words of `text`; `search_mode` for documents, not for queries.
pub fn words(text: &str, search_mode: bool) -> Vec<Word> {
    // Character index → position, with whitespace runs collapsed.
    let mut positions = Vec::with_capacity(text.len());
    let mut pos = 0usize;
    let mut in_space = false;
    for c in text.chars() {
        positions.push(pos);
        if c.is_whitespace() {
            if !in_space {
                pos += 1;
            }
            in_space = true;
        } else {
            pos += 1;
            in_space = false;
        }
    }
    let mode = if search_mode {
        TokenizeMode::Search
    } else {
        TokenizeMode::Default
    };
    JIEBA
        .tokenize(text, mode, true)
        .into_iter()
        .filter(|t| t.word.chars().any(char::is_alphanumeric))
        .filter_map(|t| {
            let lower = t.word.to_lowercase();
            if STOP_WORDS.contains(&lower) || lower.chars().count() > 40 {
                return None;
            }
            Some(Word {
                text: lower,
                position: positions.get(t.start).copied().unwrap_or(t.start),
                bytes: t.byte_start..t.byte_end,
            })
        })
        .collect()
}

/// The tantivy tokenizer over [`words`].
#[derive(Clone)]
pub struct JiebaTokenizer {
    pub search_mode: bool,
}

pub struct WordStream {
    tokens: Vec<tantivy::tokenizer::Token>,
    at: usize,
}

impl tantivy::tokenizer::Tokenizer for JiebaTokenizer {
    type TokenStream<'a> = WordStream;
    fn token_stream<'a>(&'a mut self, text: &'a str) -> WordStream {
        let tokens = words(text, self.search_mode)
            .into_iter()
            .map(|w| tantivy::tokenizer::Token {
                offset_from: w.bytes.start,
                offset_to: w.bytes.end,
                position: w.position,
                text: w.text,
                position_length: 1,
            })
            .collect();
        WordStream { tokens, at: 0 }
    }
}

impl tantivy::tokenizer::TokenStream for WordStream {
    fn advance(&mut self) -> bool {
        self.at += 1;
        self.at <= self.tokens.len()
    }
    fn token(&self) -> &tantivy::tokenizer::Token {
        &self.tokens[self.at - 1]
    }
    fn token_mut(&mut self) -> &mut tantivy::tokenizer::Token {
        &mut self.tokens[self.at - 1]
    }
}

/// A long Chinese word as the shorter words it is made of, at their offsets
/// (国家赔偿 → 国家 + 赔偿), so that it also matches where a document's text was cut
/// differently around it ("您的国家赔偿申请" may be cut 国家 | 赔偿). `None` when the
/// word is short, not Chinese, or cannot be tiled by shorter words.
pub fn pieces(word: &str) -> Option<Vec<(usize, String)>> {
    let len = word.chars().count();
    if len < 3 || word.is_ascii() {
        return None;
    }
    let subs: Vec<Word> = words(word, true)
        .into_iter()
        .filter(|w| w.text.chars().count() < len)
        .collect();
    let mut at = 0;
    let mut out = Vec::new();
    while at < len {
        let next = subs
            .iter()
            .filter(|w| w.position == at)
            .max_by_key(|w| w.text.chars().count())?;
        out.push((at, next.text.clone()));
        at += next.text.chars().count();
    }
    (out.len() >= 2).then_some(out)
}

/// A part of a query: what must match.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Part {
    /// One word.
    Word(String),
    /// Words in quotes, in this order, at these positions relative to each other.
    Phrase(Vec<(usize, String)>),
    /// A word of a synonym group: any member matches (each member as a phrase).
    AnyOf(Vec<Vec<(usize, String)>>),
}

/// What a user typed, as parts that must all match.
pub fn parse_query(q: &str) -> Vec<Part> {
    let mut parts = Vec::new();
    for (i, segment) in q.split('"').enumerate() {
        if i % 2 == 1 {
            let ws: Vec<(usize, String)> = relative(words(segment, false));
            match ws.len() {
                0 => {}
                1 => parts.extend(ws.into_iter().map(|(_, w)| Part::Word(w))),
                _ => parts.push(Part::Phrase(ws)),
            }
        } else {
            free_text(segment, &mut parts);
        }
    }
    parts
}

fn relative(ws: Vec<Word>) -> Vec<(usize, String)> {
    let base = ws.first().map_or(0, |w| w.position);
    ws.into_iter()
        .map(|w| (w.position - base, w.text))
        .collect()
}

/// Free text: the synonym words found in it (longest first) become [`Part::AnyOf`],
/// the rest is cut into words.
fn free_text(text: &str, parts: &mut Vec<Part>) {
    let lower = text.to_lowercase();
    let mut groups: Vec<(&str, &Vec<String>)> = DEFINITIONS
        .common
        .synonyms
        .iter()
        .flat_map(|g| g.iter().map(move |w| (w.as_str(), g)))
        .collect();
    groups.sort_by_key(|(w, _)| std::cmp::Reverse(w.len()));
    for (word, group) in groups {
        if let Some(at) = find_word(&lower, word) {
            free_text(&lower[..at], parts);
            parts.push(Part::AnyOf(
                group
                    .iter()
                    .map(|member| relative(words(member, false)))
                    .filter(|m| !m.is_empty())
                    .collect(),
            ));
            free_text(&lower[at + word.len()..], parts);
            return;
        }
    }
    parts.extend(words(&lower, false).into_iter().map(|w| Part::Word(w.text)));
}

/// Where `word` stands in `text`: anywhere for Chinese, at word boundaries for Latin script.
fn find_word(text: &str, word: &str) -> Option<usize> {
    let latin = word.is_ascii();
    let mut from = 0;
    while let Some(i) = text[from..].find(word) {
        let at = from + i;
        let end = at + word.len();
        let before_ok = !latin
            || !text[..at]
                .chars()
                .next_back()
                .is_some_and(char::is_alphanumeric);
        let after_ok = !latin
            || !text[end..]
                .chars()
                .next()
                .is_some_and(char::is_alphanumeric);
        if before_ok && after_ok {
            return Some(at);
        }
        from = end;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(ws: Vec<Word>) -> Vec<String> {
        ws.into_iter().map(|w| w.text).collect()
    }

    #[test]
    fn search_mode_keeps_the_short_words_inside_long_ones() {
        let doc = texts(words("实名举报人受法律保护", true));
        assert!(doc.contains(&"举报".to_owned()), "{doc:?}");
        let query = texts(words("举报人", false));
        assert_eq!(query, ["举报人"]);
    }

    #[test]
    fn english_is_lowercased_and_stop_words_and_punctuation_dropped() {
        assert_eq!(
            texts(words("The State Compensation, of a case.", true)),
            ["state", "compensation", "case"]
        );
    }

    #[test]
    fn positions_are_character_offsets_with_spaces_collapsed() {
        let a = relative(words("state   compensation", false));
        let b = relative(words("state compensation", false));
        assert_eq!(a, b);
        let zh = relative(words("申请国家赔偿", false));
        assert_eq!(zh[0].0, 0);
        assert!(zh.len() >= 2, "{zh:?}");
    }

    #[test]
    fn a_long_word_is_also_its_pieces() {
        assert_eq!(
            pieces("国家赔偿"),
            Some(vec![(0, "国家".to_owned()), (2, "赔偿".to_owned())])
        );
        assert_eq!(pieces("举报"), None);
        assert_eq!(pieces("compensation"), None);
    }

    #[test]
    fn queries_split_into_phrases_synonyms_and_words() {
        let parts = parse_query("上访 \"国家赔偿\" 执行");
        assert!(
            matches!(&parts[0], Part::AnyOf(g) if g.len() == 2),
            "{parts:?}"
        );
        assert!(parts.contains(&Part::Word("执行".to_owned())), "{parts:?}");
        let parts = parse_query("\"state compensation\"");
        assert_eq!(
            parts,
            [Part::Phrase(vec![
                (0, "state".into()),
                (6, "compensation".into())
            ])]
        );
        // "police" is a synonym only as a whole word.
        assert!(
            !parse_query("policed")
                .iter()
                .any(|p| matches!(p, Part::AnyOf(_)))
        );
    }
}
