//! The letters a petitioner keeps: the PDF receipt (from the receipt page's
//! session) and the answer letters (HTML and PDF, from a petition opened
//! with its code); `web::public::verify` checks them.

use crate::app::letters;
use crate::domain::codes::VerificationCode;
use crate::domain::issued::Facts;
use crate::domain::letter::{AnswerLetter, LetterKind, Signatory};
use crate::render::Layout;
use crate::render::pdf::{Block, Printed};
use crate::store::letters::IssuedLetter;
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

pub(super) fn name_of(agency: &crate::store::agencies::Agency, lang: Lang) -> String {
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
    let (record, bytes) = letters::receipt(
        &state.app,
        &facts.petition,
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

/// An answer letter in the reader's language, from its frozen facts.
#[derive(Serialize, Clone)]
struct LetterView {
    /// `answer`, `review_answer`, `re_review_answer`.
    kind: &'static str,
    /// 处理意见书, 复查意见书 or 复核意见书, translated.
    heading: String,
    agency: String,
    number: String,
    petitioner: Option<String>,
    title: String,
    received_on: chrono::NaiveDate,
    answered_on: chrono::NaiveDate,
    answer: String,
    /// The basis the handler cited; none: the general one.
    basis: Option<String>,
    /// In a review's letter: which answer it reviewed and what became of it.
    reviewed: Option<String>,
    handler: Option<Signatory>,
    approver: Option<Signatory>,
    /// The heading and text of what the petitioner may do next (a review,
    /// a re-review, or nothing: final).
    next_h: String,
    next: String,
    review_citation: Option<String>,
    names: bool,
}

fn letter_view(facts: &AnswerLetter, lang: Lang) -> LetterView {
    let en = lang == Lang::En;
    let kind = facts.kind.as_str();
    let body = facts.review_body.as_ref().map_or_else(
        || lang.t("letter-review-body-unknown"),
        |b| b.get(en).to_owned(),
    );
    let (next_h, next) = match facts.kind {
        LetterKind::ReReviewAnswer => (lang.t("letter-final-h"), lang.t("letter-final")),
        k => {
            let step = if k == LetterKind::Answer {
                "review"
            } else {
                "re-review"
            };
            let text = match facts.review_due {
                Some(due) => lang.t_args(
                    &format!("letter-{step}"),
                    &[("date", due.to_string()), ("body", body)],
                ),
                None => lang.t_args(&format!("letter-{step}-no-date"), &[("body", body)]),
            };
            (lang.t(&format!("letter-{step}-h")), text)
        }
    };
    LetterView {
        kind,
        heading: lang.t(&format!("letter-{}-title", kind.replace('_', "-"))),
        agency: facts.issuer.get(en).to_owned(),
        number: facts.number.clone(),
        petitioner: facts.petitioner.clone(),
        title: facts.title.clone(),
        received_on: facts.received_on,
        answered_on: facts.answered_on,
        answer: facts.answer.clone(),
        basis: facts.basis.clone(),
        reviewed: facts.reviewed.as_ref().map(|r| {
            lang.t_args(
                "letter-reviewed",
                &[
                    ("body", r.agency.get(en).to_owned()),
                    ("round", kind.to_owned()),
                    (
                        "outcome",
                        r.outcome.map_or("unstated", |o| o.as_str()).to_owned(),
                    ),
                ],
            )
        }),
        handler: facts.handler.clone(),
        approver: facts.approver.clone(),
        next_h,
        next,
        review_citation: facts.review_citation.as_ref().map(|c| c.get(en).to_owned()),
        names: facts.names,
    }
}

fn signatory_line(s: &Option<Signatory>, key: &str, names: bool, lang: Lang) -> Option<String> {
    s.as_ref().map(|s| {
        format!(
            "{}: {}",
            lang.t(key),
            crate::render::notice::signatory(s, names, lang)
        )
    })
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
    ];
    if let Some(reviewed) = &v.reviewed {
        blocks.push(Block {
            label: Some(lang.t("letter-reviewed-h")),
            text: reviewed.clone(),
        });
    }
    blocks.extend([
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
            label: Some(v.next_h.clone()),
            text: format!(
                "{}{}",
                v.next,
                v.review_citation
                    .as_ref()
                    .map(|c| format!("\n{c}"))
                    .unwrap_or_default()
            ),
        },
    ]);
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
        title: v.heading.clone(),
        letterhead: v.agency.clone(),
        blocks,
        footer: verification_footer(public_url, lang, code),
        dated: v.answered_on,
    }
}

/// The petition this session opened and its letter `id` (the newest answer
/// letter when none is named); `NotFound` before an answer. A session that
/// has not opened the petition (a link from a mail, say) is sent to open it
/// with its code first, the number filled in.
async fn opened_letter(
    state: &AppState,
    session: &actix_session::Session,
    tn: &str,
    id: Option<i32>,
) -> Result<Result<(Petition, IssuedLetter), HttpResponse>, AppError> {
    let Some(p) = crate::web::public::track::opened(state, session, tn).await? else {
        let number = crate::domain::codes::TrackingNumber::parse(tn)
            .map(|n| n.display())
            .unwrap_or_default();
        return Ok(Err(crate::web::see_other(&format!(
            "/track?tracking_number={number}"
        ))));
    };
    let letter = match id {
        Some(id) => letters::issued_letter(&state.app, &p, id).await?,
        None => letters::answer_letters(&state.app, &p)
            .await?
            .into_iter()
            .next()
            .ok_or(crate::app::Error::NotFound)?,
    };
    Ok(Ok((p, letter)))
}

#[derive(Serialize)]
struct LetterPage {
    layout: Layout,
    tn: String,
    letter_id: i32,
    letter: LetterView,
    handled_by: Option<String>,
    approved_by: Option<String>,
    code: Option<String>,
    verify_url: Option<String>,
    anonymised_on: Option<chrono::NaiveDate>,
}

/// A notice's page: its blocks as the PDF prints them.
#[derive(Serialize)]
struct NoticePage {
    layout: Layout,
    tn: String,
    letter_id: i32,
    notice: Printed,
    code: Option<String>,
    verify_url: Option<String>,
    anonymised_on: Option<chrono::NaiveDate>,
}

async fn letter_page(
    req: &HttpRequest,
    state: &AppState,
    session: &actix_session::Session,
    lang: Lang,
    tn: &str,
    id: Option<i32>,
) -> Result<HttpResponse, AppError> {
    let (p, letter) = match opened_letter(state, session, tn, id).await? {
        Ok(opened) => opened,
        Err(to_lookup) => return Ok(to_lookup),
    };
    // The code is the PDF's: without a font to draw it, the page goes without.
    let code = if crate::render::pdf::available() {
        let (record, _) = copy_of(state, &p, &letter, lang).await?;
        VerificationCode::parse(&record.code)
    } else {
        None
    };
    let verify_url = code
        .as_ref()
        .map(|c| format!("{}/verify?code={}", state.app.public_url, c.display()));
    let body = match &letter.facts {
        Facts::Answer(facts) => {
            let view = letter_view(facts, lang);
            state.render(
                "public/letter.html",
                &LetterPage {
                    layout: crate::web::layout(req, lang),
                    tn: p.tracking_number.clone(),
                    letter_id: letter.id,
                    handled_by: signatory_line(
                        &view.handler,
                        "letter-handled-by",
                        view.names,
                        lang,
                    ),
                    approved_by: signatory_line(
                        &view.approver,
                        "letter-approved-by",
                        view.names,
                        lang,
                    ),
                    letter: view,
                    verify_url,
                    code: code.map(|c| c.display()),
                    anonymised_on: letter.anonymised_on,
                },
            )?
        }
        Facts::Notice(notice) => state.render(
            "public/notice.html",
            &NoticePage {
                layout: crate::web::layout(req, lang),
                tn: p.tracking_number.clone(),
                letter_id: letter.id,
                notice: crate::render::notice::printed(
                    notice,
                    &state.app.public_url,
                    lang,
                    Vec::new(),
                ),
                verify_url,
                code: code.map(|c| c.display()),
                anonymised_on: letter.anonymised_on,
            },
        )?,
    };
    Ok(crate::web::no_store(html(StatusCode::OK, body)))
}

/// `/track/{tn}/letter`: the newest answer letter, printable, with its
/// PDF and verification code.
pub async fn answer_page(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: actix_session::Session,
    lang: Lang,
    tn: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    letter_page(&req, &state, &session, lang, &tn, None).await
}

/// `/track/{tn}/letters/{id}`: one of the letters issued on the petition
/// (an answer or a notice).
pub async fn letter_by_id(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: actix_session::Session,
    lang: Lang,
    path: web::Path<(String, i32)>,
) -> Result<HttpResponse, AppError> {
    let (tn, id) = path.into_inner();
    letter_page(&req, &state, &session, lang, &tn, Some(id)).await
}

/// A letter as printed with the verification code `code`.
fn printed(public_url: &str, facts: &Facts, lang: Lang, code: &VerificationCode) -> Printed {
    let footer = verification_footer(public_url, lang, code);
    match facts {
        Facts::Answer(a) => answer_letter(public_url, &letter_view(a, lang), lang, code),
        Facts::Notice(n) => crate::render::notice::printed(n, public_url, lang, footer),
    }
}

async fn copy_of(
    state: &AppState,
    p: &Petition,
    letter: &IssuedLetter,
    lang: Lang,
) -> Result<(crate::store::letters::LetterRecord, Vec<u8>), AppError> {
    let public_url = state.app.public_url.clone();
    let facts = letter.facts.clone();
    Ok(letters::answer_copy(
        &state.app,
        p,
        letter,
        lang.tag(),
        Box::new(move |code| {
            Ok(crate::render::pdf::render(&printed(
                &public_url,
                &facts,
                lang,
                code,
            ))?)
        }),
    )
    .await?)
}

async fn letter_pdf(
    state: &AppState,
    session: &actix_session::Session,
    lang: Lang,
    tn: &str,
    id: Option<i32>,
) -> Result<HttpResponse, AppError> {
    pdf_possible()?;
    let (p, letter) = match opened_letter(state, session, tn, id).await? {
        Ok(opened) => opened,
        Err(to_lookup) => return Ok(to_lookup),
    };
    let (record, bytes) = copy_of(state, &p, &letter, lang).await?;
    Ok(pdf_response(
        bytes,
        &format!(
            "{}-{}-{}.pdf",
            letter.kind.as_str().replace('_', "-"),
            p.display_number(),
            record.lang
        ),
    ))
}

/// `/track/{tn}/letter.pdf`: the newest answer letter as PDF.
pub async fn answer_pdf(
    state: web::Data<AppState>,
    session: actix_session::Session,
    lang: Lang,
    tn: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    letter_pdf(&state, &session, lang, &tn, None).await
}

/// `/track/{tn}/letters/{id}.pdf`: one of the letters issued, as PDF.
pub async fn letter_pdf_by_id(
    state: web::Data<AppState>,
    session: actix_session::Session,
    lang: Lang,
    path: web::Path<(String, i32)>,
) -> Result<HttpResponse, AppError> {
    let (tn, id) = path.into_inner();
    letter_pdf(&state, &session, lang, &tn, Some(id)).await
}
