//! Letters a petitioner keeps (文书): the PDF receipt and the answer letters
//! (处理意见书, 复查意见书, 复核意见书), each copy with a verification code
//! whose record binds it to the SHA-256 of the PDF's bytes under the
//! installation's signature (`domain::letter`).
//!
//! An issued letter never changes. An answer letter's facts are frozen in
//! the transaction that issues the answer (`freeze`, called by
//! `app::handling`); a copy is drawn from those facts the first time it is
//! asked for in a language, and its bytes are kept with its record and served
//! as they are from then on — so a template change or an upgrade that draws
//! differently never alters a letter already drawn, and every node serves the
//! same bytes. A review's answer is a new letter from the body that reviewed.

use super::{App, Error, Result};
use crate::domain::clock::Deadline;
use crate::domain::codes::VerificationCode;
use crate::domain::ids::{AgencyId, StaffId};
use crate::domain::letter::{
    AnswerLetter, LetterKind, Names, Reviewed, Signatory, signed_statement,
};
use crate::domain::workflow::ReviewOutcome;
use crate::domain::workflow::{Round, State, split_answer};
use crate::store::Store;
use crate::store::letters::{IssuedLetter, LetterRecord};
use crate::store::petitions::Petition;
use ed25519_dalek::{Signer, Verifier};

/// How a letter is drawn for a given verification code (the web layer
/// composes the text in the reader's language and calls the PDF renderer).
pub type Draw = Box<dyn Fn(&VerificationCode) -> anyhow::Result<Vec<u8>> + Send + Sync>;

/// The receipt's PDF and its record. The first copy drawn in a language is
/// kept and served from then on; a copy drawn before copies were kept is
/// kept when drawing it again gives the bytes its record signed.
pub async fn receipt(
    app: &App,
    petition: &Petition,
    lang: &str,
    draw: Draw,
) -> Result<(LetterRecord, Vec<u8>)> {
    let draw = std::sync::Arc::new(draw);
    let latest = app
        .store
        .letters_of(petition.id, LetterKind::Receipt, lang)
        .await?
        .into_iter()
        .find(|r| r.anonymised_on.is_none());
    if let Some(record) = latest {
        if let Some(pdf) = record.pdf.clone() {
            return Ok((record, pdf));
        }
        if let Some(code) = VerificationCode::parse(&record.code) {
            let bytes = drawn(draw.clone(), code).await?;
            if crate::files::store::address(&bytes) == record.sha256 {
                app.store
                    .keep_letter_bytes(&record.code, bytes.clone())
                    .await?;
                return Ok((record, bytes));
            }
        }
    }
    let issued_on = crate::domain::clock::china_date(petition.received_at);
    let record = new_copy(
        app,
        petition,
        LetterKind::Receipt,
        None,
        issued_on,
        lang,
        draw,
    )
    .await?;
    Ok(record)
}

/// A copy of an issued answer letter in `lang`: the one kept, or, the first
/// time, drawn from its frozen facts and kept.
pub async fn answer_copy(
    app: &App,
    petition: &Petition,
    letter: &IssuedLetter,
    lang: &str,
    draw: Draw,
) -> Result<(LetterRecord, Vec<u8>)> {
    if let Some(kept) = kept_copy(app, letter.id, lang).await? {
        return Ok(kept);
    }
    let drawn = new_copy(
        app,
        petition,
        letter.kind,
        Some(letter),
        letter.issued_on,
        lang,
        std::sync::Arc::new(draw),
    )
    .await;
    match drawn {
        Ok(copy) => Ok(copy),
        // Another request (on any node) kept the first copy meanwhile: serve it.
        Err(e) => kept_copy(app, letter.id, lang).await?.ok_or(e),
    }
}

async fn kept_copy(app: &App, letter: i32, lang: &str) -> Result<Option<(LetterRecord, Vec<u8>)>> {
    Ok(app
        .store
        .letter_copy(letter, lang)
        .await?
        .and_then(|r| r.pdf.clone().map(|pdf| (r, pdf))))
}

async fn new_copy(
    app: &App,
    petition: &Petition,
    kind: LetterKind,
    letter: Option<&IssuedLetter>,
    issued_on: chrono::NaiveDate,
    lang: &str,
    draw: std::sync::Arc<Draw>,
) -> Result<(LetterRecord, Vec<u8>)> {
    let code = VerificationCode::generate(&mut super::os_rng());
    let bytes = drawn(draw, code.clone()).await?;
    let sha256 = crate::files::store::address(&bytes);
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
        agency_id: letter.map_or(petition.agency_id, |l| l.agency_id),
        tracking_number: petition.tracking_number.clone(),
        issued_on,
        sha256,
        signature,
        letter_id: letter.map(|l| l.id),
        pdf: Some(bytes.clone()),
        anonymised_on: None,
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

/// The answer letters issued on a petition, newest first.
pub async fn answer_letters(app: &App, p: &Petition) -> Result<Vec<IssuedLetter>> {
    Ok(issued(app, p)
        .await?
        .into_iter()
        .filter(|l| l.kind.is_answer())
        .collect())
}

/// Every letter issued on a petition — answers and notices — newest first.
/// A petition answered before letters were frozen (migration 22) has its
/// answer in force frozen now, from the record as it stands — the best that
/// is left.
pub async fn issued(app: &App, p: &Petition) -> Result<Vec<IssuedLetter>> {
    let issued = app.store.issued_letters(p.id).await?;
    if issued.iter().any(|l| l.kind.is_answer())
        || p.answer_text.is_none()
        || p.answered_on.is_none()
    {
        return Ok(issued);
    }
    let answered = matches!(p.status, State::Answered | State::Closed);
    // Once a review is asked for, the answer in force is the reviewed body's.
    let issuer = if answered {
        p.agency_id
    } else {
        p.reviewed_agency_id.unwrap_or(p.agency_id)
    };
    let round = if answered {
        p.round
    } else {
        match p.round {
            Round::ReReview => Round::Review,
            _ => Round::Original,
        }
    };
    let review_deadline = app
        .store
        .petition_deadlines(p.id)
        .await?
        .into_iter()
        .rfind(|d| d.clock == "review_request");
    let review = review_deadline.map(|d| (d.due_on, Names::of(&d.citation_zh, &d.citation_en)));
    let facts = freeze(
        &app.store,
        p,
        &Issue {
            round,
            issuer,
            answer_text: p.answer_text.as_deref().unwrap_or_default(),
            answered_on: p.answered_on.unwrap_or_default(),
            draft_author: p.draft_author_id,
            approver: app.store.answer_approver(p.id).await?,
            reviewed: (round != Round::Original && answered)
                .then_some(p.reviewed_agency_id)
                .flatten()
                .map(|a| (a, p.review_outcome)),
            names: app.letter_names,
        },
        review,
    )
    .await?;
    app.store.insert_issued_letter(p.id, issuer, &facts).await?;
    Ok(app.store.issued_letters(p.id).await?)
}

/// The letter `id` (an answer or a notice) of petition `p`; `NotFound` for another's.
pub async fn issued_letter(app: &App, p: &Petition, id: i32) -> Result<IssuedLetter> {
    match app.store.issued_letter(id).await? {
        Some(l) if l.petition_id == p.id => Ok(l),
        _ => Err(Error::NotFound),
    }
}

/// What an answer being issued states, as the workflow decided it.
pub struct Issue<'a> {
    pub round: Round,
    /// The body answering (the petition's agency in the answering round).
    pub issuer: AgencyId,
    /// The approved draft: the answer and, after a blank line, its basis.
    pub answer_text: &'a str,
    pub answered_on: chrono::NaiveDate,
    pub draft_author: Option<StaffId>,
    pub approver: Option<StaffId>,
    /// In a review round: the body whose answer was reviewed, and the outcome.
    pub reviewed: Option<(AgencyId, Option<ReviewOutcome>)>,
    pub names: bool,
}

/// The review window an answer opens, as just counted: its last day and the rule's citation.
pub fn review_window(d: &Deadline) -> (chrono::NaiveDate, Names) {
    (d.due_on, Names::of(&d.citation_zh, &d.citation_en))
}

/// The facts of the answer letter `issue` issues, frozen from the record now
/// (`review`: the review window the answer opens, [`review_window`]).
pub async fn freeze(
    store: &Store,
    p: &Petition,
    issue: &Issue<'_>,
    review: Option<(chrono::NaiveDate, Names)>,
) -> Result<AnswerLetter> {
    let names = |a: &crate::store::agencies::Agency| Names::of(&a.name_zh, &a.name_en);
    let issuer = store.agency(issue.issuer).await?;
    // After a re-review the matter is final (no further review body).
    let review_body = match (issue.round, issuer.parent_id) {
        (Round::ReReview, _) | (_, None) => None,
        (_, Some(parent)) => Some(names(&store.agency(parent).await?)),
    };
    let reviewed = match issue.reviewed {
        Some((agency, outcome)) => Some(Reviewed {
            agency: names(&store.agency(agency).await?),
            outcome,
        }),
        None => None,
    };
    let (answer, basis) = split_answer(issue.answer_text);
    let (review_due, review_citation) = match review {
        Some((due, citation)) if review_body.is_some() => (Some(due), Some(citation)),
        _ => (None, None),
    };
    Ok(AnswerLetter {
        kind: LetterKind::answering(issue.round),
        number: p.display_number(),
        issuer: names(&issuer),
        review_body,
        review_due,
        review_citation,
        petitioner: if p.anonymous {
            None
        } else {
            p.contact_name.clone()
        },
        title: p.title.clone(),
        received_on: crate::domain::clock::china_date(p.received_at),
        answered_on: issue.answered_on,
        answer: answer.to_owned(),
        basis: basis.map(str::to_owned),
        handler: signatory(store, issue.draft_author).await?,
        approver: signatory(store, issue.approver).await?,
        names: issue.names,
        reviewed,
    })
}

/// A staff member's number as letters print it: the agency's code and the
/// account number, stable for the life of the account.
fn staff_number(agency_code: &str, id: StaffId) -> String {
    format!("{}-{:04}", agency_code.to_uppercase(), id.0)
}

pub(super) async fn signatory(store: &Store, id: Option<StaffId>) -> Result<Option<Signatory>> {
    let Some(id) = id else {
        return Ok(None);
    };
    let Some(member) = store.staff_member(id).await? else {
        return Ok(None);
    };
    let code = store.agency(member.agency_id).await?.code;
    Ok(Some(Signatory {
        role: member.role.as_str().to_owned(),
        staff_number: staff_number(&code, member.id),
        name: member.name,
    }))
}
