//! The acts beside the workflow on a petition's page: a file's download
//! (audited), linking the same matter (重复信访), a legal hold, and
//! publishing the redacted answer (答复公开).

use super::actions::settle;
use super::*;
use crate::app::handling;
use crate::app::records;
use crate::web::session::{CurrentStaff, verify_csrf};
use crate::web::{AppError, AppState, Lang};
use actix_session::Session;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

#[derive(Deserialize)]
pub struct FileQuery {
    #[serde(default)]
    inline: Option<String>,
}

/// An evidence file for staff in scope; each read is an audit entry.
pub async fn file(
    state: web::Data<AppState>,
    CurrentStaff(staff): CurrentStaff,
    path: web::Path<(String, i32)>,
    query: web::Query<FileQuery>,
) -> Result<HttpResponse, AppError> {
    let (tn, id) = path.into_inner();
    let (file, bytes) = records::staff_file(&state.app, &staff, &tn, id).await?;
    let inline = query.inline.is_some() && is_inline_image(&file.mime);
    Ok(crate::web::evidence::response(&file, bytes, inline))
}

#[derive(Debug, Default, Deserialize)]
pub struct SameMatterForm {
    #[serde(default)]
    csrf_token: String,
    /// `merge` or `link`.
    #[serde(default)]
    r#do: String,
    #[serde(default)]
    version: String,
    /// A suggested petition's number, or `other` for `target_other`.
    #[serde(default)]
    target: String,
    #[serde(default)]
    target_other: String,
    #[serde(default)]
    text: String,
    /// `yes` once the merge's own confirmation page was seen.
    #[serde(default)]
    confirm: String,
}

/// 重复信访: merges this petition into an earlier one (after a page that
/// names both and asks), or links the two as one matter.
pub async fn same_matter(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    lang: Lang,
    CurrentStaff(staff): CurrentStaff,
    tn: web::Path<String>,
    form: web::Form<SameMatterForm>,
) -> Result<HttpResponse, AppError> {
    verify_csrf(&session, &form.csrf_token)?;
    let target = match form.target.trim() {
        "" | "other" => form.target_other.trim(),
        chosen => chosen,
    };
    if form.r#do == "merge" && form.confirm != "yes" {
        return super::actions::confirm_merge(
            &state,
            &req,
            &session,
            lang,
            staff,
            &tn,
            super::actions::MergeInput {
                target: target.to_owned(),
                text: form.text.clone(),
                version: form.version.clone(),
            },
        )
        .await;
    }
    let done = match form.r#do.as_str() {
        "merge" => crate::app::duplicates::merge(
            &state.app,
            &staff,
            &tn,
            target,
            &form.text,
            form.version.trim().parse().ok(),
        )
        .await
        .map(|_| ()),
        "link" => crate::app::duplicates::link(&state.app, &staff, &tn, target, &form.text).await,
        _ => Err(crate::app::Error::Invalid("error-choose-one")),
    };
    let back = format!(
        "/staff/petitions/{}?done={}",
        records::canonical_number(&tn),
        if form.r#do == "merge" {
            "merge"
        } else {
            "link"
        }
    );
    settle(
        &state,
        &req,
        &session,
        lang,
        staff,
        &tn,
        done,
        &back,
        Shown::default(),
    )
    .await
}

#[derive(Debug, Default, Deserialize)]
pub struct HoldForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    hold_reason: String,
    /// `on` to lift the hold.
    #[serde(default)]
    lift: String,
}

/// A legal hold placed or lifted (retention waits while one lasts).
pub async fn hold(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    lang: Lang,
    CurrentStaff(staff): CurrentStaff,
    tn: web::Path<String>,
    form: web::Form<HoldForm>,
) -> Result<HttpResponse, AppError> {
    verify_csrf(&session, &form.csrf_token)?;
    let reason = (form.lift != "on").then_some(form.hold_reason.as_str());
    let done = crate::app::retention::set_hold(&state.app, &staff, &tn, reason).await;
    let back = format!(
        "/staff/petitions/{}?done={}#hold-h",
        records::canonical_number(&tn),
        if reason.is_some() {
            "hold"
        } else {
            "lift_hold"
        }
    );
    settle(
        &state,
        &req,
        &session,
        lang,
        staff,
        &tn,
        done,
        &back,
        Shown::default(),
    )
    .await
}

#[derive(Debug, Default, Deserialize)]
pub struct PublishForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    public_title: String,
    #[serde(default)]
    public_answer: String,
}

/// 答复公开: a supervisor publishes the redacted answer; errors keep what was typed.
pub async fn publish(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    lang: Lang,
    CurrentStaff(staff): CurrentStaff,
    tn: web::Path<String>,
    form: web::Form<PublishForm>,
) -> Result<HttpResponse, AppError> {
    verify_csrf(&session, &form.csrf_token)?;
    let done = handling::publish_answer(
        &state.app,
        &staff,
        &tn,
        &form.public_title,
        &form.public_answer,
    )
    .await;
    let back = format!(
        "/staff/petitions/{}?done=publish",
        records::canonical_number(&tn)
    );
    let kept = Shown {
        publish_input: Some((form.public_title.clone(), form.public_answer.clone())),
        ..Shown::default()
    };
    settle(&state, &req, &session, lang, staff, &tn, done, &back, kept).await
}
