//! Petitions with their deadlines, public timeline and evidence; disclosed
//! cases and milestones; captcha challenges.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("petitions")
                    .if_not_exists()
                    .col(pk_auto("id"))
                    .col(string_len_uniq("tracking_number", 32))
                    // HMAC-SHA256 of the access code, hex; the code itself is never stored.
                    .col(string_len("access_code_hash", 64))
                    .col(string_len("kind", 16))
                    .col(integer("agency_id"))
                    .col(boolean("agency_chosen"))
                    .col(string_len("category", 32))
                    .col(string_len("subject", 255))
                    .col(string_len("title", 255))
                    .col(text("description"))
                    .col(text("desired_outcome"))
                    .col(string_len_null("related_case_number", 64))
                    .col(boolean("anonymous"))
                    .col(string_len_null("contact_name", 64))
                    .col(string_len_null("contact_email", 254))
                    .col(string_len_null("contact_phone", 32))
                    .col(string_len("lang", 8))
                    .col(string_len("status", 32))
                    .col(text_null("quarantine_reason"))
                    .col(integer("version").default(1))
                    .col(timestamp_with_time_zone("received_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .foreign_key(
                        ForeignKey::create()
                            .from("petitions", "agency_id")
                            .to("agencies", "id")
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("petitions_agency_status")
                    .table("petitions")
                    .col("agency_id")
                    .col("status")
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("petition_deadlines")
                    .if_not_exists()
                    .col(pk_auto("id"))
                    .col(integer("petition_id"))
                    .col(string_len("rule_id", 64))
                    .col(string_len("clock", 32))
                    // ISO date (YYYY-MM-DD) in China time; compares as text on both backends.
                    .col(string_len("due_on", 10))
                    .col(text("citation_zh"))
                    .col(text("citation_en"))
                    .col(string_len("status", 16))
                    .col(timestamp_with_time_zone("created_at"))
                    .foreign_key(
                        ForeignKey::create()
                            .from("petition_deadlines", "petition_id")
                            .to("petitions", "id")
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("petition_deadlines_petition")
                    .table("petition_deadlines")
                    .col("petition_id")
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
            .create_table(
                Table::create()
                    .table("petition_events")
                    .if_not_exists()
                    .col(big_pk_auto("id"))
                    .col(integer("petition_id"))
                    .col(string_len("kind", 32))
                    // Whether the petitioner sees it on the status page.
                    .col(boolean("public"))
                    // "petitioner", "system" or "staff:<id>".
                    .col(string_len("actor", 32))
                    .col(text("body"))
                    .col(timestamp_with_time_zone("created_at"))
                    .foreign_key(
                        ForeignKey::create()
                            .from("petition_events", "petition_id")
                            .to("petitions", "id")
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("petition_events_petition")
                    .table("petition_events")
                    .col("petition_id")
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("evidence")
                    .if_not_exists()
                    .col(pk_auto("id"))
                    .col(integer("petition_id"))
                    .col(big_integer_null("event_id"))
                    // SHA-256 of the stored (metadata-free) copy: its address under data/files/.
                    .col(string_len("sha256", 64))
                    .col(string_len("file_name", 255))
                    .col(string_len("mime", 64))
                    .col(big_integer("size"))
                    .col(boolean("metadata_removed"))
                    .col(timestamp_with_time_zone("created_at"))
                    .foreign_key(
                        ForeignKey::create()
                            .from("evidence", "petition_id")
                            .to("petitions", "id")
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("evidence_petition")
                    .table("evidence")
                    .col("petition_id")
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("cases")
                    .if_not_exists()
                    .col(pk_auto("id"))
                    .col(integer("agency_id"))
                    .col(string_len_uniq("case_number", 64))
                    .col(string_len("case_type", 32))
                    .col(string_len("title", 255))
                    .col(boolean("public"))
                    .col(text("public_summary"))
                    .col(string_len("query_code_hash", 64))
                    .col(string_len("stage", 32))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .foreign_key(
                        ForeignKey::create()
                            .from("cases", "agency_id")
                            .to("agencies", "id")
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("case_milestones")
                    .if_not_exists()
                    .col(pk_auto("id"))
                    .col(integer("case_id"))
                    .col(string_len("stage", 32))
                    .col(string_len("occurred_on", 10))
                    .col(text("note"))
                    .col(integer_null("recorded_by"))
                    .col(timestamp_with_time_zone("created_at"))
                    .foreign_key(
                        ForeignKey::create()
                            .from("case_milestones", "case_id")
                            .to("cases", "id")
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("case_milestones_case")
                    .table("case_milestones")
                    .col("case_id")
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("captchas")
                    .if_not_exists()
                    // A random token: the captcha's id in the form.
                    .col(string_len("id", 64).primary_key())
                    .col(string_len("form", 32))
                    .col(string_len("answer_hash", 64))
                    .col(string_len("question_answer_hash", 64))
                    .col(text("question_zh"))
                    .col(text("question_en"))
                    .col(blob("image_png"))
                    .col(big_integer("expires_at_ms"))
                    .col(boolean("used"))
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            "captchas",
            "case_milestones",
            "cases",
            "evidence",
            "petition_events",
            "petition_deadlines",
            "petitions",
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
