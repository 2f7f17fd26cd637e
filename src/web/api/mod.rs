//! The JSON API under `/api/v1/`, described by `openapi.json`.

pub mod agencies;
pub mod cases;
pub mod health;
pub mod openapi;
pub mod oversight;
pub mod petitions;
pub mod procedures;
pub mod search;
pub mod staff;
pub mod statistics;
pub mod supervision;

use actix_web::web::{self, ServiceConfig, get, post, resource};

/// The JSON API's routes under `/api/v1/`, and `/healthz`.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.route("/healthz", get().to(health::healthz))
        .route("/api/v1/openapi.json", get().to(openapi::document))
        .route("/api/v1/agencies", get().to(agencies::list))
        .route("/api/v1/procedures", get().to(procedures::list))
        .route("/api/v1/procedures/{id}", get().to(procedures::show))
        .route("/api/v1/search", get().to(search::search))
        .route("/api/v1/statistics", get().to(statistics::statistics))
        .route("/api/v1/statistics/ranking", get().to(statistics::ranking))
        .route("/api/v1/captcha", get().to(petitions::captcha))
        .route("/api/v1/petitions", post().to(petitions::create))
        .route("/api/v1/petitions/{tn}", get().to(petitions::show))
        .route(
            "/api/v1/petitions/{tn}/messages",
            post().to(petitions::message),
        )
        .service(
            resource("/api/v1/petitions/{tn}/evidence")
                .app_data(web::PayloadConfig::new(crate::web::multipart::MAX_BODY))
                .route(post().to(petitions::evidence)),
        )
        .route(
            "/api/v1/petitions/{tn}/actions",
            post().to(staff::petitioner_action),
        )
        .route("/api/v1/cases/{case_number}", get().to(cases::show))
        .route("/api/v1/auth/token", post().to(staff::token))
        .route("/api/v1/staff/petitions", get().to(staff::list))
        .route("/api/v1/staff/petitions/{tn}", get().to(staff::show))
        .route(
            "/api/v1/staff/petitions/{tn}/actions",
            post().to(staff::action),
        )
        .route(
            "/api/v1/staff/petitions/{tn}/duplicates",
            get().to(staff::duplicates),
        )
        .route("/api/v1/staff/petitions/{tn}/links", post().to(staff::link))
        .route("/api/v1/staff/oversight", get().to(oversight::overview))
        .route("/api/v1/staff/oversight/list", get().to(oversight::list))
        .route(
            "/api/v1/staff/oversight/ranking",
            get().to(oversight::ranking),
        )
        .route(
            "/api/v1/staff/oversight/exceptions",
            get().to(supervision::exceptions),
        )
        .route(
            "/api/v1/staff/supervision-orders",
            get().to(supervision::orders),
        )
        .route(
            "/api/v1/staff/supervision-orders",
            post().to(supervision::issue),
        )
        .route(
            "/api/v1/staff/supervision-orders/{id}",
            get().to(supervision::order),
        )
        .route(
            "/api/v1/staff/supervision-orders/{id}/reply",
            post().to(supervision::reply),
        )
        .route(
            "/api/v1/staff/supervision-orders/{id}/withdraw",
            post().to(supervision::withdraw),
        )
        .route(
            "/api/v1/staff/oversight/evaluation",
            get().to(oversight::evaluation),
        )
        .route(
            "/api/v1/staff/oversight/officers/{id}",
            get().to(oversight::officer),
        )
        .route(
            "/api/v1/staff/oversight/bulletins",
            get().to(oversight::bulletins),
        )
        .route(
            "/api/v1/staff/oversight/bulletins/{id}",
            get().to(oversight::bulletin),
        );
}
