//! Staff accounts an administrator can run safely: the second factor (TOTP
//! enrolment, sign-in with a time-stepped code used once, recovery codes used
//! once, API tokens), server-side sessions that a password change or a
//! deactivation ends everywhere, and the administration of an agency tree —
//! new accounts with a mailed one-time link, roles, deactivation, sessions
//! seen and revoked, nothing outside the tree, every act audited.

use crate::helpers::{Browser, TestApp, csrf, demo_email, smtp_listener};
use crate::login::{replay, session_cookie};
use mingjing::auth::totp::Key;
use mingjing::demo::DEMO_PASSWORD;
use serde_json::{Value, json};

fn now() -> u64 {
    u64::try_from(chrono::Utc::now().timestamp()).unwrap()
}

/// The text between `<dd class="code" id="totp-key">` and `</dd>`.
fn key_in(page: &str) -> Key {
    let typed = crate::helpers::code_in(page, "totp-key");
    Key::parse_base32(&typed).unwrap_or_else(|| panic!("no key in {page}"))
}

fn codes_in(page: &str) -> Vec<String> {
    page.split("<li><code>")
        .skip(1)
        .map(|s| s.split('<').next().unwrap().to_owned())
        .collect()
}

async fn post(b: &Browser, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
    let page = b.get_text(&csrf_source(path)).await.1;
    let token = csrf(&page);
    let mut form: Vec<(&str, &str)> = vec![("csrf_token", &token)];
    form.extend_from_slice(fields);
    b.post_form(path, &form).await
}

/// The page whose form posts to `path` (for its CSRF token).
fn csrf_source(path: &str) -> String {
    if path.starts_with("/staff/accounts") {
        "/staff/accounts".into()
    } else if path.starts_with("/staff/login/second-factor") {
        "/staff/login/second-factor".into()
    } else if path.starts_with("/staff/account/second-factor") {
        "/staff/account/second-factor".into()
    } else {
        "/staff/account".into()
    }
}

async fn api_token(app: &TestApp, email: &str, code: Option<String>) -> (u16, Value) {
    let r = app
        .client
        .post(app.url("/api/v1/auth/token"))
        .json(&json!({"email": email, "password": DEMO_PASSWORD, "code": code}))
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
}

async fn a_supervisor_enrols_a_second_factor_and_signs_in_with_it(app: &TestApp) {
    app.seed_demo().await;
    let email = demo_email("supervisor", "lj-court");
    // The role requires it: the password alone opens only the enrolment.
    let b = Browser::new(app.address.clone());
    let r = b.login(&email, DEMO_PASSWORD).await;
    assert_eq!(r.status().as_u16(), 303);
    assert!(
        r.headers()["location"]
            .to_str()
            .unwrap()
            .starts_with("/staff/account/second-factor"),
        "{:?}",
        r.headers()
    );
    let r = b.get("/staff/petitions").await;
    assert_eq!(r.status().as_u16(), 303);
    assert!(
        r.headers()["location"]
            .to_str()
            .unwrap()
            .starts_with("/staff/account/second-factor")
    );
    let (status, api) = api_token(app, &email, None).await;
    assert_eq!(status, 422, "no API token before enrolment: {api}");
    let (_, page) = b.get_text("/staff/account/second-factor").await;
    crate::helpers::assert_translated(&page);
    let key = key_in(&page);
    let (_, again) = b.get_text("/staff/account/second-factor").await;
    assert_eq!(
        key_in(&again).bytes(),
        key.bytes(),
        "a reload shows the same key"
    );
    let r = post(
        &b,
        "/staff/account/second-factor",
        &[("code", "000000"), ("next", "")],
    )
    .await;
    assert_eq!(r.status().as_u16(), 422, "a wrong code enrols nothing");
    let code = key.code_at(now()).unwrap();
    let r = post(
        &b,
        "/staff/account/second-factor",
        &[("code", &code), ("next", "")],
    )
    .await;
    assert_eq!(r.status().as_u16(), 200);
    let page = r.text().await.unwrap();
    let recovery = codes_in(&page);
    assert_eq!(recovery.len(), 10, "{page}");
    assert_eq!(
        b.get("/staff/petitions").await.status().as_u16(),
        200,
        "this session goes on"
    );

    // Signing in again takes the password, then a code of a step not used yet.
    let b = Browser::new(app.address.clone());
    let r = b.login(&email, DEMO_PASSWORD).await;
    assert!(
        r.headers()["location"]
            .to_str()
            .unwrap()
            .starts_with("/staff/login/second-factor")
    );
    assert_eq!(b.get("/staff/petitions").await.status().as_u16(), 303);
    let used = post(
        &b,
        "/staff/login/second-factor",
        &[("code", &code), ("next", "")],
    )
    .await;
    assert_eq!(used.status().as_u16(), 422, "a code is used once");
    let next = key.code_at(now() + 30).unwrap();
    let r = post(
        &b,
        "/staff/login/second-factor",
        &[("code", &next), ("next", "")],
    )
    .await;
    assert_eq!(r.status().as_u16(), 303, "{}", r.text().await.unwrap());
    assert_eq!(b.get("/staff/petitions").await.status().as_u16(), 200);

    // API tokens need a code too: here a recovery code (every step of the
    // app's codes that is valid now has been used).
    let (status, _) = api_token(app, &email, None).await;
    assert_eq!(status, 422);
    let (status, body) = api_token(app, &email, Some(recovery[1].clone())).await;
    assert_eq!(status, 200, "{body}");
    // A recovery code, once.
    for (attempt, expected) in [(1, 303), (2, 422)] {
        let b = Browser::new(app.address.clone());
        b.login(&email, DEMO_PASSWORD).await;
        let r = post(
            &b,
            "/staff/login/second-factor",
            &[("code", &recovery[0].to_lowercase()), ("next", "")],
        )
        .await;
        assert_eq!(r.status().as_u16(), expected, "attempt {attempt}");
    }
    // The key is kept sealed: the database holds no key that works.
    use sea_orm::{ConnectionTrait, Statement};
    let conn = app.store.conn();
    let row = conn
        .query_one_raw(Statement::from_string(
            conn.get_database_backend(),
            format!("SELECT totp_secret FROM staff WHERE email = '{email}'"),
        ))
        .await
        .unwrap()
        .unwrap();
    let sealed: String = row.try_get("", "totp_secret").unwrap();
    assert!(!sealed.contains(&key.base32().replace(' ', "")));
    let audit = mingjing::audit::entries(conn, None).await.unwrap();
    assert!(audit.iter().any(|e| e.action == "account_second_factor"));
    assert!(audit.iter().any(|e| e.action == "recovery_code_used"));
}
db_test!(second_factor => a_supervisor_enrols_a_second_factor_and_signs_in_with_it, |s| {
    s.second_factor = mingjing::domain::staff::SecondFactorPolicy::default();
});

async fn a_password_change_and_a_deactivation_end_sessions_everywhere(app: &TestApp) {
    app.seed_demo().await;
    let email = demo_email("handler", "lj-jb-psb");
    let here = Browser::new(app.address.clone());
    let r = here.login(&email, DEMO_PASSWORD).await;
    let here_cookie = session_cookie(&r);
    let there = Browser::new(app.address.clone());
    let r = there.login(&email, DEMO_PASSWORD).await;
    let there_cookie = session_cookie(&r);
    let (_, token) = api_token(app, &email, None).await;
    let token = token["token"].as_str().unwrap().to_owned();
    let api = |t: String| {
        let url = app.url("/api/v1/staff/petitions");
        async move {
            reqwest::Client::new()
                .get(url)
                .bearer_auth(t)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    assert_eq!(api(token.clone()).await, 200);
    // Both sessions are listed on the account page.
    let (_, page) = here.get_text("/staff/account").await;
    assert_eq!(
        page.matches("/revoke").count(),
        1,
        "the other browser, revocable"
    );
    // A wrong current password changes nothing, and says so beside the field.
    let r = post(
        &here,
        "/staff/account/password",
        &[
            ("current_password", "wrong"),
            ("new_password", "a new long passphrase"),
            ("confirm_password", "a new long passphrase"),
        ],
    )
    .await;
    assert_eq!(r.status().as_u16(), 422);
    assert!(r.text().await.unwrap().contains("当前密码不正确"));
    let r = post(
        &here,
        "/staff/account/password",
        &[
            ("current_password", DEMO_PASSWORD),
            ("new_password", "a new long passphrase"),
            ("confirm_password", "a new long passphrase"),
        ],
    )
    .await;
    assert_eq!(r.status().as_u16(), 303);
    assert_eq!(
        replay(app, &here_cookie, "/staff/petitions").await,
        200,
        "this one goes on"
    );
    assert_eq!(
        replay(app, &there_cookie, "/staff/petitions").await,
        303,
        "the other ended"
    );
    assert_eq!(api(token).await, 401, "and the API token");
    assert_eq!(
        here.login(&email, DEMO_PASSWORD).await.status().as_u16(),
        401
    );

    // An administrator deactivates the account: its sessions end at once.
    let admin = Browser::new(app.address.clone());
    admin.login_demo("admin", "lj-jb-psb").await;
    let id = crate::handling::id_of(app, "handler", "lj-jb-psb").await;
    let r = post(
        &admin,
        &format!("/staff/accounts/{id}/active"),
        &[("active", "off")],
    )
    .await;
    assert_eq!(r.status().as_u16(), 303);
    assert_eq!(replay(app, &here_cookie, "/staff/petitions").await, 303);
    assert_eq!(
        here.login(&email, "a new long passphrase")
            .await
            .status()
            .as_u16(),
        401,
        "a deactivated account does not sign in"
    );
    let r = post(
        &admin,
        &format!("/staff/accounts/{id}/active"),
        &[("active", "on")],
    )
    .await;
    assert_eq!(r.status().as_u16(), 303);
    assert_eq!(
        here.login(&email, "a new long passphrase")
            .await
            .status()
            .as_u16(),
        303
    );
    // The administrator sees who is signed in and ends a session.
    let (_, page) = admin.get_text("/staff/accounts").await;
    crate::helpers::assert_translated(&page);
    let marker = format!("/staff/accounts/{id}/sessions/");
    let at = page.find(&marker).expect("the handler's session is listed");
    let sid = page[at + marker.len()..]
        .split('/')
        .next()
        .unwrap()
        .to_owned();
    let r = post(
        &admin,
        &format!("/staff/accounts/{id}/sessions/{sid}/revoke"),
        &[],
    )
    .await;
    assert_eq!(r.status().as_u16(), 303);
    assert_eq!(here.get("/staff/petitions").await.status().as_u16(), 303);
    let audit = mingjing::audit::entries(app.store.conn(), Some(&format!("staff:{id}")))
        .await
        .unwrap();
    let actions: Vec<&str> = audit.iter().map(|e| e.action.as_str()).collect();
    for a in [
        "account_password",
        "account_deactivate",
        "account_reactivate",
        "session_revoke",
    ] {
        assert!(actions.contains(&a), "{a} in {actions:?}");
    }
}
db_test!(a_password_change_and_a_deactivation_end_sessions_everywhere);

async fn an_administrator_runs_the_accounts_of_their_tree_and_no_other(app: &TestApp) {
    app.seed_demo().await;
    let (port, mut inbox) = smtp_listener().await;
    let admin = Browser::new(app.address.clone());
    admin.login_demo("admin", "lj-court").await;
    let (_, page) = admin.get_text("/staff/accounts").await;
    // The city court's administrator sees the city court and the county courts below it.
    assert!(page.contains(&demo_email("handler", "lj-jb-court")));
    assert!(
        !page.contains(&demo_email("handler", "qs-court")),
        "another city's"
    );
    assert!(
        !page.contains(&demo_email("handler", "jn-court")),
        "the court above"
    );
    let county = app.store.agency_by_code("lj-jb-court").await.unwrap();
    // A new account: a bad form comes back with the input; a good one mails a link.
    let r = post(
        &admin,
        "/staff/accounts",
        &[
            ("email", "not an address"),
            ("name", "王新"),
            ("role", "handler"),
            ("agency", &county.id.to_string()),
        ],
    )
    .await;
    assert_eq!(r.status().as_u16(), 422);
    let body = r.text().await.unwrap();
    assert!(body.contains("value=\"王新\""), "the input is kept");
    let r = post(
        &admin,
        "/staff/accounts",
        &[
            ("email", "wang.xin@lj-jb-court.example.cn"),
            ("name", "王新"),
            ("role", "handler"),
            ("agency", &county.id.to_string()),
        ],
    )
    .await;
    assert_eq!(r.status().as_u16(), 303);
    crate::helpers::drain_mail(app, port).await;
    let raw = inbox.recv().await.unwrap();
    assert!(raw.contains("wang.xin@lj-jb-court.example.cn"));
    let parsed = mailparse::parse_mail(raw.as_bytes()).unwrap();
    let mail = parsed.subparts[0].get_body().unwrap();
    assert!(mail.contains("王新") && mail.contains("24"), "{mail}");
    let link_start = mail.find("/staff/reset/").expect("a reset link");
    let token: String = mail[link_start + "/staff/reset/".len()..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect();
    // The owner sets the password through the link, once.
    let owner = Browser::new(app.address.clone());
    let path = format!("/staff/reset/{token}");
    let (status, page) = owner.get_text(&path).await;
    assert_eq!(status, 200);
    let set = |password: &'static str, page: String| {
        let owner = &owner;
        let path = path.clone();
        async move {
            owner
                .post_form(
                    &path,
                    &[
                        ("csrf_token", &csrf(&page)),
                        ("new_password", password),
                        ("confirm_password", password),
                    ],
                )
                .await
        }
    };
    assert_eq!(set("short", page.clone()).await.status().as_u16(), 422);
    assert_eq!(
        set("a long enough passphrase", page.clone())
            .await
            .status()
            .as_u16(),
        200
    );
    assert_eq!(
        set("another long passphrase", page).await.status().as_u16(),
        410,
        "once"
    );
    assert_eq!(
        owner
            .login(
                "wang.xin@lj-jb-court.example.cn",
                "a long enough passphrase"
            )
            .await
            .status()
            .as_u16(),
        303
    );
    // Outside the tree, nothing: not the province's accounts, not another city's.
    let outside = crate::handling::id_of(app, "handler", "qs-court").await;
    let r = post(
        &admin,
        &format!("/staff/accounts/{outside}/active"),
        &[("active", "off")],
    )
    .await;
    assert_eq!(r.status().as_u16(), 404);
    let r = post(&admin, &format!("/staff/accounts/{outside}/reset"), &[]).await;
    assert_eq!(r.status().as_u16(), 404);
    // Not their own role or activity.
    let me = crate::handling::id_of(app, "admin", "lj-court").await;
    let r = post(
        &admin,
        &format!("/staff/accounts/{me}/active"),
        &[("active", "off")],
    )
    .await;
    assert_eq!(r.status().as_u16(), 422);
    // A role change, audited in the administrator's name.
    let handler = crate::handling::id_of(app, "handler", "lj-jb-court").await;
    let r = post(
        &admin,
        &format!("/staff/accounts/{handler}/role"),
        &[("role", "intake_clerk")],
    )
    .await;
    assert_eq!(r.status().as_u16(), 303);
    let audit = mingjing::audit::entries(app.store.conn(), Some(&format!("staff:{handler}")))
        .await
        .unwrap();
    let entry = audit.iter().find(|e| e.action == "account_role").unwrap();
    assert_eq!(entry.actor, format!("staff:{me}"));
    // Nobody else reaches the page.
    let clerk = Browser::new(app.address.clone());
    clerk.login_demo("supervisor", "lj-court").await;
    assert_eq!(clerk.get("/staff/accounts").await.status().as_u16(), 403);
}
db_test!(an_administrator_runs_the_accounts_of_their_tree_and_no_other);
