//! The real binary, as an operator runs it.

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

struct Served {
    child: Child,
    address: String,
}

/// Starts `mingjing serve` in `dir` and waits for its "serving on" line.
fn serve(dir: &std::path::Path, extra_args: &[&str]) -> Served {
    let mut child = Command::new(env!("CARGO_BIN_EXE_mingjing"))
        .arg("serve")
        .args(extra_args)
        .current_dir(dir)
        .env_remove("MINGJING_DATABASE_URL")
        .env_remove("MINGJING_DATA_DIR")
        .env("MINGJING_BIND", "127.0.0.1:0")
        .env("RUST_LOG", "info")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
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
    Served { child, address }
}

fn terminate(mut served: Served) -> (std::process::ExitStatus, String) {
    let _ = Command::new("kill")
        .arg("-TERM")
        .arg(served.child.id().to_string())
        .status();
    let status = served.child.wait().unwrap();
    let mut stderr = String::new();
    served
        .child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    (status, stderr)
}

#[tokio::test]
async fn serve_in_an_empty_directory_creates_and_migrates_the_database_and_stops_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let served = serve(dir.path(), &[]);
    assert!(dir.path().join("data/mingjing.db").exists());
    assert!(dir.path().join("data/secret.key").exists());
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
