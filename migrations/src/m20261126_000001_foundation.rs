//! Agencies, staff, versioned procedures and the job outbox.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("agencies")
                    .if_not_exists()
                    .col(pk_auto("id"))
                    .col(string_len_uniq("code", 64))
                    .col(string_len("agency_type", 32))
                    .col(string_len("level", 16))
                    .col(integer_null("parent_id"))
                    .col(string("name_zh"))
                    .col(string("name_en"))
                    .col(string_len("region_zh", 128))
                    .col(string_len("region_en", 128))
                    .foreign_key(
                        ForeignKey::create()
                            .from("agencies", "parent_id")
                            .to("agencies", "id")
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("agencies_parent")
                    .table("agencies")
                    .col("parent_id")
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("staff")
                    .if_not_exists()
                    .col(pk_auto("id"))
                    .col(string_len_uniq("email", 254))
                    .col(string_len("name", 128))
                    .col(string_len("role", 32))
                    .col(integer("agency_id"))
                    .col(string("password_hash"))
                    .col(boolean("active").default(true))
                    .col(timestamp_with_time_zone("created_at"))
                    .foreign_key(
                        ForeignKey::create()
                            .from("staff", "agency_id")
                            .to("agencies", "id")
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("procedures")
                    .if_not_exists()
                    .col(pk_auto("id"))
                    .col(integer("agency_id"))
                    .col(string_len("agency_type", 32))
                    .col(string_len("category", 32))
                    .col(string_len("status", 16))
                    .col(integer("current_version"))
                    // Denormalised from the current version so the list page is one indexed query.
                    .col(string("title_zh"))
                    .col(string("title_en"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .foreign_key(
                        ForeignKey::create()
                            .from("procedures", "agency_id")
                            .to("agencies", "id")
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("procedures_listing")
                    .table("procedures")
                    .col("status")
                    .col("agency_type")
                    .col("category")
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("procedures_agency")
                    .table("procedures")
                    .col("agency_id")
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("procedure_versions")
                    .if_not_exists()
                    .col(pk_auto("id"))
                    .col(integer("procedure_id"))
                    .col(integer("version"))
                    .col(string("title_zh"))
                    .col(string("title_en"))
                    .col(text("summary_zh"))
                    .col(text("summary_en"))
                    .col(json("legal_basis"))
                    .col(json("steps"))
                    .col(text("time_limit"))
                    .col(json("materials"))
                    .col(text("fees"))
                    .col(text("appeal"))
                    .col(text("change_note"))
                    .col(integer_null("author_id"))
                    .col(timestamp_with_time_zone("created_at"))
                    .foreign_key(
                        ForeignKey::create()
                            .from("procedure_versions", "procedure_id")
                            .to("procedures", "id")
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from("procedure_versions", "author_id")
                            .to("staff", "id")
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("procedure_versions_unique")
                    .table("procedure_versions")
                    .col("procedure_id")
                    .col("version")
                    .unique()
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("jobs")
                    .if_not_exists()
                    .col(big_pk_auto("id"))
                    .col(string_len("kind", 64))
                    .col(json("payload"))
                    // Optional key that makes enqueueing idempotent (e.g. "mail:ack:TN").
                    .col(string_len_null("dedupe_key", 191).unique_key())
                    .col(string_len("status", 16))
                    .col(integer("attempts").default(0))
                    // Milliseconds since the epoch: compared in SQL on both backends.
                    .col(big_integer("run_at_ms"))
                    .col(big_integer_null("locked_until_ms"))
                    .col(text_null("last_error"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone_null("finished_at"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("jobs_due")
                    .table("jobs")
                    .col("status")
                    .col("run_at_ms")
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            "jobs",
            "procedure_versions",
            "procedures",
            "staff",
            "agencies",
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
