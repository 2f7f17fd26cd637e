//! The evaluation reads the met deadlines that fell due on a day (a clock
//! counts in the month it fell due): the nightly recount of one day and the
//! month-by-month rebuild. Without an index on (status, due_on) each read
//! scanned every deadline ever written.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const NAME: &str = "petition_deadlines_status_due";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(
                Index::create()
                    .name(NAME)
                    .table(Alias::new("petition_deadlines"))
                    .col(Alias::new("status"))
                    .col(Alias::new("due_on"))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name(NAME)
                    .table(Alias::new("petition_deadlines"))
                    .to_owned(),
            )
            .await
    }
}
