//! The real binary, as an operator runs it.

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

pub(crate) struct Served {
    pub(crate) child: Child,
    /// The child's log, read on a thread as it comes: a chatty start (the demo's
    /// year of handling logs every act) must never block on a full pipe.
    stderr: Option<std::thread::JoinHandle<String>>,
    pub(crate) address: String,
}

/// A test that fails midway must not leave its server running.
impl Drop for Served {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Starts `mingjing serve` in `dir` and waits for its "serving on" line.
fn serve(dir: &std::path::Path, extra_args: &[&str]) -> Served {
    serve_with_env(dir, extra_args, &[])
}

/// `env` is applied last, so it may name the database (`MINGJING_DATABASE_URL`).
pub(crate) fn serve_with_env(
    dir: &std::path::Path,
    extra_args: &[&str],
    env: &[(&str, &str)],
) -> Served {
    let mut child = Command::new(env!("CARGO_BIN_EXE_mingjing"))
        .arg("serve")
        .args(extra_args)
        .current_dir(dir)
        .env_remove("MINGJING_DATABASE_URL")
        .env_remove("MINGJING_DATA_DIR")
        .env("MINGJING_BIND", "127.0.0.1:0")
        .env("RUST_LOG", "info")
        .envs(env.iter().copied())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut log = child.stderr.take().unwrap();
    let stderr = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = log.read_to_string(&mut text);
        text
    });
    let stdout = child.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let address = loop {
        let line = lines
            .next()
            .expect("the server exited before serving")
            .unwrap();
        if let Some(a) = line.strip_prefix("Mingjing is serving on ") {
            break a.to_owned();
        }
    };
    // Keep draining stdout so the child never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    Served {
        child,
        address,
        stderr: Some(stderr),
    }
}

pub(crate) fn terminate(mut served: Served) -> (std::process::ExitStatus, String) {
    let _ = Command::new("kill")
        .arg("-TERM")
        .arg(served.child.id().to_string())
        .status();
    let status = served.child.wait().unwrap();
    let log = served
        .stderr
        .take()
        .map(|t| t.join().unwrap())
        .unwrap_or_default();
    (status, log)
}

#[tokio::test]
async fn serve_in_an_empty_directory_creates_and_migrates_the_database_and_stops_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let served = serve(dir.path(), &[]);
    assert!(dir.path().join("data/mingjing.db").exists());
    assert!(dir.path().join("data/secret.key").exists());
    // The installation's keys are readable by its own user only.
    #[cfg(unix)]
    for key in ["data/secret.key", "data/audit-signing.key"] {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.path().join(key))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o077, 0, "{key} is readable by others ({mode:o})");
    }
    let health: serde_json::Value = reqwest::get(format!("{}/healthz", served.address))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(health["database"], "ok");
    let list: serde_json::Value = reqwest::get(format!("{}/api/v1/procedures", served.address))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list["total"], 0, "no demo data without --demo");
    let (status, stderr) = terminate(served);
    assert!(
        status.success(),
        "SIGTERM ends the server cleanly: {status:?}\n{stderr}"
    );
    assert!(stderr.contains("stopped"), "{stderr}");

    // --demo on an existing empty database fills it; a second start leaves it as it is.
    let served = serve(dir.path(), &["--demo"]);
    let list: serde_json::Value = reqwest::get(format!("{}/api/v1/procedures", served.address))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(list["total"].as_u64().unwrap() >= 25);
    terminate(served);
    let served = serve(dir.path(), &["--demo"]);
    let agencies: Vec<serde_json::Value> =
        reqwest::get(format!("{}/api/v1/agencies", served.address))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
    assert_eq!(agencies.len(), 29, "demo data is not added twice");
    terminate(served);
}

#[tokio::test]
async fn a_broken_database_gives_a_clean_500_page_and_a_logged_cause() {
    let dir = tempfile::tempdir().unwrap();
    let served = serve(dir.path(), &["--demo"]);
    // Sabotage: the versions table disappears under the running server.
    let db = sea_orm::Database::connect(format!(
        "sqlite://{}",
        dir.path().join("data/mingjing.db").display()
    ))
    .await
    .unwrap();
    sea_orm::ConnectionTrait::execute_unprepared(&db, "DROP TABLE procedure_versions")
        .await
        .unwrap();
    db.close().await.unwrap();

    let r = reqwest::get(format!("{}/procedures/1", served.address))
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 500);
    let page = r.text().await.unwrap();
    assert!(page.contains("系统暂时出现问题"), "{page}");
    assert!(
        !page.to_lowercase().contains("sql"),
        "no internals in the page: {page}"
    );
    let r = reqwest::get(format!("{}/api/v1/procedures/1", served.address))
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 500);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "internal");

    tokio::time::sleep(Duration::from_millis(100)).await;
    let (_, stderr) = terminate(served);
    assert!(stderr.contains("request failed"), "{stderr}");
    assert!(
        stderr.contains("no such table"),
        "the cause is logged: {stderr}"
    );
}

/// Submits petitions with a photo until the server stops answering; returns
/// what was acknowledged (tracking number, access code).
pub(crate) async fn burst(address: String, client_no: usize) -> Vec<(String, String)> {
    // Cookies on, redirects off: the filing answers with a redirect to the
    // receipt (post/redirect/get), whose number and code wait in the session.
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let mut acknowledged = Vec::new();
    for i in 0.. {
        let form = reqwest::multipart::Form::new()
            .text("kind", "report")
            .text("agency", "unsure")
            .text("category", "misconduct")
            .text("title", format!("压力测试 {client_no}-{i}"))
            .text(
                "description",
                "在突然断电的情况下，已确认收到的举报不得丢失。".repeat(10),
            )
            .text("anonymous", "on")
            .part(
                "evidence",
                reqwest::multipart::Part::bytes(crate::fixtures::pdf_with_author_and_text(
                    &format!("burst {client_no} {i} {:?}", std::time::SystemTime::now()),
                ))
                .file_name("p.pdf")
                .mime_str("application/pdf")
                .unwrap(),
            );
        let Ok(r) = client
            .post(format!("{address}/petitions"))
            .multipart(form)
            .send()
            .await
        else {
            break;
        };
        if r.status().as_u16() != 303 {
            break;
        }
        let Ok(r) = client
            .get(format!("{address}/petitions/receipt"))
            .send()
            .await
        else {
            break;
        };
        if r.status().as_u16() != 200 {
            break;
        }
        // The receipt reached the client: from here on it must never be lost.
        let Ok(page) = r.text().await else { break };
        acknowledged.push((
            crate::helpers::code_in(&page, "tracking-number"),
            crate::helpers::code_in(&page, "access-code"),
        ));
    }
    acknowledged
}

#[tokio::test]
async fn acknowledged_submissions_survive_repeated_sigkill() {
    let dir = tempfile::tempdir().unwrap();
    let env = [
        ("MINGJING_CAPTCHA", "off"),
        ("MINGJING_RATE_LIMITS", "off"),
        ("RUST_LOG", "warn"),
    ];
    let mut acknowledged = Vec::new();
    for round in 0..3 {
        let mut served =
            serve_with_env(dir.path(), if round == 0 { &["--demo"] } else { &[] }, &env);
        let clients: Vec<_> = (0..6)
            .map(|c| tokio::spawn(burst(served.address.clone(), c)))
            .collect();
        tokio::time::sleep(Duration::from_millis(700 + 300 * round)).await;
        served.child.kill().unwrap(); // SIGKILL: no graceful anything
        served.child.wait().unwrap();
        for c in clients {
            acknowledged.extend(c.await.unwrap());
        }
    }
    assert!(
        acknowledged.len() >= 20,
        "the burst got only {} receipts",
        acknowledged.len()
    );

    let served = serve_with_env(dir.path(), &[], &env);
    let client = reqwest::Client::new();
    for (tn, code) in &acknowledged {
        let r = client
            .get(format!(
                "{}/api/v1/petitions/{}",
                served.address,
                tn.replace('-', "")
            ))
            .header("X-Access-Code", code)
            .send()
            .await
            .unwrap();
        assert_eq!(
            r.status().as_u16(),
            200,
            "acknowledged petition {tn} is lost"
        );
        let body: serde_json::Value = r.json().await.unwrap();
        assert_eq!(
            body["timeline"][0]["files"].as_array().unwrap().len(),
            1,
            "{tn} lost its evidence"
        );
    }
    // No row points at a missing file.
    let db = sea_orm::Database::connect(format!(
        "sqlite://{}",
        dir.path().join("data/mingjing.db").display()
    ))
    .await
    .unwrap();
    let rows = sea_orm::ConnectionTrait::query_all_raw(
        &db,
        sea_orm::Statement::from_string(
            sea_orm::DatabaseBackend::Sqlite,
            "SELECT sha256 FROM evidence",
        ),
    )
    .await
    .unwrap();
    let store = mingjing::files::Directory::new(dir.path().join("data/files"));
    assert!(rows.len() >= acknowledged.len());
    let distinct: std::collections::HashSet<String> = rows
        .iter()
        .map(|r| r.try_get::<String>("", "sha256").unwrap())
        .collect();
    assert!(
        distinct.len() >= acknowledged.len(),
        "every submission stored its own file"
    );
    for row in rows {
        let sha: String = row.try_get("", "sha256").unwrap();
        assert!(
            store.path(&sha).unwrap().exists(),
            "evidence row points at missing file {sha}"
        );
    }
    db.close().await.unwrap();
    terminate(served);
}

/// The server's resident memory now, in bytes (Linux).
fn resident_bytes(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map_or(0, |kb| kb * 1024)
}

/// Ten petitions of 48 MB of evidence each, all at once: the forms are read
/// to temporary files as they arrive and checked a few at a time, so the
/// server's memory grows by far less than the half gigabyte in flight (it
/// buffered every body in memory before: 303 MB → 880 MB). All ten are filed.
#[tokio::test]
async fn ten_large_uploads_at_once_cost_disk_not_memory() {
    let dir = tempfile::tempdir().unwrap();
    let env = [
        ("MINGJING_CAPTCHA", "off"),
        ("MINGJING_RATE_LIMITS", "off"),
        ("RUST_LOG", "warn"),
    ];
    let served = serve_with_env(dir.path(), &["--demo"], &env);
    let pid = served.child.id();
    const MB: usize = 1024 * 1024;
    // Two recordings and a scanned document of 16 MB each (the PDF the
    // heaviest to check: it is parsed and written again).
    let mut mp3 = b"ID3\x03\x00\x00\x00\x00\x00\x00".to_vec();
    mp3.resize(16 * MB, 0x55);
    let mp3 = bytes::Bytes::from(mp3);
    let pdf = bytes::Bytes::from(crate::fixtures::pdf_with_author_and_text(
        &"a".repeat(16 * MB - 1024),
    ));
    tokio::time::sleep(Duration::from_millis(300)).await;
    let before = resident_bytes(pid);

    let sampling = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true));
    let sampler = {
        let sampling = sampling.clone();
        std::thread::spawn(move || {
            let mut peak = 0;
            while sampling.load(std::sync::atomic::Ordering::Relaxed) {
                peak = peak.max(resident_bytes(pid));
                std::thread::sleep(Duration::from_millis(5));
            }
            peak
        })
    };
    let uploads: Vec<_> = (0..10)
        .map(|i| {
            let (address, mp3, pdf) = (served.address.clone(), mp3.clone(), pdf.clone());
            tokio::spawn(async move {
                let part = |bytes: bytes::Bytes, name: &str, mime: &str| {
                    let len = bytes.len() as u64;
                    reqwest::multipart::Part::stream_with_length(bytes, len)
                        .file_name(name.to_owned())
                        .mime_str(mime)
                        .unwrap()
                };
                let form = reqwest::multipart::Form::new()
                    .text("kind", "report")
                    .text("agency", "unsure")
                    .text("category", "misconduct")
                    .text("title", format!("大文件举报 {i}"))
                    .text(
                        "description",
                        "录音两段和扫描件一份，证明执法人员违规收费。".repeat(3),
                    )
                    .text("anonymous", "on")
                    .part("evidence", part(mp3.clone(), "录音一.mp3", "audio/mpeg"))
                    .part("evidence", part(mp3, "录音二.mp3", "audio/mpeg"))
                    .part("evidence", part(pdf, "扫描件.pdf", "application/pdf"));
                reqwest::Client::builder()
                    .redirect(reqwest::redirect::Policy::none())
                    .build()
                    .unwrap()
                    .post(format!("{address}/petitions"))
                    .multipart(form)
                    .send()
                    .await
                    .unwrap()
                    .status()
                    .as_u16()
            })
        })
        .collect();
    let mut statuses = Vec::new();
    for u in uploads {
        statuses.push(u.await.unwrap());
    }
    if statuses.iter().any(|s| *s != 303) {
        sampling.store(false, std::sync::atomic::Ordering::Relaxed);
        let (_, log) = terminate(served);
        panic!("every large petition is filed: {statuses:?}\n{log}");
    }
    sampling.store(false, std::sync::atomic::Ordering::Relaxed);
    let peak = sampler.join().unwrap();
    let grown = peak.saturating_sub(before) / MB as u64;
    eprintln!(
        "resident before {} MB, peak {} MB (+{grown} MB)",
        before / MB as u64,
        peak / MB as u64
    );
    assert!(
        grown < 150,
        "480 MB in flight grew the server by {grown} MB (before {} MB)",
        before / MB as u64
    );
    // A body announced as larger than the limit is refused unread.
    let r = reqwest::Client::new()
        .post(format!("{}/petitions", served.address))
        .header("Content-Type", "multipart/form-data; boundary=x")
        .header("Content-Length", (60 * MB).to_string())
        .body(vec![0u8; 10])
        .send()
        .await;
    if let Ok(r) = r {
        assert_eq!(r.status().as_u16(), 413);
    }
    terminate(served);
}
