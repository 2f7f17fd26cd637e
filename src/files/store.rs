//! Content-addressed evidence storage behind one trait, [`FileStore`]: the
//! address of a file is the SHA-256 of its (metadata-stripped) bytes, storing
//! the same content twice is a no-op, and `put` returns only once the bytes are
//! durable — always before the database row that points at them is committed,
//! so no acknowledged petition points at a file that is not there. (A failed
//! commit can leave an unreferenced file; that is harmless and never served.)
//!
//! Two backends, chosen by `MINGJING_FILES`:
//! - [`Directory`] (`directory`, the default): `files/ab/cd/<sha256>` under the
//!   data dir. Writes go to a temporary file, are flushed and renamed into
//!   place, so a crash never leaves a half-written file under a real address.
//!   For several nodes only if that directory is shared storage.
//! - [`InDatabase`] (`database`): the `file_blobs` table, committed before the
//!   petition's transaction begins; every node reads the same files. Meant for
//!   several nodes on PostgreSQL (evidence is at most 50 MB per petition).

use crate::store::Store;
use sha2::{Digest, Sha256};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Where evidence bytes live.
#[async_trait::async_trait]
pub trait FileStore: Send + Sync {
    /// `directory` or `database`, as `/healthz` and the logs name it.
    fn name(&self) -> &'static str;
    /// Stores `bytes` durably and returns their SHA-256 (hex).
    async fn put(&self, bytes: Vec<u8>) -> std::io::Result<String>;
    /// The bytes stored under `sha256`; `NotFound` when there are none.
    async fn read(&self, sha256: &str) -> std::io::Result<Vec<u8>>;
    /// Deletes the bytes under `sha256` unless they were stored (again) at or
    /// after `stored_before`; whether this call removed them. The caller decided that no
    /// row refers to them; a petition storing the same content since then may
    /// not have committed its row yet, so its `put` — which renews the time —
    /// keeps the bytes, and a later run deletes them if they are still unused.
    async fn delete(
        &self,
        sha256: &str,
        stored_before: chrono::DateTime<chrono::Utc>,
    ) -> std::io::Result<bool>;
}

/// The hex SHA-256 address of `bytes`.
pub fn address(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

fn valid_address(sha256: &str) -> bool {
    sha256.len() == 64
        && sha256
            .bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
}

fn not_found() -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::NotFound, "no such file")
}

/// Files in a directory tree (the default).
#[derive(Debug, Clone)]
pub struct Directory {
    root: PathBuf,
}

#[async_trait::async_trait]
impl FileStore for Directory {
    fn name(&self) -> &'static str {
        "directory"
    }

    async fn put(&self, bytes: Vec<u8>) -> std::io::Result<String> {
        let this = self.clone();
        tokio::task::spawn_blocking(move || this.put_blocking(&bytes))
            .await
            .map_err(std::io::Error::other)?
    }

    async fn read(&self, sha256: &str) -> std::io::Result<Vec<u8>> {
        let path = self.path(sha256).ok_or_else(not_found)?;
        tokio::fs::read(path).await
    }

    async fn delete(
        &self,
        sha256: &str,
        stored_before: chrono::DateTime<chrono::Utc>,
    ) -> std::io::Result<bool> {
        let Some(path) = self.path(sha256) else {
            return Ok(false);
        };
        tokio::task::spawn_blocking(move || {
            let modified = match std::fs::metadata(&path) {
                Ok(m) => chrono::DateTime::<chrono::Utc>::from(m.modified()?),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(false),
                Err(e) => return Err(e),
            };
            if modified >= stored_before {
                return Ok(false);
            }
            std::fs::remove_file(&path)?;
            if let Some(dir) = path.parent() {
                sync_dir(dir)?;
            }
            Ok(true)
        })
        .await
        .map_err(std::io::Error::other)?
    }
}

/// Files in the database's `file_blobs` table.
#[derive(Debug, Clone)]
pub struct InDatabase {
    store: Store,
}

impl InDatabase {
    pub fn new(store: Store) -> Self {
        Self { store }
    }
}

#[async_trait::async_trait]
impl FileStore for InDatabase {
    fn name(&self) -> &'static str {
        "database"
    }

    async fn put(&self, bytes: Vec<u8>) -> std::io::Result<String> {
        let sha = address(&bytes);
        self.store
            .put_blob(&sha, &bytes)
            .await
            .map_err(std::io::Error::other)?;
        Ok(sha)
    }

    async fn read(&self, sha256: &str) -> std::io::Result<Vec<u8>> {
        if !valid_address(sha256) {
            return Err(not_found());
        }
        self.store
            .blob(sha256)
            .await
            .map_err(std::io::Error::other)?
            .ok_or_else(not_found)
    }

    async fn delete(
        &self,
        sha256: &str,
        stored_before: chrono::DateTime<chrono::Utc>,
    ) -> std::io::Result<bool> {
        if !valid_address(sha256) {
            return Ok(false);
        }
        self.store
            .delete_blob(sha256, stored_before)
            .await
            .map_err(std::io::Error::other)
    }
}

impl Directory {
    pub fn new(root: PathBuf) -> Self {
        Self { root }
    }

    pub fn path(&self, sha256: &str) -> Option<PathBuf> {
        valid_address(sha256).then(|| {
            self.root
                .join(&sha256[..2])
                .join(&sha256[2..4])
                .join(sha256)
        })
    }

    fn put_blocking(&self, bytes: &[u8]) -> std::io::Result<String> {
        let sha = address(bytes);
        let Some(path) = self.path(&sha) else {
            return Err(std::io::Error::other("bad hash"));
        };
        if path.exists() {
            // Stored again: renew its time, so a deletion decided before now spares it.
            std::fs::File::options()
                .write(true)
                .open(&path)?
                .set_modified(std::time::SystemTime::now())?;
            return Ok(sha);
        }
        let dir = path.parent().unwrap_or(&self.root).to_path_buf();
        std::fs::create_dir_all(&dir)?;
        // A temporary file of its own for each write: two requests storing
        // the same content at once (the same photo sent twice) each write
        // theirs and rename it into place; the second rename replaces the
        // first with identical bytes. (A name made of the hash and the
        // process id collided there: one rename took the other's file away.)
        let mut tmp = tempfile::Builder::new()
            .prefix(&format!(".{sha}."))
            .suffix(".tmp")
            .tempfile_in(&dir)?;
        tmp.write_all(bytes)?;
        tmp.as_file().sync_all()?;
        tmp.persist(&path).map_err(|e| e.error)?;
        sync_dir(&dir)?;
        Ok(sha)
    }
}

/// Makes a rename durable: the directory entry itself is flushed.
fn sync_dir(dir: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        std::fs::File::open(dir)?.sync_all()?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn stores_by_content(store: &dyn FileStore) {
        let a = store.put(b"hello".to_vec()).await.unwrap();
        assert_eq!(
            a,
            "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"
        );
        assert_eq!(store.put(b"hello".to_vec()).await.unwrap(), a);
        assert_eq!(store.read(&a).await.unwrap(), b"hello");
        let missing = store.read(&"0".repeat(64)).await.unwrap_err();
        assert_eq!(missing.kind(), std::io::ErrorKind::NotFound);
        let bad = store.read("../../etc/passwd").await.unwrap_err();
        assert_eq!(bad.kind(), std::io::ErrorKind::NotFound);
        // Stored again after the deletion was decided: it stays.
        let decided = chrono::Utc::now();
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        store.put(b"hello".to_vec()).await.unwrap();
        assert!(!store.delete(&a, decided).await.unwrap());
        assert_eq!(store.read(&a).await.unwrap(), b"hello");
        let later = chrono::Utc::now() + chrono::Duration::seconds(1);
        assert!(store.delete(&a, later).await.unwrap());
        let gone = store.read(&a).await.unwrap_err();
        assert_eq!(gone.kind(), std::io::ErrorKind::NotFound);
    }

    /// The same content stored by many requests at once (the same photo
    /// attached twice): every write succeeds and the file is whole.
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn the_same_content_stored_at_once_never_fails() {
        let dir = tempfile::tempdir().unwrap();
        let store = Directory::new(dir.path().join("files"));
        let bytes = vec![7u8; 2 * 1024 * 1024];
        let writes: Vec<_> = (0..16)
            .map(|_| {
                let (store, bytes) = (store.clone(), bytes.clone());
                tokio::spawn(async move { store.put(bytes).await })
            })
            .collect();
        for w in writes {
            w.await
                .unwrap()
                .expect("every concurrent write of one content succeeds");
        }
        let sha = address(&bytes);
        assert_eq!(store.read(&sha).await.unwrap(), bytes);
        let leftovers = std::fs::read_dir(store.path(&sha).unwrap().parent().unwrap())
            .unwrap()
            .count();
        assert_eq!(leftovers, 1, "no temporary file is left behind");
    }

    #[tokio::test]
    async fn both_backends_store_by_content() {
        let dir = tempfile::tempdir().unwrap();
        stores_by_content(&Directory::new(dir.path().join("files"))).await;
        let url = format!("sqlite://{}", dir.path().join("t.db").display());
        stores_by_content(&InDatabase::new(Store::connect(&url).await.unwrap())).await;
    }
}
