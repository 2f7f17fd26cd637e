//! Staff login, logout and the throttling of failed logins.

use crate::helpers::{TestApp, assert_translated, csrf, demo_email};
use mingjing::demo::DEMO_PASSWORD;

async fn a_wrong_password_is_refused_with_the_address_kept(app: &TestApp) {
    app.seed_demo().await;
    let email = demo_email("admin", "jn-court");
    let r = app.login(&email, "not the password").await;
    assert_eq!(r.status().as_u16(), 401);
    let page = r.text().await.unwrap();
    assert!(page.contains("邮箱或密码不正确"));
    assert!(
        page.contains(&format!("value=\"{email}\"")),
        "the address is kept in the form"
    );
    assert_translated(&page);
    // An unknown address gets exactly the same words.
    let r = app.login("nobody@example.cn", "not the password").await;
    assert_eq!(r.status().as_u16(), 401);
    assert!(r.text().await.unwrap().contains("邮箱或密码不正确"));
    // A malformed address is a field error, not a failed login.
    let r = app.login("not-an-address", "x").await;
    assert_eq!(r.status().as_u16(), 422);
    assert!(r.text().await.unwrap().contains("请输入有效的电子邮箱地址"));
}
db_test!(a_wrong_password_is_refused_with_the_address_kept);

async fn login_then_logout(app: &TestApp) {
    app.seed_demo().await;
    let (_, page) = app
        .get_text("/staff/login?next=/staff/procedures/new")
        .await;
    let token = csrf(&page);
    let r = app
        .post_form(
            "/staff/login",
            &[
                ("csrf_token", &token),
                ("email", &demo_email("supervisor", "jn-court")),
                ("password", DEMO_PASSWORD),
                ("next", "/staff/procedures/new"),
            ],
        )
        .await;
    assert_eq!(r.status().as_u16(), 303);
    assert_eq!(r.headers()["location"], "/staff/procedures/new");
    let (status, page) = app.get_text("/staff/procedures").await;
    assert_eq!(status, 200);
    assert!(page.contains("审批领导"), "the console shows the role");
    // The session's CSRF token was renewed at login.
    let token_after = csrf(&page);
    assert_ne!(token, token_after);
    let r = app
        .post_form("/staff/logout", &[("csrf_token", &token_after)])
        .await;
    assert_eq!(r.status().as_u16(), 303);
    assert_eq!(
        app.get("/staff/procedures").await.status().as_u16(),
        303,
        "logged out"
    );
}
db_test!(login_then_logout);

async fn repeated_failures_lock_the_account_even_for_the_right_password(app: &TestApp) {
    app.seed_demo().await;
    let email = demo_email("admin", "qs-court");
    for _ in 0..5 {
        assert_eq!(app.login(&email, "guess").await.status().as_u16(), 401);
    }
    let r = app.login(&email, DEMO_PASSWORD).await;
    assert_eq!(r.status().as_u16(), 429);
    assert!(r.headers().contains_key("retry-after"));
    assert!(r.text().await.unwrap().contains("登录失败次数过多"));
    // Other accounts are not locked by it.
    assert_eq!(
        app.login(&demo_email("admin", "jn-court"), DEMO_PASSWORD)
            .await
            .status()
            .as_u16(),
        303
    );
}
db_test!(repeated_failures_lock_the_account_even_for_the_right_password);

async fn one_client_spraying_many_accounts_is_locked_out(app: &TestApp) {
    app.seed_demo().await;
    for i in 0..20 {
        app.login(&format!("user{i}@example.cn"), "guess").await;
    }
    let r = app
        .login(&demo_email("admin", "jn-court"), DEMO_PASSWORD)
        .await;
    assert_eq!(r.status().as_u16(), 429, "the client is throttled");
}
db_test!(one_client_spraying_many_accounts_is_locked_out);

/// A CR/LF in `next` is not a 500 after a good login; the console's pages
/// and the status pages are never cached; HTTPS installations send HSTS.
async fn a_broken_next_private_pages_and_hsts(app: &TestApp) {
    app.seed_demo().await;
    let (_, page) = app.get_text("/staff/login").await;
    let token = csrf(&page);
    let r = app
        .post_form(
            "/staff/login",
            &[
                ("csrf_token", &token),
                ("email", &demo_email("supervisor", "jn-court")),
                ("password", DEMO_PASSWORD),
                ("next", "/staff/petitions\r\nSet-Cookie: evil=1"),
            ],
        )
        .await;
    assert_eq!(r.status().as_u16(), 303, "logged in, not a 500");
    assert_eq!(r.headers()["location"], "/staff/procedures");
    for path in ["/staff/petitions", "/staff/procedures"] {
        let r = app.get(path).await;
        assert_eq!(r.status().as_u16(), 200, "{path}");
        assert_eq!(r.headers()["cache-control"], "no-store", "{path}");
    }
    let r = app.get("/procedures").await;
    assert_ne!(
        r.headers()
            .get("cache-control")
            .map(|v| v.to_str().unwrap()),
        Some("no-store"),
        "public pages may be cached"
    );
    assert!(
        r.headers().get("strict-transport-security").is_none(),
        "no HSTS over plain HTTP"
    );
}
db_test!(a_broken_next_private_pages_and_hsts);

#[tokio::test]
async fn an_https_installation_sends_hsts() {
    let app = crate::helpers::spawn_app_with(crate::helpers::Backend::Sqlite, |s| {
        s.secure_cookies = true;
    })
    .await
    .unwrap();
    let r = app.get("/").await;
    assert!(
        r.headers()["strict-transport-security"]
            .to_str()
            .unwrap()
            .starts_with("max-age=31536000"),
        "{:?}",
        r.headers()
    );
    app.teardown().await;
}
