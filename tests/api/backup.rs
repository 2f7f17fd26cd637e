//! The backup and restore drill (备份与恢复): a populated portal under write
//! load is backed up with `mingjing backup` while it serves, restored with
//! `mingjing restore` into an empty data directory and database, and the
//! restored portal is checked as an operator would after a disaster: every
//! petition acknowledged before the backup opens with its code, every
//! evidence file is served, `audit verify` passes against a checkpoint taken
//! before the backup, and `reindex` brings search back.

use crate::helpers::{Browser, TestApp, drop_postgres, fresh_postgres};
use crate::nodes::{file_with_photo, staff_token};
use crate::process::serve_with_env;
use sea_orm::{ConnectionTrait, Database, Statement};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

/// Runs the `mingjing` binary with `env` (off the async threads, so the
/// in-process portal keeps serving meanwhile): success and output.
pub(crate) async fn cli(args: &[&str], env: &[(&str, &str)]) -> (bool, String) {
    let args: Vec<String> = args.iter().map(|a| (*a).to_owned()).collect();
    let env: Vec<(String, String)> = env
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    tokio::task::spawn_blocking(move || {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_mingjing"))
            .args(&args)
            .env_remove("MINGJING_SECRET")
            .env("RUST_LOG", "error")
            .envs(env)
            .output()
            .unwrap();
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned()
                + &String::from_utf8_lossy(&out.stderr),
        )
    })
    .await
    .unwrap()
}

async fn lookup_status(node: &Browser, tn: &str, code: &str) -> u16 {
    node.client
        .get(node.url(&format!("/api/v1/petitions/{tn}")))
        .header("X-Access-Code", code)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

/// The bytes of the first evidence file on a petition's status page.
async fn first_file(node: &Browser, tn: &str, code: &str) -> Vec<u8> {
    let r = node
        .post_form("/track", &[("tracking_number", tn), ("access_code", code)])
        .await;
    assert_eq!(r.status().as_u16(), 303, "{tn} opens");
    let location = r.headers()["location"].to_str().unwrap().to_owned();
    let (_, page) = node.get_text(&location).await;
    let link = page.find("/files/").expect("the evidence is listed");
    let start = page[..link].rfind('"').unwrap() + 1;
    let href = page[start..].split('"').next().unwrap().to_owned();
    let file = node.get(&href).await;
    assert_eq!(file.status().as_u16(), 200, "{href}");
    file.bytes().await.unwrap().to_vec()
}

type Acknowledged = Arc<Mutex<Vec<(String, String)>>>;

/// Files anonymous reports through the JSON API until `stop`, adding each
/// acknowledged one (number, code) to `acknowledged` as its 201 arrives.
async fn write_load(node: Browser, stop: Arc<AtomicBool>, acknowledged: Acknowledged) {
    while !stop.load(Ordering::SeqCst) {
        let r = node
            .client
            .post(node.url("/api/v1/petitions"))
            .json(&serde_json::json!({
                "kind": "report", "category": "misconduct", "title": "备份期间的举报",
                "description": "备份进行时提交的举报，用于检验恢复后的数据。", "anonymous": true
            }))
            .send()
            .await
            .unwrap();
        if r.status().as_u16() == 201 {
            let body: serde_json::Value = r.json().await.unwrap();
            acknowledged.lock().unwrap().push((
                body["tracking_number"].as_str().unwrap().to_owned(),
                body["access_code"].as_str().unwrap().to_owned(),
            ));
        }
    }
}

async fn petitions_in(url: &str) -> i64 {
    let db = Database::connect(url).await.unwrap();
    let row = db
        .query_one_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT COUNT(*) FROM petitions",
        ))
        .await
        .unwrap()
        .unwrap();
    let n = row.try_get_by_index::<i64>(0).unwrap();
    let _ = db.close().await;
    n
}

async fn a_backup_taken_under_load_restores_the_whole_portal(app: &TestApp) {
    app.seed_demo().await;
    let source = app._dir.path();
    // Where an operator's installation keeps its secret: the app's own.
    std::fs::write(
        source.join("secret.key"),
        hex::encode(b"integration-test-secret-with-enough-bytes"),
    )
    .unwrap();
    let source_env = [
        ("MINGJING_DATA_DIR", source.to_str().unwrap()),
        ("MINGJING_DATABASE_URL", app.database_url.as_str()),
    ];
    let agencies: Vec<serde_json::Value> = app.get("/api/v1/agencies").await.json().await.unwrap();
    let agency = agencies.iter().find(|a| a["code"] == "lj-jb-psb").unwrap()["id"].to_string();
    let mut with_photos = Vec::new();
    for i in 0..3 {
        with_photos.push(file_with_photo(app, &agency, &format!("backup{i}@example.cn")).await);
    }
    crate::handling::handle(app, "lj-jb-psb", &with_photos[0].0).await;
    let photo = first_file(app, &with_photos[0].0, &with_photos[0].1).await;
    let work = tempfile::tempdir().unwrap();
    let checkpoint = work.path().join("checkpoint.json");
    let (ok, out) = cli(
        &["audit", "checkpoint", "--out", checkpoint.to_str().unwrap()],
        &source_env,
    )
    .await;
    assert!(ok, "{out}");

    // Under write load, the backup.
    let stop = Arc::new(AtomicBool::new(false));
    let acknowledged = Acknowledged::default();
    let load = tokio::spawn(write_load(
        Browser::new(app.address.clone()),
        stop.clone(),
        acknowledged.clone(),
    ));
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    // Everything acknowledged by now must be in the backup.
    let acknowledged_before = acknowledged.lock().unwrap().clone();
    let count_before = petitions_in(&app.database_url).await;
    let backup = work.path().join("backup");
    let (ok, out) = cli(&["backup", "--out", backup.to_str().unwrap()], &source_env).await;
    assert!(ok, "{out}");
    // Three photos of the same content are one file (content-addressed).
    assert!(out.contains("1 evidence file(s)"), "{out}");
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    stop.store(true, Ordering::SeqCst);
    load.await.unwrap();
    let all = acknowledged.lock().unwrap().clone();
    let during = &all[acknowledged_before.len()..];
    assert!(
        !acknowledged_before.is_empty(),
        "petitions were filed before the backup"
    );
    assert!(
        !during.is_empty(),
        "petitions were filed while the backup ran"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        for private in ["", "secret.key", "audit-signing.key"] {
            let mode = std::fs::metadata(backup.join(private))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(
                mode & 0o077,
                0,
                "{private:?} is readable by others: {mode:o}"
            );
        }
    }

    // Restored elsewhere: an empty data directory and a new database.
    let target = work.path().join("restored");
    let (target_url, pg) = if app.database_url.starts_with("postgres") {
        let (url, admin, name) = fresh_postgres().await.unwrap();
        (url, Some((admin, name)))
    } else {
        (
            format!("sqlite://{}", target.join("mingjing.db").display()),
            None,
        )
    };
    let target_env = [
        ("MINGJING_DATA_DIR", target.to_str().unwrap()),
        ("MINGJING_DATABASE_URL", target_url.as_str()),
    ];
    let (ok, out) = cli(&["restore", backup.to_str().unwrap()], &target_env).await;
    assert!(ok, "{out}");
    assert!(out.contains("the audit trail verifies"), "{out}");
    let (ok, out) = cli(&["restore", backup.to_str().unwrap()], &target_env).await;
    assert!(
        !ok && out.contains("empty"),
        "never over an installation: {out}"
    );
    let (ok, out) = cli(
        &[
            "audit",
            "verify",
            "--checkpoint",
            checkpoint.to_str().unwrap(),
        ],
        &target_env,
    )
    .await;
    assert!(ok, "the restored trail extends the checkpoint: {out}");
    let (ok, out) = cli(&["reindex"], &target_env).await;
    assert!(ok, "{out}");

    let served = serve_with_env(
        work.path(),
        &[],
        &[
            target_env[0],
            target_env[1],
            ("MINGJING_CAPTCHA", "off"),
            // As the portal backed up ran: the checks below look up every
            // petition from one address, and those filed during the backup
            // may be missing (a failed lookup, counted per client).
            ("MINGJING_RATE_LIMITS", "off"),
            ("RUST_LOG", "warn"),
        ],
    );
    let restored = Browser::new(served.address.clone());
    for (tn, code) in &with_photos {
        assert_eq!(lookup_status(&restored, tn, code).await, 200, "{tn}");
    }
    assert_eq!(
        first_file(&restored, &with_photos[0].0, &with_photos[0].1).await,
        photo,
        "the same evidence, byte for byte"
    );
    for (tn, code) in with_photos.iter().skip(1) {
        assert!(!first_file(&restored, tn, code).await.is_empty());
    }
    for (tn, code) in &acknowledged_before {
        assert_eq!(
            lookup_status(&restored, tn, code).await,
            200,
            "acknowledged before the backup: {tn}"
        );
    }
    // Filed while the backup ran: each is there with its code, or not yet
    // there at all — never there with another code.
    for (tn, code) in during {
        let status = lookup_status(&restored, tn, code).await;
        assert!(status == 200 || status == 404, "{tn}: {status}");
    }
    assert!(petitions_in(&target_url).await >= count_before);
    // Search is back: staff find a petition by its number.
    let token = staff_token(&restored, "intake-clerk", "lj-jb-psb").await;
    let body: serde_json::Value = restored
        .client
        .get(restored.url("/api/v1/search"))
        .query(&[("q", with_photos[1].0.as_str())])
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(body["total"], 1, "{body}");
    drop(served);
    if let Some((admin, name)) = pg {
        drop_postgres(&admin, &name).await;
    }
}
db_test!(drill => a_backup_taken_under_load_restores_the_whole_portal, |s| {
    s.captcha = false;
    s.rate_limits = false;
});
