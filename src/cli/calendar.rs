//! `calendar`: the official holiday calendar's years, loaded and listed.

use crate::store::Store;
use anyhow::Context;
use clap::Subcommand;
use std::process::ExitCode;

#[derive(Subcommand)]
pub(super) enum CalendarCommand {
    /// Load one or more years from FILE (the format of the shipped
    /// cn-holidays.toml: a [YEAR] table with notice, notice_date, holidays,
    /// makeup_workdays and names). Checked first; every open provisional
    /// deadline is then counted again (never earlier), and the petitioners
    /// whose dates moved are told.
    Import {
        file: std::path::PathBuf,
        /// Who loads it, for the audit trail (default: the login name).
        #[arg(long)]
        by: Option<String>,
        /// Load a year the calendar already has (a corrected notice).
        #[arg(long)]
        replace: bool,
    },
    /// List the years the calendar knows, with the notice each follows.
    Show,
}

pub(super) async fn run(store: &Store, command: CalendarCommand) -> anyhow::Result<ExitCode> {
    match command {
        CalendarCommand::Import { file, by, replace } => {
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("reading {}", file.display()))?;
            let by = by
                .or_else(|| std::env::var("USER").ok())
                .filter(|b| !b.trim().is_empty())
                .context("say who loads the calendar with --by NAME")?;
            match crate::app::calendar::load(store, &text, by.trim(), replace).await {
                Ok(report) => {
                    for y in &report.years {
                        println!(
                            "{}: loaded ({} holiday dates, {} make-up working days), notice {} of {}, by {}",
                            y.year,
                            y.holidays.len(),
                            y.makeup_workdays.len(),
                            y.notice,
                            y.notice_date,
                            by.trim()
                        );
                    }
                    println!(
                        "the calendar now ends with {}; {} provisional deadlines counted again, {} moved later",
                        report.last_year, report.recount.counted, report.recount.moved
                    );
                    Ok(ExitCode::SUCCESS)
                }
                Err(crate::app::calendar::LoadError::Store(e)) => Err(e.into()),
                Err(refused) => {
                    eprintln!("error: {}: {refused}", file.display());
                    Ok(ExitCode::FAILURE)
                }
            }
        }
        CalendarCommand::Show => {
            let calendar = store.calendar().await?;
            let loaded = store.loaded_calendar_years().await?;
            for y in calendar.years() {
                let origin = loaded.iter().find(|l| l.year.year == y.year).map_or_else(
                    || "shipped".to_owned(),
                    |l| {
                        format!(
                            "loaded by {} at {}",
                            l.loaded_by,
                            l.loaded_at.format("%Y-%m-%d %H:%M UTC")
                        )
                    },
                );
                println!(
                    "{}: notice {} of {} — {} holiday dates, {} make-up working days ({origin})",
                    y.year,
                    y.notice,
                    y.notice_date,
                    y.holidays.len(),
                    y.makeup_workdays.len()
                );
            }
            if let Some(w) = calendar.warning(crate::app::today()) {
                println!(
                    "warning: the calendar ends on {} ({} days); load the arrangement for {}",
                    w.ends_on,
                    w.days_left,
                    w.last_year + 1
                );
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
