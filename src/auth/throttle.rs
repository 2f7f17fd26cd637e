//! Throttling of failed logins, per account and per client. Only keyed hashes
//! of the e-mail address and the client address are kept, as counters in the
//! database (`antiabuse::limits`), so every node counts the same failures:
//! nothing about who tried to log in from where is written anywhere.

use crate::antiabuse::limits::RateLimiter;
use crate::crypto::Secret;
use crate::store::{Store, StoreResult};
use std::time::Duration;

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

pub struct LoginThrottle {
    limits: Limits,
    account: RateLimiter,
    client: RateLimiter,
}

impl LoginThrottle {
    pub fn new(store: Store, secret: Secret, limits: Limits) -> Self {
        Self {
            account: RateLimiter::new(
                store.clone(),
                secret.clone(),
                "login-throttle:account",
                limits.window,
            ),
            client: RateLimiter::new(store, secret, "login-throttle:client", limits.window),
            limits,
        }
    }

    /// `Some(seconds)` while either the account or the client is locked.
    pub async fn blocked(
        &self,
        account: &str,
        client: &str,
        now_ms: i64,
    ) -> StoreResult<Option<u64>> {
        let a = self.account.peek(account, now_ms).await?;
        let c = self.client.peek(client, now_ms).await?;
        Ok(crate::antiabuse::limits::blocked(&[
            (a, self.limits.per_account),
            (c, self.limits.per_client),
        ]))
    }

    pub async fn record_failure(
        &self,
        account: &str,
        client: &str,
        now_ms: i64,
    ) -> StoreResult<()> {
        self.account.hit(account, now_ms).await?;
        self.client.hit(client, now_ms).await?;
        Ok(())
    }

    /// A successful login clears the account's failures (not the client's:
    /// an attacker who owns one account must not reset the count for others).
    pub async fn record_success(&self, account: &str) -> StoreResult<()> {
        self.account.clear(account).await
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
                per_account: 3,
                per_client: 5,
                window: Duration::from_secs(60),
            },
        );
        (dir, t)
    }

    #[tokio::test]
    async fn locks_an_account_after_its_limit_and_unlocks_after_the_window() {
        let (_dir, t) = throttle().await;
        let now = 5_000_000;
        for _ in 0..3 {
            assert!(t.blocked("a@x.cn", "1.1.1.1", now).await.unwrap().is_none());
            t.record_failure("a@x.cn", "1.1.1.1", now).await.unwrap();
        }
        assert!(
            t.blocked("a@x.cn", "2.2.2.2", now).await.unwrap().is_some(),
            "another client is locked out of the account too"
        );
        assert!(
            t.blocked("b@x.cn", "1.1.1.1", now).await.unwrap().is_none(),
            "other accounts from the client are still open"
        );
        assert!(
            t.blocked("a@x.cn", "1.1.1.1", now + 61_000)
                .await
                .unwrap()
                .is_none()
        );
    }

    #[tokio::test]
    async fn locks_a_client_that_sprays_many_accounts() {
        let (_dir, t) = throttle().await;
        let now = 5_000_000;
        for i in 0..5 {
            t.record_failure(&format!("u{i}@x.cn"), "9.9.9.9", now)
                .await
                .unwrap();
        }
        assert!(
            t.blocked("fresh@x.cn", "9.9.9.9", now)
                .await
                .unwrap()
                .is_some()
        );
        assert!(
            t.blocked("fresh@x.cn", "8.8.8.8", now)
                .await
                .unwrap()
                .is_none()
        );
    }

    #[tokio::test]
    async fn success_clears_the_account() {
        let (_dir, t) = throttle().await;
        let now = 5_000_000;
        for _ in 0..3 {
            t.record_failure("a@x.cn", "1.1.1.1", now).await.unwrap();
        }
        t.record_success("a@x.cn").await.unwrap();
        assert!(t.blocked("a@x.cn", "3.3.3.3", now).await.unwrap().is_none());
    }
}
