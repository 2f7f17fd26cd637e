//! The agency contact directory (联系方式), as data: each agency's address of
//! its petition reception office, its hours and its telephone, in both
//! languages where they are words. Empty until an operator loads them
//! (`mingjing agencies contacts FILE`) or the demo seeds them.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

const COLUMNS: [(&str, u32); 5] = [
    ("address_zh", 200),
    ("address_en", 300),
    ("hours_zh", 200),
    ("hours_en", 300),
    ("phone", 40),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite's ALTER TABLE adds one at a time.
        for (name, len) in COLUMNS {
            manager
                .alter_table(
                    Table::alter()
                        .table("agencies")
                        .add_column(string_len(name, len).default("").to_owned())
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (name, _) in COLUMNS.iter().rev() {
            manager
                .alter_table(
                    Table::alter()
                        .table("agencies")
                        .drop_column(*name)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
