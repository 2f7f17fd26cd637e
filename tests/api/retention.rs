//! The retention schedule (保存期限), with the clock moved on: identities,
//! contact details and evidence files of concluded petitions are gone after
//! the run — from the rows, the timelines, the search index and the file
//! store — while the statistics, the audit chain and held or open petitions
//! stay as they were; the dry run changes nothing.

use crate::backup::cli;
use crate::handling::{handle, petitioner, token};
use crate::helpers::TestApp;
use crate::nodes::file_with_photo_as;
use mingjing::domain::retention::Action;
use serde_json::{Value, json};

const NAME: &str = "王小明";
const PHONE: &str = "13912345678";
const EMAIL: &str = "wang.xiaoming@example.cn";
const AGENCY: &str = "lj-jb-psb";

async fn agency_id(app: &TestApp) -> String {
    let agencies: Vec<Value> = app.get("/api/v1/agencies").await.json().await.unwrap();
    agencies.iter().find(|a| a["code"] == AGENCY).unwrap()["id"].to_string()
}

/// A complaint whose texts name the petitioner and give their phone, with
/// `photo`; its tracking number as stored, and its access code.
async fn file(app: &TestApp, title: &str, photo: Vec<u8>) -> (String, String) {
    let agency = agency_id(app).await;
    let description = format!(
        "本人{NAME}，2026年11月20日在户籍窗口被要求往返三次，请回电{PHONE}或发邮件至{EMAIL}。"
    );
    let (tn, code) = file_with_photo_as(
        app,
        &agency,
        &[
            ("title", title),
            ("description", &description),
            ("contact_name", NAME),
            ("contact_phone", PHONE),
            ("contact_email", EMAIL),
        ],
        photo,
    )
    .await;
    (mingjing::app::records::canonical_number(&tn), code)
}

/// Handled to an answer, the petitioner writes again with their phone, then closes it.
async fn conclude(app: &TestApp, tn: &str, code: &str) {
    handle(app, AGENCY, tn).await;
    let r = app
        .client
        .post(app.url(&format!("/api/v1/petitions/{tn}/messages")))
        .header("X-Access-Code", code)
        .json(&json!({"message": format!("补充：如有需要请拨打{PHONE}联系{NAME}。")}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 201, "{}", r.text().await.unwrap());
    assert_eq!(
        petitioner(app, tn, code, json!({"action": "close"}))
            .await
            .0,
        200
    );
}

async fn staff_hits(app: &TestApp, token: &str, q: &str) -> u64 {
    app.index().await;
    let body: Value = app
        .client
        .get(app.url("/api/v1/search"))
        .query(&[("q", q)])
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    body["total"].as_u64().unwrap_or_else(|| panic!("{body}"))
}

async fn status_page(app: &TestApp, tn: &str, code: &str) -> String {
    let browser = crate::helpers::Browser::new(app.address.clone());
    let r = browser
        .post_form("/track", &[("tracking_number", tn), ("access_code", code)])
        .await;
    assert_eq!(r.status().as_u16(), 303);
    let location = r.headers()["location"].to_str().unwrap().to_owned();
    let (status, page) = browser.get_text(&location).await;
    assert_eq!(status, 200);
    page
}

/// Every place a petitioner's words could stay: the petition row, its events,
/// its evidence names and the whole audit trail.
async fn traces(app: &TestApp, tn: &str) -> Vec<String> {
    use sea_orm::{ConnectionTrait, Statement};
    let conn = app.store.conn();
    let backend = conn.get_database_backend();
    let p = app
        .store
        .petition_by_tracking_number(tn)
        .await
        .unwrap()
        .unwrap();
    let mut texts = vec![
        p.contact_name.clone().unwrap_or_default(),
        p.contact_email.clone().unwrap_or_default(),
        p.contact_phone.clone().unwrap_or_default(),
        p.title.clone(),
        p.subject.clone(),
        p.description.clone(),
    ];
    for row in conn
        .query_all_raw(Statement::from_string(
            backend,
            format!(
                "SELECT body FROM petition_events WHERE petition_id = {}",
                p.id
            ),
        ))
        .await
        .unwrap()
    {
        texts.push(row.try_get("", "body").unwrap());
    }
    for f in app.store.petition_files(p.id).await.unwrap() {
        texts.push(f.file_name);
    }
    // The letters issued: their frozen facts, and whether a copy printing them is kept.
    for row in conn
        .query_all_raw(Statement::from_string(
            backend,
            format!(
                "SELECT facts FROM issued_letters WHERE petition_id = {}",
                p.id
            ),
        ))
        .await
        .unwrap()
    {
        texts.push(row.try_get("", "facts").unwrap());
    }
    let kept = conn
        .query_all_raw(Statement::from_string(
            backend,
            format!(
                "SELECT code FROM letters WHERE petition_id = {} AND pdf IS NOT NULL",
                p.id
            ),
        ))
        .await
        .unwrap();
    if !kept.is_empty() {
        texts.push(format!("{NAME}: {} letter copies kept", kept.len()));
    }
    for e in mingjing::audit::entries(conn, None).await.unwrap() {
        texts.push(format!("{} {}", e.before, e.after));
    }
    texts
        .into_iter()
        .filter(|t| [NAME, PHONE, EMAIL].iter().any(|v| t.contains(v)))
        .collect()
}

async fn concluded_petitions_are_anonymised_and_their_files_deleted_on_schedule(app: &TestApp) {
    app.seed_demo().await;
    // A's photo is its own; the other two sent the same one (stored once).
    let shared = crate::fixtures::jpeg_with_metadata();
    let (a, a_code) = file(
        app,
        "户籍窗口要求往返三次（甲）",
        crate::fixtures::tiny_png(),
    )
    .await;
    let (held, held_code) = file(app, "户籍窗口要求往返三次（乙）", shared.clone()).await;
    let (open, _) = file(app, "户籍窗口要求往返三次（丙）", shared).await;
    conclude(app, &a, &a_code).await;
    // The petitioner keeps the answer letter, which names them.
    let r = app
        .post_form(
            "/track",
            &[
                ("tracking_number", a.as_str()),
                ("access_code", a_code.as_str()),
            ],
        )
        .await;
    assert!(r.status().is_redirection() || r.status().is_success());
    let (status, _, letter_pdf) =
        crate::letters::bytes_of(app, &format!("/track/{a}/letter.pdf")).await;
    assert_eq!(status, 200);
    let letter_text = crate::helpers::pdf_text(&letter_pdf);
    assert!(letter_text.contains(NAME), "{letter_text}");
    let letter_code = crate::letters::code_printed(&letter_text);
    conclude(app, &held, &held_code).await;
    let files = app.files.clone();
    let a_petition = app
        .store
        .petition_by_tracking_number(&a)
        .await
        .unwrap()
        .unwrap();
    let a_photo = app.store.petition_files(a_petition.id).await.unwrap()[0]
        .sha256
        .clone();
    assert!(files.read(&a_photo).await.is_ok());
    // The petitioner's words are everywhere before: the audit trail is not among them.
    assert!(!traces(app, &a).await.is_empty());
    assert!(
        mingjing::audit::entries(app.store.conn(), None)
            .await
            .unwrap()
            .iter()
            .all(|e| ![NAME, PHONE, EMAIL]
                .iter()
                .any(|v| e.after.contains(v) || e.before.contains(v))),
        "the audit trail commits to texts, it does not copy them"
    );
    let clerk = token(app, "intake-clerk", AGENCY).await;
    assert_eq!(staff_hits(app, &clerk, NAME).await, 3);

    // A supervisor places a legal hold on one of them, through the console.
    let supervisor = crate::helpers::Browser::new(app.address.clone());
    supervisor.login_demo("supervisor", AGENCY).await;
    let path = format!("/staff/petitions/{held}");
    let csrf = supervisor.csrf_of(&path).await;
    let r = supervisor
        .post_form(
            &format!("{path}/hold"),
            &[("csrf_token", &csrf), ("hold_reason", "")],
        )
        .await;
    assert_eq!(r.status().as_u16(), 422, "a hold needs its reason");
    let r = supervisor
        .post_form(
            &format!("{path}/hold"),
            &[
                ("csrf_token", &csrf),
                ("hold_reason", "信访人已就此事提起行政诉讼，需保持材料原状"),
            ],
        )
        .await;
    assert_eq!(r.status().as_u16(), 303);
    let (_, page) = supervisor.get_text(&path).await;
    assert!(page.contains("提起行政诉讼"), "the hold is shown");
    // A handler may not place one.
    let handler = crate::helpers::Browser::new(app.address.clone());
    handler.login_demo("handler", AGENCY).await;
    let csrf = handler.csrf_of(&format!("/staff/petitions/{a}")).await;
    let r = handler
        .post_form(
            &format!("/staff/petitions/{a}/hold"),
            &[("csrf_token", &csrf), ("hold_reason", "试图保留")],
        )
        .await;
    assert_eq!(r.status().as_u16(), 403);

    let rollups_before = app.store.rollup_rows().await.unwrap();
    let concluded = a_petition
        .concluded_on
        .or(app
            .store
            .petition_by_tracking_number(&a)
            .await
            .unwrap()
            .unwrap()
            .concluded_on)
        .expect("closed today");
    let in_years = |y: u32| concluded + chrono::Months::new(12 * y);

    // Two years on, the dry run names the evidence of A only, and changes nothing.
    let dry = mingjing::app::retention::run(
        &app.store,
        files.as_ref(),
        in_years(2),
        true,
        "operator:test",
    )
    .await
    .unwrap();
    let steps: Vec<(String, Action)> = dry
        .steps
        .iter()
        .map(|s| (s.tracking_number.clone(), s.action))
        .collect();
    assert_eq!(steps, vec![(a.clone(), Action::DeleteFiles)]);
    assert!(
        files.read(&a_photo).await.is_ok(),
        "a dry run deletes nothing"
    );
    // Three years on: A's identity too; the held and the open ones stay out of it.
    let dry = mingjing::app::retention::run(
        &app.store,
        files.as_ref(),
        in_years(3),
        true,
        "operator:test",
    )
    .await
    .unwrap();
    assert_eq!(dry.count(Action::Anonymise), 1);
    assert_eq!(dry.count(Action::DeleteFiles), 1);
    assert!(dry.steps.iter().all(|s| s.tracking_number == a));
    assert!(
        !traces(app, &a).await.is_empty(),
        "a dry run changes nothing"
    );

    // The operator loads their own schedule (evidence after one year) from the
    // command line; a bad one is refused with its line, and changes nothing.
    let env = [
        ("MINGJING_DATA_DIR", app._dir.path().to_str().unwrap()),
        ("MINGJING_DATABASE_URL", app.database_url.as_str()),
    ];
    let schedule = app._dir.path().join("retention.toml");
    let shipped = mingjing::domain::retention::Schedule::SHIPPED;
    std::fs::write(
        &schedule,
        shipped.replace("after_years = 2", "after_years = 99x"),
    )
    .unwrap();
    let (ok, out) = cli(&["retention", "load", schedule.to_str().unwrap()], &env).await;
    assert!(!ok && out.contains("line "), "{out}");
    std::fs::write(
        &schedule,
        shipped.replace("after_years = 2", "after_years = 1"),
    )
    .unwrap();
    let (ok, out) = cli(
        &[
            "retention",
            "load",
            schedule.to_str().unwrap(),
            "--by",
            "张科长",
        ],
        &env,
    )
    .await;
    assert!(ok, "{out}");
    let (ok, out) = cli(&["retention", "show"], &env).await;
    assert!(
        ok && out.contains("loaded by 张科长") && out.contains("delete_files 1 year"),
        "{out}"
    );
    let as_of = in_years(1).to_string();
    let (ok, out) = cli(&["retention", "--dry-run", "--as-of", &as_of], &env).await;
    assert!(ok, "{out}");
    let printed = mingjing::domain::codes::TrackingNumber::parse(&a)
        .unwrap()
        .display();
    assert!(
        out.contains(&format!("{printed} delete_files (rule evidence)")),
        "{out}"
    );
    assert!(out.contains("nothing was changed"), "{out}");
    assert!(
        files.read(&a_photo).await.is_ok(),
        "a dry run deletes nothing"
    );
    let (ok, out) = cli(&["retention", "--as-of", &as_of], &env).await;
    assert!(!ok, "--as-of only with --dry-run: {out}");

    let report = mingjing::app::retention::run(
        &app.store,
        files.as_ref(),
        in_years(3),
        false,
        "operator:test",
    )
    .await
    .unwrap();
    assert_eq!((report.anonymised, report.files_deleted), (1, 1));
    assert_eq!(traces(app, &a).await, Vec::<String>::new());
    // The letter: its record stays and says what retention did; the copy the
    // petitioner printed before still verifies; drawn again, no name.
    let (_, page) = app.get_text(&format!("/verify?code={letter_code}")).await;
    assert!(
        page.contains("个人信息已于") && page.contains("这是本系统签发的文书"),
        "{page}"
    );
    assert!(
        crate::letters::check_file(app, &letter_code, letter_pdf.clone())
            .await
            .contains("完全一致"),
        "an original printed before still verifies"
    );
    let (status, letter_page) = app.get_text(&format!("/track/{a}/letter")).await;
    assert_eq!(status, 200, "the petitioner still reads their letter");
    assert!(
        !letter_page.contains(NAME),
        "the letter drawn again names no one"
    );
    assert!(letter_page.contains("个人信息已于"), "and says why");
    let p = app
        .store
        .petition_by_tracking_number(&a)
        .await
        .unwrap()
        .unwrap();
    assert!(p.anonymised_at.is_some());
    assert!(p.description.contains("[信访人信息]"), "{}", p.description);
    assert_eq!(
        files.read(&a_photo).await.unwrap_err().kind(),
        std::io::ErrorKind::NotFound,
        "the photo's bytes are gone"
    );
    // The petitioner still follows their matter with their number and code.
    let page = status_page(app, &a, &a_code).await;
    assert!(page.contains("附件已按保存期限删除"), "{page}");
    assert!(!page.contains(NAME) && !page.contains(PHONE));
    // Search no longer finds the erased values; it still finds the others.
    assert_eq!(staff_hits(app, &clerk, NAME).await, 2);
    assert_eq!(staff_hits(app, &clerk, &a).await, 1);
    // The held and the open petitions are untouched.
    assert!(!traces(app, &held).await.is_empty());
    assert!(!traces(app, &open).await.is_empty());
    let held_p = app
        .store
        .petition_by_tracking_number(&held)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(held_p.contact_phone.as_deref(), Some(PHONE));
    assert!(
        files
            .read(&app.store.petition_files(held_p.id).await.unwrap()[0].sha256)
            .await
            .is_ok()
    );
    // The statistics are the same, and the record still yields them.
    assert_eq!(app.store.rollup_rows().await.unwrap(), rollups_before);
    app.store.rebuild_rollups().await.unwrap();
    assert_eq!(app.store.rollup_rows().await.unwrap(), rollups_before);
    // The chain verifies, and records that it happened — not what was erased.
    let entries = mingjing::audit::entries(app.store.conn(), None)
        .await
        .unwrap();
    mingjing::audit::verify(&entries).unwrap();
    let actions: Vec<&str> = entries
        .iter()
        .filter(|e| e.subject == format!("petition:{}", p.id))
        .map(|e| e.action.as_str())
        .collect();
    assert!(actions.contains(&"retention_anonymise"), "{actions:?}");
    assert!(actions.contains(&"retention_delete_files"), "{actions:?}");
    // Nothing more to do on a second run; lifting the hold lets the schedule reach the other.
    let again = mingjing::app::retention::run(
        &app.store,
        files.as_ref(),
        in_years(3),
        false,
        "operator:test",
    )
    .await
    .unwrap();
    assert!(again.steps.is_empty(), "{:?}", again.steps);
    let csrf = supervisor.csrf_of(&path).await;
    let r = supervisor
        .post_form(
            &format!("{path}/hold"),
            &[("csrf_token", &csrf), ("lift", "on")],
        )
        .await;
    assert_eq!(r.status().as_u16(), 303);
    let later = mingjing::app::retention::run(
        &app.store,
        files.as_ref(),
        in_years(3),
        false,
        "operator:test",
    )
    .await
    .unwrap();
    assert_eq!((later.anonymised, later.files_deleted), (1, 1));
    assert_eq!(traces(app, &held).await, Vec::<String>::new());
    // Its photo is also the open petition's: the bytes stay for it.
    assert_eq!(later.blobs_removed, 0);
    let open_p = app
        .store
        .petition_by_tracking_number(&open)
        .await
        .unwrap()
        .unwrap();
    assert!(
        files
            .read(&app.store.petition_files(open_p.id).await.unwrap()[0].sha256)
            .await
            .is_ok()
    );
    mingjing::audit::verify(
        &mingjing::audit::entries(app.store.conn(), None)
            .await
            .unwrap(),
    )
    .unwrap();
}
db_test!(schedule => concluded_petitions_are_anonymised_and_their_files_deleted_on_schedule, |s| {
    s.captcha = false;
});
