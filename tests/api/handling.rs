//! Staff handle petitions: intake, assignment, investigation, approval,
//! review one level up, re-review and closure; scope, recusal, conflicts and
//! the audit trail.

use crate::helpers::{Backend, TestApp, csrf, demo_email, spawn_app_with};
use mingjing::demo::DEMO_PASSWORD;
use serde_json::{Value, json};

pub(crate) async fn token(app: &TestApp, role: &str, agency: &str) -> String {
    let r = app
        .client
        .post(app.url("/api/v1/auth/token"))
        .json(&json!({"email": demo_email(role, agency), "password": DEMO_PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200, "token for {role}@{agency}");
    r.json::<Value>().await.unwrap()["token"]
        .as_str()
        .unwrap()
        .to_owned()
}

pub(crate) async fn act(app: &TestApp, token: &str, tn: &str, body: Value) -> (u16, Value) {
    let r = app
        .client
        .post(app.url(&format!("/api/v1/staff/petitions/{tn}/actions")))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

pub(crate) async fn petitioner(app: &TestApp, tn: &str, code: &str, body: Value) -> (u16, Value) {
    let r = app
        .client
        .post(app.url(&format!("/api/v1/petitions/{tn}/actions")))
        .header("X-Access-Code", code)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

pub(crate) async fn id_of(app: &TestApp, role: &str, agency: &str) -> i64 {
    use sea_orm::{ConnectionTrait, Statement};
    let backend = app.store.conn().get_database_backend();
    let sql = format!(
        "SELECT id FROM staff WHERE email = '{}'",
        demo_email(role, agency)
    );
    let row = app
        .store
        .conn()
        .query_one_raw(Statement::from_string(backend, sql))
        .await
        .unwrap()
        .unwrap();
    i64::from(row.try_get::<i32>("", "id").unwrap())
}

pub(crate) async fn file(app: &TestApp, agency_code: &str) -> (String, String) {
    let agencies: Vec<Value> = app.get("/api/v1/agencies").await.json().await.unwrap();
    let agency_id = agencies.iter().find(|a| a["code"] == agency_code).unwrap()["id"].clone();
    let captcha: Value = app.get("/api/v1/captcha").await.json().await.unwrap();
    let answer = crate::helpers::solve_pow(captcha["pow"]["challenge"].as_str().unwrap());
    let r = app.client.post(app.url("/api/v1/petitions")).json(&json!({
        "captcha_id": captcha["captcha_id"], "captcha_pow": answer,
        "kind": "litigation", "agency_id": agency_id, "category": "enforcement", "title": "判决生效两年仍未执行",
        "description": "我方胜诉的判决生效已两年，至今未执行到位。", "related_case_number": "（2024）江0101民初55号",
        "contact": {"name": "李四", "email": "li4@example.cn"}
    })).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 201);
    let body: Value = r.json().await.unwrap();
    (
        body["tracking_number"].as_str().unwrap().to_owned(),
        body["access_code"].as_str().unwrap().to_owned(),
    )
}

/// One round at `agency`: accept, assign, investigate, draft, approve.
pub(crate) async fn handle(app: &TestApp, agency: &str, tn: &str) {
    let clerk = token(app, "intake-clerk", agency).await;
    let boss = token(app, "supervisor", agency).await;
    let handler = token(app, "handler", agency).await;
    assert_eq!(
        act(app, &clerk, tn, json!({"action": "accept"})).await.0,
        200
    );
    let handler_id = id_of(app, "handler", agency).await;
    assert_eq!(
        act(
            app,
            &boss,
            tn,
            json!({"action": "assign", "handler_id": handler_id})
        )
        .await
        .0,
        200
    );
    assert_eq!(
        act(
            app,
            &handler,
            tn,
            json!({"action": "record_investigation", "note": "调取执行卷宗，询问执行法官"})
        )
        .await
        .0,
        200
    );
    assert_eq!(act(app, &handler, tn, json!({"action": "draft_answer", "text": format!("{agency}答复：已督促执行，财产已查封。"), "legal_basis": "《民事诉讼法》第二百四十七条"})).await.0, 200);
    assert_eq!(
        act(app, &boss, tn, json!({"action": "approve"})).await.0,
        200
    );
}

async fn a_petition_goes_through_answer_review_re_review_and_closure_by_api(app: &TestApp) {
    app.seed_demo().await;
    let (tn, code) = file(app, "lj-jb-court").await;
    // The county court's clerk sees it in the new queue; the city court's does not.
    let clerk = token(app, "intake-clerk", "lj-jb-court").await;
    let queue: Vec<Value> = app
        .client
        .get(app.url("/api/v1/staff/petitions?queue=new"))
        .bearer_auth(&clerk)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(queue.iter().any(|p| p["tracking_number"] == tn.as_str()));
    let other = token(app, "intake-clerk", "lj-court").await;
    let r = app
        .client
        .get(app.url(&format!("/api/v1/staff/petitions/{tn}")))
        .bearer_auth(&other)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 404, "another agency cannot read it");
    assert_eq!(
        act(app, &other, &tn, json!({"action": "accept"})).await.0,
        404,
        "nor act on it"
    );

    // The number as printed on the receipt, in lower case, with spaces: the same petition.
    let boss = token(app, "supervisor", "lj-jb-court").await;
    let printed = mingjing::domain::codes::TrackingNumber::parse(&tn)
        .unwrap()
        .display();
    for form in [
        printed.clone(),
        printed.to_lowercase(),
        printed.replace('-', " "),
    ] {
        let r = app
            .client
            .get(app.url(&format!(
                "/api/v1/staff/petitions/{}",
                form.replace(' ', "%20")
            )))
            .bearer_auth(&boss)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 200, "{form}");
    }
    app.index().await;
    let r = app
        .client
        .get(app.url("/api/v1/search"))
        .query(&[("q", printed.as_str())])
        .bearer_auth(&boss)
        .send()
        .await
        .unwrap();
    let found: Value = r.json().await.unwrap();
    assert_eq!(
        found["total"], 1,
        "staff search by the printed number: {found}"
    );

    handle(app, "lj-jb-court", &tn).await;
    let status: Value = app
        .client
        .get(app.url(&format!("/api/v1/petitions/{tn}")))
        .header("X-Access-Code", &code)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(status["status"], "answered");
    let answer = status["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "answered")
        .unwrap();
    assert!(
        answer["body"].as_str().unwrap().contains("lj-jb-court答复"),
        "the approved draft is the answer"
    );
    assert!(
        status["deadlines"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["clock"] == "review_request")
    );
    assert!(
        !status["timeline"].to_string().contains("调取执行卷宗"),
        "internal notes stay internal"
    );

    let updates = || async {
        use sea_orm::{ConnectionTrait, Statement};
        let backend = app.store.conn().get_database_backend();
        app.store
            .conn()
            .query_one_raw(Statement::from_string(
                backend,
                "SELECT COUNT(*) AS n FROM jobs WHERE kind = 'mail.petition_update'",
            ))
            .await
            .unwrap()
            .unwrap()
            .try_get::<i64>("", "n")
            .unwrap()
    };
    let before = updates().await;
    assert_eq!(
        petitioner(
            app,
            &tn,
            &code,
            json!({"action": "rate", "rating": "unsatisfied", "reason": "答复没有说明执行款何时到位"})
        )
        .await
        .0,
        200
    );
    assert_eq!(updates().await, before, "nobody is mailed their own rating");
    // The reason for the rating reaches the agency, with the rating.
    let boss = token(app, "supervisor", "lj-jb-court").await;
    let detail: Value = app
        .client
        .get(app.url(&format!("/api/v1/staff/petitions/{tn}")))
        .bearer_auth(&boss)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let rated = detail["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "rated")
        .unwrap();
    assert_eq!(rated["body"], "答复没有说明执行款何时到位");
    assert_eq!(detail["petition"]["rating"], "unsatisfied");
    // And the leader's exceptions list says it beside the unsatisfied rating.
    let list: Value = app
        .client
        .get(app.url("/api/v1/staff/oversight/exceptions"))
        .bearer_auth(&boss)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let listed = list["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["tracking_number"] == tn.as_str())
        .unwrap_or_else(|| panic!("{list}"));
    assert_eq!(listed["kind"], "unsatisfied", "{listed}");
    assert_eq!(listed["note"], "答复没有说明执行款何时到位");
    let (status, body) = petitioner(
        app,
        &tn,
        &code,
        json!({"action": "rate", "rating": "satisfied"}),
    )
    .await;
    assert_eq!(status, 422, "one rating per answer: {body}");
    assert_eq!(
        petitioner(
            app,
            &tn,
            &code,
            json!({"action": "request_review", "reason": "仍未执行到位"})
        )
        .await
        .0,
        200
    );
    // 复查: one level up, the city court.
    handle(app, "lj-court", &tn).await;
    assert_eq!(
        petitioner(
            app,
            &tn,
            &code,
            json!({"action": "request_review", "reason": "复查后仍不满意"})
        )
        .await
        .0,
        200
    );
    // 复核: the province.
    handle(app, "jn-court", &tn).await;
    let (status, body) = petitioner(
        app,
        &tn,
        &code,
        json!({"action": "request_review", "reason": "再次申请"}),
    )
    .await;
    assert_eq!(status, 422, "no review after a re-review: {body}");
    assert_eq!(
        petitioner(app, &tn, &code, json!({"action": "close"}))
            .await
            .0,
        200
    );
    let status: Value = app
        .client
        .get(app.url(&format!("/api/v1/petitions/{tn}")))
        .header("X-Access-Code", &code)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(status["status"], "closed");
    let boss = token(app, "supervisor", "jn-court").await;
    assert_eq!(
        act(app, &boss, &tn, json!({"action": "accept"})).await.0,
        422,
        "nothing happens to a closed matter"
    );

    // Every act is in the audit trail, and the trail is intact.
    let entries = mingjing::audit::entries(
        app.store.conn(),
        Some(&format!(
            "petition:{}",
            app.store
                .petition_by_tracking_number(&tn)
                .await
                .unwrap()
                .unwrap()
                .id
        )),
    )
    .await
    .unwrap();
    let actions: Vec<&str> = entries.iter().map(|e| e.action.as_str()).collect();
    assert!(
        actions.contains(&"approve")
            && actions.contains(&"request_review")
            && actions.contains(&"close"),
        "{actions:?}"
    );
    assert!(
        entries
            .iter()
            .any(|e| e.action == "approve" && e.actor.starts_with("staff:")),
        "谁执法、谁负责: a named person"
    );
    let all = mingjing::audit::entries(app.store.conn(), None)
        .await
        .unwrap();
    assert_eq!(mingjing::audit::verify(&all), Ok(all.len()));
}
db_test!(a_petition_goes_through_answer_review_re_review_and_closure_by_api);

async fn the_rules_hold_for_roles_own_drafts_extensions_and_conflicts(app: &TestApp) {
    app.seed_demo().await;
    let (tn, _) = file(app, "qs-court").await;
    let clerk = token(app, "intake-clerk", "qs-court").await;
    let boss = token(app, "supervisor", "qs-court").await;
    let handler = token(app, "handler", "qs-court").await;
    let auditor = token(app, "auditor", "qs-court").await;
    assert_eq!(
        act(app, &handler, &tn, json!({"action": "accept"})).await.0,
        422,
        "a handler does not decide intake"
    );
    assert_eq!(
        act(app, &auditor, &tn, json!({"action": "accept"})).await.0,
        422,
        "an auditor changes nothing"
    );
    // Two clerks accept at once from the same version: the second is told, and nothing is lost.
    let detail: Value = app
        .client
        .get(app.url(&format!("/api/v1/staff/petitions/{tn}")))
        .bearer_auth(&clerk)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let version = detail["petition"]["version"].as_i64().unwrap();
    assert_eq!(
        act(
            app,
            &clerk,
            &tn,
            json!({"action": "accept", "version": version})
        )
        .await
        .0,
        200
    );
    let (status, body) = act(
        app,
        &boss,
        &tn,
        json!({"action": "decline", "reason": "x", "citation": "y", "version": version}),
    )
    .await;
    assert_eq!(status, 409, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("其他同事")
    );
    // The supervisor drafts and may not approve their own draft.
    assert_eq!(
        act(
            app,
            &boss,
            &tn,
            json!({"action": "assign", "handler_id": id_of(app, "handler", "qs-court").await})
        )
        .await
        .0,
        200
    );
    assert_eq!(
        act(
            app,
            &boss,
            &tn,
            json!({"action": "draft_answer", "text": "答复", "legal_basis": "依据"})
        )
        .await
        .0,
        200
    );
    let (status, body) = act(app, &boss, &tn, json!({"action": "approve"})).await;
    assert_eq!(status, 422);
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("自己起草")
    );
    assert_eq!(
        act(
            app,
            &boss,
            &tn,
            json!({"action": "return_draft", "comments": "请补充"})
        )
        .await
        .0,
        422,
        "nor return it"
    );
    // One extension of at most 30 days, approved by the supervisor; the conclusion clock moves by it.
    let before: Value = app
        .client
        .get(app.url(&format!("/api/v1/staff/petitions/{tn}")))
        .bearer_auth(&boss)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let due = |v: &Value| {
        v["deadlines"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["clock"] == "conclusion" && d["status"] == "open")
            .unwrap()["due_on"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    assert_eq!(
        act(
            app,
            &handler,
            &tn,
            json!({"action": "request_extension", "days": 31, "reason": "x"})
        )
        .await
        .0,
        422
    );
    assert_eq!(
        act(
            app,
            &handler,
            &tn,
            json!({"action": "request_extension", "days": 20, "reason": "需调取异地证据"})
        )
        .await
        .0,
        200
    );
    assert_eq!(
        act(app, &boss, &tn, json!({"action": "approve_extension"}))
            .await
            .0,
        200
    );
    let after: Value = app
        .client
        .get(app.url(&format!("/api/v1/staff/petitions/{tn}")))
        .bearer_auth(&boss)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        due(&after) > due(&before),
        "{} → {}",
        due(&before),
        due(&after)
    );
    assert_eq!(
        act(
            app,
            &handler,
            &tn,
            json!({"action": "request_extension", "days": 5, "reason": "再延"})
        )
        .await
        .0,
        422,
        "only once"
    );
}
db_test!(the_rules_hold_for_roles_own_drafts_extensions_and_conflicts);

async fn a_named_officer_neither_sees_nor_handles_the_petition(app: &TestApp) {
    app.seed_demo().await;
    // Name the county court's handler in the subject.
    let name = {
        use sea_orm::{ConnectionTrait, Statement};
        let backend = app.store.conn().get_database_backend();
        let row = app
            .store
            .conn()
            .query_one_raw(Statement::from_string(
                backend,
                format!(
                    "SELECT name FROM staff WHERE email = '{}'",
                    demo_email("handler", "lj-nx-court")
                ),
            ))
            .await
            .unwrap()
            .unwrap();
        row.try_get::<String>("", "name").unwrap()
    };
    let agencies: Vec<Value> = app.get("/api/v1/agencies").await.json().await.unwrap();
    let agency_id = agencies
        .iter()
        .find(|a| a["code"] == "lj-nx-court")
        .unwrap()["id"]
        .clone();
    let captcha: Value = app.get("/api/v1/captcha").await.json().await.unwrap();
    let answer = crate::helpers::solve_pow(captcha["pow"]["challenge"].as_str().unwrap());
    let r = app.client.post(app.url("/api/v1/petitions")).json(&json!({
        "captcha_id": captcha["captcha_id"], "captcha_pow": answer,
        "kind": "report", "agency_id": agency_id, "category": "misconduct", "subject": format!("执行局{name}"),
        "title": "执行人员吃拿卡要", "description": "执行人员要求当事人请客送礼才肯执行。", "anonymous": false,
        "contact": {"name": "举报人甲", "phone": "13912345678"}
    })).send().await.unwrap();
    let tn = r.json::<Value>().await.unwrap()["tracking_number"]
        .as_str()
        .unwrap()
        .to_owned();
    let named = token(app, "handler", "lj-nx-court").await;
    let queue: Vec<Value> = app
        .client
        .get(app.url("/api/v1/staff/petitions"))
        .bearer_auth(&named)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        !queue.iter().any(|p| p["tracking_number"] == tn.as_str()),
        "the named officer does not see it in any queue"
    );
    assert_eq!(
        app.client
            .get(app.url(&format!("/api/v1/staff/petitions/{tn}")))
            .bearer_auth(&named)
            .send()
            .await
            .unwrap()
            .status()
            .as_u16(),
        404
    );
    let clerk = token(app, "intake-clerk", "lj-nx-court").await;
    assert_eq!(
        act(app, &clerk, &tn, json!({"action": "accept"})).await.0,
        200
    );
    let boss = token(app, "supervisor", "lj-nx-court").await;
    let (status, body) = act(
        app,
        &boss,
        &tn,
        json!({"action": "assign", "handler_id": id_of(app, "handler", "lj-nx-court").await}),
    )
    .await;
    assert_eq!(status, 422, "nor can be assigned to it: {body}");
    // The reporter's identity: shown to the supervisor, and that read is audited; an auditor does not get it.
    let detail: Value = app
        .client
        .get(app.url(&format!("/api/v1/staff/petitions/{tn}")))
        .bearer_auth(&boss)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(detail["complainant"]["name"], "举报人甲");
    let auditor = token(app, "auditor", "lj-nx-court").await;
    let detail: Value = app
        .client
        .get(app.url(&format!("/api/v1/staff/petitions/{tn}")))
        .bearer_auth(&auditor)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(detail["complainant"].is_null());
    let reads = mingjing::audit::entries(app.store.conn(), None)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.action == "read_identity")
        .count();
    assert_eq!(reads, 1);
}
db_test!(a_named_officer_neither_sees_nor_handles_the_petition);

async fn the_console_takes_a_petition_from_intake_through_review_to_closure(app: &TestApp) {
    app.seed_demo().await;
    let (tn, code) = file(app, "qs-dh-court").await;
    // The clerk's "new" queue lists it with its acceptance time limit.
    app.login_demo("intake-clerk", "qs-dh-court").await;
    let (status, queue) = app.get_text("/staff/petitions?queue=new").await;
    assert_eq!(status, 200);
    let shown = mingjing::domain::codes::TrackingNumber::parse(&tn)
        .unwrap()
        .display();
    assert!(queue.contains(&shown), "listed as printed");
    let due: Value = app
        .client
        .get(app.url(&format!("/api/v1/petitions/{tn}")))
        .header("X-Access-Code", &code)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        queue.contains(due["deadlines"][0]["due_on"].as_str().unwrap()),
        "the time limit is shown"
    );
    // Transfer suggestions: for a court's case number, the court one level up comes first.
    let (_, page) = app.get_text(&format!("/staff/petitions/{tn}")).await;
    let suggested = page
        .split("<optgroup label=\"建议")
        .nth(1)
        .and_then(|rest| rest.split("</optgroup>").next())
        .expect("a group of suggested agencies");
    let first = suggested.split("<option").nth(1).unwrap();
    assert!(first.contains("青山市中级人民法院"), "{suggested}");
    let step = |agency: &'static str,
                role: &'static str,
                action: &'static str,
                extra: Vec<(&'static str, String)>| {
        let tn = tn.clone();
        async move {
            app.login_demo(role, agency).await;
            let (status, page) = app.get_text(&format!("/staff/petitions/{tn}")).await;
            assert_eq!(status, 200);
            let token = csrf(&page);
            let version_marker = "name=\"version\" value=\"";
            let v_start = page.find(version_marker).expect("an action form") + version_marker.len();
            let version = page[v_start..].split('"').next().unwrap().to_owned();
            let mut form: Vec<(&str, String)> = vec![
                ("csrf_token", token),
                ("action", action.to_owned()),
                ("version", version),
            ];
            form.extend(extra);
            // The primary action of this role is the one it takes next.
            assert!(
                page.contains(&format!("id=\"act-{action}\"")),
                "{role} is offered {action}"
            );
            if action == "approve" {
                // An approval asks first, and nothing is done until confirmed.
                let r = app
                    .client
                    .post(app.url(&format!("/staff/petitions/{tn}/actions")))
                    .form(&form)
                    .send()
                    .await
                    .unwrap();
                assert_eq!(r.status().as_u16(), 200);
                let asked = r.text().await.unwrap();
                assert!(
                    asked.contains("确认审批通过")
                        && asked.contains("name=\"confirm\" value=\"yes\"")
                );
                form.push(("confirm", "yes".to_owned()));
            }
            let r = app
                .client
                .post(app.url(&format!("/staff/petitions/{tn}/actions")))
                .form(&form)
                .send()
                .await
                .unwrap();
            assert_eq!(
                r.status().as_u16(),
                303,
                "{role} {action}: {}",
                r.text().await.unwrap_or_default()
            );
        }
    };
    // One round in the console at `agency`: accept, assign, draft, approve.
    let round = |agency: &'static str| {
        let step = &step;
        let tn = tn.clone();
        async move {
            step(agency, "intake-clerk", "accept", vec![]).await;
            let handler_id = id_of(app, "handler", agency).await.to_string();
            step(agency, "supervisor", "assign", vec![("target", handler_id)]).await;
            // The handler starts the draft from a template, with the petition filled in.
            app.login_demo("handler", agency).await;
            let (_, page) = app
                .get_text(&format!("/staff/petitions/{tn}?template=unsubstantiated"))
                .await;
            assert!(
                page.contains("与事实不符") && page.contains("反映的“判决生效两年仍未执行”一事"),
                "the template, filled in"
            );
            step(
                agency,
                "handler",
                "draft_answer",
                vec![
                    ("text", format!("{agency}：经查，已恢复执行。")),
                    ("citation", "《民事诉讼法》".to_owned()),
                ],
            )
            .await;
            step(agency, "supervisor", "approve", vec![]).await;
        }
    };
    let read_status = || async {
        let status: Value = app
            .client
            .get(app.url(&format!("/api/v1/petitions/{tn}")))
            .header("X-Access-Code", &code)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        status["status"].as_str().unwrap().to_owned()
    };
    round("qs-dh-court").await;
    assert_eq!(read_status().await, "answered");
    // Review (复查) goes one level up, re-review (复核) one more; each runs the same cycle in the console.
    for (reason, upper) in [
        ("复查：仍未执行", "qs-court"),
        ("复核：仍不满意", "jn-court"),
    ] {
        let (status, _) = petitioner(
            app,
            &tn,
            &code,
            json!({"action": "request_review", "reason": reason}),
        )
        .await;
        assert_eq!(status, 200, "{reason}");
        assert_eq!(read_status().await, "review_requested");
        round(upper).await;
        assert_eq!(read_status().await, "answered");
    }
    // After the re-review the matter closes (终结) and nothing more is accepted.
    let (status, _) = petitioner(app, &tn, &code, json!({"action": "close"})).await;
    assert_eq!(status, 200);
    assert_eq!(read_status().await, "closed");
    let (status, _) = petitioner(
        app,
        &tn,
        &code,
        json!({"action": "request_review", "reason": "再次申请"}),
    )
    .await;
    assert_eq!(status, 422, "a closed matter is not reopened");
    // The supervisor (and an auditor) read the petition's audit trail on its page.
    app.login_demo("auditor", "jn-court").await;
    let (status, page) = app.get_text(&format!("/staff/petitions/{tn}")).await;
    assert_eq!(status, 200);
    assert!(
        page.contains("审计记录") && page.contains("approve") && page.contains("draft_answer"),
        "the auditor sees the trail"
    );
    // Without the token a console action is refused.
    let r = app
        .client
        .post(app.url(&format!("/staff/petitions/{tn}/actions")))
        .form(&[("csrf_token", "forged"), ("action", "accept")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 403);
}
db_test!(the_console_takes_a_petition_from_intake_through_review_to_closure);

#[tokio::test]
async fn audit_verify_catches_an_edit_a_deletion_a_swap_and_a_rewrite() {
    use sea_orm::ConnectionTrait;
    let app = spawn_app_with(Backend::Sqlite, |s| s.captcha = false)
        .await
        .unwrap();
    app.seed_demo().await;
    let (tn, _) = file(&app, "lj-court").await;
    handle(&app, "lj-court", &tn).await;
    let dir = app._dir.path().to_path_buf();
    let db_url = format!("sqlite://{}", dir.join("test.db").display());
    let cli = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_mingjing"))
            .args(args)
            .env("MINGJING_DATABASE_URL", &db_url)
            .env("MINGJING_DATA_DIR", &dir)
            .env("RUST_LOG", "error")
            .output()
            .unwrap();
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        )
    };
    let (ok, out) = cli(&["audit", "verify"]);
    assert!(ok, "{out}");
    let checkpoint = dir.join("checkpoint.json");
    let (ok, out) = cli(&["audit", "checkpoint", "--out", checkpoint.to_str().unwrap()]);
    assert!(ok, "{out}");

    let conn = app.store.conn();
    // The database itself refuses changes.
    assert!(
        conn.execute_unprepared("UPDATE audit_log SET actor = 'staff:999' WHERE id = 2")
            .await
            .is_err()
    );
    assert!(
        conn.execute_unprepared("DELETE FROM audit_log WHERE id = 2")
            .await
            .is_err()
    );
    // Someone with the file drops the triggers and tampers anyway.
    conn.execute_unprepared("DROP TRIGGER audit_log_no_update")
        .await
        .unwrap();
    conn.execute_unprepared("DROP TRIGGER audit_log_no_delete")
        .await
        .unwrap();
    let snapshot = mingjing::audit::entries(conn, None).await.unwrap();
    let restore = |conn: &sea_orm::DatabaseConnection, entries: Vec<mingjing::audit::Entry>| {
        let conn = conn.clone();
        async move {
            conn.execute_unprepared("DELETE FROM audit_log")
                .await
                .unwrap();
            for e in entries {
                conn.execute_unprepared(&format!(
                    "INSERT INTO audit_log (id, at, actor, action, subject, before, after, prev_hash, hash) VALUES ({}, '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}')",
                    e.id, e.at, e.actor, e.action, e.subject, e.before.replace('\'', "''"), e.after.replace('\'', "''"), e.prev_hash, e.hash
                ))
                .await
                .unwrap();
            }
        }
    };
    // One byte of one row.
    conn.execute_unprepared("UPDATE audit_log SET actor = 'staff:998' WHERE id = 3")
        .await
        .unwrap();
    let (ok, out) = cli(&["audit", "verify"]);
    assert!(!ok && out.contains("entry 3"), "{out}");
    restore(conn, snapshot.clone()).await;
    // The chain verifies again; the command still fails, naming the missing triggers.
    let (ok, out) = cli(&["audit", "verify"]);
    assert!(
        !ok && !out.contains("BROKEN") && out.contains("UNPROTECTED"),
        "{out}"
    );
    // A deleted row.
    conn.execute_unprepared("DELETE FROM audit_log WHERE id = 2")
        .await
        .unwrap();
    let (ok, out) = cli(&["audit", "verify"]);
    assert!(!ok && out.contains("entry 3"), "{out}");
    restore(conn, snapshot.clone()).await;
    // Two rows swapped.
    let mut swapped = snapshot.clone();
    let (a, b) = (swapped[1].clone(), swapped[2].clone());
    swapped[1] = mingjing::audit::Entry {
        id: a.id,
        ..b.clone()
    };
    swapped[2] = mingjing::audit::Entry { id: b.id, ..a };
    restore(conn, swapped).await;
    let (ok, out) = cli(&["audit", "verify"]);
    assert!(!ok && out.contains("entry 2"), "{out}");
    // The whole chain rewritten consistently: only the checkpoint catches it.
    let mut prev = mingjing::audit::GENESIS.to_owned();
    let rewritten: Vec<_> = snapshot
        .iter()
        .map(|e| {
            let actor = if e.id == 2 {
                "staff:1".to_owned()
            } else {
                e.actor.clone()
            };
            let hash = mingjing::audit::entry_hash(
                e.id, &e.at, &actor, &e.action, &e.subject, &e.before, &e.after, &prev,
            );
            let out = mingjing::audit::Entry {
                actor,
                prev_hash: prev.clone(),
                hash: hash.clone(),
                ..e.clone()
            };
            prev = hash;
            out
        })
        .collect();
    restore(conn, rewritten).await;
    let (_, out) = cli(&["audit", "verify"]);
    assert!(
        !out.contains("BROKEN"),
        "a consistent rewrite passes the chain check alone: {out}"
    );
    let (ok, out) = cli(&[
        "audit",
        "verify",
        "--checkpoint",
        checkpoint.to_str().unwrap(),
    ]);
    assert!(!ok && out.contains("rewritten"), "{out}");
    app.teardown().await;
}

#[tokio::test]
async fn postgres_refuses_update_and_delete_on_the_audit_log() {
    use sea_orm::ConnectionTrait;
    let Some(app) = spawn_app_with(Backend::Postgres, |s| s.captcha = false).await else {
        return;
    };
    app.seed_demo().await;
    let (tn, _) = file(&app, "lj-court").await;
    let clerk = token(&app, "intake-clerk", "lj-court").await;
    assert_eq!(
        act(&app, &clerk, &tn, json!({"action": "accept"})).await.0,
        200
    );
    assert!(
        app.store
            .conn()
            .execute_unprepared("UPDATE audit_log SET actor = 'x'")
            .await
            .is_err()
    );
    assert!(
        app.store
            .conn()
            .execute_unprepared("DELETE FROM audit_log")
            .await
            .is_err()
    );
    app.teardown().await;
}

async fn reminders_and_escalations_are_mailed_exactly_once(backend: Backend) {
    use sea_orm::ConnectionTrait;
    let (port, mut inbox) = crate::helpers::smtp_listener().await;
    let Some(app) = spawn_app_with(backend, |s| {
        s.captcha = false;
        s.smtp_url = Some(format!("smtp://127.0.0.1:{port}"));
    })
    .await
    else {
        return;
    };
    app.seed_demo().await;
    let (tn, _) = file(&app, "qs-bs-court").await;
    let clerk = token(&app, "intake-clerk", "qs-bs-court").await;
    let boss = token(&app, "supervisor", "qs-bs-court").await;
    assert_eq!(
        act(&app, &clerk, &tn, json!({"action": "accept"})).await.0,
        200
    );
    assert_eq!(
        act(
            &app,
            &boss,
            &tn,
            json!({"action": "assign", "handler_id": id_of(&app, "handler", "qs-bs-court").await})
        )
        .await
        .0,
        200
    );
    // The acknowledgement and the acceptance mails to the petitioner go first.
    let mut settings = crate::helpers::test_settings(app._dir.path().to_path_buf(), String::new());
    settings.smtp_url = Some(format!("smtp://127.0.0.1:{port}"));
    let handlers = || {
        mingjing::startup::job_handlers(
            &settings,
            &app.store,
            std::sync::Arc::new(mingjing::render::Views::load().unwrap()),
        )
        .unwrap()
    };
    mingjing::jobs::Queue::new(app.store.clone(), handlers())
        .drain()
        .await
        .unwrap();
    let mut first = Vec::new();
    while let Ok(Some(m)) =
        tokio::time::timeout(std::time::Duration::from_millis(300), inbox.recv()).await
    {
        let parsed = mailparse::parse_mail(m.as_bytes()).unwrap();
        first.push(
            parsed
                .headers
                .iter()
                .map(|h| format!("{}: {}", h.get_key(), h.get_value()))
                .collect::<Vec<_>>()
                .join("\n"),
        );
    }
    let handler_mail = demo_email("handler", "qs-bs-court");
    assert!(
        first
            .iter()
            .any(|h| h.contains(&handler_mail) && h.contains("待您办理")),
        "the assigned handler is told: {first:?}"
    );

    let today = mingjing::domain::clock::china_date(chrono::Utc::now());
    // The conclusion clock is made to end tomorrow: a reminder is due.
    let tomorrow = (today + chrono::Days::new(1)).to_string();
    app.store
        .conn()
        .execute_unprepared(&format!(
            "UPDATE petition_deadlines SET due_on = '{tomorrow}' WHERE clock = 'conclusion'"
        ))
        .await
        .unwrap();
    for _ in 0..3 {
        mingjing::app::sweep::sweep(&app.store, today)
            .await
            .unwrap();
    }
    mingjing::jobs::Queue::new(app.store.clone(), handlers())
        .drain()
        .await
        .unwrap();
    let mut reminders = Vec::new();
    while let Ok(Some(m)) =
        tokio::time::timeout(std::time::Duration::from_millis(500), inbox.recv()).await
    {
        reminders.push(m);
    }
    assert_eq!(
        reminders.len(),
        2,
        "one reminder each to the handler and the supervisor"
    );
    // The worker "restarts" (a new queue), the sweep runs again: nothing more is sent.
    mingjing::app::sweep::sweep(&app.store, today)
        .await
        .unwrap();
    assert_eq!(
        mingjing::jobs::Queue::new(app.store.clone(), handlers())
            .drain()
            .await
            .unwrap(),
        0
    );

    // Four days late: urged, then listed for the auditor, each once.
    let late = (today - chrono::Days::new(4)).to_string();
    app.store
        .conn()
        .execute_unprepared(&format!(
            "UPDATE petition_deadlines SET due_on = '{late}' WHERE clock = 'conclusion'"
        ))
        .await
        .unwrap();
    for _ in 0..2 {
        mingjing::app::sweep::sweep(&app.store, today)
            .await
            .unwrap();
        mingjing::jobs::Queue::new(app.store.clone(), handlers())
            .drain()
            .await
            .unwrap();
    }
    let mut later = Vec::new();
    while let Ok(Some(m)) =
        tokio::time::timeout(std::time::Duration::from_millis(500), inbox.recv()).await
    {
        later.push(m);
    }
    assert_eq!(
        later.len(),
        2,
        "one urging to the supervisor, one listing to the auditor"
    );
    let detail: Value = app
        .client
        .get(app.url(&format!("/api/v1/staff/petitions/{tn}")))
        .bearer_auth(&boss)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let kinds: Vec<&str> = detail["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds.iter().filter(|k| k.starts_with("deadline_")).count(),
        3,
        "{kinds:?}"
    );
    let overdue: Vec<Value> = app
        .client
        .get(app.url("/api/v1/staff/petitions?queue=overdue"))
        .bearer_auth(&boss)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(overdue.iter().any(|p| p["tracking_number"] == tn.as_str()));
    app.teardown().await;
}

#[tokio::test]
async fn reminders_and_escalations_are_mailed_exactly_once_on_sqlite() {
    reminders_and_escalations_are_mailed_exactly_once(Backend::Sqlite).await;
}

#[tokio::test]
async fn reminders_and_escalations_are_mailed_exactly_once_on_postgres() {
    reminders_and_escalations_are_mailed_exactly_once(Backend::Postgres).await;
}

/// The queues order and flag petitions by their nearest open deadline: when
/// a step ends one clock and starts the next, the queue shows the new one.
async fn the_queue_shows_the_deadline_of_the_clock_that_runs_now(app: &TestApp) {
    app.seed_demo().await;
    let (tn, _) = file(app, "lj-nx-court").await;
    let clerk = token(app, "intake-clerk", "lj-nx-court").await;
    let boss = token(app, "supervisor", "lj-nx-court").await;
    let shown = |queue: Vec<Value>| {
        queue
            .into_iter()
            .find(|p| p["tracking_number"] == tn.as_str())
            .expect("the petition is in the queue")["next_due_on"]
            .clone()
    };
    let open_due = |detail: &Value, clock: &str| {
        detail["deadlines"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["clock"] == clock && d["status"] == "open")
            .unwrap_or_else(|| panic!("an open {clock} clock: {detail}"))["due_on"]
            .clone()
    };
    let get = |token: String, path: String| {
        let url = app.url(&path);
        let client = app.client.clone();
        async move {
            client
                .get(url)
                .bearer_auth(token)
                .send()
                .await
                .unwrap()
                .json::<Value>()
                .await
                .unwrap()
        }
    };
    let detail = get(boss.clone(), format!("/api/v1/staff/petitions/{tn}")).await;
    let queue = get(clerk.clone(), "/api/v1/staff/petitions?queue=new".into()).await;
    assert_eq!(
        shown(serde_json::from_value(queue).unwrap()),
        open_due(&detail, "acceptance")
    );
    assert_eq!(
        act(app, &clerk, &tn, json!({"action": "accept"})).await.0,
        200
    );
    let detail = get(boss.clone(), format!("/api/v1/staff/petitions/{tn}")).await;
    let conclusion = open_due(&detail, "conclusion");
    assert!(conclusion.is_string());
    let queue = get(
        boss.clone(),
        "/api/v1/staff/petitions?queue=to_assign".into(),
    )
    .await;
    assert_eq!(
        shown(serde_json::from_value(queue).unwrap()),
        conclusion,
        "after acceptance the queue shows the conclusion clock's last day"
    );
}
db_test!(the_queue_shows_the_deadline_of_the_clock_that_runs_now);

async fn a_stopped_clock_moves_the_deadline_by_the_days_it_stood(app: &TestApp) {
    use sea_orm::ConnectionTrait;
    app.seed_demo().await;
    let (tn, code) = file(app, "lj-nx-court").await;
    let clerk = token(app, "intake-clerk", "lj-nx-court").await;
    let boss = token(app, "supervisor", "lj-nx-court").await;
    assert_eq!(
        act(app, &clerk, &tn, json!({"action": "accept"})).await.0,
        200
    );
    let due = |v: &Value| {
        v["deadlines"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["clock"] == "conclusion" && d["status"] == "open")
            .unwrap()["due_on"]
            .as_str()
            .unwrap()
            .parse::<chrono::NaiveDate>()
            .unwrap()
    };
    let before: Value = app
        .client
        .get(app.url(&format!("/api/v1/staff/petitions/{tn}")))
        .bearer_auth(&boss)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        act(
            app,
            &boss,
            &tn,
            json!({"action": "stop_clock", "reason": "等待信访人提供缴费凭证"})
        )
        .await
        .0,
        200
    );
    assert_eq!(
        act(
            app,
            &boss,
            &tn,
            json!({"action": "stop_clock", "reason": "again"})
        )
        .await
        .0,
        422
    );
    // The petitioner sees why the clock stands.
    let status: Value = app
        .client
        .get(app.url(&format!("/api/v1/petitions/{tn}")))
        .header("X-Access-Code", &code)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        status["timeline"]
            .to_string()
            .contains("等待信访人提供缴费凭证")
    );
    // It stood for six days.
    let six_days_ago = (mingjing::domain::clock::china_date(chrono::Utc::now())
        - chrono::Days::new(6))
    .to_string();
    app.store
        .conn()
        .execute_unprepared(&format!(
            "UPDATE petitions SET clock_stopped_on = '{six_days_ago}'"
        ))
        .await
        .unwrap();
    assert_eq!(
        act(app, &boss, &tn, json!({"action": "resume_clock"}))
            .await
            .0,
        200
    );
    let after: Value = app
        .client
        .get(app.url(&format!("/api/v1/staff/petitions/{tn}")))
        .bearer_auth(&boss)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        (due(&after) - due(&before)).num_days() >= 6,
        "{} → {}",
        due(&before),
        due(&after)
    );
}
db_test!(a_stopped_clock_moves_the_deadline_by_the_days_it_stood);
