//! A database whose audit trail is no longer guarded by its triggers is not
//! served: the server refuses to start and says how to restore them.

use crate::helpers::{TestApp, test_settings};
use mingjing::startup::Application;
use sea_orm::{ConnectionTrait, DatabaseBackend};

async fn a_database_whose_trail_is_unguarded_is_not_served(app: &TestApp) {
    // The demo's acts are in the trail: there is something to protect.
    app.seed_demo().await;
    let conn = app.store.conn();
    let drop = match conn.get_database_backend() {
        DatabaseBackend::Postgres => "DROP TRIGGER audit_log_append_only ON audit_log",
        _ => "DROP TRIGGER audit_log_no_delete",
    };
    conn.execute_unprepared(drop).await.unwrap();
    assert!(!mingjing::audit::unprotected(conn).await.unwrap().is_empty());
    let settings = || test_settings(app._dir.path().to_path_buf(), "given-store".to_owned());
    let refused = Application::build_with(settings(), app.store.clone(), None)
        .await
        .err()
        .expect("the server refuses to start");
    let why = refused.to_string();
    assert!(
        why.contains("audit trail is not protected") && why.contains("mingjing audit protect"),
        "{why}"
    );

    // `audit verify` says so too, and fails.
    let env = [
        ("MINGJING_DATA_DIR", app._dir.path().to_str().unwrap()),
        ("MINGJING_DATABASE_URL", app.database_url.as_str()),
    ];
    let (ok, out) = crate::backup::cli(&["audit", "verify"], &env).await;
    assert!(
        !ok && out.contains("UNPROTECTED") && out.contains("audit protect"),
        "{out}"
    );

    let restored = mingjing::audit::protect(conn).await.unwrap();
    assert_eq!(restored.len(), 1, "{restored:?}");
    assert!(mingjing::audit::unprotected(conn).await.unwrap().is_empty());
    assert!(
        conn.execute_unprepared("DELETE FROM audit_log")
            .await
            .is_err(),
        "the trail refuses a DELETE again"
    );
    let (ok, out) = crate::backup::cli(&["audit", "verify"], &env).await;
    assert!(ok && out.contains("intact"), "{out}");
    let started = Application::build_with(settings(), app.store.clone(), None)
        .await
        .expect("starts once the trail is guarded");
    let handle = started.server_handle();
    tokio::spawn(started.run_until_stopped());
    handle.stop(false).await;
}

db_test!(a_database_whose_trail_is_unguarded_is_not_served);
