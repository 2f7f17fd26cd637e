//! The petition console: a petition with its whole record and the forms
//! that act on it. Every workflow action goes through `app::handling::act`.
//!
//! This file holds the petition's page; `actions` the action form, its
//! confirmation and the answer templates; `side_acts` the acts beside the
//! workflow (a file's download, the same matter linked, a legal hold, the
//! answer published).

mod actions;
mod side_acts;

pub use actions::{ActionForm, act, draft_template, save_draft};
pub use side_acts::{file, hold, publish, same_matter};

use crate::app::handling;
use crate::app::records;
use crate::render::Layout;
use crate::store::petitions::{DeadlineView, Petition, TimelineEvent};
use crate::store::staff::StaffMember;
use crate::web::session::{CurrentStaff, csrf_token};
use crate::web::{AppError, AppState, Lang, html};
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
    audit: Vec<crate::web::staff::AuditView>,
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
    /// The actions this staff member may take now, the next step first
    /// when [`Self::has_next`].
    offered: Vec<&'static str>,
    /// This person has a next step (else the petition waits on someone else,
    /// and the page says on whom).
    has_next: bool,
    /// The evidence files: images shown inline, others linked; each read audited.
    files: Vec<FileView>,
    /// The input of a refused action, given back in its form (empty otherwise).
    kept: ActionForm,
    /// What was typed in the draft before another template was chosen.
    earlier_draft: Option<String>,
    /// The return (退回修改) the current draft answers: its comments, who, when.
    returned: Option<TimelineEvent>,
    /// As printed on the receipt.
    number: String,
    /// 执法告知: the notices issued and how each reached the petitioner.
    notices: Vec<crate::app::notices::SentNotice>,
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
    /// The act just done (`?done=assign`): the confirmation says what happened and to whom.
    done: String,
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
    /// A saved draft's review outcome (`upheld`, `changed`).
    review_outcome: Option<String>,
    /// When the draft shown was saved (none: it is a template's text).
    saved_at: Option<chrono::DateTime<chrono::Utc>>,
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
        done,
        publish_input,
        template,
        kept,
        earlier_draft,
    } = shown;
    let template = template.as_str();
    let record = records::record(&state.app, &staff, tn).await?;
    let offer = handling::offered(&state.app, &staff, &record.petition).await?;
    let saved = crate::app::drafts::saved(&state.app, &staff, &record.petition, &offer).await?;
    let has_next = offer.next.is_some();
    let offered = offer.next.into_iter().chain(offer.others).collect();
    let p = &record.petition;
    let handlers: Vec<HandlerOption> = handling::assignable_handlers(&state.app, p)
        .await?
        .into_iter()
        .map(|h| HandlerOption {
            id: h.id,
            name: h.name,
        })
        .collect();
    let flash = flash.or_else(|| done_message(lang, &done, p, &handlers));
    // 转送: the competent bodies first (by rule), then every other agency.
    let (suggested, others) = handling::transfer_targets(&state.app, p).await?;
    let named = |list: Vec<crate::store::agencies::Agency>| {
        list.into_iter()
            .map(|a| (a.id, a.name(lang == Lang::En).to_owned()))
            .collect::<Vec<_>>()
    };
    let suggested = named(suggested);
    let agencies = named(others);
    let publish = publish_texts(p, &staff, &publish_input);
    let english = lang == Lang::En;
    let (mut draft, earlier_draft) = draft_view(p, template, earlier_draft, english);
    // A saved draft comes back in the form, unless another template was just chosen.
    if let Some(saved) = saved.as_ref().filter(|_| template.is_empty()) {
        draft.text = saved.text.clone();
        draft.basis = saved.legal_basis.clone();
        draft.review_outcome = saved.review_outcome.clone();
        draft.saved_at = Some(saved.saved_at);
    }
    let returned = crate::domain::workflow::draft_returned(p.status, p.draft_author_id)
        .then(|| {
            record
                .timeline
                .iter()
                .rev()
                .find(|e| e.kind == crate::domain::events::EventKind::Returned)
                .cloned()
        })
        .flatten();
    let duplicates = if p.status.awaits_intake() && crate::app::duplicates::may_see(staff.role) {
        Some(crate::app::duplicates::suggestions(&state.app, &staff, p).await?)
    } else {
        None
    };
    let decline = decline_texts(duplicates.as_ref(), english);
    let notices = crate::app::notices::sent(&state.app, p).await?;
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
        notices,
        number: petition.display_number(),
        offered,
        has_next,
        files,
        kept: kept.unwrap_or_default(),
        earlier_draft,
        returned,
        duplicates,
        links,
        decline,
        may_hold: crate::domain::access::may_hold(staff.role),
        draft,
        publish,
        audit: crate::web::staff::audit_views(lang, audit),
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

/// The confirmation of the act just done, in words: what happened and to
/// whom ("已交办给张三（承办人）。"); a bare "done" for an act without its own words.
fn done_message(
    lang: Lang,
    done: &str,
    p: &Petition,
    handlers: &[HandlerOption],
) -> Option<String> {
    if done.is_empty() {
        return None;
    }
    let handler = p
        .handler_id
        .and_then(|id| handlers.iter().find(|h| h.id == id))
        .map(|h| h.name.clone())
        .unwrap_or_default();
    let known = crate::domain::workflow::CONSOLE_ORDER.contains(&done)
        || ["save_draft", "link", "hold", "lift_hold", "publish"].contains(&done);
    Some(if known {
        lang.t_args(&format!("done-{done}"), &[("handler", handler)])
    } else {
        lang.t("flash-action-done")
    })
}

/// The publish form's texts (答复公开): what was typed, else what is
/// published, else the redacted suggestion; none for those who may not publish.
fn publish_texts(
    p: &Petition,
    staff: &StaffMember,
    publish_input: &Option<(String, String)>,
) -> Option<PublishTexts> {
    Some(p.status)
        .filter(|s| crate::domain::published::may_publish(*s, staff.role))
        .map(
            |_| match (&p.public_title, &p.public_answer, publish_input) {
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
        )
}

/// The draft form: the templates to choose from, the chosen one's text and
/// basis, and what was typed before another template was chosen.
fn draft_view(
    p: &Petition,
    template: &str,
    earlier_draft: Option<String>,
    english: bool,
) -> (DraftView, Option<String>) {
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
        review_outcome: None,
        saved_at: None,
    };
    (draft, earlier_draft)
}

/// A decline's reason and citation, filled in when the same matter was
/// declined before (重复信访).
fn decline_texts(
    duplicates: Option<&crate::app::duplicates::Suggestions>,
    english: bool,
) -> (String, String) {
    duplicates
        .and_then(|d| d.refused_again.as_ref())
        .map(|r| {
            if english {
                (r.reason_en.clone(), r.citation_en.clone())
            } else {
                (r.reason_zh.clone(), r.citation_zh.clone())
            }
        })
        .unwrap_or_default()
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
    detail(
        &state,
        &req,
        &session,
        lang,
        StatusCode::OK,
        staff,
        &tn,
        Shown {
            done: query.done.clone(),
            template: query.template.clone(),
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
