//! Search: relevance over the demo data (Chinese and English), permissions in the
//! query, freshness after a workflow action, the outage drill, reindex, and the
//! pages. With `MINGJING_TEST_MEILI_URL` set, the same tests run on Meilisearch.

use crate::handling::{act, file, handle, token};
use crate::helpers::{Backend, TestApp, assert_translated, csrf, spawn_app_with_engine};
use mingjing::search::{DEFINITIONS, Switchable};
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::Ordering;

fn strip_tags(html: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.replace("&#x27;", "'").replace("&amp;", "&")
}

async fn search(app: &TestApp, params: &[(&str, &str)], bearer: Option<&str>) -> (u16, Value) {
    let mut r = app.client.get(app.url("/api/v1/search")).query(params);
    if let Some(t) = bearer {
        r = r.bearer_auth(t);
    }
    let r = r.send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

fn titles(body: &Value) -> Vec<String> {
    body["hits"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|h| strip_tags(h["title"].as_str().unwrap_or_default()))
                .collect()
        })
        .unwrap_or_default()
}

/// (query parameters, a title expected among the first `within` results).
/// An empty expectation means "nothing may be found".
/// Query parameters, the title expected, and within how many first results.
type Case = (&'static [(&'static str, &'static str)], &'static str, usize);

const RELEVANCE: &[Case] = &[
    (
        &[("q", "国家赔偿")],
        "申请国家赔偿（刑事赔偿、非刑事司法赔偿）",
        1,
    ),
    (&[("q", "国家赔偿")], "赔偿请求人赵某申请国家赔偿案", 4),
    (&[("q", "国家赔偿")], "申请国家赔偿后未收到决定书", 4),
    // A two-character word inside longer words (国家赔偿, 赔偿请求人).
    (&[("q", "赔偿")], "赔偿请求人赵某申请国家赔偿案", 3),
    (&[("q", "举报")], "刑事案件报案、控告、举报受理", 3),
    (&[("q", "举报")], "举报民警违规插手经济纠纷", 5),
    (&[("q", "交通违法")], "道路交通安全违法行为处理", 2),
    (&[("q", "交通违法")], "对交通违法处罚认定有异议", 2),
    (
        &[("q", "\"国家赔偿\"")],
        "申请国家赔偿（刑事赔偿、非刑事司法赔偿）",
        1,
    ),
    (&[("q", "取保候审")], "申请取保候审", 1),
    (&[("q", "减刑")], "减刑、假释案件审理", 1),
    (&[("q", "诈骗")], "电信网络诈骗案（冒充客服退款）", 1),
    (&[("q", "律师")], "对律师、律师事务所的投诉", 2),
    (&[("q", "法律援助")], "法律援助申请", 1),
    (&[("q", "强制执行")], "申请强制执行", 1),
    (&[("q", "行政复议")], "申请行政复议", 1),
    (&[("q", "身份证")], "居民身份证申领、换领、补领", 1),
    (&[("q", "无犯罪记录")], "无犯罪记录证明开具", 1),
    (&[("q", "会见")], "家属会见申请被拖延", 2),
    (&[("q", "危险驾驶")], "孙某涉嫌危险驾驶案", 1),
    (&[("q", "醉酒驾驶")], "孙某涉嫌危险驾驶案", 1),
    (&[("q", "农民工")], "劳动报酬纠纷恢复执行案", 1),
    (&[("q", "户籍")], "反映派出所办理户籍业务态度生硬", 1),
    // Synonyms: 上访 finds 信访, 检举 finds 举报.
    (&[("q", "上访")], "控告、举报与信访（12309检察服务中心）", 2),
    (&[("q", "检举")], "控告、举报与信访（12309检察服务中心）", 4),
    (
        &[("q", "state compensation"), ("lang", "en")],
        "Applying for state compensation (criminal and judicial compensation)",
        1,
    ),
    (
        &[("q", "\"state compensation\""), ("lang", "en")],
        "Applying for state compensation (criminal and judicial compensation)",
        1,
    ),
    // A typo in an English word.
    (
        &[("q", "compensaton"), ("lang", "en")],
        "Applying for state compensation (criminal and judicial compensation)",
        2,
    ),
    (
        &[("q", "notarisaton"), ("lang", "en")],
        "Obtaining a notarisation",
        1,
    ),
    (
        &[("q", "traffic"), ("lang", "en")],
        "Handling a road-traffic violation",
        1,
    ),
    (
        &[("q", "legal aid"), ("lang", "en")],
        "Applying for legal aid",
        1,
    ),
    (
        &[("q", "administrative reconsideration"), ("lang", "en")],
        "Applying for administrative reconsideration",
        1,
    ),
    (
        &[("q", "bail"), ("lang", "en")],
        "Applying for release on bail pending trial",
        1,
    ),
    (
        &[("q", "lawyer"), ("lang", "en")],
        "Complaining about a lawyer or law firm",
        1,
    ),
    // Filters.
    (
        &[("q", "会见"), ("agency_type", "prison")],
        "罪犯亲属会见",
        1,
    ),
    (
        &[("q", "执行"), ("type", "cases")],
        "劳动报酬纠纷恢复执行案",
        2,
    ),
    (
        &[("q", "国家赔偿"), ("type", "answers")],
        "申请国家赔偿后未收到决定书",
        1,
    ),
    // Nothing may match.
    (&[("q", "火星殖民")], "", 0),
    (&[("q", "xyzzy")], "", 0),
    (&[("q", "执行"), ("year", "2019")], "", 0),
    (&[("q", "\"compensation state\"")], "", 0),
];

async fn chinese_and_english_queries_find_what_a_citizen_expects(app: &TestApp) {
    app.seed_demo().await;
    app.index().await;
    let mut failures = Vec::new();
    for (params, expected, within) in RELEVANCE {
        let (status, body) = search(app, params, None).await;
        assert_eq!(status, 200, "{params:?}");
        let found = titles(&body);
        let ok = if expected.is_empty() {
            body["total"] == 0 && found.is_empty()
        } else {
            found.iter().take(*within).any(|t| t == expected)
        };
        if !ok {
            failures.push(format!(
                "{params:?}: expected {expected:?} in the first {within}, got {found:?}"
            ));
        }
        // Public search never returns a petition.
        assert!(
            body["hits"]
                .as_array()
                .is_none_or(|h| h.iter().all(|h| h["index"] != "petitions")),
            "{params:?}"
        );
    }
    assert!(RELEVANCE.len() >= 30);
    assert!(failures.is_empty(), "{}", failures.join("\n"));

    // Matches are highlighted; facets count what matched.
    let (_, body) = search(app, &[("q", "国家赔偿")], None).await;
    assert!(
        body["hits"][0]["title"]
            .as_str()
            .unwrap()
            .contains("<mark>国家赔偿</mark>")
    );
    let types = &body["facets"][0];
    assert_eq!(types["name"], "type");
    let total: u64 = types["values"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["count"].as_u64().unwrap())
        .sum();
    assert_eq!(Some(total), body["total"].as_u64());
}
db_test!(chinese_and_english_queries_find_what_a_citizen_expects);

async fn staff_search_stays_in_scope_and_sees_the_latest_state(app: &TestApp) {
    app.seed_demo().await;
    // Two petitions at the Jiangbei court, one at the Nanxi court.
    let (mine, _) = file(app, "lj-jb-court").await;
    let (also_mine, _) = file(app, "lj-jb-court").await;
    let (theirs, _) = file(app, "lj-nx-court").await;
    app.index().await;
    let clerk = token(app, "intake-clerk", "lj-jb-court").await;
    let (status, body) = search(app, &[("q", "判决生效")], Some(&clerk)).await;
    assert_eq!(status, 200);
    let numbers: Vec<&str> = body["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["fields"]["tracking_number"].as_str().unwrap())
        .collect();
    assert!(numbers.contains(&mine.as_str()) && numbers.contains(&also_mine.as_str()));
    assert!(
        !numbers.contains(&theirs.as_str()),
        "another agency's petition"
    );
    assert_eq!(body["total"], 2, "counts are in scope too");
    let status_counts = body["facets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == "status")
        .unwrap()["values"]
        .clone();
    assert_eq!(
        status_counts,
        json!([{"value": "received", "count": 2, "selected": false}])
    );
    // The other court's staff see only theirs.
    let other = token(app, "intake-clerk", "lj-nx-court").await;
    let (_, body) = search(app, &[("q", "判决生效")], Some(&other)).await;
    assert_eq!(body["total"], 1);
    assert_eq!(
        body["hits"][0]["fields"]["tracking_number"],
        theirs.as_str()
    );
    // The public scope never finds a petition, not even by its number or words.
    for q in [mine.as_str(), "判决生效两年仍未执行"] {
        let (_, body) = search(app, &[("q", q)], None).await;
        assert!(
            titles(&body).iter().all(|t| t != "判决生效两年仍未执行"),
            "{q}"
        );
    }
    // A bad token is refused, not quietly given the public scope.
    let (status, _) = search(app, &[("q", "判决")], Some("not-a-token")).await;
    assert_eq!(status, 401);

    // Accepted a moment ago: found with the new state, by its tracking number.
    assert_eq!(
        act(app, &clerk, &mine, json!({"action": "accept"})).await.0,
        200
    );
    app.index().await;
    let (_, body) = search(app, &[("q", &mine), ("status", "accepted")], Some(&clerk)).await;
    assert_eq!(body["total"], 1, "{body}");
    assert_eq!(body["hits"][0]["fields"]["status"], "accepted");
    // Nearest deadline first, and the overdue filter (nothing is overdue yet).
    let (_, body) = search(app, &[("sort", "deadline")], Some(&clerk)).await;
    assert_eq!(body["sort"], "deadline");
    let (_, body) = search(app, &[("overdue", "1")], Some(&clerk)).await;
    assert_eq!(body["total"], 0);
}
db_test!(staff_search_stays_in_scope_and_sees_the_latest_state);

async fn a_named_officer_never_finds_the_petition_naming_them(app: &TestApp) {
    app.seed_demo().await;
    let handler_name: String = {
        use sea_orm::{ConnectionTrait, Statement};
        let backend = app.store.conn().get_database_backend();
        let row = app
            .store
            .conn()
            .query_one_raw(Statement::from_string(
                backend,
                format!(
                    "SELECT name FROM staff WHERE email = '{}'",
                    crate::helpers::demo_email("handler", "lj-jb-court")
                ),
            ))
            .await
            .unwrap()
            .unwrap();
        row.try_get("", "name").unwrap()
    };
    let agencies: Vec<Value> = app.get("/api/v1/agencies").await.json().await.unwrap();
    let agency_id = agencies
        .iter()
        .find(|a| a["code"] == "lj-jb-court")
        .unwrap()["id"]
        .clone();
    let captcha: Value = app.get("/api/v1/captcha").await.json().await.unwrap();
    let answer = crate::helpers::solve_pow(captcha["pow"]["challenge"].as_str().unwrap());
    let r = app
        .client
        .post(app.url("/api/v1/petitions"))
        .json(&json!({
            "captcha_id": captcha["captcha_id"], "captcha_pow": answer,
            "kind": "report", "agency_id": agency_id, "category": "misconduct",
            "subject": format!("执行法官{handler_name}、书记员周新来"), "title": "举报执行法官收受财物",
            "description": "执行过程中收受当事人财物。", "anonymous": true
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 201, "{}", r.text().await.unwrap());
    app.index().await;
    let named = token(app, "handler", "lj-jb-court").await;
    let (_, body) = search(app, &[("q", "收受财物")], Some(&named)).await;
    assert_eq!(body["total"], 0, "{body}");
    let boss = token(app, "supervisor", "lj-jb-court").await;
    let (_, body) = search(app, &[("q", "收受财物")], Some(&boss)).await;
    assert_eq!(body["total"], 1);
    // Someone named in it who joins the agency later does not find it either.
    let email = mingjing::domain::staff::Email::parse("zhou.xinlai@lj-jb-court.example").unwrap();
    let hash = mingjing::auth::password::hash("a long enough passphrase").unwrap();
    let lj_jb_court = mingjing::domain::ids::AgencyId(agency_id.as_i64().unwrap() as i32);
    app.store
        .insert_staff(
            &email,
            "周新来",
            mingjing::domain::staff::Role::Handler,
            lj_jb_court,
            &hash,
        )
        .await
        .unwrap();
    app.index().await;
    let r = app
        .client
        .post(app.url("/api/v1/auth/token"))
        .json(&json!({"email": "zhou.xinlai@lj-jb-court.example", "password": "a long enough passphrase"}))
        .send()
        .await
        .unwrap();
    let newcomer = r.json::<Value>().await.unwrap()["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let (_, body) = search(app, &[("q", "收受财物")], Some(&newcomer)).await;
    assert_eq!(body["total"], 0, "{body}");
}
db_test!(a_named_officer_never_finds_the_petition_naming_them);

async fn compare_all(app: &TestApp) {
    for def in DEFINITIONS.all() {
        let diff = app.search.compare(def).await.unwrap();
        assert!(diff.is_clean(), "{}: {diff:?}", def.name);
        assert!(diff.expected > 0, "{}: empty", def.name);
    }
}

async fn nothing_is_lost_while_the_engine_is_down(backend: Backend) {
    let mut switch: Option<Arc<Switchable>> = None;
    let Some(app) = spawn_app_with_engine(
        backend,
        |_| {},
        |engine| {
            let s = Arc::new(Switchable::new(engine));
            switch = Some(s.clone());
            s
        },
    )
    .await
    else {
        return;
    };
    let switch = switch.unwrap();
    app.seed_demo().await;
    app.index().await;
    switch.down.store(true, Ordering::SeqCst);
    // Submissions and workflow actions go on.
    let (tn, _) = file(&app, "lj-jb-court").await;
    handle(&app, "lj-jb-court", &tn).await;
    let (second, _) = file(&app, "lj-jb-court").await;
    assert!(app.search.indexer.drain().await.is_err());
    // Search says it is unavailable; health says degraded, with the lag.
    let (status, body) = search(&app, &[("q", "国家赔偿")], None).await;
    assert_eq!(status, 503);
    assert_eq!(body["error"]["code"], "search_unavailable");
    let (status, page) = app
        .get_text("/search?q=%E5%9B%BD%E5%AE%B6%E8%B5%94%E5%81%BF")
        .await;
    assert_eq!(status, 503);
    assert!(page.contains("value=\"国家赔偿\""), "the query is kept");
    assert_translated(&page);
    let health: Value = app.get("/healthz").await.json().await.unwrap();
    assert_eq!(health["status"], "degraded");
    assert_eq!(health["search"]["status"], "unavailable");
    assert!(health["search"]["lag"]["pending"].as_u64().unwrap() >= 2);
    // The engine comes back: the index catches up and matches the database exactly.
    switch.down.store(false, Ordering::SeqCst);
    app.index().await;
    compare_all(&app).await;
    let boss = token(&app, "supervisor", "lj-jb-court").await;
    let (_, body) = search(&app, &[("q", &second)], Some(&boss)).await;
    assert_eq!(body["total"], 1);
    let health: Value = app.get("/healthz").await.json().await.unwrap();
    assert_eq!(health["search"]["status"], "ok");
    assert_eq!(health["search"]["lag"]["pending"], 0);
    // A rebuild from the database gives the same index.
    app.search.rebuild().await.unwrap();
    compare_all(&app).await;
    app.teardown().await;
}

#[tokio::test]
async fn nothing_is_lost_while_the_engine_is_down_on_sqlite() {
    nothing_is_lost_while_the_engine_is_down(Backend::Sqlite).await;
}

#[tokio::test]
async fn nothing_is_lost_while_the_engine_is_down_on_postgres() {
    nothing_is_lost_while_the_engine_is_down(Backend::Postgres).await;
}

async fn a_supervisor_publishes_a_redacted_answer_the_public_then_finds(app: &TestApp) {
    app.seed_demo().await;
    let (tn, _) = file(app, "lj-jb-court").await;
    handle(app, "lj-jb-court", &tn).await;
    app.login_demo("supervisor", "lj-jb-court").await;
    let (status, page) = app.get_text(&format!("/staff/petitions/{tn}")).await;
    assert_eq!(status, 200);
    assert!(page.contains("name=\"public_answer\""), "the publish form");
    let token = csrf(&page);
    // Empty texts: refused with a message, the input kept.
    let r = app
        .post_form(
            &format!("/staff/petitions/{tn}/publish"),
            &[
                ("csrf_token", &token),
                ("public_title", "执行督促答复"),
                ("public_answer", " "),
            ],
        )
        .await;
    assert_eq!(r.status().as_u16(), 422);
    let page = r.text().await.unwrap();
    assert!(page.contains("value=\"执行督促答复\""));
    assert_translated(&page);
    let r = app
        .post_form(
            &format!("/staff/petitions/{tn}/publish"),
            &[
                ("csrf_token", &token),
                ("public_title", "关于判决长期未执行的答复"),
                ("public_answer", "经查，已督促执行，财产已查封。联系人李×。"),
            ],
        )
        .await;
    assert_eq!(r.status().as_u16(), 303);
    app.index().await;
    let (_, body) = search(app, &[("q", "判决"), ("type", "answers")], None).await;
    let hit = body["hits"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| strip_tags(h["title"].as_str().unwrap()) == "关于判决长期未执行的答复")
        .expect("the published answer is found")
        .clone();
    let (status, page) = app.get_text(hit["url"].as_str().unwrap()).await;
    assert_eq!(status, 200);
    assert!(page.contains("财产已查封") && !page.contains("李四") && !page.contains(&tn));
    assert_translated(&page);
    // An answer that is not published does not exist for the public.
    let (status, _) = app.get_text("/answers/999999").await;
    assert_eq!(status, 404);
    // The list of published answers: there, filtered by agency, kind and year.
    let year = chrono::Datelike::year(&mingjing::app::today());
    let (status, list) = app.get_text("/answers").await;
    assert_eq!(status, 200);
    assert_translated(&list);
    assert!(list.contains("关于判决长期未执行的答复"), "{list}");
    assert!(
        list.contains(hit["url"].as_str().unwrap()),
        "links to the answer"
    );
    let (_, mine) = app
        .get_text(&format!("/answers?agency=lj-jb-court&kind=&year={year}"))
        .await;
    assert!(mine.contains("关于判决长期未执行的答复"));
    for other in [
        "/answers?agency=jn-court".to_owned(),
        format!("/answers?year={}", year - 1),
        "/answers?kind=report".to_owned(),
    ] {
        let (status, page) = app.get_text(&other).await;
        assert_eq!(status, 200);
        assert!(!page.contains("关于判决长期未执行的答复"), "{other}");
    }
    let (_, en) = app.get_text("/answers?lang=en").await;
    assert_translated(&en);
    assert!(en.contains("Published answers") && en.contains("关于判决长期未执行的答复"));
}
db_test!(a_supervisor_publishes_a_redacted_answer_the_public_then_finds);

async fn the_search_pages_work_without_javascript_in_both_languages(app: &TestApp) {
    app.seed_demo().await;
    app.index().await;
    for lang in ["zh-CN", "en"] {
        let (status, page) = app
            .get_text(&format!(
                "/search?q=%E5%9B%BD%E5%AE%B6%E8%B5%94%E5%81%BF&lang={lang}"
            ))
            .await;
        assert_eq!(status, 200);
        assert_translated(&page);
        assert!(page.contains("<mark>国家赔偿</mark>"));
        assert!(
            page.contains("href=\"&#x2F;procedures&#x2F;") || page.contains("href=\"/procedures/")
        );
        // Facets are links that add a filter.
        assert!(page.contains("agency_type=court"), "facet links");
    }
    // A pasted document is refused with a reason, the text kept in the box.
    let long = "国家赔偿".repeat(60);
    let r = app
        .client
        .get(app.url("/search"))
        .query(&[("q", long.as_str()), ("lang", "zh-CN")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 422);
    let page = r.text().await.unwrap();
    assert!(page.contains("搜索内容请不超过200个字") && page.contains(&long));
    let (status, body) = search(app, &[("q", &long)], None).await;
    assert_eq!(status, 400);
    assert_eq!(body["error"]["code"], "bad_request");
    // The home page's search and every other public page's header search the whole site.
    for path in ["/", "/procedures", "/cases"] {
        let (_, page) = app.get_text(path).await;
        assert!(
            page.contains("action=\"/search\"") || page.contains("action=\"&#x2F;search\""),
            "{path}"
        );
    }
    // The staff search page, with a bad date kept and explained.
    app.login_demo("supervisor", "lj-jb-court").await;
    let (status, page) = app
        .get_text("/staff/search?q=%E6%89%A7%E8%A1%8C&from=2026-13-40")
        .await;
    assert_eq!(status, 422);
    assert!(page.contains("value=\"2026-13-40\""));
    assert_translated(&page);
    let (status, page) = app
        .get_text("/staff/search?q=%E6%89%A7%E8%A1%8C&lang=en")
        .await;
    assert_eq!(status, 200);
    assert_translated(&page);
}
db_test!(the_search_pages_work_without_javascript_in_both_languages);

/// Where README says the two engines agree: the public scope's totals and
/// facet counts for every query of the relevance table, on the same data —
/// except the compounds README names, for which Meilisearch also accepts the
/// word's halves apart (a superset of the embedded engine's results).
/// Needs a Meilisearch server (`MINGJING_TEST_MEILI_URL`), which takes half
/// an hour to build here, so it is ignored unless asked for:
/// `MINGJING_TEST_MEILI_URL=… cargo test --test api -- --ignored both_engines`
/// (docs/testing.md). Reported as ignored, never as passed, when it did not run.
#[tokio::test]
#[ignore = "needs a Meilisearch server: set MINGJING_TEST_MEILI_URL and pass --ignored"]
async fn both_engines_give_the_same_totals_and_facets() {
    assert!(
        std::env::var("MINGJING_TEST_MEILI_URL").is_ok_and(|u| !u.is_empty()),
        "MINGJING_TEST_MEILI_URL is not set: this test compares the embedded engine with Meilisearch"
    );
    let app = crate::helpers::spawn_app(crate::helpers::Backend::Sqlite)
        .await
        .unwrap();
    app.seed_demo().await;
    app.index().await;
    let dir = tempfile::tempdir().unwrap();
    let embedded = mingjing::search::Search::new(
        app.store.clone(),
        std::sync::Arc::new(mingjing::search::embedded::Embedded::new(
            dir.path().join("search"),
        )),
    );
    embedded.prepare().await.unwrap();
    let mut queries: Vec<(&str, &str)> = Vec::new();
    for (params, _, _) in RELEVANCE {
        let q = params
            .iter()
            .find(|(k, _)| *k == "q")
            .map_or("", |(_, v)| *v);
        let lang = params
            .iter()
            .find(|(k, _)| *k == "lang")
            .map_or("zh-CN", |(_, v)| *v);
        if !queries.contains(&(q, lang)) {
            queries.push((q, lang));
        }
    }
    let counts = |r: &mingjing::search::service::Results| {
        let facets: Vec<(String, String, u64)> = r
            .facets
            .iter()
            .flat_map(|f| {
                f.values
                    .iter()
                    .map(|v| (f.name.clone(), v.value.clone(), v.count))
            })
            .collect();
        (r.total, facets)
    };
    let mut differ = Vec::new();
    for (q, lang) in queries {
        let p = mingjing::search::service::Params {
            q: q.to_owned(),
            ..Default::default()
        };
        let a = counts(&embedded.public(&p, lang).await.unwrap());
        let b = counts(&app.search.public(&p, lang).await.unwrap());
        let documented = ["国家赔偿", "强制执行", "行政复议"].contains(&q);
        if documented {
            assert!(
                b.0 >= a.0,
                "{q}: Meilisearch finds fewer ({} < {})",
                b.0,
                a.0
            );
        } else if a != b {
            differ.push(format!("{q} ({lang}): embedded {a:?}\n  meilisearch {b:?}"));
        }
    }
    assert!(
        differ.is_empty(),
        "the engines differ:\n{}",
        differ.join("\n")
    );
    app.teardown().await;
}

/// Hands the engine no documents, but first searches the live index: a rebuild
/// in progress must show the old contents, never a half-filled index.
struct SearchMeanwhile<'a> {
    search: &'a mingjing::search::Search,
    seen: Option<usize>,
}

#[async_trait::async_trait]
impl mingjing::search::Batches for SearchMeanwhile<'_> {
    async fn next(
        &mut self,
    ) -> Result<Option<Vec<mingjing::search::Document>>, mingjing::search::SearchError> {
        let p = mingjing::search::service::Params {
            q: "国家赔偿".into(),
            kind_of_result: "procedures".into(),
            ..Default::default()
        };
        self.seen = Some(self.search.public(&p, "zh-CN").await?.total);
        Ok(None)
    }
}

async fn a_rebuild_swaps_in_a_complete_index(app: &TestApp) {
    app.seed_demo().await;
    app.index().await;
    let p = mingjing::search::service::Params {
        q: "国家赔偿".into(),
        kind_of_result: "procedures".into(),
        ..Default::default()
    };
    let before = app.search.public(&p, "zh-CN").await.unwrap().total;
    assert!(before > 0);
    // Replaced by an empty set: the old documents stay visible until the end.
    let mut probe = SearchMeanwhile {
        search: &app.search,
        seen: None,
    };
    app.search
        .engine
        .replace(&DEFINITIONS, &DEFINITIONS.procedures, &mut probe)
        .await
        .unwrap();
    assert_eq!(
        probe.seen,
        Some(before),
        "a search during the rebuild saw a partial index"
    );
    assert_eq!(app.search.public(&p, "zh-CN").await.unwrap().total, 0);
    // `mingjing reindex` brings everything back.
    app.search.rebuild().await.unwrap();
    assert_eq!(app.search.public(&p, "zh-CN").await.unwrap().total, before);
}
db_test!(a_rebuild_swaps_in_a_complete_index);
