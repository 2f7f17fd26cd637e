//! Oversight by exception (监督提示) and supervision orders (督办): a known
//! problem in each county of the seeded tree (province jn; cities lj, qs;
//! counties lj-jb, lj-nx, qs-dh, qs-bs) is on the province's list in the
//! documented order, naming handler and agency, and a county sees only its
//! own; an order's whole life, with its refusals.

use crate::handling::token;
use crate::helpers::TestApp;
use crate::oversight::{filed, member};
use mingjing::app::acting::act_at;
use mingjing::domain::staff::Role;
use mingjing::domain::workflow::Command;
use mingjing::store::staff::StaffMember;
use serde_json::{Value, json};

fn ago(days: u64) -> String {
    (mingjing::app::today() - chrono::Days::new(days)).to_string()
}

pub(crate) fn at_day(days_ago: u64, minute: i64) -> chrono::DateTime<chrono::Utc> {
    (mingjing::app::today() - chrono::Days::new(days_ago))
        .and_hms_opt(2, 0, 0)
        .unwrap()
        .and_utc()
        + chrono::Duration::minutes(minute)
}

async fn act(app: &TestApp, who: &StaffMember, tn: &str, days_ago: u64, m: i64, c: Command) {
    act_at(&app.store, who, tn, c, None, at_day(days_ago, m), false)
        .await
        .unwrap_or_else(|e| panic!("{} on {tn}: {e}", who.role.as_str()));
}

pub(crate) async fn get(app: &TestApp, token: &str, path: &str) -> (u16, Value) {
    let r = app
        .client
        .get(app.url(path))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
}

pub(crate) async fn post(app: &TestApp, token: &str, path: &str, body: Value) -> (u16, Value) {
    let r = app
        .client
        .post(app.url(path))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
}

/// Where `tn` is in the list, and its row.
fn row<'a>(list: &'a Value, tn: &str) -> Option<(usize, &'a Value)> {
    list["rows"]
        .as_array()
        .unwrap()
        .iter()
        .enumerate()
        .find(|(_, r)| r["tracking_number"] == tn)
}

/// A: lj-jb, received 40 days ago and never acted on (overdue, stalled).
/// B: lj-nx, assigned 6 days ago, its draft returned twice (returned).
/// C: qs-dh, received today (nothing wrong).
pub(crate) async fn problems(app: &TestApp) -> (String, String, String) {
    app.seed_demo().await;
    let a = filed(app, "lj-jb-court", &ago(40), 1).await;
    let b = filed(app, "lj-nx-court", &ago(8), 2).await;
    let c = filed(app, "qs-dh-court", &ago(0), 3).await;
    let clerk = member(app, "lj-nx-court", Role::IntakeClerk).await;
    let boss = member(app, "lj-nx-court", Role::Supervisor).await;
    let handler = member(app, "lj-nx-court", Role::Handler).await;
    act(app, &clerk, &b, 6, 1, Command::Accept).await;
    act(
        app,
        &boss,
        &b,
        6,
        2,
        Command::Assign {
            handler_id: handler.id,
        },
    )
    .await;
    for (day, m) in [(5, 1), (3, 1)] {
        act(app, &handler, &b, day, m, draft()).await;
        act(
            app,
            &boss,
            &b,
            day,
            m + 10,
            Command::ReturnDraft {
                comments: "请补充依据".into(),
            },
        )
        .await;
    }
    (a, b, c)
}

fn draft() -> Command {
    Command::DraftAnswer {
        text: "经查，情况属实，已责成整改。".into(),
        legal_basis: "《信访工作条例》".into(),
        review_outcome: None,
    }
}

async fn the_leader_sees_each_county_s_problem_in_order(app: &TestApp) {
    let (a, b, c) = problems(app).await;
    let handler = member(app, "lj-nx-court", Role::Handler).await;
    let province = token(app, "supervisor", "jn-court").await;
    let (status, list) = get(app, &province, "/api/v1/staff/oversight/exceptions").await;
    assert_eq!(status, 200, "{list}");
    let (ia, ra) = row(&list, &a).expect("the overdue county petition is listed");
    let (ib, rb) = row(&list, &b).expect("the twice-returned draft is listed");
    assert!(row(&list, &c).is_none(), "nothing is wrong with C");
    assert_eq!(ra["kind"], "overdue");
    assert_eq!(ra["also"], json!(["stalled"]));
    assert_eq!(ra["clock"], "acceptance");
    assert!(ra["days"].as_i64().unwrap() >= 20, "{ra}");
    assert!(
        ra["agency_name_zh"].as_str().unwrap().contains("江北"),
        "{ra}"
    );
    assert!(ra["handler_name"].is_null());
    assert_eq!(rb["kind"], "returned");
    assert_eq!(rb["times"], 2);
    assert_eq!(rb["handler_name"], handler.name.as_str());
    assert!(ia < ib, "overdue before returned: {ia} {ib}");
    // The documented order: kinds in the rules' order, each kind by days, most first.
    let order: Vec<&str> = list["counts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c[0].as_str().unwrap())
        .collect();
    let ranks: Vec<usize> = list["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| order.iter().position(|k| *k == r["kind"]).unwrap())
        .collect();
    assert!(ranks.windows(2).all(|w| w[0] <= w[1]), "{ranks:?}");

    // A county sees its own and nothing of its sibling's; another city's county nothing of either.
    let nx = token(app, "supervisor", "lj-nx-court").await;
    let (_, list) = get(app, &nx, "/api/v1/staff/oversight/exceptions").await;
    assert!(row(&list, &b).is_some());
    assert!(
        row(&list, &a).is_none(),
        "a county never sees its sibling's"
    );
    let dh = token(app, "supervisor", "qs-dh-court").await;
    let (_, list) = get(app, &dh, "/api/v1/staff/oversight/exceptions").await;
    assert!(row(&list, &a).is_none() && row(&list, &b).is_none());
    let jb = app.store.agency_by_code("lj-jb-court").await.unwrap();
    let (status, _) = get(
        app,
        &dh,
        &format!("/api/v1/staff/oversight/exceptions?agency={}", jb.id),
    )
    .await;
    assert_eq!(status, 404, "another county's list is not there");

    // The lists behind the console's counts name the handler too.
    let nx_id = app.store.agency_by_code("lj-nx-court").await.unwrap().id;
    let (status, items) = get(
        app,
        &province,
        &format!("/api/v1/staff/oversight/list?agency={nx_id}&what=stage:investigating"),
    )
    .await;
    assert_eq!(status, 200, "{items}");
    let listed = items
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["tracking_number"] == b.as_str())
        .expect("B is being investigated again");
    assert_eq!(listed["handler_name"], handler.name.as_str());

    // The page: the oversight console brings them forward, named, in Chinese.
    app.login_demo("supervisor", "jn-court").await;
    let (status, page) = app.get_text("/staff/oversight").await;
    assert_eq!(status, 200);
    assert!(
        page.contains("监督提示") && page.contains(&handler.name),
        "{page}"
    );
    let (status, page) = app.get_text("/staff/oversight/exceptions").await;
    assert_eq!(status, 200);
    assert!(page.contains("多次退回") && page.contains("另有：久拖未办"));
}
db_test!(the_leader_sees_each_county_s_problem_in_order);

async fn a_supervision_order_s_life(app: &TestApp) {
    let (a, _, _) = problems(app).await;
    let city = token(app, "supervisor", "lj-court").await;
    let county = token(app, "supervisor", "lj-jb-court").await;
    let reply_by = (mingjing::app::today() + chrono::Days::new(7)).to_string();

    // Refusals: a body cannot order itself; a county cannot see its city's petition to order it.
    let (status, body) = post(
        app,
        &county,
        "/api/v1/staff/supervision-orders",
        json!({"tracking_number": a, "instructions": "请于期限内办结并书面答复", "reply_by": reply_by}),
    )
    .await;
    assert_eq!(status, 422, "{body}");
    assert!(body.to_string().contains("下级单位"), "{body}");
    let city_petition = filed(app, "lj-court", &ago(1), 9).await;
    let (status, _) = post(
        app,
        &county,
        "/api/v1/staff/supervision-orders",
        json!({"tracking_number": city_petition, "instructions": "请于期限内办结", "reply_by": reply_by}),
    )
    .await;
    assert_eq!(status, 404, "a county cannot order its city");
    // Bad input: errors per field.
    let (status, body) = post(
        app,
        &city,
        "/api/v1/staff/supervision-orders",
        json!({"tracking_number": a, "instructions": "办", "reply_by": ago(1)}),
    )
    .await;
    assert_eq!(status, 422, "{body}");

    // Issued by the city to the county.
    let (status, order) = post(
        app,
        &city,
        "/api/v1/staff/supervision-orders",
        json!({"tracking_number": a, "instructions": "请于期限内办结并书面答复信访人，说明超期原因", "reply_by": reply_by}),
    )
    .await;
    assert_eq!(status, 201, "{order}");
    let id = order["id"].as_i64().unwrap();
    assert_eq!(order["status"], "open");

    // The county sees it first on its dashboard and in its list.
    let (_, orders) = get(app, &county, "/api/v1/staff/supervision-orders").await;
    assert_eq!(orders["to_us"][0]["id"], id);
    assert_eq!(orders["to_us"][0]["may_reply"], true);
    app.login_demo("supervisor", "lj-jb-court").await;
    let (_, dashboard) = app.get_text("/staff").await;
    assert!(dashboard.contains("督办待回复") && dashboard.contains("有 1 件督办单待本单位回复"));

    // Only the ordered body's supervisor replies.
    let (status, body) = post(
        app,
        &city,
        &format!("/api/v1/staff/supervision-orders/{id}/reply"),
        json!({"version": 1, "text": "已办结"}),
    )
    .await;
    assert_eq!(status, 422, "{body}");
    assert!(body.to_string().contains("被督办单位"), "{body}");
    let sibling = token(app, "supervisor", "lj-nx-court").await;
    let (status, _) = post(
        app,
        &sibling,
        &format!("/api/v1/staff/supervision-orders/{id}/reply"),
        json!({"version": 1, "text": "已约谈承办人并答复"}),
    )
    .await;
    assert_eq!(status, 404, "a sibling cannot even read it");
    let (status, replied) = post(
        app,
        &county,
        &format!("/api/v1/staff/supervision-orders/{id}/reply"),
        json!({"version": 1, "text": "已约谈承办人，已书面答复信访人"}),
    )
    .await;
    assert_eq!(status, 200, "{replied}");
    assert_eq!(replied["status"], "answered");
    assert_eq!(replied["answered_on_time"], true);
    // Counted in the county's evaluation: one order, answered in time.
    let month = mingjing::domain::evaluation::Period::month_of(mingjing::app::today()).key();
    let (_, evaluation) = get(
        app,
        &county,
        &format!("/api/v1/staff/oversight/evaluation?period={month}"),
    )
    .await;
    let values = evaluation["agencies"][0]["values"].as_array().unwrap();
    let v = |id: &str| values.iter().find(|v| v["id"] == id).unwrap().clone();
    assert_eq!(v("supervision_orders")["value"], 1.0);
    assert_eq!(v("supervision_replied_on_time")["numerator"], 1);
    assert_eq!(v("supervision_replied_on_time")["denominator"], 1);
    // In the audit trail.
    let audit =
        mingjing::audit::entries(app.store.conn(), Some(&format!("supervision_order:{id}")))
            .await
            .unwrap();
    let actions: Vec<&str> = audit.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions,
        vec!["issue_supervision_order", "reply_supervision_order"]
    );

    // Withdrawn: no reply after.
    let (_, second) = post(
        app,
        &city,
        "/api/v1/staff/supervision-orders",
        json!({"tracking_number": a, "instructions": "请说明超期原因", "reply_by": reply_by}),
    )
    .await;
    let second = second["id"].as_i64().unwrap();
    let (status, _) = post(
        app,
        &city,
        &format!("/api/v1/staff/supervision-orders/{second}/withdraw"),
        json!({"version": 1, "text": "已另行督办"}),
    )
    .await;
    assert_eq!(status, 200);
    let (status, body) = post(
        app,
        &county,
        &format!("/api/v1/staff/supervision-orders/{second}/reply"),
        json!({"version": 2, "text": "已约谈承办人并答复"}),
    )
    .await;
    assert_eq!(status, 422, "{body}");
    assert!(body.to_string().contains("已撤销"), "{body}");

    // Unanswered past its date: escalated above the city, on the province's list.
    let p = app
        .store
        .petition_by_tracking_number(&a)
        .await
        .unwrap()
        .unwrap();
    let boss = member(app, "lj-court", Role::Supervisor).await;
    let late = app
        .store
        .issue_order(
            &p,
            &boss,
            "请三日内回复",
            mingjing::app::today() - chrono::Days::new(2),
            at_day(5, 0),
        )
        .await
        .unwrap();
    let report = mingjing::app::sweep::sweep(&app.store, mingjing::app::today())
        .await
        .unwrap();
    assert_eq!(report.orders_escalated, 1);
    let again = mingjing::app::sweep::sweep(&app.store, mingjing::app::today())
        .await
        .unwrap();
    assert_eq!(again.orders_escalated, 0, "escalated once");
    let province = token(app, "supervisor", "jn-court").await;
    let (_, orders) = get(app, &province, "/api/v1/staff/supervision-orders").await;
    assert_eq!(orders["escalated_to_us"][0]["id"], late.id);
    let (_, list) = get(app, &province, "/api/v1/staff/oversight/exceptions").await;
    assert_eq!(
        list["rows"][0]["kind"], "order_unanswered",
        "{}",
        list["rows"][0]
    );
    assert_eq!(list["rows"][0]["tracking_number"], a.as_str());
    assert_eq!(list["rows"][0]["order_id"], late.id);

    // The province's bulletin lists the county's overdue matter and the order left unanswered.
    let month = mingjing::domain::evaluation::Period::month_of(mingjing::app::today());
    mingjing::app::bulletins::generate(&app.store, month)
        .await
        .unwrap();
    let jn = app.store.agency_by_code("jn-court").await.unwrap();
    let bulletin = app.store.bulletins_of(jn.id).await.unwrap().remove(0);
    app.login_demo("supervisor", "jn-court").await;
    let (status, page) = app
        .get_text(&format!("/staff/bulletins/{}", bulletin.id))
        .await;
    assert_eq!(status, 200);
    let display = p.display_number();
    let below = &page[page
        .find("下级单位的逾期事项")
        .expect("the bodies below are reported")..];
    assert!(
        below.contains("江北") && below.contains(&display),
        "{below}"
    );
    let orders = &page[page.find("逾期未回复的督办单").unwrap()..];
    assert!(
        orders.contains(&format!("督办单第 {} 号", late.id)),
        "{orders}"
    );
}
db_test!(a_supervision_order_s_life);

async fn the_units_below_are_ranked_never_the_officers(app: &TestApp) {
    app.seed_demo().await;
    let city = token(app, "supervisor", "lj-court").await;
    let month = mingjing::domain::evaluation::Period::last_full_month(mingjing::app::today()).key();
    let (status, r) = get(app, &city, "/api/v1/staff/oversight/ranking").await;
    assert_eq!(status, 200, "{r}");
    assert_eq!(
        r["period"],
        month.as_str(),
        "the last full month by default"
    );
    let names: Vec<&str> = r["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| row["who"]["code"].as_str().unwrap())
        .collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(
        sorted,
        vec!["lj-jb-court", "lj-nx-court"],
        "the city's two county courts"
    );
    // Two units are too few for lists: each is ranked or said not to be, none listed.
    assert_eq!(r["lists"], false);
    for row in r["rows"].as_array().unwrap() {
        assert!(
            (row["rank"].is_null() && row["standing"] == "unranked")
                || (!row["rank"].is_null() && row["standing"] == "neither"),
            "{row}"
        );
    }
    // A county has nothing below it; a county cannot ask for its city's ranking.
    let county = token(app, "supervisor", "lj-jb-court").await;
    let (status, r) = get(app, &county, "/api/v1/staff/oversight/ranking").await;
    assert_eq!(status, 200);
    assert_eq!(r["rows"], json!([]));
    let lj = app.store.agency_by_code("lj-court").await.unwrap();
    let (status, _) = get(
        app,
        &county,
        &format!("/api/v1/staff/oversight/ranking?agency={}", lj.id),
    )
    .await;
    assert_eq!(status, 404);
    // On the oversight page and in the city's bulletin, with the method linked.
    app.login_demo("supervisor", "lj-court").await;
    let (_, page) = app.get_text("/staff/oversight").await;
    assert!(
        page.contains("红黑榜") && page.contains("查看排名办法"),
        "{page}"
    );
    let (_, method) = app.get_text("/staff/evaluation/method").await;
    assert!(method.contains("响应率") && method.contains("重办率"));
    let period = mingjing::domain::evaluation::Period::last_full_month(mingjing::app::today());
    mingjing::app::bulletins::generate(&app.store, period)
        .await
        .unwrap();
    let bulletin = app.store.bulletins_of(lj.id).await.unwrap().remove(0);
    let (_, page) = app
        .get_text(&format!("/staff/bulletins/{}", bulletin.id))
        .await;
    assert!(
        page.contains("红黑榜") && page.contains("下级单位排名"),
        "{page}"
    );
}
db_test!(the_units_below_are_ranked_never_the_officers);
