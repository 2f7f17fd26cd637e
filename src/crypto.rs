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

    /// `plaintext` encrypted and authenticated for `purpose` (ChaCha20-Poly1305
    /// under a key derived for it; a random nonce), as hex: for the few values
    /// the portal must read back, such as a staff member's TOTP key, so that a
    /// copy of the database alone does not give them away.
    pub fn seal(&self, purpose: &str, plaintext: &[u8]) -> String {
        use chacha20poly1305::aead::{Aead, KeyInit};
        let key = self.derive(purpose);
        let cipher =
            chacha20poly1305::ChaCha20Poly1305::new(chacha20poly1305::Key::from_slice(&key[..32]));
        let nonce: [u8; 12] = rand::random();
        let sealed = match cipher.encrypt(chacha20poly1305::Nonce::from_slice(&nonce), plaintext) {
            Ok(c) => c,
            Err(_) => unreachable!("encryption of a short value in memory does not fail"),
        };
        hex::encode([nonce.as_slice(), &sealed].concat())
    }

    /// The plaintext of [`Secret::seal`], or `None` when it was not sealed
    /// with this secret and purpose (or was changed).
    pub fn open(&self, purpose: &str, sealed: &str) -> Option<Vec<u8>> {
        use chacha20poly1305::aead::{Aead, KeyInit};
        let bytes = hex::decode(sealed).ok()?;
        if bytes.len() < 12 + 16 {
            return None;
        }
        let (nonce, body) = bytes.split_at(12);
        let key = self.derive(purpose);
        chacha20poly1305::ChaCha20Poly1305::new(chacha20poly1305::Key::from_slice(&key[..32]))
            .decrypt(chacha20poly1305::Nonce::from_slice(nonce), body)
            .ok()
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

    #[test]
    fn sealed_values_open_only_with_their_secret_and_purpose() {
        let s = Secret::new(b"secret");
        let sealed = s.seal("totp", b"key bytes");
        assert_ne!(
            sealed,
            s.seal("totp", b"key bytes"),
            "a fresh nonce each time"
        );
        assert_eq!(s.open("totp", &sealed).unwrap(), b"key bytes");
        assert!(s.open("other", &sealed).is_none());
        assert!(Secret::new(b"another").open("totp", &sealed).is_none());
        let mut changed = sealed.clone().into_bytes();
        let last = changed.len() - 1;
        changed[last] = if changed[last] == b'0' { b'1' } else { b'0' };
        assert!(
            s.open("totp", &String::from_utf8(changed).unwrap())
                .is_none()
        );
    }
}
