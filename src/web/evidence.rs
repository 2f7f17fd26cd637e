//! An evidence file as an HTTP answer, the same for the petitioner's and the
//! staff's download: never run as a page, never cached.

use actix_web::HttpResponse;
use actix_web::http::header;

/// An evidence file's answer: a download, or for an image the staff page
/// shows, inline; never run as a page (`sandbox`), never cached.
pub fn response(
    file: &crate::store::petitions::EvidenceFile,
    bytes: Vec<u8>,
    inline: bool,
) -> HttpResponse {
    let disposition = format!(
        "{}; filename=\"evidence-{}\"; filename*=UTF-8''{}",
        if inline { "inline" } else { "attachment" },
        file.id,
        url::form_urlencoded::byte_serialize(file.file_name.as_bytes()).collect::<String>()
    );
    HttpResponse::Ok()
        .content_type(file.mime.as_str())
        .insert_header((header::CONTENT_DISPOSITION, disposition))
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .insert_header((
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; sandbox",
        ))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .body(bytes)
}
