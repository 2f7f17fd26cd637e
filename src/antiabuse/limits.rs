//! Fixed-window counters keyed by a keyed hash of the client address, the
//! contact or the number, kept in the database (`throttle_counters`) so that
//! every node counts together: two nodes never allow twice the limit. Only the
//! keyed hash and a count are written; an expired window is pruned by the sweep.
//! Windows are measured in wall-clock milliseconds, so nodes need synchronised
//! clocks (NTP), as they already do for the statutory deadlines.

use crate::crypto::Secret;
use crate::store::{Store, StoreResult};
use std::time::Duration;

/// One counter's state after a hit or a look.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Count {
    /// Events in the current window (0: no window open).
    pub count: u32,
    /// Seconds until the window ends (at least 1 while one is open).
    pub retry_after: u64,
}

/// Seconds to wait when any of `counts` has reached its limit (the longest wait), else `None`.
pub fn blocked(counts: &[(Count, u32)]) -> Option<u64> {
    counts
        .iter()
        .filter(|(n, limit)| n.count >= *limit)
        .map(|(n, _)| n.retry_after)
        .max()
}

#[derive(Clone)]
pub struct RateLimiter {
    store: Store,
    secret: Secret,
    purpose: &'static str,
    window: Duration,
}

/// Milliseconds since the epoch, now.
pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

impl RateLimiter {
    pub fn new(store: Store, secret: Secret, purpose: &'static str, window: Duration) -> Self {
        Self {
            store,
            secret,
            purpose,
            window,
        }
    }

    fn key(&self, value: &str) -> String {
        hex::encode(self.secret.keyed_hash(self.purpose, value.as_bytes()))
    }

    fn window_ms(&self) -> i64 {
        i64::try_from(self.window.as_millis()).unwrap_or(i64::MAX)
    }

    fn count_of(&self, window: Option<crate::store::cluster::Window>, now_ms: i64) -> Count {
        match window {
            None => Count {
                count: 0,
                retry_after: 0,
            },
            Some(w) => {
                let left_ms = (w.started_ms + self.window_ms() - now_ms).max(0);
                Count {
                    count: w.count,
                    retry_after: u64::try_from((left_ms + 999) / 1000).unwrap_or(0).max(1),
                }
            }
        }
    }

    /// Counts one event for `value`; the count in the current window after it.
    pub async fn hit(&self, value: &str, now_ms: i64) -> StoreResult<Count> {
        let w = self
            .store
            .throttle_hit(&self.key(value), self.window_ms(), now_ms)
            .await?;
        Ok(self.count_of(Some(w), now_ms))
    }

    /// The count in the current window, without counting.
    pub async fn peek(&self, value: &str, now_ms: i64) -> StoreResult<Count> {
        let w = self.store.throttle_window(&self.key(value), now_ms).await?;
        Ok(self.count_of(w, now_ms))
    }

    /// Ends `value`'s window.
    pub async fn clear(&self, value: &str) -> StoreResult<()> {
        self.store.throttle_clear(&self.key(value)).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn counts_per_key_within_the_window_on_a_shared_database() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("t.db").display());
        let store = Store::connect(&url).await.unwrap();
        let l = RateLimiter::new(store, Secret::new(b"k"), "t", Duration::from_secs(60));
        // A second node: another connection pool on the same database.
        let other = RateLimiter::new(
            Store::connect(&url).await.unwrap(),
            Secret::new(b"k"),
            "t",
            Duration::from_secs(60),
        );
        let now = 1_000_000;
        assert_eq!(l.hit("a", now).await.unwrap().count, 1);
        assert_eq!(other.hit("a", now + 10).await.unwrap().count, 2);
        assert_eq!(l.hit("b", now).await.unwrap().count, 1);
        let peek = l.peek("a", now + 30_000).await.unwrap();
        assert_eq!(
            peek,
            Count {
                count: 2,
                retry_after: 30
            }
        );
        assert_eq!(l.peek("a", now + 61_000).await.unwrap().count, 0);
        assert_eq!(l.hit("a", now + 61_000).await.unwrap().count, 1);
        l.clear("a").await.unwrap();
        assert_eq!(other.peek("a", now + 61_000).await.unwrap().count, 0);
    }
}
