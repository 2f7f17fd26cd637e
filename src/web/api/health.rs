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
    /// The official holiday calendar the deadlines are counted on; absent
    /// when it cannot be read.
    pub calendar: Option<CalendarHealth>,
    /// What an operator should act on although the node serves (the calendar
    /// ending within 60 days, …); `status` stays `ok` for these.
    pub warnings: Vec<String>,
    /// Why `status` is `degraded`, each with what to do: dead jobs by kind,
    /// mail failing for more than five minutes, search down. The node still
    /// serves (HTTP 200): a load balancer keeps sending citizens to it.
    pub problems: Vec<String>,
    /// The mail transport: `ok`, `failing` (for more than five minutes) or
    /// `unknown` (nothing sent yet), with the last error and the last success.
    pub mail: MailHealth,
    /// The SMS transport, as `mail` (texts to petitioners who chose SMS).
    pub sms: MailHealth,
    /// The node that answered.
    pub node: String,
    /// Every node that beat within the last 15 s: id, version, role
    /// (`web` or `web+worker`), search engine, started, last seen — so an
    /// operator sees a stale node or one on another version.
    pub nodes: Vec<crate::store::cluster::NodeBeat>,
}

#[derive(Serialize, ToSchema)]
pub struct MailHealth {
    pub status: &'static str,
    #[schema(value_type = Option<String>)]
    pub failing_since: Option<chrono::DateTime<chrono::Utc>>,
    pub last_error: Option<String>,
    #[schema(value_type = Option<String>)]
    pub last_ok: Option<chrono::DateTime<chrono::Utc>>,
}

#[derive(Serialize, ToSchema)]
pub struct CalendarHealth {
    /// The last year whose official arrangement is loaded.
    pub last_year: i32,
    /// 31 December of that year.
    #[schema(value_type = String)]
    pub ends_on: chrono::NaiveDate,
    /// Present from 60 days before `ends_on`: days left (negative once past) and what to do.
    pub warning: Option<String>,
    pub days_left: Option<i64>,
}

fn transport_health(
    h: Option<&crate::store::queue::TransportHealth>,
    failing: bool,
    last_error: Option<String>,
) -> MailHealth {
    match h {
        None => MailHealth {
            status: "unknown",
            failing_since: None,
            last_error: None,
            last_ok: None,
        },
        Some(m) => MailHealth {
            status: if failing { "failing" } else { "ok" },
            failing_since: m.failing_since,
            last_error,
            last_ok: m.last_ok,
        },
    }
}

/// The state of the database, search engine and job queue.
#[utoipa::path(get, path = "/healthz", tag = "health",
    responses((status = 200, description = "The node serves (status `degraded` when search is down, a job was given up or mail has been failing; `problems` says which)", body = Health),
               (status = 503, description = "The database or the job queue is down", body = Health)))]
pub async fn healthz(state: web::Data<AppState>) -> HttpResponse {
    let report = crate::app::health::check(&state.app).await;
    let now = chrono::Utc::now();
    let problems = report.problems(now);
    let mail = transport_health(
        report.mail.as_ref(),
        report.mail_failing_since(now).is_some(),
        report.mail_error(),
    );
    let sms = transport_health(
        report.sms.as_ref(),
        report.sms_failing_since(now).is_some(),
        report.sms_error(),
    );
    let crate::app::health::Report {
        database_ok,
        queue,
        search,
        calendar,
        nodes,
        node_id,
        ..
    } = report;
    let calendar = calendar.map(|(last_year, warning)| CalendarHealth {
        last_year,
        ends_on: chrono::NaiveDate::from_ymd_opt(last_year, 12, 31).unwrap_or_default(),
        days_left: warning.map(|w| w.days_left),
        warning: warning.map(|w| {
            format!(
                "the holiday calendar ends on {} ({} days left): load the State Council's arrangement for {} with `mingjing calendar import FILE`; until then deadlines after {} are provisional",
                w.ends_on,
                w.days_left,
                w.last_year + 1,
                w.ends_on
            )
        }),
    });
    let warnings = calendar.iter().filter_map(|c| c.warning.clone()).collect();
    let healthy = database_ok && queue.is_some();
    // A search outage degrades the node but does not take it out of service:
    // petitions are still taken and the index catches up afterwards.
    let body = Health {
        status: if healthy && problems.is_empty() {
            "ok"
        } else {
            "degraded"
        },
        problems,
        mail,
        sms,
        database: if database_ok { "ok" } else { "error" },
        search,
        queue,
        calendar,
        warnings,
        node: node_id,
        nodes,
    };
    if healthy {
        HttpResponse::Ok().json(body)
    } else {
        HttpResponse::ServiceUnavailable().json(body)
    }
}
