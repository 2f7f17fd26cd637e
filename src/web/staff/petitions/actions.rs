//! The action form of the petition page: what it asks for, the confirmation
//! of acts that cannot be taken back, the refusal explained with the input
//! kept; and the answer templates a draft starts from.

use super::*;
use crate::app::handling;
use crate::app::records;
use crate::domain::workflow::Command;
use crate::render::Layout;
use crate::store::petitions::Petition;
use crate::store::staff::StaffMember;
use crate::web::session::{CurrentStaff, csrf_token, verify_csrf};
use crate::web::{AppError, AppState, Lang, html, see_other};
use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::{Deserialize, Serialize};

#[derive(Debug, Default, Clone, Deserialize, Serialize)]
pub struct ActionForm {
    #[serde(default, skip_serializing)]
    pub csrf_token: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    version: String,
    #[serde(default)]
    text: String,
    #[serde(default)]
    citation: String,
    #[serde(default)]
    target: String,
    #[serde(default)]
    days: String,
    /// A review round's draft: `upheld` or `changed`.
    #[serde(default)]
    review_outcome: String,
    /// `yes` once the confirmation page of an approval or a decline was seen.
    #[serde(default)]
    confirm: String,
}

/// Acts that cannot be taken back ask first: an approval sends the answer
/// to the petitioner, a decline ends the matter at intake.
fn needs_confirmation(f: &ActionForm) -> bool {
    f.confirm != "yes"
        && match f.action.as_str() {
            "approve" => true,
            // An empty reason is refused with the input kept; no need to ask.
            "decline" => !f.text.trim().is_empty() && !f.citation.trim().is_empty(),
            _ => false,
        }
}

/// The command a console form asks for; its fields are shared by the forms.
fn command_from_form(f: &ActionForm) -> Option<Command> {
    let text = f.text.trim().to_owned();
    let citation = f.citation.trim().to_owned();
    Some(match f.action.as_str() {
        "release" => Command::Release,
        "accept" => Command::Accept,
        "decline" => Command::Decline {
            reason: text,
            citation,
        },
        "transfer" => Command::Transfer {
            to_agency_id: f.target.parse().ok()?,
            reason: text,
        },
        "redirect" => Command::Redirect {
            procedure: text,
            citation,
        },
        "assign" => Command::Assign {
            handler_id: f.target.parse().ok()?,
        },
        "record_investigation" => Command::RecordInvestigation { note: text },
        "ask_petitioner" => Command::AskPetitioner { question: text },
        "draft_answer" => Command::DraftAnswer {
            text,
            legal_basis: citation,
            review_outcome: crate::domain::workflow::ReviewOutcome::parse(f.review_outcome.trim()),
        },
        "approve" => Command::Approve,
        "return_draft" => Command::ReturnDraft { comments: text },
        "request_extension" => Command::RequestExtension {
            days: f.days.trim().parse().ok()?,
            reason: text,
        },
        "approve_extension" => Command::ApproveExtension,
        "refuse_extension" => Command::RefuseExtension { reason: text },
        "stop_clock" => Command::StopClock { reason: text },
        "resume_clock" => Command::ResumeClock,
        "request_review" => Command::RequestReview { reason: text },
        "merge" => Command::Merge {
            original: f.target.trim().to_owned(),
            reason: text,
        },
        "close" => Command::Close,
        _ => return None,
    })
}

/// A refused action as the console says it beside the form: the status and
/// translated message of `web::error`; a petition out of scope is the 404
/// page, a failure the error page.
fn explain(lang: Lang, e: crate::app::Error) -> Result<(StatusCode, String), AppError> {
    use actix_web::ResponseError;
    match AppError::from(e) {
        e @ (AppError::NotFound | AppError::Internal(_)) => Err(e),
        e => Ok((e.status_code(), e.message(lang))),
    }
}

/// The end of a console form: to `back` when it was done; when refused, the
/// petition page again with the message beside what `shown` keeps of the input.
#[allow(clippy::too_many_arguments)]
pub(super) async fn settle(
    state: &AppState,
    req: &HttpRequest,
    session: &Session,
    lang: Lang,
    staff: StaffMember,
    tn: &str,
    done: crate::app::Result<()>,
    back: &str,
    shown: Shown,
) -> Result<HttpResponse, AppError> {
    let (status, message) = match done {
        Ok(()) => return Ok(see_other(back)),
        Err(e) => explain(lang, e)?,
    };
    let shown = Shown {
        message: Some(message),
        ..shown
    };
    detail(state, req, session, lang, status, staff, tn, shown).await
}

pub async fn act(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    lang: Lang,
    CurrentStaff(staff): CurrentStaff,
    tn: web::Path<String>,
    form: web::Form<ActionForm>,
) -> Result<HttpResponse, AppError> {
    verify_csrf(&session, &form.csrf_token)?;
    let form = form.into_inner();
    let Some(command) = command_from_form(&form) else {
        return detail(
            &state,
            &req,
            &session,
            lang,
            StatusCode::UNPROCESSABLE_ENTITY,
            staff,
            &tn,
            Shown {
                message: Some(lang.t("error-choose-one")),
                kept: Some(form),
                ..Shown::default()
            },
        )
        .await;
    };
    if form.action == "merge" && form.confirm != "yes" {
        let input = MergeInput {
            target: form.target.trim().to_owned(),
            text: form.text.clone(),
            version: form.version.clone(),
        };
        return confirm_merge(&state, &req, &session, lang, staff, &tn, input).await;
    }
    if needs_confirmation(&form) {
        return confirm(&state, &req, &session, lang, staff, &tn, form).await;
    }
    let version = form.version.trim().parse().ok();
    let done = handling::act(&state.app, &staff, &tn, command, version)
        .await
        .map(|_| ());
    let back = format!(
        "/staff/petitions/{}?done={}",
        records::canonical_number(&tn),
        form.action
    );
    let kept = Shown {
        kept: Some(form),
        ..Shown::default()
    };
    settle(&state, &req, &session, lang, staff, &tn, done, &back, kept).await
}

#[derive(Serialize)]
struct ConfirmPage {
    layout: Layout,
    staff: StaffMember,
    csrf_token: String,
    petition: Petition,
    number: String,
    form: ActionForm,
}

/// The page that asks before an approval or a decline, the form's input
/// carried in hidden fields; "back" returns to the petition unchanged.
async fn confirm(
    state: &AppState,
    req: &HttpRequest,
    session: &Session,
    lang: Lang,
    staff: StaffMember,
    tn: &str,
    form: ActionForm,
) -> Result<HttpResponse, AppError> {
    let petition = records::visible_petition(&state.app, &staff, tn).await?;
    let page = ConfirmPage {
        layout: crate::web::layout(req, lang),
        csrf_token: csrf_token(session)?,
        number: petition.display_number(),
        petition,
        form,
        staff,
    };
    Ok(html(
        StatusCode::OK,
        state.render("staff/confirm.html", &page)?,
    ))
}

/// 保存草稿: the draft form's other button. The draft is kept for the one
/// who may draft (never sent to the approver); a refusal gives the input back.
pub async fn save_draft(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    lang: Lang,
    CurrentStaff(staff): CurrentStaff,
    tn: web::Path<String>,
    form: web::Form<ActionForm>,
) -> Result<HttpResponse, AppError> {
    verify_csrf(&session, &form.csrf_token)?;
    let form = form.into_inner();
    let done = crate::app::drafts::save(
        &state.app,
        &staff,
        &tn,
        &form.text,
        &form.citation,
        crate::domain::workflow::ReviewOutcome::parse(form.review_outcome.trim()),
    )
    .await;
    let back = format!(
        "/staff/petitions/{}?done=save_draft#act-draft_answer",
        records::canonical_number(&tn)
    );
    let kept = Shown {
        kept: Some(ActionForm {
            action: "draft_answer".to_owned(),
            ..form
        }),
        ..Shown::default()
    };
    settle(&state, &req, &session, lang, staff, &tn, done, &back, kept).await
}

#[derive(Debug, Default, Deserialize)]
pub struct TemplateForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    template: String,
    /// What had been typed in the draft: shown beside the template's text.
    #[serde(default)]
    text: String,
}

/// Another answer template chosen for the draft (a button in the draft
/// form: no JavaScript); what had been typed is given back beside it.
pub async fn draft_template(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    lang: Lang,
    CurrentStaff(staff): CurrentStaff,
    tn: web::Path<String>,
    form: web::Form<TemplateForm>,
) -> Result<HttpResponse, AppError> {
    verify_csrf(&session, &form.csrf_token)?;
    detail(
        &state,
        &req,
        &session,
        lang,
        StatusCode::OK,
        staff,
        &tn,
        Shown {
            template: form.template.clone(),
            earlier_draft: Some(form.text.clone()),
            ..Shown::default()
        },
    )
    .await
}

/// What a merge was asked with, carried through its confirmation page.
#[derive(Serialize)]
pub(super) struct MergeInput {
    pub target: String,
    pub text: String,
    pub version: String,
}

#[derive(Serialize)]
struct MergePage {
    layout: Layout,
    staff: StaffMember,
    csrf_token: String,
    number: String,
    petition: Petition,
    original_number: String,
    original: Petition,
    original_agency: String,
    input: MergeInput,
}

/// 合并办理 asks on its own page, naming both petitions and what the
/// petitioner will be told; the merge is checked first (a reason, an
/// original that may be merged into) and refused at the form if it would be.
pub(super) async fn confirm_merge(
    state: &AppState,
    req: &HttpRequest,
    session: &Session,
    lang: Lang,
    staff: StaffMember,
    tn: &str,
    input: MergeInput,
) -> Result<HttpResponse, AppError> {
    let preview =
        crate::app::duplicates::merge_preview(&state.app, &staff, tn, &input.target, &input.text)
            .await;
    let preview = match preview {
        Ok(p) => p,
        Err(e) => {
            let (status, message) = explain(lang, e)?;
            let kept = ActionForm {
                action: "merge".to_owned(),
                target: input.target,
                text: input.text,
                version: input.version,
                ..ActionForm::default()
            };
            let shown = Shown {
                message: Some(message),
                kept: Some(kept),
                ..Shown::default()
            };
            return detail(state, req, session, lang, status, staff, tn, shown).await;
        }
    };
    let page = MergePage {
        layout: crate::web::layout(req, lang),
        csrf_token: csrf_token(session)?,
        number: preview.petition.display_number(),
        original_number: preview.original.display_number(),
        original_agency: preview.original_agency.name(lang == Lang::En).to_owned(),
        petition: preview.petition,
        original: preview.original,
        input,
        staff,
    };
    Ok(html(
        StatusCode::OK,
        state.render("staff/confirm_merge.html", &page)?,
    ))
}
