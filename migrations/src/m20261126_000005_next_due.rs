//! Each petition's nearest open deadline, kept on the petition itself so that a
//! staff queue ("overdue", "due within 3 days", "mine") is one ordered range of
//! an index instead of a probe into the deadlines for every petition of the agency.
//!
//! The database keeps it: a trigger on `petition_deadlines` recomputes it for the
//! petition whose deadline was inserted or changed, so no code path (the workflow,
//! the bench seeder, an operator's SQL) can leave it stale. When no clock runs it is
//! `9999-12-31` rather than NULL: both backends then sort it last and the index
//! serves `ORDER BY next_due_on` (SQLite sorts NULL first, PostgreSQL last).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

const RECOMPUTE: &str = "COALESCE((SELECT MIN(d.due_on) FROM petition_deadlines d \
     WHERE d.petition_id = NEW.petition_id AND d.status = 'open'), '9999-12-31')";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("petitions")
                    .add_column(string_len("next_due_on", 10).default("9999-12-31"))
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        db.execute_unprepared(
            "UPDATE petitions SET next_due_on = COALESCE((SELECT MIN(d.due_on) \
             FROM petition_deadlines d WHERE d.petition_id = petitions.id AND d.status = 'open'), \
             '9999-12-31')",
        )
        .await?;
        match manager.get_database_backend() {
            sea_orm::DatabaseBackend::Postgres => {
                db.execute_unprepared(&format!(
                    "CREATE OR REPLACE FUNCTION petitions_next_due() RETURNS trigger AS $$ \
                     BEGIN UPDATE petitions SET next_due_on = {RECOMPUTE} \
                     WHERE id = NEW.petition_id; RETURN NULL; END $$ LANGUAGE plpgsql"
                ))
                .await?;
                db.execute_unprepared(
                    "CREATE TRIGGER petitions_next_due AFTER INSERT OR UPDATE ON petition_deadlines \
                     FOR EACH ROW EXECUTE FUNCTION petitions_next_due()",
                )
                .await?;
            }
            _ => {
                for event in ["INSERT", "UPDATE"] {
                    db.execute_unprepared(&format!(
                        "CREATE TRIGGER petitions_next_due_{} AFTER {event} ON petition_deadlines \
                         BEGIN UPDATE petitions SET next_due_on = {RECOMPUTE} \
                         WHERE id = NEW.petition_id; END",
                        event.to_lowercase()
                    ))
                    .await?;
                }
            }
        }
        for (name, first) in [
            ("petitions_agency_due", "agency_id"),
            ("petitions_handler_due", "handler_id"),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table("petitions")
                        .col(first)
                        .col("next_due_on")
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        match manager.get_database_backend() {
            sea_orm::DatabaseBackend::Postgres => {
                db.execute_unprepared(
                    "DROP TRIGGER IF EXISTS petitions_next_due ON petition_deadlines",
                )
                .await?;
                db.execute_unprepared("DROP FUNCTION IF EXISTS petitions_next_due()")
                    .await?;
            }
            _ => {
                db.execute_unprepared("DROP TRIGGER IF EXISTS petitions_next_due_insert")
                    .await?;
                db.execute_unprepared("DROP TRIGGER IF EXISTS petitions_next_due_update")
                    .await?;
            }
        }
        for name in ["petitions_agency_due", "petitions_handler_due"] {
            manager
                .drop_index(Index::drop().name(name).table("petitions").to_owned())
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table("petitions")
                    .drop_column("next_due_on")
                    .to_owned(),
            )
            .await
    }
}
