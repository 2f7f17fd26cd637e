//! The holiday calendar as data an operator extends (`calendar_years`: one row
//! per year loaded, with the notice it follows and who loaded it), and what a
//! deadline needs to be counted again when a year's holidays become known:
//! the day its period started, the days it was moved by since, and the last
//! year of the calendar it was counted on (a deadline past that year is
//! provisional).
//!
//! Deadlines written before this migration were counted on the shipped
//! calendar, whose last year was 2026; their start is the China date of their
//! row (every deadline starts on the day it is written). Moves made before
//! this migration are not known (they stay in the date already given, which
//! never moves earlier).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The shipped calendar's last year when the deadlines so far were counted.
const CALENDAR_YEAR_BEFORE: i32 = 2026;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("calendar_years")
                    .if_not_exists()
                    .col(integer("year").primary_key())
                    .col(string_len("notice", 200))
                    .col(string_len("notice_date", 10))
                    // The year as checked: holidays, make-up days and names.
                    .col(json("days"))
                    .col(string_len("loaded_by", 200))
                    .col(timestamp_with_time_zone("loaded_at"))
                    .to_owned(),
            )
            .await?;
        for mut column in [
            string_len_null("started_on", 10),
            json("moved_by").default("[]").to_owned(),
            integer("calendar_year")
                .default(CALENDAR_YEAR_BEFORE)
                .to_owned(),
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table("petition_deadlines")
                        .add_column(&mut column)
                        .to_owned(),
                )
                .await?;
        }
        let db = manager.get_connection();
        match manager.get_database_backend() {
            sea_orm::DatabaseBackend::Postgres => {
                db.execute_unprepared(
                    "UPDATE petition_deadlines SET started_on = \
                     to_char(created_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD')",
                )
                .await?;
            }
            _ => {
                db.execute_unprepared(
                    "UPDATE petition_deadlines SET started_on = date(created_at, '+8 hours')",
                )
                .await?;
            }
        }
        // Recounting looks for open deadlines counted on an older calendar.
        manager
            .create_index(
                Index::create()
                    .name("petition_deadlines_calendar")
                    .table("petition_deadlines")
                    .col("status")
                    .col("calendar_year")
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("petition_deadlines_calendar")
                    .table("petition_deadlines")
                    .to_owned(),
            )
            .await?;
        for column in ["started_on", "moved_by", "calendar_year"] {
            manager
                .alter_table(
                    Table::alter()
                        .table("petition_deadlines")
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .drop_table(Table::drop().table("calendar_years").to_owned())
            .await
    }
}
