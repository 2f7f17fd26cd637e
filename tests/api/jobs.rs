//! The durable job queue: written in the caller's transaction, retried with
//! backoff, claimed again after a worker dies, deduplicated by key.

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

async fn a_job_of_unknown_kind_is_parked_after_its_attempts(app: &TestApp) {
    jobs::enqueue(
        app.store.conn(),
        "test.unknown",
        serde_json::json!({}),
        None,
    )
    .await
    .unwrap();
    let queue = Queue::new(app.store.clone(), Handlers::default());
    for _ in 0..jobs::MAX_ATTEMPTS {
        make_due(app).await;
        assert!(queue.run_one().await.unwrap());
    }
    let stats = jobs::stats(&app.store).await.unwrap();
    assert_eq!((stats.pending, stats.dead), (0, 1));
    let health: serde_json::Value = app.get("/healthz").await.json().await.unwrap();
    assert_eq!(health["queue"]["dead"], 1);
}
db_test!(a_job_of_unknown_kind_is_parked_after_its_attempts);

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
