//! Staff create, edit (publishing versions) and withdraw their agency's procedures.

use crate::helpers::{TestApp, assert_translated};

pub(crate) const NEW_PROCEDURE: &[(&str, &str)] = &[
    ("category", "legal_aid"),
    ("title_zh", "值班律师法律帮助"),
    ("title_en", "Duty lawyer assistance"),
    (
        "summary_zh",
        "没有辩护人的犯罪嫌疑人、被告人可以获得值班律师的法律帮助。",
    ),
    ("summary_en", ""),
    (
        "legal_basis",
        "《中华人民共和国刑事诉讼法》 | 第三十六条\n《中华人民共和国法律援助法》 | 第三十条",
    ),
    ("steps", "提出申请\n指派值班律师\n提供法律帮助"),
    ("time_limit", "及时指派"),
    ("materials", "身份证明"),
    ("fees", "不收费"),
    ("appeal", "可以向司法行政部门反映"),
    ("change_note", ""),
];

pub(crate) fn with<'a>(
    base: &[(&'a str, &'a str)],
    changes: &[(&'a str, &'a str)],
    csrf: &'a str,
    base_version: &'a str,
) -> Vec<(&'a str, &'a str)> {
    let mut form: Vec<(&str, &str)> = base
        .iter()
        .map(|(k, v)| {
            (
                *k,
                changes
                    .iter()
                    .find(|(ck, _)| ck == k)
                    .map_or(*v, |(_, cv)| *cv),
            )
        })
        .collect();
    form.push(("csrf_token", csrf));
    form.push(("base_version", base_version));
    form
}

async fn procedure_id_by_title(app: &TestApp, title: &str) -> i64 {
    let list: serde_json::Value = app
        .get(&format!("/api/v1/procedures?q={title}"))
        .await
        .json()
        .await
        .unwrap();
    list["items"][0]["id"]
        .as_i64()
        .unwrap_or_else(|| panic!("{title} not listed: {list}"))
}

async fn a_supervisor_creates_edits_and_withdraws_and_every_version_stays_readable(app: &TestApp) {
    app.seed_demo().await;
    app.login_demo("supervisor", "lj-justice").await;
    let token = app.csrf_of("/staff/procedures/new").await;
    let r = app
        .post_form("/staff/procedures", &with(NEW_PROCEDURE, &[], &token, "0"))
        .await;
    assert_eq!(r.status().as_u16(), 303);
    let id = procedure_id_by_title(app, "值班律师法律帮助").await;

    // The public page is read (and cached) before the edit...
    let (_, before) = app.get_text(&format!("/procedures/{id}")).await;
    assert!(before.contains("及时指派"));

    let token = app.csrf_of(&format!("/staff/procedures/{id}/edit")).await;
    let edit = with(
        NEW_PROCEDURE,
        &[
            ("time_limit", "自收到申请之日起二十四小时内指派"),
            ("change_note", "明确指派时限"),
        ],
        &token,
        "1",
    );
    let r = app
        .post_form(&format!("/staff/procedures/{id}/edit"), &edit)
        .await;
    assert_eq!(r.status().as_u16(), 303);

    // ...and shows the new version right after it.
    let (_, after) = app.get_text(&format!("/procedures/{id}")).await;
    assert!(
        after.contains("二十四小时内指派"),
        "the public page still shows the old text"
    );
    assert!(after.contains("第 2 版"));
    let (_, v1) = app.get_text(&format!("/procedures/{id}/versions/1")).await;
    assert!(v1.contains("及时指派"), "version 1 changed");
    let detail: serde_json::Value = app
        .get(&format!("/api/v1/procedures/{id}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(detail["procedure"]["current_version"], 2);
    assert_eq!(detail["versions"].as_array().unwrap().len(), 2);
    assert_eq!(detail["versions"][0]["change_note"], "明确指派时限");

    // Withdrawn: gone from the catalogue, still readable with a notice; and back again.
    let token = app.csrf_of("/staff/procedures").await;
    let r = app
        .post_form(
            &format!("/staff/procedures/{id}/withdraw"),
            &[("csrf_token", &token)],
        )
        .await;
    assert_eq!(r.status().as_u16(), 303);
    let (_, list) = app.get_text("/procedures?q=%E5%80%BC%E7%8F%AD").await; // 值班
    assert!(!list.contains("值班律师法律帮助"));
    let (status, page) = app.get_text(&format!("/procedures/{id}")).await;
    assert_eq!(status, 200);
    assert!(
        page.contains("已于"),
        "a withdrawn procedure carries a notice"
    );
    let r = app
        .post_form(
            &format!("/staff/procedures/{id}/restore"),
            &[("csrf_token", &token)],
        )
        .await;
    assert_eq!(r.status().as_u16(), 303);
    let (_, list) = app.get_text("/procedures?q=%E5%80%BC%E7%8F%AD").await;
    assert!(list.contains("值班律师法律帮助"));
    // 谁执法、谁负责: every act on it is in the audit trail, naming who did it.
    let entries = mingjing::audit::entries(app.store.conn(), Some(&format!("procedure:{id}")))
        .await
        .unwrap();
    let acts: Vec<(&str, bool)> = entries
        .iter()
        .map(|e| (e.action.as_str(), e.actor.starts_with("staff:")))
        .collect();
    assert_eq!(
        acts,
        vec![
            ("procedure.create", true),
            ("procedure.publish", true),
            ("procedure.withdraw", true),
            ("procedure.restore", true)
        ]
    );
    let all = mingjing::audit::entries(app.store.conn(), None)
        .await
        .unwrap();
    assert_eq!(mingjing::audit::verify(&all), Ok(all.len()));
}
db_test!(a_supervisor_creates_edits_and_withdraws_and_every_version_stays_readable);

async fn staff_cannot_touch_another_agencys_procedure_even_by_guessing_ids(app: &TestApp) {
    app.seed_demo().await;
    let court_procedure = procedure_id_by_title(app, "申请国家赔偿").await; // published by jn-court
    app.login_demo("supervisor", "lj-psb").await;
    let token = app.csrf_of("/staff/procedures").await;
    let (_, console) = app.get_text("/staff/procedures").await;
    assert!(
        !console.contains("申请国家赔偿"),
        "another agency's procedure is listed"
    );
    let (status, _) = app
        .get_text(&format!("/staff/procedures/{court_procedure}/edit"))
        .await;
    assert_eq!(status, 404);
    let edit = with(NEW_PROCEDURE, &[], &token, "1");
    let r = app
        .post_form(&format!("/staff/procedures/{court_procedure}/edit"), &edit)
        .await;
    assert_eq!(r.status().as_u16(), 404);
    let r = app
        .post_form(
            &format!("/staff/procedures/{court_procedure}/withdraw"),
            &[("csrf_token", &token)],
        )
        .await;
    assert_eq!(r.status().as_u16(), 404);
    let detail: serde_json::Value = app
        .get(&format!("/api/v1/procedures/{court_procedure}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(detail["procedure"]["status"], "published");
    assert_eq!(
        detail["procedure"]["title_zh"],
        "申请国家赔偿（刑事赔偿、非刑事司法赔偿）"
    );
}
db_test!(staff_cannot_touch_another_agencys_procedure_even_by_guessing_ids);

async fn a_handler_may_read_but_not_edit_procedures(app: &TestApp) {
    app.seed_demo().await;
    app.login_demo("handler", "jn-court").await;
    let (status, page) = app.get_text("/staff/procedures").await;
    assert_eq!(status, 200);
    assert!(page.contains("申请国家赔偿"));
    assert!(!page.contains("/staff/procedures/new"));
    let (status, _) = app.get_text("/staff/procedures/new").await;
    assert_eq!(status, 403);
    let token = app.csrf_of("/staff/procedures").await;
    let r = app
        .post_form("/staff/procedures", &with(NEW_PROCEDURE, &[], &token, "0"))
        .await;
    assert_eq!(r.status().as_u16(), 403);
}
db_test!(a_handler_may_read_but_not_edit_procedures);

async fn a_form_without_the_right_csrf_token_is_refused_and_changes_nothing(app: &TestApp) {
    app.seed_demo().await;
    app.login_demo("admin", "jn-court").await;
    let id = procedure_id_by_title(app, "申请国家赔偿").await;
    for token in ["", "forged-token"] {
        let r = app
            .post_form(
                &format!("/staff/procedures/{id}/withdraw"),
                &[("csrf_token", token)],
            )
            .await;
        assert_eq!(r.status().as_u16(), 403);
        let page = r.text().await.unwrap();
        assert!(page.contains("表单已过期"), "the refusal explains itself");
        let r = app
            .post_form("/staff/procedures", &with(NEW_PROCEDURE, &[], token, "0"))
            .await;
        assert_eq!(r.status().as_u16(), 403);
    }
    let detail: serde_json::Value = app
        .get(&format!("/api/v1/procedures/{id}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(detail["procedure"]["status"], "published");
    let list: serde_json::Value = app
        .get("/api/v1/procedures?q=%E5%80%BC%E7%8F%AD")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["total"], 0);
    // A token from another session does not work either.
    let other = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .unwrap();
    let page = other
        .get(app.url("/staff/login"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let foreign = crate::helpers::csrf(&page);
    let r = app
        .post_form(
            &format!("/staff/procedures/{id}/withdraw"),
            &[("csrf_token", &foreign)],
        )
        .await;
    assert_eq!(r.status().as_u16(), 403);
}
db_test!(a_form_without_the_right_csrf_token_is_refused_and_changes_nothing);

async fn a_bad_form_comes_back_with_messages_by_the_fields_and_the_input_kept(app: &TestApp) {
    app.seed_demo().await;
    app.login_demo("supervisor", "jn-court").await;
    let token = app.csrf_of("/staff/procedures/new").await;
    let long = "长".repeat(200);
    let script = "<script>alert(1)</script>';DROP TABLE procedures;--";
    let form = with(
        NEW_PROCEDURE,
        &[
            ("title_zh", &long),
            ("steps", ""),
            ("category", "nonsense"),
            ("fees", script),
        ],
        &token,
        "0",
    );
    let r = app.post_form("/staff/procedures", &form).await;
    assert_eq!(r.status().as_u16(), 422);
    let page = r.text().await.unwrap();
    assert_translated(&page);
    assert!(page.contains("内容过长"), "title too long is reported");
    assert!(page.contains("此项为必填项"), "missing steps reported");
    assert!(page.contains("请从列表中选择一项"), "bad category reported");
    assert!(page.contains("aria-invalid=\"true\""));
    assert!(page.contains(&long), "the user's input is kept");
    assert!(
        page.contains("《中华人民共和国刑事诉讼法》 | 第三十六条"),
        "other fields are kept"
    );
    assert!(
        !page.contains("<script>alert(1)</script>"),
        "input is escaped"
    );
    assert!(page.contains("&lt;script&gt;"));
    let list: serde_json::Value = app
        .get("/api/v1/procedures?per_page=100&agency_type=court")
        .await
        .json()
        .await
        .unwrap();
    assert!(!list.to_string().contains("值班律师"), "nothing was saved");

    // The same in English.
    let r = app
        .client
        .post(app.url("/staff/procedures?lang=en"))
        .form(&form)
        .send()
        .await
        .unwrap();
    let page = r.text().await.unwrap();
    assert!(page.contains("This field is required."));

    // SQL-looking text is stored verbatim once the form is otherwise valid.
    let ok = with(NEW_PROCEDURE, &[("fees", script)], &token, "0");
    assert_eq!(
        app.post_form("/staff/procedures", &ok)
            .await
            .status()
            .as_u16(),
        303
    );
    let id = procedure_id_by_title(app, "值班律师法律帮助").await;
    let detail: serde_json::Value = app
        .get(&format!("/api/v1/procedures/{id}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(detail["current"]["fees"], script);
}
db_test!(a_bad_form_comes_back_with_messages_by_the_fields_and_the_input_kept);

async fn two_editors_from_the_same_version_conflict_and_the_second_keeps_their_text(app: &TestApp) {
    app.seed_demo().await;
    app.login_demo("supervisor", "lj-justice").await;
    let id = procedure_id_by_title(app, "法律援助申请").await;
    let token = app.csrf_of(&format!("/staff/procedures/{id}/edit")).await;
    let base: Vec<(&str, &str)> = NEW_PROCEDURE.to_vec();
    let first = with(
        &base,
        &[
            ("title_zh", "法律援助申请"),
            ("time_limit", "第一位编辑的时限"),
        ],
        &token,
        "1",
    );
    assert_eq!(
        app.post_form(&format!("/staff/procedures/{id}/edit"), &first)
            .await
            .status()
            .as_u16(),
        303
    );
    let second = with(
        &base,
        &[
            ("title_zh", "法律援助申请"),
            ("time_limit", "第二位编辑的时限"),
        ],
        &token,
        "1",
    );
    let r = app
        .post_form(&format!("/staff/procedures/{id}/edit"), &second)
        .await;
    assert_eq!(r.status().as_u16(), 409);
    let page = r.text().await.unwrap();
    assert!(
        page.contains("第二位编辑的时限"),
        "the second editor's text is kept"
    );
    assert!(page.contains("其他同事已发布了第 2 版"));
    let detail: serde_json::Value = app
        .get(&format!("/api/v1/procedures/{id}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(detail["current"]["time_limit"], "第一位编辑的时限");
    // Publishing again from the conflict page is a deliberate choice, and it works.
    let token = crate::helpers::csrf(&page);
    let again = with(
        &base,
        &[
            ("title_zh", "法律援助申请"),
            ("time_limit", "第二位编辑的时限"),
        ],
        &token,
        "2",
    );
    assert_eq!(
        app.post_form(&format!("/staff/procedures/{id}/edit"), &again)
            .await
            .status()
            .as_u16(),
        303
    );
}
db_test!(two_editors_from_the_same_version_conflict_and_the_second_keeps_their_text);

async fn the_console_requires_login(app: &TestApp) {
    let r = app.get("/staff/procedures").await;
    assert_eq!(r.status().as_u16(), 303);
    let location = r.headers()["location"].to_str().unwrap();
    assert!(location.starts_with("/staff/login?next="), "{location}");
    let r = app
        .post_form("/staff/procedures", &[("csrf_token", "x")])
        .await;
    assert_eq!(r.status().as_u16(), 303);
}
db_test!(the_console_requires_login);
