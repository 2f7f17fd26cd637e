//! Typed settings from the environment (a `.env` file is honoured by `main`).
//! Settings are passed into `Application::build`, never read from globals, so
//! tests run side by side with different settings.

use crate::crypto::Secret;
use anyhow::Context;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone)]
pub struct Settings {
    /// `MINGJING_BIND`, default `127.0.0.1:8080`.
    pub bind: String,
    /// `MINGJING_DATA_DIR`, default `data`.
    pub data_dir: PathBuf,
    /// `MINGJING_DATABASE_URL`, default SQLite at `<data_dir>/mingjing.db`.
    pub database_url: String,
    /// `MINGJING_SECRET`, or generated into `<data_dir>/secret.key`.
    pub secret: Secret,
    /// `MINGJING_CAPTCHA`: `on` (default) or `off` for local testing only.
    pub captcha: bool,
    /// `MINGJING_SMTP_URL`; mail goes to `.eml` files when unset.
    pub smtp_url: Option<String>,
    /// `MINGJING_SMS_URL` (`smpp://…`): texts go to that gateway; files under `data/sms/` without.
    pub sms_url: Option<String>,
    /// `MINGJING_MAIL_FROM`, the sender of every mail.
    pub mail_from: String,
    /// `MINGJING_PUBLIC_URL`, the site's address as mail links to it.
    pub public_url: String,
    /// `MINGJING_RATE_LIMITS`: `on` (default); `off` for load tests only.
    pub rate_limits: bool,
    /// `MINGJING_MEILI_URL` and `MINGJING_MEILI_KEY`; the embedded index when unset.
    pub meili_url: Option<String>,
    pub meili_key: Option<String>,
    /// `MINGJING_MEILI_INDEX_PREFIX` (default `mingjing`): index names on the
    /// Meilisearch server are `<prefix>_procedures` and so on.
    pub meili_prefix: String,
    /// `MINGJING_SECURE_COOKIES`: `on` when the site is served over HTTPS
    /// (directly or behind a TLS-terminating proxy), so cookies are never sent in clear.
    pub secure_cookies: bool,
    /// How often the job worker looks for due jobs when idle.
    pub job_poll: std::time::Duration,
    /// `MINGJING_WORKER`: whether this node runs the job worker and the deadline
    /// sweep (`on` by default; several nodes may all run it). Tests that drain
    /// the queue themselves turn it off.
    pub run_worker: bool,
    /// `MINGJING_FILES`: where evidence is kept — `directory` (default,
    /// `<data_dir>/files`) or `database` (every node reads the same files).
    pub files: FilesBackend,
    /// `MINGJING_TRUSTED_PROXIES`: comma-separated addresses of the reverse
    /// proxies in front of the nodes; from them, `X-Forwarded-For` names the
    /// client that rate limits count (from anyone else it is ignored).
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// `MINGJING_MAIL_RETRY_DAYS` (default 5, at least 1): how long a mail
    /// that cannot be delivered is retried before it is parked as dead
    /// (`domain::retry`).
    pub mail_retry_days: u32,
    /// `MINGJING_SECOND_FACTOR`: the roles that must pass a TOTP second factor
    /// (`supervisor,auditor,admin` by default; `all` or `none`).
    pub second_factor: crate::domain::staff::SecondFactorPolicy,
    /// `MINGJING_PUBLIC_RANKING`: `on` to show on the public statistics the
    /// monthly ranking (红黑榜) of the bodies below a body — rank and list
    /// only, never scores, never officers; `off` (default): staff only.
    pub public_ranking: bool,
    /// `MINGJING_LETTER_NAMES`: `on` to print the officers' names on answer
    /// letters beside their post and staff number; `off` (default) prints the
    /// post and number only (谁执法、谁负责 without exposing names).
    pub letter_names: bool,
}

/// Where evidence files are kept (`files::FileStore`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FilesBackend {
    Directory,
    Database,
}

/// `MINGJING_DATABASE_URL`, or SQLite in the data directory.
fn database_url_for(data_dir: &Path) -> String {
    var("MINGJING_DATABASE_URL")
        .unwrap_or_else(|| format!("sqlite://{}", data_dir.join("mingjing.db").display()))
}

/// Whether the installation secret comes from `MINGJING_SECRET` rather than `secret.key`.
pub fn secret_from_env() -> bool {
    var("MINGJING_SECRET").is_some()
}

fn var(name: &str) -> Option<String> {
    std::env::var(name)
        .ok()
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
}

fn flag(name: &str, default: bool) -> anyhow::Result<bool> {
    match var(name).as_deref() {
        None => Ok(default),
        Some("on" | "true" | "1" | "yes") => Ok(true),
        Some("off" | "false" | "0" | "no") => Ok(false),
        Some(other) => anyhow::bail!("{name} must be on or off, not {other:?}"),
    }
}

impl Settings {
    /// The search engine these settings name: Meilisearch when `MINGJING_MEILI_URL`
    /// is set, else the embedded index in `<data dir>/search`.
    pub fn search_engine(&self) -> anyhow::Result<std::sync::Arc<dyn crate::search::Engine>> {
        Ok(match &self.meili_url {
            Some(url) => std::sync::Arc::new(crate::search::meili::Meili::new(
                url,
                self.meili_key.as_deref(),
                &self.meili_prefix,
            )?),
            None => std::sync::Arc::new(crate::search::embedded::Embedded::new(
                self.data_dir.join("search"),
            )),
        })
    }

    /// The evidence store these settings name.
    pub fn file_store(
        &self,
        store: &crate::store::Store,
    ) -> std::sync::Arc<dyn crate::files::FileStore> {
        match self.files {
            FilesBackend::Directory => {
                std::sync::Arc::new(crate::files::Directory::new(self.data_dir.join("files")))
            }
            FilesBackend::Database => {
                std::sync::Arc::new(crate::files::InDatabase::new(store.clone()))
            }
        }
    }

    pub fn from_env() -> anyhow::Result<Self> {
        Self::for_data_dir(Self::locations_from_env().0)
    }

    /// The data directory and database URL the environment names, without
    /// creating anything (a restore needs them empty, before a secret exists).
    pub fn locations_from_env() -> (PathBuf, String) {
        let data_dir = PathBuf::from(var("MINGJING_DATA_DIR").unwrap_or_else(|| "data".to_owned()));
        let database_url = database_url_for(&data_dir);
        (data_dir, database_url)
    }

    /// Settings for `data_dir`, with the rest taken from the environment.
    pub fn for_data_dir(data_dir: PathBuf) -> anyhow::Result<Self> {
        std::fs::create_dir_all(&data_dir)
            .with_context(|| format!("creating the data directory {}", data_dir.display()))?;
        let database_url = database_url_for(&data_dir);
        let secret = match var("MINGJING_SECRET") {
            Some(s) => Secret::new(s.as_bytes()),
            None => load_or_create_secret(&data_dir)?,
        };
        Ok(Settings {
            bind: var("MINGJING_BIND").unwrap_or_else(|| "127.0.0.1:8080".to_owned()),
            database_url,
            secret,
            captcha: flag("MINGJING_CAPTCHA", true)?,
            smtp_url: var("MINGJING_SMTP_URL"),
            sms_url: var("MINGJING_SMS_URL"),
            mail_from: var("MINGJING_MAIL_FROM")
                .unwrap_or_else(|| "明镜 Mingjing <noreply@mingjing.localhost>".to_owned()),
            public_url: var("MINGJING_PUBLIC_URL")
                .unwrap_or_else(|| "http://127.0.0.1:8080".to_owned()),
            rate_limits: flag("MINGJING_RATE_LIMITS", true)?,
            meili_url: var("MINGJING_MEILI_URL"),
            meili_key: var("MINGJING_MEILI_KEY"),
            meili_prefix: var("MINGJING_MEILI_INDEX_PREFIX")
                .unwrap_or_else(|| "mingjing".to_owned()),
            secure_cookies: flag("MINGJING_SECURE_COOKIES", false)?,
            job_poll: std::time::Duration::from_millis(500),
            run_worker: flag("MINGJING_WORKER", true)?,
            trusted_proxies: var("MINGJING_TRUSTED_PROXIES")
                .unwrap_or_default()
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|s| {
                    s.parse().with_context(|| {
                        format!("MINGJING_TRUSTED_PROXIES: {s:?} is not an IP address")
                    })
                })
                .collect::<anyhow::Result<_>>()?,
            files: match var("MINGJING_FILES").as_deref() {
                None | Some("directory") => FilesBackend::Directory,
                Some("database") => FilesBackend::Database,
                Some(other) => {
                    anyhow::bail!("MINGJING_FILES must be directory or database, not {other:?}")
                }
            },
            mail_retry_days: match var("MINGJING_MAIL_RETRY_DAYS") {
                None => crate::domain::retry::DEFAULT_MAIL_RETRY_DAYS,
                Some(days) => match days.parse::<u32>() {
                    Ok(n) if (1..=365).contains(&n) => n,
                    _ => anyhow::bail!(
                        "MINGJING_MAIL_RETRY_DAYS must be a whole number of days from 1 to 365, not {days:?}"
                    ),
                },
            },
            second_factor: match var("MINGJING_SECOND_FACTOR") {
                None => crate::domain::staff::SecondFactorPolicy::default(),
                Some(raw) => crate::domain::staff::SecondFactorPolicy::parse(&raw).with_context(|| {
                    format!(
                        "MINGJING_SECOND_FACTOR must be none, all, or roles like supervisor,auditor,admin, not {raw:?}"
                    )
                })?,
            },
            letter_names: flag("MINGJING_LETTER_NAMES", false)?,
            public_ranking: flag("MINGJING_PUBLIC_RANKING", false)?,
            data_dir,
        })
    }
}

/// Reads `secret.key` from the data dir, creating it (mode 0600) on first start,
/// so sessions and stored code hashes survive restarts without configuration.
fn load_or_create_secret(data_dir: &Path) -> anyhow::Result<Secret> {
    use rand::RngCore;
    let path = data_dir.join("secret.key");
    match std::fs::read_to_string(&path) {
        Ok(text) => {
            let bytes = hex::decode(text.trim())
                .with_context(|| format!("{} is not hex", path.display()))?;
            anyhow::ensure!(bytes.len() >= 32, "{} is too short", path.display());
            Ok(Secret::new(&bytes))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let mut bytes = [0u8; 64];
            rand::rng().fill_bytes(&mut bytes);
            crate::crypto::create_key_file(&path, &hex::encode(bytes))
                .with_context(|| format!("creating {}", path.display()))?;
            Ok(Secret::new(&bytes))
        }
        Err(e) => Err(e).with_context(|| format!("reading {}", path.display())),
    }
}
