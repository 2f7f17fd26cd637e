//! Evidence files: what is accepted (decided by content, never by name), the
//! metadata removed from the copy that is stored, and the content-addressed
//! store ([`FileStore`]: `data/files/` or the database).

pub mod sanitize;
pub mod store;

pub use sanitize::{AcceptedFile, EvidenceError, FileKind, accept};
pub use store::{Directory, FileStore, InDatabase};

/// At most this many files with one submission or follow-up.
pub const MAX_FILES: usize = 10;
/// At most this many bytes per file.
pub const MAX_FILE_BYTES: usize = 20 * 1024 * 1024;
/// At most this many bytes of files in one submission.
pub const MAX_TOTAL_BYTES: usize = 50 * 1024 * 1024;
/// At most this many pixels a side, and in all, for an image: a photo of a
/// document or a scene is far below it (a 50-megapixel camera: 8 688 × 5 792);
/// a picture far beyond it is a decompression bomb aimed at the browsers of
/// the staff who open it.
pub const MAX_IMAGE_SIDE: usize = 20_000;
pub const MAX_IMAGE_PIXELS: usize = 100_000_000;
