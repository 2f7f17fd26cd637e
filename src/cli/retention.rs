//! `retention`: the retention schedule (保存期限) run, rehearsed, loaded or shown.

use super::operator;
use crate::config::Settings;
use crate::store::Store;
use anyhow::Context;
use clap::Subcommand;
use std::process::ExitCode;

#[derive(Subcommand)]
pub(super) enum RetentionCommand {
    /// Check FILE (the format of the shipped retention.toml) and make it the
    /// schedule in force; audited.
    Load {
        file: std::path::PathBuf,
        /// Who loads it, for the audit trail (default: the login name).
        #[arg(long)]
        by: Option<String>,
    },
    /// Print the schedule in force and where it comes from.
    Show,
}

pub(super) async fn run(
    settings: &Settings,
    store: &Store,
    command: Option<RetentionCommand>,
    dry_run: bool,
    as_of: Option<chrono::NaiveDate>,
) -> anyhow::Result<ExitCode> {
    use crate::app::retention;
    match command {
        Some(RetentionCommand::Load { file, by }) => {
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("reading {}", file.display()))?;
            let by = operator(by);
            match retention::load(store, &text, &by).await {
                Ok(schedule) => {
                    println!(
                        "the retention schedule of {} ({} rules) is in force, loaded by {by}",
                        file.display(),
                        schedule.rules.len()
                    );
                    Ok(ExitCode::SUCCESS)
                }
                Err(retention::LoadError::Store(e)) => Err(e.into()),
                Err(refused) => {
                    eprintln!("error: {}: {refused}", file.display());
                    Ok(ExitCode::FAILURE)
                }
            }
        }
        Some(RetentionCommand::Show) => {
            let in_force = retention::in_force(store).await?;
            match (&in_force.loaded_by, in_force.loaded_at) {
                (Some(by), Some(at)) => println!(
                    "schedule loaded by {by} on {}",
                    at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
                ),
                _ => println!("the shipped schedule (none loaded)"),
            }
            for r in &in_force.schedule.rules {
                let or_all = |v: Vec<&str>| {
                    if v.is_empty() {
                        "all".to_owned()
                    } else {
                        v.join(",")
                    }
                };
                println!(
                    "{}: {} {} year(s) after the conclusion; kinds {}; outcomes {} — {}",
                    r.id,
                    r.action.as_str(),
                    r.after_years,
                    or_all(r.kinds.iter().map(|k| k.as_str()).collect()),
                    or_all(r.outcomes.iter().map(|o| o.as_str()).collect()),
                    r.explanation_en
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        None => {
            let files = settings.file_store(store);
            let today = as_of.unwrap_or_else(crate::app::today);
            let report = retention::run(
                store,
                files.as_ref(),
                today,
                dry_run,
                &format!("operator:{}", operator(None)),
            )
            .await?;
            for step in &report.steps {
                println!(
                    "{} {} (rule {})",
                    crate::domain::codes::TrackingNumber::display_stored(&step.tracking_number),
                    step.action.as_str(),
                    step.rule
                );
            }
            let (anonymise, delete) = (
                report.count(crate::domain::retention::Action::Anonymise),
                report.count(crate::domain::retention::Action::DeleteFiles),
            );
            if dry_run {
                println!(
                    "dry run as of {today}: {anonymise} petition(s) would be anonymised, the files of {delete} deleted; nothing was changed"
                );
            } else {
                println!(
                    "{} petition(s) anonymised, the files of {} deleted ({} stored file(s) removed)",
                    report.anonymised, report.files_deleted, report.blobs_removed
                );
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
