//! Open311 GeoReport v2: services and their definitions, filing with and
//! without a valid partner key, public status, JSON and XML, errors in the
//! specification's shape, revocation and the partner's rate limit — and the
//! same interface driven by a third-party GeoReport client from PyPI.

use crate::helpers::TestApp;
use serde_json::Value;

async fn partner(app: &TestApp, rpm: i32) -> String {
    let (_, key) =
        mingjing::app::open311::add_partner(&app.store, "12345 热线", rpm, "operator:test")
            .await
            .unwrap();
    key
}

async fn post(app: &TestApp, path: &str, form: &[(&str, &str)]) -> (u16, String) {
    let r = app
        .client
        .post(app.url(path))
        .form(form)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

fn one_error(body: &str, code: u16) -> String {
    let v: Value = serde_json::from_str(body).unwrap_or_else(|_| panic!("not JSON: {body}"));
    let errors = v.as_array().unwrap_or_else(|| panic!("not a list: {body}"));
    assert!(!errors.is_empty(), "{body}");
    assert_eq!(errors[0]["code"], code, "{body}");
    errors[0]["description"].as_str().unwrap().to_owned()
}

const FILING: [(&str, &str); 7] = [
    ("jurisdiction_id", "lj-jb-court"),
    ("service_code", "complaint.conduct"),
    (
        "description",
        "立案窗口工作人员拒绝接收材料，也不出具书面凭证。",
    ),
    ("first_name", "赵"),
    ("last_name", "六"),
    ("email", "zhao6@example.cn"),
    ("attribute[title]", "立案窗口拒收材料"),
];

async fn an_open311_client_files_and_follows_a_petition(app: &TestApp) {
    app.seed_demo().await;
    // Services: one per kind and category, in JSON and XML.
    let r = app
        .get("/open311/v2/services.json?jurisdiction_id=lj-jb-court")
        .await;
    assert_eq!(r.status().as_u16(), 200);
    let services: Value = r.json().await.unwrap();
    let services = services.as_array().unwrap();
    assert_eq!(services.len(), 27);
    let conduct = services
        .iter()
        .find(|s| s["service_code"] == "complaint.conduct")
        .unwrap();
    for field in [
        "service_name",
        "description",
        "metadata",
        "type",
        "keywords",
        "group",
    ] {
        assert!(!conduct[field].is_null(), "{field}: {conduct}");
    }
    assert_eq!(conduct["type"], "realtime");
    assert!(
        conduct["description"]
            .as_str()
            .unwrap()
            .contains("江北区人民法院")
    );
    let r = app.get("/open311/v2/services.xml?lang=en").await;
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/xml")
    );
    let xml = r.text().await.unwrap();
    assert!(
        xml.starts_with("<?xml")
            && xml.contains("<services><service>")
            && xml.contains("<service_code>complaint.conduct</service_code>"),
        "{xml}"
    );
    assert!(
        xml.contains("<service_name>Complaint"),
        "in the reader's language: {xml}"
    );
    let (status, body) = app
        .get_text("/open311/v2/services.json?jurisdiction_id=nowhere")
        .await;
    assert_eq!(status, 404);
    assert!(one_error(&body, 404).contains("jurisdiction_id"));

    // A definition: the case number is required for litigation only; anonymity only for reports.
    let def: Value = app
        .get("/open311/v2/services/litigation.case_handling.json")
        .await
        .json()
        .await
        .unwrap();
    let attrs = def["attributes"].as_array().unwrap();
    let case = attrs
        .iter()
        .find(|a| a["code"] == "related_case_number")
        .unwrap();
    assert_eq!(case["required"], true);
    assert_eq!(case["variable"], true);
    assert!(attrs.iter().all(|a| a["code"] != "anonymous"));
    let report: Value = app
        .get("/open311/v2/services/report.misconduct.json")
        .await
        .json()
        .await
        .unwrap();
    let anon = report["attributes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["code"] == "anonymous")
        .unwrap();
    assert_eq!(anon["datatype"], "singlevaluelist");
    assert_eq!(anon["values"].as_array().unwrap().len(), 2);
    let (_, xml) = app
        .get_text("/open311/v2/services/report.misconduct.xml")
        .await;
    assert!(
        xml.contains("<service_definition>")
            && xml.contains("<attributes><attribute>")
            && xml.contains("<values><value><key>false</key>"),
        "{xml}"
    );
    let (status, body) = app
        .get_text("/open311/v2/services/complaint.nothing.json")
        .await;
    assert_eq!(status, 404);
    one_error(&body, 404);
    assert_eq!(
        app.get("/open311/v2/services.yaml").await.status().as_u16(),
        404
    );

    // Filing: without a key, with a wrong key — refused in the spec's shape.
    let (status, body) = post(app, "/open311/v2/requests.json", &FILING).await;
    assert_eq!(status, 403);
    assert!(one_error(&body, 403).contains("api_key"));
    let mut wrong = FILING.to_vec();
    wrong.push(("api_key", "mj_not-a-key"));
    let (status, body) = post(app, "/open311/v2/requests.xml", &wrong).await;
    assert_eq!(status, 403);
    assert!(
        body.contains("<errors><error><code>403</code><description>"),
        "{body}"
    );

    // With a valid key: the tracking number and the access code come back.
    let key = partner(app, 100).await;
    let mut form = FILING.to_vec();
    form.push(("api_key", &key));
    let (status, body) = post(app, "/open311/v2/requests.json", &form).await;
    assert_eq!(status, 200, "{body}");
    let created: Value = serde_json::from_str(&body).unwrap();
    let created = &created[0];
    let number = created["service_request_id"].as_str().unwrap().to_owned();
    let token = created["token"].as_str().unwrap().to_owned();
    assert!(
        created["service_notice"]
            .as_str()
            .unwrap()
            .contains(&number)
    );
    // It is a real petition: the citizen opens it with the code.
    let r = app
        .client
        .get(app.url(&format!("/api/v1/petitions/{number}")))
        .header("X-Access-Code", &token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let p: Value = r.json().await.unwrap();
    assert_eq!(p["title"], "立案窗口拒收材料");
    assert_eq!(p["kind"], "complaint");
    let stored = app
        .store
        .petition_by_tracking_number(p["tracking_number"].as_str().unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        stored.agency_id,
        app.store.agency_by_code("lj-jb-court").await.unwrap().id
    );

    // Bad input: each problem named by its GeoReport field, translated.
    let mut bad = form.clone();
    bad.retain(|(k, _)| *k != "description" && *k != "email");
    let (status, body) = post(app, "/open311/v2/requests.json", &bad).await;
    assert_eq!(status, 400, "{body}");
    let v: Value = serde_json::from_str(&body).unwrap();
    let all: Vec<&str> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["description"].as_str().unwrap())
        .collect();
    assert!(all.iter().any(|d| d.starts_with("description: ")), "{body}");
    let mut bad = form.clone();
    bad.retain(|(k, _)| *k != "service_code");
    bad.push(("service_code", "complaint.nothing"));
    let (status, body) = post(app, "/open311/v2/requests.json", &bad).await;
    assert_eq!(status, 400);
    assert!(one_error(&body, 400).contains("service_code"));

    // Status: public only — no petitioner, no text.
    for number in [number.clone(), number.replace('-', "").to_lowercase()] {
        let r = app
            .get(&format!("/open311/v2/requests/{number}.json?lang=zh-CN"))
            .await;
        assert_eq!(r.status().as_u16(), 200, "{number}");
        let v: Value = r.json().await.unwrap();
        let req = &v[0];
        assert_eq!(req["status"], "open");
        assert_eq!(req["service_code"], "complaint.conduct");
        assert!(
            req["agency_responsible"]
                .as_str()
                .unwrap()
                .contains("江北区")
        );
        assert!(
            req["expected_datetime"].as_str().is_some(),
            "the next deadline"
        );
        assert_eq!(req["events"][0]["event"], "received");
        let text = v.to_string();
        for private in ["赵", "zhao6", "拒收", "立案窗口工作人员"] {
            assert!(!text.contains(private), "{private} leaked: {text}");
        }
    }
    let (_, xml) = app
        .get_text(&format!("/open311/v2/requests/{number}.xml"))
        .await;
    assert!(
        xml.contains("<service_requests><request>")
            && xml.contains(&format!(
                "<service_request_id>{number}</service_request_id>"
            )),
        "{xml}"
    );
    assert!(xml.contains("<status>open</status>"));
    let (status, body) = app
        .get_text(&format!(
            "/open311/v2/requests.json?service_request_id={number},MJ26-AAAAA-AAAAA"
        ))
        .await;
    assert_eq!(status, 200);
    let listed: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(listed.as_array().unwrap().len(), 1, "{body}");
    let (status, body) = app.get_text("/open311/v2/requests.json").await;
    assert_eq!(status, 400, "petitions are not listed");
    one_error(&body, 400);
    let (status, body) = app
        .get_text("/open311/v2/requests/MJ26-AAAAA-AAAAA.json")
        .await;
    assert_eq!(status, 404);
    one_error(&body, 404);

    // Revoked: refused at once.
    let partners = app.store.partners().await.unwrap();
    assert!(
        app.store
            .revoke_partner(partners[0].id, "operator:test")
            .await
            .unwrap()
    );
    let (status, _) = post(app, "/open311/v2/requests.json", &form).await;
    assert_eq!(status, 403);
    // Both acts are in the audit trail.
    let entries = mingjing::audit::entries(
        app.store.conn(),
        Some(&format!("partner:{}", partners[0].id)),
    )
    .await
    .unwrap();
    let actions: Vec<_> = entries.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, vec!["partner.add", "partner.revoke"]);
    assert!(!entries[0].after.contains(&key), "the key is never kept");

    // The partner's own rate limit: over it, 429 with Retry-After.
    let slow = partner(app, 2).await;
    let mut form = FILING.to_vec();
    form.push(("api_key", &slow));
    for _ in 0..2 {
        assert_eq!(post(app, "/open311/v2/requests.json", &form).await.0, 200);
    }
    let r = app
        .client
        .post(app.url("/open311/v2/requests.json"))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 429);
    assert!(r.headers().contains_key("retry-after"));
    one_error(&r.text().await.unwrap(), 429);
}

db_test!(an_open311_client_files_and_follows_a_petition);

/// The same interface through `georeport` from PyPI (installed by `tests/run`
/// in its own virtual environment, which `MINGJING_TEST_PYTHON` names).
async fn a_third_party_georeport_client_works_unchanged(app: &TestApp) {
    app.seed_demo().await;
    let key = partner(app, 100).await;
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/open311/georeport_client.py"
    );
    let address = app.address.clone();
    let out = tokio::task::spawn_blocking(move || {
        // `tests/run` puts the client in a virtual environment of its own.
        let python = std::env::var("MINGJING_TEST_PYTHON").unwrap_or_else(|_| "python3".into());
        std::process::Command::new(python)
            .arg(script)
            .arg(address)
            .arg(key)
            .arg("lj-jb-court")
            .output()
            .expect("python3 runs")
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && stdout.contains("all checks passed"),
        "the GeoReport client failed (tests/run installs it; or pip install georeport==0.3.1):\n{stdout}\n{stderr}"
    );
}

db_test!(a_third_party_georeport_client_works_unchanged);
