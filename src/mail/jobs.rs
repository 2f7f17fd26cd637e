//! Mail jobs: one per notice the domain can cause (`domain::events::Notice`).
//! Each renders its message at send time from the database, in the language
//! the petitioner used, and never includes an access code. Who receives a
//! staff notice is the domain's answer (`who_acts_next`, `Escalation::recipients`,
//! recusal); this module only renders and sends.

use super::{Mailer, Outgoing};
use crate::domain::events::{Escalation, EventKind, Notice};
use crate::domain::ids::PetitionId;
use crate::domain::staff::Role;
use crate::render::{Lang, Views};
use crate::store::Store;
use crate::store::petitions::Petition;
use serde::Serialize;
use std::sync::Arc;

/// An id a mail job's payload must carry.
fn payload_id(payload: &serde_json::Value, key: &str) -> anyhow::Result<i64> {
    payload[key]
        .as_i64()
        .ok_or_else(|| anyhow::anyhow!("{key} missing"))
}

fn petition_id(payload: &serde_json::Value) -> anyhow::Result<PetitionId> {
    Ok(PetitionId(i32::try_from(payload_id(
        payload,
        "petition_id",
    )?)?))
}

/// Renders `mail/<template>.txt` and `.html` from `page` and sends both to `to`.
async fn send_rendered(
    views: &Views,
    mailer: &Mailer,
    to: String,
    subject: String,
    template: &str,
    page: &impl Serialize,
) -> anyhow::Result<()> {
    mailer
        .send(Outgoing {
            to,
            subject,
            text: views.render(&format!("mail/{template}.txt"), page)?,
            html: views.render(&format!("mail/{template}.html"), page)?,
        })
        .await
}

/// Runs the mail job of `notice`.
pub async fn send(
    notice: Notice,
    store: Store,
    views: Arc<Views>,
    mailer: Arc<Mailer>,
    public_url: String,
    payload: serde_json::Value,
) -> anyhow::Result<()> {
    let public_url = public_url.trim_end_matches('/');
    match notice {
        Notice::PetitionAck => {
            send_petition_ack(&store, &views, &mailer, public_url, &payload).await
        }
        Notice::PetitionUpdate => {
            send_petition_update(&store, &views, &mailer, public_url, &payload).await
        }
        Notice::StaffNotice => {
            send_staff_notice(&store, &views, &mailer, public_url, &payload).await
        }
        Notice::Deadline(step) => {
            send_deadline_step(&store, &views, &mailer, public_url, step, &payload).await
        }
        Notice::Bulletin => send_bulletin(&store, &views, &mailer, public_url, &payload).await,
        Notice::PasswordReset => {
            send_password_reset(&store, &views, &mailer, public_url, &payload).await
        }
        Notice::BacklogOrder => {
            send_backlog_order(&store, &views, &mailer, public_url, &payload).await
        }
        Notice::PetitionAckSms | Notice::PetitionUpdateSms => {
            anyhow::bail!("{notice:?} is sent by `sms::jobs`, not by mail")
        }
    }
}

#[derive(Serialize)]
struct ResetMail<'a> {
    name: &'a str,
    link: String,
    hours: i64,
}

/// A one-time link to set a password, to the account's owner, in both
/// languages (a staff member has no language of record). The link is made
/// now, so no usable token waits in the queue; a retry makes another.
async fn send_password_reset(
    store: &Store,
    views: &Views,
    mailer: &Mailer,
    public_url: &str,
    payload: &serde_json::Value,
) -> anyhow::Result<()> {
    let id = crate::domain::ids::StaffId(i32::try_from(payload_id(payload, "staff_id")?)?);
    let Some(account) = store.account(id).await? else {
        return Ok(());
    };
    if !account.active {
        return Ok(());
    }
    let requested_by = payload["requested_by"].as_str().unwrap_or("system");
    let token =
        crate::auth::reset::make_token(store, id, requested_by, crate::auth::reset::LIFETIME)
            .await?;
    let page = ResetMail {
        name: &account.member.name,
        link: format!("{public_url}/staff/reset/{token}"),
        hours: crate::auth::reset::LIFETIME.num_hours(),
    };
    send_rendered(
        views,
        mailer,
        account.member.email.clone(),
        "明镜：设置密码 / Mingjing: set your password".to_owned(),
        "password_reset",
        &page,
    )
    .await
}

/// A matter a bulletin mail names, with its link.
#[derive(Serialize)]
struct MailMatter {
    tracking_number: String,
    title: String,
    /// The deadline passed (overdue) or the date to reply by (an order).
    day: Option<String>,
    link: String,
}

/// The overdue matters of one body below.
#[derive(Serialize)]
struct MailGroup {
    agency: String,
    matters: Vec<MailMatter>,
}

#[derive(Serialize)]
struct BulletinMail<'a> {
    lang: &'a str,
    agency: &'a str,
    month: &'a str,
    /// The agency's own lists, as (heading key, matters): overdue, reversed, unsatisfied.
    lists: Vec<(&'static str, Vec<MailMatter>)>,
    below_overdue: Vec<MailGroup>,
    /// (order number, body ordered, the matter or the backlog, reply date, link)
    orders_unanswered: Vec<(i64, String, Option<MailMatter>, String, String)>,
    /// 红榜 and 黑榜 by name (empty when no lists were drawn).
    red: Vec<String>,
    black: Vec<String>,
    link: String,
}

impl<'a> BulletinMail<'a> {
    /// The mail of a kept bulletin's body (`app::bulletins`), each matter
    /// linked to the console. The recipients are the supervisors of the
    /// agency and of the one above, so links go to the overseer's read-only
    /// page, which both may open.
    fn new(
        agency: &'a str,
        bulletin: &'a crate::store::bulletins::Bulletin,
        public_url: &str,
    ) -> Self {
        let body = &bulletin.body;
        let list = |v: &serde_json::Value| v.as_array().cloned().unwrap_or_default();
        let matter = |m: &serde_json::Value| -> Option<MailMatter> {
            let tn = m["tracking_number"].as_str()?.to_owned();
            Some(MailMatter {
                link: format!("{public_url}/staff/oversight/petitions/{tn}"),
                tracking_number: crate::domain::codes::TrackingNumber::display_stored(&tn),
                title: m["title"].as_str().unwrap_or_default().to_owned(),
                day: m["next_due_on"]
                    .as_str()
                    .or(m["reply_by"].as_str())
                    .map(str::to_owned),
            })
        };
        let lists = [
            ("bulletin-overdue", "overdue"),
            ("bulletin-reversed", "reversed"),
            ("bulletin-unsatisfied", "unsatisfied"),
        ]
        .into_iter()
        .map(|(heading, key)| {
            (
                heading,
                list(&body[key]).iter().filter_map(matter).collect(),
            )
        })
        .collect();
        let below_overdue = list(&body["below_overdue"])
            .iter()
            .map(|g| MailGroup {
                agency: g["agency_zh"].as_str().unwrap_or_default().to_owned(),
                matters: list(&g["matters"]).iter().filter_map(matter).collect(),
            })
            .collect();
        let orders_unanswered = list(&body["orders_unanswered"])
            .iter()
            .map(|o| {
                let id = o["order_id"].as_i64().unwrap_or_default();
                (
                    id,
                    o["agency_zh"].as_str().unwrap_or_default().to_owned(),
                    matter(o),
                    o["reply_by"].as_str().unwrap_or_default().to_owned(),
                    format!("{public_url}/staff/supervision/{id}"),
                )
            })
            .collect();
        let (mut red, mut black) = (Vec::new(), Vec::new());
        if body["ranking"]["lists"].as_bool() == Some(true) {
            for row in list(&body["ranking"]["rows"]) {
                let name = row["who"]["name_zh"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned();
                match row["standing"].as_str() {
                    Some("red") => red.push(name),
                    Some("black") => black.push(name),
                    _ => {}
                }
            }
        }
        BulletinMail {
            lang: Lang::Zh.tag(),
            agency,
            month: &bulletin.month,
            lists,
            below_overdue,
            orders_unanswered,
            red,
            black,
            link: format!("{public_url}/staff/bulletins/{}", bulletin.id),
        }
    }
}

/// A new monthly bulletin, to the supervisors of its agency and of the agency
/// above (each once): what it found, matter by matter, and the link to read it.
async fn send_bulletin(
    store: &Store,
    views: &Views,
    mailer: &Mailer,
    public_url: &str,
    payload: &serde_json::Value,
) -> anyhow::Result<()> {
    let id = i32::try_from(payload_id(payload, "bulletin_id")?)?;
    let Some(bulletin) = store.bulletin(id).await? else {
        return Ok(());
    };
    let agency = store.agency(bulletin.agency_id).await?;
    let mut recipients = store.agency_staff(agency.id, Role::Supervisor).await?;
    if let Some(parent) = agency.parent_id {
        recipients.extend(store.agency_staff(parent, Role::Supervisor).await?);
    }
    recipients.sort_by(|a, b| a.email.cmp(&b.email));
    recipients.dedup_by(|a, b| a.email == b.email);
    let lang = Lang::Zh;
    let page = BulletinMail::new(&agency.name_zh, &bulletin, public_url);
    let subject = lang.t_args(
        "mail-bulletin-subject",
        &[
            ("agency", agency.name_zh.clone()),
            ("month", bulletin.month.clone()),
        ],
    );
    for to in recipients {
        send_rendered(views, mailer, to.email, subject.clone(), "bulletin", &page).await?;
    }
    Ok(())
}

#[derive(Serialize)]
struct BacklogOrderMail<'a> {
    lang: &'a str,
    id: i32,
    issuer: &'a str,
    target: &'a str,
    instructions: &'a str,
    reply_by: String,
    link: String,
    backlog_link: String,
}

/// A supervision order on a body's overdue backlog (督办积案), to that body's
/// active supervisors — they reply to it. Nothing is sent for an order no
/// longer open when the job runs (withdrawn meanwhile, or already answered).
async fn send_backlog_order(
    store: &Store,
    views: &Views,
    mailer: &Mailer,
    public_url: &str,
    payload: &serde_json::Value,
) -> anyhow::Result<()> {
    let id = i32::try_from(payload_id(payload, "order_id")?)?;
    let Some(order) = store.order(id).await? else {
        return Ok(());
    };
    if order.status != crate::domain::supervision::OrderStatus::Open {
        return Ok(());
    }
    let issuer = store.agency(order.issuing_agency_id).await?;
    let target = store.agency(order.target_agency_id).await?;
    let lang = Lang::Zh;
    let page = BacklogOrderMail {
        lang: lang.tag(),
        id,
        issuer: &issuer.name_zh,
        target: &target.name_zh,
        instructions: &order.instructions,
        reply_by: order.reply_by.to_string(),
        link: format!("{public_url}/staff/supervision/{id}"),
        backlog_link: format!(
            "{public_url}/staff/oversight/list?agency={}&what=overdue",
            target.id
        ),
    };
    let subject = lang.t_args(
        "mail-order-subject",
        &[
            ("id", id.to_string()),
            ("issuer", issuer.name_zh.clone()),
            ("date", page.reply_by.clone()),
        ],
    );
    for to in store.agency_staff(target.id, Role::Supervisor).await? {
        send_rendered(
            views,
            mailer,
            to.email,
            subject.clone(),
            "backlog_order",
            &page,
        )
        .await?;
    }
    Ok(())
}

#[derive(Serialize)]
struct AckMail<'a> {
    lang: &'a str,
    tracking_number: String,
    title: &'a str,
    kind: &'a str,
    deadlines: Vec<crate::store::petitions::DeadlineView>,
    track_url: String,
}

/// The acknowledgement of a new petition: tracking number, what happens next, the first deadline.
async fn send_petition_ack(
    store: &Store,
    views: &Views,
    mailer: &Mailer,
    public_url: &str,
    payload: &serde_json::Value,
) -> anyhow::Result<()> {
    let id = petition_id(payload)?;
    let petition = store.petition_by_id(id).await?;
    let Some(to) = petition.contact_email.clone() else {
        return Ok(()); // nothing to send to; the job is done
    };
    let lang = Lang::parse(&petition.lang).unwrap_or(Lang::Zh);
    let page = AckMail {
        lang: lang.tag(),
        tracking_number: petition.display_number(),
        title: &petition.title,
        kind: petition.kind.as_str(),
        deadlines: store.petition_deadlines(id).await?,
        track_url: format!("{public_url}/track"),
    };
    let subject = lang.t_args(
        "mail-ack-subject",
        &[("tracking", petition.display_number())],
    );
    send_rendered(views, mailer, to, subject, "petition_ack", &page).await
}

#[derive(Serialize)]
struct UpdateMail<'a> {
    lang: &'a str,
    tracking_number: String,
    title: &'a str,
    event_kind: EventKind,
    body: &'a str,
    track_url: String,
    /// The notice (告知书) the step issued: what it tells, and where to read,
    /// download and verify it.
    notice: Option<crate::render::notice::NoticeMail>,
}

/// A public event the petitioner must hear of (accepted, declined, answered…).
async fn send_petition_update(
    store: &Store,
    views: &Views,
    mailer: &Mailer,
    public_url: &str,
    payload: &serde_json::Value,
) -> anyhow::Result<()> {
    let id = petition_id(payload)?;
    let event_id = payload_id(payload, "event_id")?;
    let petition = store.petition_by_id(id).await?;
    let Some(to) = petition.contact_email.clone() else {
        return Ok(());
    };
    let timeline = store.petition_timeline(id, true).await?;
    let Some(event) = timeline.iter().find(|e| e.id == event_id) else {
        return Ok(());
    };
    let lang = Lang::parse(&petition.lang).unwrap_or(Lang::Zh);
    let notice = store
        .issued_letters(id)
        .await?
        .into_iter()
        .find(|l| l.event_id == Some(event_id))
        .and_then(|l| match &l.facts {
            crate::domain::issued::Facts::Notice(n) => {
                let url = format!(
                    "{public_url}/track/{}/letters/{}",
                    petition.tracking_number, l.id
                );
                Some(crate::render::notice::NoticeMail::of(
                    n, public_url, lang, url,
                ))
            }
            crate::domain::issued::Facts::Answer(_) => None,
        });
    let page = UpdateMail {
        lang: lang.tag(),
        tracking_number: petition.display_number(),
        title: &petition.title,
        event_kind: event.kind,
        body: &event.body,
        track_url: format!("{public_url}/track"),
        notice,
    };
    let subject = lang.t_args(
        "mail-update-subject",
        &[("tracking", petition.display_number())],
    );
    send_rendered(views, mailer, to, subject, "petition_update", &page).await
}

/// The active staff of the petition's agency in `role` who are to be told:
/// a handler only of their own petition, nobody of one that names them (回避).
async fn staff_to_tell(
    store: &Store,
    p: &Petition,
    role: Role,
) -> anyhow::Result<Vec<crate::store::staff::StaffMember>> {
    Ok(store
        .agency_staff(p.agency_id, role)
        .await?
        .into_iter()
        .filter(|s| role != Role::Handler || p.handler_id == Some(s.id))
        .filter(|s| !p.names(&s.name))
        .collect())
}

fn staff_link(public_url: &str, p: &Petition) -> String {
    format!("{public_url}/staff/petitions/{}", p.tracking_number)
}

#[derive(Serialize)]
struct DeadlineMail<'a> {
    lang: &'a str,
    step: &'a str,
    tracking_number: &'a str,
    title: &'a str,
    clock: &'a str,
    due_on: String,
    link: String,
}

/// A reminder, an urging (催办) or a listing for the auditor: mailed to the
/// staff concerned, recorded on the internal timeline and in the audit trail.
async fn send_deadline_step(
    store: &Store,
    views: &Views,
    mailer: &Mailer,
    public_url: &str,
    step: Escalation,
    payload: &serde_json::Value,
) -> anyhow::Result<()> {
    let petition_id = petition_id(payload)?;
    let deadline_id = i32::try_from(payload_id(payload, "deadline_id")?)?;
    let petition = store.petition_by_id(petition_id).await?;
    let deadline = store.petition_deadline(petition_id, deadline_id).await?;
    if deadline.status != crate::domain::clock::DeadlineStatus::Open {
        return Ok(()); // met meanwhile: nothing to say
    }
    if step == Escalation::Remind
        && deadline.due_on < crate::domain::clock::china_date(chrono::Utc::now())
    {
        return Ok(()); // the job ran late: past its deadline, the urging says it
    }
    if store
        .escalated(petition_id, step, &deadline.clock, deadline.due_on)
        .await?
    {
        return Ok(()); // taken already (by an earlier job for the same deadline)
    }
    let mut recipients = Vec::new();
    for role in step.recipients() {
        recipients.extend(staff_to_tell(store, &petition, *role).await?);
    }
    let lang = Lang::Zh;
    for to in recipients {
        let page = DeadlineMail {
            lang: lang.tag(),
            step: step.as_str(),
            tracking_number: &petition.tracking_number,
            title: &petition.title,
            clock: &deadline.clock,
            due_on: deadline.due_on.to_string(),
            link: staff_link(public_url, &petition),
        };
        let subject = lang.t_args(
            &format!("mail-deadline-{}-subject", step.as_str()),
            &[("tracking", petition.tracking_number.clone())],
        );
        send_rendered(views, mailer, to.email, subject, "deadline", &page).await?;
    }
    store
        .record_escalation(
            petition_id,
            step,
            &deadline.clock,
            deadline.due_on,
            chrono::Utc::now(),
        )
        .await?;
    Ok(())
}

#[derive(Serialize)]
struct StaffNotice<'a> {
    lang: &'a str,
    event_kind: EventKind,
    tracking_number: &'a str,
    title: &'a str,
    link: String,
}

/// Tells the staff who must act next (`EventKind::who_acts_next`). Nobody
/// named in the petition; a supervisor is not asked to approve their own draft.
async fn send_staff_notice(
    store: &Store,
    views: &Views,
    mailer: &Mailer,
    public_url: &str,
    payload: &serde_json::Value,
) -> anyhow::Result<()> {
    let petition_id = petition_id(payload)?;
    let event_id = payload_id(payload, "event_id")?;
    let petition = store.petition_by_id(petition_id).await?;
    let timeline = store.petition_timeline(petition_id, false).await?;
    let Some(event) = timeline.iter().find(|e| e.id == event_id) else {
        return Ok(());
    };
    let Some(role) = event.kind.who_acts_next() else {
        return Ok(());
    };
    let recipients: Vec<String> = staff_to_tell(store, &petition, role)
        .await?
        .into_iter()
        .filter(|s| !(role == Role::Supervisor && petition.draft_author_id == Some(s.id)))
        .map(|s| s.email)
        .collect();
    let lang = Lang::Zh;
    for to in recipients {
        let page = StaffNotice {
            lang: lang.tag(),
            event_kind: event.kind,
            tracking_number: &petition.tracking_number,
            title: &petition.title,
            link: staff_link(public_url, &petition),
        };
        let subject = lang.t_args(
            "mail-staff-subject",
            &[("tracking", petition.tracking_number.clone())],
        );
        send_rendered(views, mailer, to, subject, "staff_notice", &page).await?;
    }
    Ok(())
}
