//! Several nodes, one portal: two `mingjing serve` processes with their own data
//! directories on one PostgreSQL database, as an operator runs them behind a
//! load balancer (README, "Running several nodes"). What one node takes in,
//! stores, indexes, counts or edits, the other serves the same way.

use crate::helpers::{Browser, code_in, demo_email, drop_postgres, fresh_postgres, smtp_listener};
use crate::process::{Served, burst, serve_with_env, terminate};
use sea_orm::{ConnectionTrait, Database, DatabaseConnection, Statement};
use std::path::Path;
use std::time::{Duration, Instant};

/// Gives node B the installation's secret and signing key from node A's data
/// directory, as README tells an operator to.
fn share_keys(from: &Path, to: &Path) {
    std::fs::create_dir_all(to.join("data")).unwrap();
    for key in ["secret.key", "audit-signing.key"] {
        std::fs::copy(from.join("data").join(key), to.join("data").join(key)).unwrap();
    }
}

async fn count(db: &DatabaseConnection, sql: &str) -> i64 {
    let row = db
        .query_one_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
        .unwrap()
        .unwrap();
    row.try_get_by_index::<i64>(0).unwrap()
}

/// Runs `mingjing serve` in `dir` expecting it to refuse; its output.
fn refused_start(dir: &Path, env: &[(&str, &str)]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_mingjing"))
        .arg("serve")
        .current_dir(dir)
        .env_remove("MINGJING_DATA_DIR")
        .env("MINGJING_BIND", "127.0.0.1:0")
        .envs(env.iter().copied())
        .output()
        .unwrap()
}

async fn health(address: &str) -> serde_json::Value {
    reqwest::get(format!("{address}/healthz"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// Files a named complaint with a photo through the public form of `node`.
pub(crate) async fn file_with_photo(node: &Browser, agency: &str, email: &str) -> (String, String) {
    file_with_photo_as(
        node,
        agency,
        &[
            ("title", "多节点：户籍窗口拒绝一次性告知"),
            (
                "description",
                "2026年11月20日上午在户籍窗口办理业务，工作人员拒绝一次性告知所需材料，要求我往返三次。",
            ),
            ("contact_name", "张三"),
            ("contact_email", email),
        ],
        crate::fixtures::jpeg_with_metadata(),
    )
    .await
}

/// [`file_with_photo`] with `fields` (title, description, contacts) and the photo as given.
pub(crate) async fn file_with_photo_as(
    node: &Browser,
    agency: &str,
    fields: &[(&str, &str)],
    photo: Vec<u8>,
) -> (String, String) {
    let mut form = reqwest::multipart::Form::new()
        .text("kind", "complaint")
        .text("agency", agency.to_owned())
        .text("category", "conduct")
        .text("subject", "江北分局户籍窗口")
        .text("website", "");
    for (name, value) in fields {
        form = form.text(name.to_string(), value.to_string());
    }
    let form = form.part(
        "evidence",
        reqwest::multipart::Part::bytes(photo)
            .file_name("现场照片.jpg")
            .mime_str("image/jpeg")
            .unwrap(),
    );
    let r = node
        .client
        .post(node.url("/petitions"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    // The receipt is reached by redirect (post/redirect/get), on the same node.
    assert_eq!(r.status().as_u16(), 303);
    let r = node
        .client
        .get(node.url("/petitions/receipt"))
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    let page = r.text().await.unwrap();
    assert_eq!(status, 200, "{page}");
    (
        code_in(&page, "tracking-number"),
        code_in(&page, "access-code"),
    )
}

pub(crate) async fn staff_token(node: &Browser, role: &str, agency: &str) -> String {
    let r = node
        .client
        .post(node.url("/api/v1/auth/token"))
        .json(&serde_json::json!({"email": demo_email(role, agency), "password": mingjing::demo::DEMO_PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    r.json::<serde_json::Value>().await.unwrap()["token"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn wrong_code_status(node: &Browser, tn: &str) -> u16 {
    node.client
        .get(node.url(&format!("/api/v1/petitions/{tn}")))
        .header("X-Access-Code", "AAAA-BBBB-CCCC-DDDD")
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test]
async fn two_nodes_on_one_postgres_database_are_one_portal() {
    let Some((url, admin, name)) = fresh_postgres().await else {
        eprintln!("skipped: MINGJING_TEST_POSTGRES_URL is not set");
        return;
    };
    let (smtp_port, mut inbox) = smtp_listener().await;
    let smtp = format!("smtp://127.0.0.1:{smtp_port}");
    let env = [
        ("MINGJING_DATABASE_URL", url.as_str()),
        ("MINGJING_FILES", "database"),
        ("MINGJING_CAPTCHA", "off"),
        ("MINGJING_SMTP_URL", smtp.as_str()),
        // The demo accounts have no second factor (tests/api/accounts.rs covers it).
        ("MINGJING_SECOND_FACTOR", "none"),
        ("RUST_LOG", "warn"),
    ];
    let (dir_a, dir_b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let a = serve_with_env(dir_a.path(), &["--demo"], &env);
    share_keys(dir_a.path(), dir_b.path());
    let b = serve_with_env(dir_b.path(), &[], &env);
    let (node_a, node_b) = (
        Browser::new(a.address.clone()),
        Browser::new(b.address.clone()),
    );
    let db = Database::connect(&url).await.unwrap();

    // /healthz on either node lists both, each with its role and version.
    let h = health(&a.address).await;
    let nodes = h["nodes"].as_array().unwrap();
    assert_eq!(nodes.len(), 2, "{h}");
    assert!(nodes.iter().all(|n| n["role"] == "web+worker"
        && n["version"] == env!("CARGO_PKG_VERSION")
        && n["search_engine"] == "embedded"));
    assert_ne!(h["node"], health(&b.address).await["node"]);

    // Filed with a photo on A; looked up, and the photo downloaded, on B.
    let agencies: Vec<serde_json::Value> =
        node_a.get("/api/v1/agencies").await.json().await.unwrap();
    let agency = agencies.iter().find(|a| a["code"] == "lj-jb-psb").unwrap()["id"].to_string();
    let email = "zhang.nodes@example.cn";
    let (tn, code) = file_with_photo(&node_a, &agency, email).await;
    let r = node_b
        .post_form(
            "/track",
            &[("tracking_number", &tn), ("access_code", &code)],
        )
        .await;
    assert_eq!(r.status().as_u16(), 303, "B opens what A took in");
    let location = r.headers()["location"].to_str().unwrap().to_owned();
    let (status, page) = node_b.get_text(&location).await;
    assert_eq!(status, 200);
    let link = page.find("/files/").expect("the photo is listed on B");
    let href_start = page[..link].rfind('"').unwrap() + 1;
    let href = page[href_start..].split('"').next().unwrap();
    let photo = node_b.get(href).await;
    assert_eq!(photo.status().as_u16(), 200, "B serves the file A stored");
    assert_eq!(photo.headers()["content-type"], "image/jpeg");
    assert!(!photo.bytes().await.unwrap().is_empty());
    // A session made on A is valid on B too (the same secret signs both).
    let r = node_a
        .post_form(
            "/track",
            &[("tracking_number", &tn), ("access_code", &code)],
        )
        .await;
    let location = r.headers()["location"].to_str().unwrap().to_owned();
    let cookie = r.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let on_b = reqwest::Client::new()
        .get(node_b.url(&location))
        .header("Cookie", cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(
        on_b.status().as_u16(),
        200,
        "A's session opens the page on B"
    );

    // A console session made on A works on B until it is ended on A; then on neither.
    let clerk_a = Browser::new(a.address.clone());
    let r = clerk_a
        .login(
            &demo_email("intake-clerk", "lj-jb-psb"),
            mingjing::demo::DEMO_PASSWORD,
        )
        .await;
    assert_eq!(r.status().as_u16(), 303);
    let staff_cookie = crate::login::session_cookie(&r);
    let staff_on_b = |cookie: String| {
        let url = node_b.url("/staff/petitions");
        async move {
            reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap()
                .get(url)
                .header("Cookie", cookie)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    assert_eq!(
        staff_on_b(staff_cookie.clone()).await,
        200,
        "A's console session on B"
    );
    let token = crate::helpers::csrf(&clerk_a.get_text("/staff/petitions").await.1);
    clerk_a
        .post_form("/staff/logout", &[("csrf_token", &token)])
        .await;
    assert_eq!(
        staff_on_b(staff_cookie).await,
        303,
        "ended on A, refused on B"
    );

    // Staff search on B finds what A indexed (each node's embedded index reads the outbox log).
    let token = staff_token(&node_b, "intake-clerk", "lj-jb-psb").await;
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let body: serde_json::Value = node_b
            .client
            .get(node_b.url("/api/v1/search"))
            .query(&[("q", tn.as_str())])
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        if body["total"] == 1 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "B's index never found {tn}: {body}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    // A procedure edited on A is served by B within a second, although B had it cached.
    node_a.login_demo("supervisor", "lj-justice").await;
    let token = node_a.csrf_of("/staff/procedures/new").await;
    let new =
        crate::staff_procedures::with(crate::staff_procedures::NEW_PROCEDURE, &[], &token, "0");
    assert_eq!(
        node_a
            .post_form("/staff/procedures", &new)
            .await
            .status()
            .as_u16(),
        303
    );
    let list: serde_json::Value = node_b
        .get("/api/v1/procedures?q=值班律师法律帮助")
        .await
        .json()
        .await
        .unwrap();
    let id = list["items"][0]["id"].as_i64().unwrap();
    let (_, before) = node_b.get_text(&format!("/procedures/{id}")).await;
    assert!(before.contains("及时指派"), "B caches the first version");
    let token = node_a
        .csrf_of(&format!("/staff/procedures/{id}/edit"))
        .await;
    let edit = crate::staff_procedures::with(
        crate::staff_procedures::NEW_PROCEDURE,
        &[
            ("time_limit", "自收到申请之日起二十四小时内指派"),
            ("change_note", "明确指派时限"),
        ],
        &token,
        "1",
    );
    assert_eq!(
        node_a
            .post_form(&format!("/staff/procedures/{id}/edit"), &edit)
            .await
            .status()
            .as_u16(),
        303
    );
    let edited = Instant::now();
    loop {
        let (_, page) = node_b.get_text(&format!("/procedures/{id}")).await;
        if page.contains("二十四小时内指派") {
            break;
        }
        assert!(
            edited.elapsed() < Duration::from_secs(1),
            "B still serves the old version after a second"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    // Wrong access codes count on both nodes together: ten in all, then both refuse.
    for i in 0..10 {
        let node = if i % 2 == 0 { &node_a } else { &node_b };
        assert_eq!(wrong_code_status(node, &tn).await, 404, "attempt {i}");
    }
    assert_eq!(wrong_code_status(&node_a, &tn).await, 429);
    assert_eq!(wrong_code_status(&node_b, &tn).await, 429);

    // The acknowledgement is mailed once, though both nodes run the job worker
    // (after the demo's own mails, which the two workers share out).
    let waiting = Instant::now();
    while count(
        &db,
        "SELECT COUNT(*) FROM jobs WHERE kind LIKE 'mail.%' AND status <> 'done'",
    )
    .await
        > 0
    {
        assert!(
            waiting.elapsed() < Duration::from_secs(120),
            "the mail queue never drained"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let mut acks = 0;
    while let Ok(Some(mail)) = tokio::time::timeout(Duration::from_millis(1500), inbox.recv()).await
    {
        if mail.contains(email) {
            acks += 1;
        }
    }
    assert_eq!(
        acks, 1,
        "the acknowledgement of {tn} was mailed {acks} times"
    );
    // Both sweeps ran over the demo's open deadlines; each reminder is one job, run once.
    assert!(
        count(
            &db,
            "SELECT COUNT(*) FROM jobs WHERE kind LIKE 'deadline.%'"
        )
        .await
            > 0,
        "the demo has deadlines to remind of"
    );
    assert_eq!(
        count(
            &db,
            "SELECT COUNT(*) FROM jobs WHERE status = 'done' AND attempts > 1"
        )
        .await,
        0,
        "no job ran twice"
    );

    // SIGKILL of A in the middle of a burst loses nothing that A acknowledged; B serves on.
    let mut a: Served = a;
    let clients: Vec<_> = (0..4)
        .map(|c| tokio::spawn(burst(a.address.clone(), c)))
        .collect();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    a.child.kill().unwrap();
    a.child.wait().unwrap();
    let mut acknowledged = Vec::new();
    for c in clients {
        acknowledged.extend(c.await.unwrap());
    }
    assert!(
        !acknowledged.is_empty(),
        "the burst got no receipts before the kill"
    );
    for (tn, code) in &acknowledged {
        let r = node_b
            .client
            .get(node_b.url(&format!("/api/v1/petitions/{}", tn.replace('-', ""))))
            .header("X-Access-Code", code)
            .send()
            .await
            .unwrap();
        assert_eq!(
            r.status().as_u16(),
            200,
            "acknowledged petition {tn} is lost"
        );
    }
    let (status, stderr) = terminate(b);
    assert!(status.success(), "{stderr}");
    db.close().await.unwrap();
    drop_postgres(&admin, &name).await;
}

#[tokio::test]
async fn a_node_with_another_secret_refuses_to_start_and_says_how_to_fix_it() {
    let Some((url, admin, name)) = fresh_postgres().await else {
        eprintln!("skipped: MINGJING_TEST_POSTGRES_URL is not set");
        return;
    };
    let env = [
        ("MINGJING_DATABASE_URL", url.as_str()),
        ("RUST_LOG", "warn"),
    ];
    let (dir_a, dir_b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let a = serve_with_env(dir_a.path(), &[], &env);
    // B generates its own secret.key: it must not serve this database with it.
    let out = refused_start(dir_b.path(), &env);
    assert!(!out.status.success(), "B started with another secret");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("installation secret") && stderr.contains("copy data/secret.key"),
        "the refusal says what to do: {stderr}"
    );
    // With A's secret but its own signing key, B refuses too, naming the key.
    std::fs::copy(
        dir_a.path().join("data/secret.key"),
        dir_b.path().join("data/secret.key"),
    )
    .unwrap();
    let out = refused_start(dir_b.path(), &env);
    assert!(!out.status.success(), "B started with another signing key");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("audit-signing.key"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // With both keys shared, B serves.
    share_keys(dir_a.path(), dir_b.path());
    let b = serve_with_env(dir_b.path(), &[], &env);
    assert_eq!(
        health(&b.address).await["nodes"].as_array().unwrap().len(),
        2
    );
    terminate(b);
    terminate(a);
    drop_postgres(&admin, &name).await;
}
