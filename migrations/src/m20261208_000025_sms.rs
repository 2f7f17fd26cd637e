//! 短信 — SMS as a channel to the petitioner beside mail:
//! - `petitions.notify`: how the petitioner chose to be told (`mail`, `sms`,
//!   `both`); every earlier petition keeps mail, as it had.
//! - `sms_log`: every SMS handed to the transport — which petition and step,
//!   the template and its provider id, the text, the provider's message id and
//!   delivery state. The number is kept only as a keyed hash (for the
//!   per-number rate limit): the petition row holds the number itself.
//! - `sms_opt_outs`: the numbers (as the same keyed hash) that replied TD
//!   (退订) and are texted no more.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("petitions")
                    .add_column(string_len("notify", 8).default("mail"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("sms_log")
                    .if_not_exists()
                    .col(big_integer("id").primary_key().auto_increment())
                    .col(string_len("job_key", 64).unique_key())
                    .col(integer_null("petition_id"))
                    .col(string_len("phone_hash", 64))
                    .col(string_len("template", 32))
                    .col(string_len("template_id", 64))
                    .col(text("text"))
                    .col(string_len("state", 16))
                    .col(string_len_null("provider_id", 64))
                    .col(timestamp_with_time_zone("sent_at"))
                    .col(timestamp_with_time_zone_null("reported_at"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_sms_log_phone_sent")
                    .table("sms_log")
                    .col("phone_hash")
                    .col("sent_at")
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_sms_log_provider")
                    .table("sms_log")
                    .col("provider_id")
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("sms_opt_outs")
                    .if_not_exists()
                    .col(string_len("phone_hash", 64).primary_key())
                    .col(timestamp_with_time_zone("at"))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("sms_opt_outs").to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table("sms_log").to_owned())
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table("petitions")
                    .drop_column("notify")
                    .to_owned(),
            )
            .await
    }
}
