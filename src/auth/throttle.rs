//! Throttling of failed logins, without locking the real user out of their
//! own account. Three counters, each a keyed hash in the database (so every
//! node counts the same failures, and nothing says who tried from where):
//!
//! - per account and client: exponential backoff (`domain::staff::backoff`):
//!   three free attempts, then 1 s, 2 s, 4 s … up to 15 minutes between
//!   attempts, remembered for a day. A guesser at one address is slowed to a
//!   handful of attempts an hour; nobody else is slowed at all.
//! - per client: 20 failures in 15 minutes, whatever the accounts, lock that
//!   client (someone spraying many accounts from one place).
//! - per account, from unknown devices: 30 failures in an hour from browsers
//!   that have never signed in to the account lock out further unknown
//!   browsers for the rest of the hour (a guesser spread over many
//!   addresses). A browser that signed in to the account before carries a
//!   device cookie (signed, 90 days) and is never held by this counter: the
//!   real user on their own device keeps working. Supervisors, auditors and
//!   administrators also need their second factor.

use crate::antiabuse::limits::RateLimiter;
use crate::crypto::Secret;
use crate::store::{Store, StoreResult};
use std::time::Duration;

#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub per_client: u32,
    pub client_window: Duration,
    pub unknown_devices_per_account: u32,
    pub account_window: Duration,
    /// How long a pair's failures are remembered after the last one.
    pub backoff_memory: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            per_client: 20,
            client_window: Duration::from_secs(15 * 60),
            unknown_devices_per_account: 30,
            account_window: Duration::from_secs(3600),
            backoff_memory: Duration::from_secs(24 * 3600),
        }
    }
}

pub struct LoginThrottle {
    store: Store,
    secret: Secret,
    limits: Limits,
    client: RateLimiter,
    account: RateLimiter,
}

fn ms(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

impl LoginThrottle {
    pub fn new(store: Store, secret: Secret, limits: Limits) -> Self {
        Self {
            client: RateLimiter::new(
                store.clone(),
                secret.clone(),
                "login-throttle:client",
                limits.client_window,
            ),
            account: RateLimiter::new(
                store.clone(),
                secret.clone(),
                "login-throttle:account-unknown-devices",
                limits.account_window,
            ),
            store,
            secret,
            limits,
        }
    }

    fn pair(&self, account: &str, client: &str) -> String {
        hex::encode(
            self.secret
                .keyed_hash("login-backoff", format!("{account}\n{client}").as_bytes()),
        )
    }

    /// `Some(seconds)` to wait before this client may try this account again.
    pub async fn blocked(
        &self,
        account: &str,
        client: &str,
        known_device: bool,
        now_ms: i64,
    ) -> StoreResult<Option<u64>> {
        let mut waits = Vec::new();
        let c = self.client.peek(client, now_ms).await?;
        waits.push((c, self.limits.per_client));
        if !known_device {
            let a = self.account.peek(account, now_ms).await?;
            waits.push((a, self.limits.unknown_devices_per_account));
        }
        let counted = crate::antiabuse::limits::blocked(&waits);
        let backoff = self
            .store
            .backoff_wait(&self.pair(account, client), now_ms)
            .await?
            .map(|until| {
                u64::try_from((until - now_ms + 999) / 1000)
                    .unwrap_or(1)
                    .max(1)
            });
        Ok(counted.into_iter().chain(backoff).max())
    }

    pub async fn record_failure(
        &self,
        account: &str,
        client: &str,
        known_device: bool,
        now_ms: i64,
    ) -> StoreResult<()> {
        self.client.hit(client, now_ms).await?;
        if !known_device {
            self.account.hit(account, now_ms).await?;
        }
        self.store
            .backoff_failure(
                &self.pair(account, client),
                now_ms,
                ms(self.limits.backoff_memory),
                |n| ms(crate::domain::staff::backoff(n)),
            )
            .await?;
        Ok(())
    }

    /// A successful login forgets this client's failures on the account (not
    /// the client's own count: an attacker who owns one account must not reset
    /// it for the others; nor the unknown-device count of the account).
    pub async fn record_success(&self, account: &str, client: &str) -> StoreResult<()> {
        self.store.backoff_clear(&self.pair(account, client)).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn throttle() -> (tempfile::TempDir, LoginThrottle) {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("t.db").display());
        let store = Store::connect(&url).await.unwrap();
        let t = LoginThrottle::new(
            store,
            Secret::new(b"k"),
            Limits {
                per_client: 8,
                unknown_devices_per_account: 6,
                ..Limits::default()
            },
        );
        (dir, t)
    }

    #[tokio::test]
    async fn one_client_is_slowed_down_on_one_account_and_nobody_else() {
        let (_dir, t) = throttle().await;
        let now = 5_000_000;
        for _ in 0..3 {
            assert!(
                t.blocked("a@x.cn", "1.1.1.1", false, now)
                    .await
                    .unwrap()
                    .is_none()
            );
            t.record_failure("a@x.cn", "1.1.1.1", false, now)
                .await
                .unwrap();
        }
        // Three are free; the fourth failure makes the next attempt wait 1 s, the fifth 2 s.
        assert!(
            t.blocked("a@x.cn", "1.1.1.1", false, now)
                .await
                .unwrap()
                .is_none()
        );
        t.record_failure("a@x.cn", "1.1.1.1", false, now)
            .await
            .unwrap();
        assert_eq!(
            t.blocked("a@x.cn", "1.1.1.1", false, now).await.unwrap(),
            Some(1)
        );
        t.record_failure("a@x.cn", "1.1.1.1", false, now + 1_000)
            .await
            .unwrap();
        assert_eq!(
            t.blocked("a@x.cn", "1.1.1.1", false, now + 1_000)
                .await
                .unwrap(),
            Some(2)
        );
        assert!(
            t.blocked("a@x.cn", "1.1.1.1", false, now + 3_000)
                .await
                .unwrap()
                .is_none()
        );
        // Another client on the same account, and the same client on another account: not slowed.
        assert!(
            t.blocked("a@x.cn", "2.2.2.2", false, now)
                .await
                .unwrap()
                .is_none()
        );
        assert!(
            t.blocked("b@x.cn", "1.1.1.1", false, now)
                .await
                .unwrap()
                .is_none()
        );
        // Success clears the pair.
        t.record_success("a@x.cn", "1.1.1.1").await.unwrap();
        assert!(
            t.blocked("a@x.cn", "1.1.1.1", false, now + 1_000)
                .await
                .unwrap()
                .is_none()
        );
    }

    #[tokio::test]
    async fn a_client_spraying_many_accounts_is_locked() {
        let (_dir, t) = throttle().await;
        let now = 5_000_000;
        for i in 0..8 {
            t.record_failure(&format!("u{i}@x.cn"), "9.9.9.9", false, now)
                .await
                .unwrap();
        }
        assert!(
            t.blocked("fresh@x.cn", "9.9.9.9", true, now)
                .await
                .unwrap()
                .is_some()
        );
        assert!(
            t.blocked("fresh@x.cn", "8.8.8.8", false, now)
                .await
                .unwrap()
                .is_none()
        );
    }

    #[tokio::test]
    async fn many_addresses_on_one_account_hold_unknown_devices_but_never_a_known_one() {
        let (_dir, t) = throttle().await;
        let now = 5_000_000;
        for i in 0..6 {
            t.record_failure("a@x.cn", &format!("10.0.0.{i}"), false, now)
                .await
                .unwrap();
        }
        assert!(
            t.blocked("a@x.cn", "10.9.9.9", false, now)
                .await
                .unwrap()
                .is_some()
        );
        assert!(
            t.blocked("a@x.cn", "10.9.9.9", true, now)
                .await
                .unwrap()
                .is_none(),
            "the real user's own browser"
        );
    }
}
