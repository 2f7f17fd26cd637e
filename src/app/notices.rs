//! 执法告知 — the notices a workflow step owes the petitioner
//! (`domain::notice`), frozen from the decision and the record in the step's
//! own transaction, as an answer letter is (`app::letters::freeze`).

use super::{App, Result};
use crate::domain::events::EventKind;
use crate::domain::issued::Facts;
use crate::domain::letter::Names;
use crate::domain::notice::{Delivery, NoticeLetter, Stated, Step};
use crate::domain::workflow::{Actor, Command, Outcome};
use crate::store::Store;
use crate::store::petitions::Petition;

/// The notice `outcome` issues, if its step owes one: what it states, taken
/// from the command and the deadlines the step starts or moves.
pub async fn freeze(
    store: &Store,
    p: &Petition,
    actor: &Actor,
    command: &Command,
    outcome: &Outcome,
    names: bool,
) -> Result<Option<Facts>> {
    let Some(step) = Step::of(outcome.event_kind, outcome.new.round) else {
        return Ok(None);
    };
    let started = |clock: &str| {
        outcome
            .start_deadlines
            .iter()
            .find(|d| d.clock == clock)
            .map(|d| d.due_on)
    };
    let stated = match (step, command) {
        (Step::Accepted, _) => Stated::Accepted {
            due_on: started("conclusion"),
        },
        (Step::ReviewAccepted, _) => Stated::ReviewAccepted {
            round: outcome.new.round,
            // The review's own clock runs from the request (`review_decision`).
            due_on: store
                .petition_deadlines(p.id)
                .await?
                .into_iter()
                .rfind(|d| {
                    d.clock == "review_decision"
                        && d.status == crate::domain::clock::DeadlineStatus::Open
                })
                .map(|d| d.due_on),
        },
        (Step::Declined, Command::Decline { reason, citation }) => Stated::Declined {
            reason: reason.clone(),
            citation: citation.clone(),
        },
        (
            Step::Redirected,
            Command::Redirect {
                procedure,
                citation,
            },
        ) => Stated::Redirected {
            procedure: procedure.clone(),
            citation: citation.clone(),
        },
        (
            Step::Transferred,
            Command::Transfer {
                to_agency_id,
                reason,
            },
        ) => {
            let to = store.agency(*to_agency_id).await?;
            Stated::Transferred {
                to: Names::of(&to.name_zh, &to.name_en),
                reason: reason.clone(),
                due_on: started("acceptance"),
            }
        }
        (Step::Extended, _) => Stated::Extended {
            days: outcome.extend_conclusion_by.unwrap_or(p.extension_days),
            due_on: outcome.conclusion_due_on,
            reason: extension_reason(store, p).await?,
        },
        // A step is taken by its own command; anything else is not this notice.
        _ => return Ok(None),
    };
    let issuer = store.agency(p.agency_id).await?;
    let decided_by = match actor {
        Actor::Staff { id, .. } => super::letters::signatory(store, Some(*id)).await?,
        _ => None,
    };
    let rule = step.rule();
    Ok(Some(Facts::Notice(NoticeLetter {
        kind: rule.kind,
        number: p.display_number(),
        issuer: Names::of(&issuer.name_zh, &issuer.name_en),
        petitioner: if p.anonymous {
            None
        } else {
            p.contact_name.clone()
        },
        title: p.title.clone(),
        received_on: crate::domain::clock::china_date(p.received_at),
        issued_on: outcome.on,
        stated,
        citation: rule.citation(),
        decided_by,
        names,
    })))
}

/// The reason the handler gave when asking for the extension now approved
/// (the rules owe the petitioner the reason: "并告知信访人延期理由").
async fn extension_reason(store: &Store, p: &Petition) -> Result<String> {
    let asked = store
        .petition_timeline(p.id, false)
        .await?
        .into_iter()
        .rfind(|e| e.kind == EventKind::ExtensionRequested);
    Ok(asked
        .and_then(|e| e.body.split_once('\n').map(|(_, reason)| reason.to_owned()))
        .unwrap_or_default())
}

/// A notice issued on a petition and how its message fared, for staff.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SentNotice {
    pub letter_id: i32,
    /// The letter kind (`notice_accepted`…).
    pub kind: &'static str,
    pub issued_on: chrono::NaiveDate,
    pub deliveries: Vec<ChannelDelivery>,
}

/// One channel's message of a notice.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ChannelDelivery {
    /// `mail` (SMS follows the same path when it is a channel).
    pub channel: &'static str,
    pub state: &'static str,
    pub attempts: i32,
    pub last_error: Option<String>,
    pub at: Option<chrono::DateTime<chrono::Utc>>,
}

/// Every notice issued on `p`, newest first, with where its message stands
/// on each channel the petitioner chose (the job that carries it, found by
/// its key).
pub async fn sent(app: &App, p: &Petition) -> Result<Vec<SentNotice>> {
    use crate::store::outbox::{petitioner_mail_key, petitioner_sms_key};
    let notices: Vec<_> = app
        .store
        .issued_letters(p.id)
        .await?
        .into_iter()
        .filter(|l| l.kind.is_notice())
        .collect();
    let keys: Vec<String> = notices
        .iter()
        .filter_map(|l| l.event_id)
        .flat_map(|e| [petitioner_mail_key(e), petitioner_sms_key(e)])
        .collect();
    let jobs = app.store.jobs_by_key(&keys).await?;
    let texts = app.store.sms_states(&keys).await?;
    let mobile = p
        .contact_phone
        .as_deref()
        .is_some_and(crate::domain::petition::is_mobile);
    let channels = [
        (
            "mail",
            p.notify.by_mail(),
            p.contact_email.is_some(),
            petitioner_mail_key as fn(i64) -> String,
        ),
        ("sms", p.notify.by_sms(), mobile, petitioner_sms_key),
    ];
    Ok(notices
        .into_iter()
        .map(|l| {
            let deliveries = channels
                .iter()
                .filter(|(_, chosen, _, _)| *chosen)
                .map(|(channel, _, has_address, key_of)| {
                    let key = l.event_id.map(key_of);
                    match jobs.iter().rfind(|j| Some(&j.key) == key.as_ref()) {
                        Some(j) => ChannelDelivery {
                            channel,
                            // A text's receipt (or opt-out) says more than its job.
                            state: texts
                                .iter()
                                .find(|(k, _)| *k == j.key)
                                .and_then(|(_, s)| Delivery::of_sms_log(s))
                                .unwrap_or_else(|| Delivery::of(&j.status, j.attempts))
                                .as_str(),
                            attempts: j.attempts,
                            last_error: j.last_error.clone(),
                            at: j.finished_at,
                        },
                        None => ChannelDelivery {
                            channel,
                            state: if *has_address {
                                Delivery::Unrecorded.as_str()
                            } else {
                                Delivery::NoAddress.as_str()
                            },
                            attempts: 0,
                            last_error: None,
                            at: None,
                        },
                    }
                })
                .collect();
            SentNotice {
                letter_id: l.id,
                kind: l.kind.as_str(),
                issued_on: l.issued_on,
                deliveries,
            }
        })
        .collect())
}
