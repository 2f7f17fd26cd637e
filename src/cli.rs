//! The `mingjing` command line.

use crate::config::Settings;
use crate::domain::staff::{Email, Role, password_is_acceptable};
use crate::startup::Application;
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
        command: StaffCommand,
    },
}

#[derive(Subcommand)]
enum StaffCommand {
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
    let settings = Settings::from_env()?;
    match command {
        Command::Serve { demo } => {
            let store = Store::connect(&settings.database_url)
                .await
                .context("opening the database")?;
            if demo {
                seed_and_print(&store).await?;
            }
            let host = settings
                .bind
                .rsplit_once(':')
                .map_or("127.0.0.1", |(h, _)| h)
                .to_owned();
            let app = Application::build_with(settings, store, None).await?;
            let address = format!("http://{host}:{}", app.port());
            tracing::info!(address = %address, "serving; stop with Ctrl-C");
            // Scripts and tests read the real port (the bind may say :0) from this line.
            println!("Mingjing is serving on {address}");
            app.run_until_stopped().await?;
            tracing::info!("stopped");
        }
        Command::Migrate => {
            Store::connect(&settings.database_url)
                .await
                .context("opening the database")?;
            println!("migrations applied");
        }
        Command::SeedDemo => {
            let store = Store::connect(&settings.database_url)
                .await
                .context("opening the database")?;
            seed_and_print(&store).await?;
        }
        Command::Staff {
            command:
                StaffCommand::Add {
                    email,
                    name,
                    role,
                    agency,
                },
        } => {
            let email = Email::parse(&email).context("that e-mail address is not valid")?;
            let role = Role::parse(&role).with_context(|| {
                format!(
                    "unknown role {role:?}; use intake_clerk, handler, supervisor, auditor or admin"
                )
            })?;
            anyhow::ensure!(!name.trim().is_empty(), "the name must not be empty");
            let store = Store::connect(&settings.database_url)
                .await
                .context("opening the database")?;
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
        }
    }
    Ok(ExitCode::SUCCESS)
}

async fn seed_and_print(store: &Store) -> anyhow::Result<()> {
    match crate::demo::seed(store).await? {
        Some(summary) => print!("{summary}"),
        None => println!("the database already holds agencies; demo data not added"),
    }
    Ok(())
}
