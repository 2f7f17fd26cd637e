//! Documents built from the database: what each index holds of a procedure, a
//! disclosed case, a published answer, a petition. A row that must not be in an
//! index (a withdrawn procedure, a case no longer public) simply has no document,
//! and the indexer deletes it.

use super::Document;
use crate::domain::ids::AgencyId;
use crate::store::Store;
use crate::store::entities::{case, petition, procedure, procedure_version, staff};
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use std::collections::HashMap;

/// The SQL that lists the ids of every row that belongs in `index`.
pub fn all_ids_sql(index: &str) -> Option<&'static str> {
    Some(match index {
        "procedures" => "SELECT id FROM procedures WHERE status = 'published'",
        "cases" => "SELECT id FROM cases WHERE public = TRUE",
        "answers" => "SELECT id FROM petitions WHERE answer_published_at IS NOT NULL",
        "petitions" => "SELECT id FROM petitions",
        _ => return None,
    })
}

/// A date as the indexes hold it: YYYYMMDD, sortable and comparable in both engines.
pub(super) fn ymd(d: NaiveDate) -> i64 {
    i64::from(d.year()) * 10_000 + i64::from(d.month()) * 100 + i64::from(d.day())
}

/// The date fields every index has: `date` (YYYYMMDD) and `year`.
fn dated(doc: &mut Document, at: DateTime<Utc>) {
    let d = crate::domain::clock::china_date(at);
    doc.insert("date".into(), json!(ymd(d)));
    doc.insert("year".into(), json!(d.year()));
}

fn base(id: impl std::fmt::Display, version: DateTime<Utc>) -> Document {
    let mut d = Document::new();
    d.insert("id".into(), json!(id.to_string()));
    d.insert("version".into(), json!(version.timestamp_millis()));
    d
}

/// The SQL that lists the ids of the rows of `index` changed at or after `$2`.
pub fn changed_since_sql(index: &str) -> Option<&'static str> {
    Some(match index {
        "procedures" => "SELECT id FROM procedures WHERE updated_at >= $2",
        "cases" => "SELECT id FROM cases WHERE updated_at >= $2",
        "answers" => "SELECT id FROM petitions WHERE answer_published_at >= $2",
        "petitions" => "SELECT id FROM petitions WHERE updated_at >= $2",
        _ => return None,
    })
}

/// Every id `index` should hold, in ascending order.
pub async fn all_ids(store: &Store, index: &str) -> Result<Vec<String>, crate::store::StoreError> {
    use sea_orm::ConnectionTrait;
    let Some(sql) = all_ids_sql(index) else {
        return Ok(Vec::new());
    };
    let backend = store.conn().get_database_backend();
    Ok(store
        .conn()
        .query_all_raw(sea_orm::Statement::from_string(
            backend,
            format!("{sql} ORDER BY id"),
        ))
        .await?
        .into_iter()
        .filter_map(|r| r.try_get::<i32>("", "id").ok())
        .map(|id| id.to_string())
        .collect())
}

/// The current documents of `index` for `ids`; ids with no document are absent.
pub async fn load(
    store: &Store,
    index: &str,
    ids: &[&str],
) -> Result<HashMap<String, Document>, crate::store::StoreError> {
    let ids: Vec<i32> = ids.iter().filter_map(|i| i.parse().ok()).collect();
    let mut out = HashMap::new();
    if ids.is_empty() {
        return Ok(out);
    }
    let agency_types: HashMap<crate::domain::ids::AgencyId, &'static str> = store
        .agencies()
        .await?
        .iter()
        .map(|a| (a.id, a.agency_type.as_str()))
        .collect();
    let agency_type = |id: AgencyId| json!(agency_types.get(&id).copied().unwrap_or("other"));
    match index {
        "procedures" => procedures(store, ids, &mut out).await?,
        "cases" => cases(store, ids, &agency_type, &mut out).await?,
        "answers" => answers(store, &ids, &agency_type, &mut out).await?,
        "petitions" => petitions(store, &ids, &mut out).await?,
        _ => {}
    }
    Ok(out)
}

/// Published procedures: their current version's texts.
async fn procedures(
    store: &Store,
    ids: Vec<i32>,
    out: &mut HashMap<String, Document>,
) -> Result<(), crate::store::StoreError> {
    let rows = procedure::Entity::find()
        .filter(procedure::Column::Id.is_in(ids.clone()))
        .filter(procedure::Column::Status.eq(crate::domain::procedure::ProcedureStatus::Published))
        .all(store.conn())
        .await?;
    let versions: HashMap<(i32, i32), procedure_version::Model> = procedure_version::Entity::find()
        .filter(procedure_version::Column::ProcedureId.is_in(ids))
        .all(store.conn())
        .await?
        .into_iter()
        .map(|v| ((v.procedure_id, v.version), v))
        .collect();
    for p in rows {
        let Some(v) = versions.get(&(p.id, p.current_version)) else {
            continue;
        };
        let mut body = Vec::new();
        for key in [&v.legal_basis, &v.steps, &v.materials] {
            collect_strings(key, &mut body);
        }
        body.extend([v.time_limit.clone(), v.fees.clone(), v.appeal.clone()]);
        let mut d = base(p.id, p.updated_at);
        d.insert("title_zh".into(), json!(v.title_zh));
        d.insert("title_en".into(), json!(v.title_en));
        d.insert("summary_zh".into(), json!(v.summary_zh));
        d.insert("summary_en".into(), json!(v.summary_en));
        d.insert("body_zh".into(), json!(body.join("\n")));
        d.insert("body_en".into(), json!(""));
        d.insert("agency_type".into(), json!(p.agency_type.as_str()));
        d.insert("agency_id".into(), json!(p.agency_id.to_string()));
        d.insert("category".into(), json!(p.category.as_str()));
        dated(&mut d, p.updated_at);
        out.insert(p.id.to_string(), d);
    }
    Ok(())
}

/// Disclosed cases, public ones only.
async fn cases(
    store: &Store,
    ids: Vec<i32>,
    agency_type: &(dyn Fn(AgencyId) -> Value + Sync),
    out: &mut HashMap<String, Document>,
) -> Result<(), crate::store::StoreError> {
    for c in case::Entity::find()
        .filter(case::Column::Id.is_in(ids))
        .filter(case::Column::Public.eq(true))
        .all(store.conn())
        .await?
    {
        let mut d = base(c.id, c.updated_at);
        d.insert("title".into(), json!(c.title));
        d.insert("case_number".into(), json!(c.case_number));
        d.insert("summary".into(), json!(c.public_summary));
        d.insert("case_type".into(), json!(c.case_type.as_str()));
        d.insert("stage".into(), json!(c.stage.as_str()));
        d.insert("agency_type".into(), agency_type(c.agency_id));
        d.insert("agency_id".into(), json!(c.agency_id.to_string()));
        dated(&mut d, c.created_at);
        out.insert(c.id.to_string(), d);
    }
    Ok(())
}

/// Published answers (答复公开).
async fn answers(
    store: &Store,
    ids: &[i32],
    agency_type: &(dyn Fn(AgencyId) -> Value + Sync),
    out: &mut HashMap<String, Document>,
) -> Result<(), crate::store::StoreError> {
    for p in petition::Entity::find()
        .filter(petition::Column::Id.is_in(ids.iter().copied().map(crate::domain::ids::PetitionId)))
        .filter(petition::Column::AnswerPublishedAt.is_not_null())
        .all(store.conn())
        .await?
    {
        let Some(published) = p.answer_published_at else {
            continue;
        };
        let mut d = base(p.id, published);
        d.insert("title".into(), json!(p.public_title.unwrap_or_default()));
        d.insert("answer".into(), json!(p.public_answer.unwrap_or_default()));
        d.insert("kind".into(), json!(p.kind.as_str()));
        d.insert("category".into(), json!(p.category.as_str()));
        d.insert("agency_type".into(), agency_type(p.agency_id));
        d.insert("agency_id".into(), json!(p.agency_id.to_string()));
        dated(&mut d, published);
        out.insert(p.id.to_string(), d);
    }
    Ok(())
}

/// Petitions, for staff search: with who must never find them (回避).
async fn petitions(
    store: &Store,
    ids: &[i32],
    out: &mut HashMap<String, Document>,
) -> Result<(), crate::store::StoreError> {
    let rows = petition::Entity::find()
        .filter(petition::Column::Id.is_in(ids.iter().copied().map(crate::domain::ids::PetitionId)))
        .all(store.conn())
        .await?;
    // 回避: staff named in a petition never find it (as in the queues).
    let agencies: Vec<crate::domain::ids::AgencyId> = rows.iter().map(|p| p.agency_id).collect();
    let names: Vec<(crate::domain::ids::StaffId, String)> = staff::Entity::find()
        .filter(staff::Column::AgencyId.is_in(agencies))
        .all(store.conn())
        .await?
        .into_iter()
        .map(|s| (s.id, s.name))
        .collect();
    for p in rows {
        let recused: Vec<String> = names
            .iter()
            .filter(|(_, n)| crate::domain::access::names(&p.subject, &p.title, n))
            .map(|(id, _)| id.to_string())
            .collect();
        let next_due = p.next_due_on.date().map_or(99_991_231, ymd);
        let mut d = base(p.id, p.updated_at);
        d.insert("tracking_number".into(), json!(p.tracking_number));
        d.insert("title".into(), json!(p.title));
        d.insert("subject".into(), json!(p.subject));
        d.insert("description".into(), json!(p.description));
        d.insert("desired_outcome".into(), json!(p.desired_outcome));
        d.insert("answer".into(), json!(p.answer_text.unwrap_or_default()));
        d.insert("kind".into(), json!(p.kind.as_str()));
        d.insert("status".into(), json!(p.status.as_str()));
        d.insert("category".into(), json!(p.category.as_str()));
        d.insert("agency_id".into(), json!(p.agency_id.to_string()));
        if let Some(h) = p.handler_id {
            d.insert("handler_id".into(), json!(h.to_string()));
        }
        d.insert("recused".into(), json!(recused));
        d.insert("next_due".into(), json!(next_due));
        dated(&mut d, p.received_at);
        out.insert(p.id.to_string(), d);
    }
    Ok(())
}

fn collect_strings(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::String(s) => out.push(s.clone()),
        Value::Array(a) => a.iter().for_each(|x| collect_strings(x, out)),
        Value::Object(o) => o.values().for_each(|x| collect_strings(x, out)),
        _ => {}
    }
}

/// Every document's id and version that `index` should hold, built the same way
/// the indexer builds them (a page of ids at a time).
pub async fn expected_versions(
    store: &Store,
    index: &str,
) -> Result<std::collections::BTreeMap<String, i64>, crate::store::StoreError> {
    let mut out = std::collections::BTreeMap::new();
    let ids = all_ids(store, index).await?;
    for chunk in ids.chunks(500) {
        let refs: Vec<&str> = chunk.iter().map(String::as_str).collect();
        for (id, doc) in load(store, index, &refs).await? {
            if let Some(v) = doc.get("version").and_then(|v| v.as_i64()) {
                out.insert(id, v);
            }
        }
    }
    Ok(out)
}
