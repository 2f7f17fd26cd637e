//! Per-field validation errors. Each message is a Fluent key, so the page that
//! shows it next to the field translates it into the reader's language.

use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct FieldErrors(BTreeMap<&'static str, &'static str>);

impl FieldErrors {
    pub fn new() -> Self {
        Self::default()
    }

    /// Records the first problem found for `field`; later ones are redundant to a reader.
    pub fn add(&mut self, field: &'static str, message_key: &'static str) {
        self.0.entry(field).or_insert(message_key);
    }

    pub fn get(&self, field: &str) -> Option<&'static str> {
        self.0.get(field).copied()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = (&'static str, &'static str)> + '_ {
        self.0.iter().map(|(k, v)| (*k, *v))
    }

    /// `Ok(value)` when nothing was recorded, so parsers end with `errors.into_result(value)`.
    pub fn into_result<T>(self, value: T) -> Result<T, FieldErrors> {
        if self.is_empty() {
            Ok(value)
        } else {
            Err(self)
        }
    }
}

/// A required single-line text of at most `max` characters, trimmed.
pub fn required_text(
    errors: &mut FieldErrors,
    field: &'static str,
    raw: &str,
    max: usize,
) -> String {
    let value = raw.trim();
    if value.is_empty() {
        errors.add(field, "error-required");
    } else if value.chars().count() > max {
        errors.add(field, "error-too-long");
    }
    value.to_owned()
}

/// An optional text of at most `max` characters, trimmed.
pub fn optional_text(
    errors: &mut FieldErrors,
    field: &'static str,
    raw: &str,
    max: usize,
) -> String {
    let value = raw.trim();
    if value.chars().count() > max {
        errors.add(field, "error-too-long");
    }
    value.to_owned()
}

/// Non-empty trimmed lines of a textarea, one item per line.
pub fn lines(raw: &str) -> Vec<String> {
    raw.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_error_per_field_wins() {
        let mut e = FieldErrors::new();
        e.add("title", "error-required");
        e.add("title", "error-too-long");
        assert_eq!(e.get("title"), Some("error-required"));
        assert!(e.into_result(()).is_err());
    }

    #[test]
    fn length_counts_characters_not_bytes() {
        let mut e = FieldErrors::new();
        let s = "执".repeat(10);
        required_text(&mut e, "t", &s, 10);
        assert!(e.is_empty());
        required_text(&mut e, "t", &"执".repeat(11), 10);
        assert_eq!(e.get("t"), Some("error-too-long"));
    }
}
