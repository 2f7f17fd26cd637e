//! What `/healthz` reports: the database, the job queue and search.

use super::App;

/// The parts of the installation and how they are.
pub struct Report {
    pub database_ok: bool,
    /// The job queue; none when the database cannot be read.
    pub queue: Option<crate::jobs::QueueStats>,
    pub search: crate::search::service::Health,
}

pub async fn check(app: &App) -> Report {
    let database_ok = app.store.ping().await.is_ok();
    let queue = if database_ok {
        crate::jobs::stats(&app.store).await.ok()
    } else {
        None
    };
    Report {
        database_ok,
        queue,
        search: app.search.health().await,
    }
}
