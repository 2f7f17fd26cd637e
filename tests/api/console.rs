//! The staff console as a day's work: the dashboard, the queues, the
//! go-to-number box, bulk assignment, one page per petition that offers what
//! this role does next, confirmations, kept drafts, and the evidence.

use crate::fixtures;
use crate::handling::{act, file, id_of, token};
use crate::helpers::{TestApp, csrf};
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};

fn shown(tn: &str) -> String {
    mingjing::domain::codes::TrackingNumber::parse(tn)
        .unwrap()
        .display()
}

async fn the_dashboard_counts_each_queue_and_the_queues_say_what_is_pressing(app: &TestApp) {
    app.seed_demo().await;
    let agency = "qs-dh-court";
    let (a, _) = file(app, agency).await;
    let (b, _) = file(app, agency).await;
    let clerk = token(app, "intake-clerk", agency).await;
    assert_eq!(
        act(app, &clerk, &a, json!({"action": "accept"})).await.0,
        200
    );

    // The supervisor lands on the dashboard: one accepted and waiting for a handler.
    app.login_demo("supervisor", agency).await;
    let (status, page) = app.get_text("/staff").await;
    assert_eq!(status, 200);
    let count_of = |page: &str, queue: &str| -> u64 {
        let at = page
            .find(&format!("/staff/petitions?queue={queue}\""))
            .unwrap_or_else(|| panic!("a card for {queue}"));
        let rest = &page[at..];
        let start = rest.find("card-count\">").unwrap() + "card-count\">".len();
        rest[start..].split('<').next().unwrap().parse().unwrap()
    };
    let new_before = count_of(&page, "new");
    assert_eq!(
        count_of(&page, "to_assign"),
        1,
        "the accepted one waits for a handler"
    );
    assert!(new_before >= 1);
    assert!(page.contains("工作台"));

    // The to-assign queue: its tab is current and counted, the row shows no handler yet.
    let (_, queue) = app.get_text("/staff/petitions?queue=to_assign").await;
    assert!(queue.contains(&shown(&a)) && !queue.contains(&shown(&b)));
    assert!(queue.contains("aria-current=\"page\">待分办 <span class=\"count\">1</span>"));
    assert!(
        queue.contains("剩 ") || queue.contains("今日到期"),
        "days left are shown"
    );

    // Sorted newest first, the later filing comes first in "new".
    let (_, newest) = app.get_text("/staff/petitions?queue=all&sort=newest").await;
    let (pa, pb) = (
        newest.find(&shown(&a)).unwrap(),
        newest.find(&shown(&b)).unwrap(),
    );
    assert!(pb < pa, "newest first");
    let (_, oldest) = app
        .get_text("/staff/petitions?queue=all&sort=received")
        .await;
    assert!(oldest.find(&shown(&a)).unwrap() < oldest.find(&shown(&b)).unwrap());

    // The API pages the same queue and says how many it holds.
    let boss = token(app, "supervisor", agency).await;
    let r = app
        .client
        .get(app.url("/api/v1/staff/petitions?queue=to_assign"))
        .bearer_auth(&boss)
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["x-total-count"], "1");
    let rows: Value = r.json().await.unwrap();
    assert_eq!(rows[0]["number"], shown(&a));
    assert!(rows[0]["days_left"].is_i64());
}
db_test!(the_dashboard_counts_each_queue_and_the_queues_say_what_is_pressing);

async fn a_number_in_any_form_opens_the_petition_everywhere(app: &TestApp) {
    app.seed_demo().await;
    let agency = "qs-dh-court";
    let (tn, _) = file(app, agency).await;
    let printed = shown(&tn);
    app.login_demo("intake-clerk", agency).await;
    // As read out on the phone: lower case, spaces instead of dashes.
    let spoken = printed.to_lowercase().replace('-', " ");
    let r = app
        .get(&format!(
            "/staff/petitions/go?number={}",
            url::form_urlencoded::byte_serialize(spoken.as_bytes()).collect::<String>()
        ))
        .await;
    assert_eq!(r.status().as_u16(), 303);
    assert_eq!(
        r.headers()["location"],
        format!("/staff/petitions/{printed}").as_str()
    );
    // The printed form in the URL and in the API.
    let (status, page) = app.get_text(&format!("/staff/petitions/{printed}")).await;
    assert_eq!(status, 200);
    assert!(page.contains(&printed) && !page.contains(&format!(">{tn}<")));
    let clerk = token(app, "intake-clerk", agency).await;
    let r = app
        .client
        .get(app.url(&format!(
            "/api/v1/staff/petitions/{}",
            printed.to_lowercase()
        )))
        .bearer_auth(&clerk)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    // Staff search finds it as printed.
    let (_, found) = app.get_text(&format!("/staff/search?q={printed}")).await;
    assert!(found.contains(&printed), "search by the printed number");
    // A number not in scope comes back with the input and a message.
    let (status, page) = app
        .get_text("/staff/petitions/go?number=MJ26-AAAAA-AAAAA")
        .await;
    assert_eq!(status, 404);
    assert!(page.contains("value=\"MJ26-AAAAA-AAAAA\"") && page.contains("没有这个信访编号"));
    assert!(page.contains("<title>错误："));
}
db_test!(a_number_in_any_form_opens_the_petition_everywhere);

async fn bulk_assignment_asks_once_then_assigns_each_and_says_which_were_refused(app: &TestApp) {
    app.seed_demo().await;
    let agency = "qs-dh-court";
    let clerk = token(app, "intake-clerk", agency).await;
    let mut numbers = Vec::new();
    for _ in 0..3 {
        let (tn, _) = file(app, agency).await;
        assert_eq!(
            act(app, &clerk, &tn, json!({"action": "accept"})).await.0,
            200
        );
        numbers.push(tn);
    }
    let handler = id_of(app, "handler", agency).await.to_string();
    app.login_demo("supervisor", agency).await;
    let (_, queue) = app.get_text("/staff/petitions?queue=to_assign").await;
    let token = csrf(&queue);
    let chosen = |with_confirm: bool, version_of_third: Option<&str>| {
        let mut form: Vec<(String, String)> = vec![
            ("csrf_token".into(), token.clone()),
            ("queue".into(), "to_assign".into()),
            ("action".into(), "assign".into()),
            ("handler".into(), handler.clone()),
        ];
        for (i, tn) in numbers.iter().enumerate() {
            let value = match (i, version_of_third) {
                (2, Some(v)) => format!("{tn}@{v}"),
                _ => tn.clone(),
            };
            form.push(("tn".into(), value));
        }
        if with_confirm {
            form.push(("confirm".into(), "yes".into()));
        }
        form
    };
    // The first post only lists what will happen.
    let r = app
        .client
        .post(app.url("/staff/petitions/bulk"))
        .form(&chosen(false, None))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let confirm = r.text().await.unwrap();
    assert!(confirm.contains("将以下 3 件事项交由"), "{confirm}");
    assert!(numbers.iter().all(|tn| confirm.contains(&shown(tn))));
    let (_, still) = app.get_text("/staff/petitions?queue=to_assign").await;
    assert!(
        still.contains("<span class=\"count\">3</span>"),
        "nothing assigned before the confirmation"
    );
    // Confirmed, with the third petition at a version it no longer has: two done, one refused.
    let r = app
        .client
        .post(app.url("/staff/petitions/bulk"))
        .form(&chosen(true, Some("1")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let done = r.text().await.unwrap();
    assert!(done.contains("已办理 2 件，共 3 件"), "{done}");
    assert!(done.contains("未办理："));
    let boss = crate::handling::token(app, "supervisor", agency).await;
    for (i, tn) in numbers.iter().enumerate() {
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
        let expected = if i < 2 { "assigned" } else { "accepted" };
        assert_eq!(detail["petition"]["status"], expected, "{i}");
    }
    // Nothing chosen: the queue again, with a message.
    let r = app
        .client
        .post(app.url("/staff/petitions/bulk"))
        .form(&[
            ("csrf_token", token.as_str()),
            ("action", "assign"),
            ("handler", handler.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 422);
    assert!(r.text().await.unwrap().contains("请至少勾选一件事项"));
}
db_test!(bulk_assignment_asks_once_then_assigns_each_and_says_which_were_refused);

async fn the_petition_page_offers_what_this_role_does_next_and_keeps_what_was_typed(app: &TestApp) {
    app.seed_demo().await;
    let agency = "qs-dh-court";
    let (tn, code) = file(app, agency).await;
    // An image and a PDF as evidence.
    for (bytes, name, mime) in [
        (fixtures::png_with_metadata(), "现场.png", "image/png"),
        (fixtures::pdf_with_author(), "判决书.pdf", "application/pdf"),
    ] {
        let form = Form::new().part(
            "evidence",
            Part::bytes(bytes).file_name(name).mime_str(mime).unwrap(),
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
    }
    let clerk = token(app, "intake-clerk", agency).await;
    let boss = token(app, "supervisor", agency).await;
    assert_eq!(
        act(app, &clerk, &tn, json!({"action": "accept"})).await.0,
        200
    );
    let handler_id = id_of(app, "handler", agency).await;
    assert_eq!(
        act(
            app,
            &boss,
            &tn,
            json!({"action": "assign", "handler_id": handler_id})
        )
        .await
        .0,
        200
    );

    app.login_demo("handler", agency).await;
    let (_, page) = app.get_text(&format!("/staff/petitions/{tn}")).await;
    // The next step first; the rest folded away; no approval for a handler.
    let primary = page.find("class=\"primary-action\" id=\"act-").unwrap();
    assert!(page[primary..].starts_with("class=\"primary-action\" id=\"act-draft_answer\""));
    assert!(page.contains("<details id=\"act-record_investigation\""));
    assert!(
        !page.contains("act-approve\""),
        "a handler is offered no approval"
    );
    // The evidence near the top: the image inline, the PDF linked.
    let files = page.find("id=\"files-h\"").unwrap();
    assert!(files < page.find("id=\"timeline-h\"").unwrap());
    assert!(page.contains("<img src=\"/staff/petitions/") && page.contains("alt=\"现场.png\""));
    assert!(page.contains(">判决书.pdf</a>"));
    // Each read of a file is audited, naming the reader.
    let link = page
        .split("<img src=\"/staff/")
        .nth(1)
        .map(|rest| format!("/staff/{}", rest.split('"').next().unwrap()))
        .unwrap();
    let r = app.get(&link.replace("&amp;", "&")).await;
    assert_eq!(r.status().as_u16(), 200);
    assert!(
        r.headers()
            .get("content-disposition")
            .is_some_and(|d| d.to_str().unwrap().starts_with("inline")),
        "{link}: {:?}",
        r.headers()
    );
    let reads: Vec<_> = mingjing::audit::entries(app.store.conn(), None)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.action == "read_file")
        .collect();
    assert_eq!(reads.len(), 1);
    let handler_id = id_of(app, "handler", agency).await;
    assert_eq!(
        reads[0].actor,
        format!("staff:{handler_id}"),
        "naming the reader"
    );

    // Switching templates keeps what was typed.
    let token_ = csrf(&page);
    let r = app
        .post_form(
            &format!("/staff/petitions/{tn}/draft-template"),
            &[
                ("csrf_token", token_.as_str()),
                ("template", "unsubstantiated"),
                ("text", "我自己写的答复：已联系执行法官XYZ。"),
            ],
        )
        .await;
    assert_eq!(r.status().as_u16(), 200);
    let switched = r.text().await.unwrap();
    assert!(switched.contains("与事实不符"), "the new template");
    assert!(
        switched.contains("我自己写的答复：已联系执行法官XYZ。"),
        "and the typed draft"
    );

    // A refused draft (the petition changed meanwhile) comes back with the text.
    let r = app
        .post_form(
            &format!("/staff/petitions/{tn}/actions"),
            &[
                ("csrf_token", token_.as_str()),
                ("action", "draft_answer"),
                ("version", "1"),
                ("text", "未保存的答复草稿QQQ"),
                ("citation", "《信访工作条例》第三十二条"),
            ],
        )
        .await;
    assert_eq!(r.status().as_u16(), 409);
    let refused = r.text().await.unwrap();
    assert!(refused.contains(">未保存的答复草稿QQQ</textarea>"));
    assert!(refused.contains("value=\"《信访工作条例》第三十二条\""));
}
db_test!(the_petition_page_offers_what_this_role_does_next_and_keeps_what_was_typed);

async fn declining_asks_for_confirmation_with_the_reason_shown(app: &TestApp) {
    app.seed_demo().await;
    let agency = "qs-dh-court";
    let (tn, _) = file(app, agency).await;
    app.login_demo("intake-clerk", agency).await;
    let (_, page) = app.get_text(&format!("/staff/petitions/{tn}")).await;
    let token_ = csrf(&page);
    let version = page
        .split("name=\"version\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned();
    let form = |confirm: &'static str| {
        vec![
            ("csrf_token", token_.clone()),
            ("action", "decline".to_owned()),
            ("version", version.clone()),
            ("text", "不属于本院职权范围".to_owned()),
            ("citation", "《信访工作条例》第三十一条".to_owned()),
            ("confirm", confirm.to_owned()),
        ]
    };
    let r = app
        .client
        .post(app.url(&format!("/staff/petitions/{tn}/actions")))
        .form(&form(""))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let asked = r.text().await.unwrap();
    assert!(asked.contains("确认不予受理") && asked.contains("不属于本院职权范围"));
    let clerk = token(app, "intake-clerk", agency).await;
    let status = || {
        let clerk = clerk.clone();
        let tn = tn.clone();
        async move {
            let v: Value = app
                .client
                .get(app.url(&format!("/api/v1/staff/petitions/{tn}")))
                .bearer_auth(&clerk)
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            v["petition"]["status"].as_str().unwrap().to_owned()
        }
    };
    assert_eq!(
        status().await,
        "received",
        "nothing done before the confirmation"
    );
    let r = app
        .client
        .post(app.url(&format!("/staff/petitions/{tn}/actions")))
        .form(&form("yes"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 303);
    assert_eq!(status().await, "declined");
}
db_test!(declining_asks_for_confirmation_with_the_reason_shown);

async fn a_clerk_registers_a_letter_with_its_day_of_arrival_and_prints_the_receipt(app: &TestApp) {
    app.seed_demo().await;
    let agency = "qs-dh-court";
    app.login_demo("intake-clerk", agency).await;
    let (status, page) = app.get_text("/staff/register").await;
    assert_eq!(status, 200);
    let token_ = csrf(&page);
    let today = chrono::Utc::now()
        .with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).unwrap())
        .date_naive();
    let arrived = (today - chrono::Days::new(3)).to_string();
    let form = vec![
        ("csrf_token", token_.clone()),
        ("channel", "letter".to_owned()),
        ("received_on", arrived.clone()),
        ("kind", "litigation".to_owned()),
        ("category", "enforcement".to_owned()),
        ("subject", "东湖区人民法院执行局".to_owned()),
        ("related_case_number", "（2025）江0102执123号".to_owned()),
        ("title", "来信反映执行款未发放".to_owned()),
        (
            "description",
            "来信称判决生效后执行款一直未发放，请求尽快处理。".to_owned(),
        ),
        ("contact_name", "王五".to_owned()),
        ("contact_phone", "13800138000".to_owned()),
        ("notify", "sms".to_owned()),
        ("petitioner_lang", "zh-CN".to_owned()),
    ];
    // A date in the future is refused beside the field, with everything typed kept.
    let mut wrong = form.clone();
    wrong[2].1 = (today + chrono::Days::new(1)).to_string();
    let r = app
        .client
        .post(app.url("/staff/register"))
        .form(&wrong)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 422);
    let again = r.text().await.unwrap();
    assert!(again.contains("收到日期不能晚于今天") && again.contains("来信反映执行款未发放"));
    assert!(again.contains("<title>错误："));
    // Told by mail with no address: refused on the field, the choice kept.
    let mut no_address = form.clone();
    no_address[11].1 = "mail".to_owned();
    let r = app
        .client
        .post(app.url("/staff/register"))
        .form(&no_address)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 422);
    let again = r.text().await.unwrap();
    assert!(again.contains("选择邮件通知，请填写电子邮箱"), "{again}");
    assert!(again.contains("id=\"notify-mail\" name=\"notify\" value=\"mail\" checked"));

    let r = app
        .client
        .post(app.url("/staff/register"))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 303);
    assert_eq!(r.headers()["location"], "/staff/register/receipt");
    // The receipt survives a refresh: read it twice.
    let (_, receipt) = app.get_text("/staff/register/receipt").await;
    let (status, again) = app.get_text("/staff/register/receipt").await;
    assert_eq!(status, 200);
    assert_eq!(
        crate::helpers::code_in(&receipt, "access-code"),
        crate::helpers::code_in(&again, "access-code")
    );
    let number = crate::helpers::code_in(&receipt, "tracking-number");
    let code = crate::helpers::code_in(&receipt, "access-code");
    // The visitor asked to be told by SMS at the counter: the acknowledgement is texted.
    let petition = app
        .store
        .petition_by_tracking_number(&mingjing::app::records::canonical_number(&number))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(petition.notify, mingjing::domain::petition::Notify::Sms);
    assert!(petition.reach().sms && !petition.reach().mail);
    assert!(receipt.contains("来信") && receipt.contains("信访事项登记回执"));
    // The visitor follows it with the receipt's number and code.
    let status: Value = app
        .client
        .get(app.url(&format!("/api/v1/petitions/{number}")))
        .header("X-Access-Code", &code)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(status["status"], "received");
    // The clocks count from the day the letter arrived: the acceptance limit
    // is the same as for a petition filed online that day.
    let calendar = app.store.calendar().await.unwrap();
    let expected = mingjing::domain::clock::deadlines_starting(
        mingjing::domain::clock::ClockRules::official(),
        &calendar,
        mingjing::domain::clock::ClockStart::Received,
        "litigation",
        "court",
        arrived.parse().unwrap(),
    );
    assert_eq!(
        status["deadlines"][0]["due_on"],
        expected[0].due_on.to_string(),
        "counted from {arrived}"
    );
    // The clerk is named: the channel on the staff page, the act in the audit trail.
    let (_, staff_page) = app.get_text(&format!("/staff/petitions/{number}")).await;
    assert!(staff_page.contains("来信"));
    let clerk_id = id_of(app, "intake-clerk", agency).await;
    let registered: Vec<_> = mingjing::audit::entries(app.store.conn(), None)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.action == "register")
        .collect();
    assert_eq!(registered.len(), 1);
    assert_eq!(registered[0].actor, format!("staff:{clerk_id}"));
    assert!(registered[0].after.contains(&arrived));
    // Handed over: the code leaves the session and the receipt page with it.
    let r = app
        .post_form(
            "/staff/register/receipt/done",
            &[("csrf_token", token_.as_str())],
        )
        .await;
    assert_eq!(r.status().as_u16(), 303);
    let r = app.get("/staff/register/receipt").await;
    assert_eq!(r.status().as_u16(), 303);
    // A handler may not register.
    app.login_demo("handler", agency).await;
    assert_eq!(app.get("/staff/register").await.status().as_u16(), 403);
}
db_test!(a_clerk_registers_a_letter_with_its_day_of_arrival_and_prints_the_receipt);
