use crate::jobs::{self, QueueStats};
use crate::web::AppState;
use actix_web::{HttpResponse, web};
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
pub struct Health {
    /// `ok` when every part works, `degraded` otherwise.
    pub status: &'static str,
    /// `ok` or `error`.
    pub database: &'static str,
    /// The search engine's state; `none` until an engine is configured.
    pub search: &'static str,
    /// The job queue; absent when the database cannot be read.
    pub queue: Option<QueueStats>,
}

/// The state of the database, search engine and job queue.
#[utoipa::path(get, path = "/healthz", tag = "health",
    responses((status = 200, description = "All parts work", body = Health),
               (status = 503, description = "A part is down", body = Health)))]
pub async fn healthz(state: web::Data<AppState>) -> HttpResponse {
    let database_ok = state.store.ping().await.is_ok();
    let queue = if database_ok {
        jobs::stats(&state.store).await.ok()
    } else {
        None
    };
    let healthy = database_ok && queue.is_some();
    let body = Health {
        status: if healthy { "ok" } else { "degraded" },
        database: if database_ok { "ok" } else { "error" },
        search: "none",
        queue,
    };
    if healthy {
        HttpResponse::Ok().json(body)
    } else {
        HttpResponse::ServiceUnavailable().json(body)
    }
}
