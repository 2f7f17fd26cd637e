//! Letters issued (文书): one row per printed receipt or answer letter, by
//! its verification code — the SHA-256 of the PDF's exact bytes and the
//! installation's signature over them (`domain::letter::signed_statement`).
//! The PDF itself is not kept: it is drawn again on request (deterministic),
//! so no copy of the petitioner's letter outlives the retention schedule.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("letters")
                    .if_not_exists()
                    .col(string_len("code", 16).primary_key())
                    .col(integer("petition_id"))
                    .col(string_len("kind", 16))
                    .col(string_len("lang", 8))
                    .col(integer("agency_id"))
                    .col(string_len("tracking_number", 20))
                    .col(date("issued_on"))
                    .col(string_len("sha256", 64))
                    .col(string_len("signature", 128))
                    .col(timestamp_with_time_zone("created_at"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_letters_petition")
                    .table("letters")
                    .col("petition_id")
                    .col("kind")
                    .col("lang")
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("letters").to_owned())
            .await
    }
}
