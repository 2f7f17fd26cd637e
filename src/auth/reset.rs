//! One-time links to set a staff password: a random token mailed to the
//! account's owner, kept only as its SHA-256, good for 24 hours and once.

use crate::domain::ids::StaffId;
use crate::store::{Store, StoreResult};
use base64::Engine;
use sha2::{Digest, Sha256};

/// How long a reset link works.
pub const LIFETIME: chrono::TimeDelta = chrono::TimeDelta::hours(24);

/// What is stored of a random token (session, API token, reset link): its
/// SHA-256. The tokens carry 256 random bits, so a plain hash cannot be
/// reversed by guessing.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Makes a reset link's token for `staff`, keeps its hash, and returns it
/// (for the mail that carries it).
pub async fn make_token(
    store: &Store,
    staff: StaffId,
    requested_by: &str,
    lifetime: chrono::TimeDelta,
) -> StoreResult<String> {
    let bytes: [u8; 32] = rand::random();
    let token = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
    let now = chrono::Utc::now();
    store
        .keep_password_reset(
            &token_hash(&token),
            staff,
            requested_by,
            now,
            now + lifetime,
        )
        .await?;
    Ok(token)
}
