//! Builds the application: database, templates, state, the job worker and the
//! HTTP server, whose routes each area registers (`web::public`, `web::staff`,
//! `web::api`). `Application::build` binds its listener first, so tests start
//! the real app on port 0.

use crate::config::Settings;
use crate::domain::events::Notice;
use crate::jobs::{Handlers, Queue};
use crate::mail::{self, Mailer};
use crate::render::Views;
use crate::search::{Engine, Search};
use crate::store::Store;
use crate::web::error::render_errors;
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

pub struct Application {
    port: u16,
    server: Server,
    store: Store,
    worker: Option<(watch::Sender<bool>, JoinHandle<()>)>,
    search: Arc<Search>,
    /// The heartbeat and the change listener: they end with the server.
    background: Vec<JoinHandle<()>>,
    node: crate::app::cluster::Node,
}

/// The job handlers of every feature; the worker runs jobs of these kinds.
pub fn job_handlers(
    settings: &Settings,
    store: &Store,
    views: Arc<Views>,
) -> anyhow::Result<Handlers> {
    let mut handlers = Handlers::default();
    let mailer = Arc::new(Mailer::from_settings(settings)?.reporting_to(store.clone()));
    let url = settings.public_url.clone();
    let deps = move || (store.clone(), views.clone(), mailer.clone(), url.clone());
    // The monthly bulletins, generated once per month (the job's dedupe key).
    let s = store.clone();
    handlers.register(crate::app::bulletins::GENERATE, move |payload| {
        let store = s.clone();
        async move {
            let month = payload["month"]
                .as_str()
                .and_then(crate::domain::evaluation::Period::parse)
                .ok_or_else(|| anyhow::anyhow!("bulletin job without a month"))?;
            crate::app::bulletins::generate(&store, month)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            Ok(())
        }
    });
    // The daily statistics snapshot, signed with the installation's audit key.
    let (s, data_dir) = (store.clone(), settings.data_dir.clone());
    handlers.register(crate::app::snapshots::SNAPSHOT, move |payload| {
        let (store, data_dir) = (s.clone(), data_dir.clone());
        async move {
            let day = payload["day"]
                .as_str()
                .and_then(|d| d.parse::<chrono::NaiveDate>().ok())
                .ok_or_else(|| anyhow::anyhow!("snapshot job without a day"))?;
            let key = crate::audit::checkpoint::signing_key(&data_dir)?;
            crate::app::snapshots::snapshot_day(&store, &key, day)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            Ok(())
        }
    });
    // The retention schedule, run once a day (the job's dedupe key names the day).
    let (s, files) = (store.clone(), settings.file_store(store));
    handlers.register(crate::app::retention::RUN, move |_payload| {
        let (store, files) = (s.clone(), files.clone());
        async move {
            crate::app::retention::run_today(&store, files.as_ref())
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            Ok(())
        }
    });
    // Every notice the domain can cause has its mail or SMS job.
    let texter = Arc::new(texter(settings, store)?);
    for notice in Notice::ALL {
        let (s, v, m, u) = deps();
        if notice.is_sms() {
            let t = texter.clone();
            handlers.register(notice.job_kind(), move |payload| {
                let (s, t, u) = (s.clone(), t.clone(), u.clone());
                async move { crate::sms::jobs::send(notice, s, &t, &u, payload).await }
            });
            continue;
        }
        handlers.register(notice.job_kind(), move |payload| {
            mail::jobs::send(notice, s.clone(), v.clone(), m.clone(), u.clone(), payload)
        });
    }
    Ok(handlers)
}

/// The SMS sender: the shipped templates, and the SMPP gateway of
/// `MINGJING_SMS_URL` or, on the embedded default, files under `data/sms/`.
fn texter(settings: &Settings, store: &Store) -> anyhow::Result<crate::sms::Texter> {
    let templates = crate::domain::sms::SmsTemplates::shipped()
        .map_err(|e| anyhow::anyhow!("the SMS templates: {e}"))?;
    let transport: Box<dyn crate::sms::SmsTransport> = match &settings.sms_url {
        Some(url) => Box::new(crate::sms::smpp::SmppTransport::from_url(url)?),
        None => Box::new(crate::sms::FileTransport::new(
            settings.data_dir.join("sms"),
        )?),
    };
    Ok(crate::sms::Texter::new(
        templates,
        transport,
        store.clone(),
        settings.secret.clone(),
    ))
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
        check_installation(&settings, &store).await?;
        let search = Arc::new(Search::new(store.clone(), engine));
        prepare_search(&search).await;
        let listener = TcpListener::bind(&settings.bind)?;
        let port = listener.local_addr()?.port();
        let views = Arc::new(Views::load()?);
        let handlers = match handlers {
            Some(h) => h,
            None => job_handlers(&settings, &store, views.clone())?,
        };
        let state = aw::Data::new(AppState {
            app: crate::app::App::new(store.clone(), &settings, search.clone()),
            views,
            pages: Default::default(),
            trusted_proxies: settings.trusted_proxies.clone(),
            secure_cookies: settings.secure_cookies,
        });
        let node = state.app.node.clone();
        let background = start_background(&state, &store, &settings).await;
        let server = http_server(state, &settings, listener)?;
        let worker = settings
            .run_worker
            .then(|| start_worker(&settings, &store, handlers, &search));
        Ok(Self {
            port,
            server,
            store,
            worker,
            search,
            background,
            node,
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
        for task in &self.background {
            task.abort();
        }
        if let Err(e) = self.store.forget_node(&self.node.id).await {
            tracing::warn!(error = %e, "could not take this node off the list");
        }
        result
    }
}

/// What must hold before a node serves: the shipped rules parse, the audit
/// trail is guarded by the database, this node belongs to the installation
/// (same secret and signing key), and the holiday calendar loads.
async fn check_installation(settings: &Settings, store: &Store) -> anyhow::Result<()> {
    // The rules the clocks count by must be there and whole: never an empty set.
    crate::domain::clock::ClockRules::shipped()
        .map_err(|e| anyhow::anyhow!("the shipped clock rules do not parse: {e}"))?;
    crate::domain::evaluation::EvaluationRules::shipped()
        .map_err(|e| anyhow::anyhow!("the shipped evaluation rules are not valid: {e}"))?;
    crate::domain::duplicates::DuplicateRules::shipped()
        .map_err(|e| anyhow::anyhow!("the shipped duplicate rules are not valid: {e}"))?;
    crate::domain::retention::Schedule::shipped()
        .map_err(|e| anyhow::anyhow!("the shipped retention schedule is not valid: {e}"))?;
    // A trail that the database no longer guards could be changed without
    // a trace: never serve on it without saying so — refuse, and say how.
    let missing = crate::audit::unprotected(store.conn()).await?;
    if !missing.is_empty() {
        anyhow::bail!(
            "the audit trail is not protected: the database trigger(s) {} that refuse UPDATE and DELETE on audit_log are missing or disabled. \
             Check the trail with `mingjing audit verify`, then restore them with `mingjing audit protect`.",
            missing.join(", ")
        );
    }
    // One installation per database: a node with another secret or signing
    // key would answer "wrong code" for every petition filed elsewhere.
    let signing_key = crate::audit::checkpoint::signing_key(&settings.data_dir)?;
    if let Err(mismatch) = crate::app::cluster::claim(store, &settings.secret, &signing_key)
        .await
        .map_err(|e| anyhow::anyhow!("reading the installation record: {e}"))?
    {
        anyhow::bail!("{mismatch}");
    }
    let calendar = store
        .calendar()
        .await
        .map_err(|e| anyhow::anyhow!("the holiday calendar cannot be loaded: {e}"))?;
    if let Some(w) = calendar.warning(crate::app::today()) {
        crate::app::calendar::log_warning(&w);
    }
    Ok(())
}

/// A search engine that is down must not keep the portal from taking
/// petitions: it is prepared again in the background until it answers.
async fn prepare_search(search: &Arc<Search>) {
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
}

/// The node's own background tasks, which end with the server: the change
/// listener, the one-off derivation of duplicate keys, the heartbeat.
async fn start_background(
    state: &aw::Data<AppState>,
    store: &Store,
    settings: &Settings,
) -> Vec<JoinHandle<()>> {
    let node = state.app.node.clone();
    let mut background = Vec::new();
    // Another node's edit reaches this node's caches through the database.
    let listening = state.clone();
    background.push(tokio::spawn(store.clone().listen_for_changes(
        move |topic| {
            if topic == crate::store::cluster::Topic::Pages {
                listening.pages.invalidate_all();
            }
        },
    )));
    // Petitions from before duplicate detection (or the demo's) get their keys once.
    let (keys_store, keys_secret) = (store.clone(), settings.secret.clone());
    background.push(tokio::spawn(async move {
        if let Err(e) = crate::app::duplicates::derive_missing_keys(&keys_store, &keys_secret).await
        {
            tracing::error!(error = %e, "deriving duplicate detection keys failed");
        }
    }));
    // The first beat is written before the node answers, so a node that
    // serves is already on every node's /healthz list.
    if let Err(e) = node.beat(store).await {
        tracing::warn!(error = %e, "heartbeat failed");
    }
    let beats = store.clone();
    background.push(tokio::spawn(async move {
        loop {
            tokio::time::sleep(crate::app::cluster::HEARTBEAT).await;
            if let Err(e) = node.beat(&beats).await {
                tracing::warn!(error = %e, "heartbeat failed");
            }
        }
    }));
    background
}

/// The HTTP server: sessions, body limits and their errors in the portal's
/// form, the security headers, and every area's routes.
fn http_server(
    state: aw::Data<AppState>,
    settings: &Settings,
    listener: TcpListener,
) -> std::io::Result<Server> {
    let session_key = Key::from(&settings.secret.derive("session-cookie"));
    let secure_cookies = settings.secure_cookies;
    Ok(HttpServer::new(move || {
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
            .wrap(from_fn(web::head_as_get))
            .wrap(from_fn(web::private_no_store))
            // Over HTTPS, browsers are told to come back only over HTTPS.
            .wrap(actix_web::middleware::Condition::new(
                secure_cookies,
                DefaultHeaders::new().add(("Strict-Transport-Security", "max-age=31536000; includeSubDomains")),
            ))
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
            .configure(public::configure)
            .configure(staff::configure)
            .configure(api::configure)
            .configure(web::open311::configure)
            .default_service(aw::to(|| async { Err::<HttpResponse, _>(AppError::NotFound) }))
    })
    .listen(listener)?
    .shutdown_timeout(30)
    .run())
}

/// The job worker and, beside it, the minute's upkeep and the search indexer;
/// the sender stops them all.
fn start_worker(
    settings: &Settings,
    store: &Store,
    handlers: Handlers,
    search: &Arc<Search>,
) -> (watch::Sender<bool>, JoinHandle<()>) {
    let (tx, rx) = watch::channel(false);
    let queue = Queue::new(store.clone(), handlers).with_policies(
        crate::domain::retry::RetryPolicies::with_mail_days(settings.mail_retry_days),
    );
    tokio::spawn(crate::app::sweep::every_minute(store.clone(), rx.clone()));
    // Delivery receipts and 退订 from the SMS gateway, when there is one.
    if let Some(gateway) = settings
        .sms_url
        .as_deref()
        .and_then(|url| crate::sms::smpp::SmppTransport::from_url(url).ok())
    {
        tokio::spawn(crate::sms::listen(
            gateway,
            store.clone(),
            settings.secret.clone(),
            rx.clone(),
        ));
    }
    // The search indexer drains the outbox beside the job worker.
    tokio::spawn(search.indexer.clone().run(rx.clone()));
    (tx, tokio::spawn(queue.run(rx, settings.job_poll)))
}
