//! Uploaded files on their way to the file store: held in memory or spooled
//! to disk while the form is read, checked (and stripped of metadata) a few
//! requests at a time, then written before any row refers to them.

use super::{App, Error, Result};
use crate::files::{self, EvidenceError};
use crate::store::petitions::StoredFile;

/// A file as uploaded, before it is checked: in memory (small, or from an
/// API that already holds it) or spooled to a temporary file while the form
/// was read, so a large upload costs disk rather than memory until it is
/// checked — one file at a time, [`EVIDENCE_CHECKS`] requests at once.
pub struct Upload {
    pub name: String,
    len: usize,
    content: Content,
}

enum Content {
    Bytes(Vec<u8>),
    Spooled(tempfile::SpooledTempFile),
}

impl Upload {
    pub fn from_bytes(name: String, bytes: Vec<u8>) -> Self {
        Self {
            name,
            len: bytes.len(),
            content: Content::Bytes(bytes),
        }
    }

    /// A file written to `file` (`len` bytes); read back only when checked.
    pub fn spooled(name: String, file: tempfile::SpooledTempFile, len: usize) -> Self {
        Self {
            name,
            len,
            content: Content::Spooled(file),
        }
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The bytes (blocking: reads the temporary file).
    pub fn into_bytes(self) -> std::io::Result<Vec<u8>> {
        match self.content {
            Content::Bytes(b) => Ok(b),
            Content::Spooled(f) => read_spool(f, self.len),
        }
    }
}

/// What was written to `file`, from its start (blocking).
fn read_spool(mut file: tempfile::SpooledTempFile, len: usize) -> std::io::Result<Vec<u8>> {
    use std::io::{Read, Seek};
    file.rewind()?;
    let mut bytes = Vec::with_capacity(len);
    file.read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// Requests whose evidence is checked at once on one node. Checking holds a
/// file and its stripped copy in memory (up to 2 × 20 MB, more while a PDF is
/// parsed); the bound keeps a burst of large uploads from taking the node's
/// memory — the rest wait their turn with their files on disk.
pub const EVIDENCE_CHECKS: usize = 2;

/// Bytes of one uploaded file kept in memory before it spills to disk.
pub const SPOOL_IN_MEMORY: usize = 256 * 1024;

/// Checks each uploaded file and writes the metadata-free copies to the file
/// store (durably, before any row refers to them).
pub async fn store_uploads(app: &App, uploads: Vec<Upload>) -> Result<Vec<StoredFile>> {
    if uploads.is_empty() {
        return Ok(Vec::new());
    }
    if uploads.len() > files::MAX_FILES {
        return Err(Error::File {
            name: String::new(),
            key: "error-too-many-files",
        });
    }
    let total: usize = uploads.iter().map(Upload::len).sum();
    if total > files::MAX_TOTAL_BYTES {
        return Err(Error::File {
            name: String::new(),
            key: "error-files-total-too-large",
        });
    }
    let _turn = app
        .evidence_checks
        .acquire()
        .await
        .map_err(Error::internal)?;
    // Every file is checked (and stripped) before any is stored; one at a
    // time, each stripped copy going back to disk until all have passed.
    type Checked = (files::AcceptedFile, tempfile::SpooledTempFile, usize);
    let accepted = tokio::task::spawn_blocking(move || -> Result<Vec<Checked>> {
        uploads
            .into_iter()
            .map(|upload| {
                let name = upload.name.clone();
                let bytes = upload.into_bytes().map_err(Error::internal)?;
                let mut file =
                    files::accept(&name, &bytes).map_err(|e: EvidenceError| Error::File {
                        name,
                        key: e.message_key(),
                    })?;
                drop(bytes);
                let mut spool = tempfile::SpooledTempFile::new(SPOOL_IN_MEMORY);
                std::io::Write::write_all(&mut spool, &file.bytes).map_err(Error::internal)?;
                let len = std::mem::take(&mut file.bytes).len();
                Ok((file, spool, len))
            })
            .collect()
    })
    .await
    .map_err(Error::internal)??;
    let mut stored = Vec::with_capacity(accepted.len());
    for (file, spool, len) in accepted {
        let bytes = tokio::task::spawn_blocking(move || read_spool(spool, len))
            .await
            .map_err(Error::internal)?
            .map_err(Error::internal)?;
        let size = i64::try_from(bytes.len()).unwrap_or(i64::MAX);
        let sha256 = app.files.put(bytes).await.map_err(Error::internal)?;
        stored.push(StoredFile {
            sha256,
            file_name: file.file_name,
            mime: file.kind.mime().to_owned(),
            size,
            metadata_removed: file.metadata_removed,
        });
    }
    Ok(stored)
}
