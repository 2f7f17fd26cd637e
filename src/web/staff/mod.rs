//! The staff console. Every page here takes `CurrentStaff`, so an anonymous
//! request is redirected to the login page before a handler runs.

pub mod account;
pub mod accounts;
pub mod cases;
pub mod login;
pub mod oversight;
pub mod petitions;
pub mod procedures;
pub mod queue;
pub mod register;
pub mod search;
pub mod supervision;
pub mod work;

use actix_web::web::{ServiceConfig, get, post};

/// The staff console's routes, all under `/staff`.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.route("/staff", get().to(work::dashboard))
        .route("/staff/login", get().to(login::show))
        .route("/staff/login", post().to(login::submit))
        .route("/staff/logout", post().to(login::logout))
        .route("/staff/login/second-factor", get().to(login::second_factor))
        .route(
            "/staff/login/second-factor",
            post().to(login::second_factor_submit),
        )
        .route("/staff/reset/{token}", get().to(login::reset))
        .route("/staff/reset/{token}", post().to(login::reset_submit))
        .route("/staff/account", get().to(account::show))
        .route("/staff/account/password", post().to(account::password))
        .route("/staff/account/second-factor", get().to(account::enrol))
        .route(
            "/staff/account/second-factor",
            post().to(account::enrol_submit),
        )
        .route(
            "/staff/account/recovery-codes",
            post().to(account::recovery_codes),
        )
        .route(
            "/staff/account/sessions/{id}/revoke",
            post().to(account::revoke),
        )
        .route("/staff/accounts", get().to(accounts::list))
        .route("/staff/accounts", post().to(accounts::create))
        .route("/staff/accounts/{id}/role", post().to(accounts::role))
        .route("/staff/accounts/{id}/active", post().to(accounts::active))
        .route("/staff/accounts/{id}/reset", post().to(accounts::reset))
        .route(
            "/staff/accounts/{id}/sessions/{sid}/revoke",
            post().to(accounts::revoke),
        )
        .route("/staff/register", get().to(register::new))
        .route("/staff/register", post().to(register::create))
        .route("/staff/register/receipt", get().to(register::receipt))
        .route("/staff/register/receipt/done", post().to(register::done))
        .route("/staff/petitions", get().to(work::queue))
        .route("/staff/petitions/go", get().to(work::go))
        .route("/staff/petitions/bulk", post().to(work::bulk))
        .route("/staff/petitions/{tn}", get().to(petitions::show))
        .route("/staff/petitions/{tn}/actions", post().to(petitions::act))
        .route(
            "/staff/petitions/{tn}/draft-template",
            post().to(petitions::draft_template),
        )
        .route(
            "/staff/petitions/{tn}/draft-save",
            post().to(petitions::save_draft),
        )
        .route(
            "/staff/petitions/{tn}/files/{id}",
            get().to(petitions::file),
        )
        .route(
            "/staff/petitions/{tn}/publish",
            post().to(petitions::publish),
        )
        .route("/staff/petitions/{tn}/hold", post().to(petitions::hold))
        .route(
            "/staff/petitions/{tn}/same-matter",
            post().to(petitions::same_matter),
        )
        .route("/staff/search", get().to(search::page))
        .route("/staff/queue", get().to(queue::page))
        .route("/staff/queue/retry", post().to(queue::retry))
        .route("/staff/oversight", get().to(oversight::overview))
        .route("/staff/oversight/list", get().to(oversight::list))
        .route(
            "/staff/oversight/exceptions",
            get().to(oversight::exceptions),
        )
        .route("/staff/oversight/ranking", get().to(oversight::ranking))
        .route(
            "/staff/oversight/petitions/{tn}/order",
            post().to(supervision::issue),
        )
        .route(
            "/staff/oversight/agencies/{id}/order",
            post().to(supervision::issue_on_backlog),
        )
        .route("/staff/supervision", get().to(supervision::orders))
        .route("/staff/supervision/{id}", get().to(supervision::order))
        .route(
            "/staff/supervision/{id}/reply",
            post().to(supervision::reply),
        )
        .route(
            "/staff/supervision/{id}/withdraw",
            post().to(supervision::withdraw),
        )
        .route(
            "/staff/oversight/petitions/{tn}",
            get().to(oversight::petition),
        )
        .route("/staff/evaluation", get().to(oversight::evaluation))
        .route("/staff/evaluation/method", get().to(oversight::method))
        .route("/staff/officers/{id}", get().to(oversight::record))
        .route(
            "/staff/officers/{id}/record.csv",
            get().to(oversight::record_csv),
        )
        .route("/staff/bulletins", get().to(oversight::bulletins))
        .route("/staff/bulletins/{id}", get().to(oversight::bulletin))
        .route("/staff/cases", get().to(cases::list))
        .route("/staff/cases", post().to(cases::create))
        .route("/staff/cases/new", get().to(cases::new))
        .route("/staff/cases/{id}", get().to(cases::show))
        .route(
            "/staff/cases/{id}/milestones",
            post().to(cases::add_milestone),
        )
        .route("/staff/procedures", get().to(procedures::list))
        .route("/staff/procedures", post().to(procedures::create))
        .route("/staff/procedures/new", get().to(procedures::new))
        .route("/staff/procedures/{id}/edit", get().to(procedures::edit))
        .route("/staff/procedures/{id}/edit", post().to(procedures::update))
        .route(
            "/staff/procedures/{id}/withdraw",
            post().to(procedures::withdraw),
        )
        .route(
            "/staff/procedures/{id}/restore",
            post().to(procedures::restore),
        );
}

/// An audited act in words (`act-*`); an act the portal has no words for
/// yet is shown as recorded.
pub fn act_label(lang: crate::web::Lang, action: &str) -> String {
    let key = format!("act-{action}");
    let label = lang.t(&key);
    if label.contains("Unknown localization key") || label == key {
        action.to_owned()
    } else {
        label
    }
}

/// An audit entry of a petition as its pages show it: the actor named, the
/// act in words, the hashes for a "details" disclosure.
#[derive(serde::Serialize)]
pub struct AuditView {
    id: i64,
    at: String,
    /// As recorded (`staff:81`, `system`, `petitioner`).
    actor: String,
    /// The staff member's id, for a link to their record.
    staff_id: Option<String>,
    by: Option<crate::domain::staff::Named>,
    /// As recorded (`assign`), and in words.
    action: String,
    label: String,
    hash: String,
    prev_hash: String,
}

pub fn audit_views(
    lang: crate::web::Lang,
    rows: Vec<crate::app::records::AuditRow>,
) -> Vec<AuditView> {
    rows.into_iter()
        .map(|r| AuditView {
            label: act_label(lang, &r.entry.action),
            staff_id: r.entry.actor.strip_prefix("staff:").map(str::to_owned),
            id: r.entry.id,
            at: r.entry.at,
            actor: r.entry.actor,
            by: r.by,
            action: r.entry.action,
            hash: r.entry.hash,
            prev_hash: r.entry.prev_hash,
        })
        .collect()
}
