//! The second factor: time-based one-time passwords (RFC 6238: HMAC-SHA1,
//! six digits, 30-second steps, one step of clock skew either way), as every
//! authenticator app reads them, through the `totp-rs` crate. The key is
//! kept sealed (`crypto::Secret::seal`); a code's time step is accepted once
//! (the store keeps the last one), and recovery codes stand in for a lost
//! device, each once.

use totp_rs::{Builder, Totp};

/// What the sealed key is sealed for.
pub const SEAL_PURPOSE: &str = "staff-totp-key";

/// A TOTP key: 160 random bits, as RFC 4226 recommends.
#[derive(Clone)]
pub struct Key(Vec<u8>);

impl std::fmt::Debug for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("totp::Key(..)")
    }
}

impl Key {
    pub fn generate() -> Self {
        Key(rand::random::<[u8; 20]>().to_vec())
    }

    pub fn from_bytes(bytes: Vec<u8>) -> Option<Self> {
        (bytes.len() >= 16).then_some(Key(bytes))
    }

    /// The key as typed into an app: base32, in groups of four.
    pub fn base32(&self) -> String {
        let plain = totp_rs::Secret::from(self.0.clone()).to_base32();
        plain
            .as_bytes()
            .chunks(4)
            .map(|c| String::from_utf8_lossy(c).into_owned())
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// A key typed back (spaces and case do not matter).
    pub fn parse_base32(text: &str) -> Option<Self> {
        let compact: String = text
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
            .to_uppercase();
        totp_rs::Secret::try_from_base32(compact)
            .ok()
            .and_then(|s| Self::from_bytes(s.as_bytes().to_vec()))
    }

    pub fn bytes(&self) -> &[u8] {
        &self.0
    }

    fn totp(&self, account: &str) -> Option<Totp> {
        Builder::new()
            .with_secret(self.0.clone())
            .with_issuer(Some("Mingjing"))
            .with_account_name(account.replace(':', ""))
            .build()
            .ok()
    }

    /// The `otpauth://` address an app imports (by link, or typed as the key).
    pub fn uri(&self, account: &str) -> Option<String> {
        self.totp(account).and_then(|t| t.to_url().ok())
    }

    /// The time step `code` belongs to at `unix_secs`, if it is right (one
    /// step either side is allowed for clocks that differ a little).
    pub fn check(&self, code: &str, unix_secs: u64) -> Option<u64> {
        let code: String = code.chars().filter(|c| c.is_ascii_digit()).collect();
        if code.len() != 6 {
            return None;
        }
        self.totp("")?.check(&code, unix_secs)
    }

    /// The code of `unix_secs` (tests, and showing nothing else).
    pub fn code_at(&self, unix_secs: u64) -> Option<String> {
        Some(self.totp("")?.generate(unix_secs).to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc_6238_test_vector() {
        // RFC 6238, appendix B: the SHA-1 key "12345678901234567890" at T = 59 s
        // gives 94287082 in 8 digits, so 287082 in 6.
        let key = Key::from_bytes(b"12345678901234567890".to_vec()).unwrap();
        assert_eq!(key.code_at(59).unwrap(), "287082");
        assert_eq!(key.check("287 082", 59), Some(1));
        // One step of skew either way, not two.
        assert!(key.check("287082", 59 + 30).is_some());
        assert!(key.check("287082", 59 + 60).is_none());
        assert!(key.check("28708", 59).is_none());
    }

    #[test]
    fn a_key_round_trips_through_its_typed_form() {
        let key = Key::generate();
        let typed = key.base32().to_lowercase();
        assert_eq!(Key::parse_base32(&typed).unwrap().bytes(), key.bytes());
        let uri = key.uri("li@court.example.cn").unwrap();
        assert!(uri.starts_with("otpauth://totp/"), "{uri}");
        assert!(uri.contains("issuer=Mingjing"), "{uri}");
    }
}
