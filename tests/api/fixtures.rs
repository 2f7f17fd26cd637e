//! Test material made here, byte by byte, so no fixture file hides what it holds:
//! a JPEG with EXIF (orientation, camera, GPS, a thumbnail) and XMP, a PNG with
//! text and XMP chunks, a PDF with an author.

use base64::Engine;

/// A valid 16×8 baseline JPEG (no metadata), made with Pillow.
pub fn tiny_jpeg() -> Vec<u8> {
    base64::engine::general_purpose::STANDARD
        .decode("/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAYEBQYFBAYGBQYHBwYIChAKCgkJChQODwwQFxQYGBcUFhYaHSUfGhsjHBYWICwgIyYnKSopGR8tMC0oMCUoKSj/2wBDAQcHBwoIChMKChMoGhYaKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCj/wAARCAAIABADASIAAhEBAxEB/8QAHwAAAQUBAQEBAQEAAAAAAAAAAAECAwQFBgcICQoL/8QAtRAAAgEDAwIEAwUFBAQAAAF9AQIDAAQRBRIhMUEGE1FhByJxFDKBkaEII0KxwRVS0fAkM2JyggkKFhcYGRolJicoKSo0NTY3ODk6Q0RFRkdISUpTVFVWV1hZWmNkZWZnaGlqc3R1dnd4eXqDhIWGh4iJipKTlJWWl5iZmqKjpKWmp6ipqrKztLW2t7i5usLDxMXGx8jJytLT1NXW19jZ2uHi4+Tl5ufo6erx8vP09fb3+Pn6/8QAHwEAAwEBAQEBAQEBAQAAAAAAAAECAwQFBgcICQoL/8QAtREAAgECBAQDBAcFBAQAAQJ3AAECAxEEBSExBhJBUQdhcRMiMoEIFEKRobHBCSMzUvAVYnLRChYkNOEl8RcYGRomJygpKjU2Nzg5OkNERUZHSElKU1RVVldYWVpjZGVmZ2hpanN0dXZ3eHl6goOEhYaHiImKkpOUlZaXmJmaoqOkpaanqKmqsrO0tba3uLm6wsPExcbHyMnK0tPU1dbX2Nna4uPk5ebn6Onq8vP09fb3+Pn6/9oADAMBAAIRAxEAPwDgKKKK+eP2E//Z")
        .unwrap()
}

/// A valid 2×2 PNG (no metadata), made with Pillow.
pub fn tiny_png() -> Vec<u8> {
    base64::engine::general_purpose::STANDARD
        .decode("iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAFklEQVR4nGM8ISfHwMDAxMDAwMDAAAANBAEIfXHKZgAAAABJRU5ErkJggg==")
        .unwrap()
}

struct Tiff {
    b: Vec<u8>,
}

impl Tiff {
    fn u16(&mut self, v: u16) {
        self.b.extend_from_slice(&v.to_be_bytes());
    }
    fn u32(&mut self, v: u32) {
        self.b.extend_from_slice(&v.to_be_bytes());
    }
    fn entry(&mut self, tag: u16, kind: u16, count: u32, value: u32) {
        self.u16(tag);
        self.u16(kind);
        self.u32(count);
        self.u32(value);
    }
}

/// EXIF (TIFF, big-endian) with Orientation 6, Make, a GPS IFD and IFD1 with a JPEG thumbnail.
pub fn exif_with_gps_and_thumbnail(thumbnail: &[u8]) -> Vec<u8> {
    let mut t = Tiff { b: Vec::new() };
    t.b.extend_from_slice(b"MM\0\x2a");
    t.u32(8);
    // IFD0 at 8: 3 entries → 2 + 36 + 4 = 42 bytes → ends at 50.
    let make_offset = 50u32; // "Canon\0" (6 bytes) → 56
    let gps_ifd = 56u32; // GPS IFD: 2 entries → 2 + 24 + 4 = 30 → ends at 86
    let lat_offset = 86u32; // 3 rationals = 24 bytes → 110
    let ifd1 = 110u32; // IFD1: 2 entries → 30 → ends at 140
    let thumb_offset = 140u32;
    t.u16(3);
    t.entry(0x010F, 2, 6, make_offset); // Make
    t.u16(0x0112);
    t.u16(3);
    t.u32(1);
    t.u16(6);
    t.u16(0); // Orientation = 6
    t.entry(0x8825, 4, 1, gps_ifd); // GPSInfo
    t.u32(ifd1);
    t.b.extend_from_slice(b"Canon\0");
    assert_eq!(t.b.len(), gps_ifd as usize);
    t.u16(2);
    t.u16(0x0001);
    t.u16(2);
    t.u32(2);
    t.b.extend_from_slice(b"N\0\0\0"); // GPSLatitudeRef
    t.entry(0x0002, 5, 3, lat_offset); // GPSLatitude
    t.u32(0);
    for (n, d) in [(30u32, 1u32), (15, 1), (4512, 100)] {
        t.u32(n);
        t.u32(d);
    }
    assert_eq!(t.b.len(), ifd1 as usize);
    t.u16(2);
    t.entry(0x0201, 4, 1, thumb_offset); // JPEGInterchangeFormat
    t.entry(0x0202, 4, 1, u32::try_from(thumbnail.len()).unwrap()); // …Length
    t.u32(0);
    t.b.extend_from_slice(thumbnail);
    t.b
}

/// A JPEG carrying EXIF (orientation, GPS, thumbnail), XMP and IPTC.
pub fn jpeg_with_metadata() -> Vec<u8> {
    let base = tiny_jpeg();
    let mut exif = b"Exif\0\0".to_vec();
    exif.extend(exif_with_gps_and_thumbnail(&tiny_jpeg()));
    let xmp = b"http://ns.adobe.com/xap/1.0/\0<x:xmpmeta xmlns:x='adobe:ns:meta/'><rdf:RDF><dc:creator>Zhang San</dc:creator></rdf:RDF></x:xmpmeta>".to_vec();
    let iptc = b"Photoshop 3.0\08BIM\x04\x04\0\0\0\0\0\x0c\x1c\x02\x50\0\x08ZhangSan".to_vec();
    let mut out = base[..2].to_vec(); // SOI
    for (marker, body) in [(0xE1u8, exif), (0xE1, xmp), (0xED, iptc)] {
        out.extend_from_slice(&[0xFF, marker]);
        out.extend_from_slice(&u16::try_from(body.len() + 2).unwrap().to_be_bytes());
        out.extend(body);
    }
    out.extend_from_slice(&base[2..]);
    out
}

fn png_chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
    let mut c = u32::try_from(data.len()).unwrap().to_be_bytes().to_vec();
    c.extend_from_slice(kind);
    c.extend_from_slice(data);
    let mut crc_input = kind.to_vec();
    crc_input.extend_from_slice(data);
    c.extend_from_slice(&crc32(&crc_input).to_be_bytes());
    c
}

fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// A PNG with an Author text chunk, XMP (iTXt) and EXIF (eXIf) carrying GPS.
pub fn png_with_metadata() -> Vec<u8> {
    let base = tiny_png();
    // Signature (8) + IHDR chunk (25) come first.
    let mut out = base[..33].to_vec();
    out.extend(png_chunk(b"tEXt", b"Author\0Zhang San"));
    out.extend(png_chunk(
        b"iTXt",
        b"XML:com.adobe.xmp\0\0\0\0\0<x:xmpmeta><dc:creator>Zhang San</dc:creator></x:xmpmeta>",
    ));
    out.extend(png_chunk(
        b"eXIf",
        &exif_with_gps_and_thumbnail(&tiny_jpeg()),
    ));
    out.extend_from_slice(&base[33..]);
    out
}

/// A one-page PDF whose information dictionary names its author.
pub fn pdf_with_author() -> Vec<u8> {
    pdf_with_author_and_text("evidence")
}

/// Like `pdf_with_author`, with `text` on its page (so each copy is a different file).
pub fn pdf_with_author_and_text(text: &str) -> Vec<u8> {
    use lopdf::{Document, Object, Stream, dictionary};
    let mut doc = Document::with_version("1.5");
    let pages_id = doc.new_object_id();
    let content = doc.add_object(Stream::new(
        dictionary! {},
        format!("BT /F1 12 Tf 72 720 Td ({text}) Tj ET").into_bytes(),
    ));
    let page = doc.add_object(dictionary! { "Type" => "Page", "Parent" => pages_id, "Contents" => content, "MediaBox" => vec![0.into(), 0.into(), 595.into(), 842.into()] });
    doc.objects.insert(
        pages_id,
        Object::Dictionary(
            dictionary! { "Type" => "Pages", "Kids" => vec![page.into()], "Count" => 1 },
        ),
    );
    let catalog = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
    doc.trailer.set("Root", catalog);
    let info = doc.add_object(dictionary! { "Author" => Object::string_literal("Zhang San"), "Creator" => Object::string_literal("Secret Scanner 3000"), "Title" => Object::string_literal("My evidence") });
    doc.trailer.set("Info", info);
    let mut out = Vec::new();
    doc.save_to(&mut out).unwrap();
    out
}

/// A valid 4×4 lossy WebP (no metadata), made with Pillow.
pub fn tiny_webp() -> Vec<u8> {
    base64::engine::general_purpose::STANDARD.decode("UklGRjoAAABXRUJQVlA4IC4AAACwAQCdASoEAAQAAUAmJaACdLoABDAAAP7x3I/4DdfFtMv/vYL/3YL/3YL/WwAA").unwrap()
}
