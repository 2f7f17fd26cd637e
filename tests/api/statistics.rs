//! 执法公开: the public statistics on a hand-computed month (small numbers
//! hidden, never an officer), in both languages and as CSV; the signed daily
//! snapshot, verified by the command line, by OpenSSL and by the library,
//! and refused after a one-byte change; the list of published answers.

use crate::helpers::{TestApp, assert_translated};
use crate::oversight::november;
use serde_json::Value;

fn figure<'a>(s: &'a Value, id: &str) -> &'a Value {
    s["figures"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == id)
        .unwrap_or_else(|| panic!("no {id} in {s}"))
}

/// The figure is `expected`, or withheld to protect a small count beside it
/// (cells at other scopes and periods can require that) and labelled so.
fn shown_or_protective(f: &Value, expected: f64) -> bool {
    close(&f["value"], expected) || (f["withheld"] == "protective" && expected >= 5.0)
}

fn close(v: &Value, expected: f64) -> bool {
    v.as_f64().is_some_and(|x| (x - expected).abs() < 1e-9)
}

async fn json(app: &TestApp, path: &str) -> Value {
    let r = app.get(path).await;
    assert_eq!(r.status().as_u16(), 200, "{path}");
    r.json().await.unwrap()
}

/// November at the Jiangbei court (see `oversight::november`): 7 received,
/// 5 accepted in time of 7, 5 answered, ratings 3 / 1 / 1, one review that
/// changed the answer.
async fn the_public_figures_of_a_hand_computed_month(app: &TestApp) {
    app.seed_demo().await;
    november(app).await;
    let s = json(
        app,
        "/api/v1/statistics?scope=agency:lj-jb-court&period=2026-11",
    )
    .await;
    assert_eq!(s["scope"], "agency:lj-jb-court");
    assert_eq!(s["period"], "2026-11");
    assert_eq!(s["min_sample"], 5);
    assert!(shown_or_protective(figure(&s, "received"), 7.0));
    // Accepted: 7, unless withheld to protect a small count beside it — then
    // labelled so, never as "fewer than 5".
    let accepted = figure(&s, "accepted");
    assert!(
        close(&accepted["value"], 7.0) || accepted["withheld"] == "protective",
        "{accepted}"
    );
    assert!(shown_or_protective(figure(&s, "answered"), 5.0));
    assert!(
        close(&figure(&s, "declined")["value"], 0.0),
        "zero is shown"
    );
    let acceptance = figure(&s, "acceptance_on_time");
    assert!(close(&acceptance["value"], 5.0 / 7.0), "{acceptance}");
    assert_eq!(
        (&acceptance["numerator"], &acceptance["denominator"]),
        (&Value::from(5), &Value::from(7))
    );
    assert!(close(&figure(&s, "acceptance_days_median")["value"], 8.0));
    // Five rated, four of them satisfied or basically: 4/5 with its parts
    // would give the one unsatisfied back, so the rate is withheld (as
    // protective: it rests on 5), and each rating (3, 1, 1) is fewer than 5.
    let rate = figure(&s, "satisfaction_rate");
    assert!(
        rate["value"].is_null() && rate["numerator"].is_null(),
        "{rate}"
    );
    assert_eq!(rate["withheld"], "protective", "{rate}");
    for id in [
        "rated_satisfied",
        "rated_basically_satisfied",
        "unsatisfied",
    ] {
        let f = figure(&s, id);
        assert!(
            f["value"].is_null() && f["numerator"].is_null() && f["suppressed"] == true,
            "{id}: {f}"
        );
    }
    // One review, one change: fewer than 5, hidden, and no rate from it.
    for id in ["reviews_requested", "reviews_changed", "reversal_rate"] {
        let f = figure(&s, id);
        assert!(f["value"].is_null() && f["suppressed"] == true, "{id}: {f}");
        assert!(f["denominator"].is_null(), "{id}: {f}");
    }
    let kinds: Vec<_> = s["by_kind"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| (k["kind"].as_str().unwrap(), k["received"]["value"].clone()))
        .collect();
    assert_eq!(
        kinds,
        vec![
            ("complaint", Value::from(7)),
            ("report", Value::from(0)),
            ("litigation", Value::from(0))
        ]
    );
    let november = s["months"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["month"] == "2026-11")
        .unwrap();
    assert_eq!(november["received"]["value"], 7);
    // Never an officer: no officer's indicator, no name, no account.
    let text = s.to_string();
    assert!(
        !text.contains("return_rate"),
        "an internal indicator leaked"
    );
    let handler =
        crate::oversight::member(app, "lj-jb-court", mingjing::domain::staff::Role::Handler).await;
    assert!(!text.contains(&handler.name) && !text.contains("demo.mingjing"));

    // The city court decided the review: its answer counts there.
    let city = json(
        app,
        "/api/v1/statistics?scope=agency:lj-court&period=2026-11",
    )
    .await;
    assert!(
        figure(&city, "answered")["suppressed"] == true,
        "one answer is fewer than 5"
    );

    // The courts' type holds the county court as a part, with the same figures.
    let courts = json(app, "/api/v1/statistics?scope=type:court&period=2026-11").await;
    let part = courts["parts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["scope"] == "agency:lj-jb-court")
        .unwrap();
    assert_eq!(
        figure(part, "received"),
        figure(&s, "received"),
        "the same cell, the same decision"
    );
    let province = json(app, "/api/v1/statistics?period=2026-11").await;
    assert_eq!(province["scope"], "province");
    assert!(
        province["parts"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["scope"] == "type:court")
    );

    // The same figures as CSV, one row per scope and figure.
    let r = app
        .get("/api/v1/statistics?scope=type:court&period=2026-11&format=csv&lang=en")
        .await;
    assert_eq!(r.status().as_u16(), 200);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let csv = r.text().await.unwrap();
    assert!(csv.contains("scope,scope_name,period,figure"), "{csv}");
    let row = csv
        .lines()
        .find(|l| l.starts_with("agency:lj-jb-court,") && l.contains(",acceptance_on_time,"))
        .unwrap_or_else(|| panic!("no row in {csv}"));
    assert!(
        row.ends_with(",rate,0.7142857142857143,5,7,false,"),
        "{row}"
    );
    // A withheld count says why: one unsatisfied is small.
    assert!(
        csv.lines().any(|l| l.starts_with("agency:lj-jb-court,")
            && l.contains(",unsatisfied,")
            && l.ends_with(",count,,,,true,small")),
        "{csv}"
    );

    // Bad input is a clear error, an unknown scope is not there.
    assert_eq!(
        app.get("/api/v1/statistics?period=2026-13")
            .await
            .status()
            .as_u16(),
        400
    );
    assert_eq!(
        app.get("/api/v1/statistics?scope=agency:nowhere")
            .await
            .status()
            .as_u16(),
        404
    );

    // The page, in both languages: the figures, the limit and its legal basis.
    let (status, page) = app
        .get_text("/statistics?scope=agency:lj-jb-court&period=2026-11&lang=zh-CN")
        .await;
    assert_eq!(status, 200);
    assert_translated(&page);
    assert!(
        page.contains("不公布（防止推算出少于5件的数字）"),
        "the rate withheld to protect is labelled so, not as fewer than 5"
    );
    assert!(
        page.contains("受理数或答复数可以多于同期的收件数"),
        "flow counts that may disagree say why, beside them"
    );
    assert!(
        page.contains("71.4%") && page.contains("5 &#x2F; 7"),
        "{page}"
    );
    assert!(page.contains("少于5件"));
    assert!(page.contains("15日") && page.contains("《信访工作条例》"));
    assert!(page.contains("<svg") && page.contains("role=\"img\""));
    let (_, en) = app
        .get_text("/statistics?scope=agency:lj-jb-court&period=2026-11&lang=en")
        .await;
    assert_translated(&en);
    assert!(
        en.contains("fewer than 5") && en.contains("15 days"),
        "{en}"
    );
    assert!(en.contains("Regulations on Letters and Visits"));
    let (status, method) = app.get_text("/statistics/method?lang=zh-CN").await;
    assert_eq!(status, 200);
    assert_translated(&method);
    assert!(method.contains("受理告知按期率") && method.contains("少于5件"));
    let (_, home) = app.get_text("/").await;
    assert!(
        home.contains("href=\"/statistics\""),
        "linked from the home page"
    );
}

db_test!(the_public_figures_of_a_hand_computed_month);

async fn a_signed_snapshot_verifies_and_a_changed_byte_does_not(app: &TestApp) {
    app.seed_demo().await;
    november(app).await;
    let key = mingjing::audit::checkpoint::signing_key(app._dir.path()).unwrap();
    let day = mingjing::app::today();
    assert!(
        mingjing::app::snapshots::snapshot_day(&app.store, &key, day)
            .await
            .unwrap()
    );
    assert!(
        !mingjing::app::snapshots::snapshot_day(&app.store, &key, day)
            .await
            .unwrap(),
        "a published snapshot is never made again"
    );
    let (status, list) = app.get_text("/statistics/snapshots").await;
    assert_eq!(status, 200);
    assert_translated(&list);
    assert!(list.contains(&format!("{day}.json")), "{list}");
    let (_, list_en) = app.get_text("/statistics/snapshots?lang=en").await;
    assert_translated(&list_en);

    let dir = tempfile::tempdir().unwrap();
    let mut paths = Vec::new();
    for name in [
        format!("{day}.json"),
        format!("{day}.json.sig"),
        format!("{day}.json.sha256"),
        "key.pem".to_owned(),
    ] {
        let r = app.get(&format!("/statistics/snapshots/{name}")).await;
        assert_eq!(r.status().as_u16(), 200, "{name}");
        let path = dir.path().join(&name);
        std::fs::write(&path, r.bytes().await.unwrap()).unwrap();
        paths.push(path);
    }
    let body = std::fs::read(&paths[0]).unwrap();
    let doc: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(doc["format"], mingjing::app::snapshots::SNAPSHOT_FORMAT);
    let scope = doc["scopes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["scope"] == "agency:lj-jb-court")
        .unwrap();
    let nov = scope["periods"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["period"] == "2026-11")
        .unwrap();
    assert!(
        close(&figure(nov, "received")["value"], 7.0),
        "the figure as published"
    );
    // The snapshot withholds what the pages and the API withhold, and says why.
    let api = json(
        app,
        "/api/v1/statistics?scope=agency:lj-jb-court&period=2026-11",
    )
    .await;
    for f in nov["figures"].as_array().unwrap() {
        let id = f["id"].as_str().unwrap();
        let same = figure(&api, id);
        assert_eq!(
            (&f["value"], &f["withheld"]),
            (&same["value"], &same["withheld"]),
            "{id}"
        );
        if f["suppressed"] == true {
            assert!(
                f["withheld"] == "small" || f["withheld"] == "protective",
                "{id}: {f}"
            );
        }
    }
    assert_eq!(
        figure(nov, "unsatisfied")["withheld"],
        "small",
        "one is fewer than 5"
    );

    // The portal's own command, with the published key.
    let verify = |file: &std::path::Path| {
        std::process::Command::new(env!("CARGO_BIN_EXE_mingjing"))
            .args(["stats", "verify"])
            .arg(file)
            .arg("--key")
            .arg(&paths[3])
            .env("MINGJING_DATA_DIR", dir.path())
            .output()
            .unwrap()
    };
    let out = verify(&paths[0]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );

    // The documented three lines, with common tools.
    let sha = std::process::Command::new("sha256sum")
        .arg("-c")
        .arg(&paths[2])
        .current_dir(dir.path())
        .output()
        .expect("sha256sum is installed");
    assert!(
        sha.status.success(),
        "{}",
        String::from_utf8_lossy(&sha.stdout)
    );
    let digest = std::fs::read_to_string(&paths[2]).unwrap();
    let expected = digest.split_whitespace().next().unwrap().to_owned();
    use sha2::Digest;
    assert_eq!(hex::encode(sha2::Sha256::digest(&body)), expected);
    let openssl = |file: &std::path::Path| {
        std::process::Command::new("openssl")
            .args(["pkeyutl", "-verify", "-pubin", "-inkey"])
            .arg(&paths[3])
            .arg("-rawin")
            .arg("-in")
            .arg(file)
            .arg("-sigfile")
            .arg(&paths[1])
            .output()
            .expect("openssl is installed")
    };
    let out = openssl(&paths[0]);
    assert!(
        out.status.success(),
        "openssl: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );

    // One byte changed: every check fails.
    let mut changed = body.clone();
    let at = changed.iter().position(|b| *b == b'7').unwrap();
    changed[at] = b'8';
    let tampered = dir.path().join("tampered.json");
    std::fs::write(&tampered, &changed).unwrap();
    std::fs::copy(&paths[1], dir.path().join("tampered.json.sig")).unwrap();
    let out = verify(&tampered);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("NOT VALID"));
    assert!(!openssl(&tampered).status.success());
    assert_ne!(hex::encode(sha2::Sha256::digest(&changed)), expected);
}

db_test!(a_signed_snapshot_verifies_and_a_changed_byte_does_not);

/// 红黑榜 in public: off unless the operator turns it on; then a body's
/// statistics show last month's places of the bodies below it — the same
/// places the leader sees — with rank and list only: no score, no rate, no
/// officer.
async fn the_public_ranking_is_off_by_default(app: &TestApp) {
    app.seed_demo().await;
    let r = app
        .get("/api/v1/statistics/ranking?scope=agency:lj-court")
        .await;
    assert_eq!(r.status().as_u16(), 404);
    let (status, page) = app.get_text("/statistics?scope=agency:lj-court").await;
    assert_eq!(status, 200);
    assert!(!page.contains("下级单位红黑榜"), "{page}");
}
db_test!(the_public_ranking_is_off_by_default);

async fn the_public_ranking_shows_places_only(app: &TestApp) {
    app.seed_demo().await;
    let r = app
        .get("/api/v1/statistics/ranking?scope=agency:lj-court")
        .await;
    assert_eq!(r.status().as_u16(), 200);
    let public: Value = r.json().await.unwrap();
    let leader = crate::handling::token(app, "supervisor", "lj-court").await;
    let staff: Value = app
        .client
        .get(app.url("/api/v1/staff/oversight/ranking"))
        .bearer_auth(&leader)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(public["period"], staff["period"]);
    assert_eq!(public["lists"], staff["lists"]);
    let rows = public["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 2, "the city's two county courts: {public}");
    for (p, s) in rows.iter().zip(staff["rows"].as_array().unwrap()) {
        let mut keys: Vec<&str> = p.as_object().unwrap().keys().map(|k| k.as_str()).collect();
        keys.sort();
        assert_eq!(
            keys,
            vec!["name_en", "name_zh", "rank", "standing", "tied"],
            "places only: {p}"
        );
        assert_eq!(p["name_zh"], s["who"]["name_zh"]);
        assert_eq!((&p["rank"], &p["standing"]), (&s["rank"], &s["standing"]));
    }
    let (status, page) = app.get_text("/statistics?scope=agency:lj-court").await;
    assert_eq!(status, 200);
    let section = &page[page.find("下级单位红黑榜").expect("the section")..];
    for row in rows {
        assert!(
            section.contains(row["name_zh"].as_str().unwrap()),
            "{section}"
        );
    }
    assert!(
        !section.contains("<th scope=\"col\">排名得分</th>"),
        "no score column: {section}"
    );
    let (_, page) = app
        .get_text("/statistics?scope=agency:lj-court&lang=en")
        .await;
    assert!(page.contains("Red and black lists of the bodies below"));
    // A county has nothing below it; a scope that is not a body is refused.
    let r = app
        .get("/api/v1/statistics/ranking?scope=agency:lj-jb-court")
        .await;
    assert_eq!(r.json::<Value>().await.unwrap(), Value::Null);
    let r = app.get("/api/v1/statistics/ranking?scope=province").await;
    assert_eq!(r.status().as_u16(), 400);
}
db_test!(public_ranking_on => the_public_ranking_shows_places_only, |s| {
    s.public_ranking = true;
});
