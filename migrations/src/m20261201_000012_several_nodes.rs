//! Several app nodes on one database (多节点):
//! - `installation`: one row — a fingerprint of the installation secret (a
//!   keyed hash, never the secret) and the audit signing key's public half, so
//!   a node started with another secret or key refuses instead of silently
//!   hashing access codes and signing with a key nobody else has.
//! - `throttle_counters`: the rate limits' and throttles' fixed windows, keyed
//!   by a keyed hash (never an address or a contact), so every node counts
//!   together; a row is useless once `expires_at` (ms) has passed and is pruned.
//! - `file_blobs`: evidence kept in the database (`MINGJING_FILES=database`),
//!   content-addressed like the directory store.
//! - `search_cursors`: how far each search index has read the outbox, now a
//!   log: a row is pruned once every live index has passed it.
//! - `nodes`: each running node's heartbeat, for `/healthz`.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("installation")
                    .if_not_exists()
                    .col(integer("id").primary_key())
                    .col(string_len("secret_fingerprint", 64))
                    .col(string_len_null("signing_public_key", 64))
                    .col(timestamp_with_time_zone("created_at"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("throttle_counters")
                    .if_not_exists()
                    .col(string_len("key", 64).primary_key())
                    .col(big_integer("window_start"))
                    .col(integer("count"))
                    .col(big_integer("expires_at"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("throttle_counters_expires")
                    .table("throttle_counters")
                    .col("expires_at")
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("file_blobs")
                    .if_not_exists()
                    .col(string_len("sha256", 64).primary_key())
                    .col(blob("bytes"))
                    .col(big_integer("size"))
                    .col(timestamp_with_time_zone("created_at"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("search_cursors")
                    .if_not_exists()
                    .col(string_len("consumer", 100).primary_key())
                    .col(big_integer("position"))
                    .col(timestamp_with_time_zone("seen_at"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("nodes")
                    .if_not_exists()
                    .col(string_len("id", 64).primary_key())
                    .col(string_len("version", 40))
                    .col(string_len("role", 20))
                    .col(string_len("search_engine", 20))
                    .col(timestamp_with_time_zone("started_at"))
                    .col(timestamp_with_time_zone("seen_at"))
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            "nodes",
            "search_cursors",
            "file_blobs",
            "throttle_counters",
            "installation",
        ] {
            manager
                .drop_table(Table::drop().table(table).if_exists().to_owned())
                .await?;
        }
        Ok(())
    }
}
