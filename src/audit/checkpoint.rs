//! A signed head of the chain. `audit checkpoint` writes one (keep it off the
//! machine); `audit verify --checkpoint` proves the chain still holds the entry
//! the checkpoint saw, so even a rewrite of the whole chain is caught.

use super::Entry;
use anyhow::Context;
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use serde::{Deserialize, Serialize};
use std::path::Path;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Checkpoint {
    pub last_id: i64,
    pub last_hash: String,
    pub entries: usize,
    pub at: String,
    pub public_key: String,
    pub signature: String,
}

fn message(last_id: i64, last_hash: &str, entries: usize, at: &str) -> String {
    format!("mingjing-audit-checkpoint\n{last_id}\n{last_hash}\n{entries}\n{at}")
}

/// The installation's signing key, created in the data dir on first use.
pub fn signing_key(data_dir: &Path) -> anyhow::Result<SigningKey> {
    let path = data_dir.join("audit-signing.key");
    match std::fs::read_to_string(&path) {
        Ok(text) => {
            let bytes: [u8; 32] = hex::decode(text.trim())?
                .try_into()
                .map_err(|_| anyhow::anyhow!("{} is not a 32-byte key", path.display()))?;
            Ok(SigningKey::from_bytes(&bytes))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let mut seed = [0u8; 32];
            rand::RngCore::fill_bytes(&mut rand::rng(), &mut seed);
            let key = SigningKey::from_bytes(&seed);
            // Readable by the portal's user only, like secret.key: whoever reads
            // it can sign checkpoints and snapshots in the installation's name.
            crate::crypto::create_key_file(&path, &hex::encode(key.to_bytes()))
                .with_context(|| format!("writing {}", path.display()))?;
            Ok(key)
        }
        Err(e) => Err(e).with_context(|| format!("reading {}", path.display())),
    }
}

pub fn make(key: &SigningKey, entries: &[Entry]) -> Checkpoint {
    let (last_id, last_hash) = entries
        .last()
        .map_or((0, super::GENESIS.to_owned()), |e| (e.id, e.hash.clone()));
    let at = chrono::Utc::now().to_rfc3339();
    let signature = key.sign(message(last_id, &last_hash, entries.len(), &at).as_bytes());
    Checkpoint {
        last_id,
        last_hash,
        entries: entries.len(),
        at,
        public_key: hex::encode(key.verifying_key().to_bytes()),
        signature: hex::encode(signature.to_bytes()),
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CheckpointError {
    #[error("the checkpoint's signature is not valid (the file was altered or forged)")]
    BadSignature,
    #[error("the checkpoint was not signed by this installation's key")]
    WrongKey,
    #[error("entry {0}, which the checkpoint saw, is missing: the chain was cut or rewritten")]
    Missing(i64),
    #[error("entry {0} differs from what the checkpoint saw: the chain was rewritten")]
    Rewritten(i64),
}

pub fn check(
    c: &Checkpoint,
    expected_key: &VerifyingKey,
    entries: &[Entry],
) -> Result<(), CheckpointError> {
    let key_bytes: [u8; 32] = hex::decode(&c.public_key)
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or(CheckpointError::BadSignature)?;
    let key = VerifyingKey::from_bytes(&key_bytes).map_err(|_| CheckpointError::BadSignature)?;
    if key != *expected_key {
        return Err(CheckpointError::WrongKey);
    }
    let sig_bytes: [u8; 64] = hex::decode(&c.signature)
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or(CheckpointError::BadSignature)?;
    key.verify(
        message(c.last_id, &c.last_hash, c.entries, &c.at).as_bytes(),
        &Signature::from_bytes(&sig_bytes),
    )
    .map_err(|_| CheckpointError::BadSignature)?;
    if c.last_id == 0 {
        return Ok(());
    }
    match entries.iter().find(|e| e.id == c.last_id) {
        None => Err(CheckpointError::Missing(c.last_id)),
        Some(e) if e.hash != c.last_hash => Err(CheckpointError::Rewritten(c.last_id)),
        Some(_) => Ok(()),
    }
}
