//! Open results and open interfaces (执法公开):
//! - `statistics_snapshots`: the public statistics as published each day, one
//!   file per day with its SHA-256 and an ed25519 signature by the
//!   installation's audit key, kept in the database so every node serves the
//!   same file and none can be changed afterwards without the check failing.
//! - `partners`: systems (a 12345 hotline, a city-service app) that file
//!   petitions through Open311 GeoReport v2 with an API key. Only a SHA-256 of
//!   the key is kept; a revoked key stays for the record.
//! - `petitions.via_partner_id`: which partner filed a petition, if any.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("statistics_snapshots")
                    .if_not_exists()
                    .col(string_len("day", 10).primary_key())
                    .col(text("body"))
                    .col(string_len("sha256", 64))
                    .col(string_len("signature", 128))
                    .col(string_len("public_key", 64))
                    .col(timestamp_with_time_zone("created_at"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("partners")
                    .if_not_exists()
                    .col(pk_auto("id"))
                    .col(string_len("name", 200))
                    .col(string_len("key_hash", 64).unique_key())
                    .col(integer("requests_per_minute"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone_null("revoked_at"))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table("petitions")
                    .add_column(integer_null("via_partner_id"))
                    .to_owned(),
            )
            .await?;
        // The list of published answers (答复公开), newest first.
        manager
            .create_index(
                Index::create()
                    .name("petitions_answer_published")
                    .table("petitions")
                    .col("answer_published_at")
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("petitions_answer_published")
                    .table("petitions")
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table("petitions")
                    .drop_column("via_partner_id")
                    .to_owned(),
            )
            .await?;
        for table in ["partners", "statistics_snapshots"] {
            manager
                .drop_table(Table::drop().table(table.to_owned()).to_owned())
                .await?;
        }
        Ok(())
    }
}
