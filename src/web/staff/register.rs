//! 登记: a clerk registers a petition received at the counter (来访), by
//! letter (来信) or by phone (来电), then prints the receipt for the visitor
//! or posts it. The receipt is reached by redirect and kept in the clerk's
//! (encrypted) session until they say it was handed over, so a refresh never
//! re-registers and the access code is not lost.

use crate::app::filing;
use crate::domain::FieldErrors;
use crate::domain::petition::{Channel, PetitionCategory, PetitionInput, PetitionKind};
use crate::render::Layout;
use crate::store::petitions::DeadlineView;
use crate::store::staff::StaffMember;
use crate::web::session::{CurrentStaff, csrf_token, verify_csrf};
use crate::web::{AppError, AppState, Lang, html, see_other};
use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The session key of the receipt waiting to be handed over.
const RECEIPT: &str = "registered_receipt";

#[derive(Debug, Default, Clone, Deserialize, Serialize)]
pub struct RegisterForm {
    #[serde(default, skip_serializing)]
    csrf_token: String,
    #[serde(default)]
    channel: String,
    #[serde(default)]
    received_on: String,
    /// The language the petitioner reads (their mail is written in it).
    #[serde(default)]
    petitioner_lang: String,
    #[serde(flatten)]
    input: PetitionInput,
}

#[derive(Serialize)]
struct FormPage<'a> {
    layout: Layout,
    staff: StaffMember,
    csrf_token: String,
    form: &'a RegisterForm,
    errors: BTreeMap<&'static str, &'static str>,
    channels: Vec<&'static str>,
    kinds: Vec<&'static str>,
    categories: Vec<&'static str>,
    today: String,
    oldest: String,
}

#[allow(clippy::too_many_arguments)]
async fn form_page(
    state: &AppState,
    req: &HttpRequest,
    session: &Session,
    lang: Lang,
    status: StatusCode,
    staff: StaffMember,
    form: &RegisterForm,
    errors: FieldErrors,
) -> Result<HttpResponse, AppError> {
    let today = crate::app::today();
    let page = FormPage {
        layout: crate::web::layout(req, lang),
        csrf_token: csrf_token(session)?,
        staff,
        form,
        errors: errors.iter().collect(),
        channels: Channel::REGISTERED.map(Channel::as_str).to_vec(),
        kinds: PetitionKind::ALL.map(PetitionKind::as_str).to_vec(),
        categories: PetitionCategory::ALL.iter().map(|c| c.as_str()).collect(),
        today: today.to_string(),
        oldest: (today - chrono::Days::new(crate::domain::petition::BACKDATE_DAYS.unsigned_abs()))
            .to_string(),
    };
    Ok(html(status, state.render("staff/register.html", &page)?))
}

/// The registration form, the channel and today's date chosen.
pub async fn new(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    lang: Lang,
    CurrentStaff(staff): CurrentStaff,
) -> Result<HttpResponse, AppError> {
    if !crate::domain::access::may_register(staff.role) {
        return Err(AppError::Forbidden);
    }
    let form = RegisterForm {
        channel: "counter".to_owned(),
        received_on: crate::app::today().to_string(),
        petitioner_lang: "zh-CN".to_owned(),
        input: PetitionInput {
            kind: "complaint".to_owned(),
            ..PetitionInput::default()
        },
        ..RegisterForm::default()
    };
    form_page(
        &state,
        &req,
        &session,
        lang,
        StatusCode::OK,
        staff,
        &form,
        FieldErrors::new(),
    )
    .await
}

#[derive(Serialize, Deserialize)]
struct Handed {
    tracking_number: String,
    access_code: String,
}

/// Registers it; errors come back beside the fields with everything typed.
pub async fn create(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    lang: Lang,
    CurrentStaff(staff): CurrentStaff,
    form: web::Form<RegisterForm>,
) -> Result<HttpResponse, AppError> {
    verify_csrf(&session, &form.csrf_token)?;
    let petitioner_lang = if form.petitioner_lang == "en" {
        "en"
    } else {
        "zh-CN"
    };
    match filing::register(
        &state.app,
        &staff,
        &form.input,
        &form.channel,
        &form.received_on,
        petitioner_lang,
    )
    .await
    {
        Ok(receipt) => {
            session
                .insert(
                    RECEIPT,
                    Handed {
                        tracking_number: receipt.tracking_number.as_str().to_owned(),
                        access_code: receipt.access_code.display(),
                    },
                )
                .map_err(|e| AppError::Internal(anyhow::anyhow!("session: {e}")))?;
            Ok(see_other("/staff/register/receipt"))
        }
        Err(crate::app::Error::Fields(errors)) => {
            form_page(
                &state,
                &req,
                &session,
                lang,
                StatusCode::UNPROCESSABLE_ENTITY,
                staff,
                &form,
                errors,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Serialize)]
struct ReceiptPage {
    layout: Layout,
    staff: StaffMember,
    csrf_token: String,
    tracking_number: String,
    access_code: String,
    petition: crate::store::petitions::Petition,
    agency: crate::store::agencies::Agency,
    deadlines: Vec<DeadlineView>,
    registered_by: String,
    /// Where the visitor follows it, as this site is reached.
    track_url: String,
}

/// The receipt to print for the visitor (or post), until it is handed over.
pub async fn receipt(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    lang: Lang,
    CurrentStaff(staff): CurrentStaff,
) -> Result<HttpResponse, AppError> {
    let Some(handed) = session
        .get::<Handed>(RECEIPT)
        .map_err(|e| AppError::Internal(anyhow::anyhow!("session: {e}")))?
    else {
        return Ok(see_other("/staff/register"));
    };
    let filing::ReceiptFacts {
        petition,
        agency,
        deadlines,
        ..
    } = filing::registered(&state.app, &staff, &handed.tracking_number).await?;
    let page = ReceiptPage {
        layout: crate::web::layout(&req, lang),
        csrf_token: csrf_token(&session)?,
        tracking_number: petition.display_number(),
        access_code: handed.access_code,
        registered_by: staff.name.clone(),
        track_url: {
            let info = req.connection_info();
            format!("{}://{}/track", info.scheme(), info.host())
        },
        petition,
        agency,
        deadlines,
        staff,
    };
    Ok(html(
        StatusCode::OK,
        state.render("staff/register_receipt.html", &page)?,
    ))
}

#[derive(Deserialize)]
pub struct DoneForm {
    #[serde(default)]
    csrf_token: String,
}

/// The receipt was handed over or posted: the access code leaves the session.
pub async fn done(
    session: Session,
    _staff: CurrentStaff,
    form: web::Form<DoneForm>,
) -> Result<HttpResponse, AppError> {
    verify_csrf(&session, &form.csrf_token)?;
    let handed = session.remove_as::<Handed>(RECEIPT).and_then(Result::ok);
    Ok(see_other(&match handed {
        Some(h) => format!(
            "/staff/petitions/{}",
            crate::app::records::canonical_number(&h.tracking_number)
        ),
        None => "/staff".to_owned(),
    }))
}
