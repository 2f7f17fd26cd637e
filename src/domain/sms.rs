//! 短信 — the texts sent to a petitioner who chose SMS (`rules/sms.toml`):
//! which template each step uses, in which language, with the provider's
//! template id, and the per-number limit. A text carries the tracking number,
//! a link and at most a date — never the access code, the petition's text or
//! a name — and a template file that asks for anything else is refused.

use super::events::EventKind;
use serde::Deserialize;
use std::sync::LazyLock;

/// The placeholders a text may use.
pub const PLACEHOLDERS: [&str; 3] = ["number", "link", "due"];

/// One text, in both languages, with the provider's template ids.
#[derive(Debug, Clone, Deserialize)]
pub struct SmsTemplate {
    /// `ack`, or the [`EventKind`] it tells of.
    pub key: String,
    pub template_zh: String,
    pub template_en: String,
    pub text_zh: String,
    pub text_en: String,
}

/// The whole template file.
#[derive(Debug, Clone, Deserialize)]
pub struct SmsTemplates {
    pub signature_zh: String,
    pub signature_en: String,
    pub per_number_per_day: u32,
    #[serde(rename = "message")]
    pub messages: Vec<SmsTemplate>,
}

/// A text ready for the transport.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    /// The template's key (`ack`, `accepted`…).
    pub key: String,
    /// The provider's template id.
    pub template_id: String,
    /// The whole text, signature first (【…】), as an SMPP gateway sends it.
    pub text: String,
    /// The placeholders' values, as an HTTP provider takes them with the id.
    pub params: Vec<(String, String)>,
}

/// What a text may say of a petition.
#[derive(Debug, Clone, Default)]
pub struct Facts {
    pub number: String,
    pub link: String,
    pub due: Option<String>,
}

static SHIPPED: LazyLock<Result<SmsTemplates, String>> =
    LazyLock::new(|| SmsTemplates::from_toml(include_str!("rules/sms.toml")));

impl SmsTemplates {
    /// The templates shipped with the portal (checked by a unit test).
    pub fn shipped() -> Result<SmsTemplates, String> {
        SHIPPED.clone()
    }

    /// Reads and checks a template file: a text for `ack` and for every
    /// texted step, in both languages, using no placeholder but
    /// [`PLACEHOLDERS`], with non-empty template ids and signatures.
    pub fn from_toml(text: &str) -> Result<SmsTemplates, String> {
        let t: SmsTemplates = toml::from_str(text).map_err(|e| e.to_string())?;
        if t.signature_zh.trim().is_empty() || t.signature_en.trim().is_empty() {
            return Err("a signature (签名) is required in both languages".into());
        }
        if t.per_number_per_day == 0 {
            return Err("per_number_per_day must be at least 1".into());
        }
        let needed = std::iter::once("ack".to_owned()).chain(
            EventKind::ALL
                .iter()
                .filter(|k| k.texted())
                .map(|k| k.as_str().to_owned()),
        );
        for key in needed {
            if !t.messages.iter().any(|m| m.key == key) {
                return Err(format!("no text for `{key}`"));
            }
        }
        for m in &t.messages {
            if m.template_zh.trim().is_empty() || m.template_en.trim().is_empty() {
                return Err(format!("`{}`: a template id is required", m.key));
            }
            for text in [&m.text_zh, &m.text_en] {
                for name in placeholders(text) {
                    if !PLACEHOLDERS.contains(&name.as_str()) {
                        return Err(format!(
                            "`{}`: {{{name}}} is not allowed in an SMS (only {{number}}, {{link}}, {{due}})",
                            m.key
                        ));
                    }
                }
            }
        }
        Ok(t)
    }

    /// The text for `key` in the petitioner's language; none without one.
    pub fn render(&self, key: &str, english: bool, facts: &Facts) -> Option<Rendered> {
        let m = self.messages.iter().find(|m| m.key == key)?;
        let (template_id, body, signature) = if english {
            (&m.template_en, &m.text_en, &self.signature_en)
        } else {
            (&m.template_zh, &m.text_zh, &self.signature_zh)
        };
        let due = facts.due.clone().unwrap_or_else(|| "—".to_owned());
        let values = [
            ("number", facts.number.as_str()),
            ("link", facts.link.as_str()),
            ("due", due.as_str()),
        ];
        let mut text = body.clone();
        let mut params = Vec::new();
        for (name, value) in values {
            let marker = format!("{{{name}}}");
            if text.contains(&marker) {
                text = text.replace(&marker, value);
                params.push((name.to_owned(), value.to_owned()));
            }
        }
        Some(Rendered {
            key: key.to_owned(),
            template_id: template_id.clone(),
            text: format!("【{signature}】{text}"),
            params,
        })
    }
}

/// What a gateway delivers to the portal (`deliver_sm`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Inbound {
    /// A delivery receipt for the text the gateway numbered `id`: delivered
    /// to the handset or not (`stat` as the gateway wrote it).
    Receipt {
        id: String,
        delivered: bool,
        stat: String,
    },
    /// 回复TD退订: the mobile `from` (national) asks for no more texts.
    Unsubscribe { from: String },
    /// Anything else a petitioner texts back: not read (the portal is no
    /// channel for petitions by SMS; the texts say where to go).
    Other,
}

/// Reads a `deliver_sm` from `source` (the sender's number) with `text`: a
/// receipt in the SMPP 3.4 appendix B form (`id:… sub:… dlvrd:… … stat:DELIVRD
/// err:… text:…`), or a reply of TD / 退订 (the carriers' unsubscribe words).
pub fn inbound(source: &str, text: &str) -> Inbound {
    let field = |name: &str| {
        text.split_whitespace()
            .find_map(|w| w.strip_prefix(name))
            .map(str::to_owned)
    };
    if let (Some(id), Some(stat)) = (field("id:"), field("stat:")) {
        return Inbound::Receipt {
            delivered: stat.eq_ignore_ascii_case("DELIVRD"),
            id,
            stat,
        };
    }
    let word = text
        .trim()
        .trim_end_matches(['。', '.', '!', '！'])
        .to_uppercase();
    if matches!(word.as_str(), "TD" | "T" | "退订" | "UNSUBSCRIBE" | "STOP") {
        let digits: String = source.chars().filter(char::is_ascii_digit).collect();
        let national = digits
            .strip_prefix("0086")
            .or_else(|| digits.strip_prefix("86").filter(|n| n.len() == 11))
            .unwrap_or(&digits);
        if super::petition::is_mobile(national) {
            return Inbound::Unsubscribe {
                from: national.to_owned(),
            };
        }
    }
    Inbound::Other
}

/// The `{name}`s a text uses.
fn placeholders(text: &str) -> Vec<String> {
    text.split('{')
        .skip(1)
        .filter_map(|rest| rest.split_once('}').map(|(name, _)| name.to_owned()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_file_covers_every_texted_step_in_both_languages() {
        let t = SmsTemplates::shipped().unwrap();
        let facts = Facts {
            number: "MJ26-ABCDE-FGHJK".into(),
            link: "https://example.cn/track/MJ26ABCDEFGHJK/letters/7".into(),
            due: Some("2027-02-05".into()),
        };
        for m in &t.messages {
            for english in [false, true] {
                let r = t.render(&m.key, english, &facts).unwrap();
                assert!(r.text.starts_with('【'), "{r:?}");
                assert!(r.text.contains("MJ26-ABCDE-FGHJK"), "{r:?}");
                assert!(r.text.contains("https://example.cn/track"), "{r:?}");
                assert!(!r.text.contains('{'), "{r:?}");
            }
        }
        let accepted = t.render("accepted", false, &facts).unwrap();
        assert_eq!(
            accepted.text,
            "【明镜信访】您的信访事项MJ26-ABCDE-FGHJK已受理，应于2027-02-05前办结。受理告知书：https://example.cn/track/MJ26ABCDEFGHJK/letters/7"
        );
        assert_eq!(accepted.template_id, "SMS_MJ_0002");
        assert_eq!(accepted.params.len(), 3);
    }

    #[test]
    fn receipts_and_unsubscribes_are_read_from_what_the_gateway_delivers() {
        assert_eq!(
            inbound(
                "8613900001111",
                "id:gw-7 sub:001 dlvrd:001 submit date:2612080930 done date:2612080931 stat:DELIVRD err:000 text:"
            ),
            Inbound::Receipt {
                id: "gw-7".into(),
                delivered: true,
                stat: "DELIVRD".into()
            }
        );
        assert!(matches!(
            inbound("x", "id:9 stat:UNDELIV err:001"),
            Inbound::Receipt {
                delivered: false,
                ..
            }
        ));
        for td in ["TD", "td", " 退订 ", "T"] {
            assert_eq!(
                inbound("+86 139 0000 1111", td),
                Inbound::Unsubscribe {
                    from: "13900001111".into()
                },
                "{td}"
            );
        }
        assert_eq!(inbound("8613900001111", "我还有材料要补充"), Inbound::Other);
        assert_eq!(
            inbound("10086", "TD"),
            Inbound::Other,
            "not a petitioner's mobile"
        );
    }

    #[test]
    fn a_template_that_would_text_personal_data_is_refused() {
        let shipped = include_str!("rules/sms.toml");
        let leaky = shipped.replacen(
            "信访编号{number}",
            "信访编号{number}，查询码{access_code}",
            1,
        );
        assert_ne!(leaky, shipped);
        let e = SmsTemplates::from_toml(&leaky).unwrap_err();
        assert!(e.contains("access_code"), "{e}");
        let named = shipped.replacen("：{link}\"", "：{link}，{name}\"", 1);
        assert_ne!(named, shipped);
        assert!(SmsTemplates::from_toml(&named).is_err());
        let missing = shipped.replace("key = \"answered\"", "key = \"answered_not\"");
        assert!(
            SmsTemplates::from_toml(&missing)
                .unwrap_err()
                .contains("answered")
        );
    }
}
