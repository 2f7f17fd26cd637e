//! Petitions registered by staff on a petitioner's behalf (来访, 来信, 来电).
//!
//! - `petitions.channel`: how it arrived — `online` (the site, the API, an
//!   Open311 partner), `counter` (来访), `letter` (来信) or `phone` (来电).
//!   The rows that exist arrived online.
//! - `petitions.registered_by`: the staff member who registered it (none for
//!   those the petitioner filed), so the register names the clerk (谁执法、谁负责).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite's ALTER TABLE adds one at a time.
        for mut column in [
            string_len("channel", 16).default("online").to_owned(),
            integer_null("registered_by").to_owned(),
        ] {
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
        for column in ["registered_by", "channel"] {
            manager
                .alter_table(
                    Table::alter()
                        .table("petitions")
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
