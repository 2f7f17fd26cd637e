//! The petition console: queues, a petition with its whole record, and the
//! action forms. Every action goes through `app::handling::act`.

use crate::app::handling;
use crate::app::records;
use crate::domain::workflow::{Command, Rating};
use crate::render::Layout;
use crate::store::petitions::{DeadlineView, Petition, TimelineEvent};
use crate::store::staff::StaffMember;
use crate::web::session::{CurrentStaff, csrf_token, verify_csrf};
use crate::web::{AppError, AppState, Lang, html, see_other};
use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::{Deserialize, Serialize};

#[derive(Serialize)]
struct HandlerOption {
    id: crate::domain::ids::StaffId,
    name: String,
}

#[derive(Serialize)]
struct DetailPage {
    layout: Layout,
    staff: StaffMember,
    csrf_token: String,
    petition: Petition,
    complainant: Option<records::Identity>,
    deadlines: Vec<DeadlineView>,
    timeline: Vec<TimelineEvent>,
    handlers: Vec<HandlerOption>,
    /// 转送 targets suggested by the routing rules, best first.
    suggested: Vec<(crate::domain::ids::AgencyId, String)>,
    agencies: Vec<(crate::domain::ids::AgencyId, String)>,
    message: Option<String>,
    flash: Option<String>,
    /// The petition's audit entries, for auditors and supervisors (监督).
    audit: Vec<crate::audit::Entry>,
    /// 答复公开: the publish form's texts, when this staff member may publish.
    publish: Option<PublishTexts>,
    /// The answer draft, started from a template the handler picks (a link: no JavaScript).
    draft: DraftView,
    /// May place or lift a legal hold (retention waits while it lasts).
    may_hold: bool,
    /// 重复信访: earlier petitions that may be the same matter (at intake).
    duplicates: Option<crate::app::duplicates::Suggestions>,
    /// Its links to other petitions of the same matter.
    links: Vec<crate::store::duplicates::Link>,
    /// The decline form's reason and basis, filled when the matter was re-reviewed before.
    decline: (String, String),
    /// The actions this staff member may take now, the next step first.
    offered: Vec<&'static str>,
    /// The evidence files: images shown inline, others linked; each read audited.
    files: Vec<FileView>,
    /// The input of a refused action, given back in its form (empty otherwise).
    kept: ActionForm,
    /// What was typed in the draft before another template was chosen.
    earlier_draft: Option<String>,
    /// As printed on the receipt.
    number: String,
}

#[derive(Serialize)]
struct FileView {
    id: i32,
    file_name: String,
    size_kb: i64,
    image: bool,
    deleted: bool,
}

/// What a page shows besides the petition's record: the outcome of what was
/// just done and the input to give back.
#[derive(Default)]
struct Shown {
    message: Option<String>,
    flash: Option<String>,
    publish_input: Option<(String, String)>,
    template: String,
    kept: Option<ActionForm>,
    earlier_draft: Option<String>,
}

#[derive(Serialize)]
struct TemplateLink {
    label: String,
    key: String,
    current: bool,
}

#[derive(Serialize)]
struct DraftView {
    templates: Vec<TemplateLink>,
    text: String,
    basis: String,
}

#[derive(Serialize)]
struct PublishTexts {
    title: String,
    answer: String,
    published: bool,
}

#[allow(clippy::too_many_arguments)]
async fn detail(
    state: &AppState,
    req: &HttpRequest,
    session: &Session,
    lang: Lang,
    status: StatusCode,
    staff: StaffMember,
    tn: &str,
    shown: Shown,
) -> Result<HttpResponse, AppError> {
    let Shown {
        message,
        flash,
        publish_input,
        template,
        kept,
        earlier_draft,
    } = shown;
    let template = template.as_str();
    let record = records::record(&state.app, &staff, tn).await?;
    let offered = handling::offered(&state.app, &staff, &record.petition).await?;
    let p = &record.petition;
    let handlers = handling::assignable_handlers(&state.app, p)
        .await?
        .into_iter()
        .map(|h| HandlerOption {
            id: h.id,
            name: h.name,
        })
        .collect();
    // 转送: the competent bodies first (by rule), then every other agency.
    let (suggested, others) = handling::transfer_targets(&state.app, p).await?;
    let named = |list: Vec<crate::store::agencies::Agency>| {
        list.into_iter()
            .map(|a| (a.id, a.name(lang == Lang::En).to_owned()))
            .collect::<Vec<_>>()
    };
    let suggested = named(suggested);
    let agencies = named(others);
    let publish = Some(p.status)
        .filter(|s| crate::domain::published::may_publish(*s, staff.role))
        .map(
            |_| match (&p.public_title, &p.public_answer, &publish_input) {
                (_, _, Some((title, answer))) => PublishTexts {
                    title: title.clone(),
                    answer: answer.clone(),
                    published: p.answer_published_at.is_some(),
                },
                (Some(title), Some(answer), None) => PublishTexts {
                    title: title.clone(),
                    answer: answer.clone(),
                    published: true,
                },
                _ => {
                    let s = crate::domain::published::suggestion(
                        &p.title,
                        p.answer_text.as_deref().unwrap_or_default(),
                        p.contact_name.as_deref(),
                        &p.subject,
                    );
                    PublishTexts {
                        title: s.title,
                        answer: s.answer,
                        published: false,
                    }
                }
            },
        );
    let english = lang == Lang::En;
    let chosen = crate::domain::answer_template::pick(template);
    let received = crate::domain::clock::china_date(p.received_at);
    let date = if english {
        received.format("%Y-%m-%d").to_string()
    } else {
        received.format("%Y年%-m月%-d日").to_string()
    };
    // What was typed before another template was chosen, unless it was
    // only a template's own text, untouched.
    let earlier_draft = earlier_draft.filter(|typed| {
        let typed = typed.trim();
        !typed.is_empty()
            && !crate::domain::answer_template::all()
                .iter()
                .any(|t| t.render(english, &p.title, &date).trim() == typed)
    });
    let draft = DraftView {
        templates: crate::domain::answer_template::all()
            .iter()
            .map(|t| TemplateLink {
                label: t.label(english).to_owned(),
                key: t.key.clone(),
                current: chosen.is_some_and(|c| c.key == t.key),
            })
            .collect(),
        text: chosen
            .map(|t| t.render(english, &p.title, &date))
            .unwrap_or_default(),
        basis: chosen.map(|t| t.basis.clone()).unwrap_or_default(),
    };
    let duplicates = if p.status.awaits_intake() && crate::app::duplicates::may_see(staff.role) {
        Some(crate::app::duplicates::suggestions(&state.app, &staff, p).await?)
    } else {
        None
    };
    let decline = duplicates
        .as_ref()
        .and_then(|d| d.refused_again.as_ref())
        .map(|r| {
            if english {
                (r.reason_en.clone(), r.citation_en.clone())
            } else {
                (r.reason_zh.clone(), r.citation_zh.clone())
            }
        })
        .unwrap_or_default();
    let records::Record {
        petition,
        complainant,
        deadlines,
        timeline,
        audit,
        links,
        files,
    } = record;
    let files = files
        .into_iter()
        .map(|f| FileView {
            image: is_inline_image(&f.mime),
            id: f.id,
            file_name: f.file_name,
            size_kb: (f.size + 1023) / 1024,
            deleted: f.deleted,
        })
        .collect();
    let page = DetailPage {
        number: petition.display_number(),
        offered,
        files,
        kept: kept.unwrap_or_default(),
        earlier_draft,
        duplicates,
        links,
        decline,
        may_hold: crate::domain::access::may_hold(staff.role),
        draft,
        publish,
        audit,
        layout: crate::web::layout(req, lang),
        csrf_token: csrf_token(session)?,
        deadlines,
        timeline,
        staff,
        petition,
        complainant,
        handlers,
        suggested,
        agencies,
        message,
        flash,
    };
    Ok(html(status, state.render("staff/petition.html", &page)?))
}

#[derive(Deserialize)]
pub struct DetailQuery {
    #[serde(default)]
    done: String,
    /// The answer template the draft starts from.
    #[serde(default)]
    template: String,
}

pub async fn show(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    lang: Lang,
    CurrentStaff(staff): CurrentStaff,
    tn: web::Path<String>,
    query: web::Query<DetailQuery>,
) -> Result<HttpResponse, AppError> {
    let flash = (!query.done.is_empty()).then(|| lang.t("flash-action-done"));
    detail(
        &state,
        &req,
        &session,
        lang,
        StatusCode::OK,
        staff,
        &tn,
        Shown {
            flash,
            template: query.template.clone(),
            ..Shown::default()
        },
    )
    .await
}

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
        "rate_satisfied" => Command::Rate {
            rating: Rating::Satisfied,
        },
        "rate_basically_satisfied" => Command::Rate {
            rating: Rating::BasicallySatisfied,
        },
        "rate_unsatisfied" => Command::Rate {
            rating: Rating::Unsatisfied,
        },
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
async fn settle(
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
    if needs_confirmation(&form) {
        return confirm(&state, &req, &session, lang, staff, &tn, form).await;
    }
    let version = form.version.trim().parse().ok();
    let done = handling::act(&state.app, &staff, &tn, command, version)
        .await
        .map(|_| ());
    let back = format!("/staff/petitions/{}?done=1", records::canonical_number(&tn));
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

/// The types a browser shows inline on the staff page; anything else
/// (PDF, office files) is a download.
fn is_inline_image(mime: &str) -> bool {
    matches!(
        mime,
        "image/png" | "image/jpeg" | "image/gif" | "image/webp"
    )
}

#[derive(Deserialize)]
pub struct FileQuery {
    #[serde(default)]
    inline: Option<String>,
}

/// An evidence file for staff in scope; each read is an audit entry.
pub async fn file(
    state: web::Data<AppState>,
    CurrentStaff(staff): CurrentStaff,
    path: web::Path<(String, i32)>,
    query: web::Query<FileQuery>,
) -> Result<HttpResponse, AppError> {
    let (tn, id) = path.into_inner();
    let (file, bytes) = records::staff_file(&state.app, &staff, &tn, id).await?;
    let inline = query.inline.is_some() && is_inline_image(&file.mime);
    Ok(crate::web::evidence::response(&file, bytes, inline))
}

#[derive(Debug, Default, Deserialize)]
pub struct SameMatterForm {
    #[serde(default)]
    csrf_token: String,
    /// `merge` or `link`.
    #[serde(default)]
    r#do: String,
    #[serde(default)]
    version: String,
    /// A suggested petition's number, or `other` for `target_other`.
    #[serde(default)]
    target: String,
    #[serde(default)]
    target_other: String,
    #[serde(default)]
    text: String,
}

/// 重复信访: merges this petition into an earlier one, or links the two as one matter.
pub async fn same_matter(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    lang: Lang,
    CurrentStaff(staff): CurrentStaff,
    tn: web::Path<String>,
    form: web::Form<SameMatterForm>,
) -> Result<HttpResponse, AppError> {
    verify_csrf(&session, &form.csrf_token)?;
    let target = match form.target.trim() {
        "" | "other" => form.target_other.trim(),
        chosen => chosen,
    };
    let done = match form.r#do.as_str() {
        "merge" => crate::app::duplicates::merge(
            &state.app,
            &staff,
            &tn,
            target,
            &form.text,
            form.version.trim().parse().ok(),
        )
        .await
        .map(|_| ()),
        "link" => crate::app::duplicates::link(&state.app, &staff, &tn, target, &form.text).await,
        _ => Err(crate::app::Error::Invalid("error-choose-one")),
    };
    let back = format!("/staff/petitions/{tn}?done=1");
    settle(
        &state,
        &req,
        &session,
        lang,
        staff,
        &tn,
        done,
        &back,
        Shown::default(),
    )
    .await
}

#[derive(Debug, Default, Deserialize)]
pub struct HoldForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    hold_reason: String,
    /// `on` to lift the hold.
    #[serde(default)]
    lift: String,
}

/// A legal hold placed or lifted (retention waits while one lasts).
pub async fn hold(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    lang: Lang,
    CurrentStaff(staff): CurrentStaff,
    tn: web::Path<String>,
    form: web::Form<HoldForm>,
) -> Result<HttpResponse, AppError> {
    verify_csrf(&session, &form.csrf_token)?;
    let reason = (form.lift != "on").then_some(form.hold_reason.as_str());
    let done = crate::app::retention::set_hold(&state.app, &staff, &tn, reason).await;
    let back = format!("/staff/petitions/{tn}?done=1#hold-h");
    settle(
        &state,
        &req,
        &session,
        lang,
        staff,
        &tn,
        done,
        &back,
        Shown::default(),
    )
    .await
}

#[derive(Debug, Default, Deserialize)]
pub struct PublishForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    public_title: String,
    #[serde(default)]
    public_answer: String,
}

/// 答复公开: a supervisor publishes the redacted answer; errors keep what was typed.
pub async fn publish(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    lang: Lang,
    CurrentStaff(staff): CurrentStaff,
    tn: web::Path<String>,
    form: web::Form<PublishForm>,
) -> Result<HttpResponse, AppError> {
    verify_csrf(&session, &form.csrf_token)?;
    let done = handling::publish_answer(
        &state.app,
        &staff,
        &tn,
        &form.public_title,
        &form.public_answer,
    )
    .await;
    let back = format!("/staff/petitions/{tn}?done=1");
    let kept = Shown {
        publish_input: Some((form.public_title.clone(), form.public_answer.clone())),
        ..Shown::default()
    };
    settle(&state, &req, &session, lang, staff, &tn, done, &back, kept).await
}
