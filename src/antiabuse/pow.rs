//! Proof of work (工作量证明): the captcha's alternative that needs neither
//! eyes nor arithmetic. The browser (`static/pow.js`) searches for a nonce
//! such that SHA-256 of `challenge:nonce` starts with [`BITS`] zero bits —
//! about 2^18 hashes, under a second in a phone's browser, done while the
//! citizen types. It proves no humanity: it puts a price on every submission
//! (a script pays it for each one, on top of the per-client limits), which the
//! text question in words (answered by a script 31 times out of 31) does not.
//! The challenge is the captcha's id: random, single-use, bound to one form
//! and ten minutes, so no work can be done ahead of it.

use sha2::{Digest, Sha256};

/// Leading zero bits required of the digest (on average 2^BITS attempts).
pub const BITS: u32 = 18;

/// A nonce is decimal digits, at most this many (a solution is found long before).
const MAX_NONCE_DIGITS: usize = 12;

fn digest(challenge: &str, nonce: &str) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(challenge.as_bytes());
    h.update(b":");
    h.update(nonce.as_bytes());
    h.finalize().into()
}

fn leading_zero_bits(digest: &[u8; 32]) -> u32 {
    let mut bits = 0;
    for byte in digest {
        if *byte == 0 {
            bits += 8;
        } else {
            return bits + byte.leading_zeros();
        }
    }
    bits
}

/// Whether `nonce` is a solution of `challenge` at `bits`.
pub fn verify(challenge: &str, nonce: &str, bits: u32) -> bool {
    !nonce.is_empty()
        && nonce.len() <= MAX_NONCE_DIGITS
        && nonce.bytes().all(|b| b.is_ascii_digit())
        && leading_zero_bits(&digest(challenge, nonce)) >= bits
}

/// The first solution of `challenge` at `bits` (what the browser computes;
/// for API clients, tests and the benchmark).
pub fn solve(challenge: &str, bits: u32) -> String {
    (0u64..)
        .map(|n| n.to_string())
        .find(|nonce| verify(challenge, nonce, bits))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_solution_verifies_and_costs_work() {
        let nonce = solve("K7Q2M9XH4TPLW3RC8VNA6JDF5GBE2YZU", 12);
        assert!(verify("K7Q2M9XH4TPLW3RC8VNA6JDF5GBE2YZU", &nonce, 12));
        // Bound to its challenge: the digest of another challenge differs.
        assert_ne!(
            digest("another-challenge", &nonce),
            digest("K7Q2M9XH4TPLW3RC8VNA6JDF5GBE2YZU", &nonce)
        );
        // Not digits, empty or absurdly long: refused without hashing questions.
        assert!(!verify("c", "", 0));
        assert!(!verify("c", "12a", 0));
        assert!(!verify("c", "1234567890123", 0));
        assert!(verify("c", "0", 0));
    }

    #[test]
    fn random_guesses_rarely_pass() {
        let passed = (0..2000)
            .filter(|n| verify("K7Q2M9XH4TPLW3RC8VNA6JDF5GBE2YZU", &n.to_string(), BITS))
            .count();
        assert!(
            passed <= 1,
            "{passed} of 2000 guesses passed at {BITS} bits"
        );
    }

    #[test]
    fn zero_bits_are_counted_from_the_first_byte() {
        let mut d = [0xffu8; 32];
        assert_eq!(leading_zero_bits(&d), 0);
        d[0] = 0;
        d[1] = 0x1f;
        assert_eq!(leading_zero_bits(&d), 11);
    }
}
