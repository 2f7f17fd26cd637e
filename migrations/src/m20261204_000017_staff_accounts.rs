//! Staff accounts an administrator can run safely.
//!
//! - `staff_sessions`: server-side sessions. The browser holds a random token
//!   (in the encrypted session cookie); the row, keyed by the token's SHA-256,
//!   says whose it is, until when, whether its second factor was passed, and
//!   whether it was revoked (logout, password change, deactivation, an
//!   administrator) — on every node at once, since every node reads the row.
//! - `staff`: the TOTP key (sealed with a key derived from the installation
//!   secret), when it was enrolled, the last time step used (a code is
//!   accepted once), when the password last changed, who deactivated it.
//! - `staff_recovery_codes`: one-time codes for a lost second factor (keyed hashes).
//! - `password_resets`: one-time reset links (SHA-256 of the token), by expiry.
//! - `backoff_counters`: failed logins per account and client, with the time
//!   until which the next attempt waits (exponential backoff), by keyed hash.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("staff_sessions")
                    .if_not_exists()
                    .col(string_len("id", 64).primary_key())
                    .col(integer("staff_id"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("last_seen_at"))
                    .col(timestamp_with_time_zone("expires_at"))
                    .col(timestamp_with_time_zone_null("second_factor_at"))
                    .col(boolean("needs_second_factor").default(false))
                    .col(timestamp_with_time_zone_null("revoked_at"))
                    .col(string_len_null("revoked_by", 200))
                    .col(string_len("user_agent", 200).default(""))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_staff_sessions_staff")
                    .table("staff_sessions")
                    .col("staff_id")
                    .to_owned(),
            )
            .await?;
        let staff = [
            text_null("totp_secret").to_owned(),
            timestamp_with_time_zone_null("totp_enabled_at").to_owned(),
            big_integer_null("totp_last_step").to_owned(),
            timestamp_with_time_zone_null("password_changed_at").to_owned(),
            timestamp_with_time_zone_null("deactivated_at").to_owned(),
            string_len_null("deactivated_by", 200).to_owned(),
        ];
        for mut column in staff {
            manager
                .alter_table(
                    Table::alter()
                        .table("staff")
                        .add_column(&mut column)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .create_table(
                Table::create()
                    .table("staff_recovery_codes")
                    .if_not_exists()
                    .col(integer("staff_id"))
                    .col(string_len("code_hash", 64))
                    .col(timestamp_with_time_zone_null("used_at"))
                    .primary_key(Index::create().col("staff_id").col("code_hash"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("password_resets")
                    .if_not_exists()
                    .col(string_len("token_hash", 64).primary_key())
                    .col(integer("staff_id"))
                    .col(timestamp_with_time_zone("expires_at"))
                    .col(timestamp_with_time_zone_null("used_at"))
                    .col(string_len("requested_by", 200))
                    .col(timestamp_with_time_zone("created_at"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("backoff_counters")
                    .if_not_exists()
                    .col(string_len("key", 64).primary_key())
                    .col(integer("failures"))
                    .col(big_integer("wait_until_ms"))
                    .col(big_integer("expires_at_ms"))
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            "backoff_counters",
            "password_resets",
            "staff_recovery_codes",
            "staff_sessions",
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        for column in [
            "deactivated_by",
            "deactivated_at",
            "password_changed_at",
            "totp_last_step",
            "totp_enabled_at",
            "totp_secret",
        ] {
            manager
                .alter_table(Table::alter().table("staff").drop_column(column).to_owned())
                .await?;
        }
        Ok(())
    }
}
