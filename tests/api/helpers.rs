use mingjing::config::Settings;
use mingjing::crypto::Secret;
use mingjing::startup::Application;
use mingjing::store::Store;
use sea_orm::{ConnectionTrait, Database};
use std::path::PathBuf;
use tempfile::TempDir;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A browser-like client of one running portal: its address and a cookie jar.
pub struct Browser {
    pub address: String,
    pub client: reqwest::Client,
}

impl Browser {
    /// A client with its own cookies that does not follow redirects (tests look at them).
    /// Idle connections are dropped after 2 s, before the server's 5 s
    /// keep-alive closes them: a request sent on a connection the server is
    /// closing at that moment fails ("connection closed before message
    /// completed"), which a loaded test machine made happen.
    pub fn new(address: String) -> Self {
        let client = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .pool_idle_timeout(std::time::Duration::from_secs(2))
            .build()
            .unwrap();
        Self { address, client }
    }
}

/// A test app derefs to its [`Browser`] (`app.client`, `app.get_text(…)`).
pub struct TestApp {
    pub browser: Browser,
    pub store: Store,
    pub search: std::sync::Arc<mingjing::search::Search>,
    /// The evidence store the app writes to (its settings' backend).
    pub files: std::sync::Arc<dyn mingjing::files::FileStore>,
    pub _dir: TempDir,
    /// What `MINGJING_DATABASE_URL` is for this app (the command-line tests use it).
    pub database_url: String,
    handle: actix_web::dev::ServerHandle,
    postgres: Option<(String, String)>,
}

/// Runs a scenario against SQLite, and against PostgreSQL when configured.
/// `db_test!(module => scenario, |settings| …)` runs it with changed settings.
macro_rules! db_test {
    ($module:ident => $name:ident, $adjust:expr) => {
        mod $module {
            #[tokio::test]
            async fn on_sqlite() {
                let app = crate::helpers::spawn_app_with(crate::helpers::Backend::Sqlite, $adjust)
                    .await
                    .unwrap();
                super::$name(&app).await;
                app.teardown().await;
            }

            #[tokio::test]
            async fn on_postgres() {
                let Some(app) =
                    crate::helpers::spawn_app_with(crate::helpers::Backend::Postgres, $adjust)
                        .await
                else {
                    eprintln!("skipped: MINGJING_TEST_POSTGRES_URL is not set");
                    return;
                };
                super::$name(&app).await;
                app.teardown().await;
            }
        }
    };
    ($name:ident) => {
        mod $name {
            #[tokio::test]
            async fn on_sqlite() {
                let app = crate::helpers::spawn_app(crate::helpers::Backend::Sqlite)
                    .await
                    .unwrap();
                super::$name(&app).await;
                app.teardown().await;
            }

            #[tokio::test]
            async fn on_postgres() {
                let Some(app) = crate::helpers::spawn_app(crate::helpers::Backend::Postgres).await
                else {
                    eprintln!("skipped: MINGJING_TEST_POSTGRES_URL is not set");
                    return;
                };
                super::$name(&app).await;
                app.teardown().await;
            }
        }
    };
}

pub fn test_settings(dir: PathBuf, database_url: String) -> Settings {
    Settings {
        bind: "127.0.0.1:0".to_owned(),
        data_dir: dir,
        database_url,
        secret: Secret::new(b"integration-test-secret-with-enough-bytes"),
        captcha: true,
        smtp_url: None,
        sms_url: None,
        mail_from: "明镜 Mingjing <noreply@mingjing.test>".to_owned(),
        public_url: "http://127.0.0.1:8080".to_owned(),
        rate_limits: true,
        // The Meilisearch engine runs the same suite when a server is given;
        // each test gets its own indexes.
        meili_url: std::env::var("MINGJING_TEST_MEILI_URL")
            .ok()
            .filter(|u| !u.is_empty()),
        meili_key: std::env::var("MINGJING_TEST_MEILI_KEY")
            .ok()
            .filter(|u| !u.is_empty()),
        meili_prefix: format!("t{}", uuid::Uuid::new_v4().simple()),
        secure_cookies: false,
        job_poll: std::time::Duration::from_millis(50),
        run_worker: false,
        files: mingjing::config::FilesBackend::Directory,
        trusted_proxies: Vec::new(),
        mail_retry_days: mingjing::domain::retry::DEFAULT_MAIL_RETRY_DAYS,
        // The demo accounts have no second factor; the tests of the second
        // factor turn the policy on (`tests/api/accounts.rs`).
        second_factor: mingjing::domain::staff::SecondFactorPolicy::parse("none").unwrap(),
        letter_names: false,
        public_ranking: false,
    }
}

/// Drops a database made by [`fresh_postgres`] (connections to it are ended).
pub async fn drop_postgres(admin: &str, name: &str) {
    let conn = Database::connect(admin).await.unwrap();
    let _ = conn
        .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .await;
    let _ = conn.close().await;
}

/// A fresh database on the PostgreSQL of `MINGJING_TEST_POSTGRES_URL`; returns (its URL, the admin URL, its name).
pub async fn fresh_postgres() -> Option<(String, String, String)> {
    let Some(admin) = std::env::var("MINGJING_TEST_POSTGRES_URL")
        .ok()
        .filter(|u| !u.is_empty())
    else {
        postgres_not_configured();
        return None;
    };
    let name = format!("mj_test_{}", uuid::Uuid::new_v4().simple());
    let conn = Database::connect(&admin)
        .await
        .expect("connecting to MINGJING_TEST_POSTGRES_URL");
    conn.execute_unprepared(&format!("CREATE DATABASE {name}"))
        .await
        .unwrap();
    conn.close().await.unwrap();
    let mut url = url::Url::parse(&admin).unwrap();
    url.set_path(&format!("/{name}"));
    Some((url.to_string(), admin, name))
}

/// Without `MINGJING_TEST_POSTGRES_URL` the PostgreSQL half of each scenario
/// cannot run. In CI (`CI` set) that fails the test: a run that skipped half
/// of itself must not pass. On a developer's machine it is said once, on the
/// terminal itself (not into a passing test's captured output).
fn postgres_not_configured() {
    let ci = std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0");
    assert!(
        !ci,
        "CI is set but MINGJING_TEST_POSTGRES_URL is not: the PostgreSQL half of this test \
         cannot run (scripts/test sets it when PostgreSQL answers on 127.0.0.1:5432)"
    );
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        use std::io::Write;
        let _ = writeln!(
            std::io::stderr(),
            "\n!!! MINGJING_TEST_POSTGRES_URL is not set: every scenario runs on SQLite only; \
             its PostgreSQL half is SKIPPED (set it, e.g. postgres://postgres@127.0.0.1:5432/test, \
             or run scripts/test) !!!\n"
        );
    });
}

pub async fn spawn_app(backend: Backend) -> Option<TestApp> {
    spawn_app_with(backend, |_| {}).await
}

/// Like `spawn_app`, with settings changed by `adjust` (SMTP, worker, limits…).
pub async fn spawn_app_with(
    backend: Backend,
    adjust: impl FnOnce(&mut Settings),
) -> Option<TestApp> {
    spawn_app_with_engine(backend, adjust, |engine| engine).await
}

/// Like `spawn_app_with`, with the search engine wrapped by `wrap` (outage drills).
pub async fn spawn_app_with_engine(
    backend: Backend,
    adjust: impl FnOnce(&mut Settings),
    wrap: impl FnOnce(
        std::sync::Arc<dyn mingjing::search::Engine>,
    ) -> std::sync::Arc<dyn mingjing::search::Engine>,
) -> Option<TestApp> {
    let dir = tempfile::tempdir().unwrap();
    let (database_url, postgres) = match backend {
        Backend::Sqlite => (
            format!("sqlite://{}", dir.path().join("test.db").display()),
            None,
        ),
        Backend::Postgres => {
            let (url, admin, name) = fresh_postgres().await?;
            (url, Some((admin, name)))
        }
    };
    let mut settings = test_settings(dir.path().to_path_buf(), database_url);
    adjust(&mut settings);
    let store = Store::connect(&settings.database_url)
        .await
        .expect("opening the database");
    let engine = wrap(settings.search_engine().expect("the search engine"));
    let files = settings.file_store(&store);
    let database_url = settings.database_url.clone();
    let app = Application::build_with_engine(settings, store, None, engine)
        .await
        .expect("building the app");
    let address = format!("http://127.0.0.1:{}", app.port());
    let store = app.store();
    let search = app.search();
    let handle = app.server_handle();
    tokio::spawn(app.run_until_stopped());
    Some(TestApp {
        browser: Browser::new(address),
        store,
        search,
        files,
        _dir: dir,
        database_url,
        handle,
        postgres,
    })
}

impl TestApp {
    pub async fn teardown(self) {
        self.handle.stop(true).await;
        let TestApp {
            store, postgres, ..
        } = self;
        let _ = store.close().await;
        if let Some((admin, name)) = postgres {
            drop_postgres(&admin, &name).await;
        }
    }

    /// Applies every waiting search update (the worker does this within a second).
    pub async fn index(&self) {
        self.search.indexer.drain().await.expect("indexing");
    }

    pub async fn seed_demo(&self) {
        mingjing::demo::seed(&self.store)
            .await
            .unwrap()
            .expect("an empty database");
    }
}

impl std::ops::Deref for TestApp {
    type Target = Browser;
    fn deref(&self) -> &Browser {
        &self.browser
    }
}

impl Browser {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client.get(self.url(path)).send().await.unwrap()
    }

    pub async fn get_text(&self, path: &str) -> (u16, String) {
        let r = self.get(path).await;
        (r.status().as_u16(), r.text().await.unwrap())
    }

    pub async fn post_form(&self, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
        self.client
            .post(self.url(path))
            .form(form)
            .send()
            .await
            .unwrap()
    }

    /// Logs in through the login form, as a browser would.
    pub async fn login(&self, email: &str, password: &str) -> reqwest::Response {
        let (_, page) = self.get_text("/staff/login").await;
        let token = csrf(&page);
        self.post_form(
            "/staff/login",
            &[
                ("csrf_token", &token),
                ("email", email),
                ("password", password),
                ("next", ""),
            ],
        )
        .await
    }

    pub async fn login_demo(&self, role: &str, agency: &str) {
        let r = self
            .login(&demo_email(role, agency), mingjing::demo::DEMO_PASSWORD)
            .await;
        assert_eq!(
            r.status().as_u16(),
            303,
            "demo login of {role}@{agency} failed"
        );
    }

    /// The CSRF token of a console page.
    pub async fn csrf_of(&self, path: &str) -> String {
        let (status, page) = self.get_text(path).await;
        assert_eq!(status, 200, "{path}");
        csrf(&page)
    }
}

pub fn demo_email(role: &str, agency: &str) -> String {
    format!("{role}@{agency}.demo.mingjing.example")
}

/// The value of the first `csrf_token` hidden field in a page.
pub fn csrf(page: &str) -> String {
    let marker = "name=\"csrf_token\" value=\"";
    let start = page.find(marker).expect("the page has a CSRF field") + marker.len();
    page[start..].split('"').next().unwrap().to_owned()
}

/// Every page must be fully translated: Fluent reports a missing key in the text itself.
pub fn assert_translated(page: &str) {
    assert!(
        !page.contains("Unknown localization key"),
        "untranslated text in page:\n{page}"
    );
}

/// Answers the accessible captcha question ("三加五等于几？…" / "What is three plus five?…"),
/// as a screen-reader user would.
pub fn solve_captcha_question(question: &str) -> String {
    const ZH: [char; 10] = ['零', '一', '二', '三', '四', '五', '六', '七', '八', '九'];
    const EN: [&str; 10] = [
        "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
    ];
    let mut numbers: Vec<usize> = question
        .chars()
        .filter_map(|c| ZH.iter().position(|z| *z == c))
        .collect();
    if numbers.len() < 2 {
        numbers = question
            .split(|c: char| !c.is_alphabetic())
            .filter_map(|w| EN.iter().position(|e| *e == w))
            .collect();
    }
    assert!(
        numbers.len() >= 2,
        "cannot read the captcha question {question:?}"
    );
    (numbers[0] + numbers[1]).to_string()
}

/// Does the captcha's proof of work for challenge `id`, as `static/pow.js`
/// does in the browser (a script pays the same price).
pub fn solve_pow(id: &str) -> String {
    mingjing::antiabuse::pow::solve(id, mingjing::antiabuse::pow::BITS)
}

/// The captcha id and question of a form page.
pub fn captcha_of(page: &str) -> (String, String) {
    let id_marker = "name=\"captcha_id\" value=\"";
    let start = page.find(id_marker).expect("the form has a captcha") + id_marker.len();
    let id = page[start..].split('"').next().unwrap().to_owned();
    let q_marker = "for=\"captcha_question_answer\">";
    let start = page.find(q_marker).unwrap() + q_marker.len();
    let question = page[start..].split('<').next().unwrap().to_owned();
    (id, question)
}

/// Text between `<dd class="code" id="{id}">` and `</dd>` (tracking number, access code).
pub fn code_in(page: &str, id: &str) -> String {
    let marker = format!("id=\"{id}\">");
    let start = page
        .find(&marker)
        .unwrap_or_else(|| panic!("no {id} in page:\n{page}"))
        + marker.len();
    page[start..].split('<').next().unwrap().trim().to_owned()
}

/// Runs every due job (mail) now, through the real SMTP transport of `port`.
pub async fn drain_mail(app: &TestApp, port: u16) {
    let mut settings = test_settings(app._dir.path().to_path_buf(), String::new());
    settings.smtp_url = Some(format!("smtp://127.0.0.1:{port}"));
    let handlers = mingjing::startup::job_handlers(
        &settings,
        &app.store,
        std::sync::Arc::new(mingjing::render::Views::load().unwrap()),
    )
    .unwrap();
    mingjing::jobs::Queue::new(app.store.clone(), handlers)
        .drain()
        .await
        .unwrap();
}

/// A real SMTP listener on loopback: enough of RFC 5321 for lettre to deliver
/// to it. Received messages (raw DATA) arrive on the returned channel.
pub async fn smtp_listener() -> (u16, tokio::sync::mpsc::UnboundedReceiver<String>) {
    smtp_listener_refusing(Default::default()).await
}

/// [`smtp_listener`] that, while `refusing` is set, greets every connection
/// with `421` (service not available) and closes it, as a relay that is down
/// for maintenance does.
pub async fn smtp_listener_refusing(
    refusing: std::sync::Arc<std::sync::atomic::AtomicBool>,
) -> (u16, tokio::sync::mpsc::UnboundedReceiver<String>) {
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(async move {
        loop {
            let Ok((socket, _)) = listener.accept().await else {
                return;
            };
            let tx = tx.clone();
            let refusing = refusing.clone();
            tokio::spawn(async move {
                let (read, mut write) = socket.into_split();
                if refusing.load(std::sync::atomic::Ordering::SeqCst) {
                    let _ = write
                        .write_all(b"421 4.3.2 test.mingjing service not available\r\n")
                        .await;
                    return;
                }
                let mut lines = BufReader::new(read).lines();
                let _ = write.write_all(b"220 test.mingjing ESMTP\r\n").await;
                let mut data: Option<String> = None;
                while let Ok(Some(line)) = lines.next_line().await {
                    if let Some(body) = data.as_mut() {
                        if line == "." {
                            let _ = tx.send(std::mem::take(body));
                            data = None;
                            let _ = write.write_all(b"250 2.0.0 queued\r\n").await;
                        } else {
                            body.push_str(line.strip_prefix('.').unwrap_or(&line));
                            body.push('\n');
                        }
                        continue;
                    }
                    let verb = line
                        .split_whitespace()
                        .next()
                        .unwrap_or("")
                        .to_ascii_uppercase();
                    let reply: &[u8] = match verb.as_str() {
                        "EHLO" => b"250-test.mingjing\r\n250 8BITMIME\r\n",
                        "HELO" | "MAIL" | "RCPT" | "RSET" | "NOOP" => b"250 2.0.0 ok\r\n",
                        "DATA" => {
                            data = Some(String::new());
                            b"354 go ahead\r\n"
                        }
                        "QUIT" => {
                            let _ = write.write_all(b"221 bye\r\n").await;
                            return;
                        }
                        _ => b"502 5.5.2 not implemented\r\n",
                    };
                    let _ = write.write_all(reply).await;
                }
            });
        }
    });
    (port, rx)
}

/// The text of a PDF as poppler's `pdftotext` reads it (a real PDF reader:
/// what it finds, a printer and a screen reader find).
pub fn pdf_text(pdf: &[u8]) -> String {
    use std::io::Write;
    let mut child = std::process::Command::new("pdftotext")
        .args(["-enc", "UTF-8", "-", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("pdftotext (apt: poppler-utils) is installed");
    child.stdin.take().unwrap().write_all(pdf).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "pdftotext could not read the PDF");
    String::from_utf8(out.stdout).unwrap()
}
