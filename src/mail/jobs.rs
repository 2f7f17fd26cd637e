//! Mail jobs: each renders its message at send time from the database, in the
//! language the petitioner used, and never includes an access code.

use super::{Mailer, Outgoing};
use crate::store::Store;
use crate::web::Lang;
use crate::web::views::Views;
use serde::Serialize;
use std::sync::Arc;

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
    let id = payload["petition_id"]
        .as_i64()
        .and_then(|i| i32::try_from(i).ok())
        .ok_or_else(|| anyhow::anyhow!("petition_id missing"))?;
    let petition = store.petition_by_id(id).await?;
    let Some(to) = petition.contact_email.clone() else {
        return Ok(()); // nothing to send to; the job is done
    };
    let lang = Lang::parse(&petition.lang).unwrap_or(Lang::Zh);
    let tn = crate::domain::codes::TrackingNumber::parse(&petition.tracking_number)
        .map_err(|e| anyhow::anyhow!("stored tracking number: {e}"))?;
    let page = AckMail {
        lang: lang.tag(),
        tracking_number: tn.display(),
        title: &petition.title,
        kind: petition.kind.as_str(),
        deadlines: store.petition_deadlines(id).await?,
        track_url: format!("{}/track", public_url.trim_end_matches('/')),
    };
    let subject = lang.t_args("mail-ack-subject", &[("tracking", tn.display())]);
    let text = views.render("mail/petition_ack.txt", &page)?;
    let html = views.render("mail/petition_ack.html", &page)?;
    mailer
        .send(Outgoing {
            to,
            subject,
            text,
            html,
        })
        .await
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
    let id = payload["petition_id"]
        .as_i64()
        .and_then(|i| i32::try_from(i).ok())
        .ok_or_else(|| anyhow::anyhow!("petition_id missing"))?;
    let event_id = payload["event_id"]
        .as_i64()
        .ok_or_else(|| anyhow::anyhow!("event_id missing"))?;
    let petition = store.petition_by_id(id).await?;
    let Some(to) = petition.contact_email.clone() else {
        return Ok(());
    };
    let timeline = store.petition_timeline(id, true).await?;
    let Some(event) = timeline.iter().find(|e| e.id == event_id) else {
        return Ok(());
    };
    let lang = Lang::parse(&petition.lang).unwrap_or(Lang::Zh);
    let tn = crate::domain::codes::TrackingNumber::parse(&petition.tracking_number)
        .map_err(|e| anyhow::anyhow!("stored tracking number: {e}"))?;
    let page = UpdateMail {
        lang: lang.tag(),
        tracking_number: tn.display(),
        title: &petition.title,
        event_kind: &event.kind,
        body: &event.body,
        track_url: format!("{}/track", public_url.trim_end_matches('/')),
    };
    let subject = lang.t_args("mail-update-subject", &[("tracking", tn.display())]);
    let text = views.render("mail/petition_update.txt", &page)?;
    let html = views.render("mail/petition_update.html", &page)?;
    mailer
        .send(Outgoing {
            to,
            subject,
            text,
            html,
        })
        .await
}
