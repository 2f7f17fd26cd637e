//! Synthetic load for the benchmarks in `bench/`.

use crate::domain::clock::DeadlineStatus;
use crate::domain::events::EventKind as K;
use crate::domain::ids::{AgencyId, PetitionId, StaffId};
use crate::domain::petition::{PetitionCategory, PetitionKind};
use crate::domain::staff::Role;
use crate::domain::workflow::{Round, State};
use crate::store::Store;
use crate::store::entities::petition_event;
use crate::store::entities::{petition, petition_deadline};
use crate::store::types::Day;
use sea_orm::{ActiveValue::Set, EntityTrait};
use sea_orm::{ConnectionTrait, Statement};
use std::collections::HashMap;

const STATES: [State; 8] = [
    State::Received,
    State::Accepted,
    State::Assigned,
    State::Investigating,
    State::Drafted,
    State::Answered,
    State::Closed,
    State::Declined,
];
const SUBJECTS: &[&str] = &[
    "派出所民警",
    "执行局",
    "交警大队",
    "看守所",
    "律师事务所",
    "司法所",
    "检察院办案人员",
];
const FACTS: &[&str] = &[
    "办理业务时态度恶劣，拒绝一次性告知所需材料",
    "判决生效后长期未执行，申请人多次询问无果",
    "交通违法处罚认定事实有误，申请复核未获答复",
    "羁押期间家属会见申请被无故拖延",
    "办案人员收受当事人财物，偏袒一方",
    "报警后派出所迟迟不予立案，也未出具不予立案通知书",
    "申请国家赔偿超过法定期限仍未作出决定",
    "法律援助申请被以材料不全为由拒绝",
    "执行款已到账数月仍未发放给申请执行人",
    "扣押的车辆在案件终结后仍未返还",
    "律师收取代理费后未按约定出庭",
    "取保候审期满后未依法解除强制措施",
    "户口迁移手续办理中被反复要求补充证明材料",
    "诉讼费用减免申请长期无人处理",
    "社区矫正对象报到时被要求提供无关证明",
    "举报线索提交后没有任何反馈",
];
const PLACES: &[&str] = &[
    "临江市江北区",
    "南溪县",
    "青山市东湖区",
    "白石县",
    "临江市",
    "青山市",
];
const DETAILS: &[&str] = &[
    "我已多次到窗口当面反映，均被告知等待通知。",
    "相关书面材料和缴费凭证均已提交，复印件附后。",
    "事情已经持续半年以上，严重影响家庭正常生活。",
    "工作人员称系统故障，但未告知何时能够处理。",
    "希望上级机关督促依法处理，并给予书面答复。",
    "电话咨询多次，接线人员均表示不清楚进展。",
    "对方当事人已经转移财产，请尽快采取措施。",
    "本人年事已高，行动不便，请求就近办理。",
    "The petitioner also wrote in English: please reply in writing and explain the legal basis.",
    "曾向12309检察服务中心反映，被告知转交处理。",
];
const ANSWERS: &[&str] = &[
    "经调查核实，您反映的问题基本属实，已责成相关部门限期整改，并对责任人批评教育。",
    "经查，该案已依法采取查封、冻结措施，执行款将于十个工作日内发放。",
    "经复核，原处理决定认定事实清楚、适用法律正确，依法予以维持。",
    "您反映的问题不属于本机关职权范围，已告知您向有权机关提出。",
    "经审查，您的申请符合法定条件，已依法作出决定并送达。",
];

/// Synthetic petitions for benchmarks: spread over every agency, every state
/// and every kind, with deadlines around today (some overdue, some due soon),
/// handlers assigned where the state has one. Written in batches of 500 rows.
pub async fn bench_seed(store: &Store, count: u32) -> anyhow::Result<()> {
    let agencies = store.agencies().await?;
    anyhow::ensure!(
        !agencies.is_empty(),
        "seed the demo data first (mingjing seed-demo)"
    );
    let mut handlers = HashMap::new();
    for a in agencies.iter() {
        if let Some(h) = store.agency_staff(a.id, Role::Handler).await?.first() {
            handlers.insert(a.id, h.id);
        }
    }
    let today = crate::domain::clock::china_date(chrono::Utc::now());
    let now = chrono::Utc::now();
    let mut n = 0u32;
    while n < count {
        let batch = (count - n).min(500);
        let txn = store.begin_write().await?;
        let mut rows = Vec::with_capacity(batch as usize);
        for i in n..n + batch {
            rows.push(petition_row(
                i,
                &agencies[i as usize % agencies.len()],
                &handlers,
                now,
            ));
        }
        petition::Entity::insert_many(rows).exec(&txn).await?;
        txn.commit().await?;
        n += batch;
    }
    let ids = bench_deadlines(store, today, now).await?;
    record(store, &ids, &handlers).await
}

/// A small deterministic mix, so a rerun seeds the same data.
fn pick(i: usize, salt: usize, n: usize) -> usize {
    (i.wrapping_mul(2_654_435_761).wrapping_add(salt * 40_503) >> 7) % n
}

/// Synthetic petition `i` at `agency`: its state, kind and category, and a
/// Chinese text combined from the fact, detail, place and subject lists.
fn petition_row(
    i: u32,
    agency: &crate::store::agencies::Agency,
    handlers: &HashMap<crate::domain::ids::AgencyId, crate::domain::ids::StaffId>,
    now: chrono::DateTime<chrono::Utc>,
) -> petition::ActiveModel {
    let idx = i as usize;
    let state = STATES[(idx / 7) % STATES.len()];
    let handler = matches!(
        state,
        State::Assigned | State::Investigating | State::Drafted | State::Answered
    )
    .then(|| handlers.get(&agency.id).copied())
    .flatten();
    let fact = FACTS[pick(idx, 1, FACTS.len())];
    let place = PLACES[pick(idx, 2, PLACES.len())];
    let subject = SUBJECTS[pick(idx, 3, SUBJECTS.len())];
    let answered = matches!(state, State::Answered | State::Closed);
    let answer = answered.then(|| ANSWERS[pick(idx, 4, ANSWERS.len())].to_owned());
    // One closed petition in ten has its answer published (答复公开).
    let published = state == State::Closed && pick(idx, 5, 10) == 0;
    let title = format!(
        "{}{}（第{i}号）",
        place,
        &fact[..fact.char_indices().nth(14).map_or(fact.len(), |(b, _)| b)]
    );
    petition::ActiveModel {
        tracking_number: Set(format!("BENCH{i:09}")),
        access_code_hash: Set(String::new()),
        kind: Set(PetitionKind::ALL[idx % 3]),
        agency_id: Set(agency.id),
        agency_chosen: Set(true),
        category: Set(PetitionCategory::ALL[pick(idx, 6, PetitionCategory::ALL.len())]),
        subject: Set(format!("{place}{subject}")),
        title: Set(title.clone()),
        description: Set(format!(
            "{place}{subject}{fact}。{}{}",
            DETAILS[pick(idx, 7, DETAILS.len())],
            DETAILS[pick(idx, 8, DETAILS.len())]
        )),
        desired_outcome: Set("依法处理并书面答复".to_owned()),
        related_case_number: Set(None),
        anonymous: Set(idx % 3 == 1),
        contact_name: Set(None),
        contact_email: Set(None),
        contact_phone: Set(None),
        lang: Set("zh-CN".to_owned()),
        status: Set(state),
        quarantine_reason: Set(None),
        version: Set(1),
        round: Set(Round::Original),
        handler_id: Set(handler),
        draft_author_id: Set(None),
        extension_used: Set(false),
        extension_pending: Set(false),
        extension_days: Set(0),
        rating: Set(None),
        answered_on: Set(None),
        draft_text: Set(None),
        public_title: Set(published.then(|| title.clone())),
        public_answer: Set(if published { answer.clone() } else { None }),
        answer_published_at: Set(published.then_some(now)),
        answer_text: Set(answer),
        // Three years of petitions, for the year facet.
        received_at: Set(now - chrono::Duration::days(i64::from(i % 1000))),
        updated_at: Set(now),
        ..Default::default()
    }
}

/// One open deadline per open petition, spread from 20 days overdue to 40
/// days ahead; the synthetic petitions (id, state, agency) in id order.
async fn bench_deadlines(
    store: &Store,
    today: chrono::NaiveDate,
    now: chrono::DateTime<chrono::Utc>,
) -> anyhow::Result<Vec<(i32, String, i32)>> {
    let backend = sea_orm::ConnectionTrait::get_database_backend(store.conn());
    let ids: Vec<(i32, String, i32)> = sea_orm::ConnectionTrait::query_all_raw(
        store.conn(),
        sea_orm::Statement::from_string(
            backend,
            "SELECT id, status, agency_id FROM petitions WHERE tracking_number LIKE 'BENCH%' ORDER BY id",
        ),
    )
    .await?
    .into_iter()
    .filter_map(|r| {
        Some((
            r.try_get("", "id").ok()?,
            r.try_get("", "status").ok()?,
            r.try_get("", "agency_id").ok()?,
        ))
    })
    .collect();
    for chunk in ids.chunks(500) {
        let txn = store.begin_write().await?;
        let rows: Vec<petition_deadline::ActiveModel> = chunk
            .iter()
            .filter(|(_, s, _)| {
                matches!(
                    s.as_str(),
                    "received" | "accepted" | "assigned" | "investigating" | "drafted"
                )
            })
            .map(|(id, s, agency)| {
                let offset = i64::from(*id % 60) - 20;
                let due = today + chrono::Duration::days(offset);
                let agency = crate::domain::ids::AgencyId(*agency);
                petition_deadline::ActiveModel {
                    petition_id: Set(crate::domain::ids::PetitionId(*id)),
                    // Whom it counts for is written when it is met.
                    agency_id: Set(Some(agency)),
                    round: Set(Some(Round::Original)),
                    rule_id: Set(if s == "received" {
                        "acceptance"
                    } else {
                        "conclusion"
                    }
                    .to_owned()),
                    clock: Set(if s == "received" {
                        "acceptance"
                    } else {
                        "conclusion"
                    }
                    .to_owned()),
                    due_on: Set(Day(due)),
                    citation_zh: Set("《信访工作条例》".to_owned()),
                    citation_en: Set("Regulations on Letters and Visits".to_owned()),
                    status: Set(crate::domain::clock::DeadlineStatus::Open),
                    created_at: Set(now),
                    ..Default::default()
                }
            })
            .collect();
        if !rows.is_empty() {
            petition_deadline::Entity::insert_many(rows)
                .exec(&txn)
                .await?;
            let ids: Vec<_> = chunk
                .iter()
                .map(|(id, _, _)| crate::domain::ids::PetitionId(*id))
                .collect();
            crate::store::petitions::refresh_next_due(&txn, &ids).await?;
        }
        txn.commit().await?;
    }
    Ok(ids)
}

/// An agency's intake clerk, supervisor and handler, where it has them.
type Desk = (Option<StaffId>, Option<StaffId>, Option<StaffId>);

/// An act to be written: `by` acted (a staff member, or the petitioner
/// when none); it counts for `officer`.
struct Act {
    at: chrono::DateTime<chrono::Utc>,
    petition: PetitionId,
    agency: AgencyId,
    kind: K,
    by: Option<StaffId>,
    officer: Option<StaffId>,
    detail: Option<&'static str>,
}
/// A met deadline to be written.
struct Met {
    started: chrono::DateTime<chrono::Utc>,
    petition: PetitionId,
    agency: AgencyId,
    clock: &'static str,
    officer: Option<StaffId>,
    due_on: chrono::NaiveDate,
    closed: chrono::DateTime<chrono::Utc>,
}

/// The record behind the evaluation, as the workflow would have left it: each
/// synthetic petition's events (received, accepted or declined, assigned,
/// drafted, answered, rated), attributed to the agency's clerk, supervisor and
/// handler; its met deadlines (acceptance, conclusion; one in eight accepted
/// late, one in six answered late); and an audit entry per staff act, chained
/// as `audit::append` chains them. Roll-ups are not written: `mingjing rollup
/// --rebuild` computes them from this record (that is what the benchmark times).
async fn record(
    store: &Store,
    petitions: &[(i32, String, i32)],
    handlers: &HashMap<crate::domain::ids::AgencyId, crate::domain::ids::StaffId>,
) -> anyhow::Result<()> {
    let mut staff_of = HashMap::new();
    for a in store.agencies().await?.iter() {
        let first = |v: Vec<crate::store::staff::StaffMember>| v.first().map(|m| m.id);
        let clerk = first(store.agency_staff(a.id, Role::IntakeClerk).await?);
        let boss = first(store.agency_staff(a.id, Role::Supervisor).await?);
        staff_of.insert(a.id, (clerk, boss, handlers.get(&a.id).copied()));
    }
    let now = chrono::Utc::now();
    let (mut acts, mut mets) = plan(petitions, &staff_of, now);
    // Written in the order they happened, as the portal writes them: a
    // month's events are then neighbours on disk, as in a real database.
    acts.sort_by_key(|a| (a.at, a.petition));
    mets.sort_by_key(|m| (m.started, m.petition));
    write_acts(store, &acts, now).await?;
    write_mets(store, &mets).await
}

/// Each synthetic petition's acts and met deadlines, as far as its state goes.
fn plan(
    petitions: &[(i32, String, i32)],
    staff_of: &HashMap<AgencyId, Desk>,
    now: chrono::DateTime<chrono::Utc>,
) -> (Vec<Act>, Vec<Met>) {
    let ratings = [
        "satisfied",
        "satisfied",
        "basically_satisfied",
        "unsatisfied",
    ];
    let mut acts: Vec<Act> = Vec::with_capacity(petitions.len() * 4);
    let mut mets: Vec<Met> = Vec::with_capacity(petitions.len() * 2);
    for (id, status, agency) in petitions {
        let (petition, agency) = (PetitionId(*id), AgencyId(*agency));
        // The seeder above dates petition `i` (its tracking number's index)
        // `i % 1000` days back; ids follow the same order from the first.
        let i = (*id - petitions[0].0) as i64;
        let received = now - chrono::Duration::days(i % 1000);
        // Acts dated after now are pulled back to the last minute.
        let at = |days: i64| {
            (received + chrono::Duration::days(days)).min(now - chrono::Duration::minutes(1))
        };
        let (clerk, boss, handler) = staff_of.get(&agency).copied().unwrap_or_default();
        let mut act = |kind, by, officer, days, detail| {
            acts.push(Act {
                at: at(days),
                petition,
                agency,
                kind,
                by,
                officer,
                detail,
            })
        };
        let mut met = |clock, officer, start: i64, due: u64, closed: i64| {
            mets.push(Met {
                started: at(start),
                petition,
                agency,
                clock,
                officer,
                due_on: crate::domain::clock::china_date(received) + chrono::Days::new(due),
                closed: at(closed),
            })
        };
        act(K::Received, None, None, 0, None);
        if status == "received" {
            continue;
        }
        let accepted = if i % 8 == 3 { 17 } else { 2 };
        met("acceptance", clerk, 0, 15, accepted);
        if status == "declined" {
            act(K::Declined, clerk, clerk, accepted, None);
            continue;
        }
        act(K::Accepted, clerk, clerk, accepted, None);
        if status == "accepted" {
            continue;
        }
        act(K::Assigned, boss, boss, accepted + 1, None);
        if matches!(status.as_str(), "assigned" | "investigating") {
            continue;
        }
        act(K::Drafted, handler, handler, 30, None);
        if status == "drafted" {
            continue;
        }
        let answered = if i % 6 == 1 { 70 } else { 40 };
        // Approved and sent by the supervisor; it counts for the handler responsible.
        act(K::Answered, boss, handler, answered, None);
        met(
            "conclusion",
            handler,
            accepted,
            60 + accepted as u64,
            answered,
        );
        if status == "closed" {
            act(
                K::Rated,
                None,
                handler,
                answered + 5,
                Some(ratings[(i as usize / 11) % 4]),
            );
        }
    }
    (acts, mets)
}

/// The acts as timeline events, and the staff's acts as audit entries
/// chained from the trail's last one, in batches.
async fn write_acts(
    store: &Store,
    acts: &[Act],
    now: chrono::DateTime<chrono::Utc>,
) -> anyhow::Result<()> {
    let backend = store.conn().get_database_backend();
    let last = store
        .conn()
        .query_one_raw(Statement::from_string(
            backend,
            "SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1",
        ))
        .await?;
    let (mut audit_id, mut prev_hash) = match last {
        Some(r) => (
            r.try_get::<i64>("", "id")?,
            r.try_get::<String>("", "hash")?,
        ),
        None => (0, crate::audit::GENESIS.to_owned()),
    };
    let at_text = now.to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
    for chunk in acts.chunks(3000) {
        let mut events: Vec<petition_event::ActiveModel> = Vec::with_capacity(chunk.len());
        let mut audit: Vec<[sea_orm::Value; 9]> = Vec::new();
        for a in chunk {
            events.push(petition_event::ActiveModel {
                petition_id: Set(a.petition),
                kind: Set(a.kind),
                public: Set(true),
                actor: Set(a
                    .by
                    .map_or("petitioner".to_owned(), |o| format!("staff:{o}"))),
                body: Set(String::new()),
                created_at: Set(a.at),
                agency_id: Set(Some(a.agency)),
                officer_id: Set(a.officer),
                other_agency_id: Set(None),
                other_officer_id: Set(None),
                round: Set(Some(Round::Original)),
                detail: Set(a.detail.map(str::to_owned)),
                ..Default::default()
            });
            if let Some(o) = a.by {
                audit_id += 1;
                let actor = format!("staff:{o}");
                let subject = format!("petition:{}", a.petition);
                let after = serde_json::json!({ "event": a.kind.as_str() }).to_string();
                let hash = crate::audit::entry_hash(
                    audit_id,
                    &at_text,
                    &actor,
                    a.kind.as_str(),
                    &subject,
                    "null",
                    &after,
                    &prev_hash,
                );
                audit.push([
                    audit_id.into(),
                    at_text.clone().into(),
                    actor.into(),
                    a.kind.as_str().into(),
                    subject.into(),
                    "null".into(),
                    after.into(),
                    std::mem::replace(&mut prev_hash, hash.clone()).into(),
                    hash.into(),
                ]);
            }
        }
        let txn = store.begin_write().await?;
        for rows in events.chunks(1500) {
            petition_event::Entity::insert_many(rows.to_vec())
                .exec(&txn)
                .await?;
        }
        for rows in audit.chunks(1000) {
            let mut sql = String::from(
                "INSERT INTO audit_log (id, at, actor, action, subject, before, after, prev_hash, hash) VALUES ",
            );
            let mut n = 0;
            for r in 0..rows.len() {
                sql.push_str(if r == 0 { "(" } else { ", (" });
                for c in 0..9 {
                    n += 1;
                    if c > 0 {
                        sql.push_str(", ");
                    }
                    // Anonymous on SQLite: binding numbered ones scans for each number.
                    sql.push_str(&match backend {
                        sea_orm::DatabaseBackend::Postgres => format!("${n}"),
                        _ => "?".to_owned(),
                    });
                }
                sql.push(')');
            }
            txn.execute_raw(Statement::from_sql_and_values(
                backend,
                sql,
                rows.iter().flatten().cloned(),
            ))
            .await?;
        }
        txn.commit().await?;
    }
    Ok(())
}

/// The met deadlines, in batches.
async fn write_mets(store: &Store, mets: &[Met]) -> anyhow::Result<()> {
    let china = |t| Day(crate::domain::clock::china_date(t));
    for chunk in mets.chunks(1500) {
        let rows: Vec<petition_deadline::ActiveModel> = chunk
            .iter()
            .map(|m| petition_deadline::ActiveModel {
                petition_id: Set(m.petition),
                rule_id: Set(m.clock.to_owned()),
                clock: Set(m.clock.to_owned()),
                started_on: Set(Some(china(m.started))),
                due_on: Set(Day(m.due_on)),
                citation_zh: Set("《信访工作条例》".to_owned()),
                citation_en: Set("Regulations on Letters and Visits".to_owned()),
                status: Set(DeadlineStatus::Met),
                agency_id: Set(Some(m.agency)),
                officer_id: Set(m.officer),
                round: Set(Some(Round::Original)),
                closed_on: Set(Some(china(m.closed))),
                created_at: Set(m.started),
                ..Default::default()
            })
            .collect();
        let txn = store.begin_write().await?;
        petition_deadline::Entity::insert_many(rows)
            .exec(&txn)
            .await?;
        txn.commit().await?;
    }
    Ok(())
}
