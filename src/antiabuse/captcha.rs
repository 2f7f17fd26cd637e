//! The challenge: a distorted image (the `captcha` crate) and, for people who
//! cannot read it (screen readers, low vision), an arithmetic question in
//! words. Either answer passes. A challenge is bound to one form, expires
//! after ten minutes and is consumed by the first attempt, right or wrong.

use rand::Rng;

pub const LIFETIME_MS: i64 = 10 * 60 * 1000;

pub struct Challenge {
    /// The characters in the image.
    pub answer: String,
    pub png: Vec<u8>,
    pub question_zh: String,
    pub question_en: String,
    pub question_answer: String,
}

const ZH_DIGITS: [&str; 10] = ["零", "一", "二", "三", "四", "五", "六", "七", "八", "九"];
const EN_DIGITS: [&str; 10] = [
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
];

pub fn generate() -> Option<Challenge> {
    let image = captcha::generate(captcha::Difficulty::Easy);
    let (answer, png) = image.as_tuple()?;
    let mut rng = rand::rng();
    let a = rng.random_range(1..10usize);
    let b = rng.random_range(1..10usize);
    Some(Challenge {
        answer,
        png,
        question_zh: format!(
            "{}加{}等于几？请用阿拉伯数字作答。",
            ZH_DIGITS[a], ZH_DIGITS[b]
        ),
        question_en: format!(
            "What is {} plus {}? Answer in digits.",
            EN_DIGITS[a], EN_DIGITS[b]
        ),
        question_answer: (a + b).to_string(),
    })
}

/// How answers are compared: case, spaces and full-width digits do not matter.
pub fn normalise_answer(raw: &str) -> String {
    raw.chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
            c => c.to_ascii_lowercase(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_challenge_has_an_image_and_a_question() {
        let c = generate().unwrap();
        assert!(c.png.starts_with(b"\x89PNG"));
        assert!((4..=6).contains(&c.answer.len()));
        let sum: usize = c.question_answer.parse().unwrap();
        assert!((2..=18).contains(&sum));
        assert!(c.question_zh.contains("加"));
    }

    #[test]
    fn answers_are_compared_leniently() {
        assert_eq!(normalise_answer(" AbC d "), "abcd");
        assert_eq!(normalise_answer("１２"), "12");
    }
}
