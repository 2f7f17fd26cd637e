//! Throttling of failed logins, per account and per client. Only keyed hashes
//! of the e-mail address and the client address are kept, in memory only:
//! nothing about who tried to log in from where is written anywhere.

use crate::crypto::Secret;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

type Key = [u8; 32];

#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub per_account: u32,
    pub per_client: u32,
    pub window: Duration,
}

impl Default for Limits {
    /// Five wrong passwords lock an account for a quarter of an hour; twenty
    /// from one address (a shared office NAT has several people) lock the address.
    fn default() -> Self {
        Self {
            per_account: 5,
            per_client: 20,
            window: Duration::from_secs(15 * 60),
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Window {
    started: Instant,
    failures: u32,
}

pub struct LoginThrottle {
    secret: Secret,
    limits: Limits,
    windows: Mutex<HashMap<Key, Window>>,
}

impl LoginThrottle {
    pub fn new(secret: Secret, limits: Limits) -> Self {
        Self {
            secret,
            limits,
            windows: Mutex::new(HashMap::new()),
        }
    }

    fn key(&self, kind: &str, value: &str) -> Key {
        self.secret
            .keyed_hash(&format!("login-throttle:{kind}"), value.as_bytes())
    }

    /// `Some(wait)` when either the account or the client is locked now.
    pub fn blocked(&self, account: &str, client: &str, now: Instant) -> Option<Duration> {
        let windows = self.windows.lock().unwrap_or_else(|p| p.into_inner());
        [
            (self.key("account", account), self.limits.per_account),
            (self.key("client", client), self.limits.per_client),
        ]
        .into_iter()
        .filter_map(|(k, limit)| {
            let w = windows.get(&k)?;
            let elapsed = now.saturating_duration_since(w.started);
            (w.failures >= limit && elapsed < self.limits.window)
                .then(|| self.limits.window - elapsed)
        })
        .max()
    }

    pub fn record_failure(&self, account: &str, client: &str, now: Instant) {
        let mut windows = self.windows.lock().unwrap_or_else(|p| p.into_inner());
        if windows.len() > 100_000 {
            let window = self.limits.window;
            windows.retain(|_, w| now.saturating_duration_since(w.started) < window);
        }
        for k in [self.key("account", account), self.key("client", client)] {
            let w = windows.entry(k).or_insert(Window {
                started: now,
                failures: 0,
            });
            if now.saturating_duration_since(w.started) >= self.limits.window {
                *w = Window {
                    started: now,
                    failures: 0,
                };
            }
            w.failures += 1;
        }
    }

    /// A successful login clears the account's failures (not the client's:
    /// an attacker who owns one account must not reset the count for others).
    pub fn record_success(&self, account: &str) {
        let mut windows = self.windows.lock().unwrap_or_else(|p| p.into_inner());
        windows.remove(&self.key("account", account));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn throttle() -> LoginThrottle {
        LoginThrottle::new(
            Secret::new(b"k"),
            Limits {
                per_account: 3,
                per_client: 5,
                window: Duration::from_secs(60),
            },
        )
    }

    #[test]
    fn locks_an_account_after_its_limit_and_unlocks_after_the_window() {
        let t = throttle();
        let now = Instant::now();
        for _ in 0..3 {
            assert!(t.blocked("a@x.cn", "1.1.1.1", now).is_none());
            t.record_failure("a@x.cn", "1.1.1.1", now);
        }
        assert!(
            t.blocked("a@x.cn", "2.2.2.2", now).is_some(),
            "another client is locked out of the account too"
        );
        assert!(
            t.blocked("b@x.cn", "1.1.1.1", now).is_none(),
            "other accounts from the client are still open"
        );
        assert!(
            t.blocked("a@x.cn", "1.1.1.1", now + Duration::from_secs(61))
                .is_none()
        );
    }

    #[test]
    fn locks_a_client_that_sprays_many_accounts() {
        let t = throttle();
        let now = Instant::now();
        for i in 0..5 {
            t.record_failure(&format!("u{i}@x.cn"), "9.9.9.9", now);
        }
        assert!(t.blocked("fresh@x.cn", "9.9.9.9", now).is_some());
        assert!(t.blocked("fresh@x.cn", "8.8.8.8", now).is_none());
    }

    #[test]
    fn success_clears_the_account() {
        let t = throttle();
        let now = Instant::now();
        for _ in 0..3 {
            t.record_failure("a@x.cn", "1.1.1.1", now);
        }
        t.record_success("a@x.cn");
        assert!(t.blocked("a@x.cn", "3.3.3.3", now).is_none());
    }
}
