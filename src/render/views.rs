//! Tera templates (embedded in the binary) with the Fluent `fluent()`
//! function, and the layout data every page shares. The web pages and the mail
//! render through the same [`Views`].

use super::i18n::{LOCALES, Lang};
use chrono::{DateTime, FixedOffset, Utc};
use fluent_templates::FluentLoader;
use rust_embed::RustEmbed;
use serde::Serialize;
use std::collections::HashMap;
use tera::Tera;

#[derive(RustEmbed)]
#[folder = "templates/"]
#[include = "*.html"]
#[include = "**/*.html"]
#[include = "**/*.txt"]
struct TemplateFiles;

/// China Standard Time: dates on the site are the dates of the agencies' own calendar.
fn china_time() -> FixedOffset {
    crate::domain::clock::china_offset()
}

/// A moment as readers see it, in China time: `2026-11-26 18:04`.
pub fn local_time_text(t: DateTime<Utc>) -> String {
    t.with_timezone(&china_time())
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

/// `{{ t | local_time }}` renders an RFC 3339 timestamp as `2026-11-26 18:04` in China time;
/// `local_time(format="date")` as `2026-11-26`.
fn local_time(
    value: &tera::Value,
    args: &HashMap<String, tera::Value>,
) -> tera::Result<tera::Value> {
    let text = value
        .as_str()
        .ok_or_else(|| tera::Error::msg("local_time expects a timestamp string"))?;
    let t: DateTime<Utc> = text
        .parse()
        .map_err(|e| tera::Error::msg(format!("local_time: {text:?}: {e}")))?;
    let pattern = match args.get("format").and_then(|f| f.as_str()) {
        Some("date") => "%Y-%m-%d",
        _ => "%Y-%m-%d %H:%M",
    };
    Ok(tera::Value::String(
        t.with_timezone(&china_time()).format(pattern).to_string(),
    ))
}

/// `{{ "a b" | urlencode }}` for query strings built in templates.
fn urlencode(value: &tera::Value, _: &HashMap<String, tera::Value>) -> tera::Result<tera::Value> {
    let s = match value {
        tera::Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    Ok(tera::Value::String(
        url::form_urlencoded::byte_serialize(s.as_bytes()).collect(),
    ))
}

pub struct Views {
    tera: Tera,
}

/// A template that could not be rendered: a bug of ours, reported with its cause.
#[derive(Debug, thiserror::Error)]
#[error("rendering {template}")]
pub struct RenderError {
    template: String,
    #[source]
    source: anyhow::Error,
}

impl Views {
    pub fn load() -> anyhow::Result<Self> {
        let mut tera = Tera::default();
        let mut sources = Vec::new();
        for name in TemplateFiles::iter() {
            let file = TemplateFiles::get(&name)
                .ok_or_else(|| anyhow::anyhow!("template {name} vanished"))?;
            let text = String::from_utf8(file.data.into_owned())?;
            sources.push((name.to_string(), text));
        }
        tera.add_raw_templates(sources)?;
        tera.autoescape_on(vec![".html"]);
        tera.register_function("fluent", FluentLoader::new(&*LOCALES));
        tera.register_filter("local_time", local_time);
        tera.register_filter("urlencode", urlencode);
        Ok(Self { tera })
    }

    pub fn render<T: Serialize>(&self, template: &str, page: &T) -> Result<String, RenderError> {
        let failed = |e: tera::Error| RenderError {
            template: template.to_owned(),
            source: anyhow::Error::new(e),
        };
        let context = tera::Context::from_serialize(page).map_err(failed)?;
        self.tera.render(template, &context).map_err(failed)
    }

    /// The error page with HTTP status `status` and the message of `message_key`.
    pub fn error_page(
        &self,
        layout: Layout,
        status: u16,
        message_key: &str,
    ) -> Result<String, RenderError> {
        #[derive(Serialize)]
        struct ErrorPage<'a> {
            layout: Layout,
            status: u16,
            message_key: &'a str,
        }
        self.render(
            "error.html",
            &ErrorPage {
                layout,
                status,
                message_key,
            },
        )
    }
}

/// What the base layout needs: the language, the way to the other language,
/// and the current path for navigation highlighting.
#[derive(Debug, Clone, Serialize)]
pub struct Layout {
    pub lang: &'static str,
    pub other_lang: &'static str,
    /// This page in the other language.
    pub switch_url: String,
    pub path: String,
    /// `MINGJING_CAPTCHA=off`: every footer says so.
    pub captcha_off: bool,
    /// The holiday calendar ends within 60 days (or has ended): what the
    /// console tells supervisors and administrators.
    pub calendar_warning: Option<String>,
}

impl Layout {
    /// The layout of the page at `path?query`. The path is made one that can
    /// only lead to this site: a request for `//evil.example/x` (or `/\\evil…`)
    /// must not render a language link a browser reads as another host.
    pub fn for_path(path: &str, query: &str, lang: Lang, captcha_off: bool) -> Self {
        let path = format!("/{}", path.trim_start_matches(['/', '\\']));
        let path = path.as_str();
        let other = lang.other();
        let mut query: Vec<(String, String)> = url::form_urlencoded::parse(query.as_bytes())
            .filter(|(k, _)| k != "lang")
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        query.push(("lang".to_owned(), other.tag().to_owned()));
        let switch_url = format!(
            "{}?{}",
            path,
            url::form_urlencoded::Serializer::new(String::new())
                .extend_pairs(query)
                .finish()
        );
        Layout {
            lang: lang.tag(),
            other_lang: other.tag(),
            switch_url,
            path: path.to_owned(),
            captcha_off,
            calendar_warning: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_template_parses() {
        Views::load().unwrap();
    }

    #[test]
    fn no_path_makes_a_link_to_another_site() {
        for path in [
            "//evil.example/x",
            "///evil.example",
            "/\\evil.example",
            "/\\/evil.example",
        ] {
            let l = Layout::for_path(path, "a=1", Lang::Zh, false);
            assert!(
                l.switch_url.starts_with('/') && !l.switch_url.starts_with("//"),
                "{path}: {}",
                l.switch_url
            );
            assert!(!l.switch_url.starts_with("/\\"), "{path}: {}", l.switch_url);
        }
        assert_eq!(
            Layout::for_path("/procedures", "page=2", Lang::Zh, false).switch_url,
            "/procedures?page=2&lang=en"
        );
    }

    #[test]
    fn local_time_is_china_time() {
        let v = local_time(
            &tera::Value::String("2026-11-26T17:30:00Z".into()),
            &HashMap::new(),
        )
        .unwrap();
        assert_eq!(v, "2026-11-27 01:30");
    }
}
