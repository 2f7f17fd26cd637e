//! Builds the application: database, templates, state, the job worker and the
//! HTTP server with its whole route table. `Application::build` binds its
//! listener first, so tests start the real app on port 0.

use crate::auth::throttle::{Limits, LoginThrottle};
use crate::config::Settings;
use crate::jobs::{Handlers, Queue};
use crate::mail::{self, Mailer};
use crate::search::{Engine, Search};
use crate::store::Store;
use crate::web::error::render_errors;
use crate::web::views::Views;
use crate::web::{self, AppError, AppState, api, public, staff};
use actix_session::SessionMiddleware;
use actix_session::config::CookieContentSecurity;
use actix_session::storage::CookieSessionStore;
use actix_web::cookie::{Key, SameSite};
use actix_web::dev::Server;
use actix_web::error::{JsonPayloadError, UrlencodedError};
use actix_web::middleware::{DefaultHeaders, from_fn};
use actix_web::{App, HttpResponse, HttpServer, web as aw};
use std::net::TcpListener;
use std::sync::Arc;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// Largest urlencoded form: the procedure editor's longest text fits many times over.
pub const FORM_LIMIT: usize = 256 * 1024;
/// Largest JSON body.
pub const JSON_LIMIT: usize = 256 * 1024;

/// Forms with files may carry 50 MB of evidence.
fn multipart_limits() -> aw::PayloadConfig {
    aw::PayloadConfig::new(web::multipart::MAX_BODY)
}

pub struct Application {
    port: u16,
    server: Server,
    store: Store,
    worker: Option<(watch::Sender<bool>, JoinHandle<()>)>,
    search: Arc<Search>,
}

/// The job handlers of every feature; the worker runs jobs of these kinds.
pub fn job_handlers(
    settings: &Settings,
    store: &Store,
    views: Arc<Views>,
) -> anyhow::Result<Handlers> {
    let mut handlers = Handlers::default();
    let mailer = Arc::new(Mailer::from_settings(settings)?);
    let url = settings.public_url.clone();
    let deps = move || (store.clone(), views.clone(), mailer.clone(), url.clone());
    let (s, v, m, u) = deps();
    handlers.register(mail::jobs::PETITION_ACK, move |payload| {
        mail::jobs::send_petition_ack(s.clone(), v.clone(), m.clone(), u.clone(), payload)
    });
    let (s, v, m, u) = deps();
    handlers.register(mail::jobs::PETITION_UPDATE, move |payload| {
        mail::jobs::send_petition_update(s.clone(), v.clone(), m.clone(), u.clone(), payload)
    });
    let (s, v, m, u) = deps();
    handlers.register(mail::jobs::STAFF_NOTICE, move |payload| {
        mail::jobs::send_staff_notice(s.clone(), v.clone(), m.clone(), u.clone(), payload)
    });
    for (kind, step) in [
        (crate::sweep::REMIND, "remind"),
        (crate::sweep::URGE, "urge"),
        (crate::sweep::LIST, "list"),
    ] {
        let (s, v, m, u) = deps();
        handlers.register(kind, move |payload| {
            mail::jobs::send_deadline_step(
                s.clone(),
                v.clone(),
                m.clone(),
                u.clone(),
                step,
                payload,
            )
        });
    }
    Ok(handlers)
}

impl Application {
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        let store = Store::connect(&settings.database_url).await?;
        Self::build_with(settings, store, None).await
    }

    /// `handlers` replaces the standard job handlers (tests use their own).
    pub async fn build_with(
        settings: Settings,
        store: Store,
        handlers: Option<Handlers>,
    ) -> anyhow::Result<Self> {
        let engine = settings.search_engine()?;
        Self::build_with_engine(settings, store, handlers, engine).await
    }

    /// Like `build_with`, searching with `engine` (outage drills wrap the real one).
    pub async fn build_with_engine(
        settings: Settings,
        store: Store,
        handlers: Option<Handlers>,
        engine: Arc<dyn Engine>,
    ) -> anyhow::Result<Self> {
        let search = Arc::new(Search::new(store.clone(), engine));
        // A search engine that is down must not keep the portal from taking petitions:
        // it is prepared again in the background until it answers.
        if let Err(e) = search.prepare().await {
            tracing::error!(error = %e, "search engine not ready; retrying in the background");
            let retry = search.clone();
            tokio::spawn(async move {
                loop {
                    tokio::time::sleep(std::time::Duration::from_secs(10)).await;
                    if retry.prepare().await.is_ok() {
                        break;
                    }
                }
            });
        }
        let listener = TcpListener::bind(&settings.bind)?;
        let port = listener.local_addr()?.port();
        let views = Arc::new(Views::load()?);
        let handlers = match handlers {
            Some(h) => h,
            None => job_handlers(&settings, &store, views.clone())?,
        };
        let state = aw::Data::new(AppState {
            store: store.clone(),
            views,
            pages: Default::default(),
            login_throttle: LoginThrottle::new(settings.secret.clone(), Limits::default()),
            captcha_on: settings.captcha,
            rate_limits_on: settings.rate_limits,
            secret: settings.secret.clone(),
            files: crate::files::FileStore::new(settings.data_dir.join("files")),
            limits: crate::intake::Limits::new(&settings.secret),
            search: search.clone(),
        });
        let session_key = Key::from(&settings.secret.derive("session-cookie"));
        let secure_cookies = settings.secure_cookies;
        let server = HttpServer::new(move || {
            let sessions = SessionMiddleware::builder(CookieSessionStore::default(), session_key.clone())
                .cookie_name("mingjing_session".to_owned())
                .cookie_secure(secure_cookies)
                .cookie_http_only(true)
                .cookie_same_site(SameSite::Lax)
                .cookie_content_security(CookieContentSecurity::Private)
                .build();
            App::new()
                .app_data(state.clone())
                .app_data(aw::FormConfig::default().limit(FORM_LIMIT).error_handler(|e, _| match e {
                    UrlencodedError::Overflow { .. } => AppError::PayloadTooLarge.into(),
                    _ => AppError::BadRequest("error-bad-form").into(),
                }))
                .app_data(aw::JsonConfig::default().limit(JSON_LIMIT).error_handler(|e, _| match e {
                    JsonPayloadError::Overflow { .. } | JsonPayloadError::OverflowKnownLength { .. } => AppError::PayloadTooLarge.into(),
                    _ => AppError::BadRequest("error-bad-json").into(),
                }))
                .app_data(aw::PathConfig::default().error_handler(|_, _| AppError::NotFound.into()))
                .app_data(aw::QueryConfig::default().error_handler(|_, _| AppError::BadRequest("error-bad-query").into()))
                .app_data(aw::PayloadConfig::new(FORM_LIMIT))
                .wrap(from_fn(web::i18n::remember_choice))
                .wrap(sessions)
                .wrap(from_fn(render_errors))
                .wrap(from_fn(crate::telemetry::log_request))
                .wrap(
                    DefaultHeaders::new()
                        .add(("X-Content-Type-Options", "nosniff"))
                        .add(("X-Frame-Options", "DENY"))
                        .add(("Referrer-Policy", "same-origin"))
                        .add((
                            "Content-Security-Policy",
                            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
                        )),
                )
                .route("/", aw::get().to(public::home::home))
                .route("/procedures", aw::get().to(public::procedures::list))
                .route("/procedures/{id}", aw::get().to(public::procedures::show))
                .route("/procedures/{id}/versions", aw::get().to(public::procedures::history))
                .route("/procedures/{id}/versions/{version}", aw::get().to(public::procedures::show_version))
                .route("/static/{path:.*}", aw::get().to(web::static_files::serve))
                .route("/petitions/new", aw::get().to(public::petitions::start))
                .route("/petitions/new/{kind}", aw::get().to(public::petitions::form))
                .service(aw::resource("/petitions").app_data(multipart_limits()).route(aw::post().to(public::petitions::submit)))
                .route("/captcha/{id}", aw::get().to(public::petitions::captcha_image))
                .route("/track", aw::get().to(public::track::lookup_form))
                .route("/track", aw::post().to(public::track::lookup))
                .route("/track/{tn}", aw::get().to(public::track::status))
                .service(aw::resource("/track/{tn}/follow-up").app_data(multipart_limits()).route(aw::post().to(public::track::follow_up)))
                .route("/track/{tn}/files/{id}", aw::get().to(public::track::file))
                .route("/cases", aw::get().to(public::cases::list))
                .route("/cases/lookup", aw::get().to(public::cases::lookup_form))
                .route("/cases/lookup", aw::post().to(public::cases::lookup))
                .route("/cases/{id}", aw::get().to(public::cases::show))
                .route("/search", aw::get().to(public::search::page))
                .route("/answers/{id}", aw::get().to(public::search::answer))
                .route("/staff/search", aw::get().to(staff::search::page))
                .route("/staff/petitions/{tn}/publish", aw::post().to(staff::petitions::publish))
                .route("/api/v1/search", aw::get().to(api::search::search))
                .route("/staff", aw::get().to(staff::index))
                .route("/staff/petitions", aw::get().to(staff::petitions::queue))
                .route("/staff/petitions/{tn}", aw::get().to(staff::petitions::show))
                .route("/staff/petitions/{tn}/actions", aw::post().to(staff::petitions::act))
                .route("/track/{tn}/actions", aw::post().to(public::track::act))
                .route("/staff/cases", aw::get().to(staff::cases::list))
                .route("/staff/cases", aw::post().to(staff::cases::create))
                .route("/staff/cases/new", aw::get().to(staff::cases::new))
                .route("/staff/cases/{id}", aw::get().to(staff::cases::show))
                .route("/staff/cases/{id}/milestones", aw::post().to(staff::cases::add_milestone))
                .route("/staff/login", aw::get().to(staff::login::show))
                .route("/staff/login", aw::post().to(staff::login::submit))
                .route("/staff/logout", aw::post().to(staff::login::logout))
                .route("/staff/procedures", aw::get().to(staff::procedures::list))
                .route("/staff/procedures", aw::post().to(staff::procedures::create))
                .route("/staff/procedures/new", aw::get().to(staff::procedures::new))
                .route("/staff/procedures/{id}/edit", aw::get().to(staff::procedures::edit))
                .route("/staff/procedures/{id}/edit", aw::post().to(staff::procedures::update))
                .route("/staff/procedures/{id}/withdraw", aw::post().to(staff::procedures::withdraw))
                .route("/staff/procedures/{id}/restore", aw::post().to(staff::procedures::restore))
                .route("/healthz", aw::get().to(api::health::healthz))
                .route("/api/v1/openapi.json", aw::get().to(api::openapi::document))
                .route("/api/v1/agencies", aw::get().to(api::agencies::list))
                .route("/api/v1/procedures", aw::get().to(api::procedures::list))
                .route("/api/v1/procedures/{id}", aw::get().to(api::procedures::show))
                .route("/api/v1/captcha", aw::get().to(api::petitions::captcha))
                .route("/api/v1/petitions", aw::post().to(api::petitions::create))
                .route("/api/v1/petitions/{tn}", aw::get().to(api::petitions::show))
                .route("/api/v1/petitions/{tn}/messages", aw::post().to(api::petitions::message))
                .service(aw::resource("/api/v1/petitions/{tn}/evidence").app_data(multipart_limits()).route(aw::post().to(api::petitions::evidence)))
                .route("/api/v1/cases/{case_number}", aw::get().to(api::cases::show))
                .route("/api/v1/petitions/{tn}/actions", aw::post().to(api::staff::petitioner_action))
                .route("/api/v1/auth/token", aw::post().to(api::staff::token))
                .route("/api/v1/staff/petitions", aw::get().to(api::staff::list))
                .route("/api/v1/staff/petitions/{tn}", aw::get().to(api::staff::show))
                .route("/api/v1/staff/petitions/{tn}/actions", aw::post().to(api::staff::action))
                .default_service(aw::to(|| async { Err::<HttpResponse, _>(AppError::NotFound) }))
        })
        .listen(listener)?
        .shutdown_timeout(30)
        .run();

        let worker = settings.run_worker.then(|| {
            let (tx, rx) = watch::channel(false);
            let queue = Queue::new(store.clone(), handlers);
            let poll = settings.job_poll;
            // The deadline sweep runs beside the worker, once a minute.
            let sweeper = store.clone();
            let mut stop = rx.clone();
            tokio::spawn(async move {
                loop {
                    let today = crate::domain::clock::china_date(chrono::Utc::now());
                    if let Err(e) = crate::sweep::sweep(&sweeper, today).await {
                        tracing::error!(error = %e, "deadline sweep failed");
                    }
                    tokio::select! {
                        _ = tokio::time::sleep(std::time::Duration::from_secs(60)) => {}
                        _ = stop.changed() => break,
                    }
                }
            });
            // The search indexer drains the outbox beside the job worker.
            tokio::spawn(search.indexer.clone().run(rx.clone()));
            (tx, tokio::spawn(queue.run(rx, poll)))
        });
        Ok(Self {
            port,
            server,
            store,
            worker,
            search,
        })
    }

    pub fn search(&self) -> Arc<Search> {
        self.search.clone()
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn store(&self) -> Store {
        self.store.clone()
    }

    pub fn server_handle(&self) -> actix_web::dev::ServerHandle {
        self.server.handle()
    }

    /// Serves until SIGINT/SIGTERM (or the handle's stop): in-flight requests
    /// finish, then the job worker finishes its current job and stops.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let result = self.server.await;
        if let Some((tx, handle)) = self.worker {
            let _ = tx.send(true);
            let _ = handle.await;
        }
        result
    }
}
