//! `petitions.next_due_on` recomputed once per statement on PostgreSQL.
//!
//! The trigger of migrations 5 and 9 ran once per deadline row: a petition
//! filed with three deadlines (one `INSERT` of three rows) rewrote its
//! petition row three times in the filing transaction — three new row
//! versions of a row holding a 1 KB description, and, `next_due_on` being
//! indexed, three rounds of index maintenance. Under load on PostgreSQL that
//! was the largest part of a submission's database time. A statement-level
//! trigger with a transition table updates each touched petition once, and
//! not at all when the date did not change.
//!
//! SQLite has only row-level triggers; there the update is in-process and
//! stays as it was, guarded the same way against writing an unchanged date.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const RECOMPUTE: &str = "COALESCE((SELECT MIN(d.due_on) FROM petition_deadlines d \
     WHERE d.petition_id = p.id AND d.status = 'open' AND d.clock <> 'review_request'), '9999-12-31')";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        match manager.get_database_backend() {
            sea_orm::DatabaseBackend::Postgres => {
                db.execute_unprepared(&format!(
                    "CREATE OR REPLACE FUNCTION petitions_next_due_of_changed() RETURNS trigger AS $$ \
                     BEGIN UPDATE petitions p SET next_due_on = {RECOMPUTE} \
                     WHERE p.id IN (SELECT DISTINCT petition_id FROM changed) \
                     AND p.next_due_on IS DISTINCT FROM {RECOMPUTE}; RETURN NULL; END $$ LANGUAGE plpgsql"
                ))
                .await?;
                db.execute_unprepared(
                    "DROP TRIGGER IF EXISTS petitions_next_due ON petition_deadlines",
                )
                .await?;
                // A trigger with a transition table takes one event only.
                for event in ["INSERT", "UPDATE"] {
                    db.execute_unprepared(&format!(
                        "CREATE TRIGGER petitions_next_due_{} AFTER {event} ON petition_deadlines \
                         REFERENCING NEW TABLE AS changed FOR EACH STATEMENT \
                         EXECUTE FUNCTION petitions_next_due_of_changed()",
                        event.to_lowercase()
                    ))
                    .await?;
                }
            }
            _ => {
                for event in ["insert", "update"] {
                    db.execute_unprepared(&format!(
                        "DROP TRIGGER IF EXISTS petitions_next_agency_due_{event}"
                    ))
                    .await?;
                }
                let recompute = RECOMPUTE.replace("p.id", "NEW.petition_id");
                for event in ["INSERT", "UPDATE"] {
                    db.execute_unprepared(&format!(
                        "CREATE TRIGGER petitions_next_due_guarded_{} AFTER {event} ON petition_deadlines \
                         BEGIN UPDATE petitions SET next_due_on = {recompute} \
                         WHERE id = NEW.petition_id AND next_due_on IS NOT {recompute}; END",
                        event.to_lowercase()
                    ))
                    .await?;
                }
            }
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        match manager.get_database_backend() {
            sea_orm::DatabaseBackend::Postgres => {
                for event in ["insert", "update"] {
                    db.execute_unprepared(&format!(
                        "DROP TRIGGER IF EXISTS petitions_next_due_{event} ON petition_deadlines"
                    ))
                    .await?;
                }
                // petitions_next_due() of migration 9 is still defined.
                db.execute_unprepared(
                    "CREATE TRIGGER petitions_next_due AFTER INSERT OR UPDATE ON petition_deadlines \
                     FOR EACH ROW EXECUTE FUNCTION petitions_next_due()",
                )
                .await?;
            }
            _ => {
                for event in ["insert", "update"] {
                    db.execute_unprepared(&format!(
                        "DROP TRIGGER IF EXISTS petitions_next_due_guarded_{event}"
                    ))
                    .await?;
                }
                let recompute = RECOMPUTE.replace("p.id", "NEW.petition_id");
                for event in ["INSERT", "UPDATE"] {
                    db.execute_unprepared(&format!(
                        "CREATE TRIGGER petitions_next_agency_due_{} AFTER {event} ON petition_deadlines \
                         BEGIN UPDATE petitions SET next_due_on = {recompute} \
                         WHERE id = NEW.petition_id; END",
                        event.to_lowercase()
                    ))
                    .await?;
                }
            }
        }
        Ok(())
    }
}
