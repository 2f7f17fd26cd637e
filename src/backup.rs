//! Backup and restore of a whole installation (备份与恢复), while it serves.
//!
//! A backup directory holds:
//! - the database: on SQLite `VACUUM INTO` (one consistent snapshot, taken
//!   through SQLite itself, so writers carry on), on PostgreSQL `pg_dump
//!   --format=custom` (one repeatable-read snapshot);
//! - the evidence files of the directory store, copied *after* the database
//!   snapshot: a file is written before the transaction that names it commits
//!   and files are never changed, so every file the snapshot names is there by
//!   then (files kept in the database travel inside its dump);
//! - `secret.key` (the installation secret: without it no access code opens its
//!   petition) and `audit-signing.key` (which signs the trail's checkpoints);
//! - `manifest.json`: what was taken, and the audit trail's head when the
//!   backup began, which a restore must find unchanged in the chain.
//!
//! The search indexes are not backed up: `mingjing reindex` rebuilds them from
//! the database. The directory is created readable by its owner only; it holds
//! everything needed to impersonate the installation and every complainant's
//! identity, and must be kept like the database itself.

use crate::store::Store;
use anyhow::{Context, bail, ensure};
use sea_orm::ConnectionTrait;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

pub const MANIFEST: &str = "manifest.json";
const SQLITE_FILE: &str = "mingjing.db";
const PG_FILE: &str = "database.pgdump";
const FILES_DIR: &str = "files";
const KEYS: [&str; 2] = ["secret.key", "audit-signing.key"];

/// What a backup holds.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Manifest {
    /// The layout of this directory; a restore refuses one it does not know.
    pub format: u32,
    /// The version of the portal that wrote it.
    pub version: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
    /// `sqlite` or `postgres`.
    pub database: String,
    /// Evidence files copied from the directory store (0 when they are in the database).
    pub files: u64,
    pub file_bytes: u64,
    /// The audit trail's last entry when the backup began: (id, hash).
    pub audit_head: Option<(i64, String)>,
    /// Whether `secret.key` is in the backup; when the secret came from
    /// `MINGJING_SECRET` it is not, and must be kept with the backup apart.
    pub secret_included: bool,
}

/// What a restore brought back and checked.
#[derive(Debug, Clone)]
pub struct Restored {
    pub manifest: Manifest,
    pub audit_entries: usize,
    pub files: u64,
}

fn backend_of(url: &str) -> &'static str {
    if url.starts_with("postgres") {
        "postgres"
    } else {
        "sqlite"
    }
}

/// The file a `sqlite://` URL names.
fn sqlite_path(url: &str) -> anyhow::Result<PathBuf> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .with_context(|| format!("{url:?} is not a sqlite URL"))?;
    let path = rest.split('?').next().unwrap_or_default();
    ensure!(
        !path.is_empty() && path != ":memory:",
        "{url:?} names no database file"
    );
    Ok(PathBuf::from(path))
}

fn create_private_dir(dir: &Path) -> anyhow::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder
        .create(dir)
        .with_context(|| format!("creating {}", dir.display()))
}

fn is_empty_dir(dir: &Path) -> anyhow::Result<bool> {
    match std::fs::read_dir(dir) {
        Ok(mut entries) => Ok(entries.next().is_none()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(true),
        Err(e) => Err(e).with_context(|| format!("reading {}", dir.display())),
    }
}

/// Copies the content-addressed tree `from` into `to` (temporary files of an
/// upload in progress, named `.…`, are left out), checking that each file's
/// SHA-256 is its name. Returns (files, bytes).
fn copy_files(from: &Path, to: &Path) -> anyhow::Result<(u64, u64)> {
    let mut stack = vec![from.to_path_buf()];
    let (mut n, mut bytes) = (0u64, 0u64);
    while let Some(dir) = stack.pop() {
        let entries = match std::fs::read_dir(&dir) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => return Err(e).with_context(|| format!("reading {}", dir.display())),
        };
        for entry in entries {
            let entry = entry?;
            let path = entry.path();
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with('.') {
                continue;
            }
            if entry.file_type()?.is_dir() {
                stack.push(path);
                continue;
            }
            let content =
                std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
            let sha = hex::encode(Sha256::digest(&content));
            ensure!(
                sha == name,
                "{} does not hold what its name says (SHA-256 {sha}): the evidence store is damaged",
                path.display()
            );
            let target = to.join(path.strip_prefix(from)?);
            if let Some(parent) = target.parent() {
                std::fs::create_dir_all(parent)?;
            }
            std::fs::write(&target, &content)
                .with_context(|| format!("writing {}", target.display()))?;
            n += 1;
            bytes += content.len() as u64;
        }
    }
    Ok((n, bytes))
}

/// Copies a key file, readable by its owner only.
fn copy_key(from: &Path, to: &Path) -> anyhow::Result<bool> {
    match std::fs::read_to_string(from) {
        Ok(text) => {
            crate::crypto::create_key_file(to, text.trim())
                .with_context(|| format!("writing {}", to.display()))?;
            Ok(true)
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(e).with_context(|| format!("reading {}", from.display())),
    }
}

async fn run(program: &str, args: &[&str]) -> anyhow::Result<()> {
    let out = tokio::process::Command::new(program)
        .args(args)
        .output()
        .await
        .with_context(|| {
            format!(
                "running {program} (install the PostgreSQL client tools of the server's version)"
            )
        })?;
    ensure!(
        out.status.success(),
        "{program} failed: {}",
        String::from_utf8_lossy(&out.stderr).trim()
    );
    Ok(())
}

/// Backs up the installation of `data_dir` and `database_url` (its secret in
/// `secret.key`, unless `secret_from_env`) into `out`, which must not exist or be empty.
pub async fn backup(
    store: &Store,
    data_dir: &Path,
    database_url: &str,
    secret_from_env: bool,
    out: &Path,
) -> anyhow::Result<Manifest> {
    ensure!(
        is_empty_dir(out)?,
        "{} is not empty: back up into a new directory",
        out.display()
    );
    create_private_dir(out)?;
    let audit_head = crate::audit::head(store.conn()).await?;
    let database = backend_of(database_url);
    if database == "sqlite" {
        let target = out.join(SQLITE_FILE);
        let target = target
            .to_str()
            .context("the backup directory's path is not UTF-8")?
            .replace('\'', "''");
        store
            .conn()
            .execute_unprepared(&format!("VACUUM INTO '{target}'"))
            .await
            .context("taking the SQLite snapshot")?;
    } else {
        let file = out.join(PG_FILE);
        run(
            "pg_dump",
            &[
                "--format=custom",
                "--no-owner",
                "--no-privileges",
                "--file",
                file.to_str()
                    .context("the backup directory's path is not UTF-8")?,
                "--dbname",
                database_url,
            ],
        )
        .await?;
    }
    let from = data_dir.join(FILES_DIR);
    let to = out.join(FILES_DIR);
    let (files, file_bytes) = tokio::task::spawn_blocking(move || copy_files(&from, &to)).await??;
    let mut secret_included = false;
    for key in KEYS {
        let copied = copy_key(&data_dir.join(key), &out.join(key))?;
        if key == "secret.key" {
            secret_included = copied && !secret_from_env;
        }
    }
    let manifest = Manifest {
        format: 1,
        version: env!("CARGO_PKG_VERSION").to_owned(),
        created_at: chrono::Utc::now(),
        database: database.to_owned(),
        files,
        file_bytes,
        audit_head,
        secret_included,
    };
    std::fs::write(out.join(MANIFEST), serde_json::to_string_pretty(&manifest)?)?;
    Ok(manifest)
}

/// Whether a PostgreSQL database has no tables of its own yet.
async fn postgres_is_empty(url: &str) -> anyhow::Result<bool> {
    let conn = sea_orm::Database::connect(url)
        .await
        .with_context(|| format!("connecting to {url}"))?;
    let row = conn
        .query_one_raw(sea_orm::Statement::from_string(
            sea_orm::DatabaseBackend::Postgres,
            "SELECT COUNT(*) AS n FROM information_schema.tables WHERE table_schema = 'public'",
        ))
        .await?;
    let n: i64 = row.map(|r| r.try_get("", "n")).transpose()?.unwrap_or(0);
    let _ = conn.close().await;
    Ok(n == 0)
}

/// Restores the backup in `from` into the empty `data_dir` and the empty
/// database of `database_url`, then opens it (applying newer migrations) and
/// verifies the audit chain and the head the manifest recorded.
pub async fn restore(from: &Path, data_dir: &Path, database_url: &str) -> anyhow::Result<Restored> {
    let manifest: Manifest = serde_json::from_str(
        &std::fs::read_to_string(from.join(MANIFEST))
            .with_context(|| format!("{} is not a backup: no {MANIFEST}", from.display()))?,
    )
    .context("reading the manifest")?;
    ensure!(
        manifest.format == 1,
        "backup format {} is not known to this version",
        manifest.format
    );
    let database = backend_of(database_url);
    ensure!(
        manifest.database == database,
        "this backup holds a {} database; MINGJING_DATABASE_URL names a {database} one",
        manifest.database
    );
    for key in KEYS {
        ensure!(
            !data_dir.join(key).exists(),
            "{} already holds {key}: restore into an empty data directory",
            data_dir.display()
        );
    }
    ensure!(
        is_empty_dir(&data_dir.join(FILES_DIR))?,
        "{} already holds evidence files: restore into an empty data directory",
        data_dir.display()
    );
    if database == "sqlite" {
        let path = sqlite_path(database_url)?;
        ensure!(
            !path.exists(),
            "{} exists: restore into an empty data directory and a new database",
            path.display()
        );
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::copy(from.join(SQLITE_FILE), &path)
            .with_context(|| format!("copying the database to {}", path.display()))?;
    } else {
        ensure!(
            postgres_is_empty(database_url).await?,
            "the database of MINGJING_DATABASE_URL is not empty: restore into a new database (createdb)"
        );
        run(
            "pg_restore",
            &[
                "--no-owner",
                "--no-privileges",
                "--exit-on-error",
                "--dbname",
                database_url,
                from.join(PG_FILE)
                    .to_str()
                    .context("the backup directory's path is not UTF-8")?,
            ],
        )
        .await?;
    }
    create_private_dir(data_dir)?;
    for key in KEYS {
        copy_key(&from.join(key), &data_dir.join(key))?;
    }
    let (src, dst) = (from.join(FILES_DIR), data_dir.join(FILES_DIR));
    let (files, _) = tokio::task::spawn_blocking(move || copy_files(&src, &dst)).await??;
    ensure!(
        files == manifest.files,
        "the backup lists {} evidence files but holds {files}",
        manifest.files
    );
    let store = Store::connect(database_url)
        .await
        .context("opening the restored database")?;
    let entries = crate::audit::entries(store.conn(), None).await?;
    if let Err(broken) = crate::audit::verify(&entries) {
        bail!("the restored audit trail does not verify: {broken}");
    }
    if let Some((id, hash)) = &manifest.audit_head {
        let found = entries.iter().find(|e| e.id == *id);
        ensure!(
            found.is_some_and(|e| &e.hash == hash),
            "the restored audit trail lacks entry {id} as it was when the backup began"
        );
    }
    let _ = store.close().await;
    Ok(Restored {
        audit_entries: entries.len(),
        files,
        manifest,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_urls_name_their_file() {
        assert_eq!(
            sqlite_path("sqlite:///srv/mingjing/data/mingjing.db?mode=rwc").unwrap(),
            PathBuf::from("/srv/mingjing/data/mingjing.db")
        );
        assert_eq!(
            sqlite_path("sqlite://data/m.db").unwrap(),
            PathBuf::from("data/m.db")
        );
        assert!(sqlite_path("sqlite::memory:").is_err());
        assert_eq!(backend_of("postgres://h/db"), "postgres");
    }

    #[test]
    fn a_damaged_evidence_file_is_refused_when_copied() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        let from = dir.join("from");
        let good = b"evidence";
        let sha = hex::encode(Sha256::digest(good));
        let path = from.join(&sha[..2]).join(&sha[2..4]);
        std::fs::create_dir_all(&path).unwrap();
        std::fs::write(path.join(&sha), good).unwrap();
        std::fs::write(path.join(format!(".{sha}.1.tmp")), b"half").unwrap();
        assert_eq!(copy_files(&from, &dir.join("to")).unwrap(), (1, 8));
        std::fs::write(path.join(&sha), b"changed").unwrap();
        let err = copy_files(&from, &dir.join("again")).unwrap_err();
        assert!(err.to_string().contains("damaged"), "{err}");
    }
}
