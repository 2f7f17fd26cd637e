//! The installation secret and what is derived from it. `MINGJING_SECRET`
//! (or the generated `data/secret.key`) is never used directly: each purpose
//! gets its own key, so a key leaked from one use says nothing about another.

use hmac::{Hmac, Mac};
use sha2::{Sha256, Sha512};

/// Writes a new key file readable by its owner only (0600), flushed to disk;
/// fails if the file exists (a key is never overwritten).
pub fn create_key_file(path: &std::path::Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path)?;
    file.write_all(text.as_bytes())?;
    file.sync_all()
}

#[derive(Clone)]
pub struct Secret(Vec<u8>);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(..)")
    }
}

fn hmac256(key: &[u8]) -> Hmac<Sha256> {
    match <Hmac<Sha256> as Mac>::new_from_slice(key) {
        Ok(mac) => mac,
        Err(_) => unreachable!("HMAC accepts keys of any length"),
    }
}

impl Secret {
    pub fn new(raw: &[u8]) -> Self {
        Self(raw.to_vec())
    }

    /// 64 bytes of key material for one named purpose (e.g. "session-cookie").
    pub fn derive(&self, purpose: &str) -> [u8; 64] {
        let mut mac = match <Hmac<Sha512> as Mac>::new_from_slice(&self.0) {
            Ok(mac) => mac,
            Err(_) => unreachable!("HMAC accepts keys of any length"),
        };
        mac.update(purpose.as_bytes());
        mac.finalize().into_bytes().into()
    }

    /// A keyed hash of `value` for `purpose`: what is stored instead of the value.
    pub fn keyed_hash(&self, purpose: &str, value: &[u8]) -> [u8; 32] {
        let key = self.derive(purpose);
        let mut mac = hmac256(&key);
        mac.update(value);
        mac.finalize().into_bytes().into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn purposes_are_separated() {
        let s = Secret::new(b"secret");
        assert_ne!(s.derive("a"), s.derive("b"));
        assert_eq!(s.keyed_hash("p", b"x"), s.keyed_hash("p", b"x"));
        assert_ne!(
            s.keyed_hash("p", b"x"),
            Secret::new(b"other").keyed_hash("p", b"x")
        );
    }
}
