//! `serve`, `migrate`, `seed-demo`: run the portal, bring the schema up to
//! date, fill an empty database with the demo province.

use super::open;
use crate::config::Settings;
use crate::startup::Application;
use crate::store::Store;
use anyhow::Context;
use std::process::ExitCode;

pub(super) async fn serve(settings: Settings, demo: bool) -> anyhow::Result<ExitCode> {
    let store = open(&settings).await?;
    if demo {
        seed_and_print(&store, &settings.database_url).await?;
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
    Ok(ExitCode::SUCCESS)
}

pub(super) async fn migrate(settings: &Settings) -> anyhow::Result<ExitCode> {
    open(settings).await?;
    println!("migrations applied");
    Ok(ExitCode::SUCCESS)
}

pub(super) async fn seed_demo(settings: &Settings) -> anyhow::Result<ExitCode> {
    let store = open(settings).await?;
    seed_and_print(&store, &settings.database_url).await?;
    Ok(ExitCode::SUCCESS)
}

async fn seed_and_print(store: &Store, database_url: &str) -> anyhow::Result<()> {
    match crate::demo::seed(store).await? {
        Some(summary) => {
            print!("{summary}");
            let started = std::time::Instant::now();
            // Thousands of acts, each its own commit: on a connection that does not
            // flush each one (demo rows only), closed before the server opens.
            let loader = Store::connect_for_demo_load(database_url)
                .await
                .context("opening the database for the demo history")?;
            let history = crate::demo::history::seed(&loader, crate::app::today(), 12).await?;
            loader.close().await?;
            println!(
                "A year of handling: {} petitions, {} acts ({:.1} s).",
                history.petitions,
                history.acts,
                started.elapsed().as_secs_f64()
            );
            println!(
                "Supervisors, auditors and administrators set up a second factor (a TOTP authenticator app) at first sign-in; MINGJING_SECOND_FACTOR=none skips it for a quick look."
            );
        }
        None => println!("the database already holds agencies; demo data not added"),
    }
    Ok(())
}
