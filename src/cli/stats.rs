//! `stats`: the public statistics' signed daily snapshots — make one now,
//! or check a downloaded one against its signature.

use super::open;
use crate::config::Settings;
use anyhow::Context;
use clap::Subcommand;
use std::process::ExitCode;

#[derive(Subcommand)]
pub(super) enum StatsCommand {
    /// Make today's snapshot now (the server makes one every day); one that exists stays.
    Snapshot,
    /// Check a downloaded snapshot against its signature (exit 0) or say why not (exit 1).
    Verify {
        /// The snapshot (`DAY.json`).
        file: std::path::PathBuf,
        /// Its signature (raw 64 bytes or hex); default FILE.sig.
        #[arg(long)]
        signature: Option<std::path::PathBuf>,
        /// The installation's public key (`key.pem`, or 64 hex digits); default
        /// this installation's own key.
        #[arg(long)]
        key: Option<std::path::PathBuf>,
    },
}

pub(super) async fn run(settings: &Settings, command: StatsCommand) -> anyhow::Result<ExitCode> {
    use crate::app::snapshots as s;
    match command {
        StatsCommand::Snapshot => {
            let store = open(settings).await?;
            let key = crate::audit::checkpoint::signing_key(&settings.data_dir)?;
            let day = crate::app::today();
            let started = std::time::Instant::now();
            let written = s::snapshot_day(&store, &key, day)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!(
                "{day}: {} in {:.1} s",
                if written {
                    "snapshot made and signed"
                } else {
                    "the snapshot exists already; kept as it was"
                },
                started.elapsed().as_secs_f64()
            );
        }
        StatsCommand::Verify {
            file,
            signature,
            key,
        } => {
            let body =
                std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?;
            let sig_path = signature.unwrap_or_else(|| {
                let mut p = file.clone().into_os_string();
                p.push(".sig");
                p.into()
            });
            let sig_bytes = std::fs::read(&sig_path)
                .with_context(|| format!("reading {}", sig_path.display()))?;
            let verifying = match key {
                Some(path) => {
                    let text = std::fs::read_to_string(&path)
                        .with_context(|| format!("reading {}", path.display()))?;
                    read_public_key(&text).with_context(|| {
                        format!("{} is not an ed25519 public key", path.display())
                    })?
                }
                None => crate::audit::checkpoint::signing_key(&settings.data_dir)?.verifying_key(),
            };
            let outcome =
                s::read_signature(&sig_bytes).and_then(|sig| s::verify(&body, &sig, &verifying));
            use sha2::Digest;
            let sha = hex::encode(sha2::Sha256::digest(&body));
            match outcome {
                Ok(()) => println!(
                    "{}: signature valid (key {}), sha256 {sha}",
                    file.display(),
                    hex::encode(verifying.to_bytes())
                ),
                Err(e) => {
                    println!("{}: NOT VALID: {e}", file.display());
                    return Ok(ExitCode::FAILURE);
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// A public key as PEM (SubjectPublicKeyInfo) or 64 hex digits.
fn read_public_key(text: &str) -> anyhow::Result<ed25519_dalek::VerifyingKey> {
    use ed25519_dalek::pkcs8::DecodePublicKey;
    let t = text.trim();
    if t.starts_with("-----BEGIN") {
        return Ok(ed25519_dalek::VerifyingKey::from_public_key_pem(t)?);
    }
    let bytes: [u8; 32] = hex::decode(t)?
        .try_into()
        .map_err(|_| anyhow::anyhow!("not 32 bytes"))?;
    Ok(ed25519_dalek::VerifyingKey::from_bytes(&bytes)?)
}
