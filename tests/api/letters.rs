//! The letters a petitioner keeps: the PDF receipt and the answer letter
//! (HTML and PDF), each with a verification code that anyone can check at
//! `/verify` — and that catches a single changed byte.

use crate::helpers::{
    Browser, TestApp, assert_translated, captcha_of, code_in, csrf, pdf_text, solve_pow,
};
use ed25519_dalek::Verifier;
use reqwest::multipart::{Form, Part};

pub(crate) async fn bytes_of(browser: &Browser, path: &str) -> (u16, String, Vec<u8>) {
    let r = browser.client.get(browser.url(path)).send().await.unwrap();
    let status = r.status().as_u16();
    let kind = r
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (status, kind, r.bytes().await.unwrap().to_vec())
}

/// The verification code printed in a letter's text (`V…-…-…`).
pub(crate) fn code_printed(text: &str) -> String {
    let start = text.find("V").map(|_| ());
    assert!(start.is_some(), "{text}");
    text.split(|c: char| c.is_whitespace() || c == '：' || c == ':')
        .find(|w| w.len() == 18 && w.starts_with('V') && w.matches('-').count() == 2)
        .unwrap_or_else(|| panic!("no verification code in:\n{text}"))
        .to_owned()
}

/// `/verify` with a file: the page says whether it is the letter.
pub(crate) async fn check_file(app: &TestApp, code: &str, pdf: Vec<u8>) -> String {
    let (_, page) = app.get_text(&format!("/verify?code={code}")).await;
    let form = Form::new()
        .text("csrf_token", csrf(&page))
        .text("code", code.to_owned())
        .part(
            "letter",
            Part::bytes(pdf)
                .file_name("letter.pdf")
                .mime_str("application/pdf")
                .unwrap(),
        );
    let r = app
        .client
        .post(app.url("/verify"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    r.text().await.unwrap()
}

/// Checks the signature shown on `/verify` with the public key, offline.
async fn signature_verifies(app: &TestApp, code: &str, pdf: &[u8]) {
    let (_, page) = app.get_text(&format!("/verify?code={code}")).await;
    let pre = |id: &str| {
        let marker = format!("<pre id=\"{id}\">");
        let start = page.find(&marker).unwrap() + marker.len();
        page[start..].split("</pre>").next().unwrap().to_owned()
    };
    let statement = pre("verify-statement");
    let signature: [u8; 64] = hex::decode(pre("verify-signature").trim())
        .unwrap()
        .try_into()
        .unwrap();
    let (_, key) = app.get_text("/verify/key").await;
    let key: [u8; 32] = hex::decode(key.trim()).unwrap().try_into().unwrap();
    let key = ed25519_dalek::VerifyingKey::from_bytes(&key).unwrap();
    key.verify(
        statement.as_bytes(),
        &ed25519_dalek::Signature::from_bytes(&signature),
    )
    .expect("the signature verifies with the published key");
    let sha = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(pdf));
    assert!(
        statement.contains(&format!("sha256:{sha}\n")),
        "{statement}"
    );
}

async fn letters_are_signed_pdfs_that_catch_a_changed_byte(app: &TestApp) {
    app.seed_demo().await;
    let agencies: Vec<serde_json::Value> = app.get("/api/v1/agencies").await.json().await.unwrap();
    let court = agencies
        .iter()
        .find(|a| a["code"] == "lj-jb-court")
        .unwrap()["id"]
        .to_string();
    let (_, page) = app.get_text("/petitions/new/complaint").await;
    let (id, _) = captcha_of(&page);
    let form = Form::new()
        .text("kind", "complaint")
        .text("captcha_pow", solve_pow(&id))
        .text("captcha_id", id)
        .text("agency", court)
        .text("category", "enforcement")
        .text("title", "执行款迟迟未发放")
        .text(
            "description",
            "执行款已到账三个月，法院一直未发放给申请人。",
        )
        .text("contact_name", "王五")
        .text("contact_phone", "13900001111");
    let r = app
        .client
        .post(app.url("/petitions"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 303);
    let (_, receipt) = app.get_text("/petitions/receipt").await;
    let tn = code_in(&receipt, "tracking-number");
    let access = code_in(&receipt, "access-code");
    assert!(receipt.contains("href=\"/petitions/receipt.pdf\""));

    // The PDF receipt: what was filed, where and every time limit; never the code.
    let (status, kind, pdf) = bytes_of(app, "/petitions/receipt.pdf").await;
    assert_eq!(status, 200);
    assert_eq!(kind, "application/pdf");
    let text = pdf_text(&pdf);
    for expected in [
        "信访事项登记回执",
        tn.as_str(),
        "执行款迟迟未发放",
        "临江市江北区人民法院",
        "告知是否受理",
        "《信访工作条例》",
    ] {
        assert!(text.contains(expected), "{expected:?} in:\n{text}");
    }
    assert!(
        !text.contains(&access) && !text.contains(&access.replace('-', "")),
        "no access code"
    );
    // Drawn again, the same bytes and the same code.
    let (_, _, again) = bytes_of(app, "/petitions/receipt.pdf").await;
    assert_eq!(again, pdf, "a letter is drawn the same each time");
    let code = code_printed(&text);
    let (status, page) = app
        .get_text(&format!("/verify?code={}", code.to_lowercase()))
        .await;
    assert_eq!(status, 200);
    assert_translated(&page);
    assert!(
        page.contains("这是本系统签发的文书") && page.contains("有效"),
        "{page}"
    );
    assert!(page.contains("信访事项登记回执") && page.contains("临江市江北区人民法院"));
    assert!(
        !page.contains("执行款迟迟未发放"),
        "the verification page shows no content"
    );
    signature_verifies(app, &code, &pdf).await;
    assert!(
        check_file(app, &code, pdf.clone())
            .await
            .contains("完全一致")
    );
    let mut changed = pdf.clone();
    let middle = changed.len() / 2;
    changed[middle] ^= 0x01;
    assert!(
        check_file(app, &code, changed).await.contains("不一致"),
        "one changed byte is caught"
    );
    let (status, _) = app.get_text("/verify?code=V0000-00000-00000").await;
    assert_eq!(status, 404);

    // The answer letter, once the court has answered.
    let (status, _) = app
        .get_text(&format!("/track/{}/letter", tn.replace('-', "")))
        .await;
    assert_eq!(status, 303, "only a session that opened the petition");
    let r = app
        .post_form(
            "/track",
            &[
                ("tracking_number", tn.as_str()),
                ("access_code", access.as_str()),
            ],
        )
        .await;
    assert!(r.status().is_redirection() || r.status().is_success());
    let compact = tn.replace('-', "");
    let (status, _) = app.get_text(&format!("/track/{compact}/letter")).await;
    assert_eq!(status, 404, "no letter before the answer");
    crate::handling::handle(app, "lj-jb-court", &compact).await;
    let (_, status_page) = app.get_text(&format!("/track/{compact}")).await;
    assert!(status_page.contains(&format!("/track/{compact}/letters/")));
    let (status, letter) = app.get_text(&format!("/track/{compact}/letter")).await;
    assert_eq!(status, 200, "{letter}");
    assert_translated(&letter);
    for expected in [
        "信访事项处理意见书",
        "lj-jb-court答复：已督促执行，财产已查封。",
        "《民事诉讼法》第二百四十七条",
        "临江市中级人民法院",
        "承办",
        "审批",
        "工号LJ-JB-COURT-",
        "王五",
    ] {
        assert!(letter.contains(expected), "{expected:?} in the letter page");
    }
    let (status, kind, answer_pdf) = bytes_of(app, &format!("/track/{compact}/letter.pdf")).await;
    assert_eq!((status, kind.as_str()), (200, "application/pdf"));
    let text = pdf_text(&answer_pdf);
    for expected in [
        "信访事项处理意见书",
        "已督促执行，财产已查封",
        "《民事诉讼法》第二百四十七条",
        "临江市中级人民法院",
        "复查",
    ] {
        assert!(text.contains(expected), "{expected:?} in:\n{text}");
    }
    let answer_code = code_printed(&text);
    assert_ne!(answer_code, code);
    assert!(
        letter.contains(&answer_code),
        "the page shows the PDF's code"
    );
    signature_verifies(app, &answer_code, &answer_pdf).await;
    assert!(
        check_file(app, &answer_code, answer_pdf.clone())
            .await
            .contains("完全一致")
    );
    // The receipt's PDF is not the answer's.
    assert!(check_file(app, &answer_code, pdf).await.contains("不一致"));
    // In English too.
    let (_, _, en) = bytes_of(app, &format!("/track/{compact}/letter.pdf?lang=en")).await;
    let text = pdf_text(&en);
    assert!(
        text.contains("Answer to your petition") && text.contains("Review"),
        "{text}"
    );
}
db_test!(letters_are_signed_pdfs_that_catch_a_changed_byte);

async fn sql(app: &TestApp, sql: &str) {
    use sea_orm::{ConnectionTrait, Statement};
    let backend = app.store.conn().get_database_backend();
    app.store
        .conn()
        .execute_raw(Statement::from_string(backend, sql.to_owned()))
        .await
        .unwrap();
}

/// The `<article>` of a letter page: what the letter says, without the
/// page around it (links, language switch).
fn article(page: &str) -> String {
    let start = page.find("<article").expect("a letter article");
    let end = page[start..].find("</article>").unwrap() + start;
    page[start..end].to_owned()
}

/// The ids of the answer letters (意见书) the status page lists, in its
/// order (the notices issued on the way are `tests/api/notices.rs`'s).
fn letter_ids(page: &str, tn: &str) -> Vec<String> {
    let marker = format!("/track/{tn}/letters/");
    let mut ids: Vec<String> = Vec::new();
    for item in page.split("<li><strong>").skip(1) {
        let kind = item.split("</strong>").next().unwrap();
        let Some(at) = item.find(&marker).filter(|_| kind.ends_with("意见书")) else {
            continue;
        };
        let id: String = item[at + marker.len()..]
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    ids
}

async fn an_issued_letter_never_changes_and_a_review_issues_its_own(app: &TestApp) {
    use crate::handling::{act, file, handle, id_of, petitioner, token};
    use serde_json::json;
    app.seed_demo().await;
    let (tn, access) = file(app, "lj-jb-court").await;
    handle(app, "lj-jb-court", &tn).await;
    let r = app
        .post_form(
            "/track",
            &[
                ("tracking_number", tn.as_str()),
                ("access_code", access.as_str()),
            ],
        )
        .await;
    assert!(r.status().is_redirection() || r.status().is_success());
    let (_, status_page) = app.get_text(&format!("/track/{tn}")).await;
    let ids = letter_ids(&status_page, &tn);
    assert_eq!(ids.len(), 1, "one letter issued: {status_page}");
    let first = ids[0].clone();
    let (status, page) = app.get_text(&format!("/track/{tn}/letters/{first}")).await;
    assert_eq!(status, 200);
    let letter_before = article(&page);
    assert!(letter_before.contains("临江市江北区人民法院") && letter_before.contains("承办"));
    let (_, _, pdf) = bytes_of(app, &format!("/track/{tn}/letters/{first}.pdf")).await;
    let text = pdf_text(&pdf);
    let first_code = code_printed(&text);
    assert!(text.contains("临江市江北区人民法院") && text.contains("临江市中级人民法院"));

    // Everything that used to redraw the letter happens to the petition.
    // The same matter filed again is merged into it.
    let (dup, _) = file(app, "lj-jb-court").await;
    let clerk = token(app, "intake-clerk", "lj-jb-court").await;
    let display = mingjing::domain::codes::TrackingNumber::parse(&tn)
        .unwrap()
        .display();
    let (merged, body) = act(
        app,
        &clerk,
        &dup,
        json!({"action": "merge", "original": display, "reason": "同一事项"}),
    )
    .await;
    assert_eq!(merged, 200, "{body}");
    // The handler leaves; the court is renamed.
    let handler = id_of(app, "handler", "lj-jb-court").await;
    sql(
        app,
        &format!("UPDATE staff SET active = false WHERE id = {handler}"),
    )
    .await;
    sql(
        app,
        "UPDATE agencies SET name_zh = '临江市江北区法院（新名）' WHERE code = 'lj-jb-court'",
    )
    .await;
    // The petitioner asks for a review, which the city court answers.
    let (status, body) = petitioner(
        app,
        &tn,
        &access,
        json!({"action": "request_review", "reason": "仍未执行到位"}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    // The city court sends the review on to the body it names (a transfer).
    let agencies: Vec<serde_json::Value> = app.get("/api/v1/agencies").await.json().await.unwrap();
    let qs_court = agencies.iter().find(|a| a["code"] == "qs-court").unwrap()["id"].clone();
    let lj_clerk = token(app, "intake-clerk", "lj-court").await;
    let (status, body) = act(
        app,
        &lj_clerk,
        &tn,
        json!({"action": "transfer", "to_agency_id": qs_court, "reason": "该复查事项由青山市中级人民法院办理"}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let (clerk, boss, handler) = (
        token(app, "intake-clerk", "qs-court").await,
        token(app, "supervisor", "qs-court").await,
        token(app, "handler", "qs-court").await,
    );
    let handler_id = id_of(app, "handler", "qs-court").await;
    for (who, action) in [
        (&clerk, json!({"action": "accept"})),
        (&boss, json!({"action": "assign", "handler_id": handler_id})),
        (
            &handler,
            json!({"action": "record_investigation", "note": "调阅原卷"}),
        ),
        (
            &handler,
            json!({"action": "draft_answer", "text": "经复查，原处理意见正确。\n财产已查封，执行款将于本月发放。", "legal_basis": "《信访工作条例》第三十五条", "review_outcome": "upheld"}),
        ),
        (&boss, json!({"action": "approve"})),
    ] {
        let (status, body) = act(app, who, &tn, action).await;
        assert_eq!(status, 200, "{body}");
    }

    // The first letter is what it was, byte for byte, and still verifies.
    let (status, page) = app.get_text(&format!("/track/{tn}/letters/{first}")).await;
    assert_eq!(status, 200);
    assert_eq!(
        article(&page),
        letter_before,
        "the letter's page is unchanged"
    );
    let (_, _, again) = bytes_of(app, &format!("/track/{tn}/letters/{first}.pdf")).await;
    assert_eq!(again, pdf, "the letter's PDF is unchanged");
    assert!(
        check_file(app, &first_code, pdf.clone())
            .await
            .contains("完全一致")
    );

    // The review's answer is a letter of its own, from the body that reviewed.
    let (_, status_page) = app.get_text(&format!("/track/{tn}")).await;
    let ids = letter_ids(&status_page, &tn);
    assert_eq!(ids.len(), 2, "both letters listed: {status_page}");
    assert_eq!(ids[1], first, "newest first");
    let review_pos = status_page
        .find("信访事项复查意见书")
        .expect("the review letter listed");
    let answer_pos = status_page
        .find("信访事项处理意见书")
        .expect("the first letter listed");
    assert!(review_pos < answer_pos, "newest first");
    let second = ids[0].clone();
    let (_, page) = app.get_text(&format!("/track/{tn}/letters/{second}")).await;
    let review_letter = article(&page);
    // From the body that reviewed (the one the review was transferred to),
    // with the further review one level above it.
    for expected in [
        "信访事项复查意见书",
        "青山市中级人民法院",
        "予以维持",
        "复核",
        "江南省高级人民法院",
    ] {
        assert!(
            review_letter.contains(expected),
            "{expected:?} in {review_letter}"
        );
    }
    assert!(
        review_letter.contains("经复查，原处理意见正确。<br>"),
        "lines are kept: {review_letter}"
    );
    assert!(!page.contains("&lt;br"), "no escaped markup");
    let (_, _, review_pdf) = bytes_of(app, &format!("/track/{tn}/letters/{second}.pdf")).await;
    let review_code = code_printed(&pdf_text(&review_pdf));
    assert_ne!(review_code, first_code);
    assert!(
        check_file(app, &review_code, review_pdf.clone())
            .await
            .contains("完全一致")
    );
    // `/track/{tn}/letter` is the newest.
    let (_, newest) = app.get_text(&format!("/track/{tn}/letter")).await;
    assert_eq!(article(&newest), review_letter);

    // A one-byte change of either is shown as a mismatch, and only that.
    for (code, bytes) in [(&first_code, &pdf), (&review_code, &review_pdf)] {
        let mut changed = bytes.clone();
        let middle = changed.len() / 2;
        changed[middle] ^= 0x01;
        let page = check_file(app, code, changed).await;
        assert!(page.contains("这份文件不是以该核验码签发的文书"), "{page}");
        assert!(
            !page.contains("这是本系统签发的文书") && !page.contains("有效（"),
            "nothing on the page says the file is genuine"
        );
        assert_translated(&page);
    }

    // English: the same letters, no escaped markup either.
    let (_, page) = app
        .get_text(&format!("/track/{tn}/letters/{second}?lang=en"))
        .await;
    assert!(page.contains("Decision on the review"), "{page}");
    assert!(!page.contains("&lt;br"), "no escaped markup in English");
    assert_translated(&page);
}
db_test!(an_issued_letter_never_changes_and_a_review_issues_its_own);
