//! The holiday calendar runs out: deadlines past it are provisional on every
//! surface, an operator loads the next year, provisional deadlines are counted
//! again (later, never earlier) and the petitioner sees every moved date.

use crate::handling::{act, file, token};
use crate::helpers::{Backend, TestApp, spawn_app_with};
use sea_orm::{ConnectionTrait, Statement};
use serde_json::{Value, json};

/// The last year of the shipped calendar (official notices only).
const SHIPPED_LAST_YEAR: i32 = 2026;
const FIXTURE: &str = include_str!("../fixtures/calendar-2027.TEST-FIXTURE.toml");

fn today() -> chrono::NaiveDate {
    mingjing::domain::clock::china_date(chrono::Utc::now())
}

fn year_of(date: &Value) -> i32 {
    date.as_str().unwrap()[..4].parse().unwrap()
}

async fn sql(app: &TestApp, sql: String) {
    let backend = app.store.conn().get_database_backend();
    app.store
        .conn()
        .execute_raw(Statement::from_string(backend, sql))
        .await
        .unwrap();
}

async fn status(app: &TestApp, tn: &str, code: &str) -> Value {
    let r = app
        .client
        .get(app.url(&format!("/api/v1/petitions/{tn}")))
        .header("X-Access-Code", code)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    r.json().await.unwrap()
}

fn deadline<'a>(status: &'a Value, clock: &str) -> &'a Value {
    status["deadlines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["clock"] == clock)
        .unwrap_or_else(|| panic!("no open {clock} deadline in {status}"))
}

async fn marked_provisional_then_counted_again(backend: Backend) {
    let (port, mut inbox) = crate::helpers::smtp_listener().await;
    let Some(app) = spawn_app_with(backend, |s| {
        s.smtp_url = Some(format!("smtp://127.0.0.1:{port}"));
    })
    .await
    else {
        return;
    };
    app.seed_demo().await;

    // A petition to the provincial procuratorate: its result is due in three months.
    let (tn, code) = file(&app, "jn-proc").await;
    let s = status(&app, &tn, &code).await;
    let result = deadline(&s, "result_reply");
    assert_eq!(
        result["provisional"],
        year_of(&result["due_on"]) > SHIPPED_LAST_YEAR,
        "provisional exactly when due past the calendar: {result}"
    );
    assert_eq!(
        result["provisional"],
        true,
        "three months from {} reach 2027",
        today()
    );
    let acceptance = deadline(&s, "acceptance");
    assert_eq!(
        acceptance["provisional"],
        year_of(&acceptance["due_on"]) > SHIPPED_LAST_YEAR
    );

    // The acknowledgement mail says so, in the petitioner's language.
    crate::helpers::drain_mail(&app, port).await;
    let ack = inbox.recv().await.unwrap();
    let ack = mailparse::parse_mail(ack.as_bytes()).unwrap();
    let bodies: Vec<String> = ack.subparts.iter().map(|p| p.get_body().unwrap()).collect();
    for body in &bodies {
        assert!(
            body.contains("暂定"),
            "the mail marks it provisional:\n{body}"
        );
        assert!(body.contains("2027年法定节假日安排尚未公布"), "{body}");
    }

    // The status page says so, with the explanation.
    let r = app
        .post_form(
            "/track",
            &[
                ("tracking_number", tn.as_str()),
                ("access_code", code.as_str()),
            ],
        )
        .await;
    assert_eq!(r.status().as_u16(), 303);
    let (_, page) = app.get_text(&format!("/track/{tn}?lang=en")).await;
    crate::helpers::assert_translated(&page);
    assert!(page.contains("provisional"), "{page}");
    assert!(
        page.contains("The official holiday arrangement for 2027 is not yet published"),
        "{page}"
    );

    // Accepting starts the 60-day conclusion clock.
    let clerk = token(&app, "intake-clerk", "jn-proc").await;
    assert_eq!(
        act(&app, &clerk, &tn, json!({"action": "accept"})).await.0,
        200
    );

    // The staff page marks it, and the console warns the supervisor that the calendar ends.
    app.login_demo("supervisor", "jn-proc").await;
    let (code_page, page) = app
        .get_text(&format!("/staff/petitions/{tn}?lang=en"))
        .await;
    assert_eq!(code_page, 200);
    crate::helpers::assert_translated(&page);
    assert!(page.contains("badge-provisional"), "{page}");
    assert!(
        page.contains("calendar-warning"),
        "the supervisor's banner: {page}"
    );
    assert!(page.contains("The official holiday calendar"), "{page}");
    // The staff API carries the flag too.
    let boss = token(&app, "supervisor", "jn-proc").await;
    let staff_view: Value = app
        .client
        .get(app.url(&format!("/api/v1/staff/petitions/{tn}")))
        .bearer_auth(&boss)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        staff_view["deadlines"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["provisional"] == true),
        "{staff_view}"
    );
    // A handler sees no banner: it is for those who can act on it.
    app.login_demo("handler", "jn-proc").await;
    let (_, page) = app.get_text("/staff/petitions").await;
    assert!(!page.contains("calendar-warning"));

    // Pin the dates as if filed and accepted on Tuesday 1 December 2026, so the
    // expectations below are hand-computed: the result is due Monday 1 March
    // 2027 and the conclusion Monday 1 February (Saturday 30 January moved on).
    let petition_id = format!(
        "(SELECT id FROM petitions WHERE tracking_number = '{}')",
        tn.replace('-', "")
    );
    for (clock, due) in [("result_reply", "2027-03-01"), ("conclusion", "2027-02-01")] {
        sql(
            &app,
            format!(
                "UPDATE petition_deadlines SET started_on = '2026-12-01', due_on = '{due}', calendar_year = {SHIPPED_LAST_YEAR} \
                 WHERE petition_id = {petition_id} AND clock = '{clock}' AND status = 'open'"
            ),
        )
        .await;
    }
    let p = app
        .store
        .petition_by_tracking_number(&tn)
        .await
        .unwrap()
        .unwrap();
    app.store.invalidate_status(p.id);
    let s = status(&app, &tn, &code).await;
    assert_eq!(deadline(&s, "result_reply")["due_on"], "2027-03-01");
    assert_eq!(deadline(&s, "conclusion")["due_on"], "2027-02-01");
    assert_eq!(deadline(&s, "conclusion")["provisional"], true);

    // The operator loads 2027 (the test fixture: 1 March a holiday, Saturday 30 January worked).
    let report = mingjing::app::calendar::load(&app.store, FIXTURE, "test operator", false)
        .await
        .unwrap();
    assert_eq!(report.last_year, 2027);
    assert_eq!(report.recount.moved, 1, "{:?}", report.recount);

    let s = status(&app, &tn, &code).await;
    let result = deadline(&s, "result_reply");
    assert_eq!(
        result["due_on"], "2027-03-02",
        "1 March is a holiday: the next working day"
    );
    assert_eq!(result["provisional"], false);
    let conclusion = deadline(&s, "conclusion");
    assert_eq!(
        conclusion["due_on"], "2027-02-01",
        "30 January is worked, but a date given never moves earlier"
    );
    assert_eq!(conclusion["provisional"], false);
    let moved: Vec<&Value> = s["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "deadline_moved")
        .collect();
    assert_eq!(moved.len(), 1, "one moved date, one timeline event");
    assert_eq!(moved[0]["body"], "result_reply\n2027-03-01\n2027-03-02");

    // The petitioner reads it on the status page, in words, and is told by mail.
    // (This client's session went to the staff logins since: open it again.)
    app.post_form(
        "/track",
        &[
            ("tracking_number", tn.as_str()),
            ("access_code", code.as_str()),
        ],
    )
    .await;
    let (_, page) = app.get_text(&format!("/track/{tn}?lang=en")).await;
    assert!(
        page.contains("moves from 2027-03-01 to 2027-03-02"),
        "the moved date on the status page: {page}"
    );
    crate::helpers::drain_mail(&app, port).await;
    let mut told = false;
    while let Ok(raw) = inbox.try_recv() {
        let mail = mailparse::parse_mail(raw.as_bytes()).unwrap();
        let text = mail.subparts[0].get_body().unwrap();
        told |= text.contains("2027-03-02") && text.contains("2027-03-01");
    }
    assert!(told, "the petitioner is mailed the moved date");

    // The load is in the audit trail: who, and the notice cited; the chain is intact.
    let entries = mingjing::audit::entries(app.store.conn(), Some("calendar:2027"))
        .await
        .unwrap();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].actor, "operator:test operator");
    assert_eq!(entries[0].action, "calendar_load");
    assert!(
        entries[0].after.contains("TEST FIXTURE"),
        "{}",
        entries[0].after
    );
    let all = mingjing::audit::entries(app.store.conn(), None)
        .await
        .unwrap();
    mingjing::audit::verify(&all).unwrap();

    // Counting again finds nothing more; loading the year again needs --replace.
    let again = mingjing::app::calendar::recount(&app.store).await.unwrap();
    assert_eq!(again.counted, 0);
    assert!(matches!(
        mingjing::app::calendar::load(&app.store, FIXTURE, "test operator", false).await,
        Err(mingjing::app::calendar::LoadError::AlreadyKnown { year: 2027, .. })
    ));
    app.teardown().await;
}

#[tokio::test]
async fn provisional_deadlines_are_marked_and_move_later_when_the_year_is_loaded_on_sqlite() {
    marked_provisional_then_counted_again(Backend::Sqlite).await;
}

#[tokio::test]
async fn provisional_deadlines_are_marked_and_move_later_when_the_year_is_loaded_on_postgres() {
    marked_provisional_then_counted_again(Backend::Postgres).await;
}

async fn health_reports_the_calendar(app: &TestApp) {
    let h: Value = app.get("/healthz").await.json().await.unwrap();
    assert_eq!(h["calendar"]["last_year"], SHIPPED_LAST_YEAR);
    assert_eq!(h["calendar"]["ends_on"], "2026-12-31");
    let end = chrono::NaiveDate::from_ymd_opt(SHIPPED_LAST_YEAR, 12, 31).unwrap();
    let warned = (end - today()).num_days() <= 60;
    assert_eq!(
        h["calendar"]["warning"].is_string(),
        warned,
        "warned from 60 days before the end: {h}"
    );
    assert_eq!(h["warnings"].as_array().unwrap().len(), usize::from(warned));
    assert_eq!(
        h["status"], "ok",
        "a warning does not take the node out of service"
    );
}

db_test!(health_reports_the_calendar);

/// The command an operator runs, as they run it.
#[tokio::test]
async fn the_calendar_command_refuses_a_bad_file_with_its_line_and_loads_a_good_one() {
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_mingjing"))
            .args(args)
            .env("MINGJING_DATA_DIR", dir.path())
            .env(
                "MINGJING_DATABASE_URL",
                format!("sqlite://{}", dir.path().join("m.db").display()),
            )
            .env("MINGJING_SECRET", "calendar-test-secret-long-enough")
            .output()
            .unwrap()
    };
    let bad = dir.path().join("bad.toml");
    std::fs::write(
        &bad,
        "[2027]\nnotice = \"x\"\nnotice_date = \"2026-11-30\"\nholidays = [\"2027-01-01\"]\nmakeup_workdays = [\"2027-01-01\"]\n",
    )
    .unwrap();
    let out = run(&[
        "calendar",
        "import",
        bad.to_str().unwrap(),
        "--by",
        "运维 王",
    ]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("line 5") && stderr.contains("both a holiday and a make-up"),
        "{stderr}"
    );
    let good = dir.path().join("good.toml");
    std::fs::write(&good, FIXTURE).unwrap();
    let out = run(&[
        "calendar",
        "import",
        good.to_str().unwrap(),
        "--by",
        "运维 王",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("2027: loaded"), "{stdout}");
    assert!(
        stdout.contains("the calendar now ends with 2027"),
        "{stdout}"
    );
    let out = run(&["calendar", "show"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("2026: notice 国办发明电〔2025〕7号"),
        "{stdout}"
    );
    assert!(stdout.contains("2027: notice TEST FIXTURE"), "{stdout}");
    assert!(stdout.contains("loaded by 运维 王"), "{stdout}");
    let out = run(&[
        "calendar",
        "import",
        good.to_str().unwrap(),
        "--by",
        "运维 王",
    ]);
    assert!(
        !out.status.success(),
        "a year already known needs --replace"
    );
}
