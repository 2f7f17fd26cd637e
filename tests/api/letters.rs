//! The letters a petitioner keeps: the PDF receipt and the answer letter
//! (HTML and PDF), each with a verification code that anyone can check at
//! `/verify` — and that catches a single changed byte.

use crate::helpers::{
    Browser, TestApp, assert_translated, captcha_of, code_in, csrf, pdf_text, solve_pow,
};
use ed25519_dalek::Verifier;
use reqwest::multipart::{Form, Part};

async fn bytes_of(browser: &Browser, path: &str) -> (u16, String, Vec<u8>) {
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
fn code_printed(text: &str) -> String {
    let start = text.find("V").map(|_| ());
    assert!(start.is_some(), "{text}");
    text.split(|c: char| c.is_whitespace() || c == '：' || c == ':')
        .find(|w| w.len() == 18 && w.starts_with('V') && w.matches('-').count() == 2)
        .unwrap_or_else(|| panic!("no verification code in:\n{text}"))
        .to_owned()
}

/// `/verify` with a file: the page says whether it is the letter.
async fn check_file(app: &TestApp, code: &str, pdf: Vec<u8>) -> String {
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
    assert_eq!(status, 403, "only a session that opened the petition");
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
    assert!(status_page.contains(&format!("/track/{compact}/letter.pdf")));
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
