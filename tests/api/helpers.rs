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

pub struct TestApp {
    pub address: String,
    pub store: Store,
    pub client: reqwest::Client,
    pub _dir: TempDir,
    handle: actix_web::dev::ServerHandle,
    postgres: Option<(String, String)>,
}

/// Runs a scenario against SQLite, and against PostgreSQL when configured.
macro_rules! db_test {
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
        meili_url: None,
        meili_key: None,
        secure_cookies: false,
        job_poll: std::time::Duration::from_millis(50),
        run_worker: false,
    }
}

/// A fresh database on the PostgreSQL of `MINGJING_TEST_POSTGRES_URL`; returns (its URL, the admin URL, its name).
async fn fresh_postgres() -> Option<(String, String, String)> {
    let admin = std::env::var("MINGJING_TEST_POSTGRES_URL")
        .ok()
        .filter(|u| !u.is_empty())?;
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

pub async fn spawn_app(backend: Backend) -> Option<TestApp> {
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
    let settings = test_settings(dir.path().to_path_buf(), database_url);
    let app = Application::build(settings)
        .await
        .expect("building the app");
    let address = format!("http://127.0.0.1:{}", app.port());
    let store = app.store();
    let handle = app.server_handle();
    tokio::spawn(app.run_until_stopped());
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    Some(TestApp {
        address,
        store,
        client,
        _dir: dir,
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
            let conn = Database::connect(&admin).await.unwrap();
            let _ = conn
                .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .await;
            let _ = conn.close().await;
        }
    }

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

    pub async fn seed_demo(&self) {
        mingjing::demo::seed(&self.store)
            .await
            .unwrap()
            .expect("an empty database");
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
