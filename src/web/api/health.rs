use crate::jobs::QueueStats;
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
    /// The search engine (`embedded` or `meilisearch`), whether it answers, and
    /// how far its index is behind the database (changes waiting in the outbox).
    pub search: crate::search::service::Health,
    /// The job queue; absent when the database cannot be read.
    pub queue: Option<QueueStats>,
}

/// The state of the database, search engine and job queue.
#[utoipa::path(get, path = "/healthz", tag = "health",
    responses((status = 200, description = "The node serves (status `degraded` when only search is down)", body = Health),
               (status = 503, description = "The database or the job queue is down", body = Health)))]
pub async fn healthz(state: web::Data<AppState>) -> HttpResponse {
    let crate::app::health::Report {
        database_ok,
        queue,
        search,
    } = crate::app::health::check(&state.app).await;
    let healthy = database_ok && queue.is_some();
    // A search outage degrades the node but does not take it out of service:
    // petitions are still taken and the index catches up afterwards.
    let body = Health {
        status: if healthy && search.status == "ok" {
            "ok"
        } else {
            "degraded"
        },
        database: if database_ok { "ok" } else { "error" },
        search,
        queue,
    };
    if healthy {
        HttpResponse::Ok().json(body)
    } else {
        HttpResponse::ServiceUnavailable().json(body)
    }
}
