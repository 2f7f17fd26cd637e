//! `staff add`: an account made from the command line (the first
//! administrator of a new installation, typically).

use super::open;
use crate::config::Settings;
use crate::domain::staff::{Email, Role, password_is_acceptable};
use anyhow::Context;
use clap::Subcommand;
use std::process::ExitCode;

#[derive(Subcommand)]
pub(super) enum StaffCommand {
    /// Add a staff account. The password comes from MINGJING_STAFF_PASSWORD or a prompt.
    Add {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        /// intake_clerk, handler, supervisor, auditor or admin
        #[arg(long)]
        role: String,
        /// The agency's code, e.g. jn-court
        #[arg(long)]
        agency: String,
    },
}

pub(super) async fn run(settings: &Settings, command: StaffCommand) -> anyhow::Result<ExitCode> {
    let StaffCommand::Add {
        email,
        name,
        role,
        agency,
    } = command;
    let email = Email::parse(&email).context("that e-mail address is not valid")?;
    let role = Role::parse(&role).with_context(|| {
        format!("unknown role {role:?}; use intake_clerk, handler, supervisor, auditor or admin")
    })?;
    anyhow::ensure!(!name.trim().is_empty(), "the name must not be empty");
    let store = open(settings).await?;
    let agency = store
        .agency_by_code(&agency)
        .await
        .with_context(|| format!("no agency with code {agency:?}"))?;
    let password = match std::env::var("MINGJING_STAFF_PASSWORD") {
        Ok(p) => p,
        Err(_) => rpassword::prompt_password("Password: ")?,
    };
    anyhow::ensure!(
        password_is_acceptable(&password),
        "the password must have 12 to 256 characters"
    );
    let hash = crate::auth::password::hash(&password)?;
    let staff = store
        .insert_staff(&email, name.trim(), role, agency.id, &hash)
        .await?;
    println!(
        "added staff #{} {} ({}) at {}",
        staff.id,
        staff.email,
        role.as_str(),
        agency.code
    );
    Ok(ExitCode::SUCCESS)
}
