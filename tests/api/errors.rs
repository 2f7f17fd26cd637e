//! Bad requests get clear, translated answers.

use crate::helpers::{TestApp, assert_translated};

async fn unknown_pages_and_ids_are_404_in_the_readers_language(app: &TestApp) {
    for (path, lang, text) in [
        ("/nope", "zh-CN", "页面不存在"),
        ("/procedures/99999?lang=en", "en", "Page not found"),
        ("/procedures/not-a-number", "zh-CN", "页面不存在"),
    ] {
        let r = app.get(path).await;
        assert_eq!(r.status().as_u16(), 404, "{path}");
        let page = r.text().await.unwrap();
        assert!(page.contains(text), "{path}: {page}");
        assert!(page.contains(&format!("<html lang=\"{lang}\">")));
        assert_translated(&page);
    }
    let r = app
        .client
        .get(app.url("/api/v1/procedures/99999"))
        .header("Accept-Language", "en")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 404);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "not_found");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("The page or record")
    );
    let body: serde_json::Value = app.get("/api/v1/nothing-here").await.json().await.unwrap();
    assert_eq!(body["error"]["code"], "not_found");
}
db_test!(unknown_pages_and_ids_are_404_in_the_readers_language);

async fn an_oversized_body_gets_413(app: &TestApp) {
    let big = "长".repeat(300_000);
    let r = app.post_form("/staff/login", &[("email", &big)]).await;
    assert_eq!(r.status().as_u16(), 413);
    assert!(r.text().await.unwrap().contains("超过了允许的大小"));
}
db_test!(an_oversized_body_gets_413);

async fn pages_carry_security_headers(app: &TestApp) {
    let r = app.get("/").await;
    assert_eq!(r.headers()["x-content-type-options"], "nosniff");
    assert!(
        r.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("frame-ancestors 'none'")
    );
}
db_test!(pages_carry_security_headers);
