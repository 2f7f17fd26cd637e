//! The public forms' rate limits, and the stored forms of the codes a
//! citizen holds (an access code, a case's query code), compared in constant time.

use super::App;
use crate::domain::codes::{AccessCode, TrackingNumber};
use std::time::Duration;
use subtle::ConstantTimeEq;

/// Rate limits of the public forms.
pub struct Limits {
    pub submit_client: crate::antiabuse::limits::RateLimiter,
    pub submit_contact: crate::antiabuse::limits::RateLimiter,
    /// Failed lookups of one number from one client: a guesser is stopped
    /// without locking the real petitioner out from their own address.
    pub lookup_pair: crate::antiabuse::limits::RateLimiter,
    pub lookup_client: crate::antiabuse::limits::RateLimiter,
    /// Challenges issued to one client (each is a database row).
    pub captcha_client: crate::antiabuse::limits::RateLimiter,
    /// Challenges passed by the text question from one client.
    pub question_client: crate::antiabuse::limits::RateLimiter,
}

/// Challenges one client may pass by the text question in an hour.
pub const QUESTION_CLIENT_LIMIT: u32 = 5;

/// Submissions per client per hour before new ones are held for review, and before they are refused.
pub const CLIENT_SOFT_LIMIT: u32 = 10;

pub const CLIENT_HARD_LIMIT: u32 = 30;

/// Submissions per e-mail address or phone per day before new ones are held for review.
pub const CONTACT_SOFT_LIMIT: u32 = 5;

/// Failed lookups per tracking number from one client, and per client, in
/// 15 minutes. Not per number alone: wrong codes sent from elsewhere would
/// then lock the petitioner out of their own petition (the access code's 80
/// bits make guessing hopeless without any limit per number).
pub const LOOKUP_PAIR_LIMIT: u32 = 10;

pub const LOOKUP_CLIENT_LIMIT: u32 = 50;

/// Captcha challenges issued to one client in 15 minutes: a form or two a
/// minute is more than any person filling forms asks for.
pub const CAPTCHA_CLIENT_LIMIT: u32 = 60;

impl Limits {
    pub fn new(store: &crate::store::Store, secret: &crate::crypto::Secret) -> Self {
        use crate::antiabuse::limits::RateLimiter;
        let limiter = |purpose, secs| {
            RateLimiter::new(
                store.clone(),
                secret.clone(),
                purpose,
                Duration::from_secs(secs),
            )
        };
        Limits {
            submit_client: limiter("limit:submit-client", 3600),
            submit_contact: limiter("limit:submit-contact", 86_400),
            lookup_pair: limiter("limit:lookup-pair", 900),
            lookup_client: limiter("limit:lookup-client", 900),
            captcha_client: limiter("limit:captcha-client", 900),
            question_client: limiter("limit:captcha-question-client", 3600),
        }
    }
}

/// Two stored hashes compared in constant time.
pub(crate) fn hashes_match(a: &str, b: &str) -> bool {
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

/// The stored form of an access code: bound to its tracking number.
pub fn access_code_hash(app: &App, tn: &TrackingNumber, code: &AccessCode) -> String {
    app.hex_hash("access-code", &format!("{}:{}", tn.as_str(), code.as_str()))
}

/// The stored form of a case's query code: bound to its case number.
pub fn query_code_hash(app: &App, case_number: &str, code: &AccessCode) -> String {
    app.hex_hash(
        "case-query-code",
        &format!("{case_number}:{}", code.as_str()),
    )
}
