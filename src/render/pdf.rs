//! Printable letters as PDF (krilla): the filing receipt and the answer letter,
//! A4, in the reader's language, with the CJK font embedded as a subset of the
//! glyphs the letter uses, so it prints the same anywhere.
//!
//! The font is read once per process from `MINGJING_PDF_FONT` or the first of
//! [`FONT_CANDIDATES`] that exists (Debian's `fonts-noto-cjk`); the bytes stay
//! in memory (about 26 MB — a bounded cache: one font per process). A machine
//! without one answers the PDF paths with a clear error; the HTML letter and
//! receipt work regardless.
//!
//! Output is deterministic — the same letter gives the same bytes — because a
//! letter's verification record holds the hash of its bytes (`app::letters`).

use krilla::Document;
use krilla::geom::Point;
use krilla::metadata::{DateTime, Metadata};
use krilla::page::PageSettings;
use krilla::text::{Font, TextDirection};
use std::sync::OnceLock;

/// Where a CJK font is looked for: (path, face index of Simplified Chinese in the collection).
pub const FONT_CANDIDATES: [(&str, u32); 2] = [
    ("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc", 2),
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2),
];

/// A4 in points, and the margins.
const PAGE_W: f32 = 595.0;
const PAGE_H: f32 = 842.0;
const MARGIN: f32 = 64.0;

#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    #[error(
        "no CJK font for PDFs: install fonts-noto-cjk or set MINGJING_PDF_FONT to a .ttf/.otf/.ttc (with #INDEX for a collection)"
    )]
    NoFont,
    #[error("the PDF could not be written: {0}")]
    Write(String),
}

/// A letter to print: a heading, blocks of text (each with an optional
/// label), and a footer.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Printed {
    pub title: String,
    /// Above the title: who writes (the agency).
    pub letterhead: String,
    pub blocks: Vec<Block>,
    /// At the bottom of the last page: the verification code and address.
    pub footer: Vec<String>,
    /// The date the letter bears (for the document's metadata).
    pub dated: chrono::NaiveDate,
}

#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Block {
    pub label: Option<String>,
    pub text: String,
}

fn font() -> Result<Font, PdfError> {
    static FONT: OnceLock<Option<Font>> = OnceLock::new();
    FONT.get_or_init(|| {
        let configured = std::env::var("MINGJING_PDF_FONT").ok().map(|v| {
            let (path, index) = match v.rsplit_once('#') {
                Some((p, i)) => (p.to_owned(), i.parse().unwrap_or(0)),
                None => (v, 0),
            };
            (path, index)
        });
        let candidates = configured
            .into_iter()
            .chain(FONT_CANDIDATES.iter().map(|(p, i)| ((*p).to_owned(), *i)));
        for (path, index) in candidates {
            if let Ok(bytes) = std::fs::read(&path)
                && let Some(font) = Font::new(bytes.into(), index)
            {
                return Some(font);
            }
        }
        None
    })
    .clone()
    .ok_or(PdfError::NoFont)
}

/// Whether PDFs can be made here (a font was found).
pub fn available() -> bool {
    font().is_ok()
}

/// Width of `c` in ems, near enough to break lines: CJK characters and
/// full-width punctuation are square, Latin letters and digits about half.
fn em_width(c: char) -> f32 {
    if c.is_ascii() {
        if c.is_ascii_uppercase() || c == 'm' || c == 'w' {
            0.68
        } else {
            0.52
        }
    } else {
        1.0
    }
}

/// `text` broken into lines at most `width` points wide at `size`: between
/// any two CJK characters, at spaces in Latin text, and at every newline.
pub fn wrap(text: &str, size: f32, width: f32) -> Vec<String> {
    let max = width / size;
    let mut lines = Vec::new();
    for paragraph in text.split('\n') {
        let mut line = String::new();
        let mut used = 0.0;
        // Tokens: a run of non-space ASCII is one word; any other character stands alone.
        let mut tokens: Vec<String> = Vec::new();
        for c in paragraph.chars() {
            match tokens.last_mut() {
                Some(t)
                    if c.is_ascii()
                        && !c.is_ascii_whitespace()
                        && t.chars().all(|x| x.is_ascii() && !x.is_ascii_whitespace()) =>
                {
                    t.push(c)
                }
                _ => tokens.push(c.to_string()),
            }
        }
        for token in tokens {
            let w: f32 = token.chars().map(em_width).sum();
            if used + w > max && !line.is_empty() {
                lines.push(std::mem::take(&mut line).trim_end().to_owned());
                used = 0.0;
                if token.trim().is_empty() {
                    continue;
                }
            }
            used += w;
            line.push_str(&token);
        }
        lines.push(line.trim_end().to_owned());
    }
    lines
}

/// The letter as PDF bytes.
pub fn render(letter: &Printed) -> Result<Vec<u8>, PdfError> {
    let font = font()?;
    let mut document = Document::new();
    let created =
        DateTime::new(u16::try_from(chrono::Datelike::year(&letter.dated)).unwrap_or(2000))
            .month(u8::try_from(chrono::Datelike::month(&letter.dated)).unwrap_or(1))
            .day(u8::try_from(chrono::Datelike::day(&letter.dated)).unwrap_or(1));
    document.set_metadata(
        Metadata::new()
            .title(letter.title.clone())
            .producer("Mingjing".to_owned())
            .creation_date(created)
            .document_id(format!("{}-{}", letter.title, letter.dated)),
    );
    let width = PAGE_W - 2.0 * MARGIN;
    // (text, size, gap before) per line, laid out page by page.
    let mut lines: Vec<(String, f32, f32)> = Vec::new();
    for l in wrap(&letter.letterhead, 13.0, width) {
        lines.push((l, 13.0, 0.0));
    }
    for l in wrap(&letter.title, 18.0, width) {
        lines.push((l, 18.0, 10.0));
    }
    for block in &letter.blocks {
        let mut first = true;
        if let Some(label) = &block.label {
            lines.push((label.clone(), 11.0, 12.0));
            first = false;
        }
        for l in wrap(&block.text, 11.0, width) {
            lines.push((l, 11.0, if first { 12.0 } else { 0.0 }));
            first = false;
        }
    }
    for (i, f) in letter.footer.iter().enumerate() {
        for l in wrap(f, 9.0, width) {
            lines.push((l, 9.0, if i == 0 { 24.0 } else { 0.0 }));
        }
    }
    let mut remaining = lines.into_iter().peekable();
    while remaining.peek().is_some() {
        let settings = PageSettings::from_wh(PAGE_W, PAGE_H)
            .ok_or_else(|| PdfError::Write("page size".into()))?;
        let mut page = document.start_page_with(settings);
        let mut surface = page.surface();
        let mut y = MARGIN;
        while let Some((_, size, gap)) = remaining.peek() {
            let advance = gap + size * 1.6;
            if y + advance > PAGE_H - MARGIN && y > MARGIN {
                break;
            }
            let Some((text, size, _)) = remaining.next() else {
                break;
            };
            y += advance;
            if !text.is_empty() {
                surface.draw_text(
                    Point::from_xy(MARGIN, y),
                    font.clone(),
                    size,
                    &text,
                    false,
                    TextDirection::Auto,
                );
            }
        }
        surface.finish();
        page.finish();
    }
    document
        .finish()
        .map_err(|e| PdfError::Write(format!("{e:?}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_break_between_chinese_characters_and_at_latin_spaces() {
        let lines = wrap("信访人：您于2026年11月20日反映的问题", 10.0, 80.0);
        assert!(lines.len() > 1, "{lines:?}");
        assert!(
            lines
                .iter()
                .all(|l| l.chars().map(em_width).sum::<f32>() <= 8.0)
        );
        assert_eq!(lines.concat(), "信访人：您于2026年11月20日反映的问题");
        let en = wrap("Your petition was accepted and investigated", 10.0, 120.0);
        assert!(en.iter().all(|l| !l.starts_with(' ')), "{en:?}");
        assert!(
            en.iter().any(|l| l.contains("petition")),
            "words stay whole: {en:?}"
        );
        assert_eq!(wrap("一\n\n二", 10.0, 100.0), vec!["一", "", "二"]);
    }
}
