//! A petition's nearest deadline (`next_due_on`, which the queues and the
//! oversight counts read) is the nearest *agency* deadline: the petitioner's
//! 30 days to ask for a review (`review_request`) is their time, not a time
//! limit of the agency, so an answered petition is never "overdue" once that
//! window has passed. The trigger of migration 5 is replaced and every row recomputed.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const RECOMPUTE: &str = "COALESCE((SELECT MIN(d.due_on) FROM petition_deadlines d \
     WHERE d.petition_id = NEW.petition_id AND d.status = 'open' AND d.clock <> 'review_request'), '9999-12-31')";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        match manager.get_database_backend() {
            sea_orm::DatabaseBackend::Postgres => {
                db.execute_unprepared(&format!(
                    "CREATE OR REPLACE FUNCTION petitions_next_due() RETURNS trigger AS $$ \
                     BEGIN UPDATE petitions SET next_due_on = {RECOMPUTE} \
                     WHERE id = NEW.petition_id; RETURN NULL; END $$ LANGUAGE plpgsql"
                ))
                .await?;
            }
            _ => {
                for event in ["insert", "update"] {
                    db.execute_unprepared(&format!(
                        "DROP TRIGGER IF EXISTS petitions_next_due_{event}"
                    ))
                    .await?;
                }
                // New names: SQLite keeps a dropped trigger's name in the open
                // transaction's schema cache, so the old names cannot be reused here.
                for event in ["INSERT", "UPDATE"] {
                    db.execute_unprepared(&format!(
                        "CREATE TRIGGER petitions_next_agency_due_{} AFTER {event} ON petition_deadlines \
                         BEGIN UPDATE petitions SET next_due_on = {RECOMPUTE} \
                         WHERE id = NEW.petition_id; END",
                        event.to_lowercase()
                    ))
                    .await?;
                }
            }
        }
        db.execute_unprepared(
            "UPDATE petitions SET next_due_on = COALESCE((SELECT MIN(d.due_on) \
             FROM petition_deadlines d WHERE d.petition_id = petitions.id AND d.status = 'open' \
             AND d.clock <> 'review_request'), '9999-12-31')",
        )
        .await?;
        Ok(())
    }

    async fn down(&self, _manager: &SchemaManager) -> Result<(), DbErr> {
        // The trigger of migration 5 is restored by running its up() again; nothing to undo here
        // that the data depends on.
        Ok(())
    }
}
