//! What `/healthz` reports: the database, the job queue and search.

/// Mail that has been failing for longer than this degrades the health: a
/// relay that refuses for a minute is routine, one that refuses for this long
/// needs an operator.
pub const MAIL_FAILING_GRACE: chrono::TimeDelta = chrono::TimeDelta::minutes(5);

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
    /// Dead jobs by kind (given up; `mingjing jobs retry`).
    pub dead_jobs: Vec<(String, i64)>,
    /// The mail transport as the last delivery found it.
    pub mail: Option<crate::store::queue::TransportHealth>,
    /// The SMS transport, likewise (`sms`).
    pub sms: Option<crate::store::queue::TransportHealth>,
}

impl Report {
    /// Since when mail has been failing, once that is longer than [`MAIL_FAILING_GRACE`].
    pub fn mail_failing_since(
        &self,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Option<chrono::DateTime<chrono::Utc>> {
        self.mail
            .as_ref()
            .and_then(|m| m.failing_since)
            .filter(|since| now - *since > MAIL_FAILING_GRACE)
    }

    /// Since when SMS has been failing, once that is longer than [`MAIL_FAILING_GRACE`].
    pub fn sms_failing_since(
        &self,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Option<chrono::DateTime<chrono::Utc>> {
        self.sms
            .as_ref()
            .and_then(|m| m.failing_since)
            .filter(|since| now - *since > MAIL_FAILING_GRACE)
    }

    /// The SMS transport's last error, masked (a gateway may quote a number).
    pub fn sms_error(&self) -> Option<String> {
        self.sms
            .as_ref()
            .and_then(|m| m.last_error.as_deref())
            .map(|e| crate::domain::redaction::redact(e, &[]))
    }

    /// The mail transport's last error, masked: `/healthz` is public and a
    /// relay's refusal may quote a recipient.
    pub fn mail_error(&self) -> Option<String> {
        self.mail
            .as_ref()
            .and_then(|m| m.last_error.as_deref())
            .map(|e| crate::domain::redaction::redact(e, &[]))
    }

    /// Why the node is degraded although it serves, each with what to do:
    /// given-up jobs, mail failing for longer than the grace, search down.
    pub fn problems(&self, now: chrono::DateTime<chrono::Utc>) -> Vec<String> {
        let mut problems = Vec::new();
        if !self.dead_jobs.is_empty() {
            let total: i64 = self.dead_jobs.iter().map(|(_, n)| n).sum();
            let kinds: Vec<String> = self
                .dead_jobs
                .iter()
                .map(|(kind, n)| format!("{kind} ×{n}"))
                .collect();
            problems.push(format!(
                "{total} job(s) given up ({}): see `mingjing jobs list --dead`, then requeue with `mingjing jobs retry --all-dead` once the cause is fixed",
                kinds.join(", ")
            ));
        }
        if let Some(since) = self.mail_failing_since(now) {
            problems.push(format!(
                "mail delivery has failed since {} ({} min): {}; mail waits in the queue and is sent when the transport works (check MINGJING_SMTP_URL and the relay)",
                since.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                (now - since).num_minutes(),
                self.mail_error().as_deref().unwrap_or("no error recorded")
            ));
        }
        if let Some(since) = self.sms_failing_since(now) {
            problems.push(format!(
                "SMS delivery has failed since {} ({} min): {}; texts wait in the queue and are sent when the gateway works",
                since.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                (now - since).num_minutes(),
                self.sms_error().as_deref().unwrap_or("no error recorded")
            ));
        }
        if self.search.status != "ok" {
            problems.push(format!(
                "the search engine ({}) does not answer: petitions are still taken and the index catches up when it is back",
                self.search.engine
            ));
        }
        problems
    }
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
    let transport =
        |name: &'static str| async move { app.store.transport_health(name).await.ok().flatten() };
    let (dead_jobs, mail, sms) = if database_ok {
        (
            app.store.dead_jobs_by_kind().await.unwrap_or_default(),
            transport(crate::store::queue::MAIL_TRANSPORT).await,
            transport(crate::store::queue::SMS_TRANSPORT).await,
        )
    } else {
        (Vec::new(), None, None)
    };
    Report {
        dead_jobs,
        mail,
        sms,
        database_ok,
        calendar,
        queue,
        search: app.search.health().await,
        nodes,
        node_id: app.node.id.clone(),
    }
}
