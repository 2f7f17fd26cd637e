//! Open311 GeoReport v2: partner systems (a 12345 hotline, a city-service
//! app) file petitions on a citizen's behalf with an API key, and anyone
//! holding a tracking number reads its public status. The same intake rules
//! as the forms apply (`filing::submit`); the captcha is replaced by the
//! partner's key and its own rate limit.
//!
//! Keys are 32 random bytes shown once; only their SHA-256 is kept (a key
//! that long cannot be guessed, so a slow hash would add nothing but latency).

use super::filing::{self, Channel, Receipt};
use super::{App, Error, Result};
use crate::domain::clock::DeadlineStatus;
use crate::domain::codes::TrackingNumber;
use crate::domain::open311::ServiceCode;
use crate::domain::petition::PetitionInput;
use crate::store::agencies::Agency;
use crate::store::petitions::{DeadlineView, Petition, TimelineEvent};
use crate::store::statistics::Partner;
use sha2::{Digest, Sha256};

/// Requests per minute a new partner key allows unless the operator says otherwise.
pub const DEFAULT_REQUESTS_PER_MINUTE: i32 = 120;

fn key_hash(key: &str) -> String {
    hex::encode(Sha256::digest(key.trim().as_bytes()))
}

/// Creates a partner and its key (returned once, never kept).
pub async fn add_partner(
    store: &crate::store::Store,
    name: &str,
    requests_per_minute: i32,
    actor: &str,
) -> Result<(Partner, String)> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 200 || requests_per_minute < 1 {
        return Err(Error::internal(anyhow::anyhow!(
            "a partner needs a name (at most 200 characters) and at least one request per minute"
        )));
    }
    let mut bytes = [0u8; 32];
    rand::RngCore::fill_bytes(&mut super::os_rng(), &mut bytes);
    let key = format!("mj_{}", hex::encode(bytes));
    let partner = store
        .add_partner(name, &key_hash(&key), requests_per_minute, actor)
        .await?;
    Ok((partner, key))
}

/// The partner holding `key`, counted against its rate limit.
pub async fn partner(app: &App, key: &str) -> Result<Partner> {
    if key.trim().is_empty() {
        return Err(Error::Forbidden);
    }
    let partner = app
        .store
        .active_partner(&key_hash(key))
        .await?
        .ok_or(Error::Forbidden)?;
    if app.rate_limits_on {
        let hit = app
            .partner_limit
            .hit(&partner.id.to_string(), crate::antiabuse::limits::now_ms())
            .await?;
        if hit.count > partner.requests_per_minute.max(1) as u32 {
            return Err(Error::Throttled {
                retry_after: hit.retry_after,
            });
        }
    }
    Ok(partner)
}

/// What a GeoReport request carries, as the portal reads it.
pub struct Request {
    /// The agency (`jurisdiction_id`, its code); none routes as "not sure" does.
    pub jurisdiction: Option<String>,
    pub service: ServiceCode,
    pub title: String,
    pub description: String,
    pub address: String,
    pub subject: String,
    pub desired_outcome: String,
    pub related_case_number: String,
    pub anonymous: bool,
    pub name: String,
    pub email: String,
    pub phone: String,
}

/// The agency of a `jurisdiction_id` (its code or id).
pub async fn jurisdiction(app: &App, id: &str) -> Result<Agency> {
    app.store
        .agencies()
        .await?
        .iter()
        .find(|a| a.code == id || a.id.0.to_string() == id)
        .cloned()
        .ok_or(Error::NotFound)
}

/// Files a request for `partner`.
pub async fn file(app: &App, partner: &Partner, r: Request, lang: &str) -> Result<Receipt> {
    let agency = match r.jurisdiction.as_deref().filter(|j| !j.is_empty()) {
        Some(j) => jurisdiction(app, j).await?.id.to_string(),
        None => "unsure".to_owned(),
    };
    let mut description = r.description.trim().to_owned();
    if !r.address.trim().is_empty() {
        description = format!("{description}\n\n（地点 / Location：{}）", r.address.trim());
    }
    let title = crate::domain::open311::title_of(&r.title, &r.description);
    let input = PetitionInput {
        kind: r.service.kind.as_str().to_owned(),
        agency,
        category: r.service.category.as_str().to_owned(),
        subject: r.subject,
        title,
        description,
        desired_outcome: r.desired_outcome,
        related_case_number: r.related_case_number,
        anonymous: if r.anonymous {
            "on".into()
        } else {
            String::new()
        },
        contact_name: r.name,
        contact_email: r.email,
        contact_phone: r.phone,
        // A partner's citizen is told by every channel with an address.
        notify: String::new(),
    };
    let receipt =
        filing::submit(app, &input, Vec::new(), Channel::Partner(partner.id), lang).await?;
    tracing::info!(
        partner.id = partner.id,
        petition.id = %receipt.petition.id,
        "petition filed through Open311"
    );
    Ok(receipt)
}

/// What anyone holding the number may read: never the petitioner, the
/// texts or the files — the stage, the agency, the dates, the next deadline.
pub struct PublicStatus {
    pub petition: Petition,
    pub agency: Agency,
    /// The nearest open deadline.
    pub next_deadline: Option<DeadlineView>,
    /// Public events, kind and time only.
    pub events: Vec<TimelineEvent>,
}

pub async fn status(app: &App, number: &str) -> Result<PublicStatus> {
    let tn = TrackingNumber::parse(number).map_err(|_| Error::NotFound)?;
    let petition = app
        .store
        .petition_by_tracking_number(tn.as_str())
        .await?
        .ok_or(Error::NotFound)?;
    let parts = app.store.petition_status_parts(&petition).await?;
    let agency = app.store.agency(petition.agency_id).await?;
    let next_deadline = parts
        .deadlines
        .iter()
        .filter(|d| d.status == DeadlineStatus::Open)
        .min_by_key(|d| d.due_on)
        .cloned();
    let events = parts
        .timeline
        .iter()
        .map(|e| TimelineEvent {
            body: String::new(),
            files: Vec::new(),
            ..e.clone()
        })
        .collect();
    Ok(PublicStatus {
        petition,
        agency,
        next_deadline,
        events,
    })
}
