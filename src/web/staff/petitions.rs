//! The petition console: queues, a petition with its whole record, and the
//! action forms. Every action goes through `app::handling::act`.

use crate::app::handling;
use crate::domain::workflow::{Command, Rating};
use crate::render::Layout;
use crate::store::petitions::{DeadlineView, Petition, TimelineEvent};
use crate::store::staff::StaffMember;
use crate::store::workflow::Queue;
use crate::web::session::{CurrentStaff, csrf_token, verify_csrf};
use crate::web::{AppError, AppState, Lang, html, see_other};
use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::{Deserialize, Serialize};

#[derive(Deserialize)]
pub struct QueueQuery {
    #[serde(default)]
    queue: String,
}

#[derive(Serialize)]
struct QueuePage {
    layout: Layout,
    staff: StaffMember,
    csrf_token: String,
    queue: &'static str,
    queues: Vec<&'static str>,
    petitions: Vec<QueueRow>,
}

#[derive(Serialize)]
struct QueueRow {
    #[serde(flatten)]
    item: crate::store::workflow::QueueItem,
    /// Its nearest deadline has passed (China's date).
    overdue: bool,
    /// Its nearest deadline falls in a year whose holidays are not yet published.
    provisional: bool,
}

pub async fn queue(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    lang: Lang,
    CurrentStaff(staff): CurrentStaff,
    query: web::Query<QueueQuery>,
) -> Result<HttpResponse, AppError> {
    let queue = Queue::parse(&query.queue).unwrap_or(Queue::New);
    let today = crate::app::today();
    let petitions = handling::queue(&state.app, &staff, queue).await?;
    let page = QueuePage {
        layout: crate::web::layout(&req, lang),
        csrf_token: csrf_token(&session)?,
        staff,
        queue: queue.as_str(),
        queues: Queue::ALL.map(Queue::as_str).to_vec(),
        petitions: petitions
            .into_iter()
            .map(|item| QueueRow {
                overdue: item.next_due_on.date().is_some_and(|d| d < today),
                provisional: item
                    .next_due_on
                    .date()
                    .is_some_and(|d| crate::app::calendar::is_provisional(&state.app, d)),
                item,
            })
            .collect(),
    };
    Ok(html(
        StatusCode::OK,
        state.render("staff/petitions.html", &page)?,
    ))
}

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
    complainant: Option<handling::Identity>,
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
}

#[derive(Serialize)]
struct TemplateLink {
    label: String,
    url: String,
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
    message: Option<String>,
    flash: Option<String>,
    publish_input: Option<(String, String)>,
    template: &str,
) -> Result<HttpResponse, AppError> {
    let record = handling::record(&state.app, &staff, tn).await?;
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
    let draft = DraftView {
        templates: crate::domain::answer_template::all()
            .iter()
            .map(|t| TemplateLink {
                label: t.label(english).to_owned(),
                url: format!(
                    "/staff/petitions/{}?template={}#draft-h",
                    p.tracking_number, t.key
                ),
                current: chosen.is_some_and(|c| c.key == t.key),
            })
            .collect(),
        text: chosen
            .map(|t| {
                let date = if english {
                    received.format("%Y-%m-%d").to_string()
                } else {
                    received.format("%Y年%-m月%-d日").to_string()
                };
                t.render(english, &p.title, &date)
            })
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
    let handling::Record {
        petition,
        complainant,
        deadlines,
        timeline,
        audit,
        links,
        ..
    } = record;
    let page = DetailPage {
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
        None,
        flash,
        None,
        &query.template,
    )
    .await
}

#[derive(Debug, Default, Deserialize)]
pub struct ActionForm {
    #[serde(default)]
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
}

/// The command a console form asks for; its fields are shared by the forms.
pub fn command_from_form(f: &ActionForm) -> Option<Command> {
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
            review_outcome: crate::domain::evaluation::ReviewOutcome::parse(
                f.review_outcome.trim(),
            ),
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
    let Some(command) = command_from_form(&form) else {
        return detail(
            &state,
            &req,
            &session,
            lang,
            StatusCode::UNPROCESSABLE_ENTITY,
            staff,
            &tn,
            Some(lang.t("error-choose-one")),
            None,
            None,
            "",
        )
        .await;
    };
    let version = form.version.trim().parse().ok();
    let (status, message) = match handling::act(&state.app, &staff, &tn, command, version).await {
        Ok(_) => return Ok(see_other(&format!("/staff/petitions/{tn}?done=1"))),
        Err(e) => explain(lang, e)?,
    };
    detail(
        &state,
        &req,
        &session,
        lang,
        status,
        staff,
        &tn,
        Some(message),
        None,
        None,
        "",
    )
    .await
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
    let (status, message) = match done {
        Ok(()) => return Ok(see_other(&format!("/staff/petitions/{tn}?done=1"))),
        Err(e) => explain(lang, e)?,
    };
    detail(
        &state,
        &req,
        &session,
        lang,
        status,
        staff,
        &tn,
        Some(message),
        None,
        None,
        "",
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
    let (status, message) =
        match crate::app::retention::set_hold(&state.app, &staff, &tn, reason).await {
            Ok(()) => return Ok(see_other(&format!("/staff/petitions/{tn}?done=1#hold-h"))),
            Err(e) => explain(lang, e)?,
        };
    detail(
        &state,
        &req,
        &session,
        lang,
        status,
        staff,
        &tn,
        Some(message),
        None,
        None,
        "",
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
    let (status, message) = match handling::publish_answer(
        &state.app,
        &staff,
        &tn,
        &form.public_title,
        &form.public_answer,
    )
    .await
    {
        Ok(()) => return Ok(see_other(&format!("/staff/petitions/{tn}?done=1"))),
        Err(e) => explain(lang, e)?,
    };
    detail(
        &state,
        &req,
        &session,
        lang,
        status,
        staff,
        &tn,
        Some(message),
        None,
        Some((form.public_title.clone(), form.public_answer.clone())),
        "",
    )
    .await
}
