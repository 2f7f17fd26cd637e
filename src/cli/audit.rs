//! `audit`: the hash-chained trail verified (against a checkpoint too),
//! its guards restored, a signed checkpoint of its head written.

use super::open;
use crate::config::Settings;
use anyhow::Context;
use clap::Subcommand;
use std::process::ExitCode;

#[derive(Subcommand)]
pub(super) enum AuditCommand {
    /// Prove the chain intact (exit 0) or name the first entry that is not (exit 1).
    Verify {
        /// Also check against a signed checkpoint written earlier.
        #[arg(long)]
        checkpoint: Option<std::path::PathBuf>,
    },
    /// Restore the database triggers that keep the trail append-only (the
    /// server refuses to start without them), then verify the chain.
    Protect,
    /// Write a signed checkpoint of the chain's head; keep it off this machine.
    Checkpoint {
        #[arg(long)]
        out: std::path::PathBuf,
    },
}

pub(super) async fn run(settings: &Settings, command: AuditCommand) -> anyhow::Result<ExitCode> {
    let store = open(settings).await?;
    let entries = crate::audit::entries(store.conn(), None).await?;
    let key = crate::audit::checkpoint::signing_key(&settings.data_dir)?;
    match command {
        AuditCommand::Verify { checkpoint } => {
            if let Err(broken) = crate::audit::verify(&entries) {
                println!("audit trail BROKEN: {broken}");
                return Ok(ExitCode::FAILURE);
            }
            if let Some(path) = checkpoint {
                let text = std::fs::read_to_string(&path)
                    .with_context(|| format!("reading {}", path.display()))?;
                let cp: crate::audit::checkpoint::Checkpoint =
                    serde_json::from_str(&text).context("the checkpoint file is not valid")?;
                if let Err(e) = crate::audit::checkpoint::check(&cp, &key.verifying_key(), &entries)
                {
                    println!("audit trail BROKEN: {e}");
                    return Ok(ExitCode::FAILURE);
                }
                println!("checkpoint of entry {} matches", cp.last_id);
            }
            // An intact chain on an unguarded table is not a trail to rely on.
            let missing = crate::audit::unprotected(store.conn()).await?;
            if !missing.is_empty() {
                println!(
                    "audit trail UNPROTECTED: the trigger(s) {} that refuse UPDATE and DELETE on audit_log are missing or disabled; the chain verifies as far as it goes ({} entries). Restore them with `mingjing audit protect`.",
                    missing.join(", "),
                    entries.len()
                );
                return Ok(ExitCode::FAILURE);
            }
            println!("audit trail intact: {} entries", entries.len());
        }
        AuditCommand::Protect => {
            let restored = crate::audit::protect(store.conn()).await?;
            if restored.is_empty() {
                println!("the audit trail's triggers are all in place");
            } else {
                println!("restored: {}", restored.join(", "));
            }
            if let Err(broken) = crate::audit::verify(&entries) {
                println!("audit trail BROKEN: {broken}");
                return Ok(ExitCode::FAILURE);
            }
            println!("audit trail intact: {} entries", entries.len());
        }
        AuditCommand::Checkpoint { out } => {
            if let Err(broken) = crate::audit::verify(&entries) {
                println!("audit trail BROKEN, no checkpoint written: {broken}");
                return Ok(ExitCode::FAILURE);
            }
            let cp = crate::audit::checkpoint::make(&key, &entries);
            std::fs::write(&out, serde_json::to_string_pretty(&cp)?)
                .with_context(|| format!("writing {}", out.display()))?;
            println!(
                "checkpoint of entry {} ({} entries) written to {}",
                cp.last_id,
                cp.entries,
                out.display()
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}
