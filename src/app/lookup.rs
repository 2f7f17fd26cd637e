//! A party gets back to their matter: a tracking number and access code open a
//! petition (throttled per number from one client and per client; a wrong number and a wrong
//! code answer alike), a case number and query code open a disclosed case.
//! The same petition then takes follow-up messages and further evidence.

use super::limits::{self, LOOKUP_CLIENT_LIMIT, LOOKUP_PAIR_LIMIT, hashes_match, query_code_hash};
use super::uploads::{self, Upload};
use super::{App, Error, Result};
use crate::domain::FieldErrors;
use crate::domain::codes::{AccessCode, TrackingNumber};
use crate::domain::ids::PetitionId;
use crate::store::cases::CaseView;
use crate::store::petitions::{EvidenceFile, Petition, StatusParts, TimelineEvent};
use std::sync::Arc;

/// Opens a petition with its tracking number and access code.
pub async fn open_petition(app: &App, number: &str, code: &str, client: &str) -> Result<Petition> {
    let tn = TrackingNumber::parse(number).map_err(Error::TrackingNumber)?;
    let now = crate::antiabuse::limits::now_ms();
    let limits = &app.limits;
    let pair = format!("{client}|{}", tn.as_str());
    if app.rate_limits_on {
        let number = limits.lookup_pair.peek(&pair, now).await?;
        let by_client = limits.lookup_client.peek(client, now).await?;
        let blocked = crate::antiabuse::limits::blocked(&[
            (number, LOOKUP_PAIR_LIMIT),
            (by_client, LOOKUP_CLIENT_LIMIT),
        ]);
        if let Some(retry_after) = blocked {
            return Err(Error::Throttled { retry_after });
        }
    }
    let record = app.store.petition_by_tracking_number(tn.as_str()).await?;
    // Hash even when there is no such petition, so timing says nothing either.
    let candidate = AccessCode::parse(code)
        .map(|c| limits::access_code_hash(app, &tn, &c))
        .unwrap_or_default();
    match record {
        Some(r) if hashes_match(&candidate, &r.access_code_hash) => Ok(r),
        _ => {
            if app.rate_limits_on {
                limits.lookup_pair.hit(&pair, now).await?;
                limits.lookup_client.hit(client, now).await?;
            }
            Err(Error::NoMatch)
        }
    }
}

/// A petition the party opened before (the grant kept in their session), by number.
pub async fn granted_petition(app: &App, number: &str) -> Result<Option<Petition>> {
    let tn = TrackingNumber::parse(number).map_err(|_| Error::NotFound)?;
    Ok(app.store.petition_by_tracking_number(tn.as_str()).await?)
}

/// The status page's deadlines and public timeline (cached while the petition is unchanged).
pub async fn status(app: &App, p: &Petition) -> Result<Arc<StatusParts>> {
    Ok(app.store.petition_status_parts(p).await?)
}

/// A follow-up from the petitioner (补充材料) on the status page: a message,
/// files, or both.
pub async fn follow_up(
    app: &App,
    p: &Petition,
    message: &str,
    uploads: Vec<Upload>,
) -> Result<TimelineEvent> {
    let body = message.trim();
    if body.is_empty() && uploads.is_empty() {
        let mut e = FieldErrors::new();
        e.add("message", "error-message-or-file");
        return Err(Error::Fields(e));
    }
    let body = if body.is_empty() {
        String::new()
    } else {
        crate::domain::petition::parse_message(body).map_err(Error::Fields)?
    };
    record(app, p, &body, uploads).await
}

/// A follow-up message (the API's `messages`): the text is required.
pub async fn add_message(app: &App, p: &Petition, text: &str) -> Result<TimelineEvent> {
    let body = crate::domain::petition::parse_message(text).map_err(Error::Fields)?;
    record(app, p, &body, Vec::new()).await
}

/// Further evidence (the API's `evidence`): at least one file.
pub async fn add_evidence(app: &App, p: &Petition, uploads: Vec<Upload>) -> Result<TimelineEvent> {
    if uploads.is_empty() {
        return Err(Error::Invalid("error-message-or-file"));
    }
    record(app, p, "", uploads).await
}

async fn record(
    app: &App,
    p: &Petition,
    body: &str,
    uploads: Vec<Upload>,
) -> Result<TimelineEvent> {
    let files = uploads::store_uploads(app, uploads).await?;
    let mut event = app
        .store
        .add_petitioner_follow_up(p.id, body, &files)
        .await?;
    if !files.is_empty() {
        event.files = app
            .store
            .petition_files(p.id)
            .await?
            .into_iter()
            .filter(|f| f.event_id == Some(event.id))
            .collect();
    }
    tracing::info!(
        petition.id = %p.id,
        files = files.len(),
        "petitioner follow-up received"
    );
    Ok(event)
}

/// An evidence file of a petition, with its bytes, for someone entitled to it.
pub async fn evidence_file(
    app: &App,
    petition: PetitionId,
    file_id: i32,
) -> Result<(EvidenceFile, Vec<u8>)> {
    let file = app
        .store
        .petition_files(petition)
        .await?
        .into_iter()
        .find(|f| f.id == file_id && !f.deleted)
        .ok_or(Error::NotFound)?;
    let bytes = app
        .files
        .read(&file.sha256)
        .await
        .map_err(Error::internal)?;
    Ok((file, bytes))
}

/// The case, if `code` is its query code. Unknown number and wrong code are
/// the same `NoCaseMatch`; failures are throttled per client.
pub async fn open_case(app: &App, case_number: &str, code: &str, client: &str) -> Result<CaseView> {
    let now = crate::antiabuse::limits::now_ms();
    let limiter = &app.limits.lookup_client;
    if app.rate_limits_on {
        let n = limiter.peek(client, now).await?;
        if let Some(retry_after) = crate::antiabuse::limits::blocked(&[(n, LOOKUP_CLIENT_LIMIT)]) {
            return Err(Error::Throttled { retry_after });
        }
    }
    let number = crate::domain::case::normalise_case_number(case_number);
    let case = app.store.case_by_number(&number).await?;
    let candidate = AccessCode::parse(code)
        .map(|c| query_code_hash(app, &number, &c))
        .unwrap_or_default();
    match case.filter(|c| hashes_match(&candidate, &c.query_code_hash)) {
        Some(c) => Ok(c),
        None => {
            if app.rate_limits_on {
                limiter.hit(client, now).await?;
            }
            Err(Error::NoCaseMatch)
        }
    }
}
