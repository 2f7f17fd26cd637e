//! Letters a petitioner keeps (文书): the PDF receipt and the answer letter,
//! each with a verification code whose record binds it to the SHA-256 of the
//! PDF's bytes under the installation's signature (`domain::letter`).
//!
//! The PDF is not stored: it is drawn again on each request. Drawing is
//! deterministic, so the same letter gives the same bytes and keeps its
//! code; when what it says changed (a later answer, anonymisation, another
//! font after an upgrade), the new bytes get a new code and record, and the
//! old code still confirms the copies printed before.

use super::{App, Error, Result};
use crate::domain::codes::VerificationCode;
use crate::domain::ids::StaffId;
use crate::domain::letter::{LetterKind, signed_statement};
use crate::store::letters::LetterRecord;
use crate::store::petitions::Petition;
use ed25519_dalek::{Signer, Verifier};

/// How a letter is drawn for a given verification code (the web layer
/// composes the text in the reader's language and calls the PDF renderer).
pub type Draw = Box<dyn Fn(&VerificationCode) -> anyhow::Result<Vec<u8>> + Send + Sync>;

/// The letter's PDF bytes and its record: the latest one for this petition,
/// kind and language when drawing it again gives the same bytes, else a new one.
pub async fn issue(
    app: &App,
    petition: &Petition,
    kind: LetterKind,
    lang: &str,
    draw: Draw,
) -> Result<(LetterRecord, Vec<u8>)> {
    let draw = std::sync::Arc::new(draw);
    let latest = app
        .store
        .letters_of(petition.id, kind, lang)
        .await?
        .into_iter()
        .next();
    if let Some(record) = latest
        && let Some(code) = VerificationCode::parse(&record.code)
    {
        let bytes = drawn(draw.clone(), code).await?;
        if crate::files::store::address(&bytes) == record.sha256 {
            return Ok((record, bytes));
        }
    }
    let code = VerificationCode::generate(&mut super::os_rng());
    let bytes = drawn(draw, code.clone()).await?;
    let sha256 = crate::files::store::address(&bytes);
    let issued_on = crate::domain::clock::china_date(chrono::Utc::now());
    let statement = signed_statement(
        code.as_str(),
        kind,
        &petition.tracking_number,
        issued_on,
        &sha256,
    );
    let signature = hex::encode(app.signing_key()?.sign(statement.as_bytes()).to_bytes());
    let record = LetterRecord {
        code: code.as_str().to_owned(),
        petition_id: petition.id,
        kind,
        lang: lang.to_owned(),
        agency_id: petition.agency_id,
        tracking_number: petition.tracking_number.clone(),
        issued_on,
        sha256,
        signature,
    };
    app.store.insert_letter(&record).await?;
    Ok((record, bytes))
}

async fn drawn(draw: std::sync::Arc<Draw>, code: VerificationCode) -> Result<Vec<u8>> {
    tokio::task::spawn_blocking(move || draw(&code))
        .await
        .map_err(Error::internal)?
        .map_err(Error::internal)
}

/// What `/verify` says of a code.
pub struct Verified {
    pub record: LetterRecord,
    pub agency: crate::store::agencies::Agency,
    /// The statement the signature is over, rebuilt from the record.
    pub statement: String,
    /// Whether the installation's public key verifies the signature.
    pub signature_valid: bool,
    pub public_key_hex: String,
}

/// The record of a verification code (typed in any form), checked against
/// the installation's public key; `NotFound` for a code that was never issued.
pub async fn verify(app: &App, raw_code: &str) -> Result<Verified> {
    let code = VerificationCode::parse(raw_code).ok_or(Error::NotFound)?;
    let record = app
        .store
        .letter(code.as_str())
        .await?
        .ok_or(Error::NotFound)?;
    let agency = app.store.agency(record.agency_id).await?;
    let statement = signed_statement(
        &record.code,
        record.kind,
        &record.tracking_number,
        record.issued_on,
        &record.sha256,
    );
    let key = app.signing_key()?.verifying_key();
    let signature_valid = hex::decode(&record.signature)
        .ok()
        .and_then(|b| <[u8; 64]>::try_from(b).ok())
        .map(|b| ed25519_dalek::Signature::from_bytes(&b))
        .is_some_and(|sig| key.verify(statement.as_bytes(), &sig).is_ok());
    Ok(Verified {
        record,
        agency,
        statement,
        signature_valid,
        public_key_hex: hex::encode(key.to_bytes()),
    })
}

/// Whether `file` is exactly the letter issued under `raw_code`.
pub async fn matches(app: &App, raw_code: &str, file: &[u8]) -> Result<(Verified, bool)> {
    let verified = verify(app, raw_code).await?;
    let same =
        crate::files::store::address(file) == verified.record.sha256 && verified.signature_valid;
    Ok((verified, same))
}

/// Who signs an answer letter (谁执法、谁负责): the post and staff number of
/// the handler who drafted it and of the supervisor who approved it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Signatory {
    pub role: &'static str,
    pub staff_number: String,
    pub name: String,
}

/// What an answer letter states beyond the petition itself.
pub struct AnswerFacts {
    pub agency: crate::store::agencies::Agency,
    /// The body one level up, to which a review is requested.
    pub review_body: Option<crate::store::agencies::Agency>,
    pub handler: Option<Signatory>,
    pub approver: Option<Signatory>,
}

/// A staff member's number as letters print it: the agency's code and the
/// account number, stable for the life of the account.
fn staff_number(agency_code: &str, id: StaffId) -> String {
    format!("{}-{:04}", agency_code.to_uppercase(), id.0)
}

/// The facts of an answer letter; `NotFound` before the petition is answered.
pub async fn answer_facts(app: &App, p: &Petition) -> Result<AnswerFacts> {
    if p.answer_text.is_none() || p.answered_on.is_none() {
        return Err(Error::NotFound);
    }
    let agency = app.store.agency(p.agency_id).await?;
    let review_body = match agency.parent_id {
        Some(parent) => Some(app.store.agency(parent).await?),
        None => None,
    };
    let signatory = |id: Option<StaffId>| async move {
        let Some(id) = id else {
            return Ok::<_, Error>(None);
        };
        let Some(member) = app.store.staff_member(id).await? else {
            return Ok(None);
        };
        let code = app.store.agency(member.agency_id).await?.code;
        Ok(Some(Signatory {
            role: member.role.as_str(),
            staff_number: staff_number(&code, member.id),
            name: member.name,
        }))
    };
    let handler = signatory(p.draft_author_id).await?;
    let approver = signatory(app.store.answer_approver(p.id).await?).await?;
    Ok(AnswerFacts {
        agency,
        review_body,
        handler,
        approver,
    })
}
