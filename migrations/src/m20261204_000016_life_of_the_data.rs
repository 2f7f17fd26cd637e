//! The life of the data: retention, legal holds and duplicate matters.
//!
//! - `petitions.concluded_on`: the day the matter reached its last state
//!   (answered: the answer's day; closed, declined, redirected, merged: that
//!   day), which the retention schedule counts from. Filled here for the rows
//!   that exist, from their answer date or their concluding event.
//! - `petitions.anonymised_at`, and `held_since` / `hold_reason` / `held_by`:
//!   a legal hold stops retention while it lasts.
//! - `evidence.deleted_at`: the row stays (that there was a file), the bytes go.
//! - `petition_events.body_salt`: a random salt per text, so the audit entry
//!   of an act commits to its text (SHA-256 of salt and text) without holding
//!   it; anonymising a text replaces the salt, and the old commitment can no
//!   longer be tested against guesses.
//! - `retention_schedules`: the schedules an operator loaded (the newest
//!   applies; none: the shipped one).
//! - `petition_keys`: keyed hashes of who filed (phone, e-mail) and of the
//!   related case number, for finding the same matter again (重复信访).
//! - `petition_links`: two petitions recorded as the same matter, or one
//!   merged into the other.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let petitions = [
            string_len_null("concluded_on", 10).to_owned(),
            timestamp_with_time_zone_null("anonymised_at").to_owned(),
            timestamp_with_time_zone_null("held_since").to_owned(),
            text_null("hold_reason").to_owned(),
            string_len_null("held_by", 200).to_owned(),
        ];
        // One column per statement: SQLite's ALTER TABLE adds one at a time.
        for mut column in petitions {
            manager
                .alter_table(
                    Table::alter()
                        .table("petitions")
                        .add_column(&mut column)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table("evidence")
                    .add_column(timestamp_with_time_zone_null("deleted_at"))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table("petition_events")
                    .add_column(string_len_null("body_salt", 32))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_petitions_concluded_on")
                    .table("petitions")
                    .col("concluded_on")
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        // The day a concluded matter reached its last state, in China time.
        let day_of = match manager.get_database_backend() {
            sea_orm::DatabaseBackend::Postgres => {
                "to_char((e.created_at AT TIME ZONE 'Asia/Shanghai')::date, 'YYYY-MM-DD')"
            }
            _ => "date(e.created_at, '+8 hours')",
        };
        db.execute_unprepared(
            "UPDATE petitions SET concluded_on = answered_on WHERE status = 'answered'",
        )
        .await?;
        db.execute_unprepared(&format!(
            "UPDATE petitions SET concluded_on = (SELECT MAX({day_of}) FROM petition_events e \
             WHERE e.petition_id = petitions.id AND e.kind IN ('closed', 'declined', 'redirected')) \
             WHERE status IN ('closed', 'declined', 'redirected')"
        ))
        .await?;
        manager
            .create_table(
                Table::create()
                    .table("retention_schedules")
                    .if_not_exists()
                    .col(pk_auto("id"))
                    .col(text("body"))
                    .col(string_len("loaded_by", 200))
                    .col(timestamp_with_time_zone("loaded_at"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("petition_keys")
                    .if_not_exists()
                    .col(integer("petition_id"))
                    .col(string_len("key", 64))
                    .primary_key(Index::create().col("key").col("petition_id"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_petition_keys_petition")
                    .table("petition_keys")
                    .col("petition_id")
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("petition_links")
                    .if_not_exists()
                    .col(pk_auto("id"))
                    .col(integer("petition_id"))
                    .col(integer("other_id"))
                    // same_matter | merged_into
                    .col(string_len("kind", 20))
                    .col(text("reason"))
                    .col(string_len("linked_by", 200))
                    .col(timestamp_with_time_zone("linked_at"))
                    .to_owned(),
            )
            .await?;
        for (name, col) in [
            ("idx_petition_links_petition", "petition_id"),
            ("idx_petition_links_other", "other_id"),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table("petition_links")
                        .col(col)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in ["petition_links", "petition_keys", "retention_schedules"] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        manager
            .drop_index(
                Index::drop()
                    .name("idx_petitions_concluded_on")
                    .table("petitions")
                    .to_owned(),
            )
            .await?;
        for (table, column) in [
            ("petition_events", "body_salt"),
            ("evidence", "deleted_at"),
            ("petitions", "held_by"),
            ("petitions", "hold_reason"),
            ("petitions", "held_since"),
            ("petitions", "anonymised_at"),
            ("petitions", "concluded_on"),
        ] {
            manager
                .alter_table(Table::alter().table(table).drop_column(column).to_owned())
                .await?;
        }
        Ok(())
    }
}
