//! Schema migrations for Mingjing. Each migration is self-contained: it names
//! tables and columns as plain identifiers and never imports the application's
//! entities, so an old migration keeps meaning what it meant when it was written.
//! No demo data lives here (see `mingjing seed-demo`).

pub use sea_orm_migration::prelude::*;

mod m20261126_000001_foundation;
mod m20261126_000002_petitions;
mod m20261126_000003_workflow_audit;
mod m20261126_000004_clock_stops;
mod m20261126_000005_next_due;
mod m20261126_000006_search;
mod m20261201_000007_calendar;
mod m20261201_000008_evaluation;
mod m20261201_000009_agency_clocks;
mod m20261201_000010_met_deadlines_by_day;
mod m20261201_000011_open_data;
mod m20261201_000012_several_nodes;
mod m20261201_000013_rollup_shards;
mod m20261201_000014_job_retries;
mod m20261201_000015_next_due_per_statement;
mod m20261204_000016_life_of_the_data;
mod m20261204_000017_staff_accounts;
mod m20261204_000018_registered_by_staff;
mod m20261204_000019_agency_contacts;
mod m20261204_000020_letters;
mod m20261205_000021_next_due_on_insert_by_writer;
mod m20261207_000022_frozen_letters;
mod m20261207_000023_supervision;
mod m20261207_000024_saved_drafts;
mod m20261208_000025_sms;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261126_000001_foundation::Migration),
            Box::new(m20261126_000002_petitions::Migration),
            Box::new(m20261126_000003_workflow_audit::Migration),
            Box::new(m20261126_000004_clock_stops::Migration),
            Box::new(m20261126_000005_next_due::Migration),
            Box::new(m20261126_000006_search::Migration),
            Box::new(m20261201_000007_calendar::Migration),
            Box::new(m20261201_000008_evaluation::Migration),
            Box::new(m20261201_000009_agency_clocks::Migration),
            Box::new(m20261201_000010_met_deadlines_by_day::Migration),
            Box::new(m20261201_000011_open_data::Migration),
            Box::new(m20261201_000012_several_nodes::Migration),
            Box::new(m20261201_000013_rollup_shards::Migration),
            Box::new(m20261201_000014_job_retries::Migration),
            Box::new(m20261201_000015_next_due_per_statement::Migration),
            Box::new(m20261204_000016_life_of_the_data::Migration),
            Box::new(m20261204_000017_staff_accounts::Migration),
            Box::new(m20261204_000018_registered_by_staff::Migration),
            Box::new(m20261204_000019_agency_contacts::Migration),
            Box::new(m20261204_000020_letters::Migration),
            Box::new(m20261205_000021_next_due_on_insert_by_writer::Migration),
            Box::new(m20261207_000022_frozen_letters::Migration),
            Box::new(m20261207_000023_supervision::Migration),
            Box::new(m20261207_000024_saved_drafts::Migration),
            Box::new(m20261208_000025_sms::Migration),
        ]
    }
}
