//! The workflow's columns on petitions, the staff API tokens, and the
//! append-only, hash-chained audit log (UPDATE and DELETE refused by the database).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for col in [
            string_len("round", 16).default("original").to_owned(),
            integer_null("handler_id").to_owned(),
            integer_null("draft_author_id").to_owned(),
            boolean("extension_used").default(false).to_owned(),
            boolean("extension_pending").default(false).to_owned(),
            integer("extension_days").default(0).to_owned(),
            string_len_null("rating", 32).to_owned(),
            string_len_null("answered_on", 10).to_owned(),
            text_null("draft_text").to_owned(),
            text_null("answer_text").to_owned(),
        ] {
            manager
                .alter_table(Table::alter().table("petitions").add_column(col).to_owned())
                .await?;
        }
        manager
            .create_table(
                Table::create()
                    .table("audit_log")
                    .if_not_exists()
                    .col(big_integer("id").primary_key())
                    .col(string_len("at", 40))
                    .col(string_len("actor", 64))
                    .col(string_len("action", 64))
                    .col(string_len("subject", 64))
                    .col(text("before"))
                    .col(text("after"))
                    .col(string_len("prev_hash", 64))
                    .col(string_len("hash", 64))
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        match manager.get_database_backend() {
            sea_orm::DatabaseBackend::Postgres => {
                db.execute_unprepared(
                    "CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger AS $$ \
                     BEGIN RAISE EXCEPTION 'audit_log is append-only'; END $$ LANGUAGE plpgsql",
                )
                .await?;
                db.execute_unprepared(
                    "CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log \
                     FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()",
                )
                .await?;
            }
            _ => {
                db.execute_unprepared("CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END")
                    .await?;
                db.execute_unprepared("CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END")
                    .await?;
            }
        }
        manager
            .create_table(
                Table::create()
                    .table("staff_tokens")
                    .if_not_exists()
                    // SHA-256 of the bearer token; the token itself is never stored.
                    .col(string_len("token_hash", 64).primary_key())
                    .col(integer("staff_id"))
                    .col(big_integer("expires_at_ms"))
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("staff_tokens").to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table("audit_log").to_owned())
            .await?;
        Ok(())
    }
}
