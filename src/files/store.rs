//! Content-addressed file storage: a file lives at `files/ab/cd/<sha256>`.
//! Writes go to a temporary file, are flushed to disk and renamed into place,
//! so a crash never leaves a half-written file under a real address; a file is
//! always on disk before the database row that points at it is committed.

use sha2::{Digest, Sha256};
use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone)]
pub struct FileStore {
    root: PathBuf,
}

impl FileStore {
    pub fn new(root: PathBuf) -> Self {
        Self { root }
    }

    pub fn path(&self, sha256: &str) -> Option<PathBuf> {
        let valid = sha256.len() == 64
            && sha256
                .bytes()
                .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase());
        valid.then(|| {
            self.root
                .join(&sha256[..2])
                .join(&sha256[2..4])
                .join(sha256)
        })
    }

    /// Stores `bytes` durably and returns their SHA-256 (hex). Storing the same
    /// content twice is a no-op.
    pub fn put(&self, bytes: &[u8]) -> std::io::Result<String> {
        let sha = hex::encode(Sha256::digest(bytes));
        let Some(path) = self.path(&sha) else {
            return Err(std::io::Error::other("bad hash"));
        };
        if path.exists() {
            return Ok(sha);
        }
        let dir = path.parent().unwrap_or(&self.root).to_path_buf();
        std::fs::create_dir_all(&dir)?;
        let tmp = dir.join(format!(".{sha}.{}.tmp", std::process::id()));
        {
            let mut f = std::fs::File::create(&tmp)?;
            f.write_all(bytes)?;
            f.sync_all()?;
        }
        std::fs::rename(&tmp, &path)?;
        sync_dir(&dir)?;
        Ok(sha)
    }

    pub fn read(&self, sha256: &str) -> std::io::Result<Vec<u8>> {
        match self.path(sha256) {
            Some(p) => std::fs::read(p),
            None => Err(std::io::Error::new(
                std::io::ErrorKind::NotFound,
                "bad hash",
            )),
        }
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

    #[test]
    fn stores_by_content() {
        let dir = tempfile::tempdir().unwrap();
        let store = FileStore::new(dir.path().to_path_buf());
        let a = store.put(b"hello").unwrap();
        assert_eq!(
            a,
            "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"
        );
        assert_eq!(store.put(b"hello").unwrap(), a);
        assert_eq!(store.read(&a).unwrap(), b"hello");
        assert!(store.path("../../etc/passwd").is_none());
    }
}
