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
