//! 答复意见模板 — the answer templates a handler drafts from (data:
//! `rules/answer-templates.toml`), each with the legal basis it usually cites.

use serde::Deserialize;
use std::sync::LazyLock;

#[derive(Debug, Clone, Deserialize)]
pub struct AnswerTemplate {
    pub key: String,
    pub label_zh: String,
    pub label_en: String,
    pub basis: String,
    pub text_zh: String,
    pub text_en: String,
}

#[derive(Deserialize)]
struct File {
    template: Vec<AnswerTemplate>,
}

static TEMPLATES: LazyLock<Vec<AnswerTemplate>> = LazyLock::new(|| {
    toml::from_str::<File>(include_str!("rules/answer-templates.toml"))
        .map(|f| f.template)
        // Compiled in and parsed by a unit test: empty only in a build that failed its tests.
        .unwrap_or_default()
});

pub fn all() -> &'static [AnswerTemplate] {
    &TEMPLATES
}

impl AnswerTemplate {
    pub fn label(&self, english: bool) -> &str {
        if english {
            &self.label_en
        } else {
            &self.label_zh
        }
    }

    /// The draft text for a petition: `title` and the date it was `received` filled in.
    pub fn render(&self, english: bool, title: &str, received: &str) -> String {
        let text = if english {
            &self.text_en
        } else {
            &self.text_zh
        };
        text.replace("{title}", title)
            .replace("{received}", received)
    }
}

/// The lines of the templates a handler must replace with the facts
/// ("（写明处理措施、责任人和完成时间）", "(what was found true…)"): a line
/// wholly in brackets, full-width or not.
static PLACEHOLDERS: LazyLock<Vec<String>> = LazyLock::new(|| {
    let mut out: Vec<String> = all()
        .iter()
        .flat_map(|t| t.text_zh.lines().chain(t.text_en.lines()))
        .map(str::trim)
        .filter(|l| {
            (l.starts_with('（') && l.ends_with('）')) || (l.starts_with('(') && l.ends_with(')'))
        })
        .map(str::to_owned)
        .collect();
    out.sort();
    out.dedup();
    out
});

/// The first template placeholder still in `text`, if any: a draft holding
/// one is not an answer yet.
pub fn placeholder_left(text: &str) -> Option<&'static str> {
    PLACEHOLDERS
        .iter()
        .find(|p| text.contains(p.as_str()))
        .map(String::as_str)
}

/// The template a draft starts from: the one asked for, else the first.
pub fn pick(key: &str) -> Option<&'static AnswerTemplate> {
    all()
        .iter()
        .find(|t| t.key == key)
        .or_else(|| all().first())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_template_untouched_holds_a_placeholder_and_a_filled_one_none() {
        for t in all() {
            let zh = t.render(false, "执行款迟迟未发放", "2026年11月2日");
            let en = t.render(true, "Enforcement money not paid", "2026-11-02");
            assert!(placeholder_left(&zh).is_some(), "{}", t.key);
            assert!(placeholder_left(&en).is_some(), "{}", t.key);
        }
        assert_eq!(
            placeholder_left(
                "本机关已作如下处理：\n（写明处理措施、责任人和完成时间）\n特此答复。"
            ),
            Some("（写明处理措施、责任人和完成时间）")
        );
        // Brackets the handler wrote are theirs: only the templates' own lines count.
        assert_eq!(
            placeholder_left("经查，已责令执行局于12月10日前发放执行款（责任人：王某）。"),
            None
        );
    }

    #[test]
    fn templates_read_and_fill_in_the_petition() {
        assert!(all().len() >= 4);
        for t in all() {
            assert!(
                !t.basis.is_empty()
                    && t.text_zh.contains("{title}")
                    && t.text_en.contains("{title}"),
                "{}",
                t.key
            );
        }
        let t = pick("unsubstantiated").unwrap();
        let text = t.render(false, "执行款迟迟未发放", "2026年11月2日");
        assert!(
            text.contains("您于2026年11月2日反映的“执行款迟迟未发放”一事"),
            "{text}"
        );
        assert_eq!(pick("no-such").unwrap().key, "substantiated");
    }
}
