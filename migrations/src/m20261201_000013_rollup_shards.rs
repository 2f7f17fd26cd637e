//! Roll-up rows in shards (PostgreSQL): every petition filed on one day for one
//! agency adds to the same `rollup_days` and `rollup_months` rows, in the filing
//! transaction, so concurrent filings waited on each other's row lock until
//! commit — one WAL flush after another (at 16 clients: ~520/s, p99 ~150 ms,
//! nearly all backends waiting on `Lock:transactionid`). Each write now adds to
//! one of a few shards of the row, and readers sum the shards.
//!
//! On SQLite writes are serialised anyway, so every row stays in shard 0 and
//! the primary key is unchanged (SQLite cannot alter a primary key in place);
//! the column is added so that both backends read alike.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in ["rollup_days", "rollup_months"] {
            manager
                .alter_table(
                    Table::alter()
                        .table(table)
                        .add_column(integer("shard").default(0))
                        .to_owned(),
                )
                .await?;
        }
        if manager.get_database_backend() == sea_orm::DatabaseBackend::Postgres {
            let db = manager.get_connection();
            db.execute_unprepared(
                "ALTER TABLE rollup_days DROP CONSTRAINT rollup_days_pkey, \
                 ADD PRIMARY KEY (day, agency_id, staff_id, kind, category, metric, shard)",
            )
            .await?;
            db.execute_unprepared(
                "ALTER TABLE rollup_months DROP CONSTRAINT rollup_months_pkey, \
                 ADD PRIMARY KEY (agency_id, staff_id, month, kind, metric, shard)",
            )
            .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() == sea_orm::DatabaseBackend::Postgres {
            let db = manager.get_connection();
            // Fold the shards back into one row each before the key loses them.
            for (table, key) in [
                (
                    "rollup_days",
                    "day, agency_id, staff_id, kind, category, metric",
                ),
                ("rollup_months", "agency_id, staff_id, month, kind, metric"),
            ] {
                db.execute_unprepared(&format!(
                    "CREATE TEMP TABLE folded AS SELECT {key}, SUM(value)::BIGINT AS value FROM {table} GROUP BY {key}; \
                     DELETE FROM {table}; \
                     INSERT INTO {table} ({key}, value, shard) SELECT {key}, value, 0 FROM folded; \
                     DROP TABLE folded; \
                     ALTER TABLE {table} DROP CONSTRAINT {table}_pkey, ADD PRIMARY KEY ({key})"
                ))
                .await?;
            }
        }
        for table in ["rollup_days", "rollup_months"] {
            manager
                .alter_table(Table::alter().table(table).drop_column("shard").to_owned())
                .await?;
        }
        Ok(())
    }
}
