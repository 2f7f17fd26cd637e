//! 红黑榜 — the ranking of the bodies directly below an agency (siblings of
//! one type under one parent) for a period, the last full month unless
//! asked (`domain::ranking`). Seen by those who may oversee the parent; the
//! parent's bulletin carries it.

use super::oversight::{choices, indicators, resolve};
use super::{App, Result};
use crate::domain::evaluation::{EvaluationRules, Period};
use crate::domain::ids::AgencyId;
use crate::domain::ranking::{self, Ranked};
use crate::store::agencies::Agency;
use crate::store::rollups::Scope;
use crate::store::staff::StaffMember;

/// The ranking of an agency's children.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Ranking {
    pub parent: Agency,
    pub period: Period,
    pub rows: Vec<Ranked<Agency>>,
    /// Enough units were ranked for red and black lists.
    pub lists: bool,
    pub choices: Vec<Agency>,
}

pub async fn ranking(
    app: &App,
    staff: &StaffMember,
    parent: Option<AgencyId>,
    period: Period,
) -> Result<Ranking> {
    let (parent, all, h) = resolve(app, staff, parent).await?;
    let mut units = Vec::new();
    for child in all.iter().filter(|a| a.parent_id == Some(parent.id)) {
        let (values, _) = indicators(app, &Scope::Agencies(vec![child.id]), period).await?;
        units.push((child.clone(), values));
    }
    let ranked = ranking::rank(EvaluationRules::official(), units);
    Ok(Ranking {
        parent,
        period,
        rows: ranked.rows,
        lists: ranked.lists,
        choices: choices(&all, &h, staff),
    })
}

/// The same for the bulletin, counted now (no cache): the children of `parent`.
pub async fn count(
    store: &crate::store::Store,
    agencies: &[Agency],
    parent: AgencyId,
    period: Period,
) -> Result<ranking::Ranking<Agency>> {
    let mut units = Vec::new();
    for child in agencies.iter().filter(|a| a.parent_id == Some(parent)) {
        let (values, _) =
            super::oversight::count(store, &Scope::Agencies(vec![child.id]), period).await?;
        units.push((child.clone(), values));
    }
    Ok(ranking::rank(EvaluationRules::official(), units))
}
