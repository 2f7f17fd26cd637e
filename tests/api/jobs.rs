//! The durable job queue: written in the caller's transaction, retried with
//! backoff for as long as its kind's policy says, claimed again after a worker
//! dies, deduplicated by key; given-up jobs listed and requeued by an operator.

use crate::helpers::TestApp;
use mingjing::jobs::{self, Handlers, Queue};
use sea_orm::{ConnectionTrait, TransactionTrait};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Makes every pending job due now, so tests need not wait out the backoff.
async fn make_due(app: &TestApp) {
    app.store
        .conn()
        .execute_unprepared("UPDATE jobs SET run_at_ms = 0 WHERE status = 'pending'")
        .await
        .unwrap();
}

async fn a_job_exists_only_if_its_transaction_commits(app: &TestApp) {
    let txn = app.store.conn().begin().await.unwrap();
    jobs::enqueue(&txn, "test.noop", serde_json::json!({"n": 1}), None)
        .await
        .unwrap();
    txn.rollback().await.unwrap();
    assert_eq!(jobs::stats(&app.store).await.unwrap().pending, 0);
    let txn = app.store.conn().begin().await.unwrap();
    jobs::enqueue(&txn, "test.noop", serde_json::json!({"n": 2}), None)
        .await
        .unwrap();
    txn.commit().await.unwrap();
    assert_eq!(jobs::stats(&app.store).await.unwrap().pending, 1);
}
db_test!(a_job_exists_only_if_its_transaction_commits);

async fn a_failing_job_is_retried_with_backoff_until_it_succeeds(app: &TestApp) {
    let calls = Arc::new(AtomicUsize::new(0));
    let mut handlers = Handlers::default();
    let c = calls.clone();
    handlers.register("test.flaky", move |payload| {
        let c = c.clone();
        async move {
            assert_eq!(payload["to"], "someone");
            if c.fetch_add(1, Ordering::SeqCst) < 2 {
                anyhow::bail!("smtp down")
            } else {
                Ok(())
            }
        }
    });
    let queue = Queue::new(app.store.clone(), handlers);
    jobs::enqueue(
        app.store.conn(),
        "test.flaky",
        serde_json::json!({"to": "someone"}),
        None,
    )
    .await
    .unwrap();
    assert!(queue.run_one().await.unwrap());
    // Backed off: not due again at once.
    assert!(
        !queue.run_one().await.unwrap(),
        "a failed job must wait before its retry"
    );
    make_due(app).await;
    assert!(queue.run_one().await.unwrap());
    make_due(app).await;
    assert!(queue.run_one().await.unwrap());
    assert_eq!(calls.load(Ordering::SeqCst), 3);
    let stats = jobs::stats(&app.store).await.unwrap();
    assert_eq!(stats.pending, 0);
    assert_eq!(stats.dead, 0);
    let row = app
        .store
        .conn()
        .query_one_raw(sea_orm::Statement::from_string(
            app.store.conn().get_database_backend(),
            "SELECT status, attempts FROM jobs",
        ))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.try_get::<String>("", "status").unwrap(), "done");
    assert_eq!(row.try_get::<i32>("", "attempts").unwrap(), 3);
}
db_test!(a_failing_job_is_retried_with_backoff_until_it_succeeds);

async fn a_job_whose_worker_died_is_claimed_again(app: &TestApp) {
    jobs::enqueue(app.store.conn(), "test.noop", serde_json::json!({}), None)
        .await
        .unwrap();
    let mut handlers = Handlers::default();
    handlers.register("test.noop", |_| async { Ok(()) });
    let queue = Queue::new(app.store.clone(), handlers);
    let claimed = queue.claim().await.unwrap().expect("a due job");
    // The worker "dies" here. While its lease runs, nobody else takes the job...
    assert!(queue.claim().await.unwrap().is_none());
    // ...and when the lease has run out, the job is run again (at least once).
    app.store
        .conn()
        .execute_unprepared("UPDATE jobs SET locked_until_ms = 1")
        .await
        .unwrap();
    assert!(queue.run_one().await.unwrap());
    assert_eq!(jobs::stats(&app.store).await.unwrap().pending, 0);
    assert_eq!(claimed.attempts, 1);
}
db_test!(a_job_whose_worker_died_is_claimed_again);

async fn the_same_dedupe_key_enqueues_once(app: &TestApp) {
    for _ in 0..3 {
        jobs::enqueue(
            app.store.conn(),
            "test.noop",
            serde_json::json!({}),
            Some("mail:ack:ABC".into()),
        )
        .await
        .unwrap();
    }
    assert_eq!(jobs::stats(&app.store).await.unwrap().pending, 1);
}
db_test!(the_same_dedupe_key_enqueues_once);

/// Moves a timestamp column back, as if `ago` had passed since it was written.
pub(crate) async fn set_time(app: &TestApp, sql: &str, at: chrono::DateTime<chrono::Utc>) {
    let backend = app.store.conn().get_database_backend();
    let sql = match backend {
        sea_orm::DatabaseBackend::Postgres => sql.to_owned(),
        _ => sql.replace("$1", "?"),
    };
    app.store
        .conn()
        .execute_raw(sea_orm::Statement::from_sql_and_values(
            backend,
            sql,
            [at.into()],
        ))
        .await
        .unwrap();
}

fn days_ago(days: i64) -> chrono::DateTime<chrono::Utc> {
    chrono::Utc::now() - chrono::TimeDelta::days(days)
}

async fn a_job_of_unknown_kind_is_parked_once_its_retry_window_has_passed(app: &TestApp) {
    jobs::enqueue(
        app.store.conn(),
        "test.unknown",
        serde_json::json!({}),
        None,
    )
    .await
    .unwrap();
    let queue = Queue::new(app.store.clone(), Handlers::default());
    // Far more attempts than the 12 after which the queue used to give up.
    for _ in 0..30 {
        make_due(app).await;
        assert!(queue.run_one().await.unwrap());
    }
    let stats = jobs::stats(&app.store).await.unwrap();
    assert_eq!((stats.pending, stats.dead), (1, 0), "still trying");
    // Three days later (the portal's own jobs' window) it is given up.
    set_time(app, "UPDATE jobs SET created_at = $1", days_ago(3)).await;
    make_due(app).await;
    assert!(queue.run_one().await.unwrap());
    let stats = jobs::stats(&app.store).await.unwrap();
    assert_eq!((stats.pending, stats.dead), (0, 1));
    let health: serde_json::Value = app.get("/healthz").await.json().await.unwrap();
    assert_eq!(health["queue"]["dead"], 1);
    assert_eq!(health["status"], "degraded", "{health:#}");
    let problems = health["problems"].to_string();
    assert!(
        problems.contains("test.unknown ×1") && problems.contains("mingjing jobs retry"),
        "{problems}"
    );
}
db_test!(a_job_of_unknown_kind_is_parked_once_its_retry_window_has_passed);

/// Runs the `mingjing` binary on the app's database: success and stdout.
fn cli(app: &TestApp, args: &[&str]) -> (bool, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_mingjing"))
        .args(args)
        .env("MINGJING_DATABASE_URL", &app.database_url)
        .env("MINGJING_DATA_DIR", app._dir.path())
        .env("RUST_LOG", "error")
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr),
    )
}

/// A mail relay down for longer than the old retry window (12 attempts,
/// about three hours): the acknowledgement waits, health names the mail
/// transport, and once the job is given up after the mail window an operator
/// sees it, requeues it (audited), and it is delivered once.
async fn a_mail_outage_loses_no_mail_and_is_reported(app: &TestApp) {
    use std::sync::atomic::AtomicBool;
    let refusing = Arc::new(AtomicBool::new(true));
    let (port, mut inbox) = crate::helpers::smtp_listener_refusing(refusing.clone()).await;
    app.seed_demo().await;
    let (tn, _) = crate::handling::file(app, "lj-court").await;
    let mut settings = crate::helpers::test_settings(app._dir.path().to_path_buf(), String::new());
    settings.smtp_url = Some(format!("smtp://127.0.0.1:{port}"));
    let queue = || {
        Queue::new(
            app.store.clone(),
            mingjing::startup::job_handlers(
                &settings,
                &app.store,
                Arc::new(mingjing::render::Views::load().unwrap()),
            )
            .unwrap(),
        )
    };
    for _ in 0..20 {
        make_due(app).await;
        assert!(queue().run_one().await.unwrap());
    }
    let stats = jobs::stats(&app.store).await.unwrap();
    assert_eq!(
        (stats.pending, stats.dead),
        (1, 0),
        "20 failures, still queued"
    );
    let health: serde_json::Value = app.get("/healthz").await.json().await.unwrap();
    assert_eq!(
        health["mail"]["status"], "ok",
        "a relay refusing for a minute is routine: {health:#}"
    );
    assert!(health["mail"]["failing_since"].is_string());
    // Ten minutes of refusals: the mail transport is named.
    set_time(
        app,
        "UPDATE transport_health SET failing_since = $1",
        chrono::Utc::now() - chrono::TimeDelta::minutes(10),
    )
    .await;
    let health: serde_json::Value = app.get("/healthz").await.json().await.unwrap();
    assert_eq!(health["status"], "degraded", "{health:#}");
    assert_eq!(health["mail"]["status"], "failing");
    assert!(
        health["mail"]["last_error"]
            .as_str()
            .is_some_and(|e| e.contains("421")),
        "the relay's answer: {health:#}"
    );
    assert!(
        health["problems"]
            .to_string()
            .contains("mail delivery has failed since"),
        "{health:#}"
    );
    // Five days (the mail window) later, the job is given up and shown as such.
    set_time(app, "UPDATE jobs SET created_at = $1", days_ago(5)).await;
    make_due(app).await;
    assert!(queue().run_one().await.unwrap());
    assert_eq!(jobs::stats(&app.store).await.unwrap().dead, 1);
    let (ok, listed) = cli(app, &["jobs", "list", "--dead"]);
    assert!(ok, "{listed}");
    assert!(
        listed.contains("mail.petition_ack") && listed.contains("dead"),
        "{listed}"
    );
    let id = listed.split_whitespace().next().unwrap().to_owned();
    // The relay is back; the operator requeues the job, and it is sent once.
    refusing.store(false, std::sync::atomic::Ordering::SeqCst);
    let (ok, out) = cli(app, &["jobs", "retry", &id, "--by", "operator:ops"]);
    assert!(ok, "{out}");
    assert!(out.contains(&format!("requeued 1 job(s): {id}")), "{out}");
    let (ok, out) = cli(app, &["jobs", "retry", &id]);
    assert!(!ok, "a job that is not dead is not requeued: {out}");
    assert_eq!(queue().drain().await.unwrap(), 1);
    let mail = tokio::time::timeout(std::time::Duration::from_secs(5), inbox.recv())
        .await
        .expect("the acknowledgement arrives")
        .unwrap();
    let parsed = mailparse::parse_mail(mail.as_bytes()).unwrap();
    let header = |name: &str| {
        parsed
            .headers
            .iter()
            .find(|h| h.get_key().eq_ignore_ascii_case(name))
            .map(|h| h.get_value())
            .unwrap_or_default()
    };
    assert!(header("to").contains("li4@example.cn"), "{mail}");
    assert!(
        header("subject").replace('-', "").contains(&tn),
        "the acknowledgement of {tn}: {mail}"
    );
    assert!(
        tokio::time::timeout(std::time::Duration::from_millis(500), inbox.recv())
            .await
            .is_err(),
        "delivered once"
    );
    let stats = jobs::stats(&app.store).await.unwrap();
    assert_eq!((stats.pending, stats.dead), (0, 0));
    let health: serde_json::Value = app.get("/healthz").await.json().await.unwrap();
    assert_eq!(health["status"], "ok", "{health:#}");
    assert_eq!(health["mail"]["status"], "ok");
    assert!(health["mail"]["failing_since"].is_null());
    // The requeue is on the record, with who did it.
    let entries = mingjing::audit::entries(app.store.conn(), None)
        .await
        .unwrap();
    let retry = entries
        .iter()
        .find(|e| e.action == "job.retry")
        .expect("an audit entry for the requeue");
    assert_eq!(retry.actor, "operator:ops");
    assert_eq!(retry.subject, format!("job:{id}"));
    assert!(mingjing::audit::verify(&entries).is_ok());
}
db_test!(mail_outage => a_mail_outage_loses_no_mail_and_is_reported, |s| s.captcha = false);

async fn concurrent_workers_never_run_one_job_twice(app: &TestApp) {
    for i in 0..40 {
        jobs::enqueue(
            app.store.conn(),
            "test.count",
            serde_json::json!({"i": i}),
            None,
        )
        .await
        .unwrap();
    }
    let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
    let mut workers = Vec::new();
    for _ in 0..4 {
        let mut handlers = Handlers::default();
        let s = seen.clone();
        handlers.register("test.count", move |p| {
            let s = s.clone();
            async move {
                s.lock().unwrap().push(p["i"].as_i64().unwrap());
                Ok(())
            }
        });
        let queue = Queue::new(app.store.clone(), handlers);
        workers.push(tokio::spawn(async move { queue.drain().await.unwrap() }));
    }
    let mut total = 0;
    for w in workers {
        total += w.await.unwrap();
    }
    assert_eq!(total, 40);
    let mut seen = seen.lock().unwrap().clone();
    seen.sort();
    assert_eq!(seen, (0..40).collect::<Vec<_>>());
}
db_test!(concurrent_workers_never_run_one_job_twice);

/// A transaction that reads before it writes, while a job is written on
/// another connection (as the runner, the outboxes and the bulletins do all
/// day), still commits: on SQLite the store begins writes IMMEDIATE, so the
/// other writer waits instead of the transaction failing with "database is
/// locked" (which a deferred BEGIN gives at once, with no busy wait).
async fn a_read_then_write_transaction_survives_a_concurrent_writer(app: &TestApp) {
    let txn = app.store.begin_write().await.unwrap();
    txn.query_one_raw(sea_orm::Statement::from_string(
        txn.get_database_backend(),
        "SELECT COUNT(*) AS n FROM jobs",
    ))
    .await
    .unwrap();
    let store = app.store.clone();
    let other = tokio::spawn(async move {
        jobs::enqueue(store.conn(), "test.noop", serde_json::json!({"n": 1}), None).await
    });
    // Long enough for the other write to have run had nothing held it back.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    jobs::enqueue(&txn, "test.noop", serde_json::json!({"n": 2}), None)
        .await
        .expect("the transaction's own write");
    txn.commit().await.unwrap();
    other.await.unwrap().expect("the other connection's write");
    assert_eq!(jobs::stats(&app.store).await.unwrap().pending, 2);
}
db_test!(a_read_then_write_transaction_survives_a_concurrent_writer);

async fn administrators_see_and_requeue_given_up_jobs_in_the_console(app: &TestApp) {
    app.seed_demo().await;
    jobs::enqueue(
        app.store.conn(),
        "mail.test_refused",
        serde_json::json!({}),
        None,
    )
    .await
    .unwrap();
    let mut handlers = Handlers::default();
    handlers.register("mail.test_refused", |_| async {
        anyhow::bail!("550 5.1.1 <li4@example.cn>: Recipient address rejected")
    });
    set_time(app, "UPDATE jobs SET created_at = $1", days_ago(6)).await;
    assert!(
        Queue::new(app.store.clone(), handlers)
            .run_one()
            .await
            .unwrap()
    );
    assert_eq!(jobs::stats(&app.store).await.unwrap().dead, 1);

    app.login_demo("handler", "jn-court").await;
    assert_eq!(app.get("/staff/queue").await.status().as_u16(), 403);
    app.login_demo("admin", "lj-court").await;
    let (status, page) = app.get_text("/staff/queue").await;
    assert_eq!(status, 200);
    crate::helpers::assert_translated(&page);
    assert!(page.contains("mail.test_refused") && page.contains("已停止重试的任务"));
    assert!(
        !page.contains("li4@example.cn")
            && page.contains("[电子邮箱]&gt;: Recipient address rejected"),
        "the relay's refusal is shown with the address masked:\n{page}"
    );
    let (_, english) = app.get_text("/staff/queue?lang=en").await;
    crate::helpers::assert_translated(&english);
    assert!(english.contains("Given-up jobs"));
    assert_eq!(jobs::stats(&app.store).await.unwrap().pending, 0);
    let token = crate::helpers::csrf(&page);
    let r = app
        .post_form(
            "/staff/queue/retry",
            &[("csrf_token", &token), ("job", "all")],
        )
        .await;
    assert_eq!(r.status().as_u16(), 303);
    assert_eq!(
        r.headers()["location"].to_str().unwrap(),
        "/staff/queue?requeued=1"
    );
    let (_, after) = app.get_text("/staff/queue?requeued=1&lang=zh-CN").await;
    assert!(after.contains("已重新排队 1 个任务"), "{after}");
    let stats = jobs::stats(&app.store).await.unwrap();
    assert_eq!((stats.pending, stats.dead), (1, 0));
    let entries = mingjing::audit::entries(app.store.conn(), None)
        .await
        .unwrap();
    let retry = entries.iter().find(|e| e.action == "job.retry").unwrap();
    assert!(retry.actor.starts_with("staff:"), "{}", retry.actor);
    // Without the form's token nothing is requeued.
    let r = app
        .post_form(
            "/staff/queue/retry",
            &[("csrf_token", "forged"), ("job", "all")],
        )
        .await;
    assert!(r.status().is_client_error());
}
db_test!(administrators_see_and_requeue_given_up_jobs_in_the_console);
