//! 受理 front door: how a petition gets in — captcha, honeypot, rate limits,
//! routing, evidence, deadlines, one transaction. The HTML form and the JSON
//! API both call [`submit`], so both follow the same rules.

use super::limits::{
    CAPTCHA_CLIENT_LIMIT, CLIENT_HARD_LIMIT, CLIENT_SOFT_LIMIT, CONTACT_SOFT_LIMIT,
    QUESTION_CLIENT_LIMIT, access_code_hash, hashes_match,
};
use super::uploads::{Upload, store_uploads};
use super::{App, Error, Result};
use crate::domain::FieldErrors;
use crate::domain::agency::AgencyType;
use crate::domain::clock::{ClockRules, ClockStart, Deadline, china_date, deadlines_starting};
use crate::domain::codes::{AccessCode, TrackingNumber};
use crate::domain::petition::{AgencyChoice, Complainant, PetitionDraft, PetitionInput};
use crate::domain::workflow::State;
use crate::store::agencies::Agency;
use crate::store::petitions::{NewPetition, Petition};
use chrono::Utc;

/// The captcha part of a form: the challenge's id and either answer.
#[derive(Debug, Default, Clone, serde::Deserialize)]
pub struct CaptchaAnswer {
    #[serde(default)]
    pub captcha_id: String,
    #[serde(default)]
    pub captcha_answer: String,
    #[serde(default)]
    pub captcha_question_answer: String,
    /// The proof of work's nonce (`static/pow.js` fills it in).
    #[serde(default)]
    pub captcha_pow: String,
}

/// How a challenge was passed. Only the text question is weak (a script
/// answers it): it is limited per client and what it lets in is held for review.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Passed {
    /// The captcha is switched off (local testing).
    Off,
    Work,
    Image,
    Question,
}

/// What a successful filing gives back, once everything is committed.
pub struct Receipt {
    pub petition: Petition,
    pub tracking_number: TrackingNumber,
    pub access_code: AccessCode,
    pub deadlines: Vec<Deadline>,
    pub agency: Agency,
}

/// The form a petition's captcha belongs to.
pub const CAPTCHA_FORM: &str = "petition";

/// A new challenge for `form`: its id and its accessible question in both languages.
pub struct Challenge {
    pub id: String,
    pub question_zh: String,
    pub question_en: String,
}

/// Makes a new challenge for `form`, for `client` (at most
/// [`CAPTCHA_CLIENT_LIMIT`] in 15 minutes: each challenge is a stored row).
pub async fn new_captcha(app: &App, form: &str, client: &str) -> Result<Challenge> {
    if app.rate_limits_on {
        let hit = app
            .limits
            .captcha_client
            .hit(client, crate::antiabuse::limits::now_ms())
            .await?;
        if hit.count > CAPTCHA_CLIENT_LIMIT {
            return Err(Error::Throttled {
                retry_after: hit.retry_after,
            });
        }
    }
    let challenge = tokio::task::spawn_blocking(crate::antiabuse::captcha::generate)
        .await
        .map_err(Error::internal)?
        .ok_or_else(|| Error::internal(anyhow::anyhow!("captcha image could not be drawn")))?;
    let mut rng = super::os_rng();
    let id = AccessCode::generate(&mut rng).as_str().to_owned()
        + AccessCode::generate(&mut rng).as_str();
    let now = Utc::now().timestamp_millis();
    app.store
        .insert_captcha(
            crate::store::captchas::NewCaptcha {
                id: &id,
                form,
                answer_hash: app.hex_hash(
                    "captcha",
                    &crate::antiabuse::captcha::normalise_answer(&challenge.answer),
                ),
                question_answer_hash: app.hex_hash("captcha", &challenge.question_answer),
                question_zh: &challenge.question_zh,
                question_en: &challenge.question_en,
                image_png: challenge.png,
                expires_at_ms: now + crate::antiabuse::captcha::LIFETIME_MS,
            },
            now,
        )
        .await?;
    Ok(Challenge {
        id,
        question_zh: challenge.question_zh,
        question_en: challenge.question_en,
    })
}

/// The image of a live challenge.
pub async fn captcha_image(app: &App, id: &str) -> Result<Vec<u8>> {
    app.store
        .captcha_image(id, Utc::now().timestamp_millis())
        .await?
        .ok_or(Error::NotFound)
}

/// Consumes the challenge and checks its answers: the proof of work, the
/// image, the question — the first that holds. The question passes at most
/// [`QUESTION_CLIENT_LIMIT`] times an hour per client (then `Throttled`).
/// Always passes when the captcha is switched off (local testing only).
pub async fn check_captcha(
    app: &App,
    form: &str,
    answer: &CaptchaAnswer,
    client: &str,
) -> Result<Passed> {
    if !app.captcha_on {
        return Ok(Passed::Off);
    }
    let now = Utc::now().timestamp_millis();
    let id = answer.captcha_id.trim();
    let Some(stored) = app.store.consume_captcha(id, form, now).await? else {
        return Err(Error::Captcha);
    };
    if crate::antiabuse::pow::verify(id, answer.captcha_pow.trim(), crate::antiabuse::pow::BITS) {
        return Ok(Passed::Work);
    }
    let image = crate::antiabuse::captcha::normalise_answer(&answer.captcha_answer);
    let question = crate::antiabuse::captcha::normalise_answer(&answer.captcha_question_answer);
    if !image.is_empty() && hashes_match(&app.hex_hash("captcha", &image), &stored.answer_hash) {
        return Ok(Passed::Image);
    }
    if question.is_empty()
        || !hashes_match(
            &app.hex_hash("captcha", &question),
            &stored.question_answer_hash,
        )
    {
        return Err(Error::Captcha);
    }
    if app.rate_limits_on {
        let hit = app
            .limits
            .question_client
            .hit(client, crate::antiabuse::limits::now_ms())
            .await?;
        if hit.count > QUESTION_CLIENT_LIMIT {
            return Err(Error::Throttled {
                retry_after: hit.retry_after,
            });
        }
    }
    Ok(Passed::Question)
}

/// Where a "not sure" petition of `category` goes: the highest body of the
/// kind that handles such matters (its petition office forwards it to the body
/// with jurisdiction within the acceptance clock). The form and the receipt say so.
pub fn unsure_destination(
    agencies: &[Agency],
    category: crate::domain::petition::PetitionCategory,
) -> Option<&Agency> {
    top_agency_of_type(agencies, category.suggested_agency_type())
}

/// The agency a "not sure" petition goes to: the highest body of the suggested type.
async fn route(app: &App, choice: AgencyChoice) -> Result<Option<Agency>> {
    Ok(match choice {
        AgencyChoice::Chosen(id) => match app.store.agency(id).await {
            Ok(a) => Some(a),
            Err(crate::store::StoreError::NotFound) => None,
            Err(e) => return Err(e.into()),
        },
        AgencyChoice::Unsure(t) => top_agency_of_type(&app.store.agencies().await?, t).cloned(),
    })
}

fn top_agency_of_type(agencies: &[Agency], t: AgencyType) -> Option<&Agency> {
    agencies
        .iter()
        .filter(|a| a.agency_type == t)
        .min_by_key(|a| (a.level as u8, a.id))
}

/// Who files: a citizen through the site or the JSON API (the honeypot and
/// the per-client and per-contact limits apply), or an Open311 partner on a
/// citizen's behalf (its key was checked and its own rate limit counted).
pub enum Channel<'a> {
    Public {
        honeypot: &'a str,
        client: &'a str,
        /// How its challenge was passed ([`check_captcha`]).
        passed: Passed,
    },
    Partner(i32),
    /// Registered by a clerk for a petitioner at the counter (来访), from a
    /// letter (来信) or a call (来电): received on `received_on` (a letter's
    /// day of arrival counts for the clocks), the clerk named in the audit
    /// trail. No captcha or limits: the clerk is signed in and accountable.
    Registered {
        staff: &'a crate::store::staff::StaffMember,
        via: crate::domain::petition::Channel,
        received_on: chrono::NaiveDate,
    },
}

/// 登记 — a clerk registers a petition received at the counter, by letter or
/// by phone, for their own agency (one that belongs elsewhere is then
/// transferred as any other). `received_on` is the form's text (empty: today).
pub async fn register(
    app: &App,
    staff: &crate::store::staff::StaffMember,
    input: &PetitionInput,
    via: &str,
    received_on: &str,
    lang: &str,
) -> Result<Receipt> {
    use crate::domain::petition::{Channel as Via, receipt_day};
    if !crate::domain::access::may_register(staff.role) {
        return Err(Error::Forbidden);
    }
    let mut errors = FieldErrors::new();
    let via = Via::parse(via).filter(|v| Via::REGISTERED.contains(v));
    if via.is_none() {
        errors.add("channel", "error-choose-one");
    }
    let given = match received_on.trim() {
        "" => Ok(None),
        text => chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
            .map(Some)
            .map_err(|_| "error-date"),
    };
    let day = given.and_then(|d| receipt_day(d, super::today()));
    if let Err(key) = day {
        errors.add("received_on", key);
    }
    let mut input = input.clone();
    input.agency = staff.agency_id.to_string();
    if let Err(draft_errors) = PetitionDraft::parse(&input) {
        for (field, key) in draft_errors.iter() {
            errors.add(field, key);
        }
    }
    let (Some(via), Ok(received_on), true) = (via, day, errors.is_empty()) else {
        return Err(Error::Fields(errors));
    };
    submit(
        app,
        &input,
        Vec::new(),
        Channel::Registered {
            staff,
            via,
            received_on,
        },
        lang,
    )
    .await
}

/// What a receipt shows of a petition filed or registered: where it went,
/// its clocks with their citations, and the files that came with it.
#[derive(Clone)]
pub struct ReceiptFacts {
    pub petition: Petition,
    pub agency: Agency,
    pub deadlines: Vec<crate::store::petitions::DeadlineView>,
    pub files: Vec<crate::store::petitions::EvidenceFile>,
}

async fn receipt_facts(app: &App, petition: Petition) -> Result<ReceiptFacts> {
    let deadlines = app.store.petition_deadlines(petition.id).await?;
    let agency = app.store.agency(petition.agency_id).await?;
    let files = app.store.petition_files(petition.id).await?;
    Ok(ReceiptFacts {
        petition,
        agency,
        deadlines,
        files,
    })
}

/// The receipt of a petition registered by staff, in the caller's scope.
pub async fn registered(
    app: &App,
    staff: &crate::store::staff::StaffMember,
    tracking_number: &str,
) -> Result<ReceiptFacts> {
    let petition = super::records::visible_petition(app, staff, tracking_number).await?;
    receipt_facts(app, petition).await
}

/// The receipt of a petition this browser session filed: the session that
/// holds its number is the grant (it was written by the filing itself).
pub async fn filed(app: &App, tracking_number: &str) -> Result<ReceiptFacts> {
    let petition = app
        .store
        .petition_by_tracking_number(tracking_number)
        .await?
        .ok_or(Error::NotFound)?;
    receipt_facts(app, petition).await
}

/// Whether `client` may send a submission at all (over the hourly hard limit
/// it may not): asked before the form's body is read, so a client that
/// would be refused costs neither the upload nor the checks. Counts nothing.
pub async fn admit(app: &App, client: &str) -> Result<()> {
    if !app.rate_limits_on {
        return Ok(());
    }
    let now = crate::antiabuse::limits::now_ms();
    let seen = app.limits.submit_client.peek(client, now).await?;
    if seen.count >= CLIENT_HARD_LIMIT {
        return Err(Error::Throttled {
            retry_after: seen.retry_after,
        });
    }
    Ok(())
}

/// Anti-abuse: over the hard limit is refused; what looks like abuse — a
/// honeypot filled, too many filings from one client or one contact, a
/// challenge passed by the text question alone — is held for review (the
/// reason returned), never dropped.
async fn screen(app: &App, draft: &PetitionDraft, channel: &Channel<'_>) -> Result<Option<String>> {
    let mut quarantine: Option<String> = None;
    let (honeypot, client) = match *channel {
        Channel::Public {
            honeypot,
            client,
            passed,
        } => {
            if passed == Passed::Question {
                quarantine = Some(
                    "challenge passed by the text question only (no image, no proof of work)"
                        .to_owned(),
                );
            }
            (honeypot, Some(client))
        }
        Channel::Partner(_) | Channel::Registered { .. } => ("", None),
    };
    if !honeypot.trim().is_empty() {
        quarantine = Some("honeypot field filled".to_owned());
    }
    if app.rate_limits_on
        && let Some(client) = client
    {
        let now = crate::antiabuse::limits::now_ms();
        let hit = app.limits.submit_client.hit(client, now).await?;
        let n = hit.count;
        if n > CLIENT_HARD_LIMIT {
            return Err(Error::Throttled {
                retry_after: hit.retry_after,
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
                let n = app.limits.submit_contact.hit(&contact, now).await?.count;
                if n > CONTACT_SOFT_LIMIT {
                    quarantine.get_or_insert_with(|| {
                        format!("{n} submissions with one contact within a day")
                    });
                }
            }
        }
    }
    Ok(quarantine)
}

/// Files a petition from any channel. Everything the receipt promises is
/// committed before this returns. `lang` is the petitioner's language tag
/// (mail is written in it).
pub async fn submit(
    app: &App,
    input: &PetitionInput,
    uploads: Vec<Upload>,
    channel: Channel<'_>,
    lang: &str,
) -> Result<Receipt> {
    let draft = PetitionDraft::parse(input).map_err(Error::Fields)?;
    let Some(agency) = route(app, draft.agency).await? else {
        let mut e = FieldErrors::new();
        e.add("agency", "error-choose-one");
        return Err(Error::Fields(e));
    };

    let quarantine = screen(app, &draft, &channel).await?;
    let via_partner = match channel {
        Channel::Partner(id) => Some(id),
        _ => None,
    };
    let (via, registered_by, received_on) = match channel {
        Channel::Registered {
            staff,
            via,
            received_on,
        } => (via, Some((staff.id, staff.actor())), Some(received_on)),
        _ => (crate::domain::petition::Channel::Online, None, None),
    };

    let files = store_uploads(app, uploads).await?;
    // A letter that arrived on an earlier day was received that day, at the
    // start of office hours (09:00 China time), for the clocks and the register.
    let received_at = match received_on {
        Some(day) if day != china_date(Utc::now()) => day
            .and_hms_opt(1, 0, 0)
            .map_or_else(Utc::now, |t| t.and_utc()),
        _ => Utc::now(),
    };
    let calendar = app.store.calendar().await?;
    let deadlines = deadlines_starting(
        ClockRules::official(),
        &calendar,
        ClockStart::Received,
        draft.kind.as_str(),
        agency.agency_type.as_str(),
        china_date(received_at),
    );
    let status = if quarantine.is_some() {
        State::Quarantined
    } else {
        State::Received
    };
    let keys = super::duplicates::keys_of_draft(&app.secret, &draft);
    let mut rng = super::os_rng();
    for _ in 0..5 {
        let tracking_number =
            TrackingNumber::generate(chrono::Datelike::year(&china_date(received_at)), &mut rng);
        let access_code = AccessCode::generate(&mut rng);
        let created = app
            .store
            .create_petition(NewPetition {
                draft: &draft,
                agency_id: agency.id,
                tracking_number: tracking_number.as_str(),
                access_code_hash: access_code_hash(app, &tracking_number, &access_code),
                lang,
                status,
                quarantine_reason: quarantine.clone(),
                received_at,
                deadlines: &deadlines,
                files: &files,
                via_partner,
                keys: &keys,
                channel: via,
                registered_by: registered_by.clone(),
            })
            .await?;
        if let Some(petition) = created {
            if let Some(reason) = &quarantine {
                tracing::warn!(petition.id = %petition.id, reason = %reason, "petition held for review as suspected abuse");
            }
            tracing::info!(
                petition.id = %petition.id,
                petition.kind = petition.kind.as_str(),
                agency.id = %agency.id,
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
    Err(Error::internal(anyhow::anyhow!(
        "no free tracking number after 5 draws"
    )))
}
