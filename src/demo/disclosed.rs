//! Demo disclosed cases and published answers (`disclosed.toml`), so that a demo
//! install's public search finds all three kinds of result.

use crate::domain::case::{CaseDraft, CaseStage, CaseType, MilestoneDraft};
use crate::domain::codes::TrackingNumber;
use crate::domain::ids::{AgencyId, StaffId};
use crate::domain::petition::{PetitionCategory, PetitionKind};
use crate::domain::published::PublishedAnswer;
use crate::domain::workflow::{Round, State};
use crate::store::Store;
use crate::store::entities::petition;
use crate::store::types::Day;
use anyhow::Context;
use chrono::{NaiveDate, TimeZone, Utc};
use sea_orm::{ActiveModelTrait, ActiveValue::Set};
use serde::Deserialize;
use std::collections::HashMap;

#[derive(Deserialize)]
struct File {
    case: Vec<DemoCase>,
    answer: Vec<DemoAnswer>,
}

#[derive(Deserialize)]
struct DemoCase {
    agency: String,
    case_number: String,
    case_type: String,
    title: String,
    summary: String,
    stage: String,
    filed_on: NaiveDate,
}

#[derive(Deserialize)]
struct DemoAnswer {
    agency: String,
    kind: String,
    category: String,
    subject: String,
    title: String,
    description: String,
    answer: String,
    answered_on: NaiveDate,
}

/// `ids`: agency code → (agency id, the id of a supervisor there).
pub async fn seed(
    store: &Store,
    ids: &HashMap<String, (AgencyId, StaffId)>,
) -> anyhow::Result<(usize, usize)> {
    let file: File =
        toml::from_str(include_str!("disclosed.toml")).context("reading disclosed.toml")?;
    let agency = |code: &str| {
        ids.get(code)
            .copied()
            .with_context(|| format!("demo content names unknown agency {code}"))
    };
    for c in &file.case {
        let (agency_id, supervisor) = agency(&c.agency)?;
        let draft = CaseDraft {
            case_number: c.case_number.clone(),
            case_type: CaseType::parse(&c.case_type).context("demo case type")?,
            title: c.title.clone(),
            public: true,
            public_summary: c.summary.clone(),
        };
        let scoped = store.agency_cases(agency_id);
        // Demo cases have no query code: the party lookup is for real cases.
        let created = scoped
            .create(
                &draft,
                "demo-case-without-query-code".to_owned(),
                c.filed_on,
                supervisor,
            )
            .await?;
        let stage = CaseStage::parse(&c.stage).context("demo case stage")?;
        if stage != CaseStage::Filed {
            scoped
                .add_milestone(
                    created.id,
                    &MilestoneDraft {
                        stage,
                        occurred_on: c.filed_on + chrono::Days::new(30),
                        note: String::new(),
                    },
                    supervisor,
                )
                .await?;
        }
    }
    for a in &file.answer {
        let (agency_id, supervisor) = agency(&a.agency)?;
        let received = Utc.from_utc_datetime(
            &(a.answered_on - chrono::Days::new(20))
                .and_hms_opt(2, 0, 0)
                .unwrap_or_default(),
        );
        let answered =
            Utc.from_utc_datetime(&a.answered_on.and_hms_opt(2, 0, 0).unwrap_or_default());
        let row = petition::ActiveModel {
            tracking_number: Set(TrackingNumber::generate(2026, &mut rand::rng())
                .as_str()
                .to_owned()),
            // No access code opens a demo petition: only its published answer is visible.
            access_code_hash: Set(String::new()),
            kind: Set(PetitionKind::parse(&a.kind).context("demo answer kind")?),
            agency_id: Set(agency_id),
            agency_chosen: Set(true),
            category: Set(PetitionCategory::parse(&a.category).context("demo answer category")?),
            subject: Set(a.subject.clone()),
            title: Set(a.title.clone()),
            description: Set(a.description.clone()),
            desired_outcome: Set(String::new()),
            anonymous: Set(a.kind == "report"),
            lang: Set("zh-CN".to_owned()),
            status: Set(State::Closed),
            version: Set(1),
            round: Set(Round::Original),
            extension_used: Set(false),
            extension_pending: Set(false),
            extension_days: Set(0),
            answered_on: Set(Some(Day(a.answered_on))),
            answer_text: Set(Some(a.answer.clone())),
            received_at: Set(received),
            updated_at: Set(answered),
            ..Default::default()
        }
        .insert(store.conn())
        .await?;
        crate::store::outbox::enqueue_search(store.conn(), "petitions", row.id.to_string()).await?;
        let published = PublishedAnswer::parse(&a.title, &a.answer)
            .map_err(|k| anyhow::anyhow!("demo answer {}: {k}", a.title))?;
        store
            .publish_answer(row.id, &published, &format!("staff:{supervisor}"))
            .await?;
    }
    Ok((file.case.len(), file.answer.len()))
}
