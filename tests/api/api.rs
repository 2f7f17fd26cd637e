//! The JSON API and its OpenAPI document.

use crate::helpers::TestApp;

async fn health_reports_the_database_and_the_queue(app: &TestApp) {
    let r = app.get("/healthz").await;
    assert_eq!(r.status().as_u16(), 200);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["status"], "ok");
    assert_eq!(body["database"], "ok");
    assert_eq!(body["queue"]["pending"], 0);
}
db_test!(health_reports_the_database_and_the_queue);

async fn agencies_form_a_hierarchy(app: &TestApp) {
    app.seed_demo().await;
    let agencies: Vec<serde_json::Value> = app.get("/api/v1/agencies").await.json().await.unwrap();
    assert_eq!(agencies.len(), 29, "7 regions × 4 bodies + a prison");
    let by_code = |code: &str| agencies.iter().find(|a| a["code"] == code).unwrap().clone();
    let county_court = by_code("lj-jb-court");
    let city_court = by_code("lj-court");
    let province_court = by_code("jn-court");
    assert_eq!(county_court["parent_id"], city_court["id"]);
    assert_eq!(city_court["parent_id"], province_court["id"]);
    assert_eq!(province_court["level"], "province");
    assert_eq!(by_code("jn-prison")["agency_type"], "prison");
    assert_eq!(county_court["name_zh"], "临江市江北区人民法院");
}
db_test!(agencies_form_a_hierarchy);

async fn procedures_by_api_match_the_catalogue(app: &TestApp) {
    app.seed_demo().await;
    let page: serde_json::Value = app
        .get("/api/v1/procedures?agency_type=court&per_page=2&page=2")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page["page"], 2);
    assert_eq!(page["per_page"], 2);
    assert_eq!(page["items"].as_array().unwrap().len(), 2);
    let id = page["items"][0]["id"].as_i64().unwrap();
    let detail: serde_json::Value = app
        .get(&format!("/api/v1/procedures/{id}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(detail["procedure"]["id"], id);
    assert!(
        !detail["current"]["legal_basis"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    assert!(
        detail["current"]["legal_basis"][0]["law"]
            .as_str()
            .unwrap()
            .starts_with('《')
    );
    assert!(!detail["current"]["steps"].as_array().unwrap().is_empty());
    assert_eq!(detail["agency"]["agency_type"], "court");
}
db_test!(procedures_by_api_match_the_catalogue);

async fn the_openapi_document_describes_the_api(app: &TestApp) {
    let doc: serde_json::Value = app.get("/api/v1/openapi.json").await.json().await.unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    for path in [
        "/healthz",
        "/api/v1/agencies",
        "/api/v1/procedures",
        "/api/v1/procedures/{id}",
    ] {
        assert!(doc["paths"][path].is_object(), "{path} is not documented");
    }
    assert!(doc["components"]["schemas"]["ErrorBody"].is_object());
    assert!(doc["components"]["schemas"]["ProcedureDetail"].is_object());
}
db_test!(the_openapi_document_describes_the_api);
