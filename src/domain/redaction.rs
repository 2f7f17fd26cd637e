//! 脱敏 — what is removed from text before the public sees it: identity-card
//! numbers, telephone numbers, e-mail addresses, and the names staff list.

use regex::Regex;
use std::sync::OnceLock;

struct Patterns {
    id_card: Regex,
    mobile: Regex,
    landline: Regex,
    email: Regex,
}

fn patterns() -> &'static Patterns {
    static P: OnceLock<Patterns> = OnceLock::new();
    P.get_or_init(|| {
        let compile =
            |re: &str| Regex::new(re).unwrap_or_else(|e| unreachable!("static pattern {re}: {e}"));
        Patterns {
            // ASCII word boundaries: a CJK character next to a number is a boundary.
            id_card: compile(r"(?-u:\b)(?:\d{17}[\dXx]|\d{15})(?-u:\b)"),
            mobile: compile(r"(?-u:\b)1[3-9]\d{9}(?-u:\b)"),
            landline: compile(r"(?-u:\b)0\d{2,3}-?\d{7,8}(?-u:\b)"),
            email: compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}"),
        }
    })
}

/// The text with personal identifiers masked and each listed name replaced by
/// its surname and ××, as Chinese court judgments publish parties (张三 → 张××).
pub fn redact(text: &str, names: &[String]) -> String {
    let p = patterns();
    let mut out = p.id_card.replace_all(text, "[身份证号]").into_owned();
    out = p.email.replace_all(&out, "[电子邮箱]").into_owned();
    out = p
        .mobile
        .replace_all(&out, |c: &regex::Captures<'_>| {
            let m = &c[0];
            format!("{}****{}", &m[..3], &m[7..])
        })
        .into_owned();
    out = p.landline.replace_all(&out, "[电话]").into_owned();
    for name in names
        .iter()
        .map(|n| n.trim())
        .filter(|n| n.chars().count() >= 2)
    {
        let mut chars = name.chars();
        let surname: String = chars.next().into_iter().collect();
        let masked = format!("{surname}{}", "×".repeat(chars.count()));
        out = out.replace(name, &masked);
    }
    out
}

/// The text with a person's identity erased, as the retention schedule
/// anonymises a concluded petition: each of `values` (their name, phone,
/// e-mail as given) becomes `[信访人信息]`, and every identity-card number,
/// e-mail address and telephone number becomes a placeholder — in full, not
/// masked the way [`redact`] keeps a mobile's first and last digits. Values
/// shorter than two characters are not matched (one character would erase
/// that character everywhere).
pub fn anonymise(text: &str, values: &[String]) -> String {
    let mut out = text.to_owned();
    let mut values: Vec<&str> = values
        .iter()
        .map(|v| v.trim())
        .filter(|v| v.chars().count() >= 2)
        .collect();
    // The longest first, so a name inside an e-mail address goes with it.
    values.sort_by_key(|v| std::cmp::Reverse(v.len()));
    for v in values {
        out = out.replace(v, "[信访人信息]");
    }
    let p = patterns();
    out = p.id_card.replace_all(&out, "[身份证号]").into_owned();
    out = p.email.replace_all(&out, "[电子邮箱]").into_owned();
    out = p.mobile.replace_all(&out, "[电话]").into_owned();
    p.landline.replace_all(&out, "[电话]").into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_identifiers_and_names() {
        let text = "被告人张三（身份证号110101199003071234，电话13912345678，邮箱zs@example.cn，座机010-88886666）与李四发生纠纷。";
        let out = redact(text, &["张三".to_owned(), "李四".to_owned()]);
        assert_eq!(
            out,
            "被告人张×（身份证号[身份证号]，电话139****5678，邮箱[电子邮箱]，座机[电话]）与李×发生纠纷。"
        );
    }

    #[test]
    fn leaves_case_numbers_and_dates_alone() {
        let text = "（2025）江01刑初123号案件于2025年3月1日立案。";
        assert_eq!(redact(text, &[]), text);
    }

    #[test]
    fn anonymising_erases_the_person_and_every_identifier_in_full() {
        let text = "本人张三丰，电话13912345678，邮箱zsf@example.cn，身份证110101199003071234，曾向张警官反映。";
        let out = anonymise(
            text,
            &[
                "张三丰".to_owned(),
                "zsf@example.cn".to_owned(),
                "张".to_owned(),
            ],
        );
        assert_eq!(
            out,
            "本人[信访人信息]，电话[电话]，邮箱[信访人信息]，身份证[身份证号]，曾向张警官反映。"
        );
        assert!(!out.contains("5678"));
    }
}
