//! `petitions.next_due_on` on a deadline's insert is written by the store,
//! in the inserting transaction; the triggers keep it on updates only.
//!
//! A new petition is written with its nearest deadline already in its row
//! (`domain::clock::next_agency_due`), so the insert trigger had nothing to
//! change on a filing — yet on PostgreSQL its statement-level form (a
//! transition table and a PL/pgSQL call) was a fifth of the filing
//! statement's time, about 0.15 ms of PostgreSQL's CPU per submission. The
//! other writers that insert open deadlines (a workflow step that starts a
//! clock, the bench seeder) recompute the date with
//! `store::petitions::refresh_next_due` in the same transaction. Updates of a
//! deadline (met, replaced, moved by an extension or a calendar change) still
//! go through the trigger, so SQL that changes a deadline keeps the date
//! true; SQL that inserts an open deadline by hand must run that recompute
//! (README, Performance: the handling bench).
//!
//! Both backends drop their insert trigger, so the rule is the same on each
//! and the suite on SQLite catches a writer that forgets the recompute.

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
                db.execute_unprepared(
                    "DROP TRIGGER IF EXISTS petitions_next_due_insert ON petition_deadlines",
                )
                .await?;
            }
            _ => {
                db.execute_unprepared("DROP TRIGGER IF EXISTS petitions_next_due_guarded_insert")
                    .await?;
            }
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        match manager.get_database_backend() {
            sea_orm::DatabaseBackend::Postgres => {
                // petitions_next_due_of_changed() of migration 15 is still defined.
                db.execute_unprepared(
                    "CREATE TRIGGER petitions_next_due_insert AFTER INSERT ON petition_deadlines \
                     REFERENCING NEW TABLE AS changed FOR EACH STATEMENT \
                     EXECUTE FUNCTION petitions_next_due_of_changed()",
                )
                .await?;
            }
            _ => {
                db.execute_unprepared(&format!(
                    "CREATE TRIGGER petitions_next_due_guarded_insert AFTER INSERT ON petition_deadlines \
                     BEGIN UPDATE petitions SET next_due_on = {RECOMPUTE} \
                     WHERE id = NEW.petition_id AND next_due_on IS NOT {RECOMPUTE}; END"
                ))
                .await?;
            }
        }
        Ok(())
    }
}
