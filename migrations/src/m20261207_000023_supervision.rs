//! Oversight by exception and supervision orders (督办).
//!
//! - `petitions.acted_at`: when the agency last acted on the petition (a
//!   workflow step). `updated_at` moves with every write, the sweep's reminders
//!   and the petitioner's messages included, so it cannot tell a stalled
//!   petition (no act for N working days) from a busy one. Null until the
//!   first act after filing (filing is then the last act); rows older than
//!   this migration take their `updated_at`.
//! - `petition_events (kind, created_at)`: the exceptions list reads the
//!   returns, reversals, unsatisfied ratings and repeats of the last weeks as
//!   one range per kind, not every event since that day.
//! - `supervision_orders`: a 督办 a higher body issues to a lower one, on a
//!   petition or on the lower body's overdue backlog, with instructions and a
//!   reply date; the reply (督办回复), a withdrawal, and the escalation of an
//!   order left unanswered past its date to the level above its issuer.
//!   `version` guards concurrent replies and withdrawals. Days are ISO text,
//!   as every day column (`store::types::Day`).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("petitions")
                    .add_column(ColumnDef::new("acted_at").timestamp_with_time_zone().null())
                    .to_owned(),
            )
            .await?;
        manager
            .get_connection()
            .execute_unprepared("UPDATE petitions SET acted_at = updated_at")
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("petition_events_kind_created")
                    .table("petition_events")
                    .col("kind")
                    .col("created_at")
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("supervision_orders")
                    .if_not_exists()
                    .col(pk_auto("id"))
                    .col(integer("issuing_agency_id"))
                    .col(integer("issued_by"))
                    .col(integer("target_agency_id"))
                    .col(integer_null("petition_id"))
                    .col(text("instructions"))
                    .col(string_len("reply_by", 10))
                    .col(string_len("status", 16))
                    .col(timestamp_with_time_zone("issued_at"))
                    .col(text_null("reply_text"))
                    .col(integer_null("replied_by"))
                    .col(timestamp_with_time_zone_null("replied_at"))
                    .col(string_len_null("replied_on", 10))
                    .col(integer_null("withdrawn_by"))
                    .col(timestamp_with_time_zone_null("withdrawn_at"))
                    .col(text_null("withdraw_reason"))
                    .col(timestamp_with_time_zone_null("escalated_at"))
                    .col(integer_null("escalated_to"))
                    .col(integer("version"))
                    .to_owned(),
            )
            .await?;
        for (name, cols) in [
            // The lower body's queue: its open orders, the nearest date first.
            (
                "supervision_orders_target",
                &["target_agency_id", "status", "reply_by"][..],
            ),
            (
                "supervision_orders_issuer",
                &["issuing_agency_id", "status"][..],
            ),
            ("supervision_orders_petition", &["petition_id"][..]),
            // The sweep: open orders past their date.
            ("supervision_orders_due", &["status", "reply_by"][..]),
        ] {
            let mut index = Index::create();
            index.name(name).table("supervision_orders");
            for c in cols {
                index.col(Alias::new(*c));
            }
            manager.create_index(index.to_owned()).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("supervision_orders").to_owned())
            .await?;
        manager
            .drop_index(
                Index::drop()
                    .name("petition_events_kind_created")
                    .table("petition_events")
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table("petitions")
                    .drop_column("acted_at")
                    .to_owned(),
            )
            .await?;
        Ok(())
    }
}
