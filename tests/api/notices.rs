//! 执法告知 — every notice the rules owe the petitioner is issued at its
//! workflow step as a signed letter: listed on the status page, readable and
//! printable, verifiable at `/verify` (a changed byte is caught), told of in
//! the mail with a link, and never changed by what happens later.

use crate::handling::{act, file, id_of, petitioner, token};
use crate::helpers::{TestApp, pdf_text};
use crate::letters::{bytes_of, check_file, code_printed};
use serde_json::{Value, json};

/// Opens the petition in this client's session (tracking number + code).
async fn open(app: &TestApp, tn: &str, code: &str) {
    let r = app
        .post_form("/track", &[("tracking_number", tn), ("access_code", code)])
        .await;
    assert!(r.status().is_redirection(), "{}", r.status());
}

/// The letters the status page lists, newest first: (id, what the list says).
async fn listed(app: &TestApp, tn: &str) -> Vec<(String, String)> {
    let (status, page) = app.get_text(&format!("/track/{tn}")).await;
    assert_eq!(status, 200);
    let marker = format!("/track/{tn}/letters/");
    let mut out: Vec<(String, String)> = Vec::new();
    for item in page.split("<li><strong>").skip(1) {
        let kind = item.split("</strong>").next().unwrap().to_owned();
        let Some(at) = item.find(&marker) else {
            continue;
        };
        let id: String = item[at + marker.len()..]
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        out.push((id, kind));
    }
    out
}

fn article(page: &str) -> String {
    let start = page.find("<article").expect("a letter article");
    let end = page[start..].find("</article>").unwrap() + start;
    page[start..end].to_owned()
}

async fn due(app: &TestApp, tn: &str, code: &str, clock: &str) -> String {
    let r = app
        .client
        .get(app.url(&format!("/api/v1/petitions/{tn}")))
        .header("X-Access-Code", code)
        .send()
        .await
        .unwrap();
    let body: Value = r.json().await.unwrap();
    body["deadlines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["clock"] == clock)
        .unwrap_or_else(|| panic!("no {clock} deadline: {body}"))["due_on"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn sql(app: &TestApp, sql: &str) {
    use sea_orm::{ConnectionTrait, Statement};
    let backend = app.store.conn().get_database_backend();
    app.store
        .conn()
        .execute_raw(Statement::from_string(backend, sql.to_owned()))
        .await
        .unwrap();
}

async fn agency_id(app: &TestApp, code: &str) -> Value {
    let agencies: Vec<Value> = app.get("/api/v1/agencies").await.json().await.unwrap();
    agencies.iter().find(|a| a["code"] == code).unwrap()["id"].clone()
}

/// The notice's page, checked to say each of `expected`.
async fn notice_says(app: &TestApp, tn: &str, id: &str, expected: &[&str]) -> String {
    let (status, page) = app.get_text(&format!("/track/{tn}/letters/{id}")).await;
    assert_eq!(status, 200);
    let text = article(&page);
    for e in expected {
        assert!(text.contains(e), "{e} missing from the notice:\n{text}");
    }
    text
}

async fn the_notices_the_rules_owe_are_issued_signed_and_frozen(app: &TestApp) {
    app.seed_demo().await;
    let (port, mut inbox) = crate::helpers::smtp_listener().await;
    let court = "lj-jb-court";
    let (tn, code) = file(app, court).await;
    open(app, &tn, &code).await;
    assert!(listed(app, &tn).await.is_empty(), "nothing issued yet");

    // 受理: the acceptance notice says what accepting means and when it ends.
    let clerk = token(app, "intake-clerk", court).await;
    assert_eq!(
        act(app, &clerk, &tn, json!({"action": "accept"})).await.0,
        200
    );
    let letters = listed(app, &tn).await;
    assert_eq!(letters.len(), 1, "{letters:?}");
    assert_eq!(letters[0].1, "信访事项受理告知书");
    let accepted = letters[0].0.clone();
    let conclusion = due(app, &tn, &code, "conclusion").await;
    let clerk_no = format!("LJ-JB-COURT-{:04}", id_of(app, "intake-clerk", court).await);
    let before = notice_says(
        app,
        &tn,
        &accepted,
        &[
            "临江市江北区人民法院",
            "受理，是指",
            &conclusion,
            "信访工作条例",
            "李四",
            "判决生效两年仍未执行",
            &clerk_no,
        ],
    )
    .await;

    // The mail says what happened and links to the notice; the link, opened
    // without the code, asks for it with the number filled in.
    crate::helpers::drain_mail(app, port).await;
    let mut mails = Vec::new();
    while let Ok(Some(m)) =
        tokio::time::timeout(std::time::Duration::from_millis(300), inbox.recv()).await
    {
        let parsed = mailparse::parse_mail(m.as_bytes()).unwrap();
        mails.push(parsed.subparts[0].get_body().unwrap());
    }
    let link = format!("/track/{tn}/letters/{accepted}");
    let told = mails
        .iter()
        .find(|m| m.contains(&link))
        .unwrap_or_else(|| panic!("no mail links the notice: {mails:?}"));
    assert!(
        told.contains("受理，是指") && told.contains(&conclusion),
        "{told}"
    );
    assert!(!told.contains(&code), "never the access code");
    // Staff see the notice and that its mail went out.
    let staff = crate::helpers::Browser::new(app.address.clone());
    staff.login_demo("supervisor", court).await;
    let (status, page) = staff.get_text(&format!("/staff/petitions/{tn}")).await;
    assert_eq!(status, 200);
    let section = page
        .split("id=\"notices-h\"")
        .nth(1)
        .unwrap_or_else(|| panic!("no notices section: {page}"));
    let section = section.split("</section>").next().unwrap();
    assert!(
        section.contains("信访事项受理告知书")
            && section.contains("电子邮件")
            && section.contains("已发出"),
        "{section}"
    );
    let stranger = crate::helpers::Browser::new(app.address.clone());
    let r = stranger
        .client
        .get(stranger.url(&link))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 303);
    let to = r.headers()["location"].to_str().unwrap().to_owned();
    let display = mingjing::domain::codes::TrackingNumber::parse(&tn)
        .unwrap()
        .display();
    assert_eq!(to, format!("/track?tracking_number={display}"));

    // Signed: the PDF verifies, and a changed byte is caught.
    let (status, kind, pdf) = bytes_of(app, &format!("{link}.pdf")).await;
    assert_eq!((status, kind.as_str()), (200, "application/pdf"));
    let text = pdf_text(&pdf);
    assert!(
        text.contains("受理告知书") && text.contains(&conclusion),
        "{text}"
    );
    let verification = code_printed(&text);
    let page = check_file(app, &verification, pdf.clone()).await;
    assert!(page.contains("信访事项受理告知书"), "{page}");
    assert!(page.contains("文件与签发的文书完全一致"), "{page}");
    let mut forged = pdf.clone();
    let middle = forged.len() / 2;
    forged[middle] ^= 0x01;
    let page = check_file(app, &verification, forged).await;
    assert!(page.contains("不是以该核验码签发的文书"), "{page}");

    // 延期: the extension notice states the days, the new last day and the reason.
    let boss = token(app, "supervisor", court).await;
    let handler = token(app, "handler", court).await;
    let handler_id = id_of(app, "handler", court).await;
    let assign = json!({"action": "assign", "handler_id": handler_id});
    assert_eq!(act(app, &boss, &tn, assign).await.0, 200);
    let ask = json!({"action": "request_extension", "days": 20, "reason": "需调取外地执行卷宗"});
    assert_eq!(act(app, &handler, &tn, ask).await.0, 200);
    assert_eq!(
        listed(app, &tn).await.len(),
        1,
        "a request alone owes nothing"
    );
    let approve = json!({"action": "approve_extension"});
    assert_eq!(act(app, &boss, &tn, approve).await.0, 200);
    let letters = listed(app, &tn).await;
    assert_eq!(letters.len(), 2, "{letters:?}");
    assert_eq!(letters[0].1, "信访事项延期办理告知书");
    let extended = due(app, &tn, &code, "conclusion").await;
    assert_ne!(extended, conclusion);
    notice_says(
        app,
        &tn,
        &letters[0].0,
        &[
            "延长20日",
            &extended,
            "需调取外地执行卷宗",
            "延长期限不得超过30日",
        ],
    )
    .await;

    // Frozen: the court renamed, the clerk gone, the matter answered — the
    // notice reads as issued and its PDF is the same bytes.
    sql(
        app,
        "UPDATE agencies SET name_zh = '临江市江北区法院（新名）' WHERE code = 'lj-jb-court'",
    )
    .await;
    let clerk_id = id_of(app, "intake-clerk", court).await;
    sql(
        app,
        &format!("UPDATE staff SET active = false WHERE id = {clerk_id}"),
    )
    .await;
    let draft =
        json!({"action": "draft_answer", "text": "已督促执行。", "legal_basis": "《民事诉讼法》"});
    assert_eq!(act(app, &handler, &tn, draft).await.0, 200);
    assert_eq!(
        act(app, &boss, &tn, json!({"action": "approve"})).await.0,
        200
    );
    let (_, page) = app
        .get_text(&format!("/track/{tn}/letters/{accepted}"))
        .await;
    assert_eq!(article(&page), before, "the notice never changes");
    let (_, _, again) = bytes_of(app, &format!("{link}.pdf")).await;
    assert_eq!(again, pdf);
    let kinds: Vec<String> = listed(app, &tn).await.into_iter().map(|l| l.1).collect();
    assert_eq!(
        kinds,
        [
            "信访事项处理意见书",
            "信访事项延期办理告知书",
            "信访事项受理告知书"
        ]
    );

    // 复查: the body one level up takes up the review, and says by when.
    let ask = json!({"action": "request_review", "reason": "执行仍未到位"});
    assert_eq!(petitioner(app, &tn, &code, ask).await.0, 200);
    let city_clerk = token(app, "intake-clerk", "lj-court").await;
    assert_eq!(
        act(app, &city_clerk, &tn, json!({"action": "accept"}))
            .await
            .0,
        200
    );
    let letters = listed(app, &tn).await;
    assert_eq!(letters[0].1, "复查（复核）受理告知书");
    let review_due = due(app, &tn, &code, "review_decision").await;
    notice_says(
        app,
        &tn,
        &letters[0].0,
        &[
            "临江市中级人民法院",
            "信访事项复查受理告知书",
            "复查请求",
            &review_due,
        ],
    )
    .await;
}
db_test!(the_notices_the_rules_owe_are_issued_signed_and_frozen);

async fn not_accepted_transferred_and_redirected_matters_are_told_why(app: &TestApp) {
    app.seed_demo().await;
    // 转送: the court sends it to the procuratorate, which declines it.
    let (tn, code) = file(app, "lj-jb-court").await;
    open(app, &tn, &code).await;
    let clerk = token(app, "intake-clerk", "lj-jb-court").await;
    let to = agency_id(app, "lj-jb-proc").await;
    let transfer =
        json!({"action": "transfer", "to_agency_id": to, "reason": "系对检察机关法律监督的请求"});
    assert_eq!(act(app, &clerk, &tn, transfer).await.0, 200);
    let letters = listed(app, &tn).await;
    assert_eq!(letters.len(), 1, "{letters:?}");
    assert_eq!(letters[0].1, "信访事项转送告知书");
    let acceptance = due(app, &tn, &code, "acceptance").await;
    notice_says(
        app,
        &tn,
        &letters[0].0,
        &[
            "临江市江北区人民法院",
            "转送临江市江北区人民检察院",
            "系对检察机关法律监督的请求",
            &acceptance,
        ],
    )
    .await;
    let proc_clerk = token(app, "intake-clerk", "lj-jb-proc").await;
    let decline = json!({"action": "decline", "reason": "该案件已进入审判程序", "citation": "《人民检察院信访工作规定》"});
    assert_eq!(act(app, &proc_clerk, &tn, decline).await.0, 200);
    let letters = listed(app, &tn).await;
    assert_eq!(letters[0].1, "信访事项不予受理告知书");
    notice_says(
        app,
        &tn,
        &letters[0].0,
        &[
            "临江市江北区人民检察院",
            "不予受理",
            "该案件已进入审判程序",
            "《人民检察院信访工作规定》",
        ],
    )
    .await;

    // 导入法定程序: not accepted, and told which procedure to use.
    let (tn, code) = file(app, "lj-jb-court").await;
    open(app, &tn, &code).await;
    let redirect =
        json!({"action": "redirect", "procedure": "申请再审", "citation": "《民事诉讼法》"});
    assert_eq!(act(app, &clerk, &tn, redirect).await.0, 200);
    let letters = listed(app, &tn).await;
    assert_eq!(letters[0].1, "信访事项不予受理告知书");
    let text = notice_says(app, &tn, &letters[0].0, &["申请再审", "《民事诉讼法》"]).await;
    assert!(!text.contains("转送"), "{text}");

    // In English too, from the same frozen facts.
    let (status, page) = app
        .get_text(&format!("/track/{tn}/letters/{}?lang=en", letters[0].0))
        .await;
    assert_eq!(status, 200);
    assert!(
        article(&page).contains("Notice of non-acceptance") && page.contains("申请再审"),
        "{page}"
    );
}
db_test!(not_accepted_transferred_and_redirected_matters_are_told_why);
