//! The `mingjing` command line: one module per command group, each with its
//! clap arguments and its `run`; this file parses and dispatches.

mod agencies;
mod audit;
mod backup;
mod calendar;
mod jobs;
mod partner;
mod records;
mod reindex;
mod retention;
mod serve;
mod staff;
mod stats;

use crate::config::Settings;
use crate::store::Store;
use anyhow::Context;
use clap::{Parser, Subcommand};
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "mingjing",
    version,
    about = "明镜 — transparency and petition portal for law-enforcement bodies"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the portal (migrations are applied on start).
    Serve {
        /// First fill an empty database with demo agencies, procedures and staff.
        #[arg(long)]
        demo: bool,
    },
    /// Apply pending database migrations and exit.
    Migrate,
    /// Fill an empty database with demo data and print the demo staff logins.
    SeedDemo,
    /// Manage staff accounts.
    Staff {
        #[command(subcommand)]
        command: staff::StaffCommand,
    },
    /// Run one pass of the deadline sweep now (the server runs it every minute).
    Sweep,
    /// Rebuild the search indexes from the database (also while the server runs:
    /// the embedded index is written one batch at a time by whoever holds it).
    Reindex {
        /// Only compare the indexes with the database and report; change nothing.
        #[arg(long)]
        check: bool,
    },
    /// Fill the database with N synthetic petitions for benchmarks (demo data must be there).
    #[command(hide = true)]
    BenchSeed {
        #[arg(long, default_value_t = 100_000)]
        petitions: u32,
    },
    /// The audit trail.
    Audit {
        #[command(subcommand)]
        command: audit::AuditCommand,
    },
    /// The official holiday calendar the deadlines are counted on.
    Calendar {
        #[command(subcommand)]
        command: calendar::CalendarCommand,
    },
    /// The evaluation's roll-ups (counts by agency, officer, day and month).
    Rollup {
        /// Recompute every roll-up from the record (events and met deadlines).
        #[arg(long)]
        rebuild: bool,
        /// Recount one day (YYYY-MM-DD) and its month from the record.
        #[arg(long)]
        day: Option<chrono::NaiveDate>,
        /// Compare the roll-ups with a recomputation from the record (exit 1 on a difference).
        #[arg(long)]
        check: bool,
    },
    /// The public statistics' signed daily snapshots.
    Stats {
        #[command(subcommand)]
        command: stats::StatsCommand,
    },
    /// Partner systems that file through Open311 GeoReport v2 with an API key.
    Partner {
        #[command(subcommand)]
        command: partner::PartnerCommand,
    },
    /// Back up the installation while it serves: the database (SQLite snapshot
    /// or pg_dump), the evidence files and the keys, into a new directory.
    /// Keep it as secret as the database: it opens every petition.
    Backup {
        #[arg(long)]
        out: std::path::PathBuf,
    },
    /// Restore a backup into an empty data directory (MINGJING_DATA_DIR) and
    /// an empty database (MINGJING_DATABASE_URL), then verify its audit trail.
    /// Run `mingjing reindex` afterwards to rebuild search.
    Restore { from: std::path::PathBuf },
    /// The job queue: mail, reminders, bulletins and snapshots waiting or given up.
    Jobs {
        #[command(subcommand)]
        command: jobs::JobsCommand,
    },
    /// The retention schedule (保存期限): run it now (the server's worker runs
    /// it once a day), see what a run would do, load or show the schedule.
    Retention {
        #[command(subcommand)]
        command: Option<retention::RetentionCommand>,
        /// Say what a run would do and change nothing.
        #[arg(long)]
        dry_run: bool,
        /// With --dry-run: as if on this day (YYYY-MM-DD), to see what a later run will do.
        #[arg(long, requires = "dry_run")]
        as_of: Option<chrono::NaiveDate>,
    },
    /// The agencies' contact directory (联系方式): load FILE, a TOML file with
    /// one [[agency]] table per agency (code, address_zh, address_en,
    /// hours_zh, hours_en, phone). Checked whole before anything is written.
    Agencies {
        #[command(subcommand)]
        command: agencies::AgenciesCommand,
    },
    /// Generate the monthly bulletin (执法情况通报) of every agency for a month
    /// (one that exists stays as it was) and queue its mail.
    Bulletin {
        /// YYYY-MM
        #[arg(long)]
        month: String,
    },
}

pub fn main() -> ExitCode {
    let _ = dotenvy::dotenv();
    crate::telemetry::init();
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli.command)) {
        Ok(code) => code,
        Err(e) => {
            tracing::error!(error = %format!("{e:#}"), "mingjing failed");
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(command: Command) -> anyhow::Result<ExitCode> {
    if let Command::Restore { from } = &command {
        return backup::restore(from).await;
    }
    let settings = Settings::from_env()?;
    match command {
        Command::Serve { demo } => serve::serve(settings, demo).await,
        Command::Migrate => serve::migrate(&settings).await,
        Command::SeedDemo => serve::seed_demo(&settings).await,
        Command::Staff { command } => staff::run(&settings, command).await,
        Command::Reindex { check } => reindex::run(&settings, check).await,
        Command::Sweep => records::sweep(&settings).await,
        Command::BenchSeed { petitions } => records::bench_seed(&settings, petitions).await,
        Command::Rollup {
            rebuild,
            day,
            check,
        } => records::rollup(&settings, rebuild, day, check).await,
        Command::Bulletin { month } => records::bulletin(&settings, &month).await,
        Command::Jobs { command } => jobs::run(&settings, command).await,
        Command::Backup { out } => backup::backup(&settings, &out).await,
        Command::Restore { .. } => unreachable!("handled before the settings are read"),
        Command::Stats { command } => stats::run(&settings, command).await,
        Command::Partner { command } => partner::run(&open(&settings).await?, command).await,
        Command::Calendar { command } => calendar::run(&open(&settings).await?, command).await,
        Command::Agencies { command } => agencies::run(&settings, command).await,
        Command::Retention {
            command,
            dry_run,
            as_of,
        } => {
            let store = open(&settings).await?;
            retention::run(&settings, &store, command, dry_run, as_of).await
        }
        Command::Audit { command } => audit::run(&settings, command).await,
    }
}

/// The database of `settings`, migrated.
async fn open(settings: &Settings) -> anyhow::Result<Store> {
    Store::connect(&settings.database_url)
        .await
        .context("opening the database")
}

/// Who acts, for the audit trail: `--by NAME`, else the login name.
fn operator(by: Option<String>) -> String {
    by.unwrap_or_else(|| {
        format!(
            "operator:{}",
            std::env::var("USER").unwrap_or_else(|_| "unknown".to_owned())
        )
    })
}
