//! `partner`: the systems that file through Open311 with an API key.

use super::operator;
use crate::store::Store;
use clap::Subcommand;
use std::process::ExitCode;

#[derive(Subcommand)]
pub(super) enum PartnerCommand {
    /// Create a partner and print its API key (shown once; only its hash is kept).
    Add {
        #[arg(long)]
        name: String,
        /// Requests a minute the key allows.
        #[arg(long, default_value_t = crate::app::open311::DEFAULT_REQUESTS_PER_MINUTE)]
        requests_per_minute: i32,
        /// Who creates it, for the audit trail (default: the login name).
        #[arg(long)]
        by: Option<String>,
    },
    /// List the partners, with revoked ones.
    List,
    /// Revoke a partner's key at once.
    Revoke {
        id: i32,
        #[arg(long)]
        by: Option<String>,
    },
}

pub(super) async fn run(store: &Store, command: PartnerCommand) -> anyhow::Result<ExitCode> {
    match command {
        PartnerCommand::Add {
            name,
            requests_per_minute,
            by,
        } => {
            let (p, key) =
                crate::app::open311::add_partner(store, &name, requests_per_minute, &operator(by))
                    .await
                    .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!(
                "partner {} ({}) added, {} requests a minute",
                p.id, p.name, p.requests_per_minute
            );
            println!("api_key: {key}");
            println!("(shown once: only its hash is kept)");
        }
        PartnerCommand::List => {
            for p in store.partners().await? {
                println!(
                    "{}\t{}\t{}/min\tcreated {}\t{}",
                    p.id,
                    p.name,
                    p.requests_per_minute,
                    p.created_at.format("%Y-%m-%d"),
                    p.revoked_at.map_or_else(
                        || "active".to_owned(),
                        |t| format!("revoked {}", t.format("%Y-%m-%d"))
                    )
                );
            }
        }
        PartnerCommand::Revoke { id, by } => {
            if store.revoke_partner(id, &operator(by)).await? {
                println!("partner {id}: key revoked");
            } else {
                println!("no active partner {id}");
                return Ok(ExitCode::FAILURE);
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
