//! 受理 front door: how a petition gets in (captcha, honeypot, rate limits,
//! routing, evidence, deadlines, one transaction) and how a party gets back to
//! it (tracking number + access code, throttled). The HTML pages and the JSON
//! API both call these functions, so both follow the same rules.

use crate::domain::FieldErrors;
use crate::domain::agency::AgencyType;
use crate::domain::clock::{
    Calendar, ClockRules, ClockStart, Deadline, china_date, deadlines_starting,
};
use crate::domain::codes::{AccessCode, TrackingNumber, TrackingNumberError};
use crate::domain::petition::{
    AgencyChoice, Complainant, PetitionDraft, PetitionInput, PetitionStatus,
};
use crate::files::{self, EvidenceError};
use crate::store::agencies::Agency;
use crate::store::petitions::{NewPetition, PetitionRecord, StoredFile};
use crate::web::{AppError, AppState, Lang};
use chrono::Utc;
use std::time::{Duration, Instant};
use subtle::ConstantTimeEq;

/// A file as uploaded, before it is checked.
pub struct Upload {
    pub name: String,
    pub bytes: Vec<u8>,
}

#[derive(Debug, Default, Clone, serde::Deserialize)]
pub struct CaptchaAnswer {
    #[serde(default)]
    pub captcha_id: String,
    #[serde(default)]
    pub captcha_answer: String,
    #[serde(default)]
    pub captcha_question_answer: String,
}

#[derive(Debug, thiserror::Error)]
pub enum SubmitError {
    #[error("invalid fields")]
    Invalid(FieldErrors),
    #[error("captcha missing, wrong, expired or used")]
    Captcha,
    #[error("too many submissions")]
    Throttled { retry_after: u64 },
    #[error("evidence refused: {name}")]
    File { name: String, key: &'static str },
    #[error(transparent)]
    Internal(#[from] AppError),
}

pub struct Receipt {
    pub petition: PetitionRecord,
    pub tracking_number: TrackingNumber,
    pub access_code: AccessCode,
    pub deadlines: Vec<Deadline>,
    pub agency: Agency,
}

/// Rate limits of the public forms.
pub struct Limits {
    pub submit_client: crate::antiabuse::limits::RateLimiter,
    pub submit_contact: crate::antiabuse::limits::RateLimiter,
    pub lookup_number: crate::antiabuse::limits::RateLimiter,
    pub lookup_client: crate::antiabuse::limits::RateLimiter,
}

/// Submissions per client per hour before new ones are held for review, and before they are refused.
pub const CLIENT_SOFT_LIMIT: u32 = 10;
pub const CLIENT_HARD_LIMIT: u32 = 30;
/// Submissions per e-mail address or phone per day before new ones are held for review.
pub const CONTACT_SOFT_LIMIT: u32 = 5;
/// Failed lookups per tracking number, and per client, in 15 minutes.
pub const LOOKUP_NUMBER_LIMIT: u32 = 10;
pub const LOOKUP_CLIENT_LIMIT: u32 = 50;

impl Limits {
    pub fn new(secret: &crate::crypto::Secret) -> Self {
        use crate::antiabuse::limits::RateLimiter;
        Limits {
            submit_client: RateLimiter::new(
                secret.clone(),
                "limit:submit-client",
                Duration::from_secs(3600),
            ),
            submit_contact: RateLimiter::new(
                secret.clone(),
                "limit:submit-contact",
                Duration::from_secs(86_400),
            ),
            lookup_number: RateLimiter::new(
                secret.clone(),
                "limit:lookup-number",
                Duration::from_secs(900),
            ),
            lookup_client: RateLimiter::new(
                secret.clone(),
                "limit:lookup-client",
                Duration::from_secs(900),
            ),
        }
    }
}

fn hex_hash(state: &AppState, purpose: &str, value: &str) -> String {
    hex::encode(state.secret.keyed_hash(purpose, value.as_bytes()))
}

/// The stored form of an access code: bound to its tracking number.
pub fn access_code_hash(state: &AppState, tn: &TrackingNumber, code: &AccessCode) -> String {
    hex_hash(
        state,
        "access-code",
        &format!("{}:{}", tn.as_str(), code.as_str()),
    )
}

fn hashes_match(a: &str, b: &str) -> bool {
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

/// Makes a new challenge for `form` and returns its id.
pub async fn new_captcha(state: &AppState, form: &str) -> Result<String, AppError> {
    let challenge = tokio::task::spawn_blocking(crate::antiabuse::captcha::generate)
        .await
        .map_err(AppError::internal)?
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("captcha image could not be drawn")))?;
    let id = AccessCode::generate().as_str().to_owned() + AccessCode::generate().as_str();
    let now = Utc::now().timestamp_millis();
    state
        .store
        .insert_captcha(
            crate::store::captchas::NewCaptcha {
                id: &id,
                form,
                answer_hash: hex_hash(
                    state,
                    "captcha",
                    &crate::antiabuse::captcha::normalise_answer(&challenge.answer),
                ),
                question_answer_hash: hex_hash(state, "captcha", &challenge.question_answer),
                question_zh: &challenge.question_zh,
                question_en: &challenge.question_en,
                image_png: challenge.png,
                expires_at_ms: now + crate::antiabuse::captcha::LIFETIME_MS,
            },
            now,
        )
        .await?;
    Ok(id)
}

/// Consumes the challenge and checks either answer. Always passes when the
/// captcha is switched off (local testing only).
pub async fn check_captcha(
    state: &AppState,
    form: &str,
    answer: &CaptchaAnswer,
) -> Result<(), SubmitError> {
    if !state.captcha_on {
        return Ok(());
    }
    let now = Utc::now().timestamp_millis();
    let Some(stored) = state
        .store
        .consume_captcha(answer.captcha_id.trim(), form, now)
        .await
        .map_err(AppError::from)?
    else {
        return Err(SubmitError::Captcha);
    };
    let image = crate::antiabuse::captcha::normalise_answer(&answer.captcha_answer);
    let question = crate::antiabuse::captcha::normalise_answer(&answer.captcha_question_answer);
    let image_ok =
        !image.is_empty() && hashes_match(&hex_hash(state, "captcha", &image), &stored.answer_hash);
    let question_ok = !question.is_empty()
        && hashes_match(
            &hex_hash(state, "captcha", &question),
            &stored.question_answer_hash,
        );
    if image_ok || question_ok {
        Ok(())
    } else {
        Err(SubmitError::Captcha)
    }
}

/// The agency a "not sure" petition goes to: the highest body of the suggested type.
async fn route(state: &AppState, choice: AgencyChoice) -> Result<Option<Agency>, AppError> {
    Ok(match choice {
        AgencyChoice::Chosen(id) => match state.store.agency(id).await {
            Ok(a) => Some(a),
            Err(crate::store::StoreError::NotFound) => None,
            Err(e) => return Err(e.into()),
        },
        AgencyChoice::Unsure(t) => top_agency_of_type(&state.store.agencies().await?, t).cloned(),
    })
}

fn top_agency_of_type(agencies: &[Agency], t: AgencyType) -> Option<&Agency> {
    agencies
        .iter()
        .filter(|a| a.agency_type == t)
        .min_by_key(|a| (a.level as u8, a.id))
}

/// Checks each uploaded file and writes the metadata-free copies to the file
/// store (durably, before any row refers to them).
pub async fn store_uploads(
    state: &AppState,
    uploads: Vec<Upload>,
) -> Result<Vec<StoredFile>, SubmitError> {
    if uploads.is_empty() {
        return Ok(Vec::new());
    }
    if uploads.len() > files::MAX_FILES {
        return Err(SubmitError::File {
            name: String::new(),
            key: "error-too-many-files",
        });
    }
    let total: usize = uploads.iter().map(|u| u.bytes.len()).sum();
    if total > files::MAX_TOTAL_BYTES {
        return Err(SubmitError::File {
            name: String::new(),
            key: "error-files-total-too-large",
        });
    }
    let file_store = state.files.clone();
    tokio::task::spawn_blocking(move || -> Result<Vec<StoredFile>, SubmitError> {
        let mut stored = Vec::with_capacity(uploads.len());
        for upload in uploads {
            let accepted =
                files::accept(&upload.name, &upload.bytes).map_err(|e: EvidenceError| {
                    SubmitError::File {
                        name: upload.name.clone(),
                        key: e.message_key(),
                    }
                })?;
            let sha256 = file_store
                .put(&accepted.bytes)
                .map_err(|e| SubmitError::Internal(AppError::internal(e)))?;
            stored.push(StoredFile {
                sha256,
                file_name: accepted.file_name,
                mime: accepted.kind.mime().to_owned(),
                size: i64::try_from(accepted.bytes.len()).unwrap_or(i64::MAX),
                metadata_removed: accepted.metadata_removed,
            });
        }
        Ok(stored)
    })
    .await
    .map_err(|e| SubmitError::Internal(AppError::internal(e)))?
}

/// Files a petition. Everything the receipt promises is committed before this returns.
pub async fn submit(
    state: &AppState,
    input: &PetitionInput,
    uploads: Vec<Upload>,
    honeypot: &str,
    client: &str,
    lang: Lang,
) -> Result<Receipt, SubmitError> {
    let draft = PetitionDraft::parse(input).map_err(SubmitError::Invalid)?;
    let Some(agency) = route(state, draft.agency).await? else {
        let mut e = FieldErrors::new();
        e.add("agency", "error-choose-one");
        return Err(SubmitError::Invalid(e));
    };

    // Anti-abuse: over the hard limit is refused; suspicious is held for review, never dropped.
    let mut quarantine: Option<String> = None;
    if !honeypot.trim().is_empty() {
        quarantine = Some("honeypot field filled".to_owned());
    }
    if state.rate_limits_on {
        let now = Instant::now();
        let n = state.limits.submit_client.hit(client, now);
        if n > CLIENT_HARD_LIMIT {
            return Err(SubmitError::Throttled {
                retry_after: state.limits.submit_client.retry_after(client, now),
            });
        }
        if n > CLIENT_SOFT_LIMIT {
            quarantine
                .get_or_insert_with(|| format!("{n} submissions from one client within an hour"));
        }
        if let Complainant::Named { email, phone, .. } = &draft.complainant {
            for contact in email
                .iter()
                .map(|e| e.as_str().to_owned())
                .chain(phone.iter().map(|p| p.as_str().to_owned()))
            {
                let n = state.limits.submit_contact.hit(&contact, now);
                if n > CONTACT_SOFT_LIMIT {
                    quarantine.get_or_insert_with(|| {
                        format!("{n} submissions with one contact within a day")
                    });
                }
            }
        }
    }

    let files = store_uploads(state, uploads).await?;
    let received_at = Utc::now();
    let deadlines = deadlines_starting(
        ClockRules::official(),
        Calendar::official(),
        ClockStart::Received,
        draft.kind.as_str(),
        agency.agency_type.as_str(),
        china_date(received_at),
    );
    let status = if quarantine.is_some() {
        PetitionStatus::Quarantined
    } else {
        PetitionStatus::Received
    };
    for _ in 0..5 {
        let tracking_number =
            TrackingNumber::generate(chrono::Datelike::year(&china_date(received_at)));
        let access_code = AccessCode::generate();
        let created = state
            .store
            .create_petition(NewPetition {
                draft: &draft,
                agency_id: agency.id,
                tracking_number: tracking_number.as_str(),
                access_code_hash: access_code_hash(state, &tracking_number, &access_code),
                lang: lang.tag(),
                status,
                quarantine_reason: quarantine.clone(),
                received_at,
                deadlines: &deadlines,
                files: &files,
            })
            .await
            .map_err(AppError::from)?;
        if let Some(petition) = created {
            if let Some(reason) = &quarantine {
                tracing::warn!(petition.id = petition.id, reason = %reason, "petition held for review as suspected abuse");
            }
            tracing::info!(
                petition.id = petition.id,
                petition.kind = petition.kind.as_str(),
                agency.id = agency.id,
                "petition received"
            );
            return Ok(Receipt {
                petition,
                tracking_number,
                access_code,
                deadlines,
                agency,
            });
        }
    }
    Err(SubmitError::Internal(AppError::internal(anyhow::anyhow!(
        "no free tracking number after 5 draws"
    ))))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum LookupError {
    #[error("not a tracking number")]
    Malformed,
    #[error("tracking number typo")]
    CheckFailed,
    /// Unknown number or wrong code: deliberately the same.
    #[error("no petition with that number and code")]
    NoMatch,
    #[error("too many failed lookups")]
    Throttled { retry_after: u64 },
}

impl LookupError {
    pub fn message_key(self) -> &'static str {
        match self {
            LookupError::Malformed => "error-tracking-malformed",
            LookupError::CheckFailed => "error-tracking-typo",
            LookupError::NoMatch => "error-lookup-no-match",
            LookupError::Throttled { .. } => "error-lookup-throttled",
        }
    }
}

/// Opens a petition with its tracking number and access code.
/// The outer error is a failure of ours (a 500); the inner one is the reader's.
pub async fn open_petition(
    state: &AppState,
    number: &str,
    code: &str,
    client: &str,
) -> Result<Result<PetitionRecord, LookupError>, AppError> {
    let tn = match TrackingNumber::parse(number) {
        Ok(tn) => tn,
        Err(TrackingNumberError::Malformed) => return Ok(Err(LookupError::Malformed)),
        Err(TrackingNumberError::CheckFailed) => return Ok(Err(LookupError::CheckFailed)),
    };
    let now = Instant::now();
    let limits = &state.limits;
    if state.rate_limits_on
        && (limits.lookup_number.count(tn.as_str(), now) >= LOOKUP_NUMBER_LIMIT
            || limits.lookup_client.count(client, now) >= LOOKUP_CLIENT_LIMIT)
    {
        let retry_after = limits
            .lookup_number
            .retry_after(tn.as_str(), now)
            .max(limits.lookup_client.retry_after(client, now));
        return Ok(Err(LookupError::Throttled { retry_after }));
    }
    let record = state.store.petition_by_tracking_number(tn.as_str()).await?;
    // Hash even when there is no such petition, so timing says nothing either.
    let candidate = AccessCode::parse(code)
        .map(|c| access_code_hash(state, &tn, &c))
        .unwrap_or_default();
    Ok(match record {
        Some(r) if hashes_match(&candidate, &r.access_code_hash) => Ok(r),
        _ => {
            limits.lookup_number.hit(tn.as_str(), now);
            limits.lookup_client.hit(client, now);
            Err(LookupError::NoMatch)
        }
    })
}
