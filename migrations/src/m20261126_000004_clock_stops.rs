//! Clock stops (中止计时): since when a petition's clock is stopped; and the
//! index behind each handler's "mine" queue.

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
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
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
