//! The agencies as the use cases need them: the tree of bodies (for scope
//! and oversight) and their names in the reader's language.

use super::{App, Result};
use crate::domain::agency::Hierarchy;
use crate::domain::ids::AgencyId;
use crate::store::agencies::Agency;
use std::sync::Arc;

pub(crate) async fn hierarchy(app: &App) -> Result<(Arc<Vec<Agency>>, Hierarchy)> {
    let agencies = app.store.agencies().await?;
    let h = Hierarchy::new(agencies.iter().map(|a| (a.id, a.parent_id)));
    Ok((agencies, h))
}

/// Every agency's name in the reader's language, by id (for pages that list them).
pub async fn agency_names(app: &App, english: bool) -> Result<Vec<(AgencyId, String)>> {
    Ok(app
        .store
        .agencies()
        .await?
        .iter()
        .map(|a| (a.id, a.name(english).to_owned()))
        .collect())
}

/// The agency a petition is with (for pages that name it).
pub async fn agency(app: &App, id: AgencyId) -> Result<Agency> {
    Ok(app.store.agency(id).await?)
}
