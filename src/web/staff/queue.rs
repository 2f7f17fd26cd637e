//! The job queue in the console (administrators): what waits, what was given
//! up and why, and a button to requeue the given-up jobs (audited).

use crate::app::{self, queue};
use crate::render::Layout;
use crate::store::queue::{JobSummary, Requeue};
use crate::store::staff::StaffMember;
use crate::web::session::{CurrentStaff, csrf_token, verify_csrf};
use crate::web::{AppError, AppState, Lang, html, no_store, see_other};
use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::{Deserialize, Serialize};

#[derive(Serialize)]
struct QueuePage {
    layout: Layout,
    staff: StaffMember,
    csrf_token: String,
    /// Times as RFC 3339; the template shows them in China time (`local_time`).
    dead: Vec<JobSummary>,
    pending: Vec<JobSummary>,
    /// How many were just requeued (after the button).
    requeued: Option<usize>,
}

#[derive(Debug, Default, Deserialize)]
pub struct QueueQuery {
    #[serde(default)]
    requeued: Option<usize>,
}

/// `GET /staff/queue`
pub async fn page(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    lang: Lang,
    CurrentStaff(staff): CurrentStaff,
    query: web::Query<QueueQuery>,
) -> Result<HttpResponse, AppError> {
    let jobs = queue::for_console(&state.app, staff.role).await?;
    let (dead, pending): (Vec<_>, Vec<_>) = jobs.into_iter().partition(|j| j.status == "dead");
    let page = QueuePage {
        layout: crate::web::layout(&req, lang),
        csrf_token: csrf_token(&session)?,
        dead,
        pending,
        requeued: query.requeued,
        staff,
    };
    Ok(no_store(html(
        StatusCode::OK,
        state.render("staff/queue.html", &page)?,
    )))
}

#[derive(Debug, Deserialize)]
pub struct RetryForm {
    csrf_token: String,
    /// A job's id, or `all` for every dead job.
    job: String,
}

/// `POST /staff/queue/retry`
pub async fn retry(
    state: web::Data<AppState>,
    session: Session,
    CurrentStaff(staff): CurrentStaff,
    form: web::Form<RetryForm>,
) -> Result<HttpResponse, AppError> {
    verify_csrf(&session, &form.csrf_token)?;
    let which = match form.job.as_str() {
        "all" => Requeue::AllDead,
        id => Requeue::One(
            id.parse()
                .map_err(|_| AppError::from(app::Error::NotFound))?,
        ),
    };
    let requeued = queue::retry_from_console(&state.app, which, staff.id, staff.role).await?;
    Ok(see_other(&format!(
        "/staff/queue?requeued={}",
        requeued.len()
    )))
}
