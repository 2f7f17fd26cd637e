//! The reader's language and its strings: every string a reader sees — on a
//! page or in a mail — is looked up in the Fluent files under
//! `templates/locales/`. How a request chooses its language is the web
//! layer's business (`web::i18n`).

use fluent_templates::{Loader, static_loader};
use serde::Serialize;
use unic_langid::{LanguageIdentifier, langid};

static_loader! {
    pub static LOCALES = {
        locales: "./templates/locales",
        fallback_language: "zh-CN",
        // Bidi isolation marks around placeables are noise in CJK and Latin text.
        customise: |bundle| bundle.set_use_isolating(false),
    };
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum Lang {
    #[serde(rename = "zh-CN")]
    Zh,
    #[serde(rename = "en")]
    En,
}

static ZH: LanguageIdentifier = langid!("zh-CN");
static EN: LanguageIdentifier = langid!("en");

impl Lang {
    pub fn tag(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }

    pub fn langid(self) -> &'static LanguageIdentifier {
        match self {
            Lang::Zh => &ZH,
            Lang::En => &EN,
        }
    }

    pub fn other(self) -> Lang {
        match self {
            Lang::Zh => Lang::En,
            Lang::En => Lang::Zh,
        }
    }

    /// `zh`, `zh-CN`, `zh-Hans`… and `en`, `en-GB`…; anything else is not ours.
    pub fn parse(s: &str) -> Option<Lang> {
        let s = s.trim().to_ascii_lowercase();
        if s == "zh" || s.starts_with("zh-") || s.starts_with("zh_") {
            Some(Lang::Zh)
        } else if s == "en" || s.starts_with("en-") || s.starts_with("en_") {
            Some(Lang::En)
        } else {
            None
        }
    }

    /// The translation of `key`.
    pub fn t(self, key: &str) -> String {
        LOCALES.lookup(self.langid(), key)
    }

    /// The translation of `key` with named arguments.
    pub fn t_args(self, key: &str, args: &[(&'static str, String)]) -> String {
        let args: std::collections::HashMap<
            std::borrow::Cow<'static, str>,
            fluent_templates::fluent_bundle::FluentValue<'_>,
        > = args
            .iter()
            .map(|(k, v)| ((*k).into(), v.clone().into()))
            .collect();
        LOCALES.lookup_with_args(self.langid(), key, &args)
    }

    pub fn from_query(query: &str) -> Option<Lang> {
        url::form_urlencoded::parse(query.as_bytes())
            .find(|(k, _)| k == "lang")
            .and_then(|(_, v)| Lang::parse(&v))
    }
}

#[cfg(test)]
mod tests {
    fn keys(file: &str) -> std::collections::BTreeSet<String> {
        let text = std::fs::read_to_string(format!("templates/locales/{file}/main.ftl")).unwrap();
        text.lines()
            .filter(|l| !l.starts_with(['#', ' ', '.', '*', '[', '}']) && l.contains(" ="))
            .filter_map(|l| l.split_once(" =").map(|(k, _)| k.trim().to_owned()))
            .collect()
    }

    #[test]
    fn both_languages_have_the_same_keys() {
        let zh = keys("zh-CN");
        let en = keys("en");
        assert!(zh.len() > 100, "only {} keys found", zh.len());
        assert_eq!(
            zh.difference(&en).collect::<Vec<_>>(),
            Vec::<&String>::new(),
            "missing in English"
        );
        assert_eq!(
            en.difference(&zh).collect::<Vec<_>>(),
            Vec::<&String>::new(),
            "missing in Chinese"
        );
    }
}
