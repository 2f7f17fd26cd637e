//! SMS jobs: the acknowledgement and the texted steps
//! (`domain::events::EventKind::texted`), to a
//! petitioner who chose SMS. Each text is rendered at send time from the
//! template file in the petitioner's language and links to where the step is
//! written up (the notice or letter it issued, else the lookup page) — the
//! link asks for the access code, which no text ever carries.

use super::{OutgoingSms, Texter};
use crate::domain::events::Notice;
use crate::domain::ids::PetitionId;
use crate::domain::sms::Facts;
use crate::store::Store;
use crate::store::sms::SentSms;
use chrono::Utc;

/// Runs the SMS job of `notice`.
pub async fn send(
    notice: Notice,
    store: Store,
    texter: &Texter,
    public_url: &str,
    payload: serde_json::Value,
) -> anyhow::Result<()> {
    let public_url = public_url.trim_end_matches('/');
    let id = payload["petition_id"]
        .as_i64()
        .and_then(|i| i32::try_from(i).ok())
        .map(PetitionId)
        .ok_or_else(|| anyhow::anyhow!("petition_id missing"))?;
    let p = store.petition_by_id(id).await?;
    // The job's own key (`store::outbox`): a job run twice sends once.
    let key = match payload["event_id"].as_i64() {
        Some(event) => crate::store::outbox::petitioner_sms_key(event),
        None => format!("sms:ack:{}", p.tracking_number),
    };
    if store.sms_sent(&key).await? {
        return Ok(()); // handed over by an earlier run of this job
    }
    let Some(phone) = p.contact_phone.clone().filter(|_| p.reach().sms) else {
        return Ok(()); // no longer reachable by SMS (retention, say): nothing to send
    };
    let number = p.display_number();
    let lookup = format!("{public_url}/track?tracking_number={number}");
    let (template, facts) = match notice {
        Notice::PetitionAckSms => (
            "ack".to_owned(),
            Facts {
                number,
                link: lookup,
                due: None,
            },
        ),
        Notice::PetitionUpdateSms => {
            let event_id = payload["event_id"]
                .as_i64()
                .ok_or_else(|| anyhow::anyhow!("event_id missing"))?;
            let timeline = store.petition_timeline(id, true).await?;
            let Some(event) = timeline.iter().find(|e| e.id == event_id) else {
                return Ok(());
            };
            if !event.kind.texted() {
                return Ok(());
            }
            // The notice or letter the step issued, if any: the link, and its date.
            let issued = store
                .issued_letters(id)
                .await?
                .into_iter()
                .find(|l| l.event_id == Some(event_id));
            let link = issued.as_ref().map_or(lookup, |l| {
                format!("{public_url}/track/{}/letters/{}", p.tracking_number, l.id)
            });
            let due = issued.and_then(|l| match l.facts {
                crate::domain::issued::Facts::Notice(n) => n.stated.due_on(),
                crate::domain::issued::Facts::Answer(_) => None,
            });
            (
                event.kind.as_str().to_owned(),
                Facts {
                    number,
                    link,
                    due: due.map(|d| d.to_string()),
                },
            )
        }
        other => anyhow::bail!("{other:?} is not an SMS"),
    };
    let english = p.lang.starts_with("en");
    let rendered = texter
        .templates
        .render(&template, english, &facts)
        .ok_or_else(|| anyhow::anyhow!("no SMS template `{template}`"))?;
    let phone_hash = texter.phone_hash(&phone);
    // 退订: a number that replied TD is texted no more (logged, not sent).
    if store.sms_opted_out(&phone_hash).await? {
        store
            .record_sms(&SentSms {
                job_key: key,
                petition_id: Some(id),
                phone_hash,
                template: rendered.key.clone(),
                template_id: rendered.template_id.clone(),
                text: rendered.text.clone(),
                provider_id: None,
                sent_at: Utc::now(),
            })
            .await?;
        return Ok(());
    }
    // 限频: at most so many texts to one number a day; the rest wait their turn.
    let day_ago = Utc::now() - chrono::Duration::hours(24);
    let limit = texter.templates.per_number_per_day;
    if store.sms_count_since(&phone_hash, day_ago).await? >= u64::from(limit) {
        anyhow::bail!("this number has had {limit} texts in 24 hours; the text waits");
    }
    let sms = OutgoingSms {
        to: phone,
        rendered,
    };
    let provider_id = texter.submit(&sms).await?;
    store
        .record_sms(&SentSms {
            job_key: key,
            petition_id: Some(id),
            phone_hash,
            template: sms.rendered.key.clone(),
            template_id: sms.rendered.template_id.clone(),
            text: sms.rendered.text.clone(),
            provider_id: Some(provider_id),
            sent_at: Utc::now(),
        })
        .await?;
    Ok(())
}
