//! Supervision and evaluation (执法监督, 考评): what the record must say so that
//! every figure can be computed from it, and the roll-ups that keep pages off
//! the raw tables.
//!
//! - Each timeline event names the agency it happened at and the officer it
//!   counts for (谁执法、谁负责: the handler of the petition, or the acting staff
//!   member when none is assigned), the other agency and officer it concerns
//!   (a transfer's target; the agency and handler whose answer a review
//!   decides), the round, and a detail (a rating, a review's outcome).
//! - Each deadline names its agency, round, responsible officer and the day it
//!   was closed, so on-time rates and days used are counted from it.
//! - A petition under review remembers whose answer is reviewed.
//! - `rollup_days` (agency × officer × day × kind × category × metric) and
//!   `rollup_months` (agency × officer × month × kind × metric) hold counts;
//!   officer 0 is the agency's own row. `mingjing rollup --rebuild` recomputes
//!   both from the record.
//! - `bulletins`: the monthly 执法情况通报 of each agency, once per month.
//!
//! Rows written before this migration get the agency and round their petition
//! has now; their officer and closing day are not known (they count in no
//! officer's figures and in no on-time rate).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

async fn add(manager: &SchemaManager<'_>, table: &str, mut column: ColumnDef) -> Result<(), DbErr> {
    manager
        .alter_table(
            Table::alter()
                .table(table.to_owned())
                .add_column(&mut column)
                .to_owned(),
        )
        .await
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [
            integer_null("agency_id"),
            integer_null("officer_id"),
            integer_null("other_agency_id"),
            integer_null("other_officer_id"),
            string_len_null("round", 16),
            string_len_null("detail", 32),
        ] {
            add(manager, "petition_events", column).await?;
        }
        for column in [
            integer_null("agency_id"),
            integer_null("officer_id"),
            string_len_null("round", 16),
            string_len_null("closed_on", 10),
        ] {
            add(manager, "petition_deadlines", column).await?;
        }
        for column in [
            integer_null("reviewed_agency_id"),
            integer_null("reviewed_handler_id"),
            string_len_null("review_outcome", 16),
        ] {
            add(manager, "petitions", column).await?;
        }
        let db = manager.get_connection();
        db.execute_unprepared(
            "UPDATE petition_events SET \
             agency_id = (SELECT p.agency_id FROM petitions p WHERE p.id = petition_events.petition_id), \
             round = (SELECT p.round FROM petitions p WHERE p.id = petition_events.petition_id)",
        )
        .await?;
        db.execute_unprepared(
            "UPDATE petition_deadlines SET \
             agency_id = (SELECT p.agency_id FROM petitions p WHERE p.id = petition_deadlines.petition_id), \
             round = (SELECT p.round FROM petitions p WHERE p.id = petition_deadlines.petition_id)",
        )
        .await?;
        for (name, table, cols) in [
            // Live overdue and due-soon counts per agency.
            (
                "petition_deadlines_agency_due",
                "petition_deadlines",
                &["agency_id", "status", "due_on"][..],
            ),
            // Rebuilding one day reads that day's events.
            (
                "petition_events_created",
                "petition_events",
                &["created_at"][..],
            ),
            // An officer's record: their acts of a period, newest first, and
            // how many (counted from the index alone).
            ("audit_log_actor", "audit_log", &["actor", "at", "id"][..]),
            // Stage counts per agency.
            (
                "petitions_agency_stage",
                "petitions",
                &["agency_id", "status", "extension_pending"][..],
            ),
        ] {
            let mut index = Index::create();
            index.name(name).table(table.to_owned());
            for c in cols {
                index.col(Alias::new(*c));
            }
            manager.create_index(index.to_owned()).await?;
        }
        manager
            .create_table(
                Table::create()
                    .table("rollup_days")
                    .if_not_exists()
                    .col(integer("agency_id"))
                    .col(integer("staff_id"))
                    .col(string_len("day", 10))
                    .col(string_len("kind", 16))
                    .col(string_len("category", 32))
                    .col(string_len("metric", 64))
                    .col(big_integer("value"))
                    // Day first: a day's or a month's rows are one range (the
                    // nightly recount, the rebuild, which writes month after
                    // month in key order and so appends).
                    .primary_key(
                        Index::create()
                            .col("day")
                            .col("agency_id")
                            .col("staff_id")
                            .col("kind")
                            .col("category")
                            .col("metric"),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("rollup_months")
                    .if_not_exists()
                    .col(integer("agency_id"))
                    .col(integer("staff_id"))
                    .col(string_len("month", 7))
                    .col(string_len("kind", 16))
                    .col(string_len("metric", 64))
                    .col(big_integer("value"))
                    .primary_key(
                        Index::create()
                            .col("agency_id")
                            .col("staff_id")
                            .col("month")
                            .col("kind")
                            .col("metric"),
                    )
                    .to_owned(),
            )
            .await?;
        // An officer's figures across agencies (a transfer of post keeps their record).
        manager
            .create_index(
                Index::create()
                    .name("rollup_months_staff")
                    .table("rollup_months")
                    .col("staff_id")
                    .col("month")
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("bulletins")
                    .if_not_exists()
                    .col(pk_auto("id"))
                    .col(integer("agency_id"))
                    .col(string_len("month", 7))
                    .col(json("body"))
                    .col(timestamp_with_time_zone("generated_at"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("bulletins_agency_month")
                    .table("bulletins")
                    .col("agency_id")
                    .col("month")
                    .unique()
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in ["bulletins", "rollup_months", "rollup_days"] {
            manager
                .drop_table(Table::drop().table(table.to_owned()).to_owned())
                .await?;
        }
        for (name, table) in [
            ("petition_deadlines_agency_due", "petition_deadlines"),
            ("petition_events_created", "petition_events"),
            ("audit_log_actor", "audit_log"),
            ("petitions_agency_stage", "petitions"),
        ] {
            manager
                .drop_index(Index::drop().name(name).table(table.to_owned()).to_owned())
                .await?;
        }
        for (table, columns) in [
            (
                "petition_events",
                &[
                    "agency_id",
                    "officer_id",
                    "other_agency_id",
                    "other_officer_id",
                    "round",
                    "detail",
                ][..],
            ),
            (
                "petition_deadlines",
                &["agency_id", "officer_id", "round", "closed_on"][..],
            ),
            (
                "petitions",
                &[
                    "reviewed_agency_id",
                    "reviewed_handler_id",
                    "review_outcome",
                ][..],
            ),
        ] {
            for c in columns {
                manager
                    .alter_table(
                        Table::alter()
                            .table(table.to_owned())
                            .drop_column(Alias::new(*c))
                            .to_owned(),
                    )
                    .await?;
            }
        }
        Ok(())
    }
}
