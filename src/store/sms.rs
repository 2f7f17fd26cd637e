//! The SMS log (`sms_log`): each text handed to the transport, by the job
//! that sent it — so a job run twice sends once, and the per-number limit
//! counts what was really sent. The number itself is only on the petition.

use super::entities::{sms_log, sms_opt_out};
use super::{Store, StoreResult};
use crate::domain::ids::PetitionId;
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter,
    sea_query::Expr,
};

/// The state of a text not sent because its number replied TD.
pub const OPTED_OUT: &str = "opted_out";

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
            .filter(sms_log::Column::State.ne(OPTED_OUT))
            .filter(sms_log::Column::SentAt.gte(since))
            .count(self.conn())
            .await?)
    }

    /// A delivery receipt: the text the gateway numbered `provider_id` was
    /// delivered (`delivered`) or not (`failed`). Every node may hear the
    /// same receipt; writing it twice is harmless.
    pub async fn sms_report(
        &self,
        provider_id: &str,
        delivered: bool,
        at: DateTime<Utc>,
    ) -> StoreResult<u64> {
        let state = if delivered { "delivered" } else { "failed" };
        Ok(sms_log::Entity::update_many()
            .col_expr(sms_log::Column::State, Expr::value(state))
            .col_expr(sms_log::Column::ReportedAt, Expr::value(at))
            .filter(sms_log::Column::ProviderId.eq(provider_id))
            .exec(self.conn())
            .await?
            .rows_affected)
    }

    /// 退订: the number hashed as `phone_hash` is texted no more.
    pub async fn sms_opt_out(&self, phone_hash: &str, at: DateTime<Utc>) -> StoreResult<()> {
        sms_opt_out::Entity::insert(sms_opt_out::ActiveModel {
            phone_hash: Set(phone_hash.to_owned()),
            at: Set(at),
        })
        .on_conflict_do_nothing_on([sms_opt_out::Column::PhoneHash])
        .exec(self.conn())
        .await?;
        Ok(())
    }

    pub async fn sms_opted_out(&self, phone_hash: &str) -> StoreResult<bool> {
        Ok(sms_opt_out::Entity::find_by_id(phone_hash.to_owned())
            .one(self.conn())
            .await?
            .is_some())
    }

    /// The logged state of each text sent under these job keys.
    pub async fn sms_states(&self, keys: &[String]) -> StoreResult<Vec<(String, String)>> {
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        Ok(sms_log::Entity::find()
            .filter(sms_log::Column::JobKey.is_in(keys.iter().cloned()))
            .all(self.conn())
            .await?
            .into_iter()
            .map(|m| (m.job_key, m.state))
            .collect())
    }

    /// Records a text handed to the transport (state `submitted`), or one
    /// not sent because its number opted out ([`OPTED_OUT`]).
    pub async fn record_sms(&self, s: &SentSms) -> StoreResult<()> {
        sms_log::ActiveModel {
            job_key: Set(s.job_key.clone()),
            petition_id: Set(s.petition_id.map(|p| p.0)),
            phone_hash: Set(s.phone_hash.clone()),
            template: Set(s.template.clone()),
            template_id: Set(s.template_id.clone()),
            text: Set(s.text.clone()),
            state: Set(if s.provider_id.is_some() {
                "submitted".to_owned()
            } else {
                OPTED_OUT.to_owned()
            }),
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
