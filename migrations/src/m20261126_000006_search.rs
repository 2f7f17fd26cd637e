//! Search: the outbox the indexer drains, and published answers (答复公开) — the
//! redacted title and answer a supervisor approved for publication.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("search_outbox")
                    .if_not_exists()
                    .col(big_pk_auto("id"))
                    .col(string_len("index_name", 32))
                    .col(string_len("doc_id", 64))
                    .col(timestamp_with_time_zone("created_at"))
                    .to_owned(),
            )
            .await?;
        // One column per statement: SQLite alters one thing at a time.
        for column in [
            string_len_null("public_title", 200),
            text_null("public_answer"),
            timestamp_with_time_zone_null("answer_published_at"),
        ] {
            let mut column = column;
            manager
                .alter_table(
                    Table::alter()
                        .table("petitions")
                        .add_column(&mut column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in ["public_title", "public_answer", "answer_published_at"] {
            manager
                .alter_table(
                    Table::alter()
                        .table("petitions")
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .drop_table(Table::drop().table("search_outbox").to_owned())
            .await
    }
}
