//! `/verify`, where anyone confirms that a printed or downloaded letter is
//! genuine and unchanged: a code looked up, a file checked byte for byte (a
//! mismatch shown alone), the signed statement and the public key for
//! checking offline.

use super::letters::name_of;
use crate::app::letters;
use crate::domain::codes::VerificationCode;
use crate::render::Layout;
use crate::web::{AppError, AppState, Lang, html};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Serialize;

#[derive(Serialize)]
struct VerifiedView {
    code: String,
    kind: &'static str,
    kind_label: String,
    agency: String,
    issued_on: chrono::NaiveDate,
    sha256: String,
    signature: String,
    signature_valid: bool,
    statement: String,
    /// When retention removed the personal data this copy printed.
    anonymised_on: Option<chrono::NaiveDate>,
}

#[derive(Serialize)]
struct VerifyPage {
    layout: Layout,
    csrf_token: String,
    code: String,
    /// The code was looked up and not found.
    unknown: bool,
    verified: Option<VerifiedView>,
    /// After a file was checked: whether it is the letter, byte for byte.
    file_matches: Option<bool>,
    public_key: String,
}

#[derive(serde::Deserialize, Default)]
pub struct VerifyQuery {
    #[serde(default)]
    code: String,
}

async fn verify_page(
    state: &AppState,
    req: &HttpRequest,
    session: &actix_session::Session,
    lang: Lang,
    code: &str,
    file: Option<&[u8]>,
) -> Result<HttpResponse, AppError> {
    let public_key = hex::encode(state.app.signing_key()?.verifying_key().to_bytes());
    let (verified, unknown, file_matches) = if code.trim().is_empty() {
        (None, false, None)
    } else {
        let result = match file {
            Some(bytes) => letters::matches(&state.app, code, bytes)
                .await
                .map(|(v, m)| (v, Some(m))),
            None => letters::verify(&state.app, code).await.map(|v| (v, None)),
        };
        match result {
            Ok((v, m)) => (
                Some(VerifiedView {
                    code: VerificationCode::parse(&v.record.code)
                        .map(|c| c.display())
                        .unwrap_or_default(),
                    kind: v.record.kind.as_str(),
                    kind_label: lang.t(&format!("verify-kind-{}", v.record.kind.as_str())),
                    agency: name_of(&v.agency, lang),
                    issued_on: v.record.issued_on,
                    sha256: v.record.sha256,
                    signature: v.record.signature,
                    signature_valid: v.signature_valid,
                    statement: v.statement,
                    anonymised_on: v.record.anonymised_on,
                }),
                false,
                m,
            ),
            Err(crate::app::Error::NotFound) => (None, true, None),
            Err(e) => return Err(e.into()),
        }
    };
    let status = if unknown {
        StatusCode::NOT_FOUND
    } else {
        StatusCode::OK
    };
    let page = VerifyPage {
        layout: crate::web::layout(req, lang),
        csrf_token: crate::web::session::csrf_token(session)?,
        code: code.trim().to_owned(),
        unknown,
        verified,
        file_matches,
        public_key,
    };
    Ok(html(status, state.render("public/verify.html", &page)?))
}

/// `/verify?code=…`: what a verification code stands for (kind, agency,
/// date, the hash of the genuine PDF and the signature over it).
pub async fn verify(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: actix_session::Session,
    lang: Lang,
    query: web::Query<VerifyQuery>,
) -> Result<HttpResponse, AppError> {
    verify_page(&state, &req, &session, lang, &query.code, None).await
}

/// `POST /verify`: a PDF checked against its code, byte for byte.
pub async fn verify_file(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: actix_session::Session,
    lang: Lang,
    payload: actix_multipart::Multipart,
) -> Result<HttpResponse, AppError> {
    let data = crate::web::multipart::read(&req, payload).await?;
    crate::web::session::verify_csrf(&session, &data.get("csrf_token"))?;
    let code = data.get("code");
    let file = match data.files.into_iter().next() {
        Some(upload) => Some(
            tokio::task::spawn_blocking(move || upload.into_bytes())
                .await
                .map_err(AppError::internal)?
                .map_err(AppError::internal)?,
        ),
        None => None,
    };
    verify_page(&state, &req, &session, lang, &code, file.as_deref()).await
}

/// `/verify/key`: the installation's public key (Ed25519, hex), for checking
/// a letter's signature offline.
pub async fn public_key(state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let key = hex::encode(state.app.signing_key()?.verifying_key().to_bytes());
    Ok(HttpResponse::Ok()
        .content_type("text/plain; charset=utf-8")
        .body(format!("{key}\n")))
}
