//! Fixed-window counters keyed by a keyed hash of the client address or the
//! contact, in memory only: a restart forgets them, nothing reaches the disk.

use crate::crypto::Secret;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub struct RateLimiter {
    secret: Secret,
    purpose: &'static str,
    window: Duration,
    counts: Mutex<HashMap<[u8; 32], (Instant, u32)>>,
}

impl RateLimiter {
    pub fn new(secret: Secret, purpose: &'static str, window: Duration) -> Self {
        Self {
            secret,
            purpose,
            window,
            counts: Mutex::new(HashMap::new()),
        }
    }

    fn key(&self, value: &str) -> [u8; 32] {
        self.secret.keyed_hash(self.purpose, value.as_bytes())
    }

    /// Counts one event for `value` and returns the count in the current window.
    pub fn hit(&self, value: &str, now: Instant) -> u32 {
        let key = self.key(value);
        let mut counts = self.counts.lock().unwrap_or_else(|p| p.into_inner());
        if counts.len() > 200_000 {
            let window = self.window;
            counts.retain(|_, (start, _)| now.saturating_duration_since(*start) < window);
        }
        let entry = counts.entry(key).or_insert((now, 0));
        if now.saturating_duration_since(entry.0) >= self.window {
            *entry = (now, 0);
        }
        entry.1 += 1;
        entry.1
    }

    /// The count in the current window, without counting.
    pub fn count(&self, value: &str, now: Instant) -> u32 {
        let key = self.key(value);
        let counts = self.counts.lock().unwrap_or_else(|p| p.into_inner());
        counts
            .get(&key)
            .filter(|(start, _)| now.saturating_duration_since(*start) < self.window)
            .map_or(0, |(_, n)| *n)
    }

    /// Seconds until the window of `value` ends.
    pub fn retry_after(&self, value: &str, now: Instant) -> u64 {
        let key = self.key(value);
        let counts = self.counts.lock().unwrap_or_else(|p| p.into_inner());
        counts.get(&key).map_or(0, |(start, _)| {
            self.window
                .saturating_sub(now.saturating_duration_since(*start))
                .as_secs()
                .max(1)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_per_key_within_the_window() {
        let l = RateLimiter::new(Secret::new(b"k"), "t", Duration::from_secs(60));
        let now = Instant::now();
        assert_eq!(l.hit("a", now), 1);
        assert_eq!(l.hit("a", now), 2);
        assert_eq!(l.hit("b", now), 1);
        assert_eq!(l.count("a", now), 2);
        assert_eq!(l.count("a", now + Duration::from_secs(61)), 0);
        assert_eq!(l.hit("a", now + Duration::from_secs(61)), 1);
    }
}
