//! The public statistics' signed daily snapshots (统计快照): every scope and
//! period of a day's figures in one JSON document, its SHA-256 and an Ed25519
//! signature with the installation's audit key; made once a day by a job,
//! listed, served and checked against the published public key.

use super::statistics::{Base, Scope, compute, names, type_of};
use super::{App, Error, Result};
use crate::domain::agency::AgencyType;
use crate::domain::evaluation::{EvaluationRules, Period};
use crate::domain::page::{PageRequest, Paged};
use crate::store::Store;
use crate::store::statistics::Snapshot;
use chrono::Utc;
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use sha2::{Digest, Sha256};

/// The format line every snapshot starts its JSON with.
pub const SNAPSHOT_FORMAT: &str = "mingjing-statistics-snapshot/1";

/// The snapshot of `day`: every scope (the province, each type, each agency)
/// over every year and month with figures, as JSON; its SHA-256 and an
/// ed25519 signature of its bytes by `key`.
pub async fn make_snapshot(
    store: &Store,
    key: &SigningKey,
    day: chrono::NaiveDate,
) -> Result<Snapshot> {
    // Counted afresh, not from the cache: the file is what the record says now.
    let base = Base::read(store, day).await?;
    let agencies = store.agencies().await?;
    let rules = EvaluationRules::public();
    let mut scopes = vec![Scope::Province];
    scopes.extend(
        AgencyType::ALL
            .iter()
            .filter(|t| agencies.iter().any(|a| a.agency_type == **t))
            .map(|t| Scope::Type(*t)),
    );
    scopes.extend(agencies.iter().map(|a| Scope::Agency(a.id)));
    let first = base.first_month();
    let now = Period::month_of(day);
    let mut periods = Vec::new();
    if let Some(first) = first {
        let mut m = now;
        while m.key() >= first.key() {
            periods.push(m);
            m = m.previous();
        }
        periods.extend((first.year()..=now.year()).rev().map(Period::Year));
    }
    let mut out_scopes = Vec::new();
    for s in &scopes {
        let (name_zh, name_en) = names(s, &agencies);
        let mut out_periods = Vec::new();
        for p in &periods {
            let published = compute(&base, &agencies, s, *p, false);
            out_periods.push(serde_json::json!({
                "period": p.key(),
                "figures": published.figures,
                "received_by_kind": published.by_kind,
            }));
        }
        out_scopes.push(serde_json::json!({
            "scope": s.key(&agencies),
            "agency_type": type_of(s).map(AgencyType::as_str),
            "name_zh": name_zh,
            "name_en": name_en,
            "periods": out_periods,
        }));
    }
    let method: Vec<_> = rules
        .indicators
        .iter()
        .map(|i| {
            serde_json::json!({
                "id": i.id, "kind": i.kind(), "name_zh": i.name_zh, "name_en": i.name_en,
                "explain_zh": i.explain_zh, "explain_en": i.explain_en,
            })
        })
        .collect();
    let doc = serde_json::json!({
        "format": SNAPSHOT_FORMAT,
        "day": day.to_string(),
        "generated_at": base.read_at.to_rfc3339(),
        "min_sample": rules.min_sample,
        "method": method,
        "scopes": out_scopes,
    });
    let mut body = serde_json::to_string(&doc).map_err(Error::internal)?;
    body.push('\n');
    Ok(Snapshot {
        day: day.to_string(),
        sha256: hex::encode(Sha256::digest(body.as_bytes())),
        signature: hex::encode(key.sign(body.as_bytes()).to_bytes()),
        public_key: hex::encode(key.verifying_key().to_bytes()),
        body,
        created_at: Utc::now(),
    })
}

/// The job that makes a day's snapshot.
pub const SNAPSHOT: &str = "statistics.snapshot";

/// Makes and keeps `day`'s snapshot unless one exists. Returns true when one was written.
pub async fn snapshot_day(
    store: &Store,
    key: &SigningKey,
    today: chrono::NaiveDate,
) -> Result<bool> {
    if store.has_snapshot(&today.to_string()).await? {
        return Ok(false);
    }
    let started = std::time::Instant::now();
    let s = make_snapshot(store, key, today).await?;
    let written = store.insert_snapshot(&s).await?;
    tracing::info!(
        snapshot.day = %today,
        snapshot.bytes = s.body.len(),
        elapsed_ms = started.elapsed().as_millis() as u64,
        written,
        "statistics snapshot made"
    );
    Ok(written)
}

/// The sweep's part: once a day, enqueue the day's snapshot (the job's
/// dedupe key names the day, so several nodes enqueue it once).
pub async fn schedule(store: &Store) -> Result<()> {
    let today = super::today();
    if store.has_snapshot(&today.to_string()).await? {
        return Ok(());
    }
    crate::store::outbox::enqueue_job(
        store.conn(),
        SNAPSHOT,
        serde_json::json!({ "day": today.to_string() }),
        Some(format!("statistics-snapshot:{today}")),
    )
    .await?;
    Ok(())
}

/// Why a snapshot file does not verify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    #[error("the signature is not 64 bytes of hex or raw bytes")]
    BadSignatureFile,
    #[error(
        "the signature does not match the file: the file was changed after it was published, or it is not this installation's"
    )]
    Mismatch,
}

/// Reads a signature as published: 128 hex digits, or the 64 raw bytes (`.sig`).
pub fn read_signature(bytes: &[u8]) -> std::result::Result<Signature, VerifyError> {
    let text = std::str::from_utf8(bytes).map(str::trim).unwrap_or("");
    let raw: Vec<u8> = if text.len() == 128 {
        hex::decode(text).map_err(|_| VerifyError::BadSignatureFile)?
    } else {
        bytes.to_vec()
    };
    let arr: [u8; 64] = raw.try_into().map_err(|_| VerifyError::BadSignatureFile)?;
    Ok(Signature::from_bytes(&arr))
}

/// Checks a snapshot file's bytes against its signature and the installation's key.
pub fn verify(
    body: &[u8],
    signature: &Signature,
    key: &VerifyingKey,
) -> std::result::Result<(), VerifyError> {
    key.verify(body, signature)
        .map_err(|_| VerifyError::Mismatch)
}

/// The public key as PEM (SubjectPublicKeyInfo), for `openssl pkeyutl -verify`.
pub fn public_key_pem(key: &VerifyingKey) -> Result<String> {
    use ed25519_dalek::pkcs8::EncodePublicKey;
    key.to_public_key_pem(ed25519_dalek::pkcs8::spki::der::pem::LineEnding::LF)
        .map_err(Error::internal)
}

/// The snapshots, newest first (without their bodies).
pub async fn snapshots(
    app: &App,
    page: PageRequest,
) -> Result<Paged<crate::store::statistics::SnapshotEntry>> {
    Ok(app.store.snapshots(page).await?)
}

/// One day's snapshot, as published.
pub async fn snapshot(app: &App, day: &str) -> Result<Snapshot> {
    Ok(app.store.snapshot(day).await?)
}
