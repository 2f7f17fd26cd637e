//! Reading `multipart/form-data` (forms with evidence files) within limits:
//! text fields are kept for re-rendering the form; files beyond the limits are
//! drained and reported, never half-stored.

use super::AppError;
use crate::app::uploads::{SPOOL_IN_MEMORY, Upload};
use crate::files::{MAX_FILE_BYTES, MAX_FILES, MAX_TOTAL_BYTES};
use actix_multipart::Multipart;
use actix_web::HttpRequest;
use futures_util::StreamExt;
use std::collections::HashMap;
use std::io::Write;

/// A text field longer than this is cut off (the domain then reports it as too long).
const MAX_TEXT_FIELD: usize = 64 * 1024;
/// The whole request: files plus text, with room for the multipart framing.
pub const MAX_BODY: usize = MAX_TOTAL_BYTES + 2 * 1024 * 1024;

#[derive(Default)]
pub struct FormData {
    pub fields: HashMap<String, String>,
    pub files: Vec<Upload>,
    /// A Fluent key when the files broke a limit (too many, one too large, all too large).
    pub file_problem: Option<&'static str>,
    /// The file the problem is with, when one file is (too large).
    pub file_problem_name: Option<String>,
}

impl FormData {
    pub fn get(&self, name: &str) -> String {
        self.fields.get(name).cloned().unwrap_or_default()
    }

    /// The text fields as a struct (every field of it `#[serde(default)]`).
    pub fn parse<T: serde::de::DeserializeOwned>(&self) -> Result<T, AppError> {
        serde_json::to_value(&self.fields)
            .and_then(serde_json::from_value)
            .map_err(|_| AppError::BadRequest("error-bad-form"))
    }
}

/// Reads the form. A body announced as larger than [`MAX_BODY`] is refused
/// before a byte of it is read; file parts go to temporary files as they
/// arrive (beyond [`SPOOL_IN_MEMORY`] bytes each), so memory does not grow
/// with the size of the uploads.
pub async fn read(req: &HttpRequest, mut payload: Multipart) -> Result<FormData, AppError> {
    refuse_announced_overflow(req)?;
    let mut form = FormData::default();
    let mut total = 0usize;
    while let Some(field) = payload.next().await {
        let mut field = field.map_err(|_| AppError::BadRequest("error-bad-form"))?;
        let name = field.name().unwrap_or_default().to_owned();
        let file_name = field
            .content_disposition()
            .and_then(|cd| cd.get_filename())
            .map(str::to_owned);
        let mut data = Vec::new();
        let mut spool = file_name
            .as_ref()
            .map(|_| tempfile::SpooledTempFile::new(SPOOL_IN_MEMORY));
        let mut len = 0usize;
        let mut overflow = false;
        while let Some(chunk) = field.next().await {
            let chunk = chunk.map_err(|_| AppError::BadRequest("error-bad-form"))?;
            total += chunk.len();
            if total > MAX_BODY {
                return Err(AppError::PayloadTooLarge);
            }
            let limit = if file_name.is_some() {
                MAX_FILE_BYTES
            } else {
                MAX_TEXT_FIELD
            };
            if overflow || len + chunk.len() > limit {
                overflow = true;
                continue; // drain the rest of this part
            }
            len += chunk.len();
            match spool.as_mut() {
                // A write of one chunk (at most tens of kilobytes) to a
                // temporary file lands in the page cache: short enough to do
                // on the request's thread.
                Some(file) => file.write_all(&chunk).map_err(AppError::internal)?,
                None => data.extend_from_slice(&chunk),
            }
        }
        match (file_name, spool) {
            // A file input left empty sends a part with an empty name and no bytes.
            (Some(f), _) if f.is_empty() && len == 0 => {}
            (Some(f), Some(file)) => {
                if overflow {
                    if form.file_problem.is_none() {
                        form.file_problem_name = Some(f.clone());
                    }
                    form.file_problem.get_or_insert("error-file-too-large");
                } else if form.files.len() >= MAX_FILES {
                    form.file_problem.get_or_insert("error-too-many-files");
                } else {
                    form.files.push(Upload::spooled(f, file, len));
                }
            }
            _ => {
                let text = String::from_utf8_lossy(&data).into_owned();
                form.fields.insert(name, text);
            }
        }
    }
    if form.files.iter().map(Upload::len).sum::<usize>() > MAX_TOTAL_BYTES {
        form.file_problem
            .get_or_insert("error-files-total-too-large");
    }
    Ok(form)
}

/// `413` for a body whose `Content-Length` is over [`MAX_BODY`], unread.
fn refuse_announced_overflow(req: &HttpRequest) -> Result<(), AppError> {
    let announced = req
        .headers()
        .get(actix_web::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    match announced {
        Some(n) if n > MAX_BODY as u64 => Err(AppError::PayloadTooLarge),
        _ => Ok(()),
    }
}
