//! What an evidence file may carry in: nothing that runs, nothing appended,
//! no picture large enough to bring down the browser of the staff who open it.

use crate::fixtures;
use mingjing::files::{EvidenceError, accept};

#[test]
fn bytes_after_a_jpegs_end_are_not_kept() {
    let clean = accept("a.jpg", &fixtures::tiny_jpeg()).unwrap().bytes;
    let mut smuggled = fixtures::tiny_jpeg();
    smuggled.extend_from_slice(b"PK\x03\x04 an appended archive \xFF\xD9 and more");
    let stored = accept("a.jpg", &smuggled).unwrap().bytes;
    assert_eq!(stored, clean, "the picture, and nothing after its end");
    assert!(stored.ends_with(&[0xFF, 0xD9]));
    // A photo with metadata still ends at its end marker, and still decodes.
    let photo = accept("b.jpg", &fixtures::jpeg_with_metadata())
        .unwrap()
        .bytes;
    assert!(photo.ends_with(&[0xFF, 0xD9]));
}

#[test]
fn a_pdf_keeps_no_javascript_and_no_action_on_opening() {
    use lopdf::{Document, Object, dictionary};
    let mut doc = Document::load_mem(&fixtures::pdf_with_author()).unwrap();
    let script = doc.add_object(dictionary! {
        "S" => "JavaScript", "JS" => Object::string_literal("app.alert('opened')")
    });
    let launch =
        doc.add_object(dictionary! { "S" => "Launch", "F" => Object::string_literal("calc.exe") });
    let root = doc.trailer.get(b"Root").unwrap().as_reference().unwrap();
    let catalog = doc.get_object_mut(root).unwrap().as_dict_mut().unwrap();
    catalog.set("OpenAction", script);
    catalog.set("AA", dictionary! { "WC" => launch });
    catalog.set("Names", dictionary! { "JavaScript" => dictionary! { "Names" => vec![Object::string_literal("x"), script.into()] } });
    let mut bytes = Vec::new();
    doc.save_to(&mut bytes).unwrap();
    assert!(String::from_utf8_lossy(&bytes).contains("/OpenAction"));

    let stored = accept("doc.pdf", &bytes).unwrap().bytes;
    let text = String::from_utf8_lossy(&stored);
    for gone in [
        "/OpenAction",
        "/JavaScript",
        "/JS",
        "/Launch",
        "app.alert",
        "calc.exe",
        "/AA",
    ] {
        assert!(!text.contains(gone), "{gone} is still in the stored PDF");
    }
    // Still a PDF with its page.
    let back = Document::load_mem(&stored).unwrap();
    assert_eq!(back.get_pages().len(), 1);
}

#[test]
fn a_picture_of_more_pixels_than_any_photo_is_refused() {
    // A PNG header announcing 65535 × 65535 pixels (a decompression bomb's shape).
    let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR".to_vec();
    png.extend_from_slice(&65_535u32.to_be_bytes());
    png.extend_from_slice(&65_535u32.to_be_bytes());
    png.extend_from_slice(&[8, 2, 0, 0, 0, 0, 0, 0, 0]);
    png.extend_from_slice(b"\0\0\0\0IEND\xaeB`\x82");
    assert_eq!(
        accept("bomb.png", &png).unwrap_err(),
        EvidenceError::TooManyPixels(65_535, 65_535)
    );
    assert_eq!(
        EvidenceError::TooManyPixels(1, 1).message_key(),
        "error-file-too-many-pixels"
    );
    // An ordinary photo passes.
    assert!(accept("ok.png", &fixtures::png_with_metadata()).is_ok());
}
