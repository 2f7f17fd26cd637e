//! Mail jobs: each renders its message at send time from the database, in the
//! language the petitioner used, and never includes an access code.

use super::{Mailer, Outgoing};
use crate::store::Store;
use crate::web::Lang;
use crate::web::views::Views;
use serde::Serialize;
use std::sync::Arc;

/// An id a mail job's payload must carry.
fn payload_id(payload: &serde_json::Value, key: &str) -> anyhow::Result<i64> {
    payload[key]
        .as_i64()
        .ok_or_else(|| anyhow::anyhow!("{key} missing"))
}

fn petition_id(payload: &serde_json::Value) -> anyhow::Result<i32> {
    Ok(i32::try_from(payload_id(payload, "petition_id")?)?)
}

/// A tracking number read back from the database (valid when it was written).
fn stored_number(raw: &str) -> anyhow::Result<crate::domain::codes::TrackingNumber> {
    crate::domain::codes::TrackingNumber::parse(raw)
        .map_err(|e| anyhow::anyhow!("stored tracking number: {e}"))
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

pub const PETITION_ACK: &str = "mail.petition_ack";

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
pub async fn send_petition_ack(
    store: Store,
    views: Arc<Views>,
    mailer: Arc<Mailer>,
    public_url: String,
    payload: serde_json::Value,
) -> anyhow::Result<()> {
    let id = petition_id(&payload)?;
    let petition = store.petition_by_id(id).await?;
    let Some(to) = petition.contact_email.clone() else {
        return Ok(()); // nothing to send to; the job is done
    };
    let lang = Lang::parse(&petition.lang).unwrap_or(Lang::Zh);
    let tn = stored_number(&petition.tracking_number)?;
    let page = AckMail {
        lang: lang.tag(),
        tracking_number: tn.display(),
        title: &petition.title,
        kind: petition.kind.as_str(),
        deadlines: store.petition_deadlines(id).await?,
        track_url: format!("{}/track", public_url.trim_end_matches('/')),
    };
    let subject = lang.t_args("mail-ack-subject", &[("tracking", tn.display())]);
    send_rendered(&views, &mailer, to, subject, "petition_ack", &page).await
}

pub const PETITION_UPDATE: &str = "mail.petition_update";

#[derive(Serialize)]
struct UpdateMail<'a> {
    lang: &'a str,
    tracking_number: String,
    title: &'a str,
    event_kind: &'a str,
    body: &'a str,
    track_url: String,
}

/// A public event the petitioner must hear of (accepted, declined, answered…).
pub async fn send_petition_update(
    store: Store,
    views: Arc<Views>,
    mailer: Arc<Mailer>,
    public_url: String,
    payload: serde_json::Value,
) -> anyhow::Result<()> {
    let id = petition_id(&payload)?;
    let event_id = payload_id(&payload, "event_id")?;
    let petition = store.petition_by_id(id).await?;
    let Some(to) = petition.contact_email.clone() else {
        return Ok(());
    };
    let timeline = store.petition_timeline(id, true).await?;
    let Some(event) = timeline.iter().find(|e| e.id == event_id) else {
        return Ok(());
    };
    let lang = Lang::parse(&petition.lang).unwrap_or(Lang::Zh);
    let tn = stored_number(&petition.tracking_number)?;
    let page = UpdateMail {
        lang: lang.tag(),
        tracking_number: tn.display(),
        title: &petition.title,
        event_kind: &event.kind,
        body: &event.body,
        track_url: format!("{}/track", public_url.trim_end_matches('/')),
    };
    let subject = lang.t_args("mail-update-subject", &[("tracking", tn.display())]);
    send_rendered(&views, &mailer, to, subject, "petition_update", &page).await
}

#[derive(Serialize)]
struct DeadlineMail<'a> {
    lang: &'a str,
    step: &'a str,
    tracking_number: &'a str,
    title: &'a str,
    clock: &'a str,
    due_on: &'a str,
    link: String,
}

/// A reminder, an urging (催办) or a listing for the auditor: mailed to the
/// staff concerned, recorded on the internal timeline and in the audit trail.
pub async fn send_deadline_step(
    store: Store,
    views: Arc<Views>,
    mailer: Arc<Mailer>,
    public_url: String,
    step: &'static str,
    payload: serde_json::Value,
) -> anyhow::Result<()> {
    use crate::domain::staff::Role;
    let petition_id = petition_id(&payload)?;
    let deadline_id = payload_id(&payload, "deadline_id")?;
    let petition = store.petition_by_id(petition_id).await?;
    let case = store
        .case_petition_by_tracking_number(&petition.tracking_number)
        .await?
        .ok_or_else(|| anyhow::anyhow!("petition vanished"))?;
    let deadline = store.petition_deadline_by_id(deadline_id).await?;
    if deadline.status != "open" {
        return Ok(()); // met meanwhile: nothing to say
    }
    let roles: &[Role] = match step {
        "remind" => &[Role::Handler, Role::Supervisor],
        "urge" => &[Role::Supervisor],
        _ => &[Role::Auditor],
    };
    let mut recipients = Vec::new();
    for role in roles {
        for s in store.agency_staff(case.agency_id, *role).await? {
            // A handler hears only of their own petitions; nobody of one that names them.
            if (*role == Role::Handler && case.handler_id != Some(s.id)) || case.names(&s.name) {
                continue;
            }
            recipients.push(s.email);
        }
    }
    for to in recipients {
        let lang = Lang::Zh;
        let page = DeadlineMail {
            lang: lang.tag(),
            step,
            tracking_number: &petition.tracking_number,
            title: &petition.title,
            clock: &deadline.clock,
            due_on: &deadline.due_on,
            link: format!(
                "{}/staff/petitions/{}",
                public_url.trim_end_matches('/'),
                petition.tracking_number
            ),
        };
        let subject = lang.t_args(
            &format!("mail-deadline-{step}-subject"),
            &[("tracking", petition.tracking_number.clone())],
        );
        send_rendered(&views, &mailer, to, subject, "deadline", &page).await?;
    }
    store
        .record_escalation(petition_id, step, &deadline.clock, &deadline.due_on)
        .await?;
    Ok(())
}

pub const STAFF_NOTICE: &str = "mail.staff_notice";

#[derive(Serialize)]
struct StaffNotice<'a> {
    lang: &'a str,
    event_kind: &'a str,
    tracking_number: &'a str,
    title: &'a str,
    link: String,
}

/// Tells the staff who must act next: the handler of an assignment or a
/// returned draft, the supervisors of a draft or an extension request, the
/// intake clerks of a transfer or a review. Nobody named in the petition.
pub async fn send_staff_notice(
    store: Store,
    views: Arc<Views>,
    mailer: Arc<Mailer>,
    public_url: String,
    payload: serde_json::Value,
) -> anyhow::Result<()> {
    use crate::domain::staff::Role;
    let petition_id = petition_id(&payload)?;
    let event_id = payload_id(&payload, "event_id")?;
    let petition = store.petition_by_id(petition_id).await?;
    let case = store
        .case_petition_by_tracking_number(&petition.tracking_number)
        .await?
        .ok_or_else(|| anyhow::anyhow!("petition vanished"))?;
    let timeline = store.petition_timeline(petition_id, false).await?;
    let Some(event) = timeline.iter().find(|e| e.id == event_id) else {
        return Ok(());
    };
    let role = match event.kind.as_str() {
        "assigned" | "returned" => Role::Handler,
        "drafted" | "extension_requested" => Role::Supervisor,
        _ => Role::IntakeClerk,
    };
    let recipients: Vec<String> = store
        .agency_staff(case.agency_id, role)
        .await?
        .into_iter()
        .filter(|s| role != Role::Handler || case.handler_id == Some(s.id))
        // Nobody named in the petition; a supervisor is not asked to approve their own draft.
        .filter(|s| {
            !(case.names(&s.name)
                || (role == Role::Supervisor && case.draft_author_id == Some(s.id)))
        })
        .map(|s| s.email)
        .collect();
    let lang = Lang::Zh;
    for to in recipients {
        let page = StaffNotice {
            lang: lang.tag(),
            event_kind: &event.kind,
            tracking_number: &petition.tracking_number,
            title: &petition.title,
            link: format!(
                "{}/staff/petitions/{}",
                public_url.trim_end_matches('/'),
                petition.tracking_number
            ),
        };
        let subject = lang.t_args(
            "mail-staff-subject",
            &[("tracking", petition.tracking_number.clone())],
        );
        send_rendered(&views, &mailer, to, subject, "staff_notice", &page).await?;
    }
    Ok(())
}
