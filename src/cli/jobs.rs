//! `jobs`: the queue as an operator sees it, and a given-up job put back.

use super::open;
use super::operator;
use crate::config::Settings;
use clap::Subcommand;
use std::process::ExitCode;

#[derive(Subcommand)]
pub(super) enum JobsCommand {
    /// The jobs given up (dead) and those waiting, the dead first.
    List {
        /// Only the dead ones.
        #[arg(long)]
        dead: bool,
        #[arg(long, default_value_t = 200)]
        limit: u64,
    },
    /// Put a dead job (or all of them) back in the queue to run now; audited.
    Retry {
        /// The job's id, as `jobs list` shows it.
        #[arg(required_unless_present = "all_dead", conflicts_with = "all_dead")]
        id: Option<i64>,
        #[arg(long)]
        all_dead: bool,
        /// Who requeues, for the audit trail (default: the login name).
        #[arg(long)]
        by: Option<String>,
    },
}

pub(super) async fn run(settings: &Settings, command: JobsCommand) -> anyhow::Result<ExitCode> {
    let store = open(settings).await?;
    match command {
        JobsCommand::List { dead, limit } => {
            let jobs = crate::app::queue::list(&store, dead, limit).await?;
            if jobs.is_empty() {
                println!(
                    "{}",
                    if dead {
                        "no dead jobs"
                    } else {
                        "no jobs waiting or dead"
                    }
                );
            }
            for j in jobs {
                let when = match (&j.given_up_at, &j.next_attempt) {
                    (Some(at), _) => format!("given up {}", at.format("%Y-%m-%d %H:%M")),
                    (None, Some(at)) => format!("next {}", at.format("%Y-%m-%d %H:%M:%S")),
                    (None, None) => String::new(),
                };
                let error: String = j
                    .last_error
                    .as_deref()
                    .unwrap_or("")
                    .chars()
                    .take(100)
                    .collect();
                println!(
                    "{:>8}  {:<26} {:<7} attempts {:>3}  queued {}  {}  {}",
                    j.id,
                    j.kind,
                    j.status,
                    j.attempts,
                    j.created_at.format("%Y-%m-%d %H:%M"),
                    when,
                    error
                );
            }
        }
        JobsCommand::Retry { id, all_dead, by } => {
            let which = match (id, all_dead) {
                (Some(id), false) => crate::store::queue::Requeue::One(id),
                _ => crate::store::queue::Requeue::AllDead,
            };
            let requeued = crate::app::queue::retry(&store, which, &operator(by)).await?;
            if requeued.is_empty() {
                println!(
                    "{}",
                    match which {
                        crate::store::queue::Requeue::One(id) =>
                            format!("job {id} is not dead; nothing requeued"),
                        crate::store::queue::Requeue::AllDead =>
                            "no dead jobs; nothing requeued".to_owned(),
                    }
                );
                return Ok(ExitCode::from(if id.is_some() { 1 } else { 0 }));
            }
            println!(
                "requeued {} job(s): {}",
                requeued.len(),
                requeued
                    .iter()
                    .map(i64::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}
