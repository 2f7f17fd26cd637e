//! The letters a petitioner keeps, and their verification: the PDF receipt
//! (from the receipt page's session), the answer letter (HTML and PDF, from a
//! petition opened with its code), and `/verify` where anyone confirms a
//! printed or downloaded letter is genuine and unchanged.

use crate::app::letters::{self, AnswerFacts, Signatory};
use crate::domain::codes::VerificationCode;
use crate::domain::letter::LetterKind;
use crate::domain::workflow::split_answer;
use crate::render::Layout;
use crate::render::pdf::{Block, Printed};
use crate::store::petitions::{DeadlineView, Petition};
use crate::web::api::petitions::DeadlineOut;
use crate::web::{AppError, AppState, Lang, html};
use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Serialize;

/// PDFs need a CJK font on the machine; without one the page and the HTML
/// letter still work and the PDF paths say why they do not (503).
fn pdf_possible() -> Result<(), AppError> {
    if crate::render::pdf::available() {
        Ok(())
    } else {
        tracing::error!("{}", crate::render::pdf::PdfError::NoFont);
        Err(AppError::PdfUnavailable)
    }
}

fn pdf_response(bytes: Vec<u8>, file_name: &str) -> HttpResponse {
    crate::web::no_store(
        HttpResponse::Ok()
            .content_type("application/pdf")
            .insert_header((
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{file_name}\""),
            ))
            .body(bytes),
    )
}

fn name_of(agency: &crate::store::agencies::Agency, lang: Lang) -> String {
    agency.name(lang == Lang::En).to_owned()
}

fn verification_footer(public_url: &str, lang: Lang, code: &VerificationCode) -> Vec<String> {
    let url = format!("{public_url}/verify?code={}", code.display());
    vec![
        lang.t_args("letter-code", &[("code", code.display())]),
        lang.t_args("letter-verify-at", &[("url", url)]),
        lang.t("letter-signed-note"),
    ]
}

fn deadline_lines(deadlines: &[DeadlineView], lang: Lang) -> String {
    deadlines
        .iter()
        .map(|d| DeadlineOut::of_view(d, lang))
        .map(|d| {
            format!(
                "{}: {}\n{}",
                lang.t(&format!("clock-{}", d.clock)),
                d.due_on,
                d.citation
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The receipt as a letter: what was filed, where, when, and every time
/// limit — never the access code.
fn receipt_letter(
    public_url: &str,
    lang: Lang,
    facts: &crate::app::filing::ReceiptFacts,
    code: &VerificationCode,
) -> Printed {
    let p = &facts.petition;
    let received = crate::domain::clock::china_date(p.received_at);
    let mut blocks = vec![
        Block {
            label: Some(lang.t("letter-number")),
            text: p.display_number(),
        },
        Block {
            label: Some(lang.t("status-kind")),
            text: lang.t(&format!("kind-{}", p.kind.as_str())),
        },
        Block {
            label: Some(lang.t("field-title")),
            text: p.title.clone(),
        },
        Block {
            label: Some(lang.t("receipt-agency")),
            text: name_of(&facts.agency, lang),
        },
        Block {
            label: Some(lang.t("receipt-received")),
            text: crate::render::views::local_time_text(p.received_at),
        },
    ];
    if !facts.deadlines.is_empty() {
        blocks.push(Block {
            label: Some(lang.t("letter-deadlines")),
            text: deadline_lines(&facts.deadlines, lang),
        });
    }
    if !facts.files.is_empty() {
        blocks.push(Block {
            label: Some(lang.t("receipt-files")),
            text: facts
                .files
                .iter()
                .map(|f| f.file_name.clone())
                .collect::<Vec<_>>()
                .join("\n"),
        });
    }
    blocks.push(Block {
        label: None,
        text: lang.t_args(
            "letter-receipt-follow",
            &[("url", format!("{public_url}/track"))],
        ),
    });
    Printed {
        title: lang.t("letter-receipt-title"),
        letterhead: name_of(&facts.agency, lang),
        blocks,
        footer: verification_footer(public_url, lang, code),
        dated: received,
    }
}

/// `/petitions/receipt.pdf`: the receipt of the filing this session made.
pub async fn receipt_pdf(
    state: web::Data<AppState>,
    session: actix_session::Session,
    lang: Lang,
) -> Result<HttpResponse, AppError> {
    pdf_possible()?;
    let Some(number) = crate::web::public::petitions::filed_number(&session)? else {
        return Ok(crate::web::see_other("/track"));
    };
    let facts = crate::app::filing::filed(&state.app, &number).await?;
    let public_url = state.app.public_url.clone();
    let for_draw = facts.clone();
    let (record, bytes) = letters::issue(
        &state.app,
        &facts.petition,
        LetterKind::Receipt,
        lang.tag(),
        Box::new(move |code| {
            Ok(crate::render::pdf::render(&receipt_letter(
                &public_url,
                lang,
                &for_draw,
                code,
            ))?)
        }),
    )
    .await?;
    Ok(pdf_response(
        bytes,
        &format!(
            "receipt-{}-{}.pdf",
            facts.petition.display_number(),
            record.lang
        ),
    ))
}

#[derive(Serialize, Clone)]
struct LetterView {
    agency: String,
    review_body: Option<String>,
    number: String,
    petitioner: Option<String>,
    title: String,
    received_on: chrono::NaiveDate,
    answered_on: chrono::NaiveDate,
    answer: String,
    /// The basis the handler cited; none: the general one.
    basis: Option<String>,
    handler: Option<Signatory>,
    approver: Option<Signatory>,
    review_due: Option<chrono::NaiveDate>,
    review_citation: Option<String>,
    names: bool,
}

fn letter_view(
    letter_names: bool,
    p: &Petition,
    facts: &AnswerFacts,
    deadlines: &[DeadlineView],
    lang: Lang,
) -> LetterView {
    let review = deadlines
        .iter()
        .map(|d| DeadlineOut::of_view(d, lang))
        .find(|d| d.clock == "review_request");
    LetterView {
        agency: name_of(&facts.agency, lang),
        review_body: facts.review_body.as_ref().map(|a| name_of(a, lang)),
        number: p.display_number(),
        petitioner: if p.anonymous {
            None
        } else {
            p.contact_name.clone()
        },
        title: p.title.clone(),
        received_on: crate::domain::clock::china_date(p.received_at),
        answered_on: p.answered_on.unwrap_or_default(),
        answer: split_answer(p.answer_text.as_deref().unwrap_or_default())
            .0
            .to_owned(),
        basis: split_answer(p.answer_text.as_deref().unwrap_or_default())
            .1
            .map(str::to_owned),
        handler: facts.handler.clone(),
        approver: facts.approver.clone(),
        review_due: review.as_ref().map(|d| d.due_on),
        review_citation: review.map(|d| d.citation),
        names: letter_names,
    }
}

fn signatory_line(s: &Option<Signatory>, key: &str, names: bool, lang: Lang) -> Option<String> {
    s.as_ref().map(|s| {
        let mut who = format!(
            "{} {}",
            lang.t(&format!("role-{}", s.role)),
            lang.t_args("letter-staff-number", &[("number", s.staff_number.clone())])
        );
        if names {
            who = format!("{who} {}", s.name);
        }
        format!("{}: {who}", lang.t(key))
    })
}

fn review_text(v: &LetterView, lang: Lang) -> String {
    let body = v
        .review_body
        .clone()
        .unwrap_or_else(|| lang.t("letter-review-body-unknown"));
    match v.review_due {
        Some(due) => lang.t_args(
            "letter-review",
            &[("date", due.to_string()), ("body", body)],
        ),
        None => lang.t_args("letter-review-no-date", &[("body", body)]),
    }
}

fn answer_letter(public_url: &str, v: &LetterView, lang: Lang, code: &VerificationCode) -> Printed {
    let mut blocks = vec![
        Block {
            label: Some(lang.t("letter-number")),
            text: v.number.clone(),
        },
        Block {
            label: Some(lang.t("letter-petitioner")),
            text: v
                .petitioner
                .clone()
                .unwrap_or_else(|| lang.t("letter-anonymous")),
        },
        Block {
            label: Some(lang.t("letter-matter")),
            text: lang.t_args(
                "letter-matter-text",
                &[
                    ("date", v.received_on.to_string()),
                    ("title", v.title.clone()),
                ],
            ),
        },
        Block {
            label: Some(lang.t("letter-answer")),
            text: v.answer.clone(),
        },
        Block {
            label: Some(lang.t("letter-basis")),
            text: v
                .basis
                .clone()
                .unwrap_or_else(|| lang.t("letter-basis-text")),
        },
        Block {
            label: Some(lang.t("letter-review-h")),
            text: format!(
                "{}{}",
                review_text(v, lang),
                v.review_citation
                    .as_ref()
                    .map(|c| format!("\n{c}"))
                    .unwrap_or_default()
            ),
        },
    ];
    let signed: Vec<String> = [
        signatory_line(&v.handler, "letter-handled-by", v.names, lang),
        signatory_line(&v.approver, "letter-approved-by", v.names, lang),
    ]
    .into_iter()
    .flatten()
    .collect();
    if !signed.is_empty() {
        blocks.push(Block {
            label: Some(lang.t("letter-responsible")),
            text: signed.join("\n"),
        });
    }
    blocks.push(Block {
        label: None,
        text: format!("{}\n{}", v.agency, v.answered_on),
    });
    Printed {
        title: lang.t("letter-answer-title"),
        letterhead: v.agency.clone(),
        blocks,
        footer: verification_footer(public_url, lang, code),
        dated: v.answered_on,
    }
}

async fn opened_answer(
    state: &AppState,
    session: &actix_session::Session,
    tn: &str,
    lang: Lang,
) -> Result<(Petition, LetterView), AppError> {
    let Some(p) = crate::web::public::track::opened(state, session, tn).await? else {
        return Err(AppError::Forbidden);
    };
    let facts = letters::answer_facts(&state.app, &p).await?;
    let parts = crate::app::lookup::status(&state.app, &p).await?;
    let view = letter_view(state.app.letter_names, &p, &facts, &parts.deadlines, lang);
    Ok((p, view))
}

#[derive(Serialize)]
struct LetterPage {
    layout: Layout,
    tn: String,
    letter: LetterView,
    handled_by: Option<String>,
    approved_by: Option<String>,
    review: String,
    code: Option<String>,
    verify_url: Option<String>,
}

/// `/track/{tn}/letter`: the answer as a formal letter (处理意见书), printable,
/// with the PDF and its verification code.
pub async fn answer_page(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: actix_session::Session,
    lang: Lang,
    tn: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let (p, view) = opened_answer(&state, &session, &tn, lang).await?;
    // The code is the PDF's: without a font to draw it, the page goes without.
    let code = if crate::render::pdf::available() {
        let (record, _) = issue_answer(&state, &p, &view, lang).await?;
        VerificationCode::parse(&record.code)
    } else {
        None
    };
    let page = LetterPage {
        layout: crate::web::layout(&req, lang),
        tn: p.tracking_number.clone(),
        handled_by: signatory_line(&view.handler, "letter-handled-by", view.names, lang),
        approved_by: signatory_line(&view.approver, "letter-approved-by", view.names, lang),
        review: review_text(&view, lang),
        letter: view,
        verify_url: code
            .as_ref()
            .map(|c| format!("{}/verify?code={}", state.app.public_url, c.display())),
        code: code.map(|c| c.display()),
    };
    Ok(crate::web::no_store(html(
        StatusCode::OK,
        state.render("public/letter.html", &page)?,
    )))
}

async fn issue_answer(
    state: &AppState,
    p: &Petition,
    view: &LetterView,
    lang: Lang,
) -> Result<(crate::store::letters::LetterRecord, Vec<u8>), AppError> {
    let public_url = state.app.public_url.clone();
    let view = view.clone();
    Ok(letters::issue(
        &state.app,
        p,
        LetterKind::Answer,
        lang.tag(),
        Box::new(move |code| {
            Ok(crate::render::pdf::render(&answer_letter(
                &public_url,
                &view,
                lang,
                code,
            ))?)
        }),
    )
    .await?)
}

/// `/track/{tn}/letter.pdf`: the answer letter as PDF.
pub async fn answer_pdf(
    state: web::Data<AppState>,
    session: actix_session::Session,
    lang: Lang,
    tn: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    pdf_possible()?;
    let (p, view) = opened_answer(&state, &session, &tn, lang).await?;
    let (record, bytes) = issue_answer(&state, &p, &view, lang).await?;
    Ok(pdf_response(
        bytes,
        &format!("answer-{}-{}.pdf", p.display_number(), record.lang),
    ))
}

#[derive(Serialize)]
struct VerifiedView {
    code: String,
    kind: &'static str,
    agency: String,
    issued_on: chrono::NaiveDate,
    sha256: String,
    signature: String,
    signature_valid: bool,
    statement: String,
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
                    agency: name_of(&v.agency, lang),
                    issued_on: v.record.issued_on,
                    sha256: v.record.sha256,
                    signature: v.record.signature,
                    signature_valid: v.signature_valid,
                    statement: v.statement,
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
