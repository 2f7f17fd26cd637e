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

async fn login_then_logout_and_the_old_cookie_opens_nothing(app: &TestApp) {
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
    let cookie = session_cookie(&r);
    let (status, page) = app.get_text("/staff/procedures").await;
    assert_eq!(status, 200);
    assert!(page.contains("审批领导"), "the console shows the role");
    // The session's CSRF token was renewed at login.
    let token_after = csrf(&page);
    assert_ne!(token, token_after);
    // The cookie opens the console from anywhere while the session lives…
    assert_eq!(replay(app, &cookie, "/staff/procedures").await, 200);
    let r = app
        .post_form("/staff/logout", &[("csrf_token", &token_after)])
        .await;
    assert_eq!(r.status().as_u16(), 303);
    assert_eq!(
        app.get("/staff/procedures").await.status().as_u16(),
        303,
        "logged out"
    );
    // …and nothing once it ended: the session lives on the server, not in the cookie.
    assert_eq!(replay(app, &cookie, "/staff/procedures").await, 303);
}
db_test!(login_then_logout_and_the_old_cookie_opens_nothing);

/// The session cookie a response sets (`name=value`).
pub(crate) fn session_cookie(r: &reqwest::Response) -> String {
    r.headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap())
        .find(|c| c.starts_with("mingjing_session="))
        .expect("a session cookie")
        .split(';')
        .next()
        .unwrap()
        .to_owned()
}

/// The status of `path` fetched with nothing but `cookie`, as a copied cookie would be.
pub(crate) async fn replay(app: &TestApp, cookie: &str, path: &str) -> u16 {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(app.url(path))
        .header("Cookie", cookie)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

/// Logs in from `address` (the client behind a trusted proxy), with the
/// device cookie `device` if given.
async fn login_from(
    app: &TestApp,
    address: &str,
    email: &str,
    password: &str,
    device: Option<&str>,
) -> reqwest::Response {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let r = client.get(app.url("/staff/login")).send().await.unwrap();
    let mut cookies = session_cookie(&r);
    let page = r.text().await.unwrap();
    if let Some(d) = device {
        cookies = format!("{cookies}; {d}");
    }
    client
        .post(app.url("/staff/login"))
        .header("X-Forwarded-For", address)
        .header("Cookie", cookies)
        .form(&[
            ("csrf_token", csrf(&page).as_str()),
            ("email", email),
            ("password", password),
            ("next", ""),
        ])
        .send()
        .await
        .unwrap()
}

async fn a_guesser_is_slowed_down_and_the_real_user_is_never_locked_out(app: &TestApp) {
    app.seed_demo().await;
    let email = demo_email("admin", "qs-court");
    // Three free attempts from one address, then a growing wait: the fourth
    // failure makes the next attempt wait a second.
    for _ in 0..4 {
        assert_eq!(
            login_from(app, "10.0.0.1", &email, "guess", None)
                .await
                .status()
                .as_u16(),
            401
        );
    }
    let r = login_from(app, "10.0.0.1", &email, DEMO_PASSWORD, None).await;
    assert_eq!(r.status().as_u16(), 429, "the guesser's address waits");
    let wait: u64 = r.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(wait, 1);
    assert!(r.text().await.unwrap().contains("请等待"));
    // The real user, elsewhere, signs in with the right password at once.
    let r = login_from(app, "10.0.0.2", &email, DEMO_PASSWORD, None).await;
    assert_eq!(
        r.status().as_u16(),
        303,
        "not locked out of their own account"
    );
    let device = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().split(';').next().unwrap().to_owned())
        .find(|c| c.starts_with("mingjing_device="))
        .expect("a device cookie");
    // A guesser spread over many addresses holds every unknown browser …
    for i in 0..30 {
        login_from(app, &format!("10.1.{i}.1"), &email, "guess", None).await;
    }
    let r = login_from(app, "10.2.0.1", &email, DEMO_PASSWORD, None).await;
    assert_eq!(r.status().as_u16(), 429, "an unknown browser waits");
    // … but never the real user's own browser.
    let r = login_from(app, "10.2.0.2", &email, DEMO_PASSWORD, Some(&device)).await;
    assert_eq!(r.status().as_u16(), 303, "the known device signs in");
    // A device cookie of another account, or a forged one, vouches for nothing.
    let forged = device.replace("mingjing_device=", "mingjing_device=9");
    let r = login_from(app, "10.2.0.3", &email, DEMO_PASSWORD, Some(&forged)).await;
    assert_eq!(r.status().as_u16(), 429);
}
db_test!(guesser => a_guesser_is_slowed_down_and_the_real_user_is_never_locked_out, |s| {
    s.trusted_proxies = vec!["127.0.0.1".parse().unwrap()];
});

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

/// A CR/LF or another site in `next` is refused with a 400 before anything
/// happens (no session starts); the console's pages and the status pages are
/// never cached; HTTPS installations send HSTS.
async fn a_broken_next_private_pages_and_hsts(app: &TestApp) {
    app.seed_demo().await;
    for next in [
        "/staff/petitions\r\nSet-Cookie: evil=1",
        "https://evil.example/",
        "//evil.example",
    ] {
        let (_, page) = app.get_text("/staff/login").await;
        let token = csrf(&page);
        let r = app
            .post_form(
                "/staff/login",
                &[
                    ("csrf_token", &token),
                    ("email", &demo_email("supervisor", "jn-court")),
                    ("password", DEMO_PASSWORD),
                    ("next", next),
                ],
            )
            .await;
        assert_eq!(r.status().as_u16(), 400, "{next:?}");
        assert!(
            r.text()
                .await
                .unwrap()
                .contains("登录后返回的地址不是工作台页面")
        );
        assert_eq!(
            app.get("/staff/petitions").await.status().as_u16(),
            303,
            "no session began"
        );
    }
    let r = app
        .get("/staff/login?next=https%3A%2F%2Fevil.example")
        .await;
    assert_eq!(r.status().as_u16(), 400);
    app.login_demo("supervisor", "jn-court").await;
    for path in ["/staff/petitions", "/staff/procedures", "/staff/account"] {
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
