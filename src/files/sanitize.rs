//! Deciding what a file is, and removing what it says about its author.
//!
//! Images: EXIF (with GPS and the embedded thumbnail), XMP, IPTC, comments
//! and text chunks are removed without re-encoding the picture. A JPEG's
//! orientation is the one EXIF field kept (in a fresh, minimal EXIF block),
//! so a photo taken sideways is still shown upright.
//! PDFs: the document information dictionary (author, creator, producer,
//! title…) and the XMP metadata stream are removed.
//! Audio and video are stored as received (see README: known limits).

use bytes::Bytes;
use img_parts::jpeg::{Jpeg, JpegSegment, markers};
use img_parts::png::Png;
use img_parts::webp::WebP;
use img_parts::{ImageEXIF, ImageICC};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    Jpeg,
    Png,
    Webp,
    Pdf,
    Mp3,
    Mp4,
    M4a,
}

impl FileKind {
    pub fn mime(self) -> &'static str {
        match self {
            FileKind::Jpeg => "image/jpeg",
            FileKind::Png => "image/png",
            FileKind::Webp => "image/webp",
            FileKind::Pdf => "application/pdf",
            FileKind::Mp3 => "audio/mpeg",
            FileKind::Mp4 => "video/mp4",
            FileKind::M4a => "audio/mp4",
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            FileKind::Jpeg => "jpg",
            FileKind::Png => "png",
            FileKind::Webp => "webp",
            FileKind::Pdf => "pdf",
            FileKind::Mp3 => "mp3",
            FileKind::Mp4 => "mp4",
            FileKind::M4a => "m4a",
        }
    }

    /// By content: the first bytes, as `infer` reads them.
    pub fn detect(bytes: &[u8]) -> Option<FileKind> {
        match infer::get(bytes)?.mime_type() {
            "image/jpeg" => Some(FileKind::Jpeg),
            "image/png" => Some(FileKind::Png),
            "image/webp" => Some(FileKind::Webp),
            "application/pdf" => Some(FileKind::Pdf),
            "audio/mpeg" => Some(FileKind::Mp3),
            "video/mp4" => Some(FileKind::Mp4),
            "audio/m4a" | "audio/x-m4a" | "audio/mp4" => Some(FileKind::M4a),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EvidenceError {
    /// Not one of the accepted types, whatever its name says.
    #[error("file type not accepted")]
    TypeNotAccepted,
    #[error("file too large")]
    TooLarge,
    #[error("file is empty")]
    Empty,
    /// Claims to be an accepted type but cannot be read as one.
    #[error("file is damaged: {0}")]
    Unreadable(String),
    /// An image of more pixels than any photo (`MAX_IMAGE_SIDE`, `MAX_IMAGE_PIXELS`).
    #[error("image of {0} × {1} pixels")]
    TooManyPixels(usize, usize),
}

impl EvidenceError {
    /// The Fluent key of the message shown to the submitter.
    pub fn message_key(&self) -> &'static str {
        match self {
            EvidenceError::TypeNotAccepted => "error-file-type",
            EvidenceError::TooLarge => "error-file-too-large",
            EvidenceError::Empty => "error-file-empty",
            EvidenceError::Unreadable(_) => "error-file-unreadable",
            EvidenceError::TooManyPixels(..) => "error-file-too-many-pixels",
        }
    }
}

/// A file ready to be stored: its type and the bytes with metadata removed.
#[derive(Debug, Clone)]
pub struct AcceptedFile {
    pub kind: FileKind,
    pub bytes: Vec<u8>,
    pub metadata_removed: bool,
    /// A safe display name: no path, no control characters, the true extension.
    pub file_name: String,
}

/// Checks a received file and returns the copy to store.
pub fn accept(original_name: &str, bytes: &[u8]) -> Result<AcceptedFile, EvidenceError> {
    if bytes.is_empty() {
        return Err(EvidenceError::Empty);
    }
    if bytes.len() > super::MAX_FILE_BYTES {
        return Err(EvidenceError::TooLarge);
    }
    let kind = FileKind::detect(bytes).ok_or(EvidenceError::TypeNotAccepted)?;
    let unreadable = |e: &dyn std::fmt::Display| EvidenceError::Unreadable(e.to_string());
    if matches!(kind, FileKind::Jpeg | FileKind::Png | FileKind::Webp) {
        // Read from the header, before anything decodes the picture.
        let size = imagesize::blob_size(bytes).map_err(|e| unreadable(&e))?;
        let (w, h) = (size.width, size.height);
        if w > super::MAX_IMAGE_SIDE
            || h > super::MAX_IMAGE_SIDE
            || w.saturating_mul(h) > super::MAX_IMAGE_PIXELS
        {
            return Err(EvidenceError::TooManyPixels(w, h));
        }
    }
    let (bytes, metadata_removed) = match kind {
        FileKind::Jpeg => (strip_jpeg(bytes).map_err(|e| unreadable(&e))?, true),
        FileKind::Png => (strip_png(bytes).map_err(|e| unreadable(&e))?, true),
        FileKind::Webp => (strip_webp(bytes).map_err(|e| unreadable(&e))?, true),
        FileKind::Pdf => (strip_pdf(bytes).map_err(|e| unreadable(&e))?, true),
        FileKind::Mp3 | FileKind::Mp4 | FileKind::M4a => (bytes.to_vec(), false),
    };
    Ok(AcceptedFile {
        kind,
        bytes,
        metadata_removed,
        file_name: safe_name(original_name, kind),
    })
}

fn safe_name(original: &str, kind: FileKind) -> String {
    let base = original.rsplit(['/', '\\']).next().unwrap_or_default();
    let stem = base.rsplit_once('.').map_or(base, |(s, _)| s);
    let clean: String = stem
        .chars()
        .filter(|c| !c.is_control() && !matches!(c, '<' | '>' | '"' | '\'' | '&'))
        .take(80)
        .collect();
    let clean = clean.trim();
    format!(
        "{}.{}",
        if clean.is_empty() { "evidence" } else { clean },
        kind.extension()
    )
}

/// The EXIF orientation (1–8) of a JPEG, 1 when it has none.
fn jpeg_orientation(bytes: &[u8]) -> u16 {
    exif::Reader::new()
        .read_from_container(&mut std::io::Cursor::new(bytes))
        .ok()
        .and_then(|e| {
            e.get_field(exif::Tag::Orientation, exif::In::PRIMARY)
                .and_then(|f| f.value.get_uint(0))
        })
        .and_then(|v| u16::try_from(v).ok())
        .filter(|v| (1..=8).contains(v))
        .unwrap_or(1)
}

/// A minimal EXIF block (APP1 contents) holding only the orientation.
fn orientation_only_exif(orientation: u16) -> Bytes {
    let mut b = Vec::with_capacity(32);
    b.extend_from_slice(b"Exif\0\0");
    b.extend_from_slice(b"MM\0\x2a\0\0\0\x08"); // big-endian TIFF header, IFD0 at offset 8
    b.extend_from_slice(&1u16.to_be_bytes()); // one entry
    b.extend_from_slice(&0x0112u16.to_be_bytes()); // Orientation
    b.extend_from_slice(&3u16.to_be_bytes()); // SHORT
    b.extend_from_slice(&1u32.to_be_bytes()); // count
    b.extend_from_slice(&orientation.to_be_bytes());
    b.extend_from_slice(&[0, 0]); // value padding
    b.extend_from_slice(&0u32.to_be_bytes()); // no next IFD: no thumbnail
    Bytes::from(b)
}

fn strip_jpeg(bytes: &[u8]) -> Result<Vec<u8>, img_parts::Error> {
    let orientation = jpeg_orientation(bytes);
    let mut jpeg = Jpeg::from_bytes(Bytes::copy_from_slice(bytes))?;
    let icc = jpeg.icc_profile();
    // Keep only the picture itself: JFIF (APP0) and Adobe colour info (APP14)
    // stay; EXIF/XMP (APP1), MPF (APP2), IPTC (APP13), comments and the rest go.
    jpeg.segments_mut().retain(|s| {
        let m = s.marker();
        !((markers::APP1..=markers::APP15).contains(&m) && m != markers::APP14 || m == markers::COM)
    });
    // The colour profile is not personal; without it colours shift.
    jpeg.set_icc_profile(icc);
    if orientation != 1 {
        let app1 =
            JpegSegment::new_with_contents(markers::APP1, orientation_only_exif(orientation));
        let at = jpeg
            .segments()
            .iter()
            .position(|s| s.marker() != markers::APP0)
            .unwrap_or(0);
        jpeg.segments_mut().insert(at, app1);
    }
    let mut out = jpeg.encoder().bytes().to_vec();
    out.truncate(jpeg_end(&out).unwrap_or(out.len()));
    Ok(out)
}

/// Where a JPEG ends: just after its end-of-image marker. Whatever follows
/// (an appended archive, a second file) is not part of the picture and is
/// not kept. Walks the marker segments by their lengths, then the scans'
/// entropy-coded data, where a 0xFF byte is followed by a stuffed 0x00, a
/// restart marker, or a real marker (another scan's tables, or the end).
fn jpeg_end(b: &[u8]) -> Option<usize> {
    let mut i = 2; // after SOI
    if b.get(..2)? != [0xFF, 0xD8] {
        return None;
    }
    let mut in_scan = false;
    while i + 1 < b.len() {
        if in_scan {
            if b[i] != 0xFF {
                i += 1;
                continue;
            }
            match b[i + 1] {
                0x00 | 0xD0..=0xD7 | 0xFF => {
                    i += if b[i + 1] == 0xFF { 1 } else { 2 };
                    continue;
                }
                _ => in_scan = false,
            }
        }
        if b[i] != 0xFF {
            return None;
        }
        let marker = b[i + 1];
        match marker {
            0xD9 => return Some(i + 2),
            0xFF => i += 1, // fill byte
            0x01 | 0xD0..=0xD7 => i += 2,
            _ => {
                let len = usize::from(u16::from_be_bytes([*b.get(i + 2)?, *b.get(i + 3)?]));
                i += 2 + len;
                if marker == 0xDA {
                    in_scan = true;
                }
            }
        }
    }
    None
}

fn strip_png(bytes: &[u8]) -> Result<Vec<u8>, img_parts::Error> {
    let mut png = Png::from_bytes(Bytes::copy_from_slice(bytes))?;
    for kind in [*b"tEXt", *b"zTXt", *b"iTXt", *b"eXIf", *b"tIME"] {
        png.remove_chunks_by_type(kind);
    }
    Ok(png.encoder().bytes().to_vec())
}

fn strip_webp(bytes: &[u8]) -> Result<Vec<u8>, img_parts::Error> {
    let mut webp = WebP::from_bytes(Bytes::copy_from_slice(bytes))?;
    webp.remove_chunks_by_id(*b"XMP ");
    // Removing EXIF also rewrites the VP8X flags to match what is left.
    webp.set_exif(None);
    Ok(webp.encoder().bytes().to_vec())
}

fn strip_pdf(bytes: &[u8]) -> Result<Vec<u8>, lopdf::Error> {
    let mut doc = lopdf::Document::load_mem(bytes)?;
    doc.trailer.remove(b"Info");
    if let Ok(root) = doc.trailer.get(b"Root").and_then(|r| r.as_reference())
        && let Ok(catalog) = doc.get_object_mut(root).and_then(|o| o.as_dict_mut())
    {
        catalog.remove(b"Metadata");
        catalog.remove(b"OpenAction");
    }
    // Metadata streams can also hang off pages and other objects. Nothing
    // runs when the file is opened: document and page actions (`OpenAction`,
    // `AA`), JavaScript actions (`JS`) and the document's script name tree
    // (`Names/JavaScript`), and launch actions, go too — at any depth, since
    // dictionaries nest inline as well as by reference.
    for object in doc.objects.values_mut() {
        scrub_pdf_object(object);
    }
    doc.prune_objects();
    let mut out = Vec::new();
    doc.save_to(&mut out)?;
    Ok(out)
}

/// Removes from `object` and everything inline in it what carries metadata
/// or runs when the file is opened.
fn scrub_pdf_object(object: &mut lopdf::Object) {
    let dict = match object {
        lopdf::Object::Dictionary(dict) => dict,
        lopdf::Object::Stream(stream) => &mut stream.dict,
        lopdf::Object::Array(items) => {
            items.iter_mut().for_each(scrub_pdf_object);
            return;
        }
        _ => return,
    };
    for key in [&b"Metadata"[..], b"OpenAction", b"AA", b"JS", b"JavaScript"] {
        dict.remove(key);
    }
    let runs = dict
        .get(b"S")
        .and_then(|s| s.as_name())
        .is_ok_and(|s| matches!(s, b"JavaScript" | b"Launch" | b"ImportData" | b"SubmitForm"));
    if runs {
        // An action without its type and target does nothing.
        for key in [&b"S"[..], b"F", b"Win", b"Unix", b"Mac"] {
            dict.remove(key);
        }
    }
    for (_, value) in dict.iter_mut() {
        scrub_pdf_object(value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_executable_named_jpg_is_refused() {
        let elf = b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0\x02\0\x3e\0";
        assert_eq!(
            accept("photo.jpg", elf).unwrap_err(),
            EvidenceError::TypeNotAccepted
        );
        assert_eq!(
            accept("notes.txt", b"plain text, no magic").unwrap_err(),
            EvidenceError::TypeNotAccepted
        );
        assert_eq!(accept("empty.png", b"").unwrap_err(), EvidenceError::Empty);
    }

    #[test]
    fn names_are_made_safe_and_take_the_true_extension() {
        assert_eq!(
            safe_name("../../etc/passwd.exe", FileKind::Pdf),
            "passwd.pdf"
        );
        assert_eq!(
            safe_name("C:\\x\\现场照片.JPG", FileKind::Jpeg),
            "现场照片.jpg"
        );
        assert_eq!(safe_name("<script>.png", FileKind::Png), "script.png");
        assert_eq!(safe_name("", FileKind::Png), "evidence.png");
    }

    #[test]
    fn the_minimal_exif_block_reads_back_as_an_orientation() {
        let exif_block = orientation_only_exif(6);
        let parsed = exif::Reader::new()
            .read_raw(exif_block[6..].to_vec())
            .unwrap();
        let fields: Vec<_> = parsed.fields().collect();
        assert_eq!(fields.len(), 1);
        assert_eq!(fields[0].tag, exif::Tag::Orientation);
        assert_eq!(fields[0].value.get_uint(0), Some(6));
    }
}
