//! CSS, icons and the little progressive-enhancement script, embedded in the
//! binary so an install is one file.

use super::error::AppError;
use actix_web::http::header;
use actix_web::{HttpResponse, web};
use rust_embed::RustEmbed;

#[derive(RustEmbed)]
#[folder = "static/"]
struct StaticFiles;

pub async fn serve(path: web::Path<String>) -> Result<HttpResponse, AppError> {
    let path = path.into_inner();
    let file = StaticFiles::get(&path).ok_or(AppError::NotFound)?;
    let etag = format!("\"{}\"", hex::encode(&file.metadata.sha256_hash()[..8]));
    let mime = mime_guess::from_path(&path).first_or_octet_stream();
    Ok(HttpResponse::Ok()
        .insert_header((
            header::CONTENT_TYPE,
            mime.essence_str().to_owned()
                + if mime.type_() == "text" {
                    "; charset=utf-8"
                } else {
                    ""
                },
        ))
        .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
        .insert_header((header::ETAG, etag))
        .body(match file.data {
            // Release builds embed the files: serve them without a copy.
            std::borrow::Cow::Borrowed(bytes) => actix_web::web::Bytes::from_static(bytes),
            std::borrow::Cow::Owned(bytes) => actix_web::web::Bytes::from(bytes),
        }))
}
