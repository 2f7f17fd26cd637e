//! Staff disclose cases; parties follow them with a query code; public ones are listed.

use crate::helpers::{TestApp, assert_translated, code_in, csrf};

async fn a_disclosed_case_is_found_by_its_party_and_listed_redacted_when_public(app: &TestApp) {
    app.seed_demo().await;
    app.login_demo("handler", "lj-court").await;
    let token = app.csrf_of("/staff/cases/new").await;
    let r = app
        .post_form(
            "/staff/cases",
            &[
                ("csrf_token", &token),
                ("case_number", "(2026)江01刑初88号"),
                ("case_type", "criminal"),
                ("title", "王五盗窃案"),
                ("public", "on"),
                ("summary", "被告人王五（电话13912345678）盗窃电动车一辆。"),
                ("redact_names", "王五"),
                ("filed_on", "2026-03-02"),
            ],
        )
        .await;
    assert_eq!(r.status().as_u16(), 200);
    let page = r.text().await.unwrap();
    assert_translated(&page);
    let code = code_in(&page, "query-code");
    assert_eq!(code.len(), 19);

    // The public list shows the redacted summary only.
    let (_, list) = app.get_text("/cases").await;
    assert!(list.contains("王×盗窃案"));
    assert!(list.contains("139****5678"));
    assert!(!list.contains("王五") && !list.contains("13912345678"));

    // The party, with number and code, by page and by API.
    let other = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let r = other
        .post(app.url("/cases/lookup"))
        .form(&[
            ("case_number", "（2026）江01刑初88号"),
            ("query_code", &code),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 303);
    let location = r.headers()["location"].to_str().unwrap().to_owned();
    let page = other
        .get(app.url(&location))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("立案") && page.contains("2026-03-02"));
    let r = app
        .client
        .get(
            app.url("/api/v1/cases/%EF%BC%882026%EF%BC%89%E6%B1%9F01%E5%88%91%E5%88%9D88%E5%8F%B7"),
        )
        .header("X-Query-Code", &code)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["case"]["stage"], "filed");
    let r = app
        .client
        .get(
            app.url("/api/v1/cases/%EF%BC%882026%EF%BC%89%E6%B1%9F01%E5%88%91%E5%88%9D88%E5%8F%B7"),
        )
        .header("X-Query-Code", "AAAA-AAAA-AAAA-AAAA")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 404);

    // A new milestone moves the stage.
    let case_path = format!("/staff{location}");
    let (_, staff_page) = app.get_text(&case_path).await;
    let token = csrf(&staff_page);
    let r = app
        .post_form(
            &format!("{case_path}/milestones"),
            &[
                ("csrf_token", &token),
                ("stage", "trial"),
                ("occurred_on", "2026-05-10"),
                ("note", "公开开庭审理"),
            ],
        )
        .await;
    assert_eq!(r.status().as_u16(), 303);
    let page = other
        .get(app.url(&location))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("公开开庭审理"));
    assert!(page.contains("审理"));
    // Both acts are in the audit trail, naming who did them; never the query code.
    let case_id = location.trim_start_matches("/cases/");
    let entries = mingjing::audit::entries(app.store.conn(), Some(&format!("case:{case_id}")))
        .await
        .unwrap();
    let acts: Vec<&str> = entries.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(acts, vec!["case.disclose", "case.milestone"]);
    assert!(entries.iter().all(|e| e.actor.starts_with("staff:")));
    assert!(entries[1].after.contains("trial"));

    // Another agency's staff cannot see it in their console.
    app.login_demo("handler", "qs-court").await;
    let (status, _) = app.get_text(&case_path).await;
    assert_eq!(status, 404);
}
db_test!(a_disclosed_case_is_found_by_its_party_and_listed_redacted_when_public);
