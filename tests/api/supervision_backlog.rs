//! 督办积案 — a supervision order on a body's overdue backlog rather than on
//! one petition: issued from the list of the body's overdue matters (and by
//! JSON), mailed to the body's supervisors, refused when nothing is overdue or
//! the body is not below the issuer, replied to, escalated when unanswered,
//! and carried by the exceptions list and the bulletin with its mail.

use crate::handling::token;
use crate::helpers::{TestApp, csrf, smtp_listener};
use crate::oversight::member;
use crate::supervision::{at_day, get, post, problems};
use mingjing::domain::staff::Role;
use serde_json::{Value, json};

/// Every message the listener received so far: (subject, text body).
fn received(inbox: &mut tokio::sync::mpsc::UnboundedReceiver<String>) -> Vec<(String, String)> {
    let mut out = Vec::new();
    while let Ok(raw) = inbox.try_recv() {
        let parsed = mailparse::parse_mail(raw.as_bytes()).unwrap();
        let subject = parsed
            .headers
            .iter()
            .find(|h| h.get_key_ref().eq_ignore_ascii_case("subject"))
            .map(|h| h.get_value())
            .unwrap_or_default();
        let text = parsed.subparts[0].get_body().unwrap();
        out.push((subject, format!("{raw}\n{text}")));
    }
    out
}

async fn a_backlog_order_s_life(app: &TestApp) {
    let (a, _, _) = problems(app).await;
    let (port, mut inbox) = smtp_listener().await;
    let jb = app.store.agency_by_code("lj-jb-court").await.unwrap();
    let dh = app.store.agency_by_code("qs-dh-court").await.unwrap();
    let lj = app.store.agency_by_code("lj-court").await.unwrap();
    let province = token(app, "supervisor", "jn-court").await;
    let county = token(app, "supervisor", "lj-jb-court").await;
    let sibling = token(app, "supervisor", "lj-nx-court").await;
    let handler = token(app, "handler", "jn-court").await;
    let reply_by = (mingjing::app::today() + chrono::Days::new(10)).to_string();
    let order = |agency: i32| json!({"agency_id": agency, "instructions": "请于十日内清理超期积案，逐件说明原因和责任人", "reply_by": reply_by});

    // Refusals, each said: nothing overdue; not below; not the issuer's role; one subject only.
    let path = "/api/v1/staff/supervision-orders";
    let (status, body) = post(app, &province, path, order(dh.id.0)).await;
    assert_eq!(status, 422, "{body}");
    assert!(body.to_string().contains("没有逾期未办结"), "{body}");
    let (status, _) = post(app, &sibling, path, order(jb.id.0)).await;
    assert_eq!(status, 404, "a sibling does not oversee the county");
    let (status, _) = post(app, &county, path, order(lj.id.0)).await;
    assert_eq!(status, 404, "a county cannot order its city");
    let (status, _) = post(app, &handler, path, order(jb.id.0)).await;
    assert!(
        status == 403 || status == 404,
        "a handler issues no orders: {status}"
    );
    let (status, body) = post(
        app,
        &province,
        path,
        json!({"agency_id": jb.id.0, "tracking_number": a, "instructions": "请清理积案", "reply_by": reply_by}),
    )
    .await;
    assert_eq!(status, 400, "{body}");

    // In the console: the county's overdue list carries the form; bad input comes back as typed.
    app.login_demo("supervisor", "jn-court").await;
    let list = format!("/staff/oversight/list?agency={}&what=overdue", jb.id.0);
    let (status, page) = app.get_text(&list).await;
    assert_eq!(status, 200);
    assert!(
        page.contains("下达督办单") && page.contains("督办积案"),
        "{page}"
    );
    let action = format!("/staff/oversight/agencies/{}/order", jb.id.0);
    let r = app
        .post_form(
            &action,
            &[
                ("csrf_token", &csrf(&page)),
                ("instructions", "清理积"),
                ("reply_by", &reply_by),
            ],
        )
        .await;
    assert_eq!(r.status().as_u16(), 422);
    let back = r.text().await.unwrap();
    assert!(
        back.contains("督办要求至少5个字") && back.contains(">清理积</textarea>"),
        "{back}"
    );
    let r = app
        .post_form(
            &action,
            &[
                ("csrf_token", &csrf(&page)),
                (
                    "instructions",
                    "请于十日内清理超期积案，逐件说明原因和责任人",
                ),
                ("reply_by", &reply_by),
            ],
        )
        .await;
    assert_eq!(r.status().as_u16(), 303);
    let to = r.headers()["location"].to_str().unwrap().to_owned();
    assert!(to.ends_with("?done=issued"), "{to}");
    let id: i64 = to["/staff/supervision/".len()..to.find('?').unwrap()]
        .parse()
        .unwrap();
    let (_, page) = app.get_text(&to).await;
    assert!(
        page.contains("超期积案") && page.contains("督办单已下达"),
        "{page}"
    );
    // The issuing body's list and the county's dashboard.
    app.login_demo("supervisor", "lj-jb-court").await;
    let (_, dashboard) = app.get_text("/staff").await;
    assert!(
        dashboard.contains("有 1 件督办单待本单位回复"),
        "{dashboard}"
    );

    // Mailed to the county's supervisors, naming the issuer, the date and the list.
    crate::helpers::drain_mail(app, port).await;
    let boss = member(app, "lj-jb-court", Role::Supervisor).await;
    let mails = received(&mut inbox);
    let mail = mails
        .iter()
        .find(|(subject, _)| subject.contains(&format!("督办单第 {id} 号")))
        .unwrap_or_else(|| panic!("no order mail in {mails:?}"));
    assert!(mail.0.contains(&reply_by), "{}", mail.0);
    assert!(
        mail.1.contains(&boss.email)
            && mail.1.contains("清理超期积案")
            && mail.1.contains(&format!("/staff/supervision/{id}"))
            && mail.1.contains(&format!("agency={}&what=overdue", jb.id.0)),
        "{}",
        mail.1
    );

    // The county's supervisor replies; in the audit trail with no petition.
    let (status, replied) = post(
        app,
        &county,
        &format!("/api/v1/staff/supervision-orders/{id}/reply"),
        json!({"version": 1, "text": "已逐件清理，第一件已于今日答复信访人，责任人已约谈"}),
    )
    .await;
    assert_eq!(status, 200, "{replied}");
    assert_eq!(replied["status"], "answered");
    assert_eq!(replied["tracking_number"], Value::Null);
    let audit =
        mingjing::audit::entries(app.store.conn(), Some(&format!("supervision_order:{id}")))
            .await
            .unwrap();
    let actions: Vec<&str> = audit.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions,
        vec!["issue_supervision_order", "reply_supervision_order"]
    );

    // Another, from the city, left unanswered past its date: escalated to the
    // province, listed among its exceptions and in its bulletin and the mail.
    let city_boss = member(app, "lj-court", Role::Supervisor).await;
    let late = app
        .store
        .issue_backlog_order(
            jb.id,
            &city_boss,
            "请三日内报送积案清理方案",
            mingjing::app::today() - chrono::Days::new(2),
            at_day(5, 0),
        )
        .await
        .unwrap();
    let report = mingjing::app::sweep::sweep(&app.store, mingjing::app::today())
        .await
        .unwrap();
    assert_eq!(report.orders_escalated, 1);
    let (_, orders) = get(app, &province, "/api/v1/staff/supervision-orders").await;
    assert_eq!(orders["escalated_to_us"][0]["id"], late.id);
    let (_, list) = get(app, &province, "/api/v1/staff/oversight/exceptions").await;
    assert_eq!(list["backlog_orders"][0]["id"], late.id, "{list}");
    app.login_demo("supervisor", "jn-court").await;
    let (status, page) = app.get_text("/staff/oversight").await;
    assert_eq!(status, 200, "{page}");
    let section = &page[page
        .find("逾期未回复的督办积案")
        .expect("the oversight page brings it forward")..];
    assert!(
        section.contains(&format!("督办单第 {} 号", late.id)),
        "{section}"
    );
    // Not on a sibling city's page.
    app.login_demo("supervisor", "qs-court").await;
    let (status, page) = app.get_text("/staff/oversight/exceptions").await;
    assert_eq!(status, 200, "{page}");
    assert!(!page.contains("逾期未回复的督办积案"), "{page}");
    app.login_demo("supervisor", "jn-court").await;
    let (status, page) = app.get_text("/staff/oversight/exceptions").await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("逾期未回复的督办积案"), "{page}");

    let month = mingjing::domain::evaluation::Period::month_of(mingjing::app::today());
    mingjing::app::bulletins::generate(&app.store, month)
        .await
        .unwrap();
    let jn = app.store.agency_by_code("jn-court").await.unwrap();
    let bulletin = app.store.bulletins_of(jn.id).await.unwrap().remove(0);
    app.login_demo("supervisor", "jn-court").await;
    let (_, page) = app
        .get_text(&format!("/staff/bulletins/{}", bulletin.id))
        .await;
    let orders = &page[page.find("逾期未回复的督办单").unwrap()..];
    assert!(
        orders.contains(&format!("督办单第 {} 号", late.id)) && orders.contains("超期积案"),
        "{orders}"
    );
    crate::helpers::drain_mail(app, port).await;
    let p = app
        .store
        .petition_by_tracking_number(&a)
        .await
        .unwrap()
        .unwrap();
    let mails = received(&mut inbox);
    let mail = mails
        .iter()
        .find(|(subject, _)| subject.contains(&format!("【执法情况通报】{}", jn.name_zh)))
        .unwrap_or_else(|| panic!("no province bulletin mail in {mails:?}"));
    // The mail now carries the sections, matter by matter, not only counts.
    assert!(
        mail.1.contains("下级单位的逾期事项")
            && mail.1.contains(&p.display_number())
            && mail.1.contains(&format!("/staff/oversight/petitions/{a}"))
            && mail.1.contains(&format!("督办单第 {} 号", late.id))
            && mail.1.contains("超期积案"),
        "{}",
        mail.1
    );
}
db_test!(a_backlog_order_s_life);
