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
}

impl<K: Eq + Hash, V> TtlCache<K, V> {
    pub fn new(ttl: Duration) -> Self {
        Self {
            ttl,
            entries: Mutex::new(HashMap::new()),
        }
    }

    /// The value under `key` if it is young enough, else `compute`'s (kept).
    pub async fn get_or<E, F, Fut>(&self, key: K, compute: F) -> Result<Arc<V>, E>
    where
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = Result<V, E>>,
    {
        if let Some((at, v)) = self
            .entries
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&key)
            && at.elapsed() < self.ttl
        {
            return Ok(v.clone());
        }
        let v = Arc::new(compute().await?);
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        if entries.len() >= MAX_ENTRIES {
            entries.clear();
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
