//! Reading `multipart/form-data` (forms with evidence files) within limits:
//! text fields are kept for re-rendering the form; files beyond the limits are
//! drained and reported, never half-stored.

use super::AppError;
use crate::app::filing::Upload;
use crate::files::{MAX_FILE_BYTES, MAX_FILES, MAX_TOTAL_BYTES};
use actix_multipart::Multipart;
use futures_util::StreamExt;
use std::collections::HashMap;

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

pub async fn read(mut payload: Multipart) -> Result<FormData, AppError> {
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
            if data.len() + chunk.len() > limit {
                overflow = true;
                continue; // drain the rest of this part
            }
            data.extend_from_slice(&chunk);
        }
        match file_name {
            // A file input left empty sends a part with an empty name and no bytes.
            Some(f) if f.is_empty() && data.is_empty() => {}
            Some(f) => {
                if overflow {
                    form.file_problem.get_or_insert("error-file-too-large");
                } else if form.files.len() >= MAX_FILES {
                    form.file_problem.get_or_insert("error-too-many-files");
                } else {
                    form.files.push(Upload {
                        name: f,
                        bytes: data,
                    });
                }
            }
            None => {
                let text = String::from_utf8_lossy(&data).into_owned();
                form.fields.insert(name, text);
            }
        }
    }
    if form.files.iter().map(|f| f.bytes.len()).sum::<usize>() > MAX_TOTAL_BYTES {
        form.file_problem
            .get_or_insert("error-files-total-too-large");
    }
    Ok(form)
}
