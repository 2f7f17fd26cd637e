//! What `/healthz` reports: the database, the job queue and search.

use super::App;

/// The parts of the installation and how they are.
pub struct Report {
    pub database_ok: bool,
    /// The holiday calendar: its last year, and the warning from 60 days before it ends.
    pub calendar: Option<(i32, Option<crate::domain::calendar::CalendarWarning>)>,
    /// The job queue; none when the database cannot be read.
    pub queue: Option<crate::jobs::QueueStats>,
    pub search: crate::search::service::Health,
    /// The nodes serving this database (`app::cluster`), and which one answered.
    pub nodes: Vec<crate::store::cluster::NodeBeat>,
    pub node_id: String,
}

pub async fn check(app: &App) -> Report {
    let database_ok = app.store.ping().await.is_ok();
    let queue = if database_ok {
        crate::jobs::stats(&app.store).await.ok()
    } else {
        None
    };
    let calendar = match app.store.calendar().await {
        Ok(c) => Some((c.last_year, c.warning(super::today()))),
        Err(_) => None,
    };
    let nodes = if database_ok {
        super::cluster::live_nodes(&app.store)
            .await
            .unwrap_or_default()
    } else {
        Vec::new()
    };
    Report {
        database_ok,
        calendar,
        queue,
        search: app.search.health().await,
        nodes,
        node_id: app.node.id.clone(),
    }
}
