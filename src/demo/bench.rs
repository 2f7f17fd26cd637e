//! Synthetic load for the benchmarks in `bench/`.

use crate::domain::staff::Role;
use crate::store::Store;
use std::collections::HashMap;

/// Synthetic petitions for benchmarks: spread over every agency, every state
/// and every kind, with deadlines around today (some overdue, some due soon),
/// handlers assigned where the state has one. Written in batches of 500 rows.
pub async fn bench_seed(store: &Store, count: u32) -> anyhow::Result<()> {
    use crate::store::entities::{petition, petition_deadline};
    use sea_orm::{ActiveValue::Set, EntityTrait, TransactionTrait};
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
    use crate::domain::petition::{PetitionCategory, PetitionKind};
    use crate::domain::workflow::{Round, State};
    use crate::store::types::Day;
    let states = [
        State::Received,
        State::Accepted,
        State::Assigned,
        State::Investigating,
        State::Drafted,
        State::Answered,
        State::Closed,
        State::Declined,
    ];
    let kinds = PetitionKind::ALL;
    let categories = PetitionCategory::ALL;
    let subjects = [
        "派出所民警",
        "执行局",
        "交警大队",
        "看守所",
        "律师事务所",
        "司法所",
        "检察院办案人员",
    ];
    let facts = [
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
    let places = [
        "临江市江北区",
        "南溪县",
        "青山市东湖区",
        "白石县",
        "临江市",
        "青山市",
    ];
    let details = [
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
    let answers = [
        "经调查核实，您反映的问题基本属实，已责成相关部门限期整改，并对责任人批评教育。",
        "经查，该案已依法采取查封、冻结措施，执行款将于十个工作日内发放。",
        "经复核，原处理决定认定事实清楚、适用法律正确，依法予以维持。",
        "您反映的问题不属于本机关职权范围，已告知您向有权机关提出。",
        "经审查，您的申请符合法定条件，已依法作出决定并送达。",
    ];
    // A small deterministic mix, so a rerun seeds the same data.
    let pick = |i: usize, salt: usize, n: usize| {
        (i.wrapping_mul(2_654_435_761).wrapping_add(salt * 40_503) >> 7) % n
    };
    let today = crate::domain::clock::china_date(chrono::Utc::now());
    let now = chrono::Utc::now();
    let mut n = 0u32;
    while n < count {
        let batch = (count - n).min(500);
        let txn = store.conn().begin().await?;
        let mut rows = Vec::with_capacity(batch as usize);
        for i in n..n + batch {
            let idx = i as usize;
            let agency = &agencies[idx % agencies.len()];
            let state = states[(idx / 7) % states.len()];
            let handler = matches!(
                state,
                State::Assigned | State::Investigating | State::Drafted | State::Answered
            )
            .then(|| handlers.get(&agency.id).copied())
            .flatten();
            let fact = facts[pick(idx, 1, facts.len())];
            let place = places[pick(idx, 2, places.len())];
            let subject = subjects[pick(idx, 3, subjects.len())];
            let answered = matches!(state, State::Answered | State::Closed);
            let answer = answered.then(|| answers[pick(idx, 4, answers.len())].to_owned());
            // One closed petition in ten has its answer published (答复公开).
            let published = state == State::Closed && pick(idx, 5, 10) == 0;
            let title = format!(
                "{}{}（第{i}号）",
                place,
                &fact[..fact.char_indices().nth(14).map_or(fact.len(), |(b, _)| b)]
            );
            rows.push(petition::ActiveModel {
                tracking_number: Set(format!("BENCH{i:09}")),
                access_code_hash: Set(String::new()),
                kind: Set(kinds[idx % 3]),
                agency_id: Set(agency.id),
                agency_chosen: Set(true),
                category: Set(categories[pick(idx, 6, categories.len())]),
                subject: Set(format!("{place}{subject}")),
                title: Set(title.clone()),
                description: Set(format!(
                    "{place}{subject}{fact}。{}{}",
                    details[pick(idx, 7, details.len())],
                    details[pick(idx, 8, details.len())]
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
            });
        }
        petition::Entity::insert_many(rows).exec(&txn).await?;
        txn.commit().await?;
        n += batch;
    }
    // One open deadline per open petition, spread from 20 days overdue to 40 days ahead.
    let backend = sea_orm::ConnectionTrait::get_database_backend(store.conn());
    let ids: Vec<(i32, String)> = sea_orm::ConnectionTrait::query_all_raw(
        store.conn(),
        sea_orm::Statement::from_string(
            backend,
            "SELECT id, status FROM petitions WHERE tracking_number LIKE 'BENCH%'",
        ),
    )
    .await?
    .into_iter()
    .filter_map(|r| Some((r.try_get("", "id").ok()?, r.try_get("", "status").ok()?)))
    .collect();
    for chunk in ids.chunks(500) {
        let txn = store.conn().begin().await?;
        let rows: Vec<petition_deadline::ActiveModel> = chunk
            .iter()
            .filter(|(_, s)| {
                matches!(
                    s.as_str(),
                    "received" | "accepted" | "assigned" | "investigating" | "drafted"
                )
            })
            .map(|(id, s)| {
                let offset = i64::from(*id % 60) - 20;
                let due = today + chrono::Duration::days(offset);
                petition_deadline::ActiveModel {
                    petition_id: Set(crate::domain::ids::PetitionId(*id)),
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
        }
        txn.commit().await?;
    }
    Ok(())
}
