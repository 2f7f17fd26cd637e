//! The SMS log (`sms_log`): each text handed to the transport, by the job
//! that sent it — so a job run twice sends once, and the per-number limit
//! counts what was really sent. The number itself is only on the petition.

use super::entities::sms_log;
use super::{Store, StoreResult};
use crate::domain::ids::PetitionId;
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter,
};

/// A text handed to the transport.
#[derive(Debug, Clone)]
pub struct SentSms {
    pub job_key: String,
    pub petition_id: Option<PetitionId>,
    pub phone_hash: String,
    pub template: String,
    pub template_id: String,
    pub text: String,
    pub provider_id: Option<String>,
    pub sent_at: DateTime<Utc>,
}

impl Store {
    /// Whether the message of job `job_key` was already handed over.
    pub async fn sms_sent(&self, job_key: &str) -> StoreResult<bool> {
        Ok(sms_log::Entity::find()
            .filter(sms_log::Column::JobKey.eq(job_key))
            .count(self.conn())
            .await?
            > 0)
    }

    /// How many texts went to the number hashed as `phone_hash` since `since`.
    pub async fn sms_count_since(
        &self,
        phone_hash: &str,
        since: DateTime<Utc>,
    ) -> StoreResult<u64> {
        Ok(sms_log::Entity::find()
            .filter(sms_log::Column::PhoneHash.eq(phone_hash))
            .filter(sms_log::Column::SentAt.gte(since))
            .count(self.conn())
            .await?)
    }

    /// Records a text handed to the transport (state `submitted`).
    pub async fn record_sms(&self, s: &SentSms) -> StoreResult<()> {
        sms_log::ActiveModel {
            job_key: Set(s.job_key.clone()),
            petition_id: Set(s.petition_id.map(|p| p.0)),
            phone_hash: Set(s.phone_hash.clone()),
            template: Set(s.template.clone()),
            template_id: Set(s.template_id.clone()),
            text: Set(s.text.clone()),
            state: Set("submitted".to_owned()),
            provider_id: Set(s.provider_id.clone()),
            sent_at: Set(s.sent_at),
            reported_at: Set(None),
            ..Default::default()
        }
        .insert(self.conn())
        .await?;
        Ok(())
    }
}
