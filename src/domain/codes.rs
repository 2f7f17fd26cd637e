//! Tracking numbers (信访编号) and access codes (查询码).
//!
//! Both use Crockford's base-32 alphabet, which has no I, L, O or U, so what
//! people misread is mapped back (O→0, I/L→1) instead of refused. A tracking
//! number ends in a Luhn mod-32 check character: every single mistyped
//! character and almost every swap of neighbours is caught before a lookup.
//! Access codes carry 80 bits from a CSPRNG the caller passes in (the operating
//! system's, in the application) and are only ever stored as a keyed hash.

use rand::CryptoRng;

const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
const PREFIX: &str = "MJ";
/// Random characters in a tracking number: 45 bits, so numbers are not guessable
/// in sequence and a collision (retried on insert) is vanishingly rare.
const TRACKING_RANDOM: usize = 9;
/// 16 × 5 bits = 80 bits.
const ACCESS_CODE_LEN: usize = 16;

fn value(c: u8) -> Option<u32> {
    ALPHABET.iter().position(|&a| a == c).map(|p| p as u32)
}

/// Uppercases, drops separators and maps look-alikes, as a reader types them.
fn normalise(raw: &str) -> String {
    raw.chars()
        .filter(|c| !matches!(c, ' ' | '-' | '_' | '\u{3000}' | '－' | '—'))
        .map(|c| match c.to_ascii_uppercase() {
            'O' => '0',
            'I' | 'L' => '1',
            c => c,
        })
        .collect()
}

/// Luhn mod N (N = 32) over the characters' values.
fn check_char(body: &[u8]) -> Option<u8> {
    let n = 32u32;
    let mut factor = 2;
    let mut sum = 0u32;
    for &c in body.iter().rev() {
        let addend = factor * value(c)?;
        factor = if factor == 2 { 1 } else { 2 };
        sum += addend / n + addend % n;
    }
    let check = (n - sum % n) % n;
    Some(ALPHABET[check as usize])
}

/// `n` characters from a CSPRNG, in one read: 5 uniform bits per character.
fn random_chars(rng: &mut impl CryptoRng, n: usize) -> String {
    let mut bytes = vec![0u8; n];
    rng.fill_bytes(&mut bytes);
    bytes
        .iter()
        .map(|b| ALPHABET[usize::from(b & 31)] as char)
        .collect()
}

/// A tracking number, valid by construction: `MJ26` + 9 random + check.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(transparent)]
pub struct TrackingNumber(String);

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TrackingNumberError {
    #[error("not a tracking number")]
    Malformed,
    /// Well-formed but its check character does not match: a typo.
    #[error("tracking number check character does not match")]
    CheckFailed,
}

impl TrackingNumber {
    /// A new random number for a petition received in `year`.
    pub fn generate(year: i32, rng: &mut impl CryptoRng) -> Self {
        let body = format!(
            "{PREFIX}{:02}{}",
            year.rem_euclid(100),
            random_chars(rng, TRACKING_RANDOM)
        );
        let check = check_char(body.as_bytes()).unwrap_or(b'0') as char;
        TrackingNumber(format!("{body}{check}"))
    }

    pub fn parse(raw: &str) -> Result<Self, TrackingNumberError> {
        let s = normalise(raw);
        let expected_len = PREFIX.len() + 2 + TRACKING_RANDOM + 1;
        if s.len() != expected_len
            || !s.starts_with(PREFIX)
            || !s[2..4].bytes().all(|b| b.is_ascii_digit())
            || s.bytes().any(|b| value(b).is_none())
        {
            return Err(TrackingNumberError::Malformed);
        }
        let (body, check) = s.split_at(s.len() - 1);
        if check_char(body.as_bytes()) == Some(check.as_bytes()[0]) {
            Ok(TrackingNumber(s))
        } else {
            Err(TrackingNumberError::CheckFailed)
        }
    }

    /// The canonical form stored and used in URLs: `MJ26K3FQ9X2MAP7`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The form printed on receipts: `MJ26-K3FQ9-X2MAP`.
    pub fn display(&self) -> String {
        format!("{}-{}-{}", &self.0[..4], &self.0[4..9], &self.0[9..])
    }

    /// A stored number as printed: ours in the receipt's form, anything else
    /// (a synthetic benchmark row's) as stored.
    pub fn display_stored(stored: &str) -> String {
        Self::parse(stored).map_or_else(|_| stored.to_owned(), |t| t.display())
    }
}

/// A secret code that, with its tracking number, opens a petition's status.
#[derive(Clone, PartialEq, Eq)]
pub struct AccessCode(String);

impl std::fmt::Debug for AccessCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AccessCode(..)")
    }
}

impl AccessCode {
    pub fn generate(rng: &mut impl CryptoRng) -> Self {
        AccessCode(random_chars(rng, ACCESS_CODE_LEN))
    }

    /// Any string the user typed; a wrong code simply will not match.
    pub fn parse(raw: &str) -> Option<Self> {
        let s = normalise(raw);
        (s.len() == ACCESS_CODE_LEN && s.bytes().all(|b| value(b).is_some()))
            .then_some(AccessCode(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Shown once, in groups of four: `7K3F-Q9X2-MAP4-WZ8D`.
    pub fn display(&self) -> String {
        self.0
            .as_bytes()
            .chunks(4)
            .map(|c| String::from_utf8_lossy(c).into_owned())
            .collect::<Vec<_>>()
            .join("-")
    }
}

/// 核验码 — the code printed on a letter (receipt, answer) by which anyone
/// confirms it is genuine and unchanged: `V` + 15 random characters, shown
/// `V7K3F-Q9X2M-AP4WZ` — a different shape from the access code, which must
/// never be confused with it (and is never printed).
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(transparent)]
pub struct VerificationCode(String);

const VERIFICATION_LEN: usize = 16;

impl VerificationCode {
    pub fn generate(rng: &mut impl CryptoRng) -> Self {
        VerificationCode(format!("V{}", random_chars(rng, VERIFICATION_LEN - 1)))
    }

    /// In any case, with or without separators.
    pub fn parse(raw: &str) -> Option<Self> {
        let s = normalise(raw);
        (s.len() == VERIFICATION_LEN
            && s.starts_with('V')
            && s.bytes().all(|b| value(b).is_some() || b == b'V'))
        .then_some(VerificationCode(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn display(&self) -> String {
        format!("{}-{}-{}", &self.0[..6], &self.0[6..11], &self.0[11..])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verification_codes_parse_back_and_differ_from_access_codes() {
        let v = VerificationCode::generate(&mut rand::rng());
        assert_eq!(VerificationCode::parse(&v.display()), Some(v.clone()));
        assert_eq!(
            VerificationCode::parse(&v.display().to_lowercase()),
            Some(v.clone())
        );
        assert!(v.display().starts_with('V') && v.display().len() == 18);
        let access = AccessCode::generate(&mut rand::rng()).display();
        assert!(VerificationCode::parse(&access).is_none());
    }

    #[test]
    fn generated_numbers_parse_back() {
        for _ in 0..500 {
            let tn = TrackingNumber::generate(2026, &mut rand::rng());
            assert!(tn.as_str().starts_with("MJ26"));
            assert_eq!(TrackingNumber::parse(tn.as_str()).unwrap(), tn);
            assert_eq!(
                TrackingNumber::parse(&tn.display().to_lowercase()).unwrap(),
                tn
            );
        }
    }

    #[test]
    fn every_single_character_typo_is_caught() {
        let tn = TrackingNumber::generate(2026, &mut rand::rng());
        let s = tn.as_str().as_bytes().to_vec();
        for i in 4..s.len() {
            for &c in ALPHABET {
                if c == s[i] {
                    continue;
                }
                let mut typo = s.clone();
                typo[i] = c;
                let typo = String::from_utf8(typo).unwrap();
                assert_eq!(
                    TrackingNumber::parse(&typo),
                    Err(TrackingNumberError::CheckFailed),
                    "{typo} accepted"
                );
            }
        }
    }

    #[test]
    fn most_neighbour_swaps_are_caught() {
        let mut caught = 0;
        let mut swaps = 0;
        for _ in 0..200 {
            let tn = TrackingNumber::generate(2026, &mut rand::rng());
            let s = tn.as_str().as_bytes().to_vec();
            for i in 4..s.len() - 1 {
                if s[i] == s[i + 1] {
                    continue;
                }
                let mut t = s.clone();
                t.swap(i, i + 1);
                swaps += 1;
                if TrackingNumber::parse(&String::from_utf8(t).unwrap()).is_err() {
                    caught += 1;
                }
            }
        }
        assert!(caught * 100 / swaps >= 95, "{caught} of {swaps}");
    }

    #[test]
    fn look_alikes_are_read_as_meant_and_junk_is_malformed() {
        let tn = TrackingNumber::generate(2026, &mut rand::rng());
        let confusable = tn.as_str().replace('0', "O").replace('1', "l");
        assert_eq!(TrackingNumber::parse(&confusable).unwrap(), tn);
        for junk in [
            "",
            "MJ26",
            "XX26ABCDEFGHJK",
            "MJ2AABCDEFGHJK",
            "MJ26ABCDEFGHJ!",
            "MJ26ABCDEFGHJKMN",
        ] {
            assert_eq!(
                TrackingNumber::parse(junk),
                Err(TrackingNumberError::Malformed),
                "{junk}"
            );
        }
    }

    #[test]
    fn access_codes_have_80_bits_and_display_in_fours() {
        let code = AccessCode::generate(&mut rand::rng());
        assert_eq!(code.as_str().len(), 16);
        assert_eq!(code.display().len(), 19);
        assert_eq!(
            AccessCode::parse(&code.display().to_lowercase()),
            Some(code.clone())
        );
        assert_ne!(AccessCode::generate(&mut rand::rng()), code);
        assert_eq!(AccessCode::parse("short"), None);
    }
}
