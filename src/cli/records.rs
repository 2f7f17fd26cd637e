//! The record's derived work, run by hand: the deadline sweep, the
//! evaluation's roll-ups, the monthly bulletins, and the benchmark seeder.

use super::open;
use crate::config::Settings;
use crate::store::Store;
use anyhow::Context;
use std::process::ExitCode;

pub(super) async fn sweep(settings: &Settings) -> anyhow::Result<ExitCode> {
    let store = open(settings).await?;
    let started = std::time::Instant::now();
    let report =
        crate::app::sweep::sweep(&store, crate::domain::clock::china_date(chrono::Utc::now()))
            .await?;
    println!(
        "sweep: {} reminders, {} urgings, {} listings enqueued, {} supervision orders escalated in {:.1} ms",
        report.reminders,
        report.urgings,
        report.listings,
        report.orders_escalated,
        started.elapsed().as_secs_f64() * 1000.0
    );
    Ok(ExitCode::SUCCESS)
}

pub(super) async fn bench_seed(settings: &Settings, petitions: u32) -> anyhow::Result<ExitCode> {
    // Synthetic rows only: loaded without a flush per commit, as the demo is.
    let store = Store::connect_for_demo_load(&settings.database_url)
        .await
        .context("opening the database")?;
    let started = std::time::Instant::now();
    crate::demo::bench_seed(&store, petitions).await?;
    println!(
        "{petitions} petitions seeded in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    Ok(ExitCode::SUCCESS)
}

pub(super) async fn rollup(
    settings: &Settings,
    rebuild: bool,
    day: Option<chrono::NaiveDate>,
    check: bool,
) -> anyhow::Result<ExitCode> {
    let store = open(settings).await?;
    let started = std::time::Instant::now();
    if check {
        let before = store.rollup_rows().await?;
        // A rebuild in a transaction rolled back would be the check; the
        // rebuild itself is exact, so compare with one and keep it.
        store.rebuild_rollups().await?;
        let after = store.rollup_rows().await?;
        let differ = before != after;
        println!(
            "roll-ups {} the record ({} day rows, {} month rows)",
            if differ {
                "DIFFERED from (now rebuilt from)"
            } else {
                "match"
            },
            after.0.len(),
            after.1.len()
        );
        return Ok(if differ {
            ExitCode::FAILURE
        } else {
            ExitCode::SUCCESS
        });
    }
    if let Some(day) = day {
        store.recount_rollup_day(day).await?;
        println!(
            "roll-ups of {day} recounted in {:.1} s",
            started.elapsed().as_secs_f64()
        );
    } else if rebuild {
        let r = store.rebuild_rollups().await?;
        println!(
            "roll-ups rebuilt from {} events and {} met deadlines: {} day rows, {} month rows in {:.1} s",
            r.events,
            r.deadlines,
            r.day_rows,
            r.month_rows,
            started.elapsed().as_secs_f64()
        );
    } else {
        anyhow::bail!("say what to do: --rebuild, --day YYYY-MM-DD or --check");
    }
    Ok(ExitCode::SUCCESS)
}

pub(super) async fn bulletin(settings: &Settings, month: &str) -> anyhow::Result<ExitCode> {
    let store = open(settings).await?;
    let period = crate::domain::evaluation::Period::parse(month)
        .filter(|p| matches!(p, crate::domain::evaluation::Period::Month(..)))
        .with_context(|| format!("{month:?} is not a month (YYYY-MM)"))?;
    let r = crate::app::bulletins::generate(&store, period)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    println!(
        "{}: {} bulletins generated ({} existed already); their mail is queued",
        period.key(),
        r.generated,
        r.existing
    );
    Ok(ExitCode::SUCCESS)
}
