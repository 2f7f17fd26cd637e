//! 短信 — a petitioner who chooses SMS is told of each step that matters by
//! text: through the job queue, from the template file (with the provider's
//! template id), linking to the notice, never carrying the access code, the
//! petition's text or a name; at most so many a day to one number, the rest
//! waiting rather than lost; each text's delivery shown to staff. On the
//! embedded default the texts are files under `data/sms/` (the carrier's
//! gateway is the true boundary here, as the SMTP relay is for mail).

use crate::handling::{act, token};
use crate::helpers::{TestApp, solve_pow};
use serde_json::{Value, json};

/// Files a complaint by API with these contact details; (status, body).
async fn file_with(app: &TestApp, contact: Value) -> (u16, Value) {
    let agencies: Vec<Value> = app.get("/api/v1/agencies").await.json().await.unwrap();
    let agency = agencies
        .iter()
        .find(|a| a["code"] == "lj-jb-court")
        .unwrap()["id"]
        .clone();
    let captcha: Value = app.get("/api/v1/captcha").await.json().await.unwrap();
    let answer = solve_pow(captcha["pow"]["challenge"].as_str().unwrap());
    let r = app
        .client
        .post(app.url("/api/v1/petitions"))
        .json(&json!({
            "captcha_id": captcha["captcha_id"], "captcha_pow": answer,
            "kind": "complaint", "agency_id": agency, "category": "enforcement",
            "title": "执行款迟迟未发放", "description": "执行款已到账三个月，法院一直未发放给申请人赵六。",
            "contact": contact
        }))
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

/// Runs every due job (texts are written as files by the embedded transport).
async fn run_jobs(app: &TestApp) {
    run_jobs_via(app, None).await;
}

/// Runs every due job, texting through the SMPP gateway at `sms_url` if given.
async fn run_jobs_via(app: &TestApp, sms_url: Option<String>) {
    let mut settings = crate::helpers::test_settings(app._dir.path().to_path_buf(), String::new());
    settings.sms_url = sms_url;
    let handlers = mingjing::startup::job_handlers(
        &settings,
        &app.store,
        std::sync::Arc::new(mingjing::render::Views::load().unwrap()),
    )
    .unwrap();
    mingjing::jobs::Queue::new(app.store.clone(), handlers)
        .drain()
        .await
        .unwrap();
}

/// The texts written so far, oldest first.
fn texts(app: &TestApp) -> Vec<String> {
    let dir = app._dir.path().join("sms");
    let mut names: Vec<_> = std::fs::read_dir(&dir)
        .map(|d| d.map(|e| e.unwrap().path()).collect())
        .unwrap_or_default();
    names.sort();
    names
        .into_iter()
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect()
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

async fn one_string(app: &TestApp, sql: &str) -> String {
    use sea_orm::{ConnectionTrait, Statement};
    let backend = app.store.conn().get_database_backend();
    let row = app
        .store
        .conn()
        .query_one_raw(Statement::from_string(backend, sql.to_owned()))
        .await
        .unwrap()
        .unwrap();
    row.try_get_by_index::<String>(0).unwrap()
}

async fn a_petitioner_who_chose_sms_is_texted_each_step_and_nothing_private(app: &TestApp) {
    app.seed_demo().await;
    // SMS needs a mainland mobile: a landline is refused, in words, by field.
    let (status, body) = file_with(
        app,
        json!({"name": "赵六", "phone": "010-6512 3456", "notify": "sms"}),
    )
    .await;
    assert_eq!(status, 422, "{body}");
    assert!(body.to_string().contains("contact_phone"), "{body}");
    assert!(body.to_string().contains("手机号码"), "{body}");

    // A mobile number and no e-mail: texts by default.
    let (status, body) = file_with(app, json!({"name": "赵六", "phone": "139 0000 1111"})).await;
    assert_eq!(status, 201, "{body}");
    let tn = body["tracking_number"].as_str().unwrap().to_owned();
    let code = body["access_code"].as_str().unwrap().to_owned();
    let printed = mingjing::domain::codes::TrackingNumber::parse(&tn)
        .unwrap()
        .display();
    run_jobs(app).await;
    let sent = texts(app);
    assert_eq!(sent.len(), 1, "the acknowledgement: {sent:?}");
    assert!(sent[0].contains("To: 13900001111"), "{}", sent[0]);
    assert!(sent[0].contains("Template: SMS_MJ_0001"), "{}", sent[0]);
    assert!(sent[0].contains(&format!(
        "【明镜信访】您的信访事项已登记，信访编号{printed}"
    )));

    // Accepted: the text names the last day and links to the notice.
    let clerk = token(app, "intake-clerk", "lj-jb-court").await;
    assert_eq!(
        act(app, &clerk, &tn, json!({"action": "accept"})).await.0,
        200
    );
    // An internal step is not texted.
    let boss = token(app, "supervisor", "lj-jb-court").await;
    let handler = crate::handling::id_of(app, "handler", "lj-jb-court").await;
    let assign = json!({"action": "assign", "handler_id": handler});
    assert_eq!(act(app, &boss, &tn, assign).await.0, 200);
    run_jobs(app).await;
    let sent = texts(app);
    assert_eq!(sent.len(), 2, "{sent:?}");
    let accepted = &sent[1];
    assert!(accepted.contains("Template: SMS_MJ_0002"), "{accepted}");
    assert!(
        accepted.contains(&format!("/track/{tn}/letters/")),
        "{accepted}"
    );
    assert!(accepted.contains("已受理，应于20"), "{accepted}");
    for private in [code.as_str(), "赵六", "执行款已到账"] {
        for text in &sent {
            assert!(!text.contains(private), "an SMS carries {private}: {text}");
        }
    }

    // Staff see the text's delivery beside the notice.
    let staff = crate::helpers::Browser::new(app.address.clone());
    staff.login_demo("supervisor", "lj-jb-court").await;
    let (_, page) = staff.get_text(&format!("/staff/petitions/{tn}")).await;
    let section = page.split("id=\"notices-h\"").nth(1).unwrap();
    let section = section.split("</section>").next().unwrap();
    assert!(
        section.contains("短信") && section.contains("已发出"),
        "{section}"
    );
    assert!(
        !section.contains("电子邮件"),
        "mail was not chosen: {section}"
    );

    // 限频: a number that has had its day's texts waits; nothing is lost.
    let hash = one_string(app, "SELECT phone_hash FROM sms_log ORDER BY id LIMIT 1").await;
    for i in 0..10 {
        sql(
            app,
            &format!(
                "INSERT INTO sms_log (job_key, petition_id, phone_hash, template, template_id, text, state, sent_at) \
                 VALUES ('test:{i}', NULL, '{hash}', 'ack', 'X', 'x', 'submitted', CURRENT_TIMESTAMP)"
            ),
        )
        .await;
    }
    let text = json!({"action": "ask_petitioner", "question": "请提供执行案号。"});
    assert_eq!(
        act(app, &boss, &tn, text).await.0,
        200,
        "a question goes to the petitioner"
    );
    run_jobs(app).await;
    assert_eq!(texts(app).len(), 2, "held back by the limit");
    let waiting = one_string(
        app,
        "SELECT status FROM jobs WHERE dedupe_key LIKE 'sms:event:%' ORDER BY id DESC LIMIT 1",
    )
    .await;
    assert_eq!(waiting, "pending", "retried later, not given up");
    // A day later the window is free again and the text goes.
    sql(app, "DELETE FROM sms_log WHERE job_key LIKE 'test:%'").await;
    sql(
        app,
        "UPDATE jobs SET run_at_ms = 0 WHERE status = 'pending'",
    )
    .await;
    run_jobs(app).await;
    let sent = texts(app);
    assert_eq!(sent.len(), 3, "{sent:?}");
    assert!(sent[2].contains("Template: SMS_MJ_0008"), "{}", sent[2]);
    // Run again: each text goes once.
    sql(
        app,
        "UPDATE jobs SET status = 'pending', run_at_ms = 0 WHERE dedupe_key LIKE 'sms:%'",
    )
    .await;
    run_jobs(app).await;
    assert_eq!(texts(app).len(), 3, "a job run twice texts once");
}
db_test!(a_petitioner_who_chose_sms_is_texted_each_step_and_nothing_private);

async fn the_form_offers_sms_and_keeps_the_choice_on_an_error(app: &TestApp) {
    app.seed_demo().await;
    let (status, page) = app.get_text("/petitions/new/complaint").await;
    assert_eq!(status, 200);
    assert!(page.contains("name=\"notify\" value=\"sms\""), "{page}");
    let other = crate::helpers::Browser::new(app.address.clone());
    let (_, en) = other.get_text("/petitions/new/complaint?lang=en").await;
    crate::helpers::assert_translated(&en);
    assert!(en.contains("Text message (SMS"), "{en}");
    // A choice of SMS with no mobile number comes back with the error, the choice kept.
    let (id, _) = crate::helpers::captcha_of(&page);
    let agencies: Vec<Value> = app.get("/api/v1/agencies").await.json().await.unwrap();
    let court = agencies
        .iter()
        .find(|a| a["code"] == "lj-jb-court")
        .unwrap()["id"]
        .to_string();
    let form = reqwest::multipart::Form::new()
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
        .text("contact_name", "赵六")
        .text("contact_email", "zhao6@example.cn")
        .text("notify", "sms");
    let r = app
        .client
        .post(app.url("/petitions"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 422);
    let page = r.text().await.unwrap();
    assert!(
        page.contains("选择短信通知，请填写中国大陆手机号码"),
        "{page}"
    );
    assert!(
        page.contains("id=\"notify-sms\" name=\"notify\" value=\"sms\" checked"),
        "{page}"
    );
    assert!(page.contains("zhao6@example.cn"));
}
db_test!(the_form_offers_sms_and_keeps_the_choice_on_an_error);

/// A carrier's SMPP 3.4 gateway on loopback — the true boundary here (the
/// carrier), so a small server written with the protocol's codec stands in
/// for it: it answers bind_transmitter and bind_receiver (system id
/// `mingjing`, password `pw`), enquire_link and unbind, and answers each
/// submit_sm with `status`, passing (destination, data coding, text) on.
/// What the test pushes to `receiver` goes to the bound receiver session.
struct Gateway {
    submitted: tokio::sync::mpsc::UnboundedReceiver<(String, u8, String)>,
    receiver: std::sync::Arc<
        std::sync::Mutex<Option<tokio::sync::mpsc::UnboundedSender<rusmpp::Command>>>,
    >,
}

impl Gateway {
    /// Delivers `text` from `source` to the portal's receiver session, once it is bound.
    async fn deliver(&self, source: &str, text: &str) {
        use rusmpp::pdus::DeliverSm;
        use rusmpp::types::{COctetString, OctetString};
        use std::str::FromStr;
        let pdu = DeliverSm::builder()
            .source_addr(COctetString::from_str(source).unwrap())
            .destination_addr(COctetString::from_str("10690001").unwrap())
            .short_message(OctetString::from_str(text).unwrap())
            .build();
        for _ in 0..100 {
            if let Some(tx) = self.receiver.lock().unwrap().clone() {
                tx.send(rusmpp::Command::new(
                    rusmpp::CommandStatus::EsmeRok,
                    77,
                    pdu,
                ))
                .unwrap();
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!("the portal never bound a receiver");
    }
}

async fn smpp_gateway(listener: tokio::net::TcpListener, status: rusmpp::CommandStatus) -> Gateway {
    use futures_util::{SinkExt, StreamExt};
    use rusmpp::pdus::{BindReceiverResp, BindTransmitterResp, SubmitSmResp};
    use rusmpp::tlvs::TlvValue;
    use rusmpp::types::COctetString;
    use rusmpp::{Command, CommandStatus, Pdu};
    use std::str::FromStr;
    let (tx, submitted) = tokio::sync::mpsc::unbounded_channel();
    let receiver = std::sync::Arc::new(std::sync::Mutex::new(None));
    let slot = receiver.clone();
    let counter = std::sync::Arc::new(std::sync::atomic::AtomicU32::new(0));
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let (tx, slot, counter) = (tx.clone(), slot.clone(), counter.clone());
            tokio::spawn(async move {
                let framed = tokio_util::codec::Framed::new(
                    stream,
                    rusmpp::tokio_codec::CommandCodec::new(),
                );
                let (mut sink, mut stream) = framed.split();
                let (push_tx, mut push_rx) = tokio::sync::mpsc::unbounded_channel::<Command>();
                loop {
                    let command = tokio::select! {
                        Some(pushed) = push_rx.recv() => {
                            if sink.send(pushed).await.is_err() { break; }
                            continue;
                        }
                        next = stream.next() => match next {
                            Some(Ok(c)) => c,
                            _ => break,
                        },
                    };
                    let seq = command.sequence_number();
                    let reply = match command.pdu() {
                        Some(Pdu::BindTransmitter(b)) => {
                            let ok =
                                b.system_id.as_str() == "mingjing" && b.password.as_str() == "pw";
                            let resp = BindTransmitterResp::builder()
                                .system_id(COctetString::from_str("gateway").unwrap())
                                .build();
                            let status = if ok {
                                CommandStatus::EsmeRok
                            } else {
                                CommandStatus::EsmeRbindfail
                            };
                            Command::new(status, seq, resp)
                        }
                        Some(Pdu::BindReceiver(_)) => {
                            *slot.lock().unwrap() = Some(push_tx.clone());
                            let resp = BindReceiverResp::builder()
                                .system_id(COctetString::from_str("gateway").unwrap())
                                .build();
                            Command::new(CommandStatus::EsmeRok, seq, resp)
                        }
                        Some(Pdu::SubmitSm(s)) => {
                            let payload = s
                                .tlvs()
                                .iter()
                                .find_map(|t| match t.value() {
                                    Some(TlvValue::MessagePayload(p)) => {
                                        Some(p.value.as_ref().to_vec())
                                    }
                                    _ => None,
                                })
                                .unwrap_or_default();
                            let units: Vec<u16> = payload
                                .chunks(2)
                                .map(|c| u16::from_be_bytes([c[0], c[1]]))
                                .collect();
                            let _ = tx.send((
                                s.destination_addr.as_str().to_owned(),
                                u8::from(s.data_coding),
                                String::from_utf16(&units).unwrap(),
                            ));
                            let n = counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
                            let resp = SubmitSmResp::builder()
                                .message_id(COctetString::from_str(&format!("gw-{n}")).unwrap())
                                .build();
                            Command::new(status, seq, resp)
                        }
                        Some(Pdu::EnquireLink) => {
                            Command::new(CommandStatus::EsmeRok, seq, Pdu::EnquireLinkResp)
                        }
                        Some(Pdu::Unbind) => {
                            let _ = sink
                                .send(Command::new(CommandStatus::EsmeRok, seq, Pdu::UnbindResp))
                                .await;
                            break;
                        }
                        _ => continue,
                    };
                    if sink.send(reply).await.is_err() {
                        break;
                    }
                }
            });
        }
    });
    Gateway {
        submitted,
        receiver,
    }
}

async fn texts_reach_the_carrier_over_smpp_and_survive_its_outage(app: &TestApp) {
    app.seed_demo().await;
    // The gateway is down when the petition is filed: its port is closed.
    let port = {
        let probe = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        probe.local_addr().unwrap().port()
    };
    let url = format!("smpp://mingjing:pw@127.0.0.1:{port}?source=10690001");
    let (status, body) = file_with(app, json!({"name": "赵六", "phone": "13900001111"})).await;
    assert_eq!(status, 201, "{body}");
    let tn = body["tracking_number"].as_str().unwrap().to_owned();
    run_jobs_via(app, Some(url.clone())).await;
    let waiting = one_string(
        app,
        "SELECT status FROM jobs WHERE dedupe_key LIKE 'sms:ack:%'",
    )
    .await;
    assert_eq!(
        waiting, "pending",
        "an outage delays a text, never drops it"
    );
    let health: Value = app.get("/healthz").await.json().await.unwrap();
    assert!(
        health["sms"]["last_error"]
            .as_str()
            .unwrap_or_default()
            .contains("SMPP"),
        "{health}"
    );
    // The gateway is back: the text goes, in UCS-2, to the international number.
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .unwrap();
    let mut gateway = smpp_gateway(listener, rusmpp::CommandStatus::EsmeRok).await;
    sql(
        app,
        "UPDATE jobs SET run_at_ms = 0 WHERE status = 'pending'",
    )
    .await;
    run_jobs_via(app, Some(url.clone())).await;
    let (to, coding, text) = gateway.submitted.recv().await.unwrap();
    assert_eq!((to.as_str(), coding), ("8613900001111", 8));
    let printed = mingjing::domain::codes::TrackingNumber::parse(&tn)
        .unwrap()
        .display();
    assert!(
        text.starts_with("【明镜信访】您的信访事项已登记") && text.contains(&printed),
        "{text}"
    );
    let provider = one_string(
        app,
        "SELECT provider_id FROM sms_log WHERE job_key LIKE 'sms:ack:%'",
    )
    .await;
    assert_eq!(provider, "gw-1", "the gateway's message id is kept");
    let health: Value = app.get("/healthz").await.json().await.unwrap();
    assert_eq!(health["sms"]["status"], "ok", "{health}");
}
db_test!(texts_reach_the_carrier_over_smpp_and_survive_its_outage);

async fn a_text_the_carrier_refuses_for_days_is_given_up_visibly(app: &TestApp) {
    app.seed_demo().await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!(
        "smpp://mingjing:pw@127.0.0.1:{}",
        listener.local_addr().unwrap().port()
    );
    let mut gateway = smpp_gateway(listener, rusmpp::CommandStatus::EsmeRinvdstadr).await;
    let (status, body) = file_with(app, json!({"name": "赵六", "phone": "13900001111"})).await;
    assert_eq!(status, 201, "{body}");
    run_jobs_via(app, Some(url.clone())).await;
    assert!(gateway.submitted.recv().await.is_some(), "submitted");
    let error = one_string(
        app,
        "SELECT last_error FROM jobs WHERE dedupe_key LIKE 'sms:ack:%'",
    )
    .await;
    assert!(error.contains("EsmeRinvdstadr"), "{error}");
    // Refused for longer than messages are kept trying: given up, and said so.
    let long_ago = chrono::Utc::now() - chrono::TimeDelta::days(30);
    crate::jobs::set_time(app, "UPDATE jobs SET created_at = $1", long_ago).await;
    sql(
        app,
        "UPDATE jobs SET run_at_ms = 0 WHERE dedupe_key LIKE 'sms:ack:%'",
    )
    .await;
    run_jobs_via(app, Some(url)).await;
    let dead = one_string(
        app,
        "SELECT status FROM jobs WHERE dedupe_key LIKE 'sms:ack:%'",
    )
    .await;
    assert_eq!(dead, "dead");
    let health: Value = app.get("/healthz").await.json().await.unwrap();
    assert!(
        health["problems"]
            .to_string()
            .contains("sms.petition_ack ×1"),
        "{health}"
    );
    let listed = app.store.queued_jobs(true, 10).await.unwrap();
    assert!(
        listed.iter().any(|j| j.kind == "sms.petition_ack"),
        "jobs list --dead shows it"
    );
    assert_eq!(texts(app).len(), 0, "nothing fell back to files");
}
db_test!(a_text_the_carrier_refuses_for_days_is_given_up_visibly);

/// Polls `sql` (one text value) until it reads `want`, for at most 5 s.
async fn eventually(app: &TestApp, sql: &str, want: &str) {
    for _ in 0..100 {
        use sea_orm::{ConnectionTrait, Statement};
        let backend = app.store.conn().get_database_backend();
        let row = app
            .store
            .conn()
            .query_one_raw(Statement::from_string(backend, sql.to_owned()))
            .await
            .unwrap();
        if row
            .and_then(|r| r.try_get_by_index::<String>(0).ok())
            .as_deref()
            == Some(want)
        {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("{sql} never read {want}");
}

async fn receipts_and_td_replies_from_the_carrier_reach_the_portal(app: &TestApp) {
    app.seed_demo().await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!(
        "smpp://mingjing:pw@127.0.0.1:{}",
        listener.local_addr().unwrap().port()
    );
    let mut gateway = smpp_gateway(listener, rusmpp::CommandStatus::EsmeRok).await;
    // The worker's receiver session, as `serve` runs it beside the job worker.
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let secret = crate::helpers::test_settings(app._dir.path().to_path_buf(), String::new()).secret;
    let listening = tokio::spawn(mingjing::sms::listen(
        mingjing::sms::smpp::SmppTransport::from_url(&url).unwrap(),
        app.store.clone(),
        secret,
        stopped,
    ));
    let (_, body) = file_with(app, json!({"name": "赵六", "phone": "13900001111"})).await;
    let tn = body["tracking_number"].as_str().unwrap().to_owned();
    let clerk = token(app, "intake-clerk", "lj-jb-court").await;
    assert_eq!(
        act(app, &clerk, &tn, json!({"action": "accept"})).await.0,
        200
    );
    run_jobs_via(app, Some(url.clone())).await;
    assert!(
        gateway.submitted.recv().await.is_some(),
        "the acknowledgement"
    );
    assert!(gateway.submitted.recv().await.is_some(), "the acceptance");

    // The carrier's receipt for the acceptance's text: delivered to the handset.
    gateway
        .deliver(
            "8613900001111",
            "id:gw-2 sub:001 dlvrd:001 submit date:2612080930 done date:2612080931 stat:DELIVRD err:000 text:",
        )
        .await;
    eventually(
        app,
        "SELECT state FROM sms_log WHERE provider_id = 'gw-2'",
        "delivered",
    )
    .await;
    let staff = crate::helpers::Browser::new(app.address.clone());
    staff.login_demo("supervisor", "lj-jb-court").await;
    let (_, page) = staff.get_text(&format!("/staff/petitions/{tn}")).await;
    assert!(page.contains("已送达手机"), "{page}");

    // 回复TD退订: the number is texted no more; staff see why.
    gateway.deliver("8613900001111", "TD").await;
    eventually(app, "SELECT CAST(COUNT(*) AS TEXT) FROM sms_opt_outs", "1").await;
    let boss = token(app, "supervisor", "lj-jb-court").await;
    let handler = crate::handling::id_of(app, "handler", "lj-jb-court").await;
    let handler_token = token(app, "handler", "lj-jb-court").await;
    let steps = [
        (&boss, json!({"action": "assign", "handler_id": handler})),
        (
            &handler_token,
            json!({"action": "request_extension", "days": 10, "reason": "需调取卷宗"}),
        ),
        (&boss, json!({"action": "approve_extension"})),
    ];
    for (who, step) in steps {
        assert_eq!(act(app, who, &tn, step).await.0, 200);
    }
    run_jobs_via(app, Some(url.clone())).await;
    let more = tokio::time::timeout(
        std::time::Duration::from_millis(500),
        gateway.submitted.recv(),
    )
    .await;
    assert!(more.is_err(), "nothing more is texted after TD: {more:?}");
    let (_, page) = staff.get_text(&format!("/staff/petitions/{tn}")).await;
    assert!(page.contains("未发送：该号码已回复TD退订"), "{page}");
    stop.send(true).unwrap();
    listening.await.unwrap();
}
db_test!(receipts_and_td_replies_from_the_carrier_reach_the_portal);
