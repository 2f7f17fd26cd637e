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
    let states = [
        "received",
        "accepted",
        "assigned",
        "investigating",
        "drafted",
        "answered",
        "closed",
        "declined",
    ];
    let kinds = ["complaint", "report", "litigation"];
    let categories = [
        "conduct",
        "case_handling",
        "enforcement",
        "detention",
        "misconduct",
        "penalty",
        "traffic",
        "legal_service",
        "other",
    ];
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
    ];
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
            let handler = matches!(state, "assigned" | "investigating" | "drafted" | "answered")
                .then(|| handlers.get(&agency.id).copied())
                .flatten();
            let fact = facts[idx % facts.len()];
            rows.push(petition::ActiveModel {
                tracking_number: Set(format!("BENCH{i:09}")),
                access_code_hash: Set(String::new()),
                kind: Set(kinds[idx % 3].to_owned()),
                agency_id: Set(agency.id),
                agency_chosen: Set(true),
                category: Set(categories[idx % categories.len()].to_owned()),
                subject: Set(subjects[idx % subjects.len()].to_owned()),
                title: Set(format!(
                    "{}（第{i}号）",
                    &fact[..fact.char_indices().nth(12).map_or(fact.len(), |(b, _)| b)]
                )),
                description: Set(format!("{fact}。具体情况如下：{}", fact.repeat(3))),
                desired_outcome: Set("依法处理".to_owned()),
                related_case_number: Set(None),
                anonymous: Set(idx % 3 == 1),
                contact_name: Set(None),
                contact_email: Set(None),
                contact_phone: Set(None),
                lang: Set("zh-CN".to_owned()),
                status: Set(state.to_owned()),
                quarantine_reason: Set(None),
                version: Set(1),
                round: Set("original".to_owned()),
                handler_id: Set(handler),
                draft_author_id: Set(None),
                extension_used: Set(false),
                extension_pending: Set(false),
                extension_days: Set(0),
                rating: Set(None),
                answered_on: Set(None),
                draft_text: Set(None),
                answer_text: Set(None),
                received_at: Set(now - chrono::Duration::days(i64::from(i % 90))),
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
                    petition_id: Set(*id),
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
                    due_on: Set(due.to_string()),
                    citation_zh: Set("《信访工作条例》".to_owned()),
                    citation_en: Set("Regulations on Letters and Visits".to_owned()),
                    status: Set("open".to_owned()),
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
