//! Supervision and evaluation: every indicator of a hand-computed month, who
//! may see which figures and records, the roll-ups against a recomputation
//! from the record, and the monthly bulletin.

use crate::handling::token;
use crate::helpers::{Backend, TestApp, spawn_app_with};
use mingjing::app::acting::{act_at, petitioner_act_at};
use mingjing::domain::clock::{ClockRules, ClockStart, deadlines_starting};
use mingjing::domain::petition::{
    AgencyChoice, Complainant, PetitionCategory, PetitionDraft, PetitionKind,
};
use mingjing::domain::staff::Role;
use mingjing::domain::workflow::ReviewOutcome;
use mingjing::domain::workflow::{Command, Rating, State};
use mingjing::store::petitions::NewPetition;
use mingjing::store::staff::StaffMember;
use serde_json::Value;

fn day(s: &str) -> chrono::NaiveDate {
    s.parse().unwrap()
}

/// 10:00 China time on `d` (plus `m` minutes).
fn at(d: &str, m: i64) -> chrono::DateTime<chrono::Utc> {
    day(d).and_hms_opt(2, 0, 0).unwrap().and_utc() + chrono::Duration::minutes(m)
}

pub(crate) async fn member(app: &TestApp, agency: &str, role: Role) -> StaffMember {
    let a = app.store.agency_by_code(agency).await.unwrap();
    app.store
        .agency_staff(a.id, role)
        .await
        .unwrap()
        .into_iter()
        .next()
        .unwrap()
}

/// Files a petition at `agency` as received on `received` (10:00 China time).
pub(crate) async fn filed(app: &TestApp, agency: &str, received: &str, n: usize) -> String {
    let a = app.store.agency_by_code(agency).await.unwrap();
    let calendar = app.store.calendar().await.unwrap();
    let draft = PetitionDraft {
        kind: PetitionKind::Complaint,
        agency: AgencyChoice::Chosen(a.id),
        category: PetitionCategory::Conduct,
        subject: "窗口工作人员".into(),
        title: format!("测试事项{n}"),
        description: "办理业务时被要求重复提交材料。".into(),
        desired_outcome: String::new(),
        related_case_number: None,
        complainant: Complainant::Named {
            name: "测试人".into(),
            email: None,
            phone: None,
        },
        notify: mingjing::domain::petition::Notify::Mail,
    };
    let deadlines = deadlines_starting(
        ClockRules::official(),
        &calendar,
        ClockStart::Received,
        "complaint",
        a.agency_type.as_str(),
        day(received),
    );
    let tn = mingjing::domain::codes::TrackingNumber::generate(2026, &mut rand::rng());
    app.store
        .create_petition(NewPetition {
            draft: &draft,
            agency_id: a.id,
            tracking_number: tn.as_str(),
            access_code_hash: String::new(),
            lang: "zh-CN",
            status: State::Received,
            quarantine_reason: None,
            received_at: at(received, 0),
            deadlines: &deadlines,
            files: &[],
            via_partner: None,
            keys: &[],
            channel: mingjing::domain::petition::Channel::Online,
            registered_by: None,
        })
        .await
        .unwrap()
        .unwrap();
    tn.as_str().to_owned()
}

async fn act(app: &TestApp, who: &StaffMember, tn: &str, when: &str, m: i64, c: Command) {
    act_at(&app.store, who, tn, c, None, at(when, m), false)
        .await
        .unwrap_or_else(|e| panic!("{} on {tn} at {when}: {e}", who.role.as_str()));
}

async fn petitioner(app: &TestApp, tn: &str, when: &str, c: Command) {
    let p = app
        .store
        .petition_by_tracking_number(tn)
        .await
        .unwrap()
        .unwrap();
    petitioner_act_at(&app.store, &p, c, at(when, 30))
        .await
        .unwrap();
}

fn draft(outcome: Option<ReviewOutcome>) -> Command {
    Command::DraftAnswer {
        text: "经查，情况属实，已责成整改。".into(),
        legal_basis: "《信访工作条例》".into(),
        review_outcome: outcome,
    }
}

/// November 2026 at the Jiangbei court, by hand: seven petitions received on
/// Monday 2 November (the acceptance decision due Tuesday 17 November); five
/// accepted on the 10th (8 days), two on the 19th (17 days, late); five
/// answered, one draft returned first (6 drafts, 1 returned); ratings 满意 ×3,
/// 基本满意, 不满意; the unsatisfied petitioner asks the city court for a
/// review, which changes the answer on the 28th.
pub(crate) async fn november(app: &TestApp) -> Vec<String> {
    let clerk = member(app, "lj-jb-court", Role::IntakeClerk).await;
    let handler = member(app, "lj-jb-court", Role::Handler).await;
    let boss = member(app, "lj-jb-court", Role::Supervisor).await;
    let mut tns = Vec::new();
    for n in 0..7 {
        tns.push(filed(app, "lj-jb-court", "2026-11-02", n).await);
    }
    for (i, tn) in tns.iter().enumerate() {
        let accepted = if i < 5 { "2026-11-10" } else { "2026-11-19" };
        act(app, &clerk, tn, accepted, 1, Command::Accept).await;
        act(
            app,
            &boss,
            tn,
            accepted,
            2,
            Command::Assign {
                handler_id: handler.id,
            },
        )
        .await;
    }
    for tn in &tns[..5] {
        act(app, &handler, tn, "2026-11-20", 1, draft(None)).await;
    }
    act(
        app,
        &boss,
        &tns[0],
        "2026-11-21",
        1,
        Command::ReturnDraft {
            comments: "请补充依据".into(),
        },
    )
    .await;
    act(app, &handler, &tns[0], "2026-11-22", 1, draft(None)).await;
    for tn in &tns[..5] {
        act(app, &boss, tn, "2026-11-23", 1, Command::Approve).await;
    }
    for (tn, rating) in tns.iter().zip([
        Rating::Satisfied,
        Rating::Satisfied,
        Rating::Satisfied,
        Rating::BasicallySatisfied,
        Rating::Unsatisfied,
    ]) {
        petitioner(
            app,
            tn,
            "2026-11-24",
            Command::Rate {
                rating,
                reason: String::new(),
            },
        )
        .await;
    }
    petitioner(
        app,
        &tns[4],
        "2026-11-25",
        Command::RequestReview {
            reason: "不服".into(),
        },
    )
    .await;
    let city_clerk = member(app, "lj-court", Role::IntakeClerk).await;
    let city_handler = member(app, "lj-court", Role::Handler).await;
    let city_boss = member(app, "lj-court", Role::Supervisor).await;
    act(app, &city_clerk, &tns[4], "2026-11-26", 1, Command::Accept).await;
    act(
        app,
        &city_boss,
        &tns[4],
        "2026-11-26",
        2,
        Command::Assign {
            handler_id: city_handler.id,
        },
    )
    .await;
    act(
        app,
        &city_handler,
        &tns[4],
        "2026-11-27",
        1,
        draft(Some(ReviewOutcome::Changed)),
    )
    .await;
    act(app, &city_boss, &tns[4], "2026-11-28", 1, Command::Approve).await;
    tns
}

async fn get(app: &TestApp, token: &str, path: &str) -> (u16, Value) {
    let r = app
        .client
        .get(app.url(path))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

fn value<'a>(values: &'a Value, id: &str) -> &'a Value {
    values
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["id"] == id)
        .unwrap_or_else(|| panic!("no {id} in {values}"))
}

fn close(v: &Value, expected: f64) -> bool {
    v.as_f64().is_some_and(|x| (x - expected).abs() < 1e-9)
}

async fn every_indicator_of_a_hand_computed_month(app: &TestApp) {
    app.seed_demo().await;
    november(app).await;
    let auditor = token(app, "auditor", "lj-jb-court").await;
    let (status, e) = get(
        app,
        &auditor,
        "/api/v1/staff/oversight/evaluation?period=2026-11",
    )
    .await;
    assert_eq!(status, 200, "{e}");
    let court = &e["agencies"][0];
    assert_eq!(court["who"]["code"], "lj-jb-court");
    let v = &court["values"];
    let acceptance = value(v, "acceptance_on_time");
    assert!(close(&acceptance["value"], 5.0 / 7.0), "{acceptance}");
    assert_eq!(
        (
            acceptance["numerator"].as_i64(),
            acceptance["denominator"].as_i64()
        ),
        (Some(5), Some(7))
    );
    assert_eq!(acceptance["flagged"], true, "below 90%");
    assert!(close(&value(v, "acceptance_days_median")["value"], 8.0));
    assert!(close(&value(v, "return_rate")["value"], 1.0 / 6.0));
    assert!(close(&value(v, "satisfaction_rate")["value"], 0.8));
    let reversal = value(v, "reversal_rate");
    assert!(
        reversal["value"].is_null(),
        "one review is fewer than 5: {reversal}"
    );
    assert_eq!(
        (
            reversal["numerator"].as_i64(),
            reversal["denominator"].as_i64()
        ),
        (Some(1), Some(1))
    );
    assert_eq!(reversal["too_few"], true);
    assert!(close(&value(v, "received")["value"], 7.0));
    assert!(close(&value(v, "answered")["value"], 5.0));
    assert!(close(&value(v, "reviews_requested")["value"], 1.0));
    assert!(close(&value(v, "unsatisfied")["value"], 1.0));
    assert!(
        value(v, "procedural_reply_on_time")["value"].is_null(),
        "not a procuratorate"
    );
    // The score: the weighted mean of the rates that could be computed.
    let expected = 100.0 * (5.0 / 7.0 + 5.0 / 6.0 + 0.8) / 3.0;
    assert!(close(&court["score"], expected), "{}", court["score"]);

    // The officers: the acceptance decisions were the clerk's, the rest the handler's.
    let officer = |role: &str| {
        e["officers"]
            .as_array()
            .unwrap()
            .iter()
            .find(|o| o["who"]["role"] == role)
            .unwrap_or_else(|| panic!("no {role} in {}", e["officers"]))
            .clone()
    };
    let clerk = officer("intake_clerk");
    assert_eq!(
        value(&clerk["values"], "acceptance_on_time")["numerator"],
        5
    );
    let handler = officer("handler");
    assert!(close(
        &value(&handler["values"], "return_rate")["value"],
        1.0 / 6.0
    ));
    assert!(close(
        &value(&handler["values"], "satisfaction_rate")["value"],
        0.8
    ));
    assert_eq!(
        value(&handler["values"], "reversal_rate")["numerator"],
        1,
        "the review changed their answer"
    );

    // The city court decided the review; its answer counts there, the reversal here.
    let city = token(app, "auditor", "lj-court").await;
    let (_, e) = get(
        app,
        &city,
        "/api/v1/staff/oversight/evaluation?period=2026-11",
    )
    .await;
    let city_row = e["agencies"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["who"]["code"] == "lj-court")
        .unwrap();
    assert!(close(&value(&city_row["values"], "answered")["value"], 1.0));
    assert_eq!(
        value(&city_row["values"], "reversal_rate")["denominator"],
        0
    );

    // The quarter holds the month; December holds nothing of it.
    let (_, q) = get(
        app,
        &auditor,
        "/api/v1/staff/oversight/evaluation?period=2026-Q4",
    )
    .await;
    assert!(close(
        &value(&q["agencies"][0]["values"], "received")["value"],
        7.0
    ));
    let (_, dec) = get(
        app,
        &auditor,
        "/api/v1/staff/oversight/evaluation?period=2026-12",
    )
    .await;
    assert!(close(
        &value(&dec["agencies"][0]["values"], "received")["value"],
        0.0
    ));

    // The oversight page: two petitions accepted late, all answered or under review.
    let (status, o) = get(app, &auditor, "/api/v1/staff/oversight").await;
    assert_eq!(status, 200, "{o}");
    let line = &o["lines"][0];
    assert_eq!(line["agency"]["code"], "lj-jb-court");
    assert_eq!(
        line["live"]["by_stage"]["assigned"], 2,
        "the two accepted late are with the handler"
    );
    assert_eq!(line["live"]["by_stage"]["answered"], 4);
}

db_test!(every_indicator_of_a_hand_computed_month);

async fn who_sees_which_figures_and_records(app: &TestApp) {
    app.seed_demo().await;
    november(app).await;
    let handler = member(app, "lj-jb-court", Role::Handler).await;
    // The record dates each act when it happened: the scenario's acts are
    // November's, and there they are (not on the day the test ran).
    let this_month = "2026-11";
    let records = |id| format!("/api/v1/staff/oversight/officers/{id}?period={this_month}");
    // The county's auditor: their county; not the neighbouring county, not the city.
    let county = token(app, "auditor", "lj-jb-court").await;
    assert_eq!(get(app, &county, "/api/v1/staff/oversight").await.0, 200);
    let nx = app.store.agency_by_code("lj-nx-court").await.unwrap().id;
    let city_id = app.store.agency_by_code("lj-court").await.unwrap().id;
    assert_eq!(
        get(
            app,
            &county,
            &format!("/api/v1/staff/oversight?agency={nx}")
        )
        .await
        .0,
        404
    );
    assert_eq!(
        get(
            app,
            &county,
            &format!("/api/v1/staff/oversight/evaluation?agency={city_id}")
        )
        .await
        .0,
        404
    );
    assert_eq!(get(app, &county, &records(handler.id)).await.0, 200);
    // The city's auditor sees its counties and their officers' records.
    let city = token(app, "auditor", "lj-court").await;
    let (status, o) = get(app, &city, "/api/v1/staff/oversight").await;
    assert_eq!(status, 200);
    let codes: Vec<&str> = o["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["agency"]["code"].as_str().unwrap())
        .collect();
    assert!(
        codes.contains(&"lj-jb-court") && codes.contains(&"lj-nx-court"),
        "{codes:?}"
    );
    assert!(
        !codes.iter().any(|c| c.starts_with("qs")),
        "never another city's: {codes:?}"
    );
    let (status, r) = get(app, &city, &records(handler.id)).await;
    assert_eq!(status, 200);
    assert!(
        r["total"].as_u64().unwrap() >= 6,
        "the handler's acts: {}",
        r["total"]
    );
    // Reading someone's record is in the trail, once a day per reader and record.
    assert_eq!(get(app, &city, &records(handler.id)).await.0, 200);
    let subject = format!("staff:{}", handler.id);
    let reads = mingjing::audit::entries(app.store.conn(), Some(&subject))
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.action == "read_record")
        .map(|e| e.actor)
        .collect::<Vec<_>>();
    let city_auditor = member(app, "lj-court", Role::Auditor).await;
    assert_eq!(
        reads
            .iter()
            .filter(|a| **a == format!("staff:{}", city_auditor.id))
            .count(),
        1,
        "two reads today, one entry: {reads:?}"
    );
    // The officer reads their own record; a colleague and a higher supervisor do not.
    let own = token(app, "handler", "lj-jb-court").await;
    assert_eq!(get(app, &own, &records(handler.id)).await.0, 200);
    let nx_handler = token(app, "handler", "lj-nx-court").await;
    assert_eq!(get(app, &nx_handler, &records(handler.id)).await.0, 404);
    let city_boss = token(app, "supervisor", "lj-court").await;
    assert_eq!(get(app, &city_boss, &records(handler.id)).await.0, 404);
    // A handler has no oversight console.
    assert_eq!(get(app, &own, "/api/v1/staff/oversight").await.0, 403);
    // The pages: a county supervisor's console lists only its own agency.
    app.login_demo("supervisor", "lj-jb-court").await;
    let (status, page) = app.get_text("/staff/oversight?lang=en").await;
    assert_eq!(status, 200);
    crate::helpers::assert_translated(&page);
    assert!(
        !page.contains("Nanxi"),
        "no other county on a county's page"
    );
    let (status, page) = app
        .get_text(&format!(
            "/staff/officers/{}?period={this_month}&lang=en",
            handler.id
        ))
        .await;
    assert_eq!(status, 200);
    crate::helpers::assert_translated(&page);
    assert!(page.contains("Drafted the answer"), "{page}");
    let csv = app
        .client
        .get(app.url(&format!(
            "/staff/officers/{}/record.csv?period=2026-11&lang=en",
            handler.id
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(csv.status().as_u16(), 200);
    assert!(
        csv.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let csv = csv.text().await.unwrap();
    assert!(csv.contains("Answers changed on review"), "{csv}");
    let csv = app
        .client
        .get(app.url(&format!(
            "/staff/officers/{}/record.csv?period={this_month}&lang=en",
            handler.id
        )))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(csv.contains("draft_answer"), "{csv}");
    let (status, _) = app
        .get_text(&format!(
            "/staff/officers/{}",
            member(app, "lj-nx-court", Role::Handler).await.id
        ))
        .await;
    assert_eq!(
        status, 404,
        "a supervisor reads only their own agency's records"
    );
}

db_test!(who_sees_which_figures_and_records);

/// A seeded year of handling through the real workflow keeps the roll-ups in
/// step as it goes; recomputing them from the record gives the same rows, and
/// so does recounting a single day.
async fn the_rollups_equal_a_recomputation_from_the_record(app: &TestApp) {
    app.seed_demo().await;
    let today = mingjing::app::today();
    let history = mingjing::demo::history::seed(&app.store, today, 4)
        .await
        .unwrap();
    assert!(history.petitions > 20 && history.acts > 100, "{history:?}");
    let incremental = app.store.rollup_rows().await.unwrap();
    assert!(incremental.0.len() > 50, "{} day rows", incremental.0.len());
    let report = app.store.rebuild_rollups().await.unwrap();
    assert!(report.events > 0 && report.deadlines > 0, "{report:?}");
    let rebuilt = app.store.rollup_rows().await.unwrap();
    let diff: Vec<_> = incremental
        .0
        .iter()
        .filter(|(k, v)| rebuilt.0.get(*k) != Some(v))
        .chain(
            rebuilt
                .0
                .iter()
                .filter(|(k, _)| !incremental.0.contains_key(*k)),
        )
        .take(10)
        .collect();
    assert!(diff.is_empty(), "day rows differ: {diff:?}");
    assert_eq!(incremental.1, rebuilt.1, "month rows differ");
    // Recounting one busy day from the record changes nothing.
    let busy = incremental
        .0
        .keys()
        .filter_map(|k| k.split('/').nth(2))
        .max()
        .unwrap()
        .to_owned();
    app.store.recount_rollup_day(day(&busy)).await.unwrap();
    assert_eq!(app.store.rollup_rows().await.unwrap(), rebuilt);
}

db_test!(the_rollups_equal_a_recomputation_from_the_record);

async fn the_bulletin_is_made_once_mailed_and_readable(backend: Backend) {
    let (port, mut inbox) = crate::helpers::smtp_listener().await;
    let Some(app) = spawn_app_with(backend, |s| {
        s.smtp_url = Some(format!("smtp://127.0.0.1:{port}"));
    })
    .await
    else {
        return;
    };
    app.seed_demo().await;
    november(&app).await;
    let month = mingjing::domain::evaluation::Period::Month(2026, 11);
    // Two workers at once, then a restart that tries again: one bulletin per agency.
    let (a, b) = tokio::join!(
        mingjing::app::bulletins::generate(&app.store, month),
        mingjing::app::bulletins::generate(&app.store, month)
    );
    let (a, b) = (a.unwrap(), b.unwrap());
    let agencies = app.store.agencies().await.unwrap().len();
    assert_eq!(a.generated + b.generated, agencies, "{a:?} {b:?}");
    let again = mingjing::app::bulletins::generate(&app.store, month)
        .await
        .unwrap();
    assert_eq!((again.generated, again.existing), (0, agencies));
    // Its mail reaches the county court's supervisor and the city court's.
    let mut settings = crate::helpers::test_settings(app._dir.path().to_path_buf(), String::new());
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
    let county_boss = member(&app, "lj-jb-court", Role::Supervisor).await;
    let city_boss = member(&app, "lj-court", Role::Supervisor).await;
    let mut to_county = 0;
    let mut to_city = 0;
    let mut body = String::new();
    while let Ok(raw) = inbox.try_recv() {
        if raw.contains(&format!("To: {}", county_boss.email)) && raw.contains("2026-11") {
            to_county += 1;
            let parsed = mailparse::parse_mail(raw.as_bytes()).unwrap();
            body = parsed
                .subparts
                .iter()
                .find(|p| p.ctype.mimetype == "text/plain")
                .expect("a text part")
                .get_body()
                .unwrap();
        }
        if raw.contains(&format!("To: {}", city_boss.email)) {
            to_city += 1;
        }
    }
    assert_eq!(to_county, 1, "the county court's supervisor, once");
    assert!(
        to_city >= 2,
        "the city court's supervisor: its own and each county court's"
    );
    let link = body
        .lines()
        .find(|l| l.contains("/staff/bulletins/"))
        .map(|l| l.trim().to_owned())
        .expect("a link in the mail");
    let path = &link[link.find("/staff/bulletins/").unwrap()..];
    let path: String = path
        .chars()
        .take_while(|c| !c.is_whitespace() && *c != '<' && *c != '"')
        .collect();
    app.login_demo("supervisor", "lj-court").await;
    let (status, page) = app.get_text(&format!("{path}?lang=en")).await;
    assert_eq!(status, 200, "{path}");
    crate::helpers::assert_translated(&page);
    assert!(page.contains("Bulletin of 2026-11"), "{page}");
    assert!(page.contains("71.4%"), "acceptance in time, 5 of 7: {page}");
    assert!(page.contains("Answers changed on review (1)"), "{page}");
    app.login_demo("auditor", "lj-nx-court").await;
    assert_eq!(
        app.get_text(path.as_str()).await.0,
        404,
        "another county's auditor"
    );
    app.teardown().await;
}

#[tokio::test]
async fn the_bulletin_is_made_once_mailed_and_readable_on_sqlite() {
    the_bulletin_is_made_once_mailed_and_readable(Backend::Sqlite).await;
}

#[tokio::test]
async fn the_bulletin_is_made_once_mailed_and_readable_on_postgres() {
    the_bulletin_is_made_once_mailed_and_readable(Backend::Postgres).await;
}

/// The petitioner's 30 days to ask for a review are their time, not the
/// agency's: an answered petition whose review window has passed is neither in
/// the overdue queue nor counted overdue on the oversight page.
async fn an_answered_petition_is_never_overdue(app: &TestApp) {
    app.seed_demo().await;
    let clerk = member(app, "lj-jb-court", Role::IntakeClerk).await;
    let handler = member(app, "lj-jb-court", Role::Handler).await;
    let boss = member(app, "lj-jb-court", Role::Supervisor).await;
    let tn = filed(app, "lj-jb-court", "2026-08-03", 0).await;
    act(app, &clerk, &tn, "2026-08-05", 1, Command::Accept).await;
    act(
        app,
        &boss,
        &tn,
        "2026-08-05",
        2,
        Command::Assign {
            handler_id: handler.id,
        },
    )
    .await;
    act(app, &handler, &tn, "2026-08-20", 1, draft(None)).await;
    act(app, &boss, &tn, "2026-08-21", 1, Command::Approve).await;
    let p = app
        .store
        .petition_by_tracking_number(&tn)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(p.status, State::Answered);
    // Beside it, one still waiting for its acceptance decision: that one is late.
    let late = filed(app, "lj-jb-court", "2026-08-03", 1).await;
    let supervisor = token(app, "supervisor", "lj-jb-court").await;
    let (status, overdue) = get(app, &supervisor, "/api/v1/staff/petitions?queue=overdue").await;
    assert_eq!(status, 200);
    let listed = |tn: &str| {
        overdue
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["tracking_number"] == tn)
    };
    assert!(
        !listed(&tn),
        "the review window passed in September; nothing is late: {overdue}"
    );
    assert!(listed(&late), "{overdue}");
    let (_, o) = get(app, &supervisor, "/api/v1/staff/oversight").await;
    assert_eq!(o["lines"][0]["live"]["overdue"], 1, "{o}");
}

db_test!(an_answered_petition_is_never_overdue);
