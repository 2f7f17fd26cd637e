//! A queue that never gives up silently:
//! - `jobs.requeued_at`: when an operator put a dead job back (`mingjing jobs
//!   retry`); a job's give-up age counts from then instead of from `created_at`,
//!   which stays what it was.
//! - `transport_health`: one row per outside transport (`mail`), shared by every
//!   node: since when delivery has been failing (null while it works), the last
//!   error and the last success, so `/healthz` on any node can say that mail
//!   has been failing for more than a few minutes.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("jobs")
                    .add_column(timestamp_with_time_zone_null("requeued_at"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("transport_health")
                    .if_not_exists()
                    .col(string_len("transport", 20).primary_key())
                    .col(timestamp_with_time_zone_null("failing_since"))
                    .col(text_null("last_error"))
                    .col(timestamp_with_time_zone_null("last_ok"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("transport_health").to_owned())
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table("jobs")
                    .drop_column("requeued_at")
                    .to_owned(),
            )
            .await
    }
}
