//! `reindex`: rebuild the search indexes from the database, or compare them.

use super::open;
use crate::config::Settings;
use anyhow::Context;
use std::process::ExitCode;

pub(super) async fn run(settings: &Settings, check: bool) -> anyhow::Result<ExitCode> {
    let store = open(settings).await?;
    let search = crate::search::Search::new(store, settings.search_engine()?);
    search
        .engine
        .prepare(&crate::search::DEFINITIONS)
        .await
        .context("opening the search indexes")?;
    if check {
        let mut clean = true;
        for def in crate::search::DEFINITIONS.all() {
            let diff = search.compare(def).await?;
            println!(
                "{}: {} in the database, {} missing from the index, {} stale, {} extra",
                def.name, diff.expected, diff.missing, diff.stale, diff.extra
            );
            clean &= diff.is_clean();
        }
        return Ok(if clean {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        });
    }
    let started = std::time::Instant::now();
    let n = search.rebuild().await?;
    println!(
        "reindex ({}): {n} documents in {:.1} s",
        search.engine.name(),
        started.elapsed().as_secs_f64()
    );
    Ok(ExitCode::SUCCESS)
}
