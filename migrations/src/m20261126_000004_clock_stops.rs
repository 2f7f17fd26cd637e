//! Clock stops (中止计时): since when a petition's clock is stopped; and the
//! indexes behind the staff queues.

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
                    .add_column(string_len_null("clock_stopped_on", 10))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("petitions_handler")
                    .table("petitions")
                    .col("handler_id")
                    .col("status")
                    .to_owned(),
            )
            .await?;
        // The queues ask, per petition, "has it an open deadline before D?": one probe of
        // this index. The (status, due_on) index made SQLite's planner scan every overdue
        // deadline for every petition instead (over a minute per queue page at 100,000
        // petitions), so it goes; the sweep reads all open deadlines anyway.
        manager
            .drop_index(
                Index::drop()
                    .name("petition_deadlines_due")
                    .table("petition_deadlines")
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("petition_deadlines_open")
                    .table("petition_deadlines")
                    .col("petition_id")
                    .col("status")
                    .col("due_on")
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("petition_deadlines_open")
                    .table("petition_deadlines")
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("petition_deadlines_due")
                    .table("petition_deadlines")
                    .col("status")
                    .col("due_on")
                    .to_owned(),
            )
            .await?;
        manager
            .drop_index(
                Index::drop()
                    .name("petitions_handler")
                    .table("petitions")
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table("petitions")
                    .drop_column("clock_stopped_on")
                    .to_owned(),
            )
            .await
    }
}
