//! Citizens file complaints, reports and litigation-related petitions and follow them.

use crate::fixtures;
use crate::helpers::{
    Backend, TestApp, assert_translated, captcha_of, code_in, solve_captcha_question, solve_pow,
    spawn_app_with,
};
use reqwest::multipart::{Form, Part};
use sea_orm::{ConnectionTrait, Statement};

/// Petitions filed in the test (the demo's published answers come with petitions of their own).
async fn count_petitions(app: &TestApp) -> i64 {
    let row = app
        .store
        .conn()
        .query_one_raw(Statement::from_string(
            app.store.conn().get_database_backend(),
            "SELECT COUNT(*) AS n FROM petitions WHERE answer_published_at IS NULL",
        ))
        .await
        .unwrap()
        .unwrap();
    row.try_get::<i64>("", "n").unwrap()
}

async fn agency_id(app: &TestApp, code: &str) -> String {
    let agencies: Vec<serde_json::Value> = app.get("/api/v1/agencies").await.json().await.unwrap();
    agencies.iter().find(|a| a["code"] == code).unwrap()["id"].to_string()
}

/// The form of `kind` with its captcha passed by the proof of work (as a
/// browser with JavaScript does by itself).
async fn form_with_captcha(app: &TestApp, kind: &str, lang: &str) -> Form {
    let (status, page) = app
        .get_text(&format!("/petitions/new/{kind}?lang={lang}"))
        .await;
    assert_eq!(status, 200);
    assert_translated(&page);
    let (id, _) = captcha_of(&page);
    Form::new()
        .text("kind", kind.to_owned())
        .text("captcha_pow", solve_pow(&id))
        .text("captcha_id", id)
}

fn fields(form: Form, fields: &[(&str, &str)]) -> Form {
    fields
        .iter()
        .fold(form, |f, (k, v)| f.text((*k).to_owned(), (*v).to_owned()))
}

fn file(form: Form, name: &str, bytes: Vec<u8>, mime: &str) -> Form {
    form.part(
        "evidence",
        Part::bytes(bytes)
            .file_name(name.to_owned())
            .mime_str(mime)
            .unwrap(),
    )
}

/// Files through the HTML form. A filing that succeeds redirects to the
/// receipt (post/redirect/get), which this follows as a browser does.
async fn post_petition(app: &TestApp, form: Form) -> (u16, String) {
    let r = app
        .client
        .post(app.url("/petitions"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    if r.status().as_u16() == 303 {
        let location = r.headers()["location"].to_str().unwrap().to_owned();
        assert!(location.starts_with("/petitions/receipt"), "{location}");
        return app.get_text(&location).await;
    }
    (r.status().as_u16(), r.text().await.unwrap())
}

/// Opens the status page through the lookup form, as a returning petitioner does.
async fn open_status(app: &TestApp, tn: &str, code: &str) -> String {
    let r = app
        .post_form("/track", &[("tracking_number", tn), ("access_code", code)])
        .await;
    assert_eq!(r.status().as_u16(), 303, "lookup of {tn}");
    let location = r.headers()["location"].to_str().unwrap().to_owned();
    let (status, page) = app.get_text(&location).await;
    assert_eq!(status, 200);
    page
}

async fn a_complaint_with_a_photo_gets_a_receipt_and_its_status_page(app: &TestApp) {
    app.seed_demo().await;
    let agency = agency_id(app, "lj-jb-psb").await;
    let form = form_with_captcha(app, "complaint", "zh-CN").await;
    let form = fields(
        form,
        &[
            ("agency", &agency),
            ("category", "conduct"),
            ("subject", "江北分局户籍窗口"),
            ("title", "办理户籍业务时被拒绝一次性告知"),
            (
                "description",
                "2026年11月20日上午在户籍窗口办理业务，工作人员拒绝一次性告知所需材料，要求我往返三次。",
            ),
            ("desired_outcome", "依法处理并改进"),
            ("contact_name", "张三"),
            ("contact_phone", "13800138000"),
            ("website", ""),
        ],
    );
    let (status, receipt) = post_petition(
        app,
        file(
            form,
            "现场照片.jpg",
            fixtures::jpeg_with_metadata(),
            "image/jpeg",
        ),
    )
    .await;
    assert_eq!(status, 200, "{receipt}");
    assert_translated(&receipt);
    let tn = code_in(&receipt, "tracking-number");
    let code = code_in(&receipt, "access-code");
    assert!(tn.starts_with("MJ"), "{tn}");
    assert_eq!(code.len(), 19, "16 characters in groups of four: {code}");
    assert_eq!(code.split('-').count(), 4);
    assert!(
        receipt.contains("告知是否受理"),
        "the first deadline is named"
    );
    assert!(receipt.contains("15日内书面告知"), "with its citation");
    assert!(
        receipt.contains("临江市公安局江北分局") || receipt.contains("江北区公安局"),
        "the agency chosen"
    );

    let page = open_status(app, &tn, &code).await;
    assert!(page.contains("办理户籍业务时被拒绝一次性告知"));
    assert!(page.contains("登记"), "the first timeline event");
    assert!(page.contains("已删除元数据"));
    assert!(page.contains("现场照片.jpg"));
    // The stored photo keeps its orientation and nothing else of its EXIF.
    let link_start = page.find("/files/").unwrap();
    let href_start = page[..link_start].rfind('"').unwrap() + 1;
    let href = page[href_start..].split('"').next().unwrap();
    let photo = app.get(href).await.bytes().await.unwrap();
    let exif = exif::Reader::new()
        .read_from_container(&mut std::io::Cursor::new(&photo[..]))
        .unwrap();
    let tags: Vec<exif::Tag> = exif.fields().map(|f| f.tag).collect();
    assert_eq!(
        tags,
        vec![exif::Tag::Orientation],
        "only the orientation survives"
    );
    assert!(
        !photo.windows(9).any(|w| w == b"Zhang San") && !photo.windows(8).any(|w| w == b"ZhangSan")
    );
    // Another browser without the code sees nothing.
    let stranger = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let r = stranger.get(app.url(href)).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 404);
    let r = stranger
        .get(app.url(&format!("/track/{}", tn.replace('-', ""))))
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status().as_u16(),
        303,
        "the status page asks for the code"
    );
}
db_test!(a_complaint_with_a_photo_gets_a_receipt_and_its_status_page);

async fn an_anonymous_report_is_followed_up_by_message_and_evidence(app: &TestApp) {
    app.seed_demo().await;
    let captcha: serde_json::Value = app.get("/api/v1/captcha").await.json().await.unwrap();
    assert!(
        captcha["image"]
            .as_str()
            .unwrap()
            .starts_with("data:image/png;base64,")
    );
    let r = app
        .client
        .post(app.url("/api/v1/petitions"))
        .json(&serde_json::json!({
            "kind": "report", "category": "misconduct", "title": "民警收受当事人财物",
            "description": "某派出所民警在办理一起纠纷时收受一方当事人财物，偏袒其一方。",
            "anonymous": true, "captcha_id": captcha["captcha_id"], "captcha_pow": solve_pow(captcha["pow"]["challenge"].as_str().unwrap())
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 201);
    let created: serde_json::Value = r.json().await.unwrap();
    let tn = created["tracking_number"].as_str().unwrap().to_owned();
    let code = created["access_code"].as_str().unwrap().to_owned();
    // Not sure of the agency: routed by subject to the provincial procuratorate.
    let status: serde_json::Value = app
        .client
        .get(app.url(&format!("/api/v1/petitions/{tn}")))
        .header("X-Access-Code", &code)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(status["status"], "received");
    let clocks: Vec<&str> = status["deadlines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["clock"].as_str().unwrap())
        .collect();
    assert!(
        clocks.contains(&"procedural_reply"),
        "a procuratorate owes a reply within 7 working days: {clocks:?}"
    );

    // The reporter's only channel: the status page with the code.
    let page = open_status(app, &tn, &code).await;
    let token = crate::helpers::csrf(&page);
    let form = Form::new()
        .text("csrf_token", token)
        .text("message", "补充：事发时间为2026年11月18日下午。");
    let form = file(
        form,
        "收据.pdf",
        fixtures::pdf_with_author(),
        "application/pdf",
    );
    let r = app
        .client
        .post(app.url(&format!("/track/{tn}/follow-up")))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 303);
    let (_, page) = app.get_text(&format!("/track/{tn}?done=sent")).await;
    assert!(page.contains("事发时间为2026年11月18日下午"));
    assert!(page.contains("收据.pdf"));
    assert!(page.contains("已收到您的补充内容"));

    // And by API.
    let r = app
        .client
        .post(app.url(&format!("/api/v1/petitions/{tn}/messages")))
        .header("X-Access-Code", &code)
        .json(&serde_json::json!({"message": "另：有同事可以作证。"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 201);
    let form = Form::new().part(
        "evidence",
        Part::bytes(fixtures::png_with_metadata())
            .file_name("截图.png")
            .mime_str("image/png")
            .unwrap(),
    );
    let r = app
        .client
        .post(app.url(&format!("/api/v1/petitions/{tn}/evidence")))
        .header("X-Access-Code", &code)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 201);
    let status: serde_json::Value = app
        .client
        .get(app.url(&format!("/api/v1/petitions/{tn}")))
        .header("X-Access-Code", &code)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let kinds: Vec<&str> = status["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        vec!["received", "message", "message", "evidence_added"]
    );
    // Nobody else can add to it.
    let r = app
        .client
        .post(app.url(&format!("/api/v1/petitions/{tn}/messages")))
        .header("X-Access-Code", "AAAA-BBBB-CCCC-DDDD")
        .json(&serde_json::json!({"message": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 404);
}
db_test!(an_anonymous_report_is_followed_up_by_message_and_evidence);

async fn a_litigation_petition_without_its_case_number_comes_back_with_the_input_kept(
    app: &TestApp,
) {
    app.seed_demo().await;
    let agency = agency_id(app, "lj-court").await;
    let form = form_with_captcha(app, "litigation", "zh-CN").await;
    let form = fields(
        form,
        &[
            ("agency", &agency),
            ("category", "enforcement"),
            ("title", "判决生效两年仍未执行"),
            (
                "description",
                "我方胜诉的判决生效已两年，至今未执行到位，多次询问无果。",
            ),
            ("contact_name", "李四"),
            ("contact_phone", "not a phone"),
            ("contact_email", "li@@example"),
            ("related_case_number", ""),
        ],
    );
    let (status, page) = post_petition(app, form).await;
    assert_eq!(status, 422);
    assert_translated(&page);
    assert!(page.contains("涉法涉诉信访须填写相关案号"));
    assert!(page.contains("请输入有效的手机号"));
    assert!(page.contains("请输入有效的电子邮箱地址"));
    assert!(page.contains("判决生效两年仍未执行"), "the input is kept");
    assert!(page.contains("我方胜诉的判决生效已两年"));
    assert!(page.contains("captcha_id"), "a fresh captcha is offered");
    assert_eq!(count_petitions(app).await, 0, "nothing half-saved");
}
db_test!(a_litigation_petition_without_its_case_number_comes_back_with_the_input_kept);

async fn a_missing_wrong_or_reused_captcha_is_refused(app: &TestApp) {
    app.seed_demo().await;
    let good = [
        ("agency", "unsure"),
        ("category", "traffic"),
        ("title", "违停罚单有误"),
        ("description", "我的车当天不在现场，却收到违停罚单。"),
        ("contact_name", "王五"),
        ("contact_phone", "13900001111"),
    ];
    // Missing.
    let (status, page) =
        post_petition(app, fields(Form::new().text("kind", "complaint"), &good)).await;
    assert_eq!(status, 422);
    assert!(page.contains("验证未通过"));
    assert!(page.contains("违停罚单有误"), "input kept");
    // Wrong.
    let (_, form_page) = app.get_text("/petitions/new/complaint").await;
    let (id, _) = captcha_of(&form_page);
    let form = fields(
        Form::new()
            .text("kind", "complaint")
            .text("captcha_id", id.clone())
            .text("captcha_question_answer", "999")
            .text("captcha_answer", "zzzzz"),
        &good,
    );
    assert_eq!(post_petition(app, form).await.0, 422);
    // Right but already used by the wrong attempt: one attempt per challenge.
    let (_, form_page2) = app.get_text("/petitions/new/complaint").await;
    let (_, question) = captcha_of(&form_page2);
    let form = fields(
        Form::new()
            .text("kind", "complaint")
            .text("captcha_id", id)
            .text("captcha_question_answer", solve_captcha_question(&question)),
        &good,
    );
    assert_eq!(post_petition(app, form).await.0, 422);
    // Reused after a success.
    let (_, form_page3) = app.get_text("/petitions/new/complaint").await;
    let (id, question) = captcha_of(&form_page3);
    let ok = || {
        fields(
            Form::new()
                .text("kind", "complaint")
                .text("captcha_id", id.clone())
                .text("captcha_question_answer", solve_captcha_question(&question)),
            &good,
        )
    };
    assert_eq!(post_petition(app, ok()).await.0, 200);
    assert_eq!(
        post_petition(app, ok()).await.0,
        422,
        "a used captcha does not work twice"
    );
    assert_eq!(count_petitions(app).await, 1);
}
db_test!(a_missing_wrong_or_reused_captcha_is_refused);

/// The states of the petitions filed in the test, oldest first.
async fn states(app: &TestApp) -> Vec<String> {
    app.store
        .conn()
        .query_all_raw(Statement::from_string(
            app.store.conn().get_database_backend(),
            "SELECT status FROM petitions WHERE answer_published_at IS NULL ORDER BY id",
        ))
        .await
        .unwrap()
        .iter()
        .map(|r| r.try_get::<String>("", "status").unwrap())
        .collect()
}

/// The text question in words is what a script answers every time: a
/// petition it lets in is filed but held for an intake officer, and a client
/// gets five an hour. The proof of work the browser does passes without
/// either; a made-up nonce does not.
async fn scripted_question_answers_are_held_for_review_then_refused(app: &TestApp) {
    app.seed_demo().await;
    // Complaints are named; one address each, so the per-contact limit is
    // not what holds them.
    let good = |title: String| {
        let email = format!("wang{}@example.cn", title.chars().count());
        vec![
            ("agency".to_owned(), "unsure".to_owned()),
            ("category".to_owned(), "traffic".to_owned()),
            ("title".to_owned(), title),
            (
                "description".to_owned(),
                "我的车当天不在现场，却收到违停罚单。".to_owned(),
            ),
            ("contact_name".to_owned(), "王五".to_owned()),
            ("contact_email".to_owned(), email),
        ]
    };
    let with = |form: Form, fields: Vec<(String, String)>| {
        fields.into_iter().fold(form, |f, (k, v)| f.text(k, v))
    };
    // A made-up nonce is no proof of work.
    let (_, page) = app.get_text("/petitions/new/complaint").await;
    let (id, _) = captcha_of(&page);
    let form = with(
        Form::new()
            .text("kind", "complaint")
            .text("captcha_id", id)
            .text("captcha_pow", "12345"),
        good("违停罚单有误".into()),
    );
    let (status, page) = post_petition(app, form).await;
    assert_eq!(status, 422);
    assert!(page.contains("验证未通过"), "{page}");

    // A script reading the question: filed, acknowledged, held for review.
    let limit = mingjing::app::limits::QUESTION_CLIENT_LIMIT;
    for i in 0..limit {
        let (_, page) = app.get_text("/petitions/new/complaint").await;
        let (id, question) = captcha_of(&page);
        let form = with(
            Form::new()
                .text("kind", "complaint")
                .text("captcha_id", id)
                .text("captcha_question_answer", solve_captcha_question(&question)),
            good(format!("脚本提交 {}", "·".repeat(i as usize))),
        );
        let (status, page) = post_petition(app, form).await;
        assert_eq!(status, 200, "{page}");
        assert!(page.contains("id=\"tracking-number\""), "acknowledged");
    }
    assert_eq!(states(app).await, vec!["quarantined"; limit as usize]);
    // One more within the hour: refused, the input kept, when to come back said.
    let (_, page) = app.get_text("/petitions/new/complaint").await;
    let (id, question) = captcha_of(&page);
    let form = with(
        Form::new()
            .text("kind", "complaint")
            .text("captcha_id", id)
            .text("captcha_question_answer", solve_captcha_question(&question)),
        good("第六次脚本提交".into()),
    );
    let r = app
        .client
        .post(app.url("/petitions"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 429);
    assert!(r.headers().contains_key("retry-after"));
    let page = r.text().await.unwrap();
    assert!(page.contains("以文字问题通过验证的次数已达上限"), "{page}");
    assert!(page.contains("第六次脚本提交"), "input kept");
    assert_eq!(count_petitions(app).await, i64::from(limit));

    // The browser's proof of work passes, and nothing is held.
    let form = with(
        form_with_captcha(app, "complaint", "zh-CN").await,
        good("浏览器自动验证".into()),
    );
    let (status, page) = post_petition(app, form).await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(
        states(app).await.last().map(String::as_str),
        Some("received")
    );
}
db_test!(scripted_question_answers_are_held_for_review_then_refused);

async fn files_that_lie_or_are_too_big_are_refused_and_nothing_is_saved(app: &TestApp) {
    app.seed_demo().await;
    let good = [
        ("agency", "unsure"),
        ("category", "conduct"),
        ("title", "态度恶劣"),
        ("description", "窗口工作人员态度恶劣，拒绝解答问题。"),
        ("contact_name", "赵六"),
        ("contact_email", "zhao@example.cn"),
    ];
    let elf = b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0\x02\0\x3e\0\x01\0\0\0".repeat(40);
    let form = file(
        fields(form_with_captcha(app, "complaint", "zh-CN").await, &good),
        "photo.jpg",
        elf,
        "image/jpeg",
    );
    let (status, page) = post_petition(app, form).await;
    assert_eq!(status, 422);
    assert!(page.contains("photo.jpg: 不支持此文件类型"), "{page}");
    assert!(page.contains("态度恶劣"), "input kept");
    let big = vec![0xFFu8; 21 * 1024 * 1024];
    let form = file(
        fields(form_with_captcha(app, "complaint", "en").await, &good),
        "big.jpg",
        big,
        "image/jpeg",
    );
    let (status, page) = post_petition(app, form).await;
    assert_eq!(status, 422);
    // Said at the file field, naming the file, and linked from the summary.
    let at_field = page
        .split("id=\"evidence-error\">")
        .nth(1)
        .map(|rest| &rest[..rest.find("</p>").unwrap_or(0)]);
    assert_eq!(
        at_field,
        Some("big.jpg: larger than 20 MB; compress it or send it separately."),
        "{}",
        &page[..500.min(page.len())]
    );
    assert!(
        page.contains("<a href=\"#evidence\">"),
        "the summary links to the field"
    );
    assert!(page.contains("choose the files to upload again"));
    let long = "长".repeat(10_000);
    let form = fields(
        form_with_captcha(app, "complaint", "zh-CN").await,
        &[
            ("agency", "unsure"),
            ("category", "conduct"),
            ("title", "x"),
            ("description", &long),
            ("contact_name", "赵六"),
            ("contact_email", "zhao@example.cn"),
        ],
    );
    let (status, page) = post_petition(app, form).await;
    assert_eq!(status, 422);
    assert!(page.contains("内容过长"));
    assert_eq!(count_petitions(app).await, 0);
    let files = std::fs::read_dir(app._dir.path().join("files"))
        .map(|d| d.count())
        .unwrap_or(0);
    assert_eq!(files, 0, "no file was stored for a refused submission");
}
db_test!(files_that_lie_or_are_too_big_are_refused_and_nothing_is_saved);

async fn markup_is_shown_escaped_and_sql_is_stored_verbatim(app: &TestApp) {
    app.seed_demo().await;
    let script = "<script>alert('x')</script>";
    let sql = "'; DROP TABLE petitions; --";
    let r = app.client.post(app.url("/api/v1/petitions")).json(&serde_json::json!({
        "kind": "complaint", "category": "conduct", "title": format!("{script}{sql}"), "subject": script,
        "description": format!("{script} {sql} 具体情况如上。"), "desired_outcome": script,
        "contact": {"name": format!("{script}"), "phone": "13800138000"}
    })).send().await.unwrap();
    // The captcha is on: the API refuses without it.
    assert_eq!(r.status().as_u16(), 422);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "captcha_failed");

    let form = form_with_captcha(app, "complaint", "zh-CN").await;
    let form = fields(
        form,
        &[
            ("agency", "unsure"),
            ("category", "conduct"),
            ("subject", script),
            ("title", &format!("{script}{sql}")),
            ("description", &format!("{script} {sql} 具体情况如上。")),
            ("desired_outcome", script),
            ("contact_name", script),
            ("contact_phone", "13800138000"),
        ],
    );
    let (status, receipt) = post_petition(app, form).await;
    assert_eq!(status, 200);
    assert!(!receipt.contains(script), "the receipt escapes markup");
    assert!(receipt.contains("&lt;script&gt;"));
    let tn = code_in(&receipt, "tracking-number");
    let code = code_in(&receipt, "access-code");
    let page = open_status(app, &tn, &code).await;
    assert!(!page.contains(script));
    let status: serde_json::Value = app
        .client
        .get(app.url(&format!("/api/v1/petitions/{}", tn.replace('-', ""))))
        .header("X-Access-Code", &code)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(status["title"], format!("{script}{sql}"), "stored verbatim");
    assert_eq!(count_petitions(app).await, 1, "the table is still there");
}
db_test!(markup_is_shown_escaped_and_sql_is_stored_verbatim);

async fn a_mistyped_tracking_number_is_caught_and_wrong_codes_are_throttled(app: &TestApp) {
    app.seed_demo().await;
    let form = fields(
        form_with_captcha(app, "report", "zh-CN").await,
        &[
            ("agency", "unsure"),
            ("category", "misconduct"),
            ("title", "举报"),
            ("description", "举报某单位违规收费的问题。"),
            ("anonymous", "on"),
        ],
    );
    let (status, receipt) = post_petition(app, form).await;
    assert_eq!(status, 200, "{receipt}");
    let tn = code_in(&receipt, "tracking-number");
    let code = code_in(&receipt, "access-code");
    // One character changed: the check character catches it before any lookup.
    let mut typo: Vec<char> = tn.chars().collect();
    let i = 6;
    typo[i] = if typo[i] == 'A' { 'B' } else { 'A' };
    let typo: String = typo.into_iter().collect();
    let r = app
        .post_form(
            "/track",
            &[("tracking_number", &typo), ("access_code", &code)],
        )
        .await;
    assert_eq!(r.status().as_u16(), 422);
    assert!(r.text().await.unwrap().contains("校验位不符"));
    let r = app
        .post_form(
            "/track",
            &[("tracking_number", "hello"), ("access_code", &code)],
        )
        .await;
    assert!(r.text().await.unwrap().contains("编号格式不对"));
    let r = app
        .client
        .get(app.url(&format!("/api/v1/petitions/{typo}")))
        .header("X-Access-Code", &code)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 400);

    // An unknown number and a wrong code read the same.
    let r1 = app
        .post_form(
            "/track",
            &[
                ("tracking_number", &tn),
                ("access_code", "AAAA-AAAA-AAAA-AAAA"),
            ],
        )
        .await;
    let other = mingjing::domain::codes::TrackingNumber::generate(2026, &mut rand::rng());
    let r2 = app
        .post_form(
            "/track",
            &[("tracking_number", other.as_str()), ("access_code", &code)],
        )
        .await;
    assert_eq!(r1.status(), r2.status());
    assert!(r1.text().await.unwrap().contains("信访编号或查询码不正确"));
    assert!(r2.text().await.unwrap().contains("信访编号或查询码不正确"));

    // A thousand guesses at one number: throttled, and never a 200.
    let mut throttled = 0;
    for i in 0..1000 {
        let guess = format!("{:04}-AAAA-BBBB-CCCC", i);
        let r = app
            .client
            .get(app.url(&format!("/api/v1/petitions/{tn}")))
            .header("X-Access-Code", guess)
            .send()
            .await
            .unwrap();
        assert_ne!(r.status().as_u16(), 200);
        if r.status().as_u16() == 429 {
            throttled += 1;
        }
    }
    assert!(
        throttled >= 980,
        "only {throttled} of 1000 guesses were throttled"
    );
    // While throttled, even the right code does not open it.
    let r = app
        .client
        .get(app.url(&format!("/api/v1/petitions/{tn}")))
        .header("X-Access-Code", &code)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 429);
}
db_test!(a_mistyped_tracking_number_is_caught_and_wrong_codes_are_throttled);

async fn metadata_is_removed_from_photos_and_documents(app: &TestApp) {
    app.seed_demo().await;
    let form = fields(
        form_with_captcha(app, "report", "zh-CN").await,
        &[
            ("agency", "unsure"),
            ("category", "misconduct"),
            ("title", "举报材料"),
            ("description", "附上照片和文件作为证据材料。"),
            ("anonymous", "on"),
        ],
    );
    let form = file(form, "a.jpg", fixtures::jpeg_with_metadata(), "image/jpeg");
    let form = file(form, "b.png", fixtures::png_with_metadata(), "image/png");
    let form = file(form, "c.webp", fixtures::tiny_webp(), "image/webp");
    let form = file(
        form,
        "d.pdf",
        fixtures::pdf_with_author(),
        "application/pdf",
    );
    let (status, receipt) = post_petition(app, form).await;
    assert_eq!(status, 200, "{receipt}");
    let rows = app
        .store
        .conn()
        .query_all_raw(Statement::from_string(
            app.store.conn().get_database_backend(),
            "SELECT sha256, mime FROM evidence ORDER BY id",
        ))
        .await
        .unwrap();
    assert_eq!(rows.len(), 4);
    for row in rows {
        let sha: String = row.try_get("", "sha256").unwrap();
        let mime: String = row.try_get("", "mime").unwrap();
        let bytes = app.files.read(&sha).await.unwrap();
        assert!(
            !bytes.windows(9).any(|w| w == b"Zhang San"),
            "{mime} still names its author"
        );
        match mime.as_str() {
            "image/jpeg" => {
                let exif = exif::Reader::new()
                    .read_from_container(&mut std::io::Cursor::new(&bytes[..]))
                    .unwrap();
                assert!(
                    exif.get_field(exif::Tag::GPSLatitude, exif::In::PRIMARY)
                        .is_none()
                );
                assert!(exif.get_field(exif::Tag::Make, exif::In::PRIMARY).is_none());
                assert!(
                    exif.get_field(exif::Tag::JPEGInterchangeFormat, exif::In::THUMBNAIL)
                        .is_none(),
                    "the thumbnail is gone"
                );
                assert_eq!(
                    exif.get_field(exif::Tag::Orientation, exif::In::PRIMARY)
                        .unwrap()
                        .value
                        .get_uint(0),
                    Some(6),
                    "the photo is not mis-rotated"
                );
                assert!(
                    !bytes.windows(13).any(|w| w == b"Photoshop 3.0"),
                    "IPTC is gone"
                );
            }
            "image/png" => {
                let png = img_parts::png::Png::from_bytes(bytes.into()).unwrap();
                for kind in [*b"tEXt", *b"iTXt", *b"eXIf"] {
                    assert!(png.chunk_by_type(kind).is_none());
                }
            }
            "image/webp" => assert!(bytes.starts_with(b"RIFF")),
            "application/pdf" => {
                let doc = lopdf::Document::load_mem(&bytes).unwrap();
                assert!(
                    doc.trailer.get(b"Info").is_err(),
                    "the PDF information dictionary is gone"
                );
                assert!(!bytes.windows(18).any(|w| w == b"Secret Scanner 3000"));
            }
            other => panic!("unexpected {other}"),
        }
    }
}
db_test!(metadata_is_removed_from_photos_and_documents);
// The same for evidence kept in the database (MINGJING_FILES=database), as
// several nodes keep it: stripped before it is stored, read back by address.
db_test!(metadata_is_removed_in_the_database_store => metadata_is_removed_from_photos_and_documents, |s| {
    s.files = mingjing::config::FilesBackend::Database
});

async fn suspected_abuse_is_held_for_review_not_dropped(app: &TestApp) {
    app.seed_demo().await;
    let form = fields(
        form_with_captcha(app, "report", "zh-CN").await,
        &[
            ("agency", "unsure"),
            ("category", "other"),
            ("title", "机器人"),
            ("description", "这是一条由机器人填写的举报内容。"),
            ("anonymous", "on"),
            ("website", "http://spam.example"),
        ],
    );
    let (status, receipt) = post_petition(app, form).await;
    assert_eq!(status, 200, "a bot is not told it was caught");
    let tn = code_in(&receipt, "tracking-number").replace('-', "");
    let code = code_in(&receipt, "access-code");
    let s: serde_json::Value = app
        .client
        .get(app.url(&format!("/api/v1/petitions/{tn}")))
        .header("X-Access-Code", &code)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(s["status"], "quarantined");
}
db_test!(suspected_abuse_is_held_for_review_not_dropped);

#[tokio::test]
async fn many_submissions_from_one_client_are_held_then_refused() {
    let app = crate::helpers::spawn_app_with(Backend::Sqlite, |s| s.captcha = false)
        .await
        .unwrap();
    app.seed_demo().await;
    let mut statuses = Vec::new();
    for i in 0..32 {
        let r = app.client.post(app.url("/api/v1/petitions")).json(&serde_json::json!({
            "kind": "report", "category": "other", "title": format!("第{i}条"), "description": "同一来源的大量提交内容。", "anonymous": true
        })).send().await.unwrap();
        let code = r.status().as_u16();
        let body: serde_json::Value = r.json().await.unwrap();
        statuses.push((code, body["status"].as_str().unwrap_or_default().to_owned()));
    }
    assert!(
        statuses[..10]
            .iter()
            .all(|(c, s)| *c == 201 && s == "received")
    );
    assert!(
        statuses[10..30]
            .iter()
            .all(|(c, s)| *c == 201 && s == "quarantined"),
        "{statuses:?}"
    );
    assert!(statuses[30..].iter().all(|(c, _)| *c == 429));
    assert_eq!(count_petitions(&app).await, 30);
    app.teardown().await;
}

async fn the_acknowledgement_arrives_by_smtp(backend: Backend) {
    let (port, mut inbox) = crate::helpers::smtp_listener().await;
    let Some(app) = spawn_app_with(backend, |s| {
        s.smtp_url = Some(format!("smtp://127.0.0.1:{port}"));
        s.run_worker = true;
    })
    .await
    else {
        return;
    };
    app.seed_demo().await;
    let form = form_with_captcha(&app, "complaint", "en").await;
    let form = fields(
        form,
        &[
            ("agency", "unsure"),
            ("category", "penalty"),
            ("title", "<b>Fine</b> without a hearing"),
            (
                "description",
                "I was fined a large sum without being told I could ask for a hearing.",
            ),
            ("contact_name", "Chen"),
            ("contact_email", "chen@example.cn"),
        ],
    );
    let r = app
        .client
        .post(app.url("/petitions?lang=en"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 303);
    assert_eq!(r.headers()["location"], "/petitions/receipt?lang=en");
    let (status, receipt) = app.get_text("/petitions/receipt?lang=en").await;
    assert_eq!(status, 200);
    assert!(receipt.contains("We have received your petition"));
    let tn = code_in(&receipt, "tracking-number");
    let code = code_in(&receipt, "access-code");
    // The worker also mails the staff (the monthly bulletins): the petitioner's is the one to chen.
    let raw = tokio::time::timeout(std::time::Duration::from_secs(20), async {
        loop {
            let raw = inbox.recv().await.unwrap();
            if raw.contains("To: chen@example.cn") {
                return raw;
            }
        }
    })
    .await
    .expect("the mail arrives");
    let parsed = mailparse::parse_mail(raw.as_bytes()).unwrap();
    let subject = parsed
        .headers
        .iter()
        .find(|h| h.get_key().eq_ignore_ascii_case("subject"))
        .unwrap()
        .get_value();
    assert!(
        subject.contains("we have received your petition"),
        "English subject: {subject}"
    );
    assert!(subject.contains(&tn));
    let to = parsed
        .headers
        .iter()
        .find(|h| h.get_key().eq_ignore_ascii_case("to"))
        .unwrap()
        .get_value();
    assert_eq!(to, "chen@example.cn");
    let parts: Vec<(String, String)> = parsed
        .subparts
        .iter()
        .map(|p| (p.ctype.mimetype.clone(), p.get_body().unwrap()))
        .collect();
    let text = &parts
        .iter()
        .find(|(m, _)| m == "text/plain")
        .expect("a text part")
        .1;
    let html = &parts
        .iter()
        .find(|(m, _)| m == "text/html")
        .expect("an HTML part")
        .1;
    for body in [text, html] {
        assert!(body.contains(&tn), "the tracking number is in each part");
        assert!(
            !body.contains(&code) && !body.contains(&code.replace('-', "")),
            "never the access code"
        );
        assert!(body.contains("Decision on acceptance"), "in English");
    }
    assert!(
        html.contains("&lt;b&gt;Fine") && !html.contains("<b>Fine</b>"),
        "markup escaped in the HTML part"
    );
    assert!(
        text.contains("<b>Fine</b> without a hearing"),
        "plain text shows it as typed"
    );
    app.teardown().await;
}

#[tokio::test]
async fn the_acknowledgement_mail_arrives_by_smtp_in_english_without_the_code_on_sqlite() {
    the_acknowledgement_arrives_by_smtp(Backend::Sqlite).await;
}

#[tokio::test]
async fn the_acknowledgement_mail_arrives_by_smtp_in_english_without_the_code_on_postgres() {
    the_acknowledgement_arrives_by_smtp(Backend::Postgres).await;
}

async fn the_receipt_survives_a_refresh_and_shows_the_code_until_it_is_kept(app: &TestApp) {
    app.seed_demo().await;
    let agency = agency_id(app, "lj-jb-psb").await;
    let form = form_with_captcha(app, "complaint", "zh-CN").await;
    let form = fields(
        form,
        &[
            ("agency", &agency),
            ("category", "conduct"),
            ("title", "窗口工作人员态度恶劣"),
            (
                "description",
                "2026年11月20日上午在户籍窗口办理业务，工作人员态度恶劣，拒绝解释原因。",
            ),
            ("contact_name", "张三"),
            ("contact_phone", "13800138000"),
            ("website", ""),
        ],
    );
    let form = file(
        form,
        "现场照片.jpg",
        fixtures::jpeg_with_metadata(),
        "image/jpeg",
    );
    let r = app
        .client
        .post(app.url("/petitions"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    // Post/redirect/get: the answer to the post is a redirect, not the receipt.
    assert_eq!(r.status().as_u16(), 303);
    assert_eq!(r.headers()["location"], "/petitions/receipt");
    let r = app.get("/petitions/receipt").await;
    assert_eq!(r.headers()["cache-control"], "no-store");
    let first = r.text().await.unwrap();
    // A refresh (or the back button, or a restored tab) shows the same receipt.
    let (status, again) = app.get_text("/petitions/receipt").await;
    assert_eq!(status, 200);
    let code = code_in(&first, "access-code");
    assert_eq!(code, code_in(&again, "access-code"));
    assert_eq!(
        code_in(&first, "tracking-number"),
        code_in(&again, "tracking-number")
    );
    // It lists the files sent and every deadline with its citation.
    assert!(first.contains("现场照片.jpg"));
    assert!(first.contains("class=\"citation\""));
    // Once the citizen says they kept it, the code is gone from the page.
    let token = crate::helpers::csrf(&first);
    let r = app
        .post_form("/petitions/receipt/kept", &[("csrf_token", token.as_str())])
        .await;
    assert_eq!(r.status().as_u16(), 303);
    let (_, kept) = app.get_text("/petitions/receipt").await;
    assert!(!kept.contains("id=\"access-code\"") && !kept.contains(&code));
    assert!(kept.contains("查询码已不再显示"));
    // Another browser has no receipt: it is sent to the tracking page.
    let other = crate::helpers::Browser::new(app.address.clone());
    let r = other
        .client
        .get(other.url("/petitions/receipt"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 303);
    assert_eq!(r.headers()["location"], "/track");
}
db_test!(the_receipt_survives_a_refresh_and_shows_the_code_until_it_is_kept);

async fn wrong_codes_from_elsewhere_never_lock_the_petitioner_out(app: &TestApp) {
    app.seed_demo().await;
    let (tn, code) = crate::handling::file(app, "qs-dh-court").await;
    let lookup = |from: &'static str, code: String| {
        let tn = tn.clone();
        async move {
            app.client
                .get(app.url(&format!("/api/v1/petitions/{tn}")))
                .header("X-Forwarded-For", from)
                .header("X-Access-Code", code)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    // Someone at another address sends wrong codes until stopped.
    let mut statuses = Vec::new();
    for i in 0..15 {
        statuses.push(lookup("10.9.0.1", format!("{i:04}-AAAA-BBBB-CCCC")).await);
    }
    assert_eq!(statuses.last(), Some(&429), "{statuses:?}");
    // Even the right code is refused to that address while it waits…
    assert_eq!(lookup("10.9.0.1", code.clone()).await, 429);
    // …but the petitioner at their own address opens their petition.
    assert_eq!(lookup("10.9.0.2", code.clone()).await, 200);

    // Captcha challenges are rows: one client gets 60 in 15 minutes, then 429.
    let challenge = |from: &'static str| async move {
        app.client
            .get(app.url("/api/v1/captcha"))
            .header("X-Forwarded-For", from)
            .send()
            .await
            .unwrap()
    };
    for _ in 0..mingjing::app::limits::CAPTCHA_CLIENT_LIMIT {
        assert_eq!(challenge("10.9.0.3").await.status().as_u16(), 200);
    }
    let r = challenge("10.9.0.3").await;
    assert_eq!(r.status().as_u16(), 429);
    assert!(r.headers().contains_key("retry-after"));
    assert_eq!(challenge("10.9.0.4").await.status().as_u16(), 200);
}
db_test!(lockout => wrong_codes_from_elsewhere_never_lock_the_petitioner_out, |s| {
    s.trusted_proxies = vec!["127.0.0.1".parse().unwrap()];
});

async fn the_status_page_shows_the_stages_and_days_left_and_a_shared_computer_can_forget_it(
    app: &TestApp,
) {
    app.seed_demo().await;
    let (tn, code) = crate::handling::file(app, "qs-dh-court").await;
    let page = open_status(app, &tn, &code).await;
    // 登记 done, 受理 the current stage, the rest to come.
    assert!(page.contains("办理进程"));
    let current = page.find("aria-current=\"step\"").expect("a current stage");
    assert!(page[current..].starts_with("aria-current=\"step\"><span class=\"stage-name\">受理"));
    assert!(page.contains("stage-done\"><span class=\"stage-name\">登记"));
    // Each open clock says how many days are left.
    assert!(
        page.contains("（剩 ") || page.contains("(剩 ") || page.contains("今日到期"),
        "days left"
    );
    // "End this session": the browser forgets the petition.
    let token = crate::helpers::csrf(&page);
    let r = app
        .post_form("/track/end", &[("csrf_token", token.as_str())])
        .await;
    assert_eq!(r.status().as_u16(), 303);
    assert_eq!(r.headers()["location"], "/track?ended=1");
    let (_, ended) = app.get_text("/track?ended=1").await;
    assert!(ended.contains("已结束本次查询"));
    let shown = mingjing::domain::codes::TrackingNumber::parse(&tn).unwrap();
    let r = app.get(&format!("/track/{}", shown.as_str())).await;
    assert_ne!(r.status().as_u16(), 200, "the code is needed again");
}
db_test!(the_status_page_shows_the_stages_and_days_left_and_a_shared_computer_can_forget_it);

/// The agency list is grouped by kind and level; the form says where "not
/// sure" sends each category, and the receipt says where it went and why
/// (before: a county traffic complaint went to the province unannounced).
async fn not_sure_says_where_it_goes_and_the_list_is_grouped(app: &TestApp) {
    app.seed_demo().await;
    let (_, page) = app.get_text("/petitions/new/complaint").await;
    assert!(
        page.contains("<optgroup label=\"人民法院 · 省级\">"),
        "{page}"
    );
    assert!(page.contains("<optgroup label=\"公安机关 · 县级\">"));
    assert!(page.contains("选择“不确定”时，您的反映会转至哪里"));
    assert!(page.contains("交通管理 → 江南省公安厅"), "{page}");
    let (_, en) = app.get_text("/petitions/new/complaint?lang=en").await;
    assert!(
        en.contains("<optgroup label=\"Courts · provincial\">"),
        "{en}"
    );

    let form = fields(
        form_with_captcha(app, "complaint", "zh-CN").await,
        &[
            ("agency", "unsure"),
            ("category", "traffic"),
            ("title", "违停罚单有误"),
            (
                "description",
                "我的车当天不在现场，却收到江北区的违停罚单。",
            ),
            ("contact_name", "王五"),
            ("contact_phone", "13900001111"),
        ],
    );
    let (status, receipt) = post_petition(app, form).await;
    assert_eq!(status, 200, "{receipt}");
    assert!(receipt.contains("江南省公安厅"), "{receipt}");
    assert!(
        receipt
            .contains("您选择了“不确定”：“交通管理”类事项由公安机关主管，已转至该系统的省级机关"),
        "{receipt}"
    );
    // A chosen agency gets no such notice.
    let agency = agency_id(app, "lj-jb-psb").await;
    let form = fields(
        form_with_captcha(app, "complaint", "zh-CN").await,
        &[
            ("agency", &agency),
            ("category", "traffic"),
            ("title", "违停罚单有误（二）"),
            (
                "description",
                "我的车当天不在现场，却收到江北区的违停罚单。",
            ),
            ("contact_name", "王五"),
            ("contact_phone", "13900001112"),
        ],
    );
    let (_, receipt) = post_petition(app, form).await;
    assert!(!receipt.contains("routed-unsure"), "{receipt}");
}
db_test!(not_sure_says_where_it_goes_and_the_list_is_grouped);

/// Rows of every table a filing writes, and the roll-up sum of "received".
async fn filing_rows(app: &TestApp) -> Vec<i64> {
    let mut counts = Vec::new();
    for sql in [
        "SELECT COUNT(*) AS n FROM petitions",
        "SELECT COUNT(*) AS n FROM petition_events",
        "SELECT COUNT(*) AS n FROM petition_deadlines",
        "SELECT COUNT(*) AS n FROM petition_keys",
        "SELECT COUNT(*) AS n FROM jobs",
        "SELECT COUNT(*) AS n FROM search_outbox",
        "SELECT CAST(COALESCE(SUM(value), 0) AS BIGINT) AS n FROM rollup_days WHERE metric = 'received' AND staff_id = 0",
        "SELECT CAST(COALESCE(SUM(value), 0) AS BIGINT) AS n FROM rollup_months WHERE metric = 'received' AND staff_id = 0",
    ] {
        let row = app
            .store
            .conn()
            .query_one_raw(Statement::from_string(
                app.store.conn().get_database_backend(),
                sql,
            ))
            .await
            .unwrap()
            .unwrap();
        counts.push(row.try_get::<i64>("", "n").unwrap());
    }
    counts
}

/// A filing is all or nothing, however the store writes it (one statement on
/// PostgreSQL, a transaction on SQLite): a tracking number drawn twice gets
/// no second petition and leaves no event, deadline, key, job, search row or
/// roll-up count behind; the first filing wrote each of them.
async fn a_filing_is_written_whole_or_not_at_all(app: &TestApp) {
    use mingjing::domain::petition::{
        AgencyChoice, Channel, Complainant, PetitionCategory, PetitionDraft, PetitionKind,
    };
    app.seed_demo().await;
    let agency = app.store.agency_by_code("lj-jb-psb").await.unwrap();
    let calendar = app.store.calendar().await.unwrap();
    let received = chrono::Utc::now();
    let deadlines = mingjing::domain::clock::deadlines_starting(
        mingjing::domain::clock::ClockRules::official(),
        &calendar,
        mingjing::domain::clock::ClockStart::Received,
        "complaint",
        agency.agency_type.as_str(),
        mingjing::domain::clock::china_date(received),
    );
    assert!(!deadlines.is_empty());
    let draft = PetitionDraft {
        kind: PetitionKind::Complaint,
        agency: AgencyChoice::Chosen(agency.id),
        category: PetitionCategory::Conduct,
        subject: "窗口工作人员".into(),
        title: "材料重复提交".into(),
        description: "办理业务时被要求重复提交材料。".into(),
        desired_outcome: String::new(),
        related_case_number: None,
        complainant: Complainant::Named {
            name: "测试人".into(),
            email: mingjing::domain::staff::Email::parse("tester@example.org"),
            phone: None,
        },
        notify: mingjing::domain::petition::Notify::Mail,
    };
    let tn = mingjing::domain::codes::TrackingNumber::generate(2026, &mut rand::rng());
    let keys = vec!["k:phone:1".to_owned(), "k:case:2".to_owned()];
    let new = || mingjing::store::petitions::NewPetition {
        draft: &draft,
        agency_id: agency.id,
        tracking_number: tn.as_str(),
        access_code_hash: "h".into(),
        lang: "zh-CN",
        status: mingjing::domain::workflow::State::Received,
        quarantine_reason: None,
        received_at: received,
        deadlines: &deadlines,
        files: &[],
        via_partner: None,
        keys: &keys,
        channel: Channel::Online,
        registered_by: None,
    };
    let before = filing_rows(app).await;
    let filed = app.store.create_petition(new()).await.unwrap().unwrap();
    assert_eq!(filed.tracking_number, tn.as_str());
    assert_eq!(filed.contact_email.as_deref(), Some("tester@example.org"));
    let after = filing_rows(app).await;
    let added: Vec<i64> = after.iter().zip(&before).map(|(a, b)| a - b).collect();
    // petition, event, each deadline, both keys, the acknowledgement, the
    // search row, and "received" once a day and once a month.
    assert_eq!(
        added,
        vec![1, 1, deadlines.len() as i64, 2, 1, 1, 1, 1],
        "rows added by one filing"
    );
    let status = app
        .store
        .petition_by_tracking_number(tn.as_str())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(status.id, filed.id);
    assert_eq!(status.received_at, filed.received_at);
    assert_eq!(
        status.next_due_on,
        mingjing::domain::clock::next_agency_due(&deadlines)
    );

    assert!(app.store.create_petition(new()).await.unwrap().is_none());
    assert_eq!(
        filing_rows(app).await,
        after,
        "a refused filing left rows behind"
    );
}
db_test!(a_filing_is_written_whole_or_not_at_all);
