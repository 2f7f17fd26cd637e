//! The application layer: the use cases of the portal — filing, lookup,
//! handling, publishing, cases, procedures, search, accounts, the sweep — each
//! a function over [`App`] that loads what a rule needs, asks the domain, and
//! has the store persist the answer. No HTTP here (no actix): the web layer
//! extracts a request, calls one of these and renders what comes back; the
//! CLI and the job workers call the same functions.
//!
//! One error type, [`Error`]: what a caller can show its reader (a refusal, a
//! conflict, invalid fields, a throttle) and `Internal` for our failures. The
//! web layer turns it into a page or JSON in one place (`web::error`).

pub mod accounts;
pub mod acting;
pub mod administration;
pub mod agencies;
pub mod bulletins;
pub mod cache;
pub mod calendar;
pub mod cases;
pub mod catalogue;
pub mod cluster;
pub mod drafts;
pub mod duplicates;
pub mod exceptions;
pub mod filing;
pub mod handling;
pub mod health;
pub mod letters;
pub mod limits;
pub mod lookup;
pub mod notices;
pub mod officer_record;
pub mod open311;
pub mod oversight;
pub mod procedures;
pub mod queue;
pub mod ranking;
pub mod records;
pub mod retention;
pub mod search;
pub mod snapshots;
pub mod statistics;
pub mod supervision;
pub mod sweep;
pub mod uploads;

use crate::domain::FieldErrors;
use crate::domain::codes::TrackingNumberError;
use crate::domain::workflow::Refusal;
use crate::store::{Store, StoreError};
use std::sync::Arc;

/// What every use case can reach: persistence, the installation secret, the
/// file store, the search service and the anti-abuse counters.
pub struct App {
    pub store: Store,
    pub secret: crate::crypto::Secret,
    pub files: std::sync::Arc<dyn crate::files::FileStore>,
    pub search: Arc<crate::search::Search>,
    /// Rate limits of the public forms.
    pub limits: limits::Limits,
    pub login_throttle: crate::auth::throttle::LoginThrottle,
    /// `MINGJING_CAPTCHA=off` only for local testing.
    pub captcha_on: bool,
    /// `MINGJING_RATE_LIMITS=off` only for load tests.
    pub rate_limits_on: bool,
    /// The oversight and evaluation figures, cached for seconds (`app::cache`).
    pub figures: oversight::Figures,
    /// The exceptions lists, cached for seconds (`app::exceptions`).
    pub exceptions: exceptions::Cache,
    /// The public statistics, cached for seconds (`app::statistics`).
    pub statistics: statistics::Cached,
    /// Open311 partners' requests per minute (`app::open311`).
    pub partner_limit: crate::antiabuse::limits::RateLimiter,
    /// Where the installation's audit signing key is (`audit::checkpoint`).
    pub data_dir: std::path::PathBuf,
    /// This node, as `/healthz` and the other nodes see it (`app::cluster`).
    pub node: cluster::Node,
    /// The roles that must pass a second factor (`MINGJING_SECOND_FACTOR`).
    pub second_factor: crate::domain::staff::SecondFactorPolicy,
    /// The site's address as printed on letters (`MINGJING_PUBLIC_URL`, no trailing `/`).
    pub public_url: String,
    /// Answer letters name the officers (`MINGJING_LETTER_NAMES`).
    pub letter_names: bool,
    /// Whether the public statistics show the bodies' ranking (`MINGJING_PUBLIC_RANKING`).
    pub public_ranking: bool,
    /// Turns at checking evidence ([`uploads::EVIDENCE_CHECKS`] at once on this node).
    pub evidence_checks: Arc<tokio::sync::Semaphore>,
}

impl App {
    pub fn new(
        store: Store,
        settings: &crate::config::Settings,
        search: Arc<crate::search::Search>,
    ) -> Self {
        App {
            store: store.clone(),
            secret: settings.secret.clone(),
            files: settings.file_store(&store),
            search: search.clone(),
            limits: limits::Limits::new(&store, &settings.secret),
            login_throttle: crate::auth::throttle::LoginThrottle::new(
                store.clone(),
                settings.secret.clone(),
                crate::auth::throttle::Limits::default(),
            ),
            captcha_on: settings.captcha,
            rate_limits_on: settings.rate_limits,
            figures: oversight::Figures::default(),
            exceptions: exceptions::cache(),
            statistics: statistics::Cached::default(),
            partner_limit: crate::antiabuse::limits::RateLimiter::new(
                store.clone(),
                settings.secret.clone(),
                "limit:open311-partner",
                std::time::Duration::from_secs(60),
            ),
            data_dir: settings.data_dir.clone(),
            node: cluster::Node::new(settings.run_worker, search.engine.name()),
            second_factor: settings.second_factor.clone(),
            public_url: settings.public_url.trim_end_matches('/').to_owned(),
            letter_names: settings.letter_names,
            public_ranking: settings.public_ranking,
            evidence_checks: Arc::new(tokio::sync::Semaphore::new(uploads::EVIDENCE_CHECKS)),
        }
    }

    /// The installation's signing key (the audit checkpoints', the snapshots').
    pub fn signing_key(&self) -> Result<ed25519_dalek::SigningKey> {
        crate::audit::checkpoint::signing_key(&self.data_dir).map_err(Error::internal)
    }

    /// A keyed hash of `value` for `purpose`, as stored (hex).
    pub(crate) fn hex_hash(&self, purpose: &str, value: &str) -> String {
        hex::encode(self.secret.keyed_hash(purpose, value.as_bytes()))
    }
}

/// The application's one error type.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// No such thing in the caller's scope (a wrong id, another agency's, recused).
    #[error("not found")]
    NotFound,
    /// A tracking number and access code (or case number and query code) that
    /// do not open anything: deliberately the same for a wrong number.
    #[error("no match for that number and code")]
    NoMatch,
    /// The same, for a case number and query code.
    #[error("no case for that number and code")]
    NoCaseMatch,
    /// A tracking number that is not one, or has a typo (its check character).
    #[error("tracking number: {0}")]
    TrackingNumber(TrackingNumberError),
    /// The caller's role may not do that here.
    #[error("forbidden")]
    Forbidden,
    /// The workflow refuses the command.
    #[error("refused: {0}")]
    Refused(Refusal),
    /// Someone changed it meanwhile; `current` is its version now.
    #[error("changed meanwhile (now version {current})")]
    Conflict { current: i32 },
    /// A choice that is not valid here; the key names the explanation.
    #[error("invalid ({0})")]
    Invalid(&'static str),
    /// Fields of a form, each with its problem.
    #[error("invalid fields")]
    Fields(FieldErrors),
    #[error("captcha missing, wrong, expired or used")]
    Captcha,
    #[error("too many attempts; retry after {retry_after} s")]
    Throttled { retry_after: u64 },
    /// An uploaded file refused (by content, size or number); `name` may be empty.
    #[error("file refused: {name} ({key})")]
    File { name: String, key: &'static str },
    /// Wrong e-mail address or password.
    #[error("login failed")]
    LoginFailed,
    /// The search engine does not answer (the rest of the portal works).
    #[error("search unavailable: {0}")]
    SearchUnavailable(String),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    pub fn internal(e: impl Into<anyhow::Error>) -> Self {
        Error::Internal(e.into())
    }
}

impl From<StoreError> for Error {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => Error::NotFound,
            StoreError::Conflict { current } => Error::Conflict { current },
            other => Error::Internal(anyhow::Error::new(other)),
        }
    }
}

impl From<sea_orm::DbErr> for Error {
    fn from(e: sea_orm::DbErr) -> Self {
        Error::Internal(anyhow::Error::new(e))
    }
}

impl From<Refusal> for Error {
    fn from(r: Refusal) -> Self {
        Error::Refused(r)
    }
}

/// The operating system's CSPRNG, for codes that must not be guessed.
pub(crate) fn os_rng() -> impl rand::CryptoRng {
    use rand::TryRngCore;
    rand::rngs::OsRng.unwrap_err()
}

/// Today in China time, the agencies' calendar.
pub fn today() -> chrono::NaiveDate {
    crate::domain::clock::china_date(chrono::Utc::now())
}
