//! `agencies contacts`: the agencies' contact directory (联系方式) loaded from a file.

use super::open;
use crate::config::Settings;
use anyhow::Context;
use clap::Subcommand;
use std::process::ExitCode;

#[derive(Subcommand)]
pub(super) enum AgenciesCommand {
    /// Load the contact directory from FILE.
    Contacts { file: std::path::PathBuf },
}

pub(super) async fn run(settings: &Settings, command: AgenciesCommand) -> anyhow::Result<ExitCode> {
    let AgenciesCommand::Contacts { file } = command;
    let store = open(settings).await?;
    let text =
        std::fs::read_to_string(&file).with_context(|| format!("reading {}", file.display()))?;
    match crate::app::catalogue::load_contacts(&store, &text).await {
        Ok(n) => {
            println!(
                "contact details of {n} agencies loaded from {}",
                file.display()
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(crate::app::catalogue::ContactsError::Store(e)) => Err(e.into()),
        Err(refused) => {
            eprintln!("error: {}: {refused}; nothing was loaded", file.display());
            Ok(ExitCode::FAILURE)
        }
    }
}
