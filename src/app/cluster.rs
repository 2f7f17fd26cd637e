//! One portal on several nodes (多节点): what a node checks and announces so
//! that every node of one database behaves as the same installation.
//!
//! - The installation secret (access-code hashes, sessions, throttle keys) and
//!   the audit signing key (checkpoints, snapshots) are one per database. The
//!   first node to start on a database records a fingerprint of each; a node
//!   whose secret or key differs refuses to start and says how to fix it,
//!   instead of silently answering "wrong code" for every petition filed elsewhere.
//! - Each node beats every few seconds into `nodes`; `/healthz` lists the live ones.

use super::{Error, Result};
use crate::crypto::Secret;
use crate::store::Store;
use crate::store::cluster::{Installation, NodeBeat};
use chrono::{DateTime, Utc};

/// How often a node says it is alive, and after how long without a beat it is
/// no longer listed (three beats missed) or remembered at all (a day).
pub const HEARTBEAT: std::time::Duration = std::time::Duration::from_secs(5);
pub const LIVE_FOR: chrono::TimeDelta = chrono::TimeDelta::seconds(15);
pub const FORGET_AFTER: chrono::TimeDelta = chrono::TimeDelta::days(1);

/// What identifies the secret without revealing it: a keyed hash of a fixed text.
pub fn fingerprint(secret: &Secret) -> String {
    hex::encode(secret.keyed_hash("installation-fingerprint", b"mingjing"))
}

/// Why a node may not serve this database.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Mismatch {
    #[error(
        "this node's installation secret is not the one this database was set up with, so it could not open any petition filed on another node nor read its sessions. \
         Give every node the same secret: copy data/secret.key from the node that first used this database into this node's data directory, \
         or set MINGJING_SECRET to the same value on every node. (A different secret is never used silently.)"
    )]
    Secret,
    #[error(
        "this node's audit signing key (data/audit-signing.key, public key {mine}) is not the one this database's checkpoints and snapshots are signed with (public key {theirs}). \
         Copy data/audit-signing.key from the node that first used this database into this node's data directory."
    )]
    SigningKey { mine: String, theirs: String },
}

/// Compares this node with what the database recorded (recording it when the
/// database has nothing yet: a single node, or the first of several, needs no setup).
pub async fn claim(
    store: &Store,
    secret: &Secret,
    signing_key: &ed25519_dalek::SigningKey,
) -> Result<std::result::Result<(), Mismatch>> {
    let mine = Installation {
        secret_fingerprint: fingerprint(secret),
        signing_public_key: Some(hex::encode(signing_key.verifying_key().to_bytes())),
    };
    let theirs = store.claim_installation(&mine).await?;
    Ok(check(&mine, &theirs))
}

fn check(mine: &Installation, theirs: &Installation) -> std::result::Result<(), Mismatch> {
    use subtle::ConstantTimeEq;
    if !bool::from(
        mine.secret_fingerprint
            .as_bytes()
            .ct_eq(theirs.secret_fingerprint.as_bytes()),
    ) {
        return Err(Mismatch::Secret);
    }
    match (&mine.signing_public_key, &theirs.signing_public_key) {
        (Some(a), Some(b)) if a != b => Err(Mismatch::SigningKey {
            mine: a.clone(),
            theirs: b.clone(),
        }),
        _ => Ok(()),
    }
}

/// This node, as it reports itself.
#[derive(Debug, Clone)]
pub struct Node {
    pub id: String,
    pub role: &'static str,
    pub search_engine: &'static str,
    pub started_at: DateTime<Utc>,
}

impl Node {
    pub fn new(runs_worker: bool, search_engine: &'static str) -> Self {
        Self {
            id: hex::encode(rand::random::<[u8; 8]>()),
            role: if runs_worker { "web+worker" } else { "web" },
            search_engine,
            started_at: Utc::now(),
        }
    }

    pub async fn beat(&self, store: &Store) -> Result<()> {
        let now = Utc::now();
        store
            .heartbeat(&NodeBeat {
                id: self.id.clone(),
                version: env!("CARGO_PKG_VERSION").to_owned(),
                role: self.role.to_owned(),
                search_engine: self.search_engine.to_owned(),
                started_at: self.started_at,
                seen_at: now,
            })
            .await
            .map_err(Error::from)
    }
}

/// The nodes that beat within [`LIVE_FOR`].
pub async fn live_nodes(store: &Store) -> Result<Vec<NodeBeat>> {
    let now = Utc::now();
    Ok(store.nodes(now - LIVE_FOR, now - FORGET_AFTER).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_different_secret_or_key_is_a_mismatch_and_a_missing_key_is_not() {
        let a = Installation {
            secret_fingerprint: fingerprint(&Secret::new(b"one")),
            signing_public_key: Some("aa".into()),
        };
        assert_eq!(check(&a, &a.clone()), Ok(()));
        let other_secret = Installation {
            secret_fingerprint: fingerprint(&Secret::new(b"two")),
            ..a.clone()
        };
        assert_eq!(check(&other_secret, &a), Err(Mismatch::Secret));
        let other_key = Installation {
            signing_public_key: Some("bb".into()),
            ..a.clone()
        };
        assert!(matches!(
            check(&other_key, &a),
            Err(Mismatch::SigningKey { .. })
        ));
        let unrecorded = Installation {
            signing_public_key: None,
            ..a.clone()
        };
        assert_eq!(check(&a, &unrecorded), Ok(()));
    }
}
