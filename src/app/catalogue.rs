//! Public reads that every page needs: the agencies (机关) and their hierarchy,
//! the catalogue's counts, and the published answers (答复公开).

use super::{App, Result};
use crate::domain::agency::AgencyType;
use crate::domain::ids::{AgencyId, PetitionId};
use crate::store::agencies::Agency;
use crate::store::workflow::PublicAnswer;
use std::sync::Arc;

/// All agencies, parents before children (cached; see `AgencyCache`).
pub async fn agencies(app: &App) -> Result<Arc<Vec<Agency>>> {
    Ok(app.store.agencies().await?)
}

pub async fn agency(app: &App, id: AgencyId) -> Result<Agency> {
    Ok(app.store.agency(id).await?)
}

/// Published procedures per agency type, for the home page.
pub async fn procedure_counts(app: &App) -> Result<Vec<(AgencyType, u64)>> {
    Ok(app.store.procedure_counts_by_type().await?)
}

/// A published answer with the agency that gave it.
pub async fn public_answer(app: &App, id: PetitionId) -> Result<(PublicAnswer, Agency)> {
    let answer = app.store.public_answer(id).await?;
    let agency = app.store.agency(answer.agency_id).await?;
    Ok((answer, agency))
}

/// Why a contact directory file was refused (nothing of it was loaded).
#[derive(Debug, thiserror::Error)]
pub enum ContactsError {
    #[error("not a contact directory: {0}")]
    Format(String),
    #[error("agency {code}: {error}")]
    Invalid {
        code: String,
        error: crate::domain::agency::ContactError,
    },
    #[error("no agency has the code {0:?}")]
    UnknownAgency(String),
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
}

#[derive(serde::Deserialize)]
struct ContactsFile {
    agency: Vec<ContactEntry>,
}

#[derive(serde::Deserialize)]
struct ContactEntry {
    code: String,
    #[serde(flatten)]
    contact: crate::domain::agency::AgencyContact,
}

/// Loads the agency contact directory from `text` (TOML: one `[[agency]]`
/// table per agency with `code`, `address_zh`, `address_en`, `hours_zh`,
/// `hours_en`, `phone`). Every entry is checked, and every code must name an
/// agency, before any is written; agencies not in the file keep theirs.
/// Returns how many were set.
pub async fn load_contacts(
    store: &crate::store::Store,
    text: &str,
) -> std::result::Result<usize, ContactsError> {
    let file: ContactsFile =
        toml::from_str(text).map_err(|e| ContactsError::Format(e.to_string()))?;
    let known = store.agencies().await?;
    let mut checked = Vec::with_capacity(file.agency.len());
    for entry in file.agency {
        if !known.iter().any(|a| a.code == entry.code) {
            return Err(ContactsError::UnknownAgency(entry.code));
        }
        let contact = entry
            .contact
            .validated()
            .map_err(|error| ContactsError::Invalid {
                code: entry.code.clone(),
                error,
            })?;
        checked.push((entry.code, contact));
    }
    for (code, contact) in &checked {
        store.set_agency_contact(code, contact).await?;
    }
    Ok(checked.len())
}
