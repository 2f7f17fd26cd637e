//! A cache of rendered public pages. The procedure pages are read far more
//! often than they change, and one database round trip costs more than the
//! whole rest of the request (see README, "Performance"), so the hot path is a
//! map lookup.
//!
//! Correctness on edit: every write to procedures calls `invalidate_all` in the
//! same process, before the writer's response goes out, and announces it
//! (`AppState::pages_changed`); on PostgreSQL every other node hears it within
//! milliseconds (LISTEN/NOTIFY) and drops its copies. `TTL` stays as the
//! bound should an announcement be lost.

use actix_web::web::Bytes;
use std::collections::HashMap;
use std::sync::RwLock;
use std::time::{Duration, Instant};

pub const TTL: Duration = Duration::from_secs(5);
/// Keys are (language, path) of a bounded set of pages; the bound is a backstop.
const MAX_ENTRIES: usize = 4096;

struct Entry {
    body: Bytes,
    stored: Instant,
}

#[derive(Default)]
pub struct PageCache {
    entries: RwLock<HashMap<String, Entry>>,
}

impl PageCache {
    pub fn get(&self, key: &str) -> Option<Bytes> {
        let entries = self.entries.read().unwrap_or_else(|p| p.into_inner());
        entries
            .get(key)
            .filter(|e| e.stored.elapsed() < TTL)
            .map(|e| e.body.clone())
    }

    pub fn put(&self, key: String, body: Bytes) {
        let mut entries = self.entries.write().unwrap_or_else(|p| p.into_inner());
        if entries.len() >= MAX_ENTRIES {
            entries.retain(|_, e| e.stored.elapsed() < TTL);
            if entries.len() >= MAX_ENTRIES {
                entries.clear();
            }
        }
        entries.insert(
            key,
            Entry {
                body,
                stored: Instant::now(),
            },
        );
    }

    pub fn invalidate_all(&self) {
        self.entries
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stores_and_invalidates() {
        let c = PageCache::default();
        c.put("zh-CN:/procedures/1".into(), Bytes::from_static(b"x"));
        assert_eq!(c.get("zh-CN:/procedures/1").as_deref(), Some(&b"x"[..]));
        assert!(c.get("en:/procedures/1").is_none());
        c.invalidate_all();
        assert!(c.get("zh-CN:/procedures/1").is_none());
    }
}
