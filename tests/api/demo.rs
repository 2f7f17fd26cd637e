//! The demo a court would judge the product by: a seeded year of handling,
//! then the server's start-up sweep and its jobs, as `serve --demo` runs
//! them — and the demo's own invariants checked over the result: acts dated
//! when they happened, reminders before their deadlines, one urging per
//! overdue deadline, matters at the right type of body, answers with
//! content, officers' figures that add up to their agency's, and a Chinese
//! timeline without untranslated strings.

use crate::helpers::TestApp;
use sea_orm::{ConnectionTrait, Statement};
use serde_json::Value;

async fn rows(app: &TestApp, sql: &str) -> Vec<sea_orm::QueryResult> {
    let backend = app.store.conn().get_database_backend();
    app.store
        .conn()
        .query_all_raw(Statement::from_string(backend, sql.to_owned()))
        .await
        .unwrap()
}

async fn the_demo_year_is_one_a_reviewer_would_believe(app: &TestApp) {
    app.seed_demo().await;
    let today = mingjing::app::today();
    mingjing::demo::history::seed(&app.store, today, 12)
        .await
        .unwrap();
    // What `serve` does first: the sweep, and the jobs it enqueues.
    mingjing::app::sweep::sweep(&app.store, today)
        .await
        .unwrap();
    let settings = crate::helpers::test_settings(app._dir.path().to_path_buf(), String::new());
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

    // Acts are dated when they happened: an officer's record spreads over the year.
    let months: std::collections::BTreeSet<String> =
        rows(app, "SELECT at FROM audit_log WHERE actor LIKE 'staff:%'")
            .await
            .iter()
            .map(|r| r.try_get::<String>("", "at").unwrap()[..7].to_owned())
            .collect();
    assert!(
        months.len() >= 10,
        "acts in {} months: {months:?}",
        months.len()
    );

    // No reminder after its deadline; one urging per overdue deadline.
    let mut urged = std::collections::HashMap::new();
    for r in rows(
        app,
        "SELECT petition_id, kind, body, created_at FROM petition_events \
         WHERE kind IN ('deadline_remind', 'deadline_urge')",
    )
    .await
    {
        let kind: String = r.try_get("", "kind").unwrap();
        let body: String = r.try_get("", "body").unwrap();
        let at: chrono::DateTime<chrono::Utc> = r.try_get("", "created_at").unwrap();
        let due =
            chrono::NaiveDate::parse_from_str(body.split(' ').nth(1).unwrap(), "%Y-%m-%d").unwrap();
        let on = mingjing::domain::clock::china_date(at);
        if kind == "deadline_remind" {
            assert!(on <= due, "a reminder on {on} of a deadline due {due}");
        } else {
            assert!(on > due, "an urging on {on} of a deadline due {due}");
            let petition: i32 = r.try_get("", "petition_id").unwrap();
            *urged.entry((petition, body)).or_insert(0) += 1;
        }
    }
    assert!(!urged.is_empty(), "the demo has overdue deadlines urged");
    assert!(
        urged.values().all(|n| *n == 1),
        "urged twice: {:?}",
        urged
            .iter()
            .filter(|(_, n)| **n > 1)
            .take(3)
            .collect::<Vec<_>>()
    );

    // Matters at the right type of body; answers that say something.
    let wrong = rows(
        app,
        "SELECT p.title FROM petitions p JOIN agencies a ON a.id = p.agency_id \
         WHERE a.agency_type <> 'court' AND (p.title LIKE '判决生效%' OR p.title LIKE '执行款%')",
    )
    .await;
    assert!(wrong.is_empty(), "an execution matter outside a court");
    for r in rows(
        app,
        "SELECT answer_text FROM petitions WHERE answer_text IS NOT NULL",
    )
    .await
    {
        let answer: String = r.try_get("", "answer_text").unwrap();
        let text = mingjing::domain::workflow::split_answer(&answer).0;
        assert!(
            text.chars().count() >= 40 && !text.ends_with("如下。"),
            "an answer without content: {text}"
        );
    }

    // The officers' lines and the unattributed one add up to the agency.
    let auditor = crate::handling::token(app, "auditor", "lj-jb-court").await;
    let year = chrono::Datelike::year(&today);
    let e: Value = app
        .client
        .get(app.url(&format!("/api/v1/staff/oversight/evaluation?period={year}")))
        .bearer_auth(&auditor)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let of = |values: &Value, id: &str| {
        values
            .as_array()
            .unwrap()
            .iter()
            .find(|v| v["id"] == id)
            .unwrap_or_else(|| panic!("no {id} in {values}"))["numerator"]
            .as_i64()
            .unwrap()
    };
    for id in ["urgings", "received", "answered", "return_rate"] {
        let agency = of(&e["agencies"][0]["values"], id);
        let officers: i64 = e["officers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| of(&o["values"], id))
            .sum();
        let rest = if e["unattributed"].is_null() {
            0
        } else {
            of(&e["unattributed"], id)
        };
        assert_eq!(
            officers + rest,
            agency,
            "{id}: officers {officers} + {rest} ≠ {agency}"
        );
    }

    // The Chinese timeline names every step in Chinese.
    let urged_petition = urged.keys().next().unwrap().0;
    let tn: String = rows(
        app,
        &format!("SELECT tracking_number FROM petitions WHERE id = {urged_petition}"),
    )
    .await[0]
        .try_get("", "tracking_number")
        .unwrap();
    let agency: String = rows(
        app,
        &format!(
            "SELECT a.code FROM petitions p JOIN agencies a ON a.id = p.agency_id WHERE p.id = {urged_petition}"
        ),
    )
    .await[0]
        .try_get("", "code")
        .unwrap();
    app.login_demo("supervisor", &agency).await;
    let (status, page) = app
        .get_text(&format!("/staff/petitions/{tn}?lang=zh-CN"))
        .await;
    assert_eq!(status, 200);
    crate::helpers::assert_translated(&page);
    for clock in [
        "acceptance ",
        "conclusion ",
        "procedural_reply ",
        "result_reply ",
        "review_decision ",
    ] {
        assert!(
            !page.contains(clock),
            "untranslated {clock:?} on the timeline"
        );
    }
    assert!(
        page.contains("到期"),
        "the urging says which deadline, in Chinese"
    );
}
db_test!(the_demo_year_is_one_a_reviewer_would_believe);
