//! A small in-process cache with a time to live, for figures that are costly
//! to count and may be a little old: the oversight pages' live counts (up to
//! `LIVE_TTL` old) and the evaluation's sums over months (up to `SUMS_TTL`).
//! Each node has its own; it holds at most `MAX_ENTRIES` entries (then it
//! starts afresh), so it is a bound cache, never the place anything is kept.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How old a live count (stages, overdue, due this week) may be.
pub const LIVE_TTL: Duration = Duration::from_secs(10);
/// How old a sum over months of roll-ups may be.
pub const SUMS_TTL: Duration = Duration::from_secs(60);
const MAX_ENTRIES: usize = 10_000;

pub struct TtlCache<K, V> {
    ttl: Duration,
    entries: Mutex<HashMap<K, (Instant, Arc<V>)>>,
    /// One computation per key at a time: when a busy page's entry expires,
    /// one request counts and the others wait for its result, instead of all
    /// of them counting at once (which tripled the p99 of the province's
    /// oversight page under 16 clients).
    computing: Mutex<HashMap<K, Arc<tokio::sync::Mutex<()>>>>,
}

impl<K: Eq + Hash + Clone, V> TtlCache<K, V> {
    pub fn new(ttl: Duration) -> Self {
        Self {
            ttl,
            entries: Mutex::new(HashMap::new()),
            computing: Mutex::new(HashMap::new()),
        }
    }

    fn fresh(&self, key: &K) -> Option<Arc<V>> {
        self.younger_than(key, self.ttl)
    }

    fn younger_than(&self, key: &K, age: Duration) -> Option<Arc<V>> {
        self.entries
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(key)
            .filter(|(at, _)| at.elapsed() < age)
            .map(|(_, v)| v.clone())
    }

    /// The value under `key` if it is young enough, else `compute`'s (kept).
    pub async fn get_or<E, F, Fut>(&self, key: K, compute: F) -> Result<Arc<V>, E>
    where
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = Result<V, E>>,
    {
        if let Some(v) = self.fresh(&key) {
            return Ok(v);
        }
        let gate = self
            .computing
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .entry(key.clone())
            .or_default()
            .clone();
        // While one request counts again, the others are served the value
        // just expired (up to three times its time to live), so a costly
        // count never holds a busy page up; with none to serve, they wait.
        let _turn = match gate.try_lock() {
            Ok(turn) => turn,
            Err(_) => {
                if let Some(stale) = self.younger_than(&key, self.ttl * 3) {
                    return Ok(stale);
                }
                gate.lock().await
            }
        };
        // Whoever held the gate before may have just counted it.
        if let Some(v) = self.fresh(&key) {
            return Ok(v);
        }
        let v = Arc::new(compute().await?);
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        if entries.len() >= MAX_ENTRIES {
            entries.clear();
            self.computing
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .retain(|_, g| Arc::strong_count(g) > 1);
        }
        entries.insert(key, (Instant::now(), v.clone()));
        Ok(v)
    }

    /// Forgets everything (a rebuild of the roll-ups).
    pub fn clear(&self) {
        self.entries
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[tokio::test]
    async fn requests_that_miss_together_count_once() {
        let cache = Arc::new(TtlCache::<u8, u32>::new(Duration::from_secs(60)));
        let calls = Arc::new(AtomicUsize::new(0));
        let waiting: Vec<_> = (0..8)
            .map(|_| {
                let (cache, calls) = (cache.clone(), calls.clone());
                tokio::spawn(async move {
                    cache
                        .get_or(1, || async {
                            calls.fetch_add(1, Ordering::SeqCst);
                            tokio::time::sleep(Duration::from_millis(50)).await;
                            Ok::<_, ()>(7)
                        })
                        .await
                })
            })
            .collect();
        for w in waiting {
            assert_eq!(*w.await.unwrap().unwrap(), 7);
        }
        assert_eq!(
            calls.load(Ordering::SeqCst),
            1,
            "one count for eight requests"
        );
    }

    #[tokio::test]
    async fn while_one_request_counts_again_the_others_get_the_last_value() {
        let cache = Arc::new(TtlCache::<u8, u32>::new(Duration::from_millis(20)));
        assert_eq!(
            *cache.get_or(1, || async { Ok::<_, ()>(1) }).await.unwrap(),
            1
        );
        tokio::time::sleep(Duration::from_millis(30)).await;
        let slow = {
            let cache = cache.clone();
            tokio::spawn(async move {
                cache
                    .get_or(1, || async {
                        tokio::time::sleep(Duration::from_millis(200)).await;
                        Ok::<_, ()>(2)
                    })
                    .await
            })
        };
        tokio::time::sleep(Duration::from_millis(10)).await;
        let started = std::time::Instant::now();
        let stale = cache.get_or(1, || async { Ok::<_, ()>(3) }).await.unwrap();
        assert_eq!(*stale, 1, "the expired value, not a wait");
        assert!(started.elapsed() < Duration::from_millis(100));
        assert_eq!(*slow.await.unwrap().unwrap(), 2);
        assert_eq!(
            *cache.get_or(1, || async { Ok::<_, ()>(4) }).await.unwrap(),
            2
        );
    }

    #[tokio::test]
    async fn a_failed_count_is_not_kept() {
        let cache = TtlCache::<u8, u32>::new(Duration::from_secs(60));
        assert!(
            cache
                .get_or(1, || async { Err::<u32, _>("down") })
                .await
                .is_err()
        );
        assert_eq!(
            *cache.get_or(1, || async { Ok::<_, ()>(3) }).await.unwrap(),
            3
        );
    }
}
