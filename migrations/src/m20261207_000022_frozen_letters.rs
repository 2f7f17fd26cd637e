//! Issued letters are frozen (`domain::letter`): a letter's facts are kept
//! as they were when the answer was issued, and each copy's PDF bytes are
//! kept once drawn, so no later review, transfer, staff change, template
//! change or upgrade alters a letter or its verification.
//!
//! - `issued_letters`: one row per answer issued (the first answer, a
//!   review's, a re-review's), with the frozen facts as JSON and the event
//!   that issued it. `anonymised_on`: when retention blanked its personal data.
//! - `letters` (one row per drawn copy, by verification code) gains the
//!   letter it is a copy of, its PDF bytes (kept in the database beside the
//!   record: a letter is tens of kilobytes, and every node must serve the
//!   same bytes), and when retention removed those bytes. One copy per
//!   letter and language: a second node drawing the same first copy at the
//!   same moment loses on the unique index and serves the winner's (a copy
//!   whose bytes retention removed is out of that index).
//!
//! Letters drawn before this migration keep their records and verify as
//! before; their bytes were not kept, so their petitions' letters are
//! frozen from the record at first use after the upgrade (`app::letters`).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("issued_letters")
                    .if_not_exists()
                    .col(pk_auto("id"))
                    .col(integer("petition_id"))
                    .col(string_len("kind", 16))
                    .col(integer("agency_id"))
                    .col(big_integer_null("event_id"))
                    .col(date("issued_on"))
                    .col(text("facts"))
                    .col(date_null("anonymised_on"))
                    .col(timestamp_with_time_zone("created_at"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_issued_letters_petition")
                    .table("issued_letters")
                    .col("petition_id")
                    .to_owned(),
            )
            .await?;
        for col in [
            ColumnDef::new("letter_id").integer().null().to_owned(),
            ColumnDef::new("pdf").blob().null().to_owned(),
            ColumnDef::new("anonymised_on").date().null().to_owned(),
        ] {
            manager
                .alter_table(Table::alter().table("letters").add_column(col).to_owned())
                .await?;
        }
        // Partial (both backends have them): a copy whose bytes retention
        // removed leaves room for the anonymised copy drawn after it.
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE UNIQUE INDEX IF NOT EXISTS idx_letters_copy ON letters (letter_id, lang) \
                 WHERE anonymised_on IS NULL",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("idx_letters_copy")
                    .table("letters")
                    .to_owned(),
            )
            .await?;
        for col in ["letter_id", "pdf", "anonymised_on"] {
            manager
                .alter_table(Table::alter().table("letters").drop_column(col).to_owned())
                .await?;
        }
        manager
            .drop_table(Table::drop().table("issued_letters").to_owned())
            .await
    }
}
